"""Executors: in-process, a process pool and a Dask cluster give the same tables; the manifest
accounts for every input; engine options fail loudly when wrong; progress is quiet off a TTY."""
from __future__ import annotations

import json
import sys

import pandas as pd
import pytest
from build_fixtures import assert_same_tables, make_corpus, read_tables
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Config, ConfigError
from pipeline.driver import build as run_build
from pipeline.engine import progress


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    raw = make_corpus(tmp_path_factory.mktemp("exec") / "in")
    (raw / "empty.txt").write_bytes(b"")
    return raw


@pytest.fixture(scope="module")
def serial_build(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    manifest = run_build(corpus, out / "out", Config.load(), jobs=1, quiet=True, cache_dir=out / "cache")
    return out / "out", manifest


def test_serial_build_writes_every_table_in_a_deterministic_order(serial_build):
    out, manifest = serial_build
    for name in ("pages", "documents", "sections", "items"):
        assert (out / f"{name}.parquet").is_file()
    pages = pd.read_parquet(out / "pages.parquet")
    assert list(pages["path"]) == sorted(pages["path"])
    docs = pd.read_parquet(out / "documents.parquet")
    assert docs["doc_id"].is_unique
    assert manifest["counts"]["documents"] == len(docs)
    # the republished report is flagged, its kept copy is not, and both stay in the table
    assert docs["is_duplicate"].sum() >= 1
    kept = set(docs.loc[docs["is_duplicate"], "dup_cluster"])
    assert kept <= set(docs.loc[~docs["is_duplicate"], "doc_id"])


def test_manifest_accounts_for_every_input_file(serial_build, corpus):
    _, manifest = serial_build
    listed = {i["path"]: i for i in manifest["inputs"]}
    on_disk = {p.name for p in corpus.iterdir()}
    assert set(listed) == on_disk
    assert listed["empty.txt"]["status"] == "rejected" and listed["empty.txt"]["reason"]
    assert all(i["status"] == "processed" for name, i in listed.items() if name != "empty.txt")
    assert manifest["counts"]["files"] == len(on_disk)
    assert {"ingest_hits", "page_hits", "page_misses", "abandoned"} <= set(manifest["cache"])


def test_process_pool_gives_the_same_tables(serial_build, corpus, tmp_path):
    out, _ = serial_build
    manifest = run_build(corpus, tmp_path / "out", Config.load(), jobs=2, quiet=True, cache_dir=tmp_path / "cache")
    assert manifest["engine"] == {"name": "local", "workers": 2}
    assert manifest["cache"]["page_misses"] == manifest["counts"]["pages"]
    assert_same_tables(out, tmp_path / "out")


def test_dask_cluster_gives_the_same_tables(serial_build, corpus, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    out, _ = serial_build
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        manifest = run_build(corpus, tmp_path / "out", Config.load(), jobs=2, quiet=True,
                             engine="dask", scheduler=cluster.scheduler_address, cache_dir=tmp_path / "cache")
    assert manifest["engine"]["name"] == "dask"
    assert_same_tables(out, tmp_path / "out")
    assert len(read_tables(tmp_path / "out")["documents"]) == manifest["counts"]["documents"]
    # with Dask each row table is a folder of Parquet parts written by the workers
    for name in ("pages", "documents", "sections", "items"):
        folder = tmp_path / "out" / f"{name}.parquet"
        assert folder.is_dir() and list(folder.glob("part-*.parquet"))
        assert manifest["tables"][name]["parts"] == len(list(folder.glob("part-*.parquet")))


def test_partitioned_tables_equal_single_files_and_switch_layouts(serial_build, corpus, tmp_path):
    out, _ = serial_build
    cfg = Config.load(executor={"write_batch_pages": 2})
    target, cache = tmp_path / "out", tmp_path / "cache"
    first = run_build(corpus, target, cfg, jobs=2, quiet=True, cache_dir=cache, partitioned=True)
    assert_same_tables(out, target)
    parts = sorted((target / "documents.parquet").glob("part-*.parquet"))
    assert len(parts) == -(-first["counts"]["pages"] // 2) and first["tables"]["documents"]["parts"] == len(parts)
    assert pd.read_parquet(parts[0]).columns.tolist() == pd.read_parquet(out / "documents.parquet").columns.tolist()
    assert not list(target.glob(".*.tmp"))
    # nothing changed: no table is written again
    again = run_build(corpus, target, cfg, jobs=2, quiet=True, cache_dir=cache, partitioned=True)
    assert again.get("unchanged") and [p.stat().st_mtime_ns for p in parts] == \
        [p.stat().st_mtime_ns for p in sorted((target / "documents.parquet").glob("part-*.parquet"))]
    # the other layout asked for: single files replace the folders, same rows
    single = run_build(corpus, target, cfg, jobs=1, quiet=True, cache_dir=cache, partitioned=False)
    assert not single.get("unchanged") and (target / "documents.parquet").is_file()
    assert "parts" not in single["tables"]["documents"]
    assert_same_tables(out, target)
    back = run_build(corpus, target, cfg, jobs=1, quiet=True, cache_dir=cache, partitioned=True)
    assert (target / "documents.parquet").is_dir() and not back.get("unchanged")
    assert_same_tables(out, target)


def test_bad_engine_options_fail_loudly(corpus, tmp_path):
    with pytest.raises(ConfigError, match="engines: local, dask"):
        run_build(corpus, tmp_path / "o", Config.load(), engine="spark", cache_dir=tmp_path / "c")
    with pytest.raises(ConfigError, match="--engine dask"):
        run_build(corpus, tmp_path / "o", Config.load(), scheduler="tcp://127.0.0.1:1", cache_dir=tmp_path / "c")
    with pytest.raises(ConfigError, match="--jobs"):
        run_build(corpus, tmp_path / "o", Config.load(), jobs=0, cache_dir=tmp_path / "c")


def test_build_command_options_reach_the_build(serial_build, corpus, tmp_path):
    ref, _ = serial_build
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["build", "--raw", str(corpus), "--out", str(out), "--cache", str(cache), "--quiet"]
    first = CliRunner().invoke(app, args + ["--engine", "local", "--jobs", "2", "--partitioned"])
    assert first.exit_code == 0, first.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["engine"]["workers"] == 2
    assert (out / "documents.parquet").is_dir() and (cache / "CACHEDIR.TAG").is_file()
    assert_same_tables(ref, out)
    second = CliRunner().invoke(app, args + ["--jobs", "1", "--single-files"])
    assert second.exit_code == 0, second.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (out / "documents.parquet").is_file() and manifest["cache"]["page_misses"] == 0
    third = CliRunner().invoke(app, args + ["--scheduler", "tcp://127.0.0.1:1"])
    assert third.exit_code == 1 and "--engine dask" in third.stderr


def test_progress_is_quiet_in_ci_and_off_a_terminal(monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert not progress.is_quiet(False)
    assert progress.is_quiet(True)
    monkeypatch.setenv("CI", "true")
    assert progress.is_quiet(False)
    monkeypatch.delenv("CI")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert progress.is_quiet(False)


def test_quiet_progress_counts_without_drawing(capsys):
    bar = progress.StageProgress("pages", 3, quiet=True)
    bar.update(2, 100)
    bar.update(1, 50)
    bar.close()
    assert (bar.pages, bar.chars) == (3, 150)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_tables_keep_statistics_for_ids_not_for_running_text(serial_build):
    import pyarrow.parquet as pq

    out, _ = serial_build
    meta = pq.ParquetFile(out / "documents.parquet").metadata
    names = [meta.schema.column(i).path for i in range(meta.num_columns)]
    group = meta.row_group(0)
    stats = {name: group.column(i).statistics for i, name in enumerate(names)}
    assert stats["doc_id"] is not None and stats["doc_id"].has_min_max
    assert stats["text"] is None or not stats["text"].has_min_max
    assert stats["tokens.list.element"] is None or not stats["tokens.list.element"].has_min_max


def test_tables_dictionary_encode_tokens_and_labels_not_running_text(serial_build):
    import pyarrow.parquet as pq

    out, _ = serial_build
    for table, dictionary, plain in [("documents", ["tokens.list.element", "pos.list.element", "genre", "doc_id"],
                                      ["text", "sentences.list.element", "title"]),
                                     ("sections", ["role", "doc_id"], ["text", "heading"])]:
        meta = pq.ParquetFile(out / f"{table}.parquet").metadata
        group = meta.row_group(0)
        encodings = {meta.schema.column(i).path: group.column(i).encodings for i in range(meta.num_columns)}
        for path in dictionary:
            assert "RLE_DICTIONARY" in encodings[path], (table, path, encodings[path])
        for path in plain:
            assert "RLE_DICTIONARY" not in encodings[path], (table, path, encodings[path])


def test_rows_converted_per_task_equal_rows_converted_per_page():
    from pipeline.engine.tasks import ROW_TABLES, arrow_rows
    from pipeline.output import tables

    pages = [{"pages": [{"page_id": "p1", "status": "ok", "n_docs": 2}],
              "documents": [{"doc_id": "d1", "tokens": ["持续", "优化"], "pos": ["d", "v"]},
                            {"doc_id": "d2", "tokens": [], "text": "正文"}],
              "sections": [{"doc_id": "d1", "section_id": "s1", "heading": "一、主要工作"}],
              "items": []},
             {"pages": [{"page_id": "p2", "status": "rejected", "reason": "empty file"}],
              "documents": [], "sections": [], "items": []},
             {"pages": [{"page_id": "p3", "status": "ok", "n_docs": 1}],
              "documents": [{"doc_id": "d3", "tokens": None, "masked": {"20xx": 2}}],
              "sections": [], "items": [{"doc_id": "d3", "item_id": "i1", "kind": "measure", "head": "加强领导"}]}]
    together = arrow_rows(pages)
    assert len(together) == len(pages)
    for page, rows in zip(pages, together):
        for name in ROW_TABLES:
            alone = tables.to_arrow(name, page[name])
            assert rows[name].num_rows == len(page[name])
            assert rows[name].equals(alone), name


def test_rows_that_do_not_convert_raise_for_their_page():
    from pipeline.engine.tasks import arrow_rows

    good = {"pages": [{"page_id": "p1"}], "documents": [], "sections": [], "items": []}
    bad = {"pages": [{"page_id": "p2", "n_docs": "many"}], "documents": [], "sections": [], "items": []}
    with pytest.raises(Exception):
        arrow_rows([good, bad])
    assert arrow_rows([good])[0]["pages"].column("page_id").to_pylist() == ["p1"]
