"""Output tables: the schema is the contract, the README documents it, writes are atomic."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.output import tables

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


_token = st.one_of(st.text(max_size=6), st.sampled_from(["", "\x1f", "营商环境", "，", "𠀀", "é", "ÿ\x80", "\x00"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(_token, max_size=8)), max_size=8))
def test_token_columns_hold_the_lists_as_given(values):
    t = tables.to_arrow("documents", [{"doc_id": str(i), "tokens": v, "pos": v} for i, v in enumerate(values)])
    t.validate(full=True)
    for name in ("tokens", "pos"):
        column = t.column(name)
        assert column.type == pa.list_(pa.string())
        assert column.to_pylist() == values
        assert column.null_count == sum(v is None for v in values)


@pytest.mark.parametrize("tokens, error", [(["a", 1], pa.ArrowTypeError), (["\ud800"], UnicodeEncodeError)])
def test_a_token_that_is_not_a_valid_str_is_refused(tokens, error):
    with pytest.raises(error):
        tables.to_arrow("documents", [{"doc_id": "d1", "tokens": tokens}])


def test_token_columns_round_trip_through_parquet(tmp_path):
    rows = [{"doc_id": "d1", "tokens": ["持续", "优化", "营商环境"], "pos": ["d", "v", "nz"]},
            {"doc_id": "d2", "tokens": [], "pos": []},
            {"doc_id": "d3"}]
    t = tables.to_arrow("documents", rows)
    tables.write_table(t, tmp_path / "documents.parquet")
    back = pq.read_table(tmp_path / "documents.parquet").to_pylist()
    assert [r["tokens"] for r in back] == [["持续", "优化", "营商环境"], [], None]
    assert [r["pos"] for r in back] == [["d", "v", "nz"], [], None]
