"""The driver: every phase of a build, in order. Reading ``build`` tells the whole pipeline.

    discover ─▶ ingest ─▶ learn templates ─▶ per-page stages ─▶ dedup ─▶ recurring problems
    ─▶ write tables ─▶ manifest                         (``build``: ``policy-corpus build``)
    ─▶ topics ─▶ compare by genre, year, region         (``downstream``: what ``make corpus`` adds)

1. discover: the input files under raw (outputs, caches and exports are skipped, with reasons).
2. ingest (on the engine, cached by file bytes): bytes → pages (``pipeline.ingest.reader``).
3. learn templates (here, cached): lines a site repeats across its pages (``clean``).
4. per-page stages (on the engine, cached by page digest + templates + settings + code):
   ``pipeline.stages.process_page`` = clean ▶ split ▶ per document: line breaks ▶ segment
   ▶ outline ▶ genre ▶ extract ▶ metadata; plus each document's dedup fingerprint and the
   page's table rows.
5. dedup (here): near-duplicate clusters from the fingerprints only.
6. recurring problems (here): problems grouped across documents.
7. write tables: the cached rows streamed into Parquet (by the driver, or by the workers as
   folders of parts), written under temporary names and renamed.
8. manifest: counts, rejections with reasons, timings, versions, settings; written last.

Where per-page work runs is the engine's business (``pipeline.engine.engines``: this
process, a local process pool, or Dask); the driver never holds the pages' text or tokens,
only per-page summaries, so its memory grows with the number of documents. A rerun whose
pages and settings are all unchanged and whose tables are intact writes only a new manifest.
"""
from __future__ import annotations

import dataclasses
import gc
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd

from pipeline.analysis import dedup, extract
from pipeline.clean import site_templates
from pipeline.config import Config
from pipeline.engine import build_checks, table_writer
from pipeline.engine import manifest as manifests
from pipeline.engine.cache import BuildCache, BuildKeys, default_cache_dir
from pipeline.engine.engines import Engine, check_engine_arguments, make_engine, map_items
from pipeline.engine.progress import StageProgress
from pipeline.engine.tasks import (
    FileIngest,
    PageInfo,
    PageSummary,
    WorkerState,
    clean_settings_signature,
    ingest_task,
    ingested_page,
    pages_task,
    rejected_page,
    warm_up,
)
from pipeline.ingest import reader
from pipeline.records import Page
from pipeline.resources import worker_resources


def build(raw: Path, out: Path, config: Config | None = None, jobs: int = 1, quiet: bool = False,
          genre_model_dir: Path | None = None, engine: str = "local", scheduler: str | None = None,
          cache_dir: Path | None = None, partitioned: bool | None = None, replace: bool = False) -> dict:
    """Build the corpus tables from the pages under ``raw`` into ``out``; returns the manifest.

    ``engine`` is ``local`` (``jobs`` processes) or ``dask`` (``scheduler`` address, or a
    LocalCluster of ``jobs`` workers); ``cache_dir`` holds the incremental-build cache
    (default: ``<raw>/../interim`` for a folder named raw, else ``<out>/.cache``);
    ``partitioned`` writes each row table as a folder of Parquet parts (default: with Dask);
    ``replace`` lets a build with far fewer ok pages replace the tables. Before any work the
    arguments and folders are checked (``build_checks``) and the output folder is locked;
    mistakes raise ``UserError``."""
    raw, out, config = Path(raw), Path(out), config or Config.load()
    check_engine_arguments(engine, jobs, scheduler)
    cache_dir = Path(cache_dir or default_cache_dir(raw, out))
    build_checks.check_paths(raw, out)
    with build_checks.OutputLock(out):
        build_checks.writable_folder(cache_dir, "cache folder", "--cache")
        run = Run(raw, out, config, BuildCache(cache_dir.resolve()), genre_model_dir, quiet, replace,
                  engine, partitioned if partitioned is not None else engine == "dask")
        run.prepare()
        eng = make_engine(engine, jobs, scheduler)
        try:
            return _phases(run, eng)
        finally:
            eng.close()


def _phases(run: "Run", eng: Engine) -> dict:
    with run.timed("ingest"):
        files, skipped = discover(run)
        ingested = ingest_files(run, eng, files)
    with run.timed("templates"):
        templates = learn_templates(run, ingested)
    infos = [info for f in ingested for info in f.pages]
    page_keys = [run.keys.page(i.digest, templates.fingerprint(i.site_key)) for i in infos]
    build_key = run.keys.build([f"{i.path}\x00{k}" for i, k in zip(infos, page_keys)])
    previous = manifests.unchanged_build(run.out, build_key, page_keys, run.cache, run.partitioned)
    if previous is not None:
        eng.close()
        manifest = manifests.noop_manifest(previous, run.config, ingested, skipped, run.finish_timings(), eng.workers)
        manifests.write_manifest(manifest, run.out)
        return manifest
    with run.timed("per_page"):
        summaries = per_page_stages(run, eng, infos, page_keys, templates)
    with run.timed("dedup"):
        labels = deduplicate(summaries, run.config)
    with run.timed("recurring"):
        recurring = recurring_problems(summaries)
    with run.timed("write"):
        table_files = write_tables(run, eng, summaries, labels, recurring)
    eng.close()
    manifest = manifests.build_manifest(run.raw, run.out, run.config, ingested, skipped, summaries,
                                        run.finish_timings(), build_key, table_files, run.cache, run.engine,
                                        eng.workers)
    manifests.write_manifest(manifest, run.out)
    return manifest


# --------------------------------------------------------------------------- the phases


def discover(run: "Run") -> tuple[list[Path], list[dict]]:
    """1. The input files under raw, and the entries skipped (this build's outputs and cache,
    earlier outputs, hidden files …) with their reasons."""
    return reader.discover_files(run.raw, {
        run.out: "the output folder of this build: never read as input",
        run.cache.root: "the cache folder of this build: never read as input"})


def ingest_files(run: "Run", eng: Engine, files: list[Path]) -> list[FileIngest]:
    """2. Every file's pages: from the cache when its bytes are unchanged, else ingested. Both
    on the engine: hashing every file is a good part of a rerun's work.

    With an engine whose workers share the driver's memory (a forking pool), the page
    stages' resources are loaded in a driver thread from the first file ingest did not find
    in the cache (a rerun with nothing changed loads nothing), so the page workers forked
    later inherit them. Stops (``UserError``) when the ok pages would replace far more."""
    results: list[FileIngest | None] = [None] * len(files)
    on_miss = run.preload.start if eng.shares_driver_memory else None
    # absolute but not resolved: a symlink stays inside raw, as ingest saw it
    jobs = [(os.path.abspath(path), os.path.abspath(run.raw), reader.display_path(Path(path), run.raw))
            for path in files]
    with run.progress("ingest", len(files), unit="file") as bar:
        for i, entry in map_items(eng, ingest_task, jobs, run.state, run.exec_cfg["chunk_pages"]):
            if isinstance(entry, Exception):      # the file killed its worker twice
                path, _, rel = jobs[i]
                entry = FileIngest(rel, None, [PageInfo.of_page(rejected_page(Path(path), rel,
                                                                              f"worker failed: {entry!r}"))])
            results[i] = entry
            bar.update(1, sum(p.n_chars for p in entry.pages))
            if on_miss is not None and not entry.cache_hit:
                on_miss()
                on_miss = None
    ingested = [r for r in results if r is not None]
    # a wrong --raw or a setting that rejects every file: stop before the long part
    build_checks.guard_replacement(run.out, sum(p.status == "ok" for f in ingested for p in f.pages),
                                   run.exec_cfg["replace_min_share"], run.replace)
    if run.preload.thread is not None:
        run.preload.finish()   # the stages' first-use loading is not shared with templates learning
    return ingested


def learn_templates(run: "Run", ingested: list[FileIngest]) -> site_templates.SiteTemplates:
    """3. The learned site templates (cached by every page's digest and the clean settings),
    from the evidence ingest took of each page, or by reading the pages again."""
    infos = [info for f in ingested for info in f.pages]
    key = run.keys.templates([info.digest for info in infos])
    templates = run.cache.summary("templates", key)
    if templates is None:
        signature = clean_settings_signature(run.config)
        if all(info.status != "ok" or (info.template_evidence is not None and info.template_evidence[0] == signature)
               for info in infos):
            templates = site_templates.templates_from_evidence(
                (info.template_evidence[1] if info.status == "ok" else None for info in infos), run.config["clean"])
        else:
            templates = site_templates.learn_templates(PageStream(ingested, run.cache), run.config["clean"])
        run.cache.put("templates", key, templates)
    for info in infos:
        info.template_evidence = None      # used: the driver's memory stays per-page small
    return templates


def per_page_stages(run: "Run", eng: Engine, infos: list[PageInfo], page_keys: list[str],
                    templates: site_templates.SiteTemplates) -> list[PageSummary]:
    """4. Every page's summary: cache hits read here, misses processed on the engine
    (``pipeline.stages.process_page`` in ``pages_task``). Stops (``UserError``) when the ok
    pages would replace far more."""
    run.state = dataclasses.replace(run.state, templates=templates)
    frozen = eng.shares_driver_memory
    if frozen:
        run.preload.finish()   # loaded before the page workers are forked (they inherit it)
        # the inherited objects out of the collector's sight: its passes would write to
        # (and so copy) every shared memory page the workers inherit
        gc.freeze()
    try:
        summaries = _page_summaries(run, eng, infos, page_keys)
    finally:
        if frozen:
            gc.unfreeze()
    build_checks.guard_replacement(run.out, sum(s.status == "ok" for s in summaries),
                                   run.exec_cfg["replace_min_share"], run.replace)
    if not run.partitioned:
        eng.close()     # the driver writes the tables: free the workers now
    return summaries


def deduplicate(summaries: list[PageSummary], config: Config) -> table_writer.DedupLabels:
    """5. (dup_cluster, is_duplicate) of every document, grouped by page; also set on the
    summaries' documents (recurring problems skip duplicates)."""
    entries = [dedup.DedupEntry(d.doc_id, d.n_chars, s.path, d.ordinal, d.fingerprint)
               for s in summaries for d in s.dedup]
    flat = dedup.cluster_labels(entries, config["dedup"])
    labels, pos = [], 0
    for s in summaries:
        labels.append(flat[pos:pos + len(s.dedup)])
        pos += len(s.dedup)
    docs = [d for s in summaries for d in s.docs]
    for d, (cluster, is_dup) in zip(docs, (lab for page_labels in labels for lab in page_labels)):
        d.dup_cluster, d.is_duplicate = cluster, is_dup
    return labels


def recurring_problems(summaries: list[PageSummary]) -> pd.DataFrame | None:
    """6. Problems that recur across documents, grouped (``extract.recurring_problems``; after
    dedup, which marks the duplicates it leaves out)."""
    return extract.recurring_problems([d for s in summaries for d in s.docs])


def write_tables(run: "Run", eng: Engine, summaries: list[PageSummary], labels: table_writer.DedupLabels,
                 recurring: pd.DataFrame | None) -> dict[str, dict]:
    """7. Every table into ``out`` (one file each, or folders of parts written by the workers)."""
    batch = run.exec_cfg["write_batch_pages"]
    if run.partitioned:
        return table_writer.write_partitioned(run.out, summaries, labels, recurring, eng, run.state, batch, run.quiet)
    return table_writer.write_tables(run.out, summaries, labels, recurring, run.state, batch, run.quiet)


# --------------------------------------------------------------------------- what make corpus adds


def downstream(out: Path, config: Config | None = None, models: Path = Path("models/topics")) -> list[str]:
    """The phases ``make corpus`` runs after a build: topics (model, tables, R export), then
    the comparisons by genre, year and region. Returns one line per phase for the user."""
    from pipeline.analysis.compare import GROUPINGS, compare
    from pipeline.analysis.topics import fit_topics
    from pipeline.output.export_r import export_r

    config = config or Config.load()
    card = fit_topics(out, config, models=models)
    lines = [f"topics: {card['unit']} K={card['k']} → {card['model_dir']}, {export_r(out)}"]
    for by in GROUPINGS:
        summary = compare(out, by, config)
        lines.append(f"compare by {by}: {summary['n_docs_grouped']} of {summary['n_docs']} documents")
    return lines


# --------------------------------------------------------------------------- the state of one build


class Run:
    """One build's arguments and shared state: settings, cache and keys, the worker state,
    the resource preloader, timings."""

    def __init__(self, raw: Path, out: Path, config: Config, cache: BuildCache, genre_model_dir: Path | None,
                 quiet: bool, replace: bool, engine: str, partitioned: bool):
        self.raw, self.out, self.config, self.cache = raw, out, config, cache
        self.quiet, self.replace, self.engine, self.partitioned = quiet, replace, engine, partitioned
        self.exec_cfg = config["executor"]
        self.keys = BuildKeys(config, genre_model_dir)
        self.state = WorkerState(config, genre_model_dir, cache.root, keys=self.keys)
        self.preload = Preload(config, genre_model_dir)
        self.timings: dict[str, float] = {}
        self.started = time.perf_counter()

    def prepare(self) -> None:
        build_checks.tag_cache_folder(self.cache.root)
        table_writer.remove_stale_temp_files(self.out)

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Adds the elapsed seconds of the block to ``timings[name]``."""
        t = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - t, 4)

    def finish_timings(self) -> dict[str, float]:
        self.timings["total"] = round(time.perf_counter() - self.started, 4)
        return self.timings

    def progress(self, stage: str, total: int, unit: str = "page") -> StageProgress:
        return StageProgress(stage, total, self.quiet, unit=unit)


class Preload:
    """Loads the per-page Resources in a background thread of the driver (see ``ingest_files``)."""

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
        warm_up(worker_resources(self.config, self.genre_model_dir), None)


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


def _page_summaries(run: Run, eng: Engine, infos: list[PageInfo], page_keys: list[str]) -> list[PageSummary]:
    summaries: list[PageSummary | None] = [None] * len(infos)
    todo = []
    first_path: dict[str, str] = {}
    with run.progress("pages", len(infos)) as bar:
        for i, (info, key) in enumerate(zip(infos, page_keys)):
            if info.status == "ok" and first_path.setdefault(info.page_id, info.path) != info.path:
                # identical bytes at another path: the same page, so its documents (whose ids come
                # from the bytes) are listed once; this copy stays in the pages table, rejected
                summaries[i] = PageSummary.skipped(info, f"same bytes as {first_path[info.page_id]}: "
                                                         "its documents are listed once, under that path")
                bar.update(1, 0)
                continue
            summary = run.cache.summary("pages", key) if info.inline is None else None
            if summary is not None:
                summary.cache_hit = True
                summaries[i] = summary
                bar.update(1, summary.n_chars)
            else:
                todo.append((i, (info, key)))
        if eng.workers > 1:
            # longest pages first: the small ones at the end fill the gaps (results are placed by index)
            todo.sort(key=lambda job: -job[1][0].n_chars)
        refs = [ref for _, ref in todo]
        for j, summary in map_items(eng, pages_task, refs, run.state, run.exec_cfg["chunk_pages"]):
            if isinstance(summary, Exception):     # the page killed its worker twice
                summary = PageSummary.failed(refs[j][0], summary)
            summaries[todo[j][0]] = summary
            bar.update(1, summary.n_chars)
    return summaries  # type: ignore[return-value]
