"""outline: numbered structure → sections. PLACEHOLDER (owned by the outline work)."""
from __future__ import annotations

from .records import Document, Page


class OutlineRules:
    @classmethod
    def load(cls) -> "OutlineRules":
        return cls()


def run(doc: Document, page: Page, res) -> None:
    doc.sections = []
