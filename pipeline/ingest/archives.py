"""archives: a .zip, .tar, .tar.gz/.tgz or .gz → the pages of its members, read in memory
(never written to disk).

Used by the ingest stage (``pipeline/ingest/reader.py``), which reads each member as a file of
its own (one level deep: an archive inside an archive is not unpacked). Bombs (too many
members, too many unpacked bytes, a member or a gzip stream compressed too far: the
[ingest] ``zip_*`` limits hold for every archive), path traversal (``../``, absolute
paths), links and devices in a tar, and encrypted zip members are rejected; member names
from Chinese Windows zips (GBK, no UTF-8 flag) are decoded right. ``check_zip_safety``
also guards .docx and .xlsx files (zips too).
"""
from __future__ import annotations

import io
import re
import tarfile
import zipfile
import zlib
from typing import Callable

from pipeline.ingest.decoding import Rejected
from pipeline.ingest.page_text import hash_bytes, hash_text, rejected_page
from pipeline.ingest.sniffing import format_of, name_suffix
from pipeline.ingest.zip_safety import check_zip_safety
from pipeline.records import Page

# reads the pages of one member: (bytes, path, name, settings, depth=1) -> pages
MemberReader = Callable[..., list[Page]]


def archive_pages(data: bytes, rel: str, name: str, fmt: str, cfg: dict, read_member: MemberReader) -> list[Page]:
    """The pages of an archive of format ``fmt`` (zip, tar, tar.gz, gz) named ``name``; each
    member's pages are read by ``read_member(data, rel, name, cfg, depth=1)`` (the ingest
    dispatch, passed in: a member can be of any format)."""
    if fmt == "zip":
        return zip_pages(data, rel, cfg, read_member)
    if fmt == "tar":
        return tar_pages(data, rel, cfg, read_member)
    try:
        inner = gunzip(data, cfg)
    except Rejected as exc:
        return [rejected_page(hash_bytes(data), rel, fmt, str(exc))]
    if fmt == "tar.gz" or inner[257:262] == b"ustar":
        return tar_pages(inner, rel, cfg, read_member)
    inner_name = gunzipped_name(name)
    return read_member(inner, f"{rel}!{inner_name}", inner_name, cfg, depth=1)


def gunzip(data: bytes, cfg: dict) -> bytes:
    """The bytes a gzip stream unpacks to, refused as a bomb as soon as they pass
    ``zip_max_unpacked`` or (past ``zip_ratio_min_bytes``) ``zip_max_ratio`` times the packed size."""
    limit = min(cfg["zip_max_unpacked"], max(cfg["zip_ratio_min_bytes"], cfg["zip_max_ratio"] * len(data)))
    out = bytearray()
    rest = data
    try:
        while rest:
            stream = zlib.decompressobj(wbits=31)
            chunk = stream.decompress(rest, 1 << 20)
            while True:
                out += chunk
                if len(out) > limit:
                    raise Rejected(gzip_bomb(len(out), len(data), cfg))
                if stream.eof or not stream.unconsumed_tail:
                    break
                chunk = stream.decompress(stream.unconsumed_tail, 1 << 20)
            if not stream.eof:
                raise Rejected("corrupt gzip: the stream is cut short")
            rest = stream.unused_data.lstrip(b"\x00")   # a concatenated stream may follow
    except zlib.error as exc:
        raise Rejected(f"corrupt gzip: {exc}") from None
    return bytes(out)


def gzip_bomb(unpacked: int, packed: int, cfg: dict) -> str:
    if unpacked > cfg["zip_max_unpacked"]:
        return f"gzip bomb: unpacks to more than {cfg['zip_max_unpacked']} bytes"
    return f"gzip bomb: compressed more than {cfg['zip_max_ratio']}:1 ({unpacked} bytes from {packed})"


def gunzipped_name(name: str) -> str:
    base = re.split(r"[?#]", name, maxsplit=1)[0].replace("\\", "/").rsplit("/", 1)[-1]
    if name_suffix(base) == ".gz":
        return base[:-3]
    return base + ".unpacked"


def tar_pages(data: bytes, rel: str, cfg: dict, read_member: MemberReader) -> list[Page]:
    """A tar (already unpacked from gzip) → the pages of its regular-file members."""
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:")
        members = archive.getmembers()
    except (tarfile.TarError, OSError, ValueError, EOFError) as exc:
        return [rejected_page(hash_bytes(data), rel, "tar", f"corrupt tar: {exc}")]
    if len(members) > cfg["zip_max_members"]:
        return [rejected_page(hash_bytes(data), rel, "tar", f"tar bomb: {len(members)} members > {cfg['zip_max_members']}")]
    unpacked = sum(m.size for m in members if m.isfile())
    if unpacked > cfg["zip_max_unpacked"]:
        return [rejected_page(hash_bytes(data), rel, "tar", f"tar bomb: unpacks to {unpacked} bytes > {cfg['zip_max_unpacked']}")]
    pages: list[Page] = []
    for member in members:
        if member.isdir():
            continue
        name = member.name
        member_rel = f"{rel}!{name}"
        fmt = format_of(name)
        reason = None
        if climbs_out(name):
            reason = "path traversal: tar member path climbs out of the archive"
        elif member.issym() or member.islnk():
            reason = f"link member (not followed): points to {member.linkname!r}"
        elif not member.isfile():
            reason = "not a regular file (device, FIFO) in the tar"
        elif member.size > cfg["max_bytes"]:
            reason = f"larger than the limit: {member.size} bytes > {cfg['max_bytes']}"
        if reason:
            pages.append(rejected_page(hash_text(member_rel), member_rel, fmt, reason))
            continue
        try:
            content = archive.extractfile(member).read()
        except (tarfile.TarError, OSError, ValueError, EOFError, AttributeError) as exc:
            pages.append(rejected_page(hash_text(member_rel), member_rel, fmt, f"corrupt tar member: {exc}"))
            continue
        pages.extend(read_member(content, member_rel, name, cfg, depth=1))
    if not pages:
        pages.append(rejected_page(hash_bytes(data), rel, "tar", "empty: the archive holds no files"))
    return pages


def zip_pages(data: bytes, rel: str, cfg: dict, read_member: MemberReader) -> list[Page]:
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
        pages.extend(read_member(member, member_rel, name, cfg, depth=1))
    if not pages:
        pages.append(rejected_page(hash_bytes(data), rel, "zip", "empty: the archive holds no files"))
    return pages


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
