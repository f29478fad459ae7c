"""segment: tokens, POS, sentences. PLACEHOLDER (owned by the segment work)."""
from __future__ import annotations

from .records import Document, Page


class Segmenter:
    def __init__(self, cfg: dict | None = None):
        import rjieba

        self._rjieba = rjieba

    def cut(self, text: str) -> list[str]:
        return self._rjieba.cut(text)


def run(doc: Document, page: Page, res) -> None:
    doc.tokens = res.segmenter.cut(doc.text)
