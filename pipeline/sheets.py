"""An .xlsx workbook → one page per row of each sheet that has a text column (as CSV rows).

Used by the ingest stage through ``pipeline/rows.py``. The first non-blank row of a sheet
that names a text column (else the first non-blank row) names its columns; dates become ISO text; the workbook is checked for zip bombs first.
Pages are ``book.xlsx#sheet=NAME&row=N`` (row 1 = first data row); a sheet without a text
column is rejected as a whole at ``book.xlsx#sheet=NAME``.
"""
from __future__ import annotations

import datetime
import io

from .decoding import Rejected
from .records import Page


def xlsx_pages(data: bytes, rel: str, cfg: dict) -> list[Page]:
    import openpyxl

    from .archives import check_zip_safety
    from .ingest import hash_text, rejected_page
    from .rows import table_pages

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
