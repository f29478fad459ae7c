"""ingest: input files → pages (decoded, line-structured text plus header metadata).

``discover_files`` lists the input files under the raw folder and accounts for the ones it
will not read (symlink loops, symlinks leaving the folder, unreadable entries).
``ingest_file`` turns one file into its pages: a .txt/.md/.html/.docx file is one page, a
.csv/.jsonl file one page per row, a .zip one page per member. It never raises: bad input
becomes a page with ``status = "rejected"`` and a ``reason``.

Decoding (``decode_bytes``): BOM → strict UTF-8 → the CJK-aware choice between GB18030
and Big5 (the candidate whose text uses more of the common hanzi wins; a declared HTML
charset only breaks near-ties) → charset-normalizer for anything else. Line endings
become "\\n". Traditional characters and full-width forms are kept (clean converts them).
HTML main text comes from ``pipeline/htmltext.py``; .docx text from ``pipeline/docx_text.py``.
Header metadata patterns live in ``pipeline/rules/page_meta.toml``.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import re
import unicodedata
import zipfile
from functools import lru_cache
from pathlib import Path, PurePosixPath

from . import rules
from .records import Page

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
TABLE_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}

# Signatures of binary formats a scrape folder picks up (images, PDFs, archives, executables).
BINARY_MAGIC = {
    b"\x89PNG": "PNG image", b"\xff\xd8\xff": "JPEG image", b"GIF8": "GIF image", b"%PDF": "PDF",
    b"\x1f\x8b": "gzip data", b"\x7fELF": "ELF executable", b"MZ": "Windows executable",
    b"BZh": "bzip2 data", b"7z\xbc\xaf": "7z archive", b"Rar!": "RAR archive", b"\xd0\xcf\x11\xe0": "OLE (old Office) file",
    b"RIFF": "RIFF media", b"OggS": "Ogg media", b"\x00\x00\x01\x00": "icon",
}
BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
_HANZI = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_PRIVATE = re.compile("[\ue000-\uf8ff]")
SCORE_SAMPLE_CHARS = 100_000
_CJK = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef]")
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


class Rejected(Exception):
    """Raised inside ingest (never out of it): the page is rejected with this reason."""


# ── the stage ────────────────────────────────────────────────────────────────────────────

def discover_files(raw: Path) -> tuple[list[Path], list[dict]]:
    """Input files under ``raw`` (sorted), and the entries skipped, each {"path", "reason"}.

    Symlinks are not followed when they loop, dangle or point outside ``raw``; a symlink to
    a file or folder inside ``raw`` is skipped too (its target is read at its own path)."""
    raw = Path(raw)
    root = raw.resolve()
    files: list[Path] = []
    skipped: list[dict] = []
    stack = [raw]
    while stack:
        folder = stack.pop()
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
                if os.access(path, os.R_OK):
                    files.append(path)
                else:
                    skipped.append({"path": display_path(path, raw), "reason": "unreadable: permission denied"})
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


# ── tables: one page per row ─────────────────────────────────────────────────────────────

def row_pages(data: bytes, rel: str, kind: str, suffix: str, cfg: dict) -> list[Page]:
    """A .csv/.jsonl file → one page per row (rows without text rejected one by one)."""
    file_id = hash_bytes(data)
    try:
        if not data.strip():
            raise Rejected("empty file")
        screen_binary(data)
        text, encoding = decode_bytes(data, html=False)
        rows = iter_csv(text, suffix) if kind == "csv" else iter_jsonl(text)
        pages = []
        text_col = None
        for n, row in rows:
            if isinstance(row, str):           # a line that is not a JSON object
                pages.append(rejected_page(hash_text(f"{rel}#{n}"), f"{rel}#row={n}", f"{kind}-row", row))
                continue
            text_col = text_col or first_column(row, cfg["text_columns"])
            if text_col is None:
                raise Rejected(f"no text column: looked for {', '.join(cfg['text_columns'])}; "
                               f"the file has {', '.join(map(str, list(row)[:12]))}")
            pages.append(row_page(row, text_col, f"{rel}#row={n}", kind, encoding, cfg))
        if not pages:
            raise Rejected("empty: no rows")
        return pages
    except Rejected as exc:
        return [rejected_page(file_id, rel, kind, str(exc))]


def row_page(row: dict, text_col: str, rel: str, kind: str, encoding: str, cfg: dict) -> Page:
    value = row.get(text_col)
    value = "" if value is None else str(value)
    page = Page(page_id=hash_text(value), path=rel, format=f"{kind}-row", encoding=encoding)
    page.title = _cell(row, cfg["title_columns"])
    page.url = _cell(row, cfg["url_columns"])
    date = _cell(row, cfg["date_columns"])
    page.published = iso_datetime(date) or date
    page.meta = {k: v for k, v in row.items() if k != text_col and isinstance(v, (str, int, float, bool)) and v != ""}
    page.meta["text_column"] = text_col
    try:
        if len(value.encode("utf-8")) > cfg["max_bytes"]:
            raise Rejected(f"larger than the limit: {len(value.encode('utf-8'))} bytes > {cfg['max_bytes']}")
        if "\x00" in value:
            raise Rejected("NUL bytes in the row text")
        if not value.strip():
            raise Rejected(f"empty: the row's {text_col} is blank")
        fill_text_page(page, value, cfg, html=False)
    except Rejected as exc:
        page.status, page.reason, page.text = "rejected", str(exc), ""
    return page


def iter_csv(text: str, suffix: str):
    """(row number, row dict) for each data row of a CSV/TSV text (row 1 = first data row)."""
    csv.field_size_limit(2**31 - 1)
    dialect = "excel-tab" if suffix == ".tsv" else "excel"
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
        for n, row in enumerate(reader, 1):
            yield n, {str(k).strip(): v for k, v in row.items() if k is not None}
    except csv.Error as exc:
        raise Rejected(f"malformed CSV: {exc}") from None


def iter_jsonl(text: str):
    """(line number, object) for each non-blank JSONL line; a bad line yields a reason."""
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield n, f"invalid JSON: {exc.msg} (line {n})"
            continue
        yield n, obj if isinstance(obj, dict) else f"not a JSON object (line {n})"


def first_column(row: dict, names: list[str]) -> str | None:
    return next((c for c in names if c in row), None)


def _cell(row: dict, names: list[str]) -> str | None:
    for c in names:
        v = row.get(c)
        if v not in (None, ""):
            return str(v).strip()
    return None


# ── zip archives: one page per member, read in memory ────────────────────────────────────

def zip_pages(data: bytes, rel: str, cfg: dict) -> list[Page]:
    """A .zip → the pages of its members (never written to disk)."""
    try:
        check_zip_safety(data, cfg, what="zip")
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Rejected as exc:
        return [rejected_page(hash_bytes(data), rel, "zip", str(exc))]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return [rejected_page(hash_bytes(data), rel, "zip", f"corrupt zip: {exc}")]
    pages: list[Page] = []
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = zip_member_name(info)
        member_rel = f"{rel}!{name}"
        fmt = format_of(name)
        if climbs_out(name):
            pages.append(rejected_page(hash_text(member_rel), member_rel, fmt,
                                       "path traversal: zip member path climbs out of the archive"))
            continue
        if info.flag_bits & 0x1:
            pages.append(rejected_page(hash_text(member_rel), member_rel, fmt, "encrypted zip member"))
            continue
        if info.file_size > cfg["max_bytes"]:
            pages.append(rejected_page(hash_text(member_rel), member_rel, fmt,
                                       f"larger than the limit: {info.file_size} bytes > {cfg['max_bytes']}"))
            continue
        try:
            with archive.open(info) as fh:
                member = fh.read(cfg["max_bytes"] + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
            pages.append(rejected_page(hash_text(member_rel), member_rel, fmt, f"corrupt zip member: {exc}"))
            continue
        pages.extend(pages_from_bytes(member, member_rel, name, cfg, depth=1))
    if not pages:
        pages.append(rejected_page(hash_bytes(data), rel, "zip", "empty: the archive holds no files"))
    return pages


def check_zip_safety(data: bytes, cfg: dict, what: str) -> None:
    """Refuse an archive (a .zip or a .docx) that is a zip bomb: too many members, too many
    unpacked bytes, or a member compressed beyond ``zip_max_ratio``."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Rejected(f"corrupt {what}: {exc}") from None
    if len(infos) > cfg["zip_max_members"]:
        raise Rejected(f"zip bomb: {len(infos)} members > {cfg['zip_max_members']}")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > cfg["zip_max_unpacked"]:
        raise Rejected(f"zip bomb: unpacks to {unpacked} bytes > {cfg['zip_max_unpacked']}")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        # a tiny member compresses well and harms no one: the ratio counts from a size up
        if info.file_size > cfg["zip_ratio_min_bytes"] and ratio > cfg["zip_max_ratio"]:
            raise Rejected(f"zip bomb: member {info.filename!r} compressed {ratio:.0f}:1 > {cfg['zip_max_ratio']}:1")


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """A member's name decoded right: UTF-8 when flagged; otherwise the raw bytes are tried
    as UTF-8, then GB18030 (Chinese Windows zips), and cp437 (the zip default) last."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return info.filename


def climbs_out(name: str) -> bool:
    """True for a member path that is absolute or climbs above the archive root (../)."""
    norm = name.replace("\\", "/")
    return norm.startswith("/") or bool(re.match(r"^[A-Za-z]:", norm)) or ".." in norm.split("/")


# ── decoding ─────────────────────────────────────────────────────────────────────────────

def decode_bytes(data: bytes, html: bool = False) -> tuple[str, str]:
    """Bytes → (text with "\\n" line ends, encoding name). Raises Rejected on bad input.

    Order: empty → BOM → UTF-16 without BOM → binary/NUL checks → strict UTF-8 (a sequence cut at the very end is
    "truncated") → GB18030 vs Big5 by common-hanzi share (a declared HTML charset breaks
    near-ties only) → charset-normalizer → a nearly clean CJK decoding with a few bad bytes
    replaced (counted) → undecodable."""
    if not data.strip():
        raise Rejected("empty file" if not data else "empty: whitespace only")
    for bom, enc in BOMS:
        if data.startswith(bom):
            try:
                return normalise_newlines(data.decode(enc).lstrip("\ufeff")), enc
            except UnicodeDecodeError as exc:
                if exc.end >= len(data) - 1 and exc.reason in ("truncated data", "unexpected end of data"):
                    raise Rejected(f"truncated multibyte sequence at the end ({enc})") from None
                raise Rejected(f"undecodable as {enc} despite its byte-order mark: {exc.reason} at byte {exc.start}") from None
    bomless = bomless_utf16(data) if b"\x00" in data or not _valid_utf8(data) else None
    if bomless:
        return bomless
    screen_binary(data)
    try:
        text = data.decode("utf-8")
        if utf8_is_plausible(text, data):
            return normalise_newlines(text), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and _valid_utf8(data[:exc.start]) and exc.start > 0 \
                and _has_multibyte(data[:exc.start]):
            raise Rejected(f"truncated multibyte sequence at the end (UTF-8, byte {exc.start})") from None
    hint = _normalise_charset(declared_charset_of(data)) if html else None
    choice = choose_cjk_decoding(data, hint)
    if choice and _HANZI.search(choice[0][:SCORE_SAMPLE_CHARS]) and hanzi_score(choice[0]) < 0.6:
        # neither GB18030 nor Big5 reads like Chinese: another codec (Shift-JIS, EUC-KR,
        # a Western code page) may fit better; charset-normalizer judges those
        guess = charset_normalizer_guess(data)
        if guess and guess[1].replace("_", "").lower() not in ("gb18030", "gbk", "gb2312", "big5", "cp950"):
            return normalise_newlines(guess[0]), guess[1]
    if choice:
        return normalise_newlines(choice[0]), choice[1]
    if _ends_with_cut_gbk(data):
        raise Rejected("truncated multibyte sequence at the end (GBK)")
    guess = charset_normalizer_guess(data)
    if guess:
        return normalise_newlines(guess[0]), guess[1]
    lenient = lenient_cjk_decoding(data)
    if lenient:
        return normalise_newlines(lenient[0]), lenient[1]
    raise Rejected("undecodable: not UTF-8, GB18030, Big5 or any encoding charset-normalizer knows")


def utf8_is_plausible(text: str, data: bytes) -> bool:
    """Strict UTF-8 is taken unless its non-ASCII characters hold no CJK at all while the same
    bytes read as GB18030 give common hanzi (short GBK text can be valid UTF-8 by accident:
    "一" in GBK is "һ" in UTF-8)."""
    if text.isascii() or _CJK.search(text):
        return True
    non_ascii = [c for c in text if ord(c) > 127]
    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        return True
    return not (hanzi_score(gb) >= 0.9 and sum("\u4e00" <= c <= "\u9fff" for c in gb) >= len(non_ascii) / 2)


def bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without a byte-order mark: (text, encoding) when the bytes decode as UTF-16
    and read as text — ASCII-heavy text shows NULs on one side of every pair, CJK text
    gives common hanzi. None otherwise (then the NUL and binary checks apply)."""
    if len(data) % 2 or len(data) < 4:
        return None
    for enc, nul_side in (("utf-16-le", 1), ("utf-16-be", 0)):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        nuls = data[nul_side::2].count(0)
        other = data[1 - nul_side::2].count(0)
        if any(unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") and c not in "\n\r\t" for c in text[:20000]):
            continue
        ascii_heavy = nuls > 0 and nuls >= len(data) // 4 and other == 0
        if ascii_heavy or (hanzi_score(text) >= 0.8 and len(_HANZI.findall(text[:2000])) >= 4):
            return normalise_newlines(text), enc
    return None


def screen_binary(data: bytes) -> None:
    """Raise Rejected for binary data (known signatures or many control bytes) and NUL bytes."""
    for magic, what in BINARY_MAGIC.items():
        if data.startswith(magic):
            raise Rejected(f"binary: {what}")
    sample = data[:65536]
    controls = sum(sample.count(bytes([b])) for b in _CONTROL)
    if controls / max(len(sample), 1) > 0.05:
        raise Rejected(f"binary: {controls} control bytes in the first {len(sample)}")
    if b"\x00" in data:
        raise Rejected(f"NUL bytes: {data.count(0)} NUL byte(s) in a text file")


def choose_cjk_decoding(data: bytes, hint: str | None) -> tuple[str, str] | None:
    """The better strict decoding among GB18030 (reported as gbk when GBK suffices) and Big5.

    Each candidate is scored by the share of its hanzi that are among the common ones
    (simplified and traditional): real text scores high, the wrong codec's hanzi are
    scattered over rare characters. A declared charset adds a small bonus (a hint only)."""
    candidates = []
    for enc in ("gb18030", "big5", "cp950", "big5hkscs"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc != "gb18030" and any(c[1] in ("big5", "cp950", "big5hkscs") for c in candidates):
            continue   # one Big5 family member is enough
        score = hanzi_score(text)
        family = "gb18030" if enc == "gb18030" else "big5"
        if hint and hint == family:
            score += 0.03
        candidates.append((score, enc, text))
    if not candidates:
        return None
    score, enc, text = max(candidates, key=lambda c: c[0])
    if enc == "gb18030":
        try:
            data.decode("gbk")
            enc = "gbk"
        except UnicodeDecodeError:
            pass
    return text, enc


def hanzi_score(text: str) -> float:
    """Share of the hanzi in ``text`` that are common characters (0..1); texts with no hanzi
    score by their share of printable characters (so plain ASCII/Latin text is not punished)."""
    common = common_hanzi()
    text = text[:SCORE_SAMPLE_CHARS]     # a sample decides as well as the whole, and fast
    hanzi = _HANZI.findall(text)
    private = len(_PRIVATE.findall(text))
    if not hanzi:
        printable = sum(c.isprintable() or c in "\n\r\t" for c in text)
        return 0.5 * printable / max(len(text), 1) - private / max(len(text), 1)
    return sum(c in common for c in hanzi) / len(hanzi) - private / max(len(hanzi), 1)


@lru_cache(maxsize=1)
def common_hanzi() -> frozenset[str]:
    """The ~2,500 most frequent simplified hanzi (by jieba's dictionary word frequencies) and
    their traditional forms (OpenCC s2t): the set that real Chinese text mostly draws from."""
    from collections import Counter

    import jieba
    import opencc

    counts: Counter = Counter()
    dict_path = Path(jieba.__file__).with_name("dict.txt")
    with open(dict_path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ")
            if len(parts) >= 2 and parts[1].isdigit():
                weight = int(parts[1])
                for ch in parts[0]:
                    counts[ch] += weight
    top = "".join(ch for ch, _ in counts.most_common(3000) if "\u4e00" <= ch <= "\u9fff")[:2500]
    return frozenset(top) | frozenset(opencc.OpenCC("s2t").convert(top))


def charset_normalizer_guess(data: bytes) -> tuple[str, str] | None:
    """charset-normalizer's best guess, if it finds one with little mess."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:2_000_000]).best()
    if best is None or best.chaos > 0.3:
        return None
    try:
        return data.decode(best.encoding), best.encoding
    except (UnicodeDecodeError, LookupError):
        return None


def lenient_cjk_decoding(data: bytes) -> tuple[str, str] | None:
    """UTF-8 or GB18030 with replacement characters, when bad bytes are very few (≤ 0.1%):
    scraped files often hold a stray broken byte in otherwise good text."""
    best = None
    for enc in ("utf-8", "gb18030"):
        text = data.decode(enc, errors="replace")
        bad = text.count("\ufffd")
        if bad <= max(1, len(text) // 1000) and (best is None or bad < best[2]):
            best = (text, f"{enc} (with {bad} undecodable byte(s) replaced)", bad)
    return (best[0], best[1]) if best else None


def declared_charset_of(data: bytes) -> str | None:
    from .htmltext import declared_charset

    return declared_charset(data)


def _normalise_charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.lower().replace("_", "-")
    if name in ("gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"):
        return "gb18030"
    if name in ("big5", "big5-hkscs", "cp950", "x-big5"):
        return "big5"
    return name


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _has_multibyte(data: bytes) -> bool:
    return any(b >= 0x80 for b in data[-4096:]) or any(b >= 0x80 for b in data[:4096])


def _ends_with_cut_gbk(data: bytes) -> bool:
    """True when all but the last byte is GB18030 and the last byte is a dangling lead byte."""
    try:
        data[:-1].decode("gb18030")
    except UnicodeDecodeError:
        return False
    return 0x81 <= data[-1] <= 0xFE


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR → "\\n"; a leading BOM dropped."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return bool(re.search(r"<(?:html|body|div|p|br|table|span|!doctype)\b", head))


# ── header metadata ──────────────────────────────────────────────────────────────────────

@lru_cache(maxsize=1)
def page_meta_rules() -> dict:
    """page_meta.toml with its patterns compiled (bad regex = bad configuration: fail loudly)."""
    data = rules.load_toml("page_meta.toml")
    compiled = dict(data)
    for key in ("site", "breadcrumb", "published", "views"):
        try:
            compiled[key] = [re.compile(p) for p in data.get(key, [])]
        except re.error as exc:
            raise rules.RuleFileError(f"page_meta.toml: bad pattern in {key!r}: {exc}") from exc
    return compiled


def header_metadata(page: Page, text: str, n_lines: int | None = None) -> None:
    """Fill the page's empty site/breadcrumb/published/views/title from its first
    ``n_lines`` non-blank lines (``header_lines`` of page_meta.toml by default)."""
    meta = page_meta_rules()
    lines = [line.strip() for line in text.split("\n") if line.strip()][: n_lines or meta.get("header_lines", 15)]
    if any(_looks_traditional(line) for line in lines):
        # patterns are written in simplified characters; a traditional page's header lines
        # are matched (and their values taken) in simplified form
        lines = [to_simplified(line) for line in lines]
    field_lines: dict[str, int] = {}
    for i, line in enumerate(lines):
        for key in ("site", "breadcrumb", "published", "views"):
            for pattern in meta[key]:
                m = pattern.search(line)
                if m:
                    field_lines.setdefault(key, i)
                    if getattr(page, key) is None:
                        value = m.group("value").strip()
                        if key == "published":
                            value = iso_datetime(value) or value
                        elif key == "views":
                            value = int(value)
                        setattr(page, key, value)
                    break
    if page.title is None and meta.get("title_above_published") and "published" in field_lines:
        taken = set(field_lines.values())
        for i in range(field_lines["published"] - 1, -1, -1):
            if i not in taken:
                page.title = lines[i]
                break


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def _looks_traditional(line: str) -> bool:
    return to_simplified(line) != line


def iso_datetime(value: str | None) -> str | None:
    """"2023-05-04 16:21:32", "2023年5月4日", "2023/5/4" → "2023-05-04T16:21:32" / "2023-05-04"."""
    if not value:
        return None
    m = re.search(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?(?:[\sT]*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?",
                  str(value))
    if not m:
        return None
    y, mo, d, hh, mm, ss = m.groups()
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        return None
    date = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
    if hh is None:
        return date
    return f"{date}T{int(hh):02d}:{int(mm):02d}:{int(ss or 0):02d}"


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
    """``path`` relative to ``root`` as text; file names that are not UTF-8 on disk (GBK names
    from a Chinese Windows copy) are decoded as GB18030 rather than left as escapes."""
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
    return raw.decode("utf-8", errors="replace")


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
