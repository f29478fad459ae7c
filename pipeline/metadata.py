"""metadata: year and region of a document. PLACEHOLDER (owned by the topics work)."""
from __future__ import annotations

from .records import Document, Page


def run(doc: Document, page: Page, res) -> None:
    doc.year, doc.region = None, None
