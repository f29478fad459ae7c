"""Output tables: the schema is the contract, the README documents it, writes are atomic."""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import tables

ROOT = Path(__file__).resolve().parents[1]


def test_readme_documents_every_column():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, cols in tables.SCHEMAS.items():
        assert f"`{name}.parquet`" in readme, f"README lacks the {name} table"
        for col, _, _ in cols:
            assert f"| `{col}` |" in readme, f"README lacks column {name}.{col}"


def test_rows_missing_columns_become_nulls(tmp_path):
    t = tables.to_arrow("items", [{"doc_id": "a-001", "item_id": "a-001/i1", "kind": "problem", "head": "投入不足"}])
    tables.write_table(t, tmp_path / "items.parquet")
    back = pq.read_table(tmp_path / "items.parquet").to_pylist()
    assert back[0]["head"] == "投入不足" and back[0]["marker"] is None


def test_failed_write_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "x.json"
    tables.write_json({"a": 1}, target)

    def boom(tmp):
        tmp.write_text("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        tables.write_atomic(target, boom)
    assert target.read_text(encoding="utf-8").strip().startswith("{")
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_written_files_are_readable_by_others(tmp_path):
    tables.write_json({"a": 1}, tmp_path / "m.json")
    assert (tmp_path / "m.json").stat().st_mode & 0o044 == 0o044
