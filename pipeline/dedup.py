"""dedup: exact and near-duplicate documents. PLACEHOLDER (owned by the scale work)."""
from __future__ import annotations

from .records import Document


def mark_duplicates(docs: list[Document], cfg: dict) -> None:
    for d in docs:
        d.dup_cluster, d.is_duplicate = d.doc_id, False
