"""Records → table rows, and writing the tables of a build (each file atomically)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd

from pipeline.output import tables
from pipeline.records import Document, Page, Removal


def _removals(removed: Iterable[Removal]) -> list[dict]:
    return [{"line": r.line, "text": r.text, "rule": r.rule, "p": r.p} for r in removed]


def page_row(page: Page, page_removed: Iterable[Removal] = ()) -> dict:
    row = {k: getattr(page, k) for k in ("page_id", "path", "format", "encoding", "site", "title", "published",
                                          "views", "url", "status", "reason", "n_docs")}
    row["removed"] = _removals(page_removed)
    return row


def document_row(doc: Document) -> dict:
    return {
        "doc_id": doc.doc_id, "page_id": doc.page_id, "ordinal": doc.ordinal, "title": doc.title,
        "text": doc.text, "n_chars": doc.n_chars, "line_numbers": [ln.no for ln in doc.lines],
        "masked": dict(doc.masked), "quality": doc.quality, "truncated": doc.truncated,
        "n_removed": len(doc.removed), "removed": _removals(doc.removed),
        "tokens": doc.tokens, "pos": doc.pos, "sentences": doc.sentences,
        "genre": doc.genre, "genre_score": doc.genre_score, "genre_source": doc.genre_source,
        "genre_reason": doc.genre_reason,
        "year": doc.year, "region": doc.region, "dup_cluster": doc.dup_cluster, "is_duplicate": doc.is_duplicate,
    }


def section_rows(doc: Document) -> list[dict]:
    # the fields are flat (strings and numbers): a shallow copy, not dataclasses.asdict's deep one
    return [{k: v for k, v in vars(s).items() if k not in ("line_start", "line_end")} for s in doc.sections]


def item_rows(doc: Document) -> list[dict]:
    return [dict(vars(i)) for i in doc.items]


def write_tables(out: Path, pages: list[dict], documents: list[dict], sections: list[dict], items: list[dict],
                 recurring: pd.DataFrame | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tables.write_table(tables.to_arrow("pages", pages), out / "pages.parquet")
    tables.write_table(tables.to_arrow("documents", documents), out / "documents.parquet")
    tables.write_table(tables.to_arrow("sections", sections), out / "sections.parquet")
    tables.write_table(tables.to_arrow("items", items), out / "items.parquet")
    if recurring is not None:
        import pyarrow as pa

        tables.write_table(pa.Table.from_pandas(recurring, preserve_index=False), out / "recurring_problems.parquet")
