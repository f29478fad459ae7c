"""split: one cleaned page → the reports it holds, each a Document with its title.

In: the ``Page``, its ``CleanPage`` (kept lines with page line numbers, removal log, page
title) and the worker's ``Resources``. Out: the documents, and the removals that lie outside
every document (page header and footer).

A page holding several reports marks each with a line such as "篇一 …", "【篇1】…", "第1篇 …",
"范文一 …" or "… 篇N" (patterns in ``rules/split.toml``); the title is the rest of that line
(or the next short line when the marker stands alone), without a trailing "范文". A page with
no marker is one report titled by the page title or its first heading line. The title
repeated as the first body line is dropped, a title glued to the first sentence
("…调研报告篇近日,…") is cut off, and a table of contents listing the reports before
them is dropped; all are logged as removals ("split:title_repeat", "split:title_glued",
"split:toc").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import rules
from .masks import add_counts, count_masked
from .records import CleanPage, Document, Line, Page, Removal

_NOT_TITLE_KEY = re.compile(r"[\s,，.。;；:：!！?？、·•\-—_\"'“”‘’《》<>【】\[\]]+")
_SENTENCE_END = ("。", "；", ";", "！", "!", "？", "?", "，", ",")
_COUNT_SUFFIX = re.compile(r"\s*[(（【\[]?\s*(精选|优秀|通用|热门)?\s*\d{1,3}\s*篇\s*[)）】\]]?$")


def run(page: Page, cleaned: CleanPage, res) -> tuple[list[Document], list[Removal]]:
    """Split the cleaned page into documents (ordinal from 1, ``doc_id`` = page id + ordinal).

    Removals whose line lies inside a document's span (its title line to the line before the
    next document, or to its last body line for the last one) go to ``Document.removed``;
    the others are returned as page-level removals.
    """
    cfg = res.config["split"]
    parts = find_parts(cleaned.lines, cfg)
    if not parts:
        return [], list(cleaned.removed)
    parts, own_removals = drop_table_of_contents(parts, cfg["min_doc_chars"])
    for part in parts:   # before merging: the echo is the first line under a report's own title
        own_removals.extend(drop_title_echo(part))
    parts = merge_short_parts(parts, cfg["min_doc_chars"])
    if parts[0].title is None:
        parts[0].title = single_title(page, cleaned, parts[0], cfg)
        own_removals.extend(drop_title_echo(parts[0]))
    documents = []
    for ordinal, part in enumerate(parts, 1):
        title = part.title or ""
        masked = count_masked(title)
        for line in part.body:
            add_counts(masked, count_masked(line.text))
        documents.append(Document(doc_id=f"{page.page_id}-{ordinal:03d}", page_id=page.page_id,
                                  ordinal=ordinal, title=title, lines=part.body, masked=masked))
    page_removed = assign_removals(documents, parts, sorted(cleaned.removed + own_removals, key=lambda r: r.line))
    return documents, page_removed


@dataclass
class Part:
    """A stretch of kept lines that is one report: its title and body, and where it starts."""

    title: str | None           # None: not known yet (no marker; decided from the page)
    start: int                  # page line number of the title line (or of the first body line)
    body: list[Line] = field(default_factory=list)
    head: list[Line] = field(default_factory=list)   # marker and title lines, restored as body if merged

    @property
    def chars(self) -> int:
        return sum(len(line.text) for line in self.body)


# --------------------------------------------------------------------------- markers


@lru_cache(maxsize=1)
def _markers() -> tuple[list[re.Pattern], dict, tuple[str, ...]]:
    """Compiled split markers, the [title] settings and the ``requires`` literals of
    rules/split.toml (once per process)."""
    data = rules.load_toml("split.toml")
    numerals = data.get("numerals")
    if not numerals or "marker" not in data:
        raise rules.RuleFileError("split.toml: needs `numerals` and at least one [[marker]]")
    requires = tuple(data.get("requires", ()))
    compiled = []
    for entry in data["marker"]:
        try:
            pattern = re.compile(entry["pattern"].replace("{n}", numerals))
        except (KeyError, re.error) as exc:
            raise rules.RuleFileError(f"split.toml: marker {entry.get('id')!r}: {exc}") from exc
        if "title" not in pattern.groupindex:
            raise rules.RuleFileError(f"split.toml: marker {entry.get('id')!r} has no (?P<title>…) group")
        if requires and not any(lit in entry["pattern"] for lit in requires):
            raise rules.RuleFileError(f"split.toml: marker {entry.get('id')!r} names none of `requires` "
                                      f"{list(requires)}; add its literal there")
        compiled.append(pattern)
    return compiled, data.get("title", {}), requires


def compile_markers() -> list[re.Pattern]:
    """The compiled split-marker patterns (clean uses them to bound header and footer zones)."""
    return _markers()[0]


def marker_literals() -> tuple[str, ...]:
    """Literals of which every marker line holds one (empty: no pre-check)."""
    return _markers()[2]


def could_be_marker(text: str, literals: tuple[str, ...]) -> bool:
    """False when ``text`` holds none of the marker ``literals``: no marker can match it."""
    if not literals:
        return True
    for literal in literals:
        if literal in text:
            return True
    return False


def marker_title(text: str) -> str | None:
    """The title that a marker line carries ("" when the marker stands alone), or None when
    ``text`` is not a marker line.

    >>> marker_title("篇二 政府办事服务中心实习报告范文"), marker_title("【篇1】"), marker_title("近日,…")
    ('政府办事服务中心实习报告', '', None)
    """
    patterns, title_cfg, literals = _markers()
    if not could_be_marker(text, literals):
        return None
    for pattern in patterns:
        m = pattern.match(text)
        if m:
            return clean_title(m.group("title"), title_cfg)
    return None


def clean_title(text: str, title_cfg: dict | None = None) -> str:
    """A title without surrounding brackets/punctuation and without trailing "范文"-like suffixes."""
    if title_cfg is None:
        title_cfg = _markers()[1]
    title = text.strip().strip("【】[]:：、.．-— ").strip()
    suffixes = title_cfg.get("suffixes", [])
    changed = True
    while changed:
        changed = False
        for suffix in suffixes:
            if title.endswith(suffix) and len(title) > len(suffix):
                title = title[: -len(suffix)].rstrip(" :：、-—")
                changed = True
    return title


# --------------------------------------------------------------------------- parts


def find_parts(lines: list[Line], cfg: dict) -> list[Part]:
    """Cut the kept lines at marker lines; lines before the first marker form a part without title."""
    title_max = _markers()[1].get("max_chars", 60)
    parts: list[Part] = []
    k = 0
    current: Part | None = None
    while k < len(lines):
        line = lines[k]
        title = marker_title(line.text)
        if title is not None and len(title) <= title_max:
            current = Part(title=title, start=line.no, head=[line])
            parts.append(current)
            nxt = lines[k + 1] if k + 1 < len(lines) else None
            if not title and nxt is not None and nxt.no - line.no <= cfg["title_lookahead"] \
                    and is_heading(nxt.text, title_max) and marker_title(nxt.text) is None:
                current.title = clean_title(nxt.text)
                current.head.append(nxt)
                k += 1
            k += 1
            continue
        if current is None:
            current = Part(title=None, start=line.no)
            parts.append(current)
        current.body.append(line)
        k += 1
    return parts


def drop_table_of_contents(parts: list[Part], min_chars: int) -> tuple[list[Part], list[Removal]]:
    """A list of the page's reports before the reports themselves ("篇一 X", "篇二 Y", …, then
    "篇一 X" with its text): marker lines without a body whose title comes again later are a
    table of contents; they leave as removals ("split:toc")."""
    removals, kept = [], []
    for k, part in enumerate(parts):
        later = {p.title for p in parts[k + 1:] if p.title}
        if part.title and part.chars < min_chars and part.title in later:
            removals.extend(Removal(line.no, line.text, "split:toc") for line in part.head + part.body)
        else:
            kept.append(part)
    return kept, removals


def merge_short_parts(parts: list[Part], min_chars: int) -> list[Part]:
    """A part with fewer body characters than ``min_chars`` is not a report of its own: the
    leading untitled part joins the first report; a titled one joins the report before it
    (its marker line becomes a body line there)."""
    if len(parts) > 1 and parts[0].title is None and parts[0].chars < min_chars:
        head, parts = parts[0], parts[1:]
        parts[0].body[:0] = head.body
        parts[0].start = head.start
    merged: list[Part] = []
    for part in parts:
        if merged and part.chars < min_chars:
            prev = merged[-1]
            prev.body.extend(part.head)
            prev.body.extend(part.body)
        else:
            merged.append(part)
    return merged


def is_heading(text: str, title_max: int) -> bool:
    """A short line that does not end like a sentence."""
    return 0 < len(text) <= title_max and not text.endswith(_SENTENCE_END)


def single_title(page: Page, cleaned: CleanPage, part: Part, cfg: dict) -> str:
    """Title of a page's one (or untitled first) report: the page title (without a "N篇"
    count), else its first line when that is a heading (which then leaves the body)."""
    title_max = _markers()[1].get("max_chars", 60)
    for candidate in (cleaned.page_title, page.title):
        if candidate and candidate.strip():
            return clean_title(_COUNT_SUFFIX.sub("", candidate.strip()) or candidate.strip())
    if len(part.body) > 1 and is_heading(part.body[0].text, title_max):
        first = part.body.pop(0)
        part.start = first.no
        part.head.append(first)
        return clean_title(first.text)
    return ""


def title_key(text: str) -> str:
    """A title without punctuation and spaces, for comparing a line with a title."""
    return _NOT_TITLE_KEY.sub("", text)


def drop_title_echo(part: Part) -> list[Removal]:
    """Drop the title repeated as the part's first body line; cut a title glued to the first
    sentence ("<title>篇近日,…" keeps "近日,…"). Returns the removals."""
    if not part.title or not part.body:
        return []
    first = part.body[0]
    key, title = title_key(first.text), title_key(part.title)
    if key and (key == title or title_key(clean_title(first.text)) == title):
        part.body.pop(0)
        return [Removal(first.no, first.text, "split:title_repeat")]
    for glue in (part.title + "篇", part.title + "范文"):
        if first.text.startswith(glue) and len(first.text) > len(glue):
            rest = first.text[len(glue):].lstrip(" ,，:：")
            part.body[0] = Line(first.no, rest)
            return [Removal(first.no, first.text[: len(first.text) - len(rest)], "split:title_glued")]
    return []


def assign_removals(documents: list[Document], parts: list[Part], removed: list[Removal]) -> list[Removal]:
    """Put each removal into the document whose span holds its line; return the rest."""
    spans = []
    for k, (doc, part) in enumerate(zip(documents, parts)):
        own = [line.no for line in doc.lines + part.head] + [r.line for r in removed if r.rule.startswith("split:")]
        end = parts[k + 1].start - 1 if k + 1 < len(parts) else max((n for n in own if n >= part.start), default=part.start)
        spans.append((part.start, end, doc))
    page_removed = []
    for removal in removed:
        for start, end, doc in spans:
            if start <= removal.line <= end:
                doc.removed.append(removal)
                break
        else:
            page_removed.append(removal)
    return page_removed
