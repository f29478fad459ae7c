"""split: one page → its documents. PLACEHOLDER (owned by the split work): one document per page."""
from __future__ import annotations

from .records import CleanPage, Document, Page


def run(page: Page, cleaned: CleanPage, res) -> tuple[list[Document], list]:
    doc = Document(doc_id=f"{page.page_id}-001", page_id=page.page_id, ordinal=1,
                   title=page.title or "", lines=cleaned.lines, removed=list(cleaned.removed))
    return [doc], []
