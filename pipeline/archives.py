"""archives: a .zip → the pages of its members, read in memory (never written to disk).

Used by the ingest stage (``pipeline/ingest.py``), which reads each member as a file of
its own (one level deep: a zip inside a zip is not unpacked). Zip bombs (too many members,
too many unpacked bytes, a member compressed too far; limits in [ingest]), path traversal
and encrypted members are rejected; member names from Chinese Windows zips (GBK, no UTF-8
flag) are decoded right. ``check_zip_safety`` also guards .docx files (zips too).
"""
from __future__ import annotations

import io
import re
import zipfile

from .decoding import Rejected
from .ingest import format_of, hash_bytes, hash_text, pages_from_bytes, rejected_page
from .records import Page


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
