"""rows: a .csv/.tsv/.jsonl file → one page per row (the text column is the page text).

Used by the ingest stage (``pipeline/ingest.py``). The text, title, URL and date columns
are the first of the [ingest] ``*_columns`` names the file has; the other cells go to
``page.meta``. A row without usable text is rejected on its own; a file whose rows have no
text column at all is rejected as a whole.
"""
from __future__ import annotations

import csv
import io
import json

from .decoding import Rejected, decode_bytes, screen_binary, without_lone_surrogates
from .ingest import fill_text_page, hash_bytes, hash_text, rejected_page
from .page_meta import iso_datetime
from .records import Page


def row_pages(data: bytes, rel: str, kind: str, suffix: str, cfg: dict) -> list[Page]:
    """A .csv/.jsonl file → one page per row (rows without text rejected one by one)."""
    file_id = hash_bytes(data)
    try:
        if not data.strip():
            raise Rejected("empty file")
        screen_binary(data)
        text, encoding = decode_bytes(data, html=False)
        rows = iter_csv(text, suffix) if kind == "csv" else iter_jsonl(text)
        pages = []
        text_col = None
        for n, row in rows:
            if isinstance(row, str):           # a line that is not a JSON object
                pages.append(rejected_page(hash_text(f"{rel}#{n}"), f"{rel}#row={n}", f"{kind}-row", row))
                continue
            text_col = text_col or first_column(row, cfg["text_columns"])
            if text_col is None:
                raise Rejected(f"no text column: looked for {', '.join(cfg['text_columns'])}; "
                               f"the file has {', '.join(map(str, list(row)[:12]))}")
            pages.append(row_page(row, text_col, f"{rel}#row={n}", kind, encoding, cfg))
        if not pages:
            raise Rejected("empty: no rows")
        return pages
    except Rejected as exc:
        return [rejected_page(file_id, rel, kind, str(exc))]


def row_page(row: dict, text_col: str, rel: str, kind: str, encoding: str, cfg: dict) -> Page:
    value = row.get(text_col)
    value = "" if value is None else str(value)
    page = Page(page_id=hash_text(value), path=rel, format=f"{kind}-row", encoding=encoding)
    page.title = _cell(row, cfg["title_columns"])
    page.url = _cell(row, cfg["url_columns"])
    date = _cell(row, cfg["date_columns"])
    page.published = iso_datetime(date) or date
    page.meta = {k: v for k, v in row.items() if k != text_col and isinstance(v, (str, int, float, bool)) and v != ""}
    page.meta["text_column"] = text_col
    try:
        if len(value.encode("utf-8")) > cfg["max_bytes"]:
            raise Rejected(f"larger than the limit: {len(value.encode('utf-8'))} bytes > {cfg['max_bytes']}")
        if "\x00" in value:
            raise Rejected("NUL bytes in the row text")
        if not value.strip():
            raise Rejected(f"empty: the row's {text_col} is blank")
        fill_text_page(page, value, cfg, html=False)
    except Rejected as exc:
        page.status, page.reason, page.text = "rejected", str(exc), ""
    return page


def iter_csv(text: str, suffix: str):
    """(row number, row dict) for each data row of a CSV/TSV text (row 1 = first data row)."""
    csv.field_size_limit(2**31 - 1)
    dialect = "excel-tab" if suffix == ".tsv" else "excel"
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
        for n, row in enumerate(reader, 1):
            yield n, {str(k).strip(): v for k, v in row.items() if k is not None}
    except csv.Error as exc:
        raise Rejected(f"malformed CSV: {exc}") from None


def iter_jsonl(text: str):
    """(line number, object) for each non-blank JSONL line; a bad line yields a reason."""
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = without_lone_surrogates(json.loads(line))
        except json.JSONDecodeError as exc:
            yield n, f"invalid JSON: {exc.msg} (line {n})"
            continue
        yield n, obj if isinstance(obj, dict) else f"not a JSON object (line {n})"


def first_column(row: dict, names: list[str]) -> str | None:
    return next((c for c in names if c in row), None)


def _cell(row: dict, names: list[str]) -> str | None:
    for c in names:
        v = row.get(c)
        if v not in (None, ""):
            return str(v).strip()
    return None
