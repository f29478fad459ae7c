"""The output tables: their columns (the data contract), and safe writing.

``SCHEMAS`` is the one description of every table: column name, Arrow type, meaning.
The README's data dictionary is generated from it (``python -m pipeline.output.tables``), and a
test checks that the two agree. Every file is written to a temporary name and renamed,
so a killed build never leaves a half-written table.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

_removed = pa.list_(pa.struct([("line", pa.int32()), ("text", pa.string()), ("rule", pa.string()),
                               ("p", pa.float32())]))
_counts = pa.map_(pa.string(), pa.int32())

SCHEMAS: dict[str, list[tuple[str, pa.DataType, str]]] = {
    "pages": [
        ("page_id", pa.string(), "sha1 of the page's bytes (16 hex digits); stable across runs"),
        ("path", pa.string(), "input path relative to the raw folder; rows as `file.csv#row=N` (`book.xlsx#sheet=S&row=N`), archive members as `a.zip!member`"),
        ("format", pa.string(), "the format the content showed (not the extension): txt, md, html, docx, pdf, doc, mht, csv-row, jsonl-row, json-row, xlsx-row; archive members keep their own"),
        ("encoding", pa.string(), "detected encoding of the bytes (null for docx, pdf, doc, xlsx and table rows)"),
        ("site", pa.string(), "site name from the page header or a site profile"),
        ("title", pa.string(), "page title (the whole page, not a report)"),
        ("published", pa.string(), "publish time from the page header, ISO 8601"),
        ("views", pa.int64(), "view count from the page header"),
        ("url", pa.string(), "URL when the input gives one"),
        ("status", pa.string(), "`ok` or `rejected`"),
        ("reason", pa.string(), "why a page was rejected (null when ok)"),
        ("n_docs", pa.int32(), "documents found on the page"),
        ("removed", _removed, "page-level removals outside any document (header, footer): line, text, rule"),
    ],
    "documents": [
        ("doc_id", pa.string(), "page_id + `-` + 3-digit ordinal"),
        ("page_id", pa.string(), "the page the document came from"),
        ("ordinal", pa.int32(), "1-based position on the page"),
        ("title", pa.string(), "report title, without the 篇N marker and trailing 范文"),
        ("text", pa.string(), "cleaned body, lines joined with newlines"),
        ("n_chars", pa.int32(), "characters in the body (without newlines)"),
        ("line_numbers", pa.list_(pa.int32()), "page line number of each body line (for tracing)"),
        ("masked", _counts, "masked placeholders found: `20xx`, `xx`, `star` → count (never guessed)"),
        ("quality", pa.string(), "text quality: clean, traditional, pinyin_repaired (annotations removed), mojibake or junk (anti-copy junk); filter on it"),
        ("truncated", pa.bool_(), "true when a truncation notice (此处隐藏N个字, 预览结束…) shows the site cut the text short"),
        ("n_removed", pa.int32(), "lines or fragments removed from inside the document"),
        ("removed", _removed, "the removal and repair log: line, removed text, rule id (repair:line_breaks and repair:pinyin mark repairs, not removals), p (the line model's probability, null for rules alone)"),
        ("tokens", pa.list_(pa.string()), "jieba segmentation of the body (policy dictionary)"),
        ("pos", pa.list_(pa.string()), "jieba POS tag of each token"),
        ("sentences", pa.list_(pa.string()), "sentences of the body"),
        ("genre", pa.string(), "genre slug (see pipeline/rules/genres.toml)"),
        ("genre_score", pa.float32(), "confidence of the genre, 0..1"),
        ("genre_source", pa.string(), "title (the title named it), title+body (title and body agree), model or cues (the body decided, also against the title), none"),
        ("genre_reason", pa.string(), "why: the genre decision in one line (title cue, body model or cues, which one overruled the other)"),
        ("year", pa.int32(), "year of the report (null when unknown or masked as 20xx)"),
        ("region", pa.string(), "province/city/county named by the report (null when unknown or masked)"),
        ("dup_cluster", pa.string(), "doc_id of the kept copy of this document's duplicate cluster"),
        ("is_duplicate", pa.bool_(), "true for every copy but the kept one; left out of topics and counts"),
    ],
    "sections": [
        ("doc_id", pa.string(), "document"),
        ("section_id", pa.string(), "doc_id + `/s` + N in document order"),
        ("parent_id", pa.string(), "enclosing section (null at top level)"),
        ("level", pa.int32(), "1 = top level"),
        ("marker", pa.string(), "numbering marker: 一、 （一） 1. （1） ① 一是 首先 第一 … (empty when none)"),
        ("heading", pa.string(), "heading without its marker (empty when the section has none)"),
        ("role", pa.string(), "background, achievement, problem, measure or other"),
        ("text", pa.string(), "the section's own lines"),
    ],
    "items": [
        ("doc_id", pa.string(), "document"),
        ("item_id", pa.string(), "doc_id + `/i` + N"),
        ("section_id", pa.string(), "section the item came from (null for prose outside sections)"),
        ("kind", pa.string(), "`measure` or `problem`"),
        ("marker", pa.string(), "the item's numbering marker (empty for prose-extracted problems)"),
        ("head", pa.string(), "short form: 重视不够，工作开展难"),
        ("text", pa.string(), "full text of the item"),
        ("section", pa.string(), "readable section path, e.g. `二、对策和建议`"),
        ("source", pa.string(), "`outline` (a numbered item) or `prose` (a list inside a sentence)"),
    ],
}


def schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(name, typ) for name, typ, _ in SCHEMAS[table]])


def to_arrow(table: str, rows: Iterable[dict[str, Any]]) -> pa.Table:
    """Rows (dicts) → an Arrow table with the table's schema; missing columns are null."""
    sch = schema(table)
    rows = list(rows)
    # list<string> columns (tokens, POS tags: millions of short strings) too are converted
    # by Arrow from the Python lists: faster than building their offsets in numpy first
    return pa.table({f.name: [r.get(f.name) for r in rows] for f in sch}, schema=sch)


def write_atomic(path: Path, write) -> None:
    """Call ``write(tmp_path)`` and rename the result onto ``path`` (same folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)   # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()   # read once at import: os.umask is process-wide, so not per write


def write_table(table: pa.Table, path: Path) -> None:
    write_atomic(path, lambda tmp: pq.write_table(table, tmp))


def parquet_options(sch: pa.Schema) -> dict[str, Any]:
    """How the row tables are written (``pq.ParquetWriter`` / ``pq.write_table`` keywords):

    - min/max statistics only for ids, numbers and labels: not the lists (tokens,
      sentences, …) nor the running text, whose min/max no filter can use and whose
      computation was ~12 % of writing the documents table;
    - dictionary encoding except for running text (``text``, ``sentences``, ``heading``, …):
      its values hardly repeat, so the writer builds a dictionary and then drops it (the
      file is the same size, ~10 % of the documents table's writing time is saved); token
      and POS lists, ids and labels keep it (tokens: half the size)."""
    return {"write_statistics": [f.name for f in sch if not pa.types.is_list(f.type) and f.name not in _TEXT_COLUMNS],
            "use_dictionary": [path for f in sch if f.name not in _NO_DICTIONARY
                               for path in _leaf_paths(f.name, f.type)]}


_TEXT_COLUMNS = frozenset({"text", "title", "heading", "head"})
_NO_DICTIONARY = _TEXT_COLUMNS | {"sentences"}      # running text, as strings or as lists


def _leaf_paths(path: str, typ: pa.DataType) -> Iterable[str]:
    """The Parquet column paths under a field (``tokens`` → ``tokens.list.element``): what
    per-column writer options name."""
    if pa.types.is_map(typ):
        yield from _leaf_paths(f"{path}.key_value.key", typ.key_type)
        yield from _leaf_paths(f"{path}.key_value.value", typ.item_type)
    elif pa.types.is_list(typ) or pa.types.is_large_list(typ):
        yield from _leaf_paths(f"{path}.list.element", typ.value_type)
    elif pa.types.is_struct(typ):
        for child in typ:
            yield from _leaf_paths(f"{path}.{child.name}", child.type)
    else:
        yield path


def write_json(obj: Any, path: Path) -> None:
    def _write(tmp: Path) -> None:
        tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=1, default=str), encoding="utf-8")

    write_atomic(path, _write)


def data_dictionary_markdown() -> str:
    """The README's data dictionary, one Markdown table per output table."""
    parts = []
    for name, cols in SCHEMAS.items():
        parts.append(f"#### `{name}.parquet`\n\n| column | type | meaning |\n|---|---|---|")
        parts.extend(f"| `{c}` | {t} | {d} |" for c, t, d in cols)
        parts.append("")
    return "\n".join(parts)


if __name__ == "__main__":
    print(data_dictionary_markdown())


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
