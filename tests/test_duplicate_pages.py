"""The same bytes at two paths are one page: documents listed once, ids unique."""
from __future__ import annotations

import shutil

import pandas as pd
from build_fixtures import SEED

from pipeline.config import Config
from pipeline.driver import build as run_build


def test_identical_files_give_unique_doc_ids_and_a_reason(tmp_path):
    raw = tmp_path / "raw"
    (raw / "mirror").mkdir(parents=True)
    shutil.copy(SEED, raw / "a.txt")
    shutil.copy(SEED, raw / "mirror" / "b.txt")
    manifest = run_build(raw, tmp_path / "out", Config.load(), quiet=True, cache_dir=tmp_path / "cache")
    pages = pd.read_parquet(tmp_path / "out" / "pages.parquet")
    docs = pd.read_parquet(tmp_path / "out" / "documents.parquet")
    assert len(pages) == 2
    assert docs["doc_id"].is_unique and len(docs) == 8
    copy = pages[pages.path == "mirror/b.txt"].iloc[0]
    assert copy.status == "rejected" and "same bytes as a.txt" in copy.reason
    assert pages[pages.path == "a.txt"].iloc[0].n_docs == 8
    assert any("same bytes" in (r["reason"] or "") for r in manifest["rejected"])
