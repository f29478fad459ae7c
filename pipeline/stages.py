"""The per-page stages, in order: clean ▶ split ▶ per document: line breaks ▶ segment ▶
outline ▶ genre ▶ extract ▶ metadata.

``process_page`` is a pure function of a page, the learned site templates and the loaded
resources, so that any engine (this process, a process pool, Dask) can run it anywhere.
The whole build, global phases included, is listed in ``pipeline.driver``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from pipeline.analysis import extract
from pipeline.clean import cleaner, site_templates
from pipeline.genre import tagger
from pipeline.ingest import reader
from pipeline.records import Document, Page, Removal
from pipeline.resources import Resources
from pipeline.structure import metadata, outline, split
from pipeline.text import linebreaks, segment

# Per-document stages, in order: each is ``run(doc, page, resources) -> None`` and fills
# its own fields of the Document.
DOCUMENT_STAGES: list[tuple[str, Callable[[Document, Page, Resources], None]]] = [
    ("line_breaks", linebreaks.run),   # a document that lost its line breaks gets its paragraphs back
    ("segment", segment.run),
    ("outline", outline.run),
    ("genre", tagger.run),          # before extract: legislative genres get no items
    ("extract", extract.run),
    ("metadata", metadata.run),
]


ONLY_CHROME = "only site chrome"


@dataclass
class PageResult:
    """What per-page processing returns for one page."""

    page: Page
    documents: list[Document] = field(default_factory=list)
    page_removed: list[Removal] = field(default_factory=list)   # removals outside any document
    errors: list[dict] = field(default_factory=list)            # {stage, error} for a stage that raised


def process_page(page: Page, templates: site_templates.SiteTemplates, res: Resources) -> PageResult:
    """clean ▶ split ▶ the document stages, for one ingested page. Never raises: a stage
    that fails is recorded in ``errors`` and the page is marked rejected with the reason."""
    result = PageResult(page)
    if not page.ok:
        return result
    stage = "clean"
    try:
        cleaned = cleaner.run(page, templates, res)
        stage = "split"
        docs, result.page_removed = split.run(page, cleaned, res)
        if not docs and result.page_removed:
            # every line was chrome: no empty document, a rejection with its reason
            page.status, page.reason = "rejected", ONLY_CHROME
            return result
        for doc in docs:
            for stage, fn in DOCUMENT_STAGES:
                fn(doc, page, res)
        result.documents = docs
        page.n_docs = len(docs)
    except Exception as exc:  # one broken page never stops a build
        result.errors.append({"stage": stage, "error": f"{type(exc).__name__}: {exc}"})
        page.status, page.reason = "rejected", f"{stage} failed: {type(exc).__name__}: {exc}"
        result.documents = []
    return result


def process_files(paths: Iterable[Path], res: Resources, root: Path | None = None) -> list[PageResult]:
    """Ingest and process loose files (the ``analyze``/``classify`` commands): no template
    learning across pages beyond the files given."""
    pages: list[Page] = []
    for p in paths:
        p = Path(p)
        pages.extend(reader.ingest_file(p, root or p.parent, res.config["ingest"]))
    templates = site_templates.learn_templates(pages, res.config["clean"])
    return [process_page(pg, templates, res) for pg in pages]
