"""Where per-page work runs: in this process, a local process pool, or a Dask cluster.

Stages never know which executor runs them. ``run_build`` is the driver:

    discover files ─▶ ingest (per file, on the engine; cached by file bytes)
    ─▶ learn templates (global, driver; cached) ─▶ per page (on the engine; cached by
    page digest + template fingerprint + settings + code): ``runner.process_page``, dedup
    fingerprints, the page's table rows ─▶ dedup (global, from the fingerprints only)
    ─▶ recurring problems (global, from documents without their text and tokens)
    ─▶ tables, streamed page batch by page batch from the cache ─▶ manifest

Engines (all run the same task functions ``ingest_task`` and ``pages_task``):

- ``local`` with ``jobs=1``: in this process, one task after another;
- ``local`` with ``jobs>1``: a process pool; a worker loads its Resources once
  (``context.worker_resources``) and receives the templates once (pool initializer);
- ``dask``: a dask.distributed cluster (``scheduler`` address, or a LocalCluster of
  ``jobs`` worker processes started for the build). Tasks are partitions of files or
  pages; each task writes its pages' outputs (Arrow tables) into the cache folder and
  returns only a summary, so the raw folder and the cache folder must be on storage the
  workers share (a local disk for a LocalCluster).

The driver never holds the pages' text or tokens: it keeps per page a summary (counts,
dedup fingerprints, documents without lines/tokens for the global stages) and writes the
tables by streaming the cached Arrow rows, so memory grows with the number of documents,
not with the size of the text.

Reliability: every file (cache entry, table, manifest) is written to a temporary file and
renamed; a page whose stage raises is recorded (stage, exception) and the build goes on; a
page that runs longer than ``[executor] page_timeout`` seconds is abandoned with a reason
(SIGALRM in in-process and pool builds; on Dask worker threads, which cannot take signals,
an exception raised in the thread by a timer); abandoned pages are not cached, so the
next build retries them. A rerun whose pages and settings are all unchanged and whose
tables are intact writes only a new manifest.
"""
from __future__ import annotations

import dataclasses
import gc
import json
import math
import multiprocessing
import os
import platform
import shutil
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from . import build_checks, clean, dedup, export, extract, ingest, tables
from .cache import BuildCache, BuildKeys, default_cache_dir, fault_point, page_digest, sha1
from .config import Config, ConfigError
from .context import worker_resources
from .decoding import replaced_count
from .progress import StageProgress
from .records import Document, Page
from .runner import PageResult, process_page, timed

PACKAGES = ["policy-corpus", "jieba", "rjieba", "opencc", "trafilatura", "charset-normalizer", "scikit-learn",
            "gensim", "spacy", "pandas", "pyarrow", "dask"]
ROW_TABLES = ("pages", "documents", "sections", "items")
ABANDONED = "abandoned: "         # reason prefix of a page given up at a time limit (ingest or stages)
ENGINES = ("local", "dask")


def package_versions() -> dict[str, str | None]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = None
    return out


# --------------------------------------------------------------------------- records of the driver


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
    # (clean settings, clean.template_evidence) taken while ingest had the page in memory, so
    # template learning needs no second read of every page; None: not taken (learn from pages)
    template_evidence: tuple | None = None
    replaced_bytes: int = 0           # bad bytes the decoding replaced (stray bytes in GBK text)


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


@dataclass
class WorkerState:
    """What every task needs besides its own inputs; shipped once per worker."""

    config: Config
    genre_model_dir: Path | None
    cache_root: Path
    templates: Any = None
    keys: BuildKeys | None = None    # the cache keys (ingest tasks key each file by its bytes)


_WORKER_STATE: dict[str, WorkerState] = {}


def _init_worker(state: WorkerState) -> None:
    _WORKER_STATE["state"] = state


def _state(state: WorkerState | None) -> WorkerState:
    return state if state is not None else _WORKER_STATE["state"]


# --------------------------------------------------------------------------- time limit


class PageTimeout(BaseException):
    """Raised inside a page's stages when it runs past the time limit (a BaseException so
    stages cannot swallow it)."""


@contextmanager
def time_limit(seconds: float | None):
    """Raise ``PageTimeout`` in this block after ``seconds``.

    In the main thread (in-process builds, pool workers) by SIGALRM; in any other thread
    (Dask worker threads) by a timer thread that raises it asynchronously in this one
    (``PyThreadState_SetAsyncExc``). Either way it lands between two Python bytecodes, so a
    single long call into C (one huge regex) finishes first."""
    if not seconds or seconds <= 0:
        yield
        return
    if threading.current_thread() is not threading.main_thread():
        with _thread_time_limit(float(seconds)):
            yield
        return

    def _raise(signum, frame):
        raise PageTimeout()

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _thread_time_limit(seconds: float):
    import ctypes

    target = ctypes.c_ulong(threading.get_ident())
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def fire() -> None:
        with lock:         # never after the block has ended
            if not state["done"]:
                state["fired"] = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(target, ctypes.py_object(PageTimeout))

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["done"] = True
        timer.cancel()
        if state["fired"]:      # fired as the block ended and not raised yet: withdraw it
            ctypes.pythonapi.PyThreadState_SetAsyncExc(target, None)


# --------------------------------------------------------------------------- tasks (run on workers)


def ingest_task(jobs: Sequence[tuple[str, str, str]], state: WorkerState | None = None) -> list[FileIngest]:
    """Files ``(absolute path, absolute raw folder, path relative to raw)``: each one's cache
    entry when its bytes are unchanged (hashed here, on the workers), else ingested and cached."""
    st = _state(state)
    cache = BuildCache(st.cache_root)
    cfg = st.config["ingest"]
    timeout = st.config["executor"]["page_timeout"]
    clean_rules = None
    clean_signature = _clean_signature(st.config)
    out = []
    for abs_path, root, rel in jobs:
        path = Path(abs_path)
        try:
            key = st.keys.ingest(sha1(path.read_bytes()), rel)
        except OSError:
            key = None                     # unreadable: ingest says why; nothing to cache
        entry = _cached_ingest(cache, key)
        if entry is not None:
            out.append(entry)
            continue
        try:
            with time_limit(timeout):
                pages = ingest.ingest_file(path, root, cfg)
        except PageTimeout:
            pages = [_rejected_page(path, rel, f"{ABANDONED}ingest ran past the per-page time limit of {timeout} s")]
            key = None
        except Exception as exc:  # ingest never raises by contract; a bug must not stop the build
            pages = [_rejected_page(path, rel, f"ingest failed: {type(exc).__name__}: {exc}")]
            key = None
        if clean_rules is None and hasattr(clean, "CleanRules"):
            clean_rules = clean.CleanRules.load()
        infos = []
        # a file of one page (most files) keeps it in its ingest entry; an archive's pages are
        # entries of their own (a page task reads its page alone, not the whole archive)
        single = key is not None and len(pages) == 1
        for page in pages:
            digest = page_digest(page)
            info = PageInfo(page.path, page.page_id, page.status, page.reason, len(page.text), digest,
                            _site_key(page, clean_rules), replaced_bytes=replaced_count(page.encoding))
            if hasattr(clean, "template_evidence"):
                info.template_evidence = (clean_signature, clean.template_evidence(page, st.config["clean"], clean_rules))
            if key is None:
                info.inline = page
            elif single:
                info.in_entry = key
            else:
                cache.put("page_in", digest, page)
            infos.append(info)
        entry = FileIngest(rel, key, infos, sniffed=ingest.sniffed_format(rel, pages))
        if key is not None:
            cache.put("ingest", key, entry, pages[0] if single else None)
        out.append(entry)
    return out


def pages_task(refs: Sequence[tuple[PageInfo, str]], state: WorkerState | None = None) -> list[PageSummary]:
    """Run the per-page stages on pages ``(info, page cache key)``; cache and summarise each."""
    st = _state(state)
    cache = BuildCache(st.cache_root)
    res = worker_resources(st.config, st.genre_model_dir)
    timeout = st.config["executor"]["page_timeout"]
    dedup_cfg = st.config["dedup"]
    _warm_up(res, st.templates)
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


def _warm_up(res, templates) -> None:
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
    """The page's rows of every table (dup columns are filled in by the driver)."""
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
    """The site whose templates apply to ``page`` (clean's own notion when it has one)."""
    if not page.ok:
        return None
    fn = getattr(clean, "site_key", None)
    if fn is None:
        return page.site
    try:
        return fn(page, clean_rules)
    except Exception:
        return page.site


def _rejected_page(path: Path, rel: str, reason: str) -> Page:
    try:
        page_id = sha1(path.read_bytes())[:16]
    except OSError:
        page_id = sha1(rel)[:16]
    return Page(page_id=page_id, path=rel, format=path.suffix.lstrip(".") or "unknown", status="rejected",
                reason=reason)


def template_fingerprint(templates, site: str | None) -> str:
    """Fingerprint of the templates that apply to a page of ``site``."""
    if hasattr(templates, "fingerprint"):
        return str(templates.fingerprint(site))
    if isinstance(templates, dict):
        value = templates.get(site)
        return sha1(json.dumps(sorted(value) if isinstance(value, (set, frozenset)) else value,
                               sort_keys=True, ensure_ascii=False, default=str))
    return sha1(repr(templates))


# --------------------------------------------------------------------------- engines


class SerialEngine:
    """Tasks in this process, one after another."""

    workers = 1

    def map(self, fn: Callable, chunks: list, state: WorkerState) -> Iterator[tuple[int, Any]]:
        for i, chunk in enumerate(chunks):
            yield i, fn(chunk, state)

    def close(self) -> None:
        pass


class PoolEngine:
    """A local process pool (fork); each phase's state is installed once per worker."""

    def __init__(self, jobs: int):
        self.workers = jobs
        self.forks = "fork" in multiprocessing.get_all_start_methods()
        self._pool: ProcessPoolExecutor | None = None
        self._state: WorkerState | None = None
        self._broken = False

    def map(self, fn: Callable, chunks: list, state: WorkerState) -> Iterator[tuple[int, Any]]:
        if not chunks:
            return
        if self._pool is None or state is not self._state or self._broken:
            self.close()
            self._broken = False
            ctx = multiprocessing.get_context("fork" if self.forks else "spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init_worker, initargs=(state,))
            self._state = state
        futures = {self._pool.submit(fn, chunk): i for i, chunk in enumerate(chunks)}
        for fut in as_completed(futures):
            result = _result_or_error(fut.result)
            if isinstance(result, BrokenProcessPool):
                self._broken = True
            yield futures[fut], result

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskEngine:
    """A dask.distributed cluster: the given scheduler, or a LocalCluster for this build."""

    def __init__(self, jobs: int, scheduler: str | None):
        from dask.distributed import Client, LocalCluster

        self._cluster = None
        if scheduler:
            self._client = Client(scheduler)
        else:
            self._cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                                         dashboard_address=None)
            self._client = Client(self._cluster)
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})) or jobs)

    def map(self, fn: Callable, chunks: list, state: WorkerState) -> Iterator[tuple[int, Any]]:
        from dask.distributed import as_completed as dask_completed

        if not chunks:
            return
        # a key of its own per call (hash=False): with the default content-hash key, the previous
        # call's future being released can drop the key while this call replicates it
        # ("Key lost during replication", seen on a loaded machine)
        shared = self._client.scatter(state, broadcast=True, hash=False)
        futures = self._client.map(fn, chunks, state=shared, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in dask_completed(futures):
            yield index[fut.key], _result_or_error(fut.result)

    def close(self) -> None:
        if self._client is None:
            return
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None


def _result_or_error(get: Callable[[], Any]) -> Any:
    try:
        return get()
    except Exception as exc:  # a worker that died (OOM, crash): its pages are reported, the build goes on
        return exc


def check_engine_arguments(engine: str, jobs: int, scheduler: str | None) -> None:
    """ConfigError for an unknown engine, fewer than one job, or a scheduler without Dask."""
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; engines: {', '.join(ENGINES)}")
    if jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}")
    if scheduler and engine != "dask":
        raise ConfigError("--scheduler needs --engine dask")


def make_engine(engine: str, jobs: int, scheduler: str | None):
    check_engine_arguments(engine, jobs, scheduler)
    if engine == "dask":
        return DaskEngine(jobs, scheduler)
    return SerialEngine() if jobs == 1 else PoolEngine(jobs)


def _chunks(items: list, size: int, workers: int) -> list[list]:
    """Consecutive chunks of at most ``size``, small enough that every worker gets several;
    with several workers the last ones hold one item each, so that the workers finish
    together rather than one idling while another works through a last full chunk."""
    if not items:
        return []
    size = max(1, min(size, math.ceil(len(items) / (4 * workers)))) if workers > 1 else max(1, size)
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    if workers > 1 and size > 1:
        tail = 2 * workers
        chunks = chunks[:-tail] + [[item] for chunk in chunks[-tail:] for item in chunk]
    return chunks


# --------------------------------------------------------------------------- the driver


class PageStream:
    """The ingested pages, in input order, streamed from the cache (iterable many times)."""

    def __init__(self, files: list[FileIngest], cache: BuildCache):
        self.files, self.cache = files, cache

    def __iter__(self) -> Iterator[Page]:
        for f in self.files:
            for info in f.pages:
                page = ingested_page(info, self.cache)
                if page is not None:
                    yield page

    def __len__(self) -> int:
        return sum(len(f.pages) for f in self.files)


def run_build(raw: Path, out: Path, config: Config, jobs: int = 1, quiet: bool = False,
              genre_model_dir: Path | None = None, engine: str = "local", scheduler: str | None = None,
              cache_dir: Path | None = None, partitioned: bool | None = None, replace: bool = False) -> dict:
    """Build every table from ``raw`` into ``out`` and return the manifest (also written).

    ``partitioned``: each row table is a folder of Parquet parts written by the workers
    (``documents.parquet/part-00000.parquet``, …) instead of one file written by the driver;
    default: on with the Dask engine, off otherwise. Before any work the arguments and
    folders are checked (``build_checks``); the output folder is locked for the build; a
    build with far fewer ok pages than the tables it would replace stops unless ``replace``.
    Mistakes raise ``UserError``."""
    raw, out = Path(raw), Path(out)
    check_engine_arguments(engine, jobs, scheduler)
    cache_dir = Path(cache_dir or default_cache_dir(raw, out))
    build_checks.check_paths(raw, out)
    with build_checks.OutputLock(out):
        build_checks.writable_folder(cache_dir, "cache folder", "--cache")
        return _run_build_locked(raw, out, config, jobs, quiet, genre_model_dir, engine, scheduler, cache_dir,
                                 partitioned, replace)


def _run_build_locked(raw: Path, out: Path, config: Config, jobs: int, quiet: bool, genre_model_dir: Path | None,
                      engine: str, scheduler: str | None, cache_dir: Path, partitioned: bool | None,
                      replace: bool) -> dict:
    if partitioned is None:
        partitioned = engine == "dask"
    started = time.perf_counter()
    timings: dict[str, float] = {}
    exec_cfg = config["executor"]
    cache = BuildCache(cache_dir.resolve())
    build_checks.tag_cache_folder(cache.root)
    keys = BuildKeys(config, genre_model_dir)
    _remove_stale_temp_files(out)
    state = WorkerState(config, genre_model_dir, cache.root, keys=keys)
    eng = make_engine(engine, jobs, scheduler)
    preload = _Preload(config, genre_model_dir)
    # with a forking pool: load the page workers' resources in the driver while the ingest
    # workers run (from the first file ingest did not find in the cache: a rerun with nothing
    # changed loads nothing), so the page workers forked later inherit them (copy-on-write)
    on_miss = preload.start if isinstance(eng, PoolEngine) and eng.forks else None
    try:
        with timed(timings, "ingest"):
            files, skipped = ingest.discover_files(raw, {
                out: "the output folder of this build: never read as input",
                cache.root: "the cache folder of this build: never read as input"})
            ingested = _ingest(files, raw, cache, eng, state, quiet, exec_cfg, on_miss)
            # a wrong --raw or a setting that rejects every file: stop before the long part
            build_checks.guard_replacement(out, sum(p.status == "ok" for f in ingested for p in f.pages),
                                           exec_cfg["replace_min_share"], replace)
            if preload.thread is not None:
                preload.finish()   # the stages' first-use loading is not shared with templates learning
        infos = [info for f in ingested for info in f.pages]
        with timed(timings, "templates"):
            templates = _templates(ingested, keys, cache, config)
            for info in infos:
                info.template_evidence = None      # used: the driver's memory stays per-page small
        page_keys = [keys.page(i.digest, template_fingerprint(templates, i.site_key)) for i in infos]
        build_key = keys.build([f"{i.path}\x00{k}" for i, k in zip(infos, page_keys)])
        previous = _unchanged_build(out, build_key, page_keys, cache, partitioned)
        if previous is not None:
            eng.close()
            return _noop_manifest(previous, out, config, ingested, skipped, timings, started, eng)
        with timed(timings, "per_page"):
            page_state = dataclasses.replace(state, templates=templates)
            frozen = isinstance(eng, PoolEngine) and eng.forks
            if frozen:
                preload.finish()   # loaded before the page workers are forked (they inherit it)
                # the inherited objects out of the collector's sight: its passes would write to
                # (and so copy) every shared memory page the workers inherit
                gc.freeze()
            try:
                summaries = _pages(infos, page_keys, cache, eng, page_state, quiet, exec_cfg)
            finally:
                if frozen:
                    gc.unfreeze()
        build_checks.guard_replacement(out, sum(s.status == "ok" for s in summaries),
                                       exec_cfg["replace_min_share"], replace)
        if not partitioned:
            eng.close()     # the driver writes the tables: free the workers now
        with timed(timings, "dedup"):
            labels = _dedup(summaries, config["dedup"])
        docs = [d for s in summaries for d in s.docs]
        for d, (cluster, is_dup) in zip(docs, (lab for page_labels in labels for lab in page_labels)):
            d.dup_cluster, d.is_duplicate = cluster, is_dup
        with timed(timings, "recurring"):
            recurring = extract.recurring_problems(docs)
        del docs
        with timed(timings, "write"):
            if partitioned:
                table_files = _write_partitioned(out, summaries, labels, recurring, eng, page_state,
                                                 exec_cfg["write_batch_pages"], quiet)
            else:
                table_files = _write_tables(out, summaries, labels, recurring, page_state,
                                            exec_cfg["write_batch_pages"], quiet)
    finally:
        eng.close()
    timings["total"] = round(time.perf_counter() - started, 4)
    manifest = _manifest(raw, out, config, ingested, skipped, summaries, timings, build_key, table_files, cache,
                         engine, eng.workers)
    fault_point("manifest")
    tables.write_json(manifest, out / "manifest.json")
    return manifest


class _Preload:
    """Loads the per-page Resources in a background thread of the driver (see run_build)."""

    def __init__(self, config: Config, genre_model_dir: Path | None):
        self.config, self.genre_model_dir = config, genre_model_dir
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._load, name="preload-resources", daemon=True)
        self.thread.start()

    def finish(self) -> None:
        """Wait for the thread, or load here when it never started (idempotent)."""
        if self.thread is not None:
            self.thread.join()
        self._load()

    def _load(self) -> None:
        _warm_up(worker_resources(self.config, self.genre_model_dir), None)


def _cached_ingest(cache: BuildCache, key: str | None) -> FileIngest | None:
    """The file's ingest entry when it and every page it names are in the cache, else None."""
    entry = cache.summary("ingest", key) if key else None
    if entry is not None and all(info.inline is not None or info.in_entry is not None
                                 or cache.has("page_in", info.digest) for info in entry.pages):
        entry.cache_hit = True
        return entry
    return None


def _ingest(files: list[Path], raw: Path, cache: BuildCache, eng, state: WorkerState,
            quiet: bool, exec_cfg: dict, on_miss: Callable[[], None] | None = None) -> list[FileIngest]:
    """Every file's pages: from the cache when its bytes are unchanged, else ingested. Both
    on the engine: hashing every file is a good part of a rerun's work. ``on_miss`` is
    called once, when the first file that was not in the cache comes back."""
    results: list[FileIngest | None] = [None] * len(files)
    # absolute but not resolved: a symlink stays inside raw, as ingest saw it
    todo = [(i, (os.path.abspath(path), os.path.abspath(raw), _relative(path, raw))) for i, path in enumerate(files)]
    with StageProgress("ingest", len(files), quiet, unit="file") as bar:
        chunks = _chunks(todo, exec_cfg["chunk_pages"], eng.workers)
        retry = []
        for n, result in eng.map(ingest_task, [[job for _, job in c] for c in chunks], state):
            if isinstance(result, Exception):
                retry.extend(chunks[n])
                continue
            for (i, _), entry in zip(chunks[n], result):
                results[i] = entry
                bar.update(1, sum(p.n_chars for p in entry.pages))
            if on_miss is not None and not all(entry.cache_hit for entry in result):
                on_miss()
                on_miss = None
        # a dead worker takes its pool's pending tasks with it: as for pages, those files run
        # again one at a time, so only a file that kills a worker again is rejected
        for i, job in retry:
            [(_, result)] = list(eng.map(ingest_task, [[job]], state))
            if isinstance(result, Exception):
                result = [FileIngest(job[2], None, [_info(_rejected_page(Path(job[0]), job[2],
                                                                         f"worker failed: {result!r}"))])]
            results[i] = result[0]
            bar.update(1, sum(p.n_chars for p in result[0].pages))
    return [r for r in results if r is not None]


def _info(page: Page) -> PageInfo:
    return PageInfo(page.path, page.page_id, page.status, page.reason, len(page.text), page_digest(page), None, page)


def _templates(ingested: list[FileIngest], keys: BuildKeys, cache: BuildCache, config: Config):
    """The learned site templates (cached by every page's digest and the clean settings)."""
    key = keys.templates([info.digest for f in ingested for info in f.pages])
    templates = cache.summary("templates", key)
    if templates is None:
        signature = _clean_signature(config)
        infos = [info for f in ingested for info in f.pages]
        if all(info.status != "ok" or (info.template_evidence is not None and info.template_evidence[0] == signature)
               for info in infos):
            # every page's evidence was taken by ingest under these clean settings
            templates = clean.templates_from_evidence(
                (info.template_evidence[1] if info.status == "ok" else None for info in infos), config["clean"])
        else:
            templates = clean.learn_templates(PageStream(ingested, cache), config["clean"])
        cache.put("templates", key, templates)
    return templates


def _clean_signature(config: Config) -> str:
    """The clean settings template evidence was taken under (the rules are in the cache keys)."""
    return json.dumps(config["clean"], sort_keys=True, ensure_ascii=False, default=str)


def _pages(infos: list[PageInfo], page_keys: list[str], cache: BuildCache, eng, state: WorkerState, quiet: bool,
           exec_cfg: dict) -> list[PageSummary]:
    """Every page's summary: cache hits read here, misses processed on the engine."""
    summaries: list[PageSummary | None] = [None] * len(infos)
    todo = []
    first_path: dict[str, str] = {}
    with StageProgress("pages", len(infos), quiet) as bar:
        for i, (info, key) in enumerate(zip(infos, page_keys)):
            if info.status == "ok" and first_path.setdefault(info.page_id, info.path) != info.path:
                # identical bytes at another path: the same page, so its documents (whose ids come
                # from the bytes) are listed once; this copy stays in the pages table, rejected
                summaries[i] = _skipped_summary(info, f"same bytes as {first_path[info.page_id]}: "
                                                      "its documents are listed once, under that path")
                bar.update(1, 0)
                continue
            summary = cache.summary("pages", key) if info.inline is None else None
            if summary is not None:
                summary.cache_hit = True
                summaries[i] = summary
                bar.update(1, summary.n_chars)
            else:
                todo.append((i, (info, key)))
        if eng.workers > 1:
            # longest pages first: the small ones at the end fill the gaps (results are placed by index)
            todo.sort(key=lambda job: -job[1][0].n_chars)
        chunks = _chunks(todo, exec_cfg["chunk_pages"], eng.workers)
        retry = []
        for n, result in eng.map(pages_task, [[ref for _, ref in c] for c in chunks], state):
            chunk = chunks[n]
            if isinstance(result, Exception):
                retry.extend(chunk)
                continue
            for (i, _), summary in zip(chunk, result):
                summaries[i] = summary
                bar.update(1, summary.n_chars)
        # a worker died (a crash in native code, the OOM killer) and took its pool's pending
        # tasks with it: run those pages again one at a time, so only the page that kills a
        # worker again is lost (rejected with the reason), and the build goes on
        for i, ref in retry:
            [(_, result)] = list(eng.map(pages_task, [[ref]], state))
            summaries[i] = result[0] if not isinstance(result, Exception) else _failed_summary(ref[0], result)
            bar.update(1, summaries[i].n_chars)
    return summaries  # type: ignore[return-value]


def _failed_summary(info: PageInfo, exc: Exception) -> PageSummary:
    summary = _skipped_summary(info, f"worker failed while processing this page: {type(exc).__name__}: {exc}")
    summary.errors = [{"stage": "worker", "error": repr(exc)}]
    return summary


def _skipped_summary(info: PageInfo, reason: str) -> PageSummary:
    """A page not processed: a rejected pages row with the reason, no documents."""
    page = Page(info.page_id, info.path, "unknown", status="rejected", reason=reason)
    return PageSummary(info.path, info.page_id, page.status, page.reason, info.n_chars, None,
                       rows=page_rows(PageResult(page)))


def _dedup(summaries: list[PageSummary], cfg: dict) -> list[list[tuple[str, bool]]]:
    """(dup_cluster, is_duplicate) of every document, grouped by page."""
    entries = [dedup.DedupEntry(d.doc_id, d.n_chars, s.path, d.ordinal, d.fingerprint)
               for s in summaries for d in s.dedup]
    flat = dedup.cluster_labels(entries, cfg)
    out, pos = [], 0
    for s in summaries:
        out.append(flat[pos:pos + len(s.dedup)])
        pos += len(s.dedup)
    return out


def _write_tables(out: Path, summaries: list[PageSummary], labels: list[list[tuple[str, bool]]], recurring,
                  state: WorkerState, batch_pages: int, quiet: bool) -> dict[str, dict]:
    """Stream every page's cached rows into the tables (temporary files, then renamed).

    A thread reads the next batch of pages' rows from the cache while this one is written;
    the documents table (most of the bytes) is written by its own thread while this one
    writes the others (Parquet writing releases the GIL): three batches in memory at most.
    (Reading in the pool's worker processes instead was slower: the batches' transfer
    costs more than their reading.)"""
    out.mkdir(parents=True, exist_ok=True)
    tmp = {name: out / f".{name}.parquet.{os.getpid()}.tmp" for name in ROW_TABLES}
    writers = {name: pq.ParquetWriter(tmp[name], tables.schema(name), **tables.parquet_options(tables.schema(name)))
               for name in ROW_TABLES}
    rows_written = dict.fromkeys(ROW_TABLES, 0)
    size = max(1, batch_pages)
    jobs = _batch_jobs(summaries, labels, size)
    reader = ThreadPoolExecutor(max_workers=1)
    documents_writer = ThreadPoolExecutor(max_workers=1)
    try:
        with StageProgress("write", len(summaries), quiet) as bar:
            ahead = reader.submit(rows_task, jobs[:1], state)
            writing = None
            for n in range(len(jobs)):
                [batch] = ahead.result()
                ahead = reader.submit(rows_task, jobs[n + 1:n + 2], state)
                for name in ROW_TABLES:
                    table = batch[name]
                    if name == "documents":
                        if writing is not None:
                            writing.result()          # one documents batch in the writer at a time
                        writing = documents_writer.submit(writers[name].write_table, table)
                    else:
                        writers[name].write_table(table)
                    rows_written[name] += table.num_rows
                done = summaries[n * size:(n + 1) * size]
                bar.update(len(done), sum(s.n_chars for s in done))
            if writing is not None:
                writing.result()
        documents_writer.shutdown(wait=True)
        reader.shutdown(wait=True)
        for name in ROW_TABLES:
            writers[name].close()
            fault_point("table_write")
        if recurring is not None:
            tmp["recurring_problems"] = out / f".recurring_problems.parquet.{os.getpid()}.tmp"
            pq.write_table(pa.Table.from_pandas(recurring, preserve_index=False), tmp["recurring_problems"])
            rows_written["recurring_problems"] = len(recurring)
            fault_point("table_write")
    except BaseException:
        reader.shutdown(wait=True, cancel_futures=True)
        documents_writer.shutdown(wait=True, cancel_futures=True)
        for name, w in writers.items():
            w.close()
        for p in tmp.values():
            p.unlink(missing_ok=True)
        raise
    return _put_tables_in_place(out, tmp, rows_written)


def _batch_jobs(summaries: list[PageSummary], labels: list[list[tuple[str, bool]]],
                batch_pages: int) -> list[tuple[list, list]]:
    """The tables' batches of ``batch_pages`` pages, in page order: ``(pages, dedup labels)``,
    a page being ``(cache key, rows)`` (rows only for a page that is not cached)."""
    batch = max(1, batch_pages)
    return [([(s.key, s.rows if s.key is None else None) for s in summaries[a:a + batch]],
             [lab for page_labels in labels[a:a + batch] for lab in page_labels])
            for a in range(0, len(summaries), batch)]


def rows_task(jobs: Sequence[tuple[list, list]], state: WorkerState | None = None) -> list[dict[str, pa.Table]]:
    """Each batch's rows of every row table, ``jobs`` being ``(pages, dedup labels)`` as made
    by ``_batch_jobs``; the documents get their dup columns."""
    cache = BuildCache(_state(state).cache_root)
    out = []
    for pages, labels in jobs:
        parts = _rows_by_table(cache, pages)
        batch = {name: pa.concat_tables(parts[name]) if parts[name] else tables.schema(name).empty_table()
                 for name in ROW_TABLES}
        batch["documents"] = _with_dup_columns(batch["documents"], labels)
        out.append(batch)
    return out


def _rows_by_table(cache: BuildCache, pages: Sequence[tuple[str | None, dict | None]]) -> dict[str, list[pa.Table]]:
    """Each row table's Arrow rows of ``pages`` (``(cache key, rows)``: rows given for a page
    that is not cached, else read from its cache entry), in page order."""
    parts: dict[str, list[pa.Table]] = {name: [] for name in ROW_TABLES}
    for key, rows in pages:
        rows = rows if rows is not None else cache.payload("pages", key)
        if rows is None:
            raise RuntimeError(f"cache entry {key} vanished during the build; rerun it")
        for name in ROW_TABLES:
            parts[name].append(rows[name])
    return parts


def write_parts_task(jobs: Sequence[tuple], state: WorkerState | None = None) -> list[dict[str, int]]:
    """Write Parquet parts of the row tables, one job ``(part number, {table: folder}, pages,
    dedup labels)`` each (pages and labels as in ``_batch_jobs``); returns the rows written
    per table, per job."""
    out = []
    for number, folders, pages, labels in jobs:
        [batch] = rows_task([(pages, labels)], state)
        counts = {}
        for name in ROW_TABLES:
            table = batch[name]
            # the folder is temporary and renamed whole at the end: no temporary file per part
            pq.write_table(table, Path(folders[name]) / f"part-{number:05d}.parquet",
                           **tables.parquet_options(table.schema))
            counts[name] = table.num_rows
            fault_point("table_write")
        out.append(counts)
    return out


def _write_partitioned(out: Path, summaries: list[PageSummary], labels: list[list[tuple[str, bool]]], recurring,
                       eng, state: WorkerState, batch_pages: int, quiet: bool) -> dict[str, dict]:
    """Every row table as a folder of Parquet parts (``batch_pages`` pages a part, in page
    order), written by the engine's workers into temporary folders renamed at the end."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = {name: out / f".{name}.parquet.{os.getpid()}.tmp" for name in ROW_TABLES}
    batch = max(1, batch_pages)
    starts = list(range(0, len(summaries), batch))
    folders = {name: str(folder) for name, folder in tmp.items()}
    jobs = [[(n, folders, pages, batch_labels)]
            for n, (pages, batch_labels) in enumerate(_batch_jobs(summaries, labels, batch))]
    rows_written = dict.fromkeys(ROW_TABLES, 0)
    try:
        for folder in tmp.values():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
        with StageProgress("write", len(summaries), quiet) as bar:
            for n, result in eng.map(write_parts_task, jobs, state):
                if isinstance(result, BaseException):
                    raise RuntimeError(f"writing part {n} of the tables failed: {result!r}")
                for counts in result:
                    for name, count in counts.items():
                        rows_written[name] += count
                batch_summaries = summaries[starts[n]:starts[n] + batch]
                bar.update(len(batch_summaries), sum(s.n_chars for s in batch_summaries))
        if recurring is not None:
            tmp_recurring = out / f".recurring_problems.parquet.{os.getpid()}.tmp"
            pq.write_table(pa.Table.from_pandas(recurring, preserve_index=False), tmp_recurring)
            rows_written["recurring_problems"] = len(recurring)
            fault_point("table_write")
    except BaseException:
        for folder in tmp.values():
            shutil.rmtree(folder, ignore_errors=True)
        raise
    if recurring is not None:
        tmp["recurring_problems"] = tmp_recurring
    return _put_tables_in_place(out, tmp, rows_written)


def _put_tables_in_place(out: Path, tmp: dict[str, Path], rows_written: dict[str, int]) -> dict[str, dict]:
    """Rename every finished temporary table onto ``<out>/<name>.parquet``; their manifest rows."""
    files = {}
    for name, path in tmp.items():
        final = out / f"{name}.parquet"
        _replace_table(path, final)
        fault_point("table_rename")
        files[name] = {"rows": rows_written[name], **table_signature(final)}
    return files


def _replace_table(new: Path, final: Path) -> None:
    """Put the finished temporary file or folder ``new`` in the place of ``final`` (a table
    file or a folder of parts, either may be there from an earlier build)."""
    if final.is_dir() and not final.is_symlink():
        old = final.with_name(f".{final.name}.{os.getpid()}.old.tmp")
        os.replace(final, old)
        os.replace(new, final)
        shutil.rmtree(old, ignore_errors=True)
    elif new.is_dir() and final.exists():
        final.unlink()          # a file cannot be renamed over by a folder; the manifest comes last
        os.replace(new, final)
    else:
        os.replace(new, final)


def table_signature(path: Path) -> dict:
    """Size and modification time of a table file, or of a folder's parts (summed / latest,
    with their count): what the no-op check compares with the last manifest."""
    path = Path(path)
    if path.is_dir():
        parts = sorted(path.glob("part-*.parquet"))
        stats = [p.stat() for p in parts]
        return {"bytes": sum(st.st_size for st in stats), "mtime_ns": max((st.st_mtime_ns for st in stats), default=0),
                "parts": len(parts)}
    stat = path.stat()
    return {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _with_dup_columns(table: pa.Table, labels: list[tuple[str, bool]]) -> pa.Table:
    if table.num_rows != len(labels):
        raise RuntimeError(f"dedup labels ({len(labels)}) do not match document rows ({table.num_rows})")
    for name, values, typ in (("dup_cluster", [c for c, _ in labels], pa.string()),
                              ("is_duplicate", [d for _, d in labels], pa.bool_())):
        i = table.schema.get_field_index(name)
        table = table.set_column(i, table.schema.field(i), pa.array(values, type=typ))
    return table


def _remove_stale_temp_files(out: Path) -> None:
    """Temporary files left by a killed build (never read; removed so they do not pile up)."""
    if out.is_dir():
        for p in out.glob(".*.tmp"):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)     # a partitioned table's temporary folder
            else:
                p.unlink(missing_ok=True)


def _relative(path: Path, raw: Path) -> str:
    """The path relative to raw as ingest shows it (a file name that is not UTF-8 on disk is
    decoded or escaped: it must go into cache keys, JSON and Parquet)."""
    return ingest.display_path(Path(path), Path(raw))


# --------------------------------------------------------------------------- manifest


def _unchanged_build(out: Path, build_key: str, page_keys: list[str], cache: BuildCache,
                     partitioned: bool = False) -> dict | None:
    """The previous manifest when this build would write exactly the same tables (in the
    same layout: files, or folders of parts), else None."""
    try:
        previous = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if previous.get("build_key") != build_key or not previous.get("tables"):
        return None
    for name, meta in previous["tables"].items():
        try:
            now = table_signature(out / f"{name}.parquet")
        except OSError:
            return None
        if name in ROW_TABLES and ("parts" in meta) != partitioned:
            return None         # the other layout was asked for
        if any(now.get(k) != meta.get(k) for k in ("bytes", "mtime_ns", "parts")):
            return None
    if not all(cache.has("pages", k) for k in page_keys):
        return None
    return previous


def _noop_manifest(previous: dict, out: Path, config: Config, ingested: list[FileIngest], skipped: list[dict],
                   timings: dict, started: float, eng) -> dict:
    """Nothing changed: the tables stand; a new manifest says every page was a cache hit
    (and lists the entries this build skipped: they are not part of the tables' key)."""
    timings["total"] = round(time.perf_counter() - started, 4)
    n_pages = sum(len(f.pages) for f in ingested)
    was_skipped = {i["path"] for i in previous.get("inputs", []) if i["status"] == "skipped"}
    manifest = dict(previous)
    manifest.update({
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "timings": timings, "unchanged": True,
        "config": config.as_dict(), "versions": package_versions(),
        "engine": {**previous.get("engine", {}), "workers": eng.workers},
        "cache": {**previous.get("cache", {}),
                  "ingest_hits": sum(f.cache_hit for f in ingested),
                  "ingest_misses": sum(not f.cache_hit for f in ingested),
                  "page_hits": n_pages, "page_misses": 0, "abandoned": 0},
        "inputs": [{**i, "status": "cache_hit" if i["status"] == "processed" else i["status"]}
                   for i in previous.get("inputs", []) if i["status"] != "skipped"] + _skipped_inputs(skipped),
        "rejected": [r for r in previous.get("rejected", []) if r["path"] not in was_skipped]
        + [{"path": s["path"], "reason": s["reason"]} for s in skipped],
    })
    fault_point("manifest")
    tables.write_json(manifest, out / "manifest.json")
    return manifest


def _skipped_inputs(skipped: list[dict]) -> list[dict]:
    return [{"path": s["path"], "status": "skipped", "reason": s["reason"], "pages": 0, "pages_ok": 0,
             "pages_cached": 0} for s in skipped]


def _manifest(raw: Path, out: Path, config: Config, ingested: list[FileIngest], skipped: list[dict],
              summaries: list[PageSummary], timings: dict, build_key: str, table_files: dict, cache: BuildCache,
              engine: str, workers: int) -> dict:
    inputs = []
    pos = 0
    for f in ingested:
        page_summaries = summaries[pos:pos + len(f.pages)]
        pos += len(f.pages)
        ok = [s for s in page_summaries if s.status == "ok"]
        if not page_summaries:
            status, reason = "rejected", "no pages found in the file"
        elif not ok:
            status, reason = "rejected", page_summaries[0].reason
        elif f.cache_hit and all(s.cache_hit for s in page_summaries):
            status, reason = "cache_hit", None
        else:
            status, reason = "processed", None
        inputs.append({"path": f.path, "status": status, "reason": reason, "pages": len(page_summaries),
                       "pages_ok": len(ok), "pages_cached": sum(s.cache_hit for s in page_summaries)})
        if f.sniffed:
            inputs[-1]["sniffed_format"] = f.sniffed
    inputs += _skipped_inputs(skipped)
    n_docs = sum(len(s.dedup) for s in summaries)
    return {
        "raw": str(raw), "out": str(out), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "counts": {
            "files": len(ingested) + len(skipped), "pages": len(summaries),
            "pages_ok": sum(s.status == "ok" for s in summaries),
            "pages_rejected": sum(s.status != "ok" for s in summaries),
            "documents": n_docs, "duplicates": sum(d.is_duplicate for s in summaries for d in s.docs),
            "sections": sum(s.n_sections for s in summaries), "items": sum(s.n_items for s in summaries),
            "chars": sum(s.n_chars for s in summaries),
            "pages_with_replaced_bytes": sum(i.replaced_bytes > 0 for f in ingested for i in f.pages),
            "replaced_bytes": sum(i.replaced_bytes for f in ingested for i in f.pages),
        },
        "rejected": [{"path": s.path, "reason": s.reason} for s in summaries if s.status != "ok"]
        + [{"path": s["path"], "reason": s["reason"]} for s in skipped],
        "errors": [{"path": s.path, **e} for s in summaries for e in s.errors],
        "abandoned": [{"path": s.path, "reason": s.reason} for s in summaries if s.abandoned],
        "inputs": inputs,
        "cache": {"dir": str(cache.root), "ingest_hits": sum(f.cache_hit for f in ingested),
                  "ingest_misses": sum(not f.cache_hit for f in ingested),
                  "page_hits": sum(s.cache_hit for s in summaries),
                  "page_misses": sum(not s.cache_hit for s in summaries),
                  "abandoned": sum(s.abandoned for s in summaries)},
        "engine": {"name": engine, "workers": workers},
        "build_key": build_key,
        "tables": table_files,
        "timings": timings,
        "versions": package_versions(),
        "config": config.as_dict(),
    }
