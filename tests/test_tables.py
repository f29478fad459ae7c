"""Output tables: the schema is the contract, the README documents it, writes are atomic."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings, strategies as st

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


_token = st.one_of(st.text(max_size=6), st.sampled_from(["", "\x1f", "a\x1fb", "营商环境", "，", "𠀀", "é", "ÿ\x80"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(_token, max_size=8)), max_size=8))
def test_string_lists_equal_plain_arrow_conversion(values):
    plain = pa.array(values, type=pa.list_(pa.string()))
    for fast in (tables.string_lists(values), tables.py_string_lists(values)):   # C (when built), Python
        fast.validate(full=True)
        assert fast.type == plain.type
        assert fast.equals(plain)
        assert fast.to_pylist() == values
        assert fast.null_count == sum(v is None for v in values)


def test_c_string_list_buffers_lay_out_arrow_list_buffers():
    try:
        from pipeline._speedups import string_list_buffers
    except ImportError:
        pytest.skip("C extension not built (no compiler)")
    offsets, string_offsets, data, validity, nulls = string_list_buffers([["营商", "a"], None, []])
    assert data == "营商a".encode()
    assert (nulls, validity) == (1, bytes([0b101]))
    assert list(memoryview(offsets).cast("i")) == [0, 2, 2, 2]
    assert list(memoryview(string_offsets).cast("i")) == [0, 6, 7]


@pytest.mark.parametrize("values", [[["a", 1]], [("a", "b")], [["\ud800"]]])
def test_string_lists_odd_input_is_converted_or_refused_as_arrow_does(values):
    try:
        expected = pa.array(values, type=pa.list_(pa.string()))
    except Exception as exc:        # noqa: BLE001 - the same kind of error, whatever it is
        with pytest.raises(type(exc)):
            tables.string_lists(values)
    else:
        assert tables.string_lists(values).equals(expected)


def test_token_columns_round_trip_through_parquet(tmp_path):
    rows = [{"doc_id": "d1", "tokens": ["持续", "优化", "营商环境"], "pos": ["d", "v", "nz"]},
            {"doc_id": "d2", "tokens": [], "pos": []},
            {"doc_id": "d3"}]
    t = tables.to_arrow("documents", rows)
    tables.write_table(t, tmp_path / "documents.parquet")
    back = pq.read_table(tmp_path / "documents.parquet").to_pylist()
    assert [r["tokens"] for r in back] == [["持续", "优化", "营商环境"], [], None]
    assert [r["pos"] for r in back] == [["d", "v", "nz"], [], None]
