"""sniffing: a file's bytes and name → its format. The content decides; the name only
breaks ties (plain text is .txt or .md by its name) and names what the content cannot tell.

Used by the ingest stage (``pipeline/ingest/reader.py``) to pick a reader. Formats: ``html``,
``txt``, ``md``, ``docx``, ``xlsx``, ``pdf``, ``doc`` (Word 97 binary, .doc and .wps),
``mht``, ``csv``, ``tsv``, ``jsonl``, ``json``, ``zip``, ``tar``, ``gz``, ``7z``, ``rar``,
``rtf``, ``xls``; anything else is the name's suffix (an unsupported type).

So HTML saved as .txt, .doc, .aspx, ``index.html?id=5`` or with no extension is ``html``;
a .docx named .doc is ``docx``; a PDF named .txt is ``pdf``.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePosixPath

TEXT_SUFFIXES = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
# formats told by the name alone (the content has no signature to look for)
NAMED = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
         ".mht": "mht", ".mhtml": "mht", ".docx": "docx", ".xlsx": "xlsx", ".xlsm": "xlsx",
         ".pdf": "pdf", ".doc": "doc", ".wps": "doc", ".dot": "doc", ".rtf": "rtf", ".xls": "xls", ".et": "xls",
         ".zip": "zip", ".tar": "tar", ".gz": "gz", ".tgz": "tar.gz", ".7z": "7z", ".rar": "rar"}
KNOWN_SUFFIXES = set(TEXT_SUFFIXES) | HTML_SUFFIXES | set(NAMED) | {".tar.gz"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# OLE2 files that are not Word documents: Excel 97, PowerPoint 97, WPS spreadsheet/slides, Outlook
OLE2_OTHER = {".xls": "xls", ".et": "xls", ".ppt": "ppt", ".dps": "ppt", ".msg": "msg"}
_HTML_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p|table)\b", re.I | re.S)
# Markdown may open with an HTML block (<div align="center">): only a whole document counts
_HTML_DOCUMENT_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)


def name_suffix(name: str) -> str:
    """The lower-case suffix of a file name; a URL query or fragment saved into the name is
    cut off when the name's own suffix is none we know (``index.html?id=5`` → ``.html``,
    ``report#1.txt`` → ``.txt``); ``.tar.gz`` counts as one suffix."""
    suffix = _suffix(name)
    if suffix in KNOWN_SUFFIXES:
        return suffix
    cut = re.split(r"[?#]", name, maxsplit=1)[0]
    return _suffix(cut) if cut and _suffix(cut) in KNOWN_SUFFIXES else suffix


def _suffix(name: str) -> str:
    lower = PurePosixPath(name.replace("\\", "/")).name.lower()
    return ".tar.gz" if lower.endswith(".tar.gz") else PurePosixPath(lower).suffix


def format_of(name: str) -> str:
    """The format a file's name announces (what ``sniff_format`` falls back to)."""
    suffix = name_suffix(name)
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in TEXT_SUFFIXES:
        return TEXT_SUFFIXES[suffix]
    if suffix == ".tar.gz":
        return "tar.gz"
    return NAMED.get(suffix) or suffix.lstrip(".") or "unknown"


def sniff_format(data: bytes, name: str) -> str:
    """The format of ``data`` (a file or an archive member called ``name``)."""
    suffix = name_suffix(name)
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(OLE2):
        return OLE2_OTHER.get(suffix, "doc")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return zip_container(data, suffix)
    if data.startswith(b"\x1f\x8b"):
        return "tar.gz" if suffix in (".tgz", ".tar.gz") else "gz"
    if data[257:262] == b"ustar":
        return "tar"
    if data.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if data.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if data.lstrip()[:5] == b"{\\rtf":
        return "rtf"
    if looks_like_html_file(data, whole_document=suffix in (".md", ".markdown")):
        return "html"
    if is_mime_message(head):
        return "mht"
    return format_of(name)


def zip_container(data: bytes, suffix: str) -> str:
    """A zip file: a .docx or .xlsx by the part it holds (whatever its name), else ``zip``."""
    if suffix in (".docx", ".xlsx", ".xlsm", ".zip"):
        return NAMED[suffix]
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return NAMED.get(suffix, "zip")
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "zip"


def looks_like_html_file(data: bytes, whole_document: bool = False) -> bool:
    """True when the file starts (after a BOM, blank space and comments) with an HTML tag.

    Tag names are ASCII, so the first bytes are read as Latin-1 (UTF-16 by its BOM); plain
    text that mentions ``<p>`` inside a sentence does not start with it."""
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("latin-1")
    text = text.lstrip("\ufeff\u00ef\u00bb\u00bf")
    if text.lstrip().lower().startswith("<?xml"):
        text = text.split("?>", 1)[-1]
    return bool((_HTML_DOCUMENT_START if whole_document else _HTML_START).match(text))


def is_mime_message(head: bytes) -> bool:
    """True for a saved web archive (MIME headers, a multipart/related body)."""
    text = head.decode("latin-1").lower()
    return "mime-version:" in text and "multipart/related" in text
