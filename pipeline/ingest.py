"""ingest: input files → pages (decoded, line-structured text plus header metadata).

``discover_files`` lists the input files under the raw folder and accounts for the ones it
will not read (symlink loops, symlinks leaving the folder, unreadable entries).
``ingest_file`` turns one file into its pages: the content decides the format
(``sniffing.sniff_format``); a text, HTML, .docx, PDF, Word 97 or .mht file is one page, a
.csv/.jsonl/.json/.xlsx file one page per row, an archive one page per member. It never
raises: bad input becomes a page with ``status = "rejected"`` and a ``reason``.

The parts, each in its own module:
- ``pipeline/sniffing.py``: bytes and name → format.
- ``pipeline/decoding.py``: bytes → text (BOM, UTF-16, UTF-8, GB18030 vs Big5 by common
  hanzi, charset-normalizer; binary, NUL and truncation checks) and ``Rejected``.
- ``pipeline/rows.py``: CSV/JSONL/JSON rows → pages (``pipeline/sheets.py``: .xlsx rows);
  ``pipeline/archives.py``: zip/tar/gz members → pages.
- ``pipeline/page_meta.py``: header metadata, patterns in ``pipeline/rules/page_meta.toml``.
- ``pipeline/htmltext.py``: HTML main text; ``pipeline/docx_text.py``: .docx text;
  ``pipeline/pdf_text.py``: PDF text layer; ``pipeline/doc_text.py``: Word 97 via a
  converter; ``pipeline/mht_text.py``: the HTML of a web archive.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

# common_hanzi is not used here: the robustness evaluation imports it from this module
# (as tests import decode_bytes and iso_datetime)
from .decoding import Rejected, common_hanzi, decode_bytes, normalise_newlines  # noqa: F401
from .page_meta import header_metadata, iso_datetime, page_meta_rules
from .records import Page
from .sniffing import format_of, name_suffix, sniff_format


# ── the stage ────────────────────────────────────────────────────────────────────────────

def discover_files(raw: Path, exclude: dict[Path, str] | None = None) -> tuple[list[Path], list[dict]]:
    """Input files under ``raw`` (sorted), and the entries skipped, each {"path", "reason"}.

    Outputs are never input: the folders in ``exclude`` (this build's output and cache
    folders → the reason), any folder the project wrote (``build_checks.project_output``:
    an earlier output folder, a cache, a topic model) and copies of its R export
    (``build_checks.project_file``) are skipped, with the reason.
    Symlinks are not followed when they loop, dangle or point outside ``raw``; a symlink to
    a file or folder inside ``raw`` is skipped too (its target is read at its own path)."""
    from .build_checks import project_file, project_output

    raw = Path(raw)
    root = raw.resolve()
    excluded = {Path(p).resolve(): reason for p, reason in (exclude or {}).items()}
    files: list[Path] = []
    skipped: list[dict] = []
    stack = [raw]
    while stack:
        folder = stack.pop()
        why = excluded.get(folder.resolve()) or (project_output(folder) if folder != raw else None)
        if why:
            skipped.append({"path": display_path(folder, raw), "reason": why})
            continue
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            skipped.append({"path": display_path(folder, raw), "reason": f"unreadable folder: {exc.strerror or exc}"})
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                reason = symlink_problem(path, root)
                skipped.append({"path": display_path(path, raw), "reason": reason})
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(path)
            elif entry.is_file(follow_symlinks=False):
                if not os.access(path, os.R_OK):
                    skipped.append({"path": display_path(path, raw), "reason": "unreadable: permission denied"})
                elif why := project_file(path):
                    skipped.append({"path": display_path(path, raw), "reason": why})
                else:
                    files.append(path)
            else:
                skipped.append({"path": display_path(path, raw), "reason": "not a regular file (device, FIFO or socket)"})
    files.sort(key=lambda p: os.fsencode(p))
    skipped.sort(key=lambda s: s["path"])
    return files, skipped


def ingest_file(path: Path, root: Path, cfg: dict) -> list[Page]:
    """One input file → its pages (several for CSV/JSONL/zip). Never raises.

    Parameters: ``path`` the file, ``root`` the raw folder (page paths are relative to it),
    ``cfg`` the [ingest] settings. Returns at least one Page (a rejected one on bad input)."""
    path = Path(path)
    rel = display_path(path, Path(root))
    try:
        size = path.stat().st_size
        # a table or an archive holds many pages: its own limit (each page obeys max_bytes)
        limit = cfg["max_table_bytes"] if format_of(path.name) in ROW_FORMATS | ARCHIVES else cfg["max_bytes"]
        if size > limit:
            return [rejected_page(file_sha1(path), rel, format_of(path.name), f"larger than the limit: {size} bytes > {limit}")]
        data = path.read_bytes()
    except OSError as exc:
        return [rejected_page(hash_text(rel), rel, format_of(path.name), f"unreadable: {exc.strerror or exc}")]
    try:
        return pages_from_bytes(data, rel, path.name, cfg, depth=0)
    except Exception as exc:  # last guard: a bug on one file must not stop the build
        return [rejected_page(hash_bytes(data), rel, format_of(path.name), f"ingest failed: {type(exc).__name__}: {exc}")]


# ── dispatch by type ─────────────────────────────────────────────────────────────────────

ARCHIVES = {"zip", "tar", "tar.gz", "gz"}
ROW_FORMATS = {"csv", "tsv", "jsonl", "json", "xlsx"}
UNSUPPORTED = {
    "7z": "7z archive: not supported (unpack it first, e.g. with `7z x`, and build the folder)",
    "rar": "rar archive: not supported (unpack it first, e.g. with `unrar x` or `7z x`, and build the folder)",
    "rtf": "RTF document: not supported (save it as .docx or .txt)",
    "xls": "Excel 97 workbook (.xls): not supported (save it as .xlsx or .csv)",
    "ppt": "PowerPoint 97 file: not supported (save it as .pdf or .docx)",
}


def pages_from_bytes(data: bytes, rel: str, name: str, cfg: dict, depth: int) -> list[Page]:
    """The pages held by ``data`` (a file or an archive member named ``name``); the content
    decides the format (``sniffing.sniff_format``), the name only breaks ties."""
    # imported here, not on top: archives and rows call back into this module (a member is
    # dispatched again, a row's text is filled like a page's)
    from .archives import archive_pages
    from .rows import row_pages

    fmt = sniff_format(data, name)
    if fmt in ARCHIVES:
        if depth > 0:
            return [rejected_page(hash_bytes(data), rel, fmt, f"nested archive ({fmt}, not unpacked)")]
        return archive_pages(data, rel, name, fmt, cfg)
    if fmt in ROW_FORMATS:
        return row_pages(data, rel, fmt, cfg)
    page = Page(page_id=hash_bytes(data), path=rel, format=fmt)
    try:
        reader = PAGE_READERS.get(fmt)
        if reader is None:
            suffix = name_suffix(name)
            raise Rejected(UNSUPPORTED.get(fmt) or f"unsupported type: {suffix or 'no extension'}")
        if len(data) > cfg["max_bytes"]:
            raise Rejected(f"larger than the limit: {len(data)} bytes > {cfg['max_bytes']}")
        reader(page, data, cfg)
    except Rejected as exc:
        page.status, page.reason, page.text = "rejected", str(exc), ""
    return [page]


def fill_plain_page(page: Page, data: bytes, cfg: dict) -> None:
    text, page.encoding = decode_bytes(data, html=False)
    fill_text_page(page, text, cfg, html=False)


def fill_html_page(page: Page, data: bytes, cfg: dict) -> None:
    text, page.encoding = decode_bytes(data, html=True)
    fill_text_page(page, text, cfg, html=True)


def fill_pdf_page(page: Page, data: bytes, cfg: dict) -> None:
    from . import pdf_text

    text, title, chrome, blank = pdf_text.pdf_to_text(data, cfg)
    page.encoding = None
    page.title = title or None
    if chrome:   # removed (and logged) by the clean stage
        page.meta["chrome_lines"] = chrome
    if blank:    # scanned pages among pages with text: their text is missing, say so
        page.meta["pages_without_text"] = blank
    page.text = normalise_newlines(text)
    header_metadata(page, page.text)
    if len(chrome) == len(page.text.split("\n")):
        raise Rejected("empty: the PDF holds only page headers, footers and numbers")


def fill_doc_page(page: Page, data: bytes, cfg: dict) -> None:
    from . import doc_text

    text, converter = doc_text.doc_to_text(data, cfg)
    page.encoding = None
    page.meta["converter"] = converter
    page.text = normalise_newlines(text)
    header_metadata(page, page.text)
    if not page.text.strip():
        raise Rejected(f"empty: {converter} found no text in the Word 97 file")


def fill_mht_page(page: Page, data: bytes, cfg: dict) -> None:
    from . import mht_text

    html, page.encoding, page.url = mht_text.mht_html(data)
    fill_text_page(page, html, cfg, html=True)


def sniffed_format(name: str, pages: list[Page]) -> str | None:
    """The format the content of file ``name`` showed when its name says another (the
    manifest's ``sniffed_format``), else None. Archives: their members speak for themselves."""
    if not pages or any("!" in p.path[len(name):] for p in pages):
        return None
    formats = {p.format.removesuffix("-row") for p in pages}
    named = format_of(name)
    if len(formats) != 1 or named in ARCHIVES:
        return None
    found = formats.pop()
    same = {("tsv", "csv")}
    return None if found == named or (named, found) in same else found


def fill_text_page(page: Page, text: str, cfg: dict, html: bool) -> None:
    """Set the page's text (HTML → main text) and header metadata; raise Rejected if empty."""
    from . import htmltext

    if html or (page.format.endswith("-row") and looks_like_html(text)):
        try:
            result = htmltext.html_to_text(
                text, {**cfg, "title_site_separators": page_meta_rules().get("title_site_separators", [])})
        except htmltext.HtmlTooDeep as exc:
            raise Rejected(f"deeply nested HTML: {exc}") from None
        except (RecursionError, ValueError) as exc:
            raise Rejected(f"HTML parser failed: {type(exc).__name__}: {exc}") from None
        page.text = result.text
        page.meta["html_extractor"] = result.method
        page.meta.update(result.meta)
        page.title = page.title or result.title
        page.site = page.site or result.site
        page.url = page.url or result.url
        page.published = page.published or iso_datetime(result.published)
        header_metadata(page, result.text)
        header_metadata(page, result.page_text, page_meta_rules().get("html_header_lines", 60))
    else:
        page.text = normalise_newlines(text)
        header_metadata(page, page.text)
    # non-space characters (str.split() splits on exactly the characters str.isspace() accepts)
    if sum(map(len, page.text.split())) < cfg["min_text_chars"]:
        raise Rejected("empty: no text" if not html else "empty: no main text found in the HTML")


def fill_docx_page(page: Page, data: bytes, cfg: dict) -> None:
    from . import docx_text
    from .archives import check_zip_safety

    check_zip_safety(data, cfg, what="docx")
    try:
        text, props = docx_text.docx_to_text(data)
    except Exception as exc:
        raise Rejected(f"corrupt docx: {type(exc).__name__}: {exc}") from None
    page.encoding = None
    page.title = props.get("title") or None
    page.meta.update({k: v for k, v in props.items() if v and k != "title"})
    page.text = normalise_newlines(text)
    header_metadata(page, page.text)
    if not page.text.strip():
        raise Rejected("empty: the docx holds no text")


PAGE_READERS = {"txt": fill_plain_page, "md": fill_plain_page, "html": fill_html_page, "docx": fill_docx_page,
                "pdf": fill_pdf_page, "doc": fill_doc_page, "mht": fill_mht_page}


def looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return bool(re.search(r"<(?:html|body|div|p|br|table|span|!doctype)\b", head))


# ── small helpers ────────────────────────────────────────────────────────────────────────

def rejected_page(page_id: str, rel: str, fmt: str, reason: str) -> Page:
    return Page(page_id=page_id, path=rel, format=fmt, status="rejected", reason=reason)


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` as text (always encodable as UTF-8); file names that are
    not UTF-8 on disk (GBK names from a Chinese Windows copy) are decoded as GB18030, other
    bytes (Latin-1, Shift-JIS names) are shown as ``\\xe9`` escapes."""
    try:
        rel = Path(path).relative_to(root)
    except ValueError:
        rel = Path(path)
    raw = os.fsencode(rel)
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="backslashreplace")     # Latin-1, Shift-JIS…: visible and distinct


def symlink_problem(path: Path, root: Path) -> str:
    """Why a symlink is not followed."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        return "symlink loop (not followed)"
    except OSError as exc:
        if getattr(exc, "errno", None) == 40:   # ELOOP
            return "symlink loop (not followed)"
        return "broken symlink (target missing)"
    if not target.is_relative_to(root):
        return "symlink pointing outside the input folder (not followed)"
    kind = "folder" if target.is_dir() else "file"
    return f"symlink to a {kind} inside the input folder (read at its own path, not twice)"


def hash_bytes(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:16]


def hash_text(text: str) -> str:
    return hash_bytes(text.encode("utf-8", errors="surrogatepass"))


def file_sha1(path: Path) -> str:
    h = hashlib.sha1()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]
