"""extract: measures and problems. PLACEHOLDER (owned by the extract work)."""
from __future__ import annotations

import pandas as pd

from .records import Document, Page


def run(doc: Document, page: Page, res) -> None:
    doc.items = []


def recurring_problems(docs: list[Document]) -> pd.DataFrame:
    return pd.DataFrame(columns=["group", "aspect", "predicate", "n_docs", "n_items", "examples"])
