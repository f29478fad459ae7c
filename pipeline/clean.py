"""clean: strip site chrome. PLACEHOLDER (owned by the clean work): keeps every non-blank line."""
from __future__ import annotations

from .records import CleanPage, Line, Page

SiteTemplates = dict  # site → set of template lines learned from the corpus


class CleanRules:
    @classmethod
    def load(cls) -> "CleanRules":
        return cls()


def learn_templates(pages, cfg: dict) -> SiteTemplates:
    return {}


def run(page: Page, templates: SiteTemplates, res) -> CleanPage:
    lines = [Line(i, t.strip()) for i, t in enumerate(page.text.split("\n"), 1) if t.strip()]
    return CleanPage(page.page_id, lines)
