"""Zip bomb checks for anything unpacked from a zip container (.zip archives, .docx, .xlsx)."""
from __future__ import annotations

import io
import zipfile

from pipeline.ingest.decoding import Rejected


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
