"""A PDF with a text layer (bytes) → its text, page by page, page chrome removed.

Used by the ingest stage. PDFium (pypdfium2) reads each page's text layer; the lines of a
single-column page are put top to bottom (``page_text_lines``); pages are joined by a line
break. Running headers, footers and page numbers (lines at the top or bottom of the pages
that repeat on most pages, patterns in ``pipeline/rules/pdf_chrome.toml``) are marked with
rule ids; the clean stage removes them and logs each removal, as it does its own. A PDF without any
text (a scan) is rejected: OCR is not supported. Encrypted PDFs are rejected too.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from pipeline import rules
from pipeline.ingest.decoding import Rejected

SCANNED = "no text layer (scanned PDF): OCR is not supported"


@lru_cache(maxsize=1)
def page_number_pattern() -> re.Pattern:
    patterns = rules.load_toml("pdf_chrome.toml")["page_number"]
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def pdf_to_text(data: bytes, cfg: dict) -> tuple[str, str, list[dict], list[int]]:
    """(text, title, chrome lines, pages without text) of a PDF; raises Rejected for a
    scan, an encrypted or a corrupt file.

    The text keeps every line; the chrome lines are {"line", "page", "text", "rule"} (line:
    1-based in the text, page: 1-based), for the clean stage to remove and log. The pages
    without text (1-based) are scanned pages inside a PDF with a text layer elsewhere."""
    pages, title = read_pdf(data)
    if not any(pages):
        raise Rejected(SCANNED)
    chrome = page_chrome(pages, cfg)
    blank = [n for n, lines in enumerate(pages, 1) if not lines]
    return "\n".join(line for lines in pages for line in lines), title, chrome, blank


def read_pdf(data: bytes) -> tuple[list[list[str]], str]:
    """(the text lines of every page, the document's title): blank lines dropped, blanks at
    line ends trimmed."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise Rejected("encrypted pdf: a password is needed to read it") from None
        raise Rejected(f"corrupt pdf: {exc}") from None
    try:
        pages = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            lines = page_text_lines(textpage, upright=page.get_rotation() == 0)
            textpage.close()
            page.close()
            pages.append(lines)
        return pages, (pdf.get_metadata_dict().get("Title") or "").strip()
    finally:
        pdf.close()


def page_text_lines(textpage, upright: bool) -> list[str]:
    """A page's non-blank text lines in reading order.

    PDFium gives the text in the order it is drawn, with line breaks where the position
    jumps. Lines drawn out of order on a single-column page (a footer or a header drawn
    first, a paragraph appended later) are put top to bottom by their baseline; a page
    where two lines share a baseline (columns, table cells) keeps the drawn order, which
    reads columns and cells one after the other."""
    count = textpage.count_chars()
    if not count:
        return []
    text = textpage.get_text_range()
    lines: list[tuple[float | None, str]] = []
    start = 0
    for piece in text.replace("\r\n", "\n\x00").replace("\r", "\n").split("\n"):
        # "\r\n" are two characters of the text page: keep the count so indices stay aligned
        line = piece.lstrip("\x00")
        offset = start + len(piece) - len(line)
        if line.strip():
            first = offset + len(line) - len(line.lstrip())
            lines.append((textpage.get_charbox(first)[1] if len(text) == count else None, line.strip()))
        start += len(piece) + 1
    ys = sorted(y if y is not None else float("nan") for y, _ in lines)
    if not upright or any(not b - a >= 2 for a, b in zip(ys, ys[1:])):   # NaN fails the test too
        return [line for _, line in lines]
    return [line for _, line in sorted(lines, key=lambda item: -item[0])]


def page_chrome(pages: list[list[str]], cfg: dict) -> list[dict]:
    """The chrome lines of the pages (see the module docstring), numbered as in the text
    that joins the pages' lines."""
    numbers = page_number_pattern()
    top, bottom = Counter(), Counter()
    for lines in pages:
        head, foot = zones(len(lines), cfg["pdf_chrome_lines"])
        top.update({fold(line) for line in lines[:head]})
        bottom.update({fold(line) for line in lines[len(lines) - foot:]})
    need = max(2, cfg["pdf_chrome_min_share"] * len(pages))
    chrome = []
    line_no = 0
    for p, lines in enumerate(pages, 1):
        head, foot = zones(len(lines), cfg["pdf_chrome_lines"])
        for i, line in enumerate(lines):
            line_no += 1
            in_top, in_bottom = i < head, i >= len(lines) - foot
            rule = None
            if (in_top or in_bottom) and numbers.fullmatch(line):
                rule = "pdf:page-number"
            elif in_top and top[fold(line)] >= need:
                rule = "pdf:repeated-header"
            elif in_bottom and bottom[fold(line)] >= need:
                rule = "pdf:repeated-footer"
            if rule:
                chrome.append({"line": line_no, "page": p, "text": line, "rule": rule})
    return chrome


def zones(n_lines: int, size: int) -> tuple[int, int]:
    """How many lines at the top and at the bottom of a page of ``n_lines`` may be chrome:
    ``size`` each, on a short page its upper and lower half (a line is in one zone only)."""
    return min(size, (n_lines + 1) // 2), min(size, n_lines // 2)


def fold(line: str) -> str:
    """A line with its digits folded, so "第3页" and "第4页" count as one running line."""
    return re.sub(r"\d+", "#", line)
