"""A .docx file (bytes) → its text, one paragraph per line, and its core properties.

Used by the ingest stage. Body paragraphs and tables are read in document order (a table
row becomes one line, its cells joined by a tab); headers/footers are not body text.
"""
from __future__ import annotations

import io


def docx_to_text(data: bytes) -> tuple[str, dict]:
    """(text, properties) of a .docx; raises whatever python-docx raises on a corrupt file."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        if block.tag == qn("w:p"):
            lines.append(paragraph_text(block))
        elif block.tag == qn("w:tbl"):
            for row in block.iter(qn("w:tr")):
                cells = [" ".join(paragraph_text(p) for p in tc.iter(qn("w:p"))).strip()
                         for tc in row.iter(qn("w:tc"))]
                lines.append("\t".join(c for c in cells if c))
    props = document.core_properties
    return "\n".join(lines), {
        "title": (props.title or "").strip(),
        "author": (props.author or "").strip(),
        "docx_created": props.created.isoformat() if props.created else "",
    }


def paragraph_text(p) -> str:
    """The text of a w:p element: its runs' text, tabs and line breaks kept."""
    from docx.oxml.ns import qn

    parts = []
    for node in p.iter(qn("w:t"), qn("w:tab"), qn("w:br")):
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.tag == qn("w:tab"):
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)
