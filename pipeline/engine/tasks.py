"""The work an engine runs on its workers, and the records that come back to the driver.

``ingest_task`` (files → pages, cached by the files' bytes) and ``pages_task`` (pages →
the per-page stages of ``pipeline.stages``, dedup fingerprints and table rows, cached by
page digest + template fingerprint + settings + code) take a chunk of work and the
``WorkerState`` (installed once per pool worker, or passed with each Dask task). A worker
never sends pages' text or tokens back: a ``PageSummary`` holds counts, fingerprints and
documents without their lines; the rows stay in the cache for the table writer.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import pyarrow as pa

from pipeline.analysis import dedup
from pipeline.clean import cues, site_templates
from pipeline.config import Config
from pipeline.engine.cache import BuildCache, BuildKeys, page_digest, sha1
from pipeline.engine.time_limit import PageTimeout, time_limit
from pipeline.ingest import reader
from pipeline.ingest.decoding import replaced_count
from pipeline.output import export, tables
from pipeline.records import Document, Page
from pipeline.resources import worker_resources
from pipeline.stages import PageResult, process_page

ROW_TABLES = ("pages", "documents", "sections", "items")
ABANDONED = "abandoned: "         # reason prefix of a page given up at a time limit (ingest or stages)


@dataclass
class PageInfo:
    """What ingest tells the driver about one page (the page itself stays in the cache)."""

    path: str
    page_id: str
    status: str
    reason: str | None
    n_chars: int
    digest: str                       # page_digest: cache key of the ingested page
    site_key: str | None              # the site whose learned templates apply to the page
    inline: Page | None = None        # the page itself when it could not be cached
    # the ingest cache key whose entry holds the page as its payload (a file of one page: one
    # cache file for it, not two); None: the page is its own ``page_in`` entry, or inline
    in_entry: str | None = None
    # (clean settings, site_templates.template_evidence) taken while ingest had the page in memory, so
    # template learning needs no second read of every page; None: not taken (learn from pages)
    template_evidence: tuple | None = None
    replaced_bytes: int = 0           # bad bytes the decoding replaced (stray bytes in GBK text)

    @classmethod
    def of_page(cls, page: Page) -> "PageInfo":
        """A page that is not cached (a rejection made on the spot): it travels inline."""
        return cls(page.path, page.page_id, page.status, page.reason, len(page.text), page_digest(page), None, page)


@dataclass
class FileIngest:
    """One input file after ingest."""

    path: str                         # relative to raw
    key: str | None                   # ingest cache key (None: not cacheable, e.g. abandoned)
    pages: list[PageInfo]
    cache_hit: bool = False
    sniffed: str | None = None        # the format the content showed when the name says another


@dataclass(slots=True)
class DocDedup:
    doc_id: str
    n_chars: int
    ordinal: int
    fingerprint: dedup.Fingerprint


@dataclass
class PageSummary:
    """What per-page work tells the driver about one page."""

    path: str
    page_id: str
    status: str
    reason: str | None
    n_chars: int
    key: str | None                                         # page cache key (None: not cached)
    errors: list[dict] = field(default_factory=list)
    dedup: list[DocDedup] = field(default_factory=list)
    docs: list[Document] = field(default_factory=list)     # without lines/tokens (global stages)
    n_sections: int = 0
    n_items: int = 0
    abandoned: bool = False
    rows: dict[str, pa.Table] | None = None                 # inline rows when not cached
    cache_hit: bool = False

    @classmethod
    def skipped(cls, info: PageInfo, reason: str) -> "PageSummary":
        """A page not processed: a rejected pages row with the reason, no documents."""
        page = Page(info.page_id, info.path, "unknown", status="rejected", reason=reason)
        return cls(info.path, info.page_id, page.status, page.reason, info.n_chars, None,
                   rows=page_rows(PageResult(page)))

    @classmethod
    def failed(cls, info: PageInfo, exc: Exception) -> "PageSummary":
        """A page whose worker died while processing it."""
        summary = cls.skipped(info, f"worker failed while processing this page: {type(exc).__name__}: {exc}")
        summary.errors = [{"stage": "worker", "error": repr(exc)}]
        return summary


@dataclass
class WorkerState:
    """What every task needs besides its own inputs; shipped once per worker."""

    config: Config
    genre_model_dir: Path | None
    cache_root: Path
    templates: Any = None
    keys: BuildKeys | None = None    # the cache keys (ingest tasks key each file by its bytes)


_WORKER_STATE: dict[str, WorkerState] = {}


def install_worker_state(state: WorkerState) -> None:
    """A pool worker's initializer: the state its tasks get when none is passed."""
    _WORKER_STATE["state"] = state


def worker_state(state: WorkerState | None) -> WorkerState:
    return state if state is not None else _WORKER_STATE["state"]


def ingest_task(jobs: Sequence[tuple[str, str, str]], state: WorkerState | None = None) -> list[FileIngest]:
    """Files ``(absolute path, absolute raw folder, path relative to raw)``: each one's cache
    entry when its bytes are unchanged (hashed here, on the workers), else ingested and cached."""
    st = worker_state(state)
    cache = BuildCache(st.cache_root)
    cfg = st.config["ingest"]
    timeout = st.config["executor"]["page_timeout"]
    clean_rules = None
    clean_signature = clean_settings_signature(st.config)
    out = []
    for abs_path, root, rel in jobs:
        path = Path(abs_path)
        try:
            key = st.keys.ingest(sha1(path.read_bytes()), rel)
        except OSError:
            key = None                     # unreadable: ingest says why; nothing to cache
        entry = cached_ingest(cache, key)
        if entry is not None:
            out.append(entry)
            continue
        try:
            with time_limit(timeout):
                pages = reader.ingest_file(path, root, cfg)
        except PageTimeout:
            pages = [rejected_page(path, rel, f"{ABANDONED}ingest ran past the per-page time limit of {timeout} s")]
            key = None
        except Exception as exc:  # ingest never raises by contract; a bug must not stop the build
            pages = [rejected_page(path, rel, f"ingest failed: {type(exc).__name__}: {exc}")]
            key = None
        if clean_rules is None:
            clean_rules = cues.CleanRules.load()
        infos = []
        # a file of one page (most files) keeps it in its ingest entry; an archive's pages are
        # entries of their own (a page task reads its page alone, not the whole archive)
        single = key is not None and len(pages) == 1
        for page in pages:
            digest = page_digest(page)
            info = PageInfo(page.path, page.page_id, page.status, page.reason, len(page.text), digest,
                            _site_key(page, clean_rules), replaced_bytes=replaced_count(page.encoding))
            info.template_evidence = (clean_signature, site_templates.template_evidence(page, st.config["clean"], clean_rules))
            if key is None:
                info.inline = page
            elif single:
                info.in_entry = key
            else:
                cache.put("page_in", digest, page)
            infos.append(info)
        entry = FileIngest(rel, key, infos, sniffed=reader.sniffed_format(rel, pages))
        if key is not None:
            cache.put("ingest", key, entry, pages[0] if single else None)
        out.append(entry)
    return out


def pages_task(refs: Sequence[tuple[PageInfo, str]], state: WorkerState | None = None) -> list[PageSummary]:
    """Run the per-page stages on pages ``(info, page cache key)``; cache and summarise each."""
    st = worker_state(state)
    cache = BuildCache(st.cache_root)
    res = worker_resources(st.config, st.genre_model_dir)
    timeout = st.config["executor"]["page_timeout"]
    dedup_cfg = st.config["dedup"]
    warm_up(res, st.templates)
    done = []
    for info, key in refs:
        page = ingested_page(info, cache)
        if page is None:  # the ingest entry vanished (cache cleared mid-build): say so, go on
            page = Page(info.page_id, info.path, "unknown", status="rejected",
                        reason="ingested page missing from the cache; rerun the build")
        summary, rows = process_one(page, st.templates, res, dedup_cfg, timeout, arrow=False)
        summary.key = None if summary.abandoned or info.inline is not None else key
        done.append((summary, rows))
    # the task's rows go to Arrow together, then are cut per page (zero-copy slices): the
    # conversion's fixed cost per call was ~half of it when made page by page
    for (summary, dicts), rows in zip(done, arrow_rows([dicts for _, dicts in done])):
        if summary.key is not None:
            cache.put("pages", summary.key, summary, rows)
        else:   # sent to the driver with the summary: its own tables, not slices of the task's
            summary.rows = {name: tables.to_arrow(name, dicts[name]) for name in ROW_TABLES}
    return [summary for summary, _ in done]


def cached_ingest(cache: BuildCache, key: str | None) -> FileIngest | None:
    """The file's ingest entry when it and every page it names are in the cache, else None."""
    entry = cache.summary("ingest", key) if key else None
    if entry is not None and all(info.inline is not None or info.in_entry is not None
                                 or cache.has("page_in", info.digest) for info in entry.pages):
        entry.cache_hit = True
        return entry
    return None


def ingested_page(info: PageInfo, cache: BuildCache) -> Page | None:
    """The page ``info`` describes: inline, its file's ingest entry's payload, or its own
    ``page_in`` entry; None when the cache lost it."""
    if info.inline is not None:
        return info.inline
    if info.in_entry is not None:
        return cache.payload("ingest", info.in_entry)
    return cache.summary("page_in", info.digest)


_WARM: set[int] = set()
_WARM_UP_PAGE = ("工作总结\n\n一、主要工作\n今年以来，我们认真落实各项任务，取得了一定成效。\n"
                 "二、存在的问题\n一是重视不够，二是经费不足。\n三、下一步措施\n（一）加强领导。\n（二）完善制度。\n")


def warm_up(res, templates) -> None:
    """Run a tiny made-up page through the stages once per worker and Resources, outside any
    time limit, so that lazily loaded resources (dictionaries, models, rules) are not
    charged to the first real page's time limit."""
    if id(res) in _WARM:
        return
    _WARM.add(id(res))
    page = Page(page_id="warm-up", path="warm-up.txt", format="txt", encoding="utf-8", text=_WARM_UP_PAGE)
    process_page(page, templates, res)


def process_one(page: Page, templates, res, dedup_cfg: dict, timeout: float | None,
                arrow: bool = True) -> tuple[PageSummary, dict]:
    """The per-page stages, dedup fingerprints and table rows of one page (Arrow tables, or
    with ``arrow=False`` lists of row dicts for ``arrow_rows``), under the time limit."""
    n_chars = len(page.text)
    abandoned = not page.ok and (page.reason or "").startswith(ABANDONED)    # at ingest: listed, never cached
    try:
        with time_limit(timeout):
            result = process_page(page, templates, res)
            fingerprints = [DocDedup(d.doc_id, d.n_chars, d.ordinal, dedup.fingerprint(d.text, dedup_cfg))
                            for d in result.documents]
    except PageTimeout:
        abandoned = True
        page.status, page.reason, page.n_docs = "rejected", f"{ABANDONED}ran past the per-page time limit of {timeout} s", 0
        result, fingerprints = PageResult(page), []
    rows = page_rows(result) if arrow else page_row_dicts(result)
    summary = PageSummary(
        path=page.path, page_id=page.page_id, status=page.status, reason=page.reason, n_chars=n_chars, key=None,
        errors=list(result.errors), dedup=fingerprints, docs=[_light(d) for d in result.documents],
        n_sections=sum(len(d.sections) for d in result.documents),
        n_items=sum(len(d.items) for d in result.documents), abandoned=abandoned)
    return summary, rows


def page_rows(result: PageResult) -> dict[str, pa.Table]:
    """The page's rows of every table (dup columns are filled in by the table writer)."""
    return {name: tables.to_arrow(name, rows) for name, rows in page_row_dicts(result).items()}


def page_row_dicts(result: PageResult) -> dict[str, list[dict]]:
    """``page_rows`` before Arrow: each table's rows as dicts."""
    docs = result.documents
    return {
        "pages": [export.page_row(result.page, result.page_removed)],
        "documents": [export.document_row(d) for d in docs],
        "sections": [r for d in docs for r in export.section_rows(d)],
        "items": [r for d in docs for r in export.item_rows(d)],
    }


def arrow_rows(pages: list[dict[str, list[dict]]]) -> list[dict[str, pa.Table]]:
    """Each page's ``page_row_dicts`` as Arrow tables, converted together and sliced per
    page; should a page's rows not convert, page by page (its error is raised)."""
    try:
        whole = {name: tables.to_arrow(name, [row for page in pages for row in page[name]]) for name in ROW_TABLES}
    except Exception:   # noqa: BLE001 - the failing page raises below, with its own rows
        return [{name: tables.to_arrow(name, page[name]) for name in ROW_TABLES} for page in pages]
    out, start = [], dict.fromkeys(ROW_TABLES, 0)
    for page in pages:
        out.append({name: whole[name].slice(start[name], len(page[name])) for name in ROW_TABLES})
        for name in ROW_TABLES:
            start[name] += len(page[name])
    return out


def _light(doc: Document) -> Document:
    """What the global stages get of a document: ids, genre, year, region, items and dup flags;
    without its body lines, tokens, sentences, sections and removal log (those stay on disk,
    so the driver's memory does not grow with the text)."""
    return dataclasses.replace(doc, lines=[], removed=[], tokens=None, pos=None, sentences=None, sections=[])


def _site_key(page: Page, clean_rules) -> str | None:
    """The site whose templates apply to ``page``."""
    if not page.ok:
        return None
    try:
        return site_templates.site_key(page, clean_rules)
    except Exception:   # noqa: BLE001 - a page clean cannot place is keyed by its own site field
        return page.site


def rejected_page(path: Path, rel: str, reason: str) -> Page:
    try:
        page_id = sha1(path.read_bytes())[:16]
    except OSError:
        page_id = sha1(rel)[:16]
    return Page(page_id=page_id, path=rel, format=path.suffix.lstrip(".") or "unknown", status="rejected",
                reason=reason)


def clean_settings_signature(config: Config) -> str:
    """The clean settings template evidence was taken under (the rules are in the cache keys)."""
    return json.dumps(config["clean"], sort_keys=True, ensure_ascii=False, default=str)
