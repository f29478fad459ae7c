"""ingest: bytes → pages. PLACEHOLDER (owned by the ingest work): plain UTF-8 .txt only."""
from __future__ import annotations

import hashlib
from pathlib import Path

from .records import Page


def discover_files(raw: Path) -> tuple[list[Path], list[dict]]:
    """Input files under ``raw`` (sorted), and the ones skipped with a reason."""
    files = sorted(p for p in Path(raw).rglob("*") if p.is_file())
    return files, []


def ingest_file(path: Path, root: Path, cfg: dict) -> list[Page]:
    """One input file → its pages (several for CSV/JSONL/zip). Never raises."""
    data = Path(path).read_bytes()
    page_id = hashlib.sha1(data).hexdigest()[:16]
    rel = str(Path(path).relative_to(root)) if Path(path).is_relative_to(root) else str(path)
    return [Page(page_id=page_id, path=rel, format="txt", encoding="utf-8", text=data.decode("utf-8"))]
