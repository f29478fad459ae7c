"""genre: title cues, then the trained model, then body cues. PLACEHOLDER (owned by the genre work)."""
from __future__ import annotations

from .records import Document, Page


class GenreTagger:
    @classmethod
    def load(cls, model_dir=None, cfg: dict | None = None) -> "GenreTagger":
        return cls()

    def tag(self, title: str, body: str) -> tuple[str, float, str]:
        return "other", 0.0, "none"


def run(doc: Document, page: Page, res) -> None:
    doc.genre, doc.genre_score, doc.genre_source = res.genre_classifier.tag(doc.title, doc.text)
