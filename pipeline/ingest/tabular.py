"""Tabular files: a .csv/.tsv/.jsonl/.json/.xlsx file → one page per row (the text column is the page text).

Used by the ingest stage (``pipeline/ingest/reader.py``). The text, title, URL and date columns
are the first of the [ingest] ``*_columns`` names the file has; the other cells go to
``page.meta``. A text cell that is a list of strings (JSON paragraphs) is joined with
newlines; a number, true/false or an object is rejected with that reason. A row without
usable text, or a CSV row whose quote never closes, is rejected on its own (the rows after
it are still read); a file whose rows have no text column at all is rejected as a whole.
"""
from __future__ import annotations

import csv
import datetime
import io
import json

from pipeline.ingest.decoding import Rejected, decode_bytes, screen_binary, without_lone_surrogates
from pipeline.ingest.page_meta import iso_datetime
from pipeline.ingest.page_text import fill_text_page, hash_bytes, hash_text, rejected_page
from pipeline.ingest.zip_safety import check_zip_safety
from pipeline.records import Page

ROW_KIND = {"csv": "csv", "tsv": "csv", "jsonl": "jsonl", "json": "json", "xlsx": "xlsx"}


def row_pages(data: bytes, rel: str, fmt: str, cfg: dict) -> list[Page]:
    """A .csv/.tsv/.jsonl/.json/.xlsx file → one page per row (rows without text, or
    damaged ones, rejected one by one). ``fmt`` is the sniffed format."""
    kind = ROW_KIND[fmt]
    file_id = hash_bytes(data)
    try:
        if not data.strip():
            raise Rejected("empty file")
        if fmt == "xlsx":
            return xlsx_pages(data, rel, cfg)
        screen_binary(data)
        text, encoding = decode_bytes(data, html=False)
        if fmt in ("csv", "tsv"):
            rows = iter_csv(text, fmt)
        elif fmt == "json":
            rows = iter_json(text)
        else:
            rows = iter_jsonl(text)
        pages = table_pages(rows, f"{rel}#row=", kind, encoding, cfg)
        if not pages:
            raise Rejected("empty: no rows")
        return pages
    except Rejected as exc:
        return [rejected_page(file_id, rel, kind, str(exc))]


def table_pages(rows, prefix: str, kind: str, encoding: str | None, cfg: dict) -> list[Page]:
    """Pages of ``rows`` ((number, dict), or (number, reason) for a damaged row) at paths
    ``prefix + number``; raises Rejected when the rows have no text column."""
    pages = []
    text_col = None
    for n, row in rows:
        if isinstance(row, str):           # a damaged row: its reason
            pages.append(rejected_page(hash_text(f"{prefix}{n}"), f"{prefix}{n}", f"{kind}-row", row))
            continue
        text_col = text_col or first_column(row, cfg["text_columns"])
        if text_col is None:
            raise Rejected(no_text_column(row, cfg))
        pages.append(row_page(row, text_col, f"{prefix}{n}", kind, encoding, cfg))
    return pages


def no_text_column(row: dict, cfg: dict) -> str:
    return (f"no text column: looked for {', '.join(cfg['text_columns'])}; "
            f"the file has {', '.join(map(str, list(row)[:12]))}; name its text column in "
            f"[ingest] text_columns of a --config file")


def row_page(row: dict, text_col: str, rel: str, kind: str, encoding: str | None, cfg: dict) -> Page:
    page = Page(page_id=hash_text(rel), path=rel, format=f"{kind}-row", encoding=encoding)
    page.title = _cell(row, cfg["title_columns"])
    page.url = _cell(row, cfg["url_columns"])
    date = _cell(row, cfg["date_columns"])
    page.published = iso_datetime(date) or date
    page.meta = {k: v for k, v in row.items() if k != text_col and isinstance(v, (str, int, float, bool)) and v != ""}
    page.meta["text_column"] = text_col
    try:
        value = cell_text(row.get(text_col), text_col)
        page.page_id = hash_text(value)
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


def cell_text(value, column: str) -> str:
    """The text of a row's text cell: a string, or a list of strings (paragraphs) joined with
    newlines; blank for a missing value; Rejected for numbers, true/false, objects."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, str):
                raise Rejected(f"not text: the row's {column} is a list holding {kind_of(item)}")
        return "\n".join(value)
    raise Rejected(f"not text: the row's {column} is {kind_of(value)}")


def kind_of(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, dict):
        return "a JSON object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"


def iter_csv(text: str, fmt: str):
    """(row number, row dict) for each data row of a CSV/TSV text (row 1 = first data row).

    A row whose quote opens and never closes (the reader would swallow every row after it
    into one cell) yields (row number, reason) and reading goes on at the next line."""
    csv.field_size_limit(2**31 - 1)
    dialect = "excel-tab" if fmt == "tsv" else "excel"
    lines = list(io.StringIO(text, newline=""))
    records = csv_records(lines, dialect)
    try:
        first = next(records, None)
    except csv.Error as exc:
        raise Rejected(f"malformed CSV: {exc}") from None
    if first is None:
        return
    _, header = first
    if isinstance(header, str):
        raise Rejected(f"malformed CSV header: {header}")
    names = [str(k).strip() for k in header]
    n = 0
    try:
        for _, fields in records:
            n += 1
            if isinstance(fields, str):
                yield n, fields
                continue
            # as csv.DictReader: missing cells are None, extra cells dropped, a later
            # column of the same name wins
            yield n, {name: (fields[i] if i < len(fields) else None) for i, name in enumerate(names)}
    except csv.Error as exc:
        raise Rejected(f"malformed CSV: {exc}") from None


def csv_records(lines: list[str], dialect: str):
    """(first line number, fields) for each non-blank record of the physical ``lines``; a
    record whose quote never closed (``unclosed_quote``) yields (line, reason) for its
    first line, and parsing starts again on the line after it."""
    pos = 0
    while pos < len(lines):
        # a generator, not a slice: a file with many damaged rows is not copied once per row
        reader = csv.reader((lines[i] for i in range(pos, len(lines))), dialect)
        start, restart = pos, None
        for fields in reader:
            end = pos + reader.line_num             # lines[start:end] hold this record
            if not fields:
                start = end
                continue
            if unclosed_quote(lines, start, end, dialect):
                yield start + 1, (f"malformed CSV: the quote opened on line {start + 1} is never closed "
                                  f"(the row is rejected; reading goes on at line {start + 2})")
                restart = start + 1
                break
            yield start + 1, fields
            start = end
        if restart is None:
            return
        pos = restart


def iter_json(text: str):
    """(item number, record) for a .json file: an array of records, an object of records
    keyed by id (the key kept as ``json_key``), an object holding one array of records
    (``{"code": 0, "data": [...]}``), or one record."""
    try:
        data = without_lone_surrogates(json.loads(text))
    except json.JSONDecodeError as exc:
        raise Rejected(f"invalid JSON: {exc.msg} (line {exc.lineno})") from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)]
        if data and all(isinstance(v, dict) for v in data.values()):
            data = [{"json_key": key, **value} for key, value in data.items()]
        elif len(lists) == 1:            # an API answer: {"code": 0, "data": [records]}
            data = lists[0]
        else:
            data = [data]
    if not isinstance(data, list):
        raise Rejected(f"not JSON records: the file holds {kind_of(data)}")
    if data and not any(isinstance(item, dict) for item in data):
        raise Rejected(f"not JSON records: an array of {', '.join(sorted({kind_of(i).split(' (')[0] for i in data}))}")
    for n, item in enumerate(data, 1):
        yield n, item if isinstance(item, dict) else f"not a JSON object (item {n}): {kind_of(item)}"


def unclosed_quote(lines: list[str], start: int, end: int, dialect: str) -> bool:
    """True when the record in ``lines[start:end]`` holds a quote that never closed: it spans
    lines with an odd number of quote characters (well-formed quotes come in pairs, doubled
    ones too), or it is the last record and ends inside quotes (a quote within an unquoted
    cell is text, not this)."""
    odd = sum(line.count('"') for line in lines[start:end]) % 2 == 1
    if end - start > 1 and odd:
        return True
    if end == len(lines) and odd:
        try:
            list(csv.reader(lines[start:end], dialect, strict=True))
        except csv.Error:
            return True
    return False


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
    """The first non-blank of the named cells as text (a list of strings joined by spaces;
    objects and other lists are no title, URL or date)."""
    for c in names:
        v = row.get(c)
        if isinstance(v, list) and all(isinstance(i, str) for i in v):
            v = " ".join(i.strip() for i in v if i.strip())
        if isinstance(v, (dict, list)) or v in (None, ""):
            continue
        return str(v).strip()
    return None


# ── .xlsx: one page per row of each sheet that has a text column (as CSV rows); the first
# non-blank row naming a text column (else the first non-blank row) names the columns; dates
# become ISO text; the workbook is checked for zip bombs first. Pages are
# ``book.xlsx#sheet=NAME&row=N``; a sheet without a text column is rejected at ``book.xlsx#sheet=NAME``.

def xlsx_pages(data: bytes, rel: str, cfg: dict) -> list[Page]:
    import openpyxl


    check_zip_safety(data, cfg, what="xlsx")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:   # openpyxl raises many kinds on a broken workbook
        raise Rejected(f"corrupt xlsx: {type(exc).__name__}: {exc}") from None
    pages: list[Page] = []
    try:
        for sheet in book.worksheets:
            sheet_rel = f"{rel}#sheet={sheet.title}"
            records = sheet_records(sheet, cfg["text_columns"])
            if not records:
                continue
            try:
                pages.extend(table_pages(enumerate(records, 1), f"{sheet_rel}&row=", "xlsx", None, cfg))
            except Rejected as exc:
                pages.append(rejected_page(hash_text(sheet_rel), sheet_rel, "xlsx", str(exc)))
    finally:
        book.close()
    if not pages:
        raise Rejected("empty: no rows in any sheet")
    return pages


def sheet_records(sheet, text_columns: list[str], scan_rows: int = 20) -> list[dict]:
    """The sheet's rows as {column: value} (blank rows skipped). The header is the first of
    the first ``scan_rows`` non-blank rows that names a text column (a title row above the
    header is common), else the first non-blank row; rows above the header are dropped."""
    rows = [values for values in sheet.iter_rows(values_only=True)
            if not all(v is None or (isinstance(v, str) and not v.strip()) for v in values)]
    if not rows:
        return []
    wanted = set(text_columns)
    at = next((i for i, values in enumerate(rows[:scan_rows])
               if any(isinstance(v, str) and v.strip() in wanted for v in values)), 0)
    header = [str(v).strip() if v is not None else f"column{i + 1}" for i, v in enumerate(rows[at])]
    return [{name: cell_value(v) for name, v in zip(header, values)} for values in rows[at + 1:]]


def cell_value(value):
    """Dates as ISO text (a midnight time dropped); other values as openpyxl reads them."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value
