"""ingest: input files → pages (decoded, line-structured text plus header metadata).

``discover_files`` lists the input files under the raw folder and accounts for the ones it
will not read (symlink loops, symlinks leaving the folder, unreadable entries).
``ingest_file`` turns one file into its pages: a .txt/.md/.html/.docx file is one page, a
.csv/.jsonl file one page per row, a .zip one page per member. It never raises: bad input
becomes a page with ``status = "rejected"`` and a ``reason``.

The parts, each in its own module:
- ``pipeline/decoding.py``: bytes → text (BOM, UTF-16, UTF-8, GB18030 vs Big5 by common
  hanzi, charset-normalizer; binary, NUL and truncation checks) and ``Rejected``.
- ``pipeline/rows.py``: CSV/JSONL rows → pages; ``pipeline/archives.py``: zip members → pages.
- ``pipeline/page_meta.py``: header metadata, patterns in ``pipeline/rules/page_meta.toml``.
- ``pipeline/htmltext.py``: HTML main text; ``pipeline/docx_text.py``: .docx text.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path, PurePosixPath

# common_hanzi is not used here: the robustness evaluation imports it from this module
# (as tests import decode_bytes and iso_datetime)
from .decoding import Rejected, common_hanzi, decode_bytes, normalise_newlines  # noqa: F401
from .page_meta import header_metadata, iso_datetime, page_meta_rules
from .records import Page

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
TABLE_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


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
        limit = cfg["max_table_bytes"] if path.suffix.lower() in TABLE_SUFFIXES or path.suffix.lower() == ".zip" else cfg["max_bytes"]
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

def pages_from_bytes(data: bytes, rel: str, name: str, cfg: dict, depth: int) -> list[Page]:
    """The pages held by ``data`` (a file or a zip member named ``name``)."""
    # imported here, not on top: archives and rows call back into this module (a zip member
    # is dispatched again, a row's text is filled like a page's)
    from .archives import zip_pages
    from .rows import row_pages

    suffix = PurePosixPath(name).suffix.lower()
    fmt = format_of(name)
    if suffix == ".zip":
        if depth > 0:
            return [rejected_page(hash_bytes(data), rel, fmt, "nested zip archive (not unpacked)")]
        return zip_pages(data, rel, cfg)
    if suffix in TABLE_SUFFIXES:
        return row_pages(data, rel, TABLE_SUFFIXES[suffix], suffix, cfg)
    page = Page(page_id=hash_bytes(data), path=rel, format=fmt)
    try:
        if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES | {".docx"}:
            raise Rejected(f"unsupported type: {suffix or 'no extension'}")
        if len(data) > cfg["max_bytes"]:
            raise Rejected(f"larger than the limit: {len(data)} bytes > {cfg['max_bytes']}")
        if suffix == ".docx":
            fill_docx_page(page, data, cfg)
        else:
            text, page.encoding = decode_bytes(data, html=suffix in HTML_SUFFIXES)
            fill_text_page(page, text, cfg, html=suffix in HTML_SUFFIXES)
    except Rejected as exc:
        page.status, page.reason, page.text = "rejected", str(exc), ""
    return [page]


def fill_text_page(page: Page, text: str, cfg: dict, html: bool) -> None:
    """Set the page's text (HTML → main text) and header metadata; raise Rejected if empty."""
    from . import htmltext

    if html or (page.format in ("csv-row", "jsonl-row") and looks_like_html(text)):
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
    if sum(map(len, page.text.split())) < cfg.get("min_text_chars", 1):
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


def looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return bool(re.search(r"<(?:html|body|div|p|br|table|span|!doctype)\b", head))


# ── small helpers ────────────────────────────────────────────────────────────────────────

def rejected_page(page_id: str, rel: str, fmt: str, reason: str) -> Page:
    return Page(page_id=page_id, path=rel, format=fmt, status="rejected", reason=reason)


def format_of(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in TEXT_SUFFIXES:
        return "md" if suffix in (".md", ".markdown") else "txt"
    return suffix.lstrip(".") or "unknown"


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
