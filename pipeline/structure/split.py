"""split: one cleaned page → the reports it holds, each a Document with its title.

In: the ``Page``, its ``CleanPage`` (kept lines with page line numbers, removal log, page
title) and the worker's ``Resources``. Out: the documents, and the removals that lie outside
every document (page header and footer).

A page holding several reports marks each with a line such as "篇一 …", "【篇1】…", "第1篇 …",
"范文一 …" or "… 篇N" (patterns in ``rules/split.toml``, read by ``markers``); the title is the rest of that line
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

from pipeline.clean.masks import add_counts, count_masked
from pipeline.records import CleanPage, Document, Line, Page, Removal
from pipeline.structure import doc_quality, title_shapes
from pipeline.structure.markers import (  # noqa: F401  (compile_markers, … : clean's zones use them via split)
    clean_title, compile_markers, could_be_marker, marker_literals, marker_title, title_key, title_settings)

_SENTENCE_END = ("。", "；", ";", "！", "!", "？", "?", "，", ",")
_CLAUSE_BREAK = re.compile(r"[,，。；;！!？?]")
_COUNT_SUFFIX = re.compile(r"\s*[(（【\[]?\s*(精选|优秀|通用|热门)?\s*\d{1,3}\s*篇\s*[)）】\]]?$")


def run(page: Page, cleaned: CleanPage, res) -> tuple[list[Document], list[Removal]]:
    """Split the cleaned page into documents (ordinal from 1, ``doc_id`` = page id + ordinal).

    Removals whose line lies inside a document's span (its title line to the line before the
    next document, or to its last body line for the last one) go to ``Document.removed``;
    the others are returned as page-level removals.
    """
    cfg = res.config["split"]
    # "…(精选10篇)" heads the page (its first line, or one the model took for a title), never one report;
    # a "title" holding a posting date or heading a table of contents is none
    model_title = {no for no, (label, _) in cleaned.line_labels.items() if label == "report_title"}
    heading = {ln.no: "split:page_title" for k, ln in enumerate(cleaned.lines) if title_shapes.names_a_collection(ln.text)
               and (k == 0 or ln.no in model_title)}
    heading |= {ln.no: "split:no_title" for ln in cleaned.lines if ln.no in model_title and title_shapes.no_title(ln.text)}
    # so does the page's first heading under it holding a posting date ("整改措施 2022-12-05 点击:"): a byline
    top = next((ln for ln in cleaned.lines if ln.no not in heading), None)
    if top is not None and is_heading(top.text, title_settings().get("max_chars", 60)) and title_shapes.no_title(top.text):
        heading[top.no] = "split:no_title"
    # titles (no markers) over the collection's heading, with nothing else before it, head the page
    above = [ln for ln in cleaned.lines if ln.no < min((n for n, r in heading.items() if r == "split:page_title"), default=0)]
    if all(ln.no in model_title and marker_title(ln.text) is None for ln in above):
        heading |= {ln.no: "split:page_title" for ln in above}
    parts = find_parts([ln for ln in cleaned.lines if ln.no not in heading], cfg, cleaned.line_labels)
    headings = [Removal(ln.no, ln.text, heading[ln.no]) for ln in cleaned.lines if ln.no in heading]
    if not parts:
        return [], sorted(cleaned.removed + headings, key=lambda r: r.line)
    parts, own_removals = drop_table_of_contents(parts, cfg["min_doc_chars"])
    own_removals += [Removal(ln.no, ln.text, "split:page_header") for p in parts if p.header for ln in p.head + p.body]
    parts = [p for p in parts if not p.header]
    own_removals += headings
    for part in parts:   # before merging: the echo is the first line under a report's own title
        join_wrapped_title(part)
        own_removals.extend(drop_title_echo(part))
    parts = merge_short_parts(parts, cfg["min_doc_chars"])
    for part in [p for p in parts if not p.body]:     # a title with nothing under it is no document
        own_removals.extend(Removal(line.no, line.text, "split:no_body") for line in part.head)
    parts = [p for p in parts if p.body]
    if not parts:
        return [], sorted(cleaned.removed + own_removals, key=lambda r: r.line)
    if len(parts) == 1 and parts[0].title and parts[0].head and marker_title(parts[0].head[0].text) is None:
        page_title_over(parts[0], cleaned)
    if parts[0].title is None:
        # the page's title names the report only when the page holds one report
        parts[0].title = single_title(page, cleaned, parts[0], cfg) if len(parts) == 1 else ""
        if parts[0].cut is not None:
            own_removals.append(parts[0].cut)
        join_wrapped_title(parts[0])
        own_removals.extend(drop_title_echo(parts[0]))
    collection = next((r.text for r in headings if r.rule == "split:page_title" and title_shapes.names_a_collection(r.text)),
                      None) or next(
        (t for t in (cleaned.page_title, page.title) if t and title_shapes.names_a_collection(t)), None)
    documents = []
    for ordinal, part in enumerate(parts, 1):
        title = part.title or ""
        masked = count_masked(title)
        for line in part.body:
            add_counts(masked, count_masked(line.text))
        documents.append(Document(doc_id=f"{page.page_id}-{ordinal:03d}", page_id=page.page_id,
                                  ordinal=ordinal, title=title, lines=part.body, masked=masked,
                                  title_lines=sorted([line.no for line in part.head] + part.echo),
                                  collection_title=None if title else collection))
    page_removed = assign_removals(documents, parts, sorted(cleaned.removed + own_removals, key=lambda r: r.line))
    doc_quality.mark_quality(documents, page_removed, cleaned.quality, res.clean_rules)
    return documents, page_removed


@dataclass
class Part:
    """A stretch of kept lines that is one report: its title and body, and where it starts."""

    title: str | None           # None: not known yet (no marker; decided from the page)
    start: int                  # page line number of the title line (or of the first body line)
    body: list[Line] = field(default_factory=list)
    head: list[Line] = field(default_factory=list)   # marker and title lines, restored as body if merged
    echo: list[int] = field(default_factory=list)    # lines repeating the title, dropped (split:title_repeat, header:…)
    cut: "Removal | None" = None                     # a title cut from the front of the first body line
    header: bool = False                             # the page's header, not a report (split:page_header)

    @property
    def chars(self) -> int:
        return sum(len(line.text) for line in self.body)


# --------------------------------------------------------------------------- parts


def find_parts(lines: list[Line], cfg: dict, labels: dict[int, tuple[str, float]] | None = None) -> list[Part]:
    """Cut the kept lines at marker lines and at lines the line model takes for a report's
    title (``labels``: line no → (label, probability), at least ``title_min_p``); lines
    before the first of them form a part without title. Title lines in a row (a bare marker
    and its title, a title and its repeat) are one part's head."""
    title_max = title_settings().get("max_chars", 60)
    labels = labels or {}
    parts: list[Part] = []
    k = 0
    current: Part | None = None
    series = title_shapes.numbered_series({ln.no: ln.text for ln in lines if is_heading(ln.text, title_max)}, title_key)
    while k < len(lines):
        line = lines[k]
        title = marker_title(line.text)
        title = clean_title(series[line.no]) if title is None and line.no in series else title
        if line.no in series and current is not None and current.start not in series and current.title \
                and title_key(current.title) == title_key(title):
            title = None     # "篇六 X" then "X(1)", "X(2)": the parts of report X
        label, p = labels.get(line.no, ("", 0.0))
        # a title the model finds under a report's text starts another report only when it is
        # numbered ("…倡议书2", "…报告(二)"): a report's own headings ("关于国民经济计划的报告",
        # an appendix's "…名词注释", the page title printed again) stay in it
        # a title over a few short lines and then another title is the page's header ("预算绩效管理",
        # "发布机构: …", "文号:"), not a report: it becomes text before the report's title
        header = title is None and label == "report_title" and p >= cfg["title_min_p"] and len(parts) == 1 \
            and current is not None and current.head and current.body and current.start not in series \
            and marker_title(current.head[0].text) is None and current.chars < cfg["min_doc_chars"] \
            and is_heading(line.text, title_max) and not line.text.startswith(("—", "-")) \
            and title_key(clean_title(line.text)) != title_key(current.title or "")   # a subtitle, or the title again, starts nothing
        if header:
            current.header = True
        if title is None and label == "report_title" and p >= cfg["title_min_p"] and is_heading(line.text, title_max) \
                and (current is None or not current.body or header or _TRAILING_ORDINAL.search(line.text)):
            echo = current is not None and not current.body and bool(current.title) \
                and title_key(line.text) == title_key(current.title)
            if current is not None and not current.body and current.head and not echo:
                current.head.append(line)
                if current.title and title_shapes.wraps_onto(current.title, line.text):
                    current.title += line.text.strip()   # "…专项治理" / "实施方案": the title wrapped
                elif not current.title or title_shapes.own_heading(line.text, current.title, title_key):
                    current.title = clean_title(line.text)
            elif not echo:
                current = Part(title=clean_title(line.text), start=line.no, head=[line])
                parts.append(current)
            else:       # the title repeated as the report's own heading: drop_title_echo's business
                current.body.append(line)
            k += 1
            continue
        if title is not None and len(title) <= title_max:
            current = Part(title=title, start=line.no, head=[line])
            parts.append(current)
            nxt = lines[k + 1] if k + 1 < len(lines) else None
            # the page's last line after a bare marker, a clause cut short ("连日来,央视…"), is its text
            cut_short = k + 2 == len(lines) and _CLAUSE_BREAK.search(nxt.text or "") if nxt is not None else False
            if not title and nxt is not None and nxt.no - line.no <= cfg["title_lookahead"] \
                    and is_heading(nxt.text, title_max) and marker_title(nxt.text) is None and not cut_short:
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
    for k, part in enumerate(parts):
        # the page's last report may be cut short (a page excerpt): its title line says it starts here
        last_titled = k == len(parts) - 1 and (part.title or part.head) and part.body
        if merged and part.chars < min_chars and not last_titled:
            prev = merged[-1]
            prev.body.extend(part.head)
            prev.body.extend(part.body)
        else:
            merged.append(part)
    return merged


def is_heading(text: str, title_max: int) -> bool:
    """A short line that does not end like a sentence, nor like a sentence's lead-in to what
    follows ("…,现将…情况报告如下:", a clause break inside and a colon at the end), and is
    no keyword list ("[关键词] 咳嗽;诊疗规程;问卷"), nor a salutation ("敬爱的党组织:")."""
    return 0 < len(text) <= title_max and not text.endswith(_SENTENCE_END) \
        and not (text.endswith((":", "：")) and _CLAUSE_BREAK.search(text)) and not title_shapes.keyword_list(text) \
        and not title_shapes.salutation(text)


def single_title(page: Page, cleaned: CleanPage, part: Part, cfg: dict) -> str:
    """Title of a page's one report: the page title (without a "N篇" count), else its first
    line when that is a heading (which then leaves the body), else a bracketed title glued
    to the front of the first sentence (cut off, logged as ``split:title_glued``)."""
    title_max = title_settings().get("max_chars", 60)
    for candidate in (cleaned.page_title, page.title):
        if candidate and title_shapes.names_a_collection(candidate, part.body[0].text if part.body else ""):
            break        # the page holds many reports: its title is not this one's
        # a page "title" that holds a sentence ("调查过程:在调查中,我们…。然后,…") names nothing
        if candidate and candidate.strip() and not title_shapes.is_metadata(candidate) \
                and not _SENTENCE_INSIDE.search(candidate.strip()):
            title = clean_title(_COUNT_SUFFIX.sub("", candidate.strip()) or candidate.strip())
            # the lines clean took for the page title (its header, or the model) are this report's title lines
            part.echo += [r.line for r in cleaned.removed if r.rule in ("header:page_title", "header:title_repeat")
                          and candidate is cleaned.page_title
                          or r.rule == "model:page_title" and title_key(clean_title(r.text)) == title_key(title)]
            return title
    # a first line shaped like a heading is the title; with the line model, only when the model
    # reads it as a title or it ends with a kind of report (else it may be the report's first
    # section: "调查背景与目的", "财务自查工作组织与实施")
    first_text = part.body[0].text if part.body else ""
    if len(part.body) > 1 and is_heading(first_text, title_max) \
            and (not cleaned.line_labels or title_shapes.ends_with_kind(clean_title(first_text))
                 or cleaned.line_labels.get(part.body[0].no, ("", 0.0))[0] == "report_title") \
            and not _SECTION_MARKER.match(first_text):
        first = part.body.pop(0)
        part.start = first.no
        part.head.append(first)
        return clean_title(first.text)
    if not part.body:
        return ""
    # "【2017公务用车自查报告】为贯彻落实…": the title in brackets before the first sentence; a
    # preview's title glued to the text ("1、XX镇乡村振兴调研报告XX镇积极…", then "2、…")
    glued = _GLUED_TITLE.match(part.body[0].text)
    glued = (glued.end(), glued.group("title")) if glued and _GENRE_WORD.search(glued.group("title")) else \
        title_shapes.glued_title(part.body[0].text, part.body[1].text if len(part.body) > 1 else "") \
        if cleaned.line_labels else None
    if glued:
        first = part.body[0]
        part.body[0] = Line(first.no, first.text[glued[0]:])
        part.cut = Removal(first.no, first.text[:glued[0]], "split:title_glued")
        return clean_title(glued[1])
    return ""


# a numbered title: "…倡议书2", "…实习报告(二)", "…总结【一】", "…例1"
_TRAILING_ORDINAL = re.compile(r"(?<=[^\d\s])\s*(例|范例)?\s*([(（【\[]\s*[一二三四五六七八九十\d]{1,2}\s*[)）】\]]|\d{1,2})\s*$")
_GENRE_WORD = title_shapes.GENRE_WORD
_SECTION_MARKER = re.compile(r"^([一二三四五六七八九十]{1,3}[、.．]|[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．](?!\d))")
# the title printed again within this many lines starts the report (under a lead-in of at most this many characters)
_ECHO_REACH, _LEAD_IN_CHARS = 10, 200
_SENTENCE_INSIDE = re.compile(r"[。！？!?；;]\s*\S")
_GLUED_TITLE = re.compile(r"^[【\[](?P<title>[^】\]]{4,40})[】\]]\s*(?=\S{10})")


def page_title_over(part: Part, cleaned: CleanPage) -> None:
    """The page's one report, titled by a line that repeats the page's title with more around
    it ("2022长津湖观后感800字" under the page title "长津湖观后感"), is titled by the page's title.
    The lines clean took for the page's title that give the report's title (without decorations:
    "最新的…自查报告" over "…自查报告") are its title lines too."""
    page_title = clean_title(cleaned.page_title or "")
    key = title_key(page_title)
    if len(key) >= 4 and not title_shapes.names_a_collection(cleaned.page_title) and key != title_key(part.title) \
            and key in title_key(part.title):
        part.title = page_title
    key = title_key(part.title)
    first = min((line.no for line in part.body), default=0)
    lines = [r for r in cleaned.removed if r.rule in ("header:page_title", "header:title_repeat", "model:page_title") and r.line < first]
    if any(title_shapes.names_a_collection(t) for t in [cleaned.page_title] + [r.text for r in lines]) \
            or any(_TRAILING_ORDINAL.search(line.text) for line in part.head):
        return      # a collection's page ("…15篇", or a numbered title "…自查报告1"): its title is the page's
    part.echo += [r.line for r in lines if title_key(clean_title(r.text)) == key and r.line not in part.echo]


def join_wrapped_title(part: Part) -> None:
    """A title whose kind is wrapped onto the next line ("…专项治理" / "实施方案") is one title:
    that line joins the part's head; so does a "——…" subtitle right under it (the title stays)."""
    if part.title and part.head and part.body and not _SECTION_MARKER.match(part.title) \
            and title_shapes.wraps_onto(part.title, part.body[0].text):
        part.head.append(part.body.pop(0))
        part.title += part.head[-1].text.strip()
    if part.title and part.head and len(part.body) > 1 and part.body[0].text.startswith(("——", "--")) \
            and is_heading(part.body[0].text, title_settings().get("max_chars", 60)):
        part.head.append(part.body.pop(0))


def drop_title_echo(part: Part) -> list[Removal]:
    """Drop the title repeated as the part's first body line (or its first two lines); cut a
    title glued to the first sentence ("<title>篇近日,…" keeps "近日,…"). Returns the removals."""
    if not part.title or not part.body:
        return []
    first = part.body[0]
    key, title = title_key(first.text), title_key(part.title)
    # without the decorations: "…调研报告(1)" under "…调研报告" is the report's first part, not an echo
    if key and (key == title or title_key(clean_title(first.text, decorations=False)) == title):
        part.body.pop(0)
        part.echo.append(first.no)
        return [Removal(first.no, first.text, "split:title_repeat")]
    if key and len(part.body) > 1 and title.startswith(key) and key + title_key(part.body[1].text) == title:
        echo = part.body[:2]     # the title repeated on two lines ("浙江乡镇企业" / "发展考察报告")
        del part.body[:2]
        part.echo += [line.no for line in echo]
        return [Removal(line.no, line.text, "split:title_repeat") for line in echo]
    if len(part.body) > 2 and first.text.rstrip().endswith((":", "：")) and len(first.text) <= 20 \
            and title_key(clean_title(part.body[1].text)) == title:
        echo = part.body.pop(1)      # the title printed again under the salutation: not the title's line
        return [Removal(echo.no, echo.text, "split:title_repeat")]
    # the title printed again under the site's lead-in (one sentence) or a table of contents
    # ("目录/提纲:……" and its entries): the report starts under the second copy; the lines
    # between are the page's, not the report's
    title_max = title_settings().get("max_chars", 60)
    again = next((k for k, line in enumerate(part.body[1:_ECHO_REACH], 1) if is_heading(line.text, title_max)
                  and title_key(clean_title(line.text, decorations=False)) == title), None)
    between = part.body[:again] if again is not None and again + 1 < len(part.body) else []
    if between and (len(between) == 1 and not is_heading(first.text, title_max) and len(first.text) <= _LEAD_IN_CHARS
                    or title_shapes.no_title(first.text) and all(is_heading(line.text, title_max) for line in between[1:])):
        echo = part.body[again]
        del part.body[:again + 1]
        part.echo.append(echo.no)
        return [Removal(line.no, line.text, "split:before_title_repeat") for line in between] + \
            [Removal(echo.no, echo.text, "split:title_repeat")]
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
