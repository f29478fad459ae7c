"""page_meta: header metadata of a page (site, breadcrumb, publish time, views, title).

Used by the ingest stage (``pipeline/ingest/reader.py``): ``header_metadata`` fills a page's empty
fields from its first lines, with the patterns of ``pipeline/rules/page_meta.toml``;
``iso_datetime`` turns the dates found there (and in CSV/JSONL date columns) into ISO form.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice

from pipeline import rules
from pipeline.records import Page


@lru_cache(maxsize=1)
def page_meta_rules() -> dict:
    """page_meta.toml with its patterns compiled (bad regex = bad configuration: fail loudly)."""
    data = rules.load_toml("page_meta.toml")
    compiled = dict(data)
    for key in ("site", "breadcrumb", "published", "views"):
        try:
            compiled[key] = [re.compile(p) for p in data.get(key, [])]
        except re.error as exc:
            raise rules.RuleFileError(f"page_meta.toml: bad pattern in {key!r}: {exc}") from exc
    return compiled


def header_metadata(page: Page, text: str, n_lines: int | None = None) -> None:
    """Fill the page's empty site/breadcrumb/published/views/title from its first
    ``n_lines`` non-blank lines (``header_lines`` of page_meta.toml by default)."""
    meta = page_meta_rules()
    # the first lines only: the rest of a long page is never split
    lines = list(islice((s for s in (m.group(0).strip() for m in _LINE.finditer(text)) if s),
                        n_lines or meta.get("header_lines", 15)))
    header = "\n".join(lines)
    simplified = to_simplified(header)    # OpenCC never converts across a line break
    if simplified != header:
        # patterns are written in simplified characters; a traditional page's header lines
        # are matched (and their values taken) in simplified form
        lines = simplified.split("\n")
    field_lines: dict[str, int] = {}
    for i, line in enumerate(lines):
        for key in ("site", "breadcrumb", "published", "views"):
            for pattern in meta[key]:
                m = pattern.search(line)
                if m:
                    field_lines.setdefault(key, i)
                    if getattr(page, key) is None:
                        value = m.group("value").strip()
                        if key == "published":
                            value = iso_datetime(value) or value
                        elif key == "views":
                            value = int(value)
                        setattr(page, key, value)
                    break
    if page.title is None and meta.get("title_above_published") and "published" in field_lines:
        taken = set(field_lines.values())
        for i in range(field_lines["published"] - 1, -1, -1):
            if i not in taken:
                page.title = lines[i]
                break


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


_LINE = re.compile(r"[^\n]+")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def iso_datetime(value: str | None) -> str | None:
    """"2023-05-04 16:21:32", "2023年5月4日", "2023/5/4" → "2023-05-04T16:21:32" / "2023-05-04"."""
    if not value:
        return None
    m = re.search(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?(?:[\sT]*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?",
                  str(value))
    if not m:
        return None
    y, mo, d, hh, mm, ss = m.groups()
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        return None
    date = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
    if hh is None:
        return date
    return f"{date}T{int(hh):02d}:{int(mm):02d}:{int(ss or 0):02d}"
