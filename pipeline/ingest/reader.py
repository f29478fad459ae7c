"""The ingest entry points: input files → pages (decoded, line-structured text plus header metadata).

``discover_files`` lists the input files under the raw folder and accounts for the ones it
will not read (symlink loops, symlinks leaving the folder, unreadable entries).
``ingest_file`` turns one file into its pages: the content decides the format
(``sniffing.sniff_format``); a text, HTML, .docx, PDF, Word 97 or .mht file is one page, a
.csv/.jsonl/.json/.xlsx file one page per row, an archive one page per member. It never
raises: bad input becomes a page with ``status = "rejected"`` and a ``reason``.

The parts, each in its own module:
- ``pipeline/ingest/sniffing.py``: bytes and name → format.
- ``pipeline/ingest/decoding.py``: bytes → text (BOM, UTF-16, UTF-8, GB18030 vs Big5 by common
  hanzi, charset-normalizer; binary, NUL and truncation checks) and ``Rejected``.
- ``pipeline/ingest/tabular.py``: CSV/JSONL/JSON rows → pages (``pipeline/ingest/tabular.py``: .xlsx rows);
  ``pipeline/ingest/archives.py``: zip/tar/gz members → pages.
- ``pipeline/ingest/page_meta.py``: header metadata, patterns in ``pipeline/rules/page_meta.toml``.
- ``pipeline/ingest/htmltext.py``: HTML main text; ``pipeline/ingest/docx_text.py``: .docx text;
  ``pipeline/ingest/pdf_text.py``: PDF text layer; ``pipeline/ingest/doc_text.py``: Word 97 via a
  converter; ``pipeline/ingest/mht_text.py``: the HTML of a web archive.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pipeline.ingest.decoding import Rejected
from pipeline.ingest.page_text import PAGE_READERS, UNSUPPORTED, hash_bytes, hash_text, rejected_page
from pipeline.ingest.sniffing import format_of, name_suffix, sniff_format
from pipeline.records import Page

# ── the stage ────────────────────────────────────────────────────────────────────────────

def discover_files(raw: Path, exclude: dict[Path, str] | None = None) -> tuple[list[Path], list[dict]]:
    """Input files under ``raw`` (sorted), and the entries skipped, each {"path", "reason"}.

    Outputs are never input: the folders in ``exclude`` (this build's output and cache
    folders → the reason), any folder the project wrote (``build_checks.project_output``:
    an earlier output folder, a cache, a topic model) and copies of its R export
    (``build_checks.project_file``) are skipped, with the reason.
    Symlinks are not followed when they loop, dangle or point outside ``raw``; a symlink to
    a file or folder inside ``raw`` is skipped too (its target is read at its own path)."""
    from pipeline.engine.build_checks import project_file, project_output

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


def pages_from_bytes(data: bytes, rel: str, name: str, cfg: dict, depth: int) -> list[Page]:
    """The pages held by ``data`` (a file or an archive member named ``name``); the content
    decides the format (``sniffing.sniff_format``), the name only breaks ties."""
    from pipeline.ingest.archives import archive_pages
    from pipeline.ingest.tabular import row_pages

    fmt = sniff_format(data, name)
    if fmt in ARCHIVES:
        if depth > 0:
            return [rejected_page(hash_bytes(data), rel, fmt, f"nested archive ({fmt}, not unpacked)")]
        return archive_pages(data, rel, name, fmt, cfg, pages_from_bytes)
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


# ── small helpers ────────────────────────────────────────────────────────────────────────


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


def file_sha1(path: Path) -> str:
    h = hashlib.sha1()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]
