"""The records that flow through the stages.

A ``Page`` is one input page (a file, a row of a CSV/JSONL file, or a zip member).
A ``Document`` is one report found on a page. Stages read the fields that the stages
before them wrote and fill in their own; none keeps private state on a record.
``Section`` and ``Item`` are the outline and the extracted measures/problems of a document.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Page:
    """One input page. ``status`` is ``ok`` or ``rejected`` (then ``reason`` says why)."""

    page_id: str                      # sha1 of the page's bytes, 16 hex digits
    path: str                         # relative to the raw folder; "a.csv#row=3", "b.zip!x/y.txt"
    format: str                       # txt | html | docx | csv-row | jsonl-row | ...
    encoding: str | None = None       # detected encoding of the bytes (None for docx/rows)
    status: str = "ok"
    reason: str | None = None
    text: str = ""                    # decoded, line-structured text ("\n" between lines)
    site: str | None = None           # site name from the page header or profile
    title: str | None = None          # page title (not a report title)
    published: str | None = None      # ISO date/time from the page header
    views: int | None = None          # view count from the page header
    url: str | None = None
    breadcrumb: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # other header fields (row columns, …)
    n_docs: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class Removal:
    """A line (or a fragment of one) that cleaning removed, and the rule that removed it."""

    line: int        # 1-based line number in the page text
    text: str        # the removed line or fragment
    rule: str        # rule id, e.g. "site:fanwen.header", "cue:xiaobian", "template:learned", "model:chrome"
    p: float | None = None   # the line model's probability of the removed line's label (None: rules alone)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Line:
    """A kept line of the cleaned page, with its 1-based line number in the page text."""

    no: int
    text: str


@dataclass
class CleanPage:
    """Output of the clean stage: the kept lines, what was removed, what is masked."""

    page_id: str
    lines: list[Line]
    removed: list[Removal] = field(default_factory=list)
    page_title: str | None = None   # the page title as clean found it (Page.title, or the header line before the publish line)
    line_labels: dict[int, tuple[str, float]] = field(default_factory=dict)   # kept line no → line model's (label, p)
    quality: str = "clean"          # clean | traditional | pinyin_repaired | mojibake (see clean.page_quality)


@dataclass
class Section:
    """A node of a document's outline."""

    doc_id: str
    section_id: str          # f"{doc_id}/s{n}" in document order
    parent_id: str | None    # None for top-level sections
    level: int               # 1 = top
    marker: str              # "一、", "（一）", "1.", "一是", "首先", … ("" when none)
    heading: str             # heading text without the marker ("" for items without heading)
    role: str                # background | achievement | problem | measure | other
    text: str                # the section's own text (heading line and body lines)
    line_start: int = 0      # first body line (index into the document's lines)
    line_end: int = 0


@dataclass
class Item:
    """A measure or a problem extracted from a document."""

    doc_id: str
    item_id: str             # f"{doc_id}/i{n}"
    section_id: str | None
    kind: str                # measure | problem
    marker: str
    head: str                # short form: "重视不够，工作开展难"
    text: str                # full text of the item
    section: str = ""        # human-readable section path, e.g. "二、对策和建议 > （一）"
    source: str = "outline"  # outline | prose


@dataclass
class Document:
    """One report found on a page; later stages fill the optional fields."""

    doc_id: str                       # f"{page_id}-{ordinal:03d}"
    page_id: str
    ordinal: int                      # 1-based position on the page
    title: str
    lines: list[Line]                 # kept body lines, with page line numbers
    removed: list[Removal] = field(default_factory=list)
    masked: dict[str, int] = field(default_factory=dict)   # {"20xx": n, "xx": n, "star": n}
    title_lines: list[int] = field(default_factory=list)    # page line numbers of the marker / title lines
    quality: str = "clean"            # clean | traditional | pinyin_repaired | mojibake | junk
    truncated: bool = False           # a truncation notice (此处隐藏N个字, 预览结束…) cut the text short
    # the heading of the collection the report sits in (…(精选10篇)), which titles no report: the
    # genre stage reads it when the report has no title of its own
    collection_title: str | None = None
    # segment
    tokens: list[str] | None = None
    pos: list[str] | None = None
    sentences: list[str] | None = None
    # genre
    genre: str | None = None
    genre_score: float | None = None
    genre_source: str | None = None   # title | title+body | model | cues | none
    genre_reason: str | None = None   # the genre decision in one line (documents.genre_reason)
    # outline / extract
    sections: list[Section] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    # metadata for comparison
    year: int | None = None
    region: str | None = None
    # dedup
    dup_cluster: str | None = None
    is_duplicate: bool = False

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def n_chars(self) -> int:
        return sum(len(line.text) for line in self.lines)
