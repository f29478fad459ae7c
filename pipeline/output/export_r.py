"""export_r: one CSV of the corpus for R (quanteda ``corpus()``, stm).

In: documents.parquet and pages.parquet of a built corpus. Out: ``<out>/corpus_r.csv``
(UTF-8) with columns ``doc_id, text, genre, year, region, site, page``: ``text`` is the
document's segmented tokens joined by single spaces (whitespace and punctuation-only tokens
dropped, so ``tokens(x, what = "fastestword")`` gives back the project's segmentation);
``page`` is the input path of the page. Duplicates are left out. Unknown year/region are
empty cells (NA in R). In R::

    d <- read.csv("corpus/processed/corpus_r.csv", encoding = "UTF-8")
    corp <- quanteda::corpus(d, docid_field = "doc_id", text_field = "text")
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.output.tables import write_atomic

R_COLUMNS = ["doc_id", "text", "genre", "year", "region", "site", "page"]
_NOT_A_WORD = re.compile(r"^[\s\W_]*$")


def export_r(out: Path, path: Path | None = None) -> Path:
    """Write ``corpus_r.csv`` for the corpus in ``out`` (or to ``path``); returns its path.
    UserError when the topic tables of ``out`` are missing or older than its documents
    (the export goes with the fitted topics)."""
    from pipeline.analysis.topic_units import check_topics_current

    out = Path(out)
    check_topics_current(out)
    path = Path(path) if path else out / "corpus_r.csv"
    docs = pd.read_parquet(out / "documents.parquet")
    if "is_duplicate" in docs:
        docs = docs[~docs["is_duplicate"].fillna(False).astype(bool)]
    pages_path = out / "pages.parquet"
    pages = (pd.read_parquet(pages_path, columns=["page_id", "site", "path"]) if pages_path.exists()
             else pd.DataFrame(columns=["page_id", "site", "path"]))
    frame = docs.merge(pages.rename(columns={"path": "page"}), on="page_id", how="left")
    frame["text"] = [token_text(t) for t in frame["tokens"]]
    frame["year"] = pd.array(pd.to_numeric(frame["year"], errors="coerce"), dtype="Int64")
    table = frame[R_COLUMNS]
    write_atomic(path, lambda tmp: table.to_csv(tmp, index=False, encoding="utf-8"))
    return path


def token_text(tokens) -> str:
    """Tokens joined by single spaces, without whitespace or punctuation-only tokens."""
    if tokens is None:
        return ""
    return " ".join(t.strip() for t in tokens if t and not _NOT_A_WORD.match(t))
