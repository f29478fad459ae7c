"""Writing the row tables: every page's cached Arrow rows streamed into Parquet.

Two layouts: one file per table written by the driver (``write_tables``), or a folder of
Parquet parts per table written by the engine's workers (``write_partitioned``, the Dask
default). Either way every table is written under a temporary name and renamed into place
at the end, so a killed build leaves the previous tables intact.
"""
from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.engine.cache import BuildCache, fault_point
from pipeline.engine.progress import StageProgress
from pipeline.engine.tasks import ROW_TABLES, PageSummary, WorkerState, worker_state
from pipeline.output import tables
from pipeline.output.tables import table_signature

DedupLabels = list[list[tuple[str, bool]]]     # (dup_cluster, is_duplicate) of each document, by page


def write_tables(out: Path, summaries: list[PageSummary], labels: DedupLabels, recurring,
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
    jobs = batch_jobs(summaries, labels, size)
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
            tmp["recurring_problems"] = _write_recurring(out, recurring, rows_written)
    except BaseException:
        reader.shutdown(wait=True, cancel_futures=True)
        documents_writer.shutdown(wait=True, cancel_futures=True)
        for name, w in writers.items():
            w.close()
        for p in tmp.values():
            p.unlink(missing_ok=True)
        raise
    return _put_tables_in_place(out, tmp, rows_written)


def write_partitioned(out: Path, summaries: list[PageSummary], labels: DedupLabels, recurring,
                      eng, state: WorkerState, batch_pages: int, quiet: bool) -> dict[str, dict]:
    """Every row table as a folder of Parquet parts (``batch_pages`` pages a part, in page
    order), written by the engine's workers into temporary folders renamed at the end."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = {name: out / f".{name}.parquet.{os.getpid()}.tmp" for name in ROW_TABLES}
    batch = max(1, batch_pages)
    starts = list(range(0, len(summaries), batch))
    folders = {name: str(folder) for name, folder in tmp.items()}
    jobs = [[(n, folders, pages, batch_labels)]
            for n, (pages, batch_labels) in enumerate(batch_jobs(summaries, labels, batch))]
    rows_written = dict.fromkeys(ROW_TABLES, 0)
    tmp_recurring = None
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
            tmp_recurring = _write_recurring(out, recurring, rows_written)
    except BaseException:
        for folder in tmp.values():
            shutil.rmtree(folder, ignore_errors=True)
        raise
    if tmp_recurring is not None:
        tmp["recurring_problems"] = tmp_recurring
    return _put_tables_in_place(out, tmp, rows_written)


def _write_recurring(out: Path, recurring, rows_written: dict[str, int]) -> Path:
    """The recurring-problems table (a DataFrame made by the driver) to a temporary file."""
    path = out / f".recurring_problems.parquet.{os.getpid()}.tmp"
    pq.write_table(pa.Table.from_pandas(recurring, preserve_index=False), path)
    rows_written["recurring_problems"] = len(recurring)
    fault_point("table_write")
    return path


def batch_jobs(summaries: list[PageSummary], labels: DedupLabels, batch_pages: int) -> list[tuple[list, list]]:
    """The tables' batches of ``batch_pages`` pages, in page order: ``(pages, dedup labels)``,
    a page being ``(cache key, rows)`` (rows only for a page that is not cached)."""
    batch = max(1, batch_pages)
    return [([(s.key, s.rows if s.key is None else None) for s in summaries[a:a + batch]],
             [lab for page_labels in labels[a:a + batch] for lab in page_labels])
            for a in range(0, len(summaries), batch)]


def rows_task(jobs: Sequence[tuple[list, list]], state: WorkerState | None = None) -> list[dict[str, pa.Table]]:
    """Each batch's rows of every row table, ``jobs`` being ``(pages, dedup labels)`` as made
    by ``batch_jobs``; the documents get their dup columns."""
    cache = BuildCache(worker_state(state).cache_root)
    out = []
    for pages, labels in jobs:
        parts = _rows_by_table(cache, pages)
        batch = {name: pa.concat_tables(parts[name]) if parts[name] else tables.schema(name).empty_table()
                 for name in ROW_TABLES}
        batch["documents"] = _with_dup_columns(batch["documents"], labels)
        out.append(batch)
    return out


def write_parts_task(jobs: Sequence[tuple], state: WorkerState | None = None) -> list[dict[str, int]]:
    """Write Parquet parts of the row tables, one job ``(part number, {table: folder}, pages,
    dedup labels)`` each (pages and labels as in ``batch_jobs``); returns the rows written
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


def _with_dup_columns(table: pa.Table, labels: list[tuple[str, bool]]) -> pa.Table:
    if table.num_rows != len(labels):
        raise RuntimeError(f"dedup labels ({len(labels)}) do not match document rows ({table.num_rows})")
    for name, values, typ in (("dup_cluster", [c for c, _ in labels], pa.string()),
                              ("is_duplicate", [d for _, d in labels], pa.bool_())):
        i = table.schema.get_field_index(name)
        table = table.set_column(i, table.schema.field(i), pa.array(values, type=typ))
    return table


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


def remove_stale_temp_files(out: Path) -> None:
    """Temporary files left by a killed build (never read; removed so they do not pile up)."""
    if out.is_dir():
        for p in out.glob(".*.tmp"):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)     # a partitioned table's temporary folder
            else:
                p.unlink(missing_ok=True)
