"""Faults: a build killed (SIGKILL) at several points and rerun gives exactly the tables of an
uninterrupted build; a page whose stage raises is recorded and the build goes on; a page that
runs past the per-page time limit is abandoned with a reason."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from build_fixtures import ROOT, assert_same_tables, make_corpus

from pipeline import stages
from pipeline.config import Config
from pipeline.driver import build as run_build
from pipeline.engine.time_limit import PageTimeout

# The kill-and-rerun builds leave the genre model out (cue-only genres): what they test is how
# tables and cache entries are written, and a fresh process need not pay skops' import for it.
NO_MODEL = {"genre": {"use_model": False}}
BUILD = "from pipeline.driver import build as run_build; from pipeline.config import Config; " \
        "import sys; run_build(sys.argv[1], sys.argv[2], Config.load(**%r), quiet=True, cache_dir=sys.argv[3])" % NO_MODEL


@pytest.fixture(scope="module")
def reference(corpus_build, tmp_path_factory):
    """The made-up corpus (conftest) and its uninterrupted build without the genre model."""
    raw = corpus_build[0]
    base = tmp_path_factory.mktemp("faults")
    run_build(raw, base / "ref", Config.load(**NO_MODEL), quiet=True, cache_dir=base / "ref-cache")
    return raw, base / "ref"


@pytest.mark.parametrize("kill_at,partitioned", [("cache_write:3", False), ("table_write:2", False),
                                                  ("table_rename:2", False), ("manifest:1", False),
                                                  ("table_write:3", True), ("table_rename:2", True)])
def test_killed_build_then_rerun_gives_the_uninterrupted_tables(reference, tmp_path, kill_at, partitioned):
    raw, ref = reference
    out, cache = tmp_path / "out", tmp_path / "cache"
    env = {**os.environ, "POLICY_CORPUS_KILL_AT": kill_at}
    build = BUILD.replace("cache_dir=sys.argv[3])", f"cache_dir=sys.argv[3], partitioned={partitioned})")
    proc = subprocess.run([sys.executable, "-c", build, str(raw), str(out), str(cache)], env=env, cwd=ROOT,
                          capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    assert not (out / "manifest.json").exists()
    manifest = run_build(raw, out, Config.load(**NO_MODEL), quiet=True, cache_dir=cache, partitioned=partitioned)
    assert (out / "documents.parquet").is_dir() == partitioned
    assert_same_tables(ref, out)
    assert not list(out.glob(".*.tmp"))                 # the killed build's temporary files are gone
    assert manifest["counts"]["files"] == len(list(raw.iterdir()))
    if kill_at.startswith("cache_write"):
        assert 0 < manifest["cache"]["page_hits"] + manifest["cache"]["ingest_hits"]


def _failing_segment(doc, page, res):
    if "家庭医生签约" in doc.text:
        raise ValueError("made-up stage failure")
    return _SEGMENT(doc, page, res)


def _timed_out_segment(doc, page, res):
    if "人居环境" in doc.text:
        # what time_limit raises in a stage when the page's time is up (time_limit itself is
        # tested below, on a short limit): no real time spent waiting for it here
        raise PageTimeout()
    return _SEGMENT(doc, page, res)


_SEGMENT = dict(stages.DOCUMENT_STAGES)["segment"]


def _patch_segment(monkeypatch, fn):
    patched = [(name, fn if name == "segment" else f) for name, f in stages.DOCUMENT_STAGES]
    monkeypatch.setattr(stages, "DOCUMENT_STAGES", patched)


def test_page_whose_stage_raises_is_recorded_and_the_build_goes_on(tmp_path, monkeypatch):
    raw = make_corpus(tmp_path / "raw")
    _patch_segment(monkeypatch, _failing_segment)
    m = run_build(raw, tmp_path / "out", Config.load(), quiet=True, cache_dir=tmp_path / "cache")
    failed = {e["path"] for e in m["errors"]}
    assert failed and all(e["stage"] == "segment" and "made-up stage failure" in e["error"] for e in m["errors"])
    assert m["counts"]["pages_ok"] == m["counts"]["pages"] - len(failed)
    assert m["counts"]["documents"] > 0
    reasons = {r["path"]: r["reason"] for r in m["rejected"]}
    assert all("segment failed" in reasons[p] for p in failed)


def test_page_past_the_time_limit_is_abandoned_with_a_reason(corpus_build, tmp_path, monkeypatch):
    raw = corpus_build[0]
    _patch_segment(monkeypatch, _timed_out_segment)
    cfg = Config.load()
    m = run_build(raw, tmp_path / "out", cfg, quiet=True, cache_dir=tmp_path / "cache")
    assert [a["path"] for a in m["abandoned"]] == ["site_01.txt"]
    assert "time limit" in m["abandoned"][0]["reason"]
    assert m["cache"]["abandoned"] == 1
    assert m["counts"]["pages_ok"] == m["counts"]["pages"] - 1
    # an abandoned page is not cached: the next build tries it again
    _patch_segment(monkeypatch, _SEGMENT)
    again = run_build(raw, tmp_path / "out", cfg, quiet=True, cache_dir=tmp_path / "cache")
    assert again["cache"]["page_misses"] == 1 and not again["abandoned"]


def _crashing_segment(doc, page, res):
    if "人居环境" in doc.text:
        os._exit(3)  # a worker dying in native code, as the OOM killer would leave it
    return _SEGMENT(doc, page, res)


def test_page_that_kills_its_worker_is_rejected_and_the_build_goes_on(tmp_path, monkeypatch):
    raw = make_corpus(tmp_path / "raw")
    _patch_segment(monkeypatch, _crashing_segment)   # forked workers inherit the patch
    m = run_build(raw, tmp_path / "out", Config.load(), jobs=2, quiet=True, cache_dir=tmp_path / "cache")
    reasons = {r["path"]: r["reason"] for r in m["rejected"]}
    assert list(reasons) == ["site_01.txt"]
    assert "worker failed while processing this page" in reasons["site_01.txt"]
    assert m["counts"]["pages_ok"] == m["counts"]["pages"] - 1 and m["counts"]["documents"] > 0


def _in_thread(fn):
    """Run ``fn`` in a new (non-main) thread, as a Dask worker runs tasks; its result or exception."""
    import threading

    box = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:       # PageTimeout is a BaseException
            box["error"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join(120)
    assert not t.is_alive(), "the time limit never fired"
    return box


def _busy(seconds: float) -> int:
    """Python work (not one long C call) for up to ``seconds``."""
    deadline, n = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        n += 1
    return n


def test_time_limit_fires_in_a_worker_thread_and_not_after_the_block():
    from pipeline.engine.time_limit import time_limit

    with pytest.raises(PageTimeout):      # the main thread (in-process builds, pool workers): SIGALRM
        with time_limit(0.2):
            _busy(60)

    def slow():
        with time_limit(0.2):
            _busy(60)

    assert isinstance(_in_thread(slow).get("error"), PageTimeout)

    def quick_then_more():
        with time_limit(0.3):
            pass
        return _busy(0.8)             # past the limit, outside the block: nothing may arrive

    box = _in_thread(quick_then_more)
    assert "error" not in box and box["result"] > 0


def _busy_segment(doc, page, res):
    if "人居环境" in doc.text:
        _busy(60)
    return _SEGMENT(doc, page, res)


def test_page_past_the_time_limit_in_a_worker_thread_is_abandoned(tmp_path, monkeypatch):
    from pipeline.engine.tasks import process_one
    from pipeline.ingest.reader import ingest_file
    from pipeline.resources import Resources

    raw = make_corpus(tmp_path / "raw")
    _patch_segment(monkeypatch, _busy_segment)
    cfg = Config.load()
    res = Resources(cfg)
    page = ingest_file(raw / "site_01.txt", raw, cfg["ingest"])[0]
    box = _in_thread(lambda: process_one(page, None, res, cfg["dedup"], 1.0))
    summary, _rows = box["result"]
    assert summary.abandoned and "time limit" in summary.reason


def test_file_that_kills_its_ingest_worker_is_rejected_and_the_others_are_kept(copy_of_build, monkeypatch):
    from pipeline.ingest import reader

    raw, out, cache, first = copy_of_build
    cfg = Config.load()
    (raw / "killer.txt").write_text("会让进程崩溃的页面\n\n正文。\n", encoding="utf-8")
    real = reader.ingest_file

    def crashing(path, root, settings):
        if os.path.basename(path) == "killer.txt":
            os._exit(3)   # the worker dies, and its pool's pending tasks with it
        return real(path, root, settings)

    monkeypatch.setattr(reader, "ingest_file", crashing)   # forked workers inherit the patch
    m = run_build(raw, out, cfg, jobs=2, quiet=True, cache_dir=cache)
    reasons = {r["path"]: r["reason"] for r in m["rejected"]}
    assert list(reasons) == ["killer.txt"] and "worker failed" in reasons["killer.txt"]
    # every other file is still found in the cache, whichever task it shared with the killer
    assert m["cache"]["ingest_hits"] == first["counts"]["files"] and m["cache"]["page_hits"] == first["counts"]["pages"]
    assert m["counts"]["documents"] == first["counts"]["documents"]
