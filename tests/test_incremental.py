"""Incremental builds: a rerun reprocesses nothing, one new page processes one page, a changed
stage setting reruns the per-page stages, a changed global setting reruns only the global ones."""
from __future__ import annotations

from pathlib import Path

import pytest
from build_fixtures import add_page, assert_same_tables, make_corpus, read_tables

from pipeline.config import Config
from pipeline.driver import build as run_build
from pipeline.engine.cache import BuildCache, default_cache_dir


@pytest.fixture()
def first_build(copy_of_build):
    """The made-up corpus built once per session (conftest), copied for this test."""
    return copy_of_build


def test_rerun_with_nothing_changed_reprocesses_nothing(first_build):
    raw, out, cache, first = first_build
    assert first["cache"]["page_misses"] == first["counts"]["pages"] > 0
    before = read_tables(out)
    again = run_build(raw, out, Config.load(), quiet=True, cache_dir=cache)
    assert again["cache"]["page_misses"] == 0 and again["cache"]["ingest_misses"] == 0
    assert again["cache"]["page_hits"] == first["counts"]["pages"]
    assert again["counts"] == first["counts"]
    assert {i["status"] for i in again["inputs"]} == {"cache_hit"}
    after = read_tables(out)
    for name in before:
        assert before[name].equals(after[name])


def test_rebuild_from_cache_into_a_new_folder_gives_the_same_tables(first_build, tmp_path):
    raw, out, cache, first = first_build
    m = run_build(raw, tmp_path / "other", Config.load(), quiet=True, cache_dir=cache)
    assert m["cache"]["page_misses"] == 0
    assert_same_tables(out, tmp_path / "other")


def test_one_new_page_processes_one_page(first_build):
    raw, out, cache, first = first_build
    add_page(raw)
    m = run_build(raw, out, Config.load(), quiet=True, cache_dir=cache)
    assert m["cache"]["page_misses"] == 1 and m["cache"]["ingest_misses"] == 1
    assert m["counts"]["pages"] == first["counts"]["pages"] + 1
    statuses = {i["path"]: i["status"] for i in m["inputs"]}
    assert statuses["new_page.txt"] == "processed"
    assert sum(s == "cache_hit" for s in statuses.values()) == first["counts"]["files"]
    assert "new_page.txt" in set(read_tables(out)["pages"]["path"])


def test_changed_page_stage_setting_reruns_the_page_stages(first_build, tmp_path):
    raw, out, cache, first = first_build
    cfg = Config.load(split={"min_doc_chars": Config.load()["split"]["min_doc_chars"] + 7})
    m = run_build(raw, out, cfg, quiet=True, cache_dir=cache)
    assert m["cache"]["page_misses"] == first["counts"]["pages"]
    assert m["cache"]["ingest_misses"] == 0          # ingest does not read [split]
    # and the same setting again is all cache hits
    m2 = run_build(raw, tmp_path / "again", cfg, quiet=True, cache_dir=cache)
    assert m2["cache"]["page_misses"] == 0


def test_changed_global_setting_reruns_only_the_global_stages(first_build):
    raw, out, cache, first = first_build
    cfg = Config.load(dedup={"threshold": 0.5})
    m = run_build(raw, out, cfg, quiet=True, cache_dir=cache)
    assert m["cache"]["page_misses"] == 0
    assert not m.get("unchanged")                    # the tables were written again
    assert m["config"]["dedup"]["threshold"] == 0.5


def test_damaged_cache_entry_is_recomputed(first_build, tmp_path):
    raw, out, cache, first = first_build
    entries = sorted((cache / "pages").rglob("*.pkl"))
    entries[0].write_bytes(b"not a pickle")
    m = run_build(raw, tmp_path / "fresh", Config.load(), quiet=True, cache_dir=cache)
    assert m["cache"]["page_misses"] == 1
    assert m["counts"] == first["counts"]
    assert_same_tables(out, tmp_path / "fresh")


def test_changed_table_file_is_rewritten_on_rerun(first_build):
    raw, out, cache, first = first_build
    (out / "items.parquet").write_bytes(b"damaged")
    m = run_build(raw, out, Config.load(), quiet=True, cache_dir=cache)
    assert m["cache"]["page_misses"] == 0 and not m.get("unchanged")
    assert len(read_tables(out)["items"]) == first["counts"]["items"]


def test_default_cache_folder(tmp_path):
    assert default_cache_dir(tmp_path / "corpus" / "raw", tmp_path / "x") == (tmp_path / "corpus" / "interim").resolve()
    assert default_cache_dir(tmp_path / "pages", tmp_path / "out") == tmp_path / "out" / ".cache"


def test_cache_entry_summary_is_read_without_payload(tmp_path):
    cache = BuildCache(tmp_path)
    cache.put("pages", "ab" * 20, {"n": 1}, {"big": "x" * 1000})
    assert cache.summary("pages", "ab" * 20) == {"n": 1}
    assert cache.payload("pages", "ab" * 20) == {"big": "x" * 1000}
    assert cache.summary("pages", "cd" * 20) is None
    assert not list(Path(tmp_path).rglob("*.tmp"))


def test_overriding_rule_folder_changes_the_code_version(tmp_path, monkeypatch):
    from pipeline.engine.cache import code_version

    base = code_version()
    (tmp_path / "boilerplate.toml").write_text("# my cues\n", encoding="utf-8")
    monkeypatch.setenv("POLICY_CORPUS_RULES", str(tmp_path))
    assert code_version() != base


def test_cache_payload_of_arrow_tables_round_trips_slices_and_empty_tables(tmp_path):
    import pyarrow as pa

    from pipeline.output import tables

    cache = BuildCache(tmp_path)
    docs = tables.to_arrow("documents", [{"doc_id": f"d{i}", "tokens": ["营商", "环境"][:i % 3], "masked": {"20xx": i}}
                                         for i in range(7)])
    payload = {"documents": docs.slice(2, 3), "items": tables.to_arrow("items", []),
               "pages": pa.concat_tables([tables.to_arrow("pages", [{"page_id": "p1"}]),
                                          tables.to_arrow("pages", [{"page_id": "p2", "n_docs": 3}])])}
    cache.put("pages", "cd" * 20, {"summary": 1}, payload)
    back = cache.payload("pages", "cd" * 20)
    assert set(back) == set(payload)
    for name, table in payload.items():
        assert back[name].schema == table.schema
        assert back[name].equals(table), name
    assert back["documents"].column("doc_id").to_pylist() == ["d2", "d3", "d4"]


def test_a_file_of_one_page_keeps_it_in_its_ingest_entry_an_archive_page_by_page(tmp_path):
    import zipfile

    raw = make_corpus(tmp_path / "raw")
    with zipfile.ZipFile(raw / "bundle.zip", "w") as z:
        z.writestr("a.txt", "工作报告甲\n\n一、主要工作\n今年以来，我们认真落实各项任务，取得了一定成效，群众满意度明显提高。\n")
        z.writestr("b.txt", "工作报告乙\n\n一、存在的问题\n一是重视不够，二是经费不足，三是人员缺乏，工作推进还不平衡。\n")
    n_files = len(list(raw.iterdir()))
    cache = tmp_path / "cache"
    first = run_build(raw, tmp_path / "out", Config.load(), quiet=True, cache_dir=cache)
    count = {kind: len(list((cache / kind).rglob("*.pkl"))) for kind in ("ingest", "page_in", "pages")}
    assert count == {"ingest": n_files, "page_in": 2, "pages": first["counts"]["pages"]}
    assert first["counts"]["pages"] == n_files + 1
    # a lost page result is recomputed from the page inside its file's ingest entry
    for entry in (cache / "pages").rglob("*.pkl"):
        entry.unlink()
    again = run_build(raw, tmp_path / "again", Config.load(), quiet=True, cache_dir=cache)
    assert again["cache"]["ingest_misses"] == 0 and again["cache"]["page_misses"] == first["counts"]["pages"]
    assert_same_tables(tmp_path / "out", tmp_path / "again")
    # a lost archive page makes its file's entry a miss: ingested again, nothing else
    next((cache / "page_in").rglob("*.pkl")).unlink()
    third = run_build(raw, tmp_path / "third", Config.load(), quiet=True, cache_dir=cache)
    assert third["cache"]["ingest_misses"] == 1 and third["cache"]["page_misses"] == 0
    assert_same_tables(tmp_path / "out", tmp_path / "third")


def test_rerun_on_a_pool_hashes_on_the_workers_and_loads_no_models(first_build, monkeypatch):
    from pipeline import driver

    raw, out, cache, first = first_build
    loaded = []
    monkeypatch.setattr(driver.Preload, "_load", lambda self: loaded.append(1))
    again = run_build(raw, out, Config.load(), jobs=2, quiet=True, cache_dir=cache)
    assert again.get("unchanged") and again["cache"]["ingest_hits"] == first["counts"]["files"]
    assert again["cache"]["ingest_misses"] == 0 and loaded == []
    # one new file: ingested on the pool, and the page workers' models are loaded for it
    add_page(raw)
    third = run_build(raw, out, Config.load(), jobs=2, quiet=True, cache_dir=cache)
    assert third["cache"]["ingest_misses"] == 1 and third["cache"]["page_misses"] == 1
    assert loaded


def test_genre_training_settings_are_not_in_the_page_key_and_inference_settings_are():
    from pipeline.engine.cache import BuildKeys

    def keys(**overrides):
        k = BuildKeys(Config.load(**overrides))
        return k.ingest("f" * 40, "a.txt"), k.templates(["d1"]), k.page("d1", "t1"), k.build(["p1"])

    base = keys()
    # how the shipped model was trained: the model file carries it, a build never reads it
    assert keys(genre_training={"svm_c": 2.0, "window_head": 10, "seed_chunk_chars": 9}) == base
    ingest, templates, page, build = keys(genre={"threshold": 0.5})
    assert (ingest, templates, build) == (base[0], base[1], base[3]) and page != base[2]
    assert keys(genre={"model_min_documents": 7})[2] != base[2]
