"""extract: measures and problems as items, from the outline and from prose.

In: ``doc.sections`` (outline stage) and ``doc.lines``. Out: ``doc.items`` (records.Item) in
document order. Global: ``recurring_problems(docs)`` groups problem heads across documents
(see pipeline/analysis/recurring.py).

Where items come from, in this order of trust:
1. list items of sections whose role is problem or measure (a heading said so, or most of the
   list's heads did): every such section that is not a mere container ("二、对策和建议") is an
   item; its ``head`` is its heading or its first sentence without "要".
2. list items elsewhere (achievement, other): an item whose own head has a problem predicate
   is a problem ("（三）政府投诉电话的利用效果还有待改善"); items whose heads start with measure
   verbs are measures when most of their list does ("1、调整充实了…领导小组").
3. run-in lead sentences of unmarked paragraphs in problem/measure sections ("着力提升既有
   平台承载质效。有效发挥…"): a short first sentence of the section's kind is an item.
4. runs of 一是…二是… / ①②… / 首先…其次… inside a section's text: sub-items, of the section's
   kind when it has one.
5. prose in problem contexts (problems.toml [[prose]]): "还存在服务理念滞后、服务能力不强…等问题"
   gives one problem per listed phrase (source = "prose").
6. a report's problem passage ("我们也清醒看到…还面临不少困难和挑战。主要是：A；B，C。…"): one
   problem per stated problem of its clauses, and prose measure lists ("下一步，我们将：A；B；C。"):
   one measure per clause (pipeline/analysis/passages.py; source = "prose").
Items with the same kind and head are kept once (the first); a prose item whose text lies
inside the text of an outline item of its kind is that item stated again and is dropped.
"""
from __future__ import annotations

import re

import pandas as pd

from pipeline import rules as rule_files
from pipeline.analysis.passages import PassageRules, Statement, measure_lists, problem_passages
from pipeline.records import Document, Item, Page, Section
from pipeline.structure.item_rules import ItemRules, Marker
from pipeline.structure.outline import list_kind, section_head, sibling_lists

_QUOTED = re.compile(r"[“\"]([^”\"]{2,40})[”\"]")
_TERM_COLON = re.compile(r"^[^：:。，,]{1,20}[：:]")
# "一是经济恢复的基础尚不牢固": a listed clause keeps no list marker in its head
_LEADING_MARKER = re.compile(r"^(?:[一二三四五六七八九十]{1,2}是|[（(]?[一二三四五六七八九十\d]{1,2}[)）、.．]|[①-⑳])")


def run(doc: Document, page: Page, res) -> None:
    """Fill ``doc.items`` from the document's sections and lines; none for a legislative
    text (its genre has ``items = false`` in genres.toml: 条例, 规定, 办法, …), whose
    "证据不足的" are legal conditions, not problems. Runs after the genre stage."""
    if doc.genre and doc.genre in res.genre_classifier.taxonomy.without_items:
        doc.items = []
        return
    doc.items = extract_items(doc, res.outline_rules, int(res.config["extract"]["max_head_chars"]))


def extract_items(doc: Document, rules: ItemRules, max_head: int) -> list[Item]:
    """All items of a document, deduplicated by (kind, head), in document order."""
    found: list[tuple[int, int, Item]] = []      # (line index, offset, item) for ordering
    kinds = section_kinds(doc.sections, rules)
    paths = section_paths(doc.sections)
    for s in doc.sections:
        found.extend(_section_items(doc.doc_id, s, kinds[s.section_id], paths[s.section_id], rules, max_head))
    passage_items, spans = passage_statements(doc, rules, paths, max_head)
    found.extend(passage_items)
    found.extend(prose_problems(doc, rules, paths, max_head, skip=spans))
    found.sort(key=lambda t: (t[0], t[1]))
    outline_texts = {"measure": [], "problem": []}
    for _, _, item in found:
        if item.source == "outline":
            outline_texts[item.kind].append(item.text)
    items, seen = [], set()
    for _, _, item in found:
        key = (item.kind, item.head)
        if not item.head or key in seen:
            continue
        if item.source == "prose" and any(item.text in t for t in outline_texts[item.kind]):
            continue        # the outline already has it (a passage numbered 一是…二是…)
        seen.add(key)
        item.item_id = f"{doc.doc_id}/i{len(items) + 1}"
        items.append(item)
    return items


def section_kinds(sections: list[Section], rules: ItemRules) -> dict[str, str | None]:
    """Each section's item kind (measure, problem) or None when it is no item (a container
    such as "二、对策和建议", or a list item of no telling kind)."""
    has_children = {s.parent_id for s in sections if s.parent_id}
    by_id = {s.section_id: s for s in sections}
    kinds: dict[str, str | None] = {}
    for group in sibling_lists(sections):
        majority = list_kind(group, rules)
        for s in group:
            head = section_head(s, rules)
            own = rules.head_kind(head)
            if rules.is_topic(head) or _is_definition(s, rules):
                kinds[s.section_id] = None                       # "关于政法工作", a glossary entry: no item
            elif rules.heading_role(s.heading) and (s.section_id in has_children or own is None):
                kinds[s.section_id] = None                       # a container heading
            elif not s.marker and own != s.role:
                kinds[s.section_id] = None                       # an unmarked heading must say it itself
            elif s.role in ("problem", "measure") and _role_told_by_list(s, by_id, rules) and own != s.role:
                kinds[s.section_id] = None   # the list's majority gave the role; this head says otherwise
            elif s.role in ("problem", "measure"):
                kinds[s.section_id] = s.role
            elif own == "problem":
                kinds[s.section_id] = "problem"
            elif own == "measure" and majority == "measure" and s.role != "background":
                kinds[s.section_id] = "measure"
            else:
                kinds[s.section_id] = None
    return kinds


def _is_definition(s: Section, rules: ItemRules) -> bool:
    """A glossary entry: "5、城镇居民医保：全称城镇居民基本医疗保险。…"."""
    first = s.text.split("\n", 1)[0][len(s.marker):] if s.text.startswith(s.marker) else s.text.split("\n", 1)[0]
    m = _TERM_COLON.match(first.strip())
    return bool(m) and first.strip()[m.end():].lstrip().startswith(rules.definition_cues + ("指",))


def _role_told_by_list(s: Section, by_id: dict[str, Section], rules: ItemRules) -> bool:
    """Did the section get its role from its list's heads (no cue of its own, none inherited)?"""
    parent = by_id.get(s.parent_id) if s.parent_id else None
    return rules.heading_role(s.heading) is None and (parent.role if parent else "other") != s.role


def section_paths(sections: list[Section]) -> dict[str, str]:
    """Readable path of each section: "二、对策和建议 > 一是健全党建带妇建的工作机制"."""
    by_id = {s.section_id: s for s in sections}
    paths: dict[str, str] = {}
    for s in sections:
        label = (s.marker + (s.heading[:24] if s.heading else "")).strip() or s.text[:16]
        parent = paths.get(s.parent_id) if s.parent_id in by_id else None
        paths[s.section_id] = f"{parent} > {label}" if parent else label
    return paths


def _section_items(doc_id: str, s: Section, kind: str | None, path: str, rules: ItemRules,
                   max_head: int) -> list[tuple[int, int, Item]]:
    """The section's own item and the sub-items of the inline lists in its text."""
    out: list[tuple[int, int, Item]] = []
    runs = rules.inline_lists(s.text)
    own_text = s.text
    if runs and runs[0][0].start == 0:
        # the section's marker starts an inline run ("一是要…。二是要…。三是要…" on one line):
        # the section is the run's first item, the others are its siblings
        first, siblings = runs[0][0], runs[0][1:]
        own_text = (first.text + first.rest).rstrip()
        runs = [siblings] + runs[1:]
        sibling_kind = kind
    else:
        sibling_kind = None
    if kind:
        head = rules.head(section_head(s, rules), max_head)
        out.append((s.line_start, 0, _item(doc_id, s, kind, s.marker, head, own_text, path, "outline")))
    if s.role in ("problem", "measure"):
        out.extend(lead_items(doc_id, s, s.role, path, rules, max_head))
    for n, run in enumerate(runs):
        if n == 0 and sibling_kind:
            out.extend(_run_items(doc_id, s, run, sibling_kind, path, rules, max_head))
        else:
            # a run inside an item's text is kept only where its heads say the item's kind
            # themselves ("首先,由于…任务相当重" under a problem explains it, it is no problem)
            expected = kind if s.role in ("problem", "measure") else None
            out.extend(_run_items(doc_id, s, run, None, path, rules, max_head, only=expected))
    return out


def lead_items(doc_id: str, s: Section, kind: str, path: str, rules: ItemRules, max_head: int
               ) -> list[tuple[int, int, Item]]:
    """Items of ``kind`` stated by the run-in lead sentences of the section's unmarked body
    paragraphs ("着力提升既有平台承载质效。有效发挥…" under a measure heading); marker "",
    text = the paragraph. Plain prose paragraphs give nothing (see ItemRules.lead_sentence)."""
    out = []
    for k, paragraph in enumerate(s.text.split("\n")):
        if k == 0:
            continue        # the section's own marker or heading line
        lead = rules.lead_sentence(paragraph, kind)
        if lead is None:
            continue
        head = rules.head(lead, max_head)
        if head:
            out.append((s.line_start + k, 0, _item(doc_id, s, kind, "", head, paragraph.strip(), path, "outline")))
    return out


def _run_items(doc_id: str, s: Section, run: list[Marker], kind: str | None, path: str, rules: ItemRules,
               max_head: int, only: str | None = None) -> list[tuple[int, int, Item]]:
    """Items of one inline run: of ``kind`` when given, else each by its own head (measures
    only when most of the run are measures); with ``only``, just the items of that kind."""
    heads = [rules.head(m.rest, max_head) for m in run]
    own = [rules.head_kind(h) for h in heads]
    measures_rule = own.count("measure") * 2 >= len(own)
    out = []
    for m, head, k in zip(run, heads, own):
        item_kind = kind or (k if k == "problem" or (k == "measure" and measures_rule) else None)
        if (only and item_kind != only) or rules.is_topic(head):
            continue
        if item_kind:
            line = s.line_start + s.text.count("\n", 0, m.start)
            out.append((line, m.start + 1, _item(doc_id, s, item_kind, m.text, head, (m.text + m.rest).rstrip(), path, "outline")))
    return out


def _item(doc_id: str, s: Section | None, kind: str, marker: str, head: str, text: str, path: str,
          source: str) -> Item:
    return Item(doc_id=doc_id, item_id="", section_id=s.section_id if s else None, kind=kind, marker=marker,
                head=head, text=text, section=path, source=source)


# --- problems in prose ------------------------------------------------------------------
_PROSE: list[tuple[str, re.Pattern]] | None = None


def prose_patterns() -> list[tuple[str, re.Pattern]]:
    """The [[prose]] patterns of problems.toml, compiled once."""
    global _PROSE
    if _PROSE is None:
        specs = rule_files.load_toml("problems.toml").get("prose", [])
        try:
            _PROSE = [(p["name"], re.compile(p["pattern"])) for p in specs]
        except (KeyError, re.error) as exc:
            raise rule_files.RuleFileError(f"problems.toml [[prose]]: {exc!r}") from exc
    return _PROSE


def prose_problems(doc: Document, rules: ItemRules, paths: dict[str, str], max_head: int,
                   skip: dict[int, tuple[int, int]] | None = None) -> list[tuple[int, int, Item]]:
    """Problems listed inside sentences: one item per listed phrase that has a problem predicate
    (none inside ``skip``: line index → span of a problem passage, whose problems are its own)."""
    owner = _line_owners(doc.sections, len(doc.lines))
    generic = PassageRules.load().generic
    skip = skip or {}
    out = []
    for i, line in enumerate(doc.lines):
        for name, pattern in prose_patterns():
            for m in pattern.finditer(line.text):
                if i in skip and m.start() < skip[i][1] and m.end() > skip[i][0]:
                    continue
                for offset, phrase in split_problem_list(m.group("list"), quoted=name.startswith("quoted")):
                    phrase = _LEADING_MARKER.sub("", phrase.strip())
                    if not (4 <= len(phrase) <= max_head) or not rules.problem_predicate(phrase) \
                            or generic.search(phrase):
                        continue
                    if rules.starts_with_measure(phrase):
                        continue
                    s = owner[i]
                    out.append((i, m.start("list") + offset + 1,
                                _item(doc.doc_id, s, "problem", "", phrase, m.group(0), paths.get(s.section_id, "") if s else "",
                                      "prose")))
    return out


def passage_statements(doc: Document, rules: ItemRules, paths: dict[str, str], max_head: int = 40
                       ) -> tuple[list[tuple[int, int, Item]], dict[int, tuple[int, int]]]:
    """Items of the document's problem passages and prose measure lists (pipeline/analysis/passages.py),
    and the passages' spans (line index → (start, end))."""
    texts = [line.text for line in doc.lines]
    owner = _line_owners(doc.sections, len(doc.lines))
    told = _measure_told(doc.sections, rules)
    in_measures = {i for i, s in enumerate(owner) if s is not None and s.section_id in told}
    problems, spans = problem_passages(texts, rules, max_head, in_measures)
    out = []
    for st in problems + measure_lists(texts, rules, max_head):
        out.append((st.line, st.offset + 1, _statement_item(doc.doc_id, st, owner[st.line], paths)))
    return out, spans


def _measure_told(sections: list[Section], rules: ItemRules) -> set[str]:
    """Sections under a heading whose cue words say measures ("三、2025年主要任务", "…的建议"),
    the section itself included (a role the list's heads gave is not enough: the verb-led
    headings of last year's review give one too)."""
    by_id = {s.section_id: s for s in sections}
    told: set[str] = set()
    for s in sections:      # parents come first
        parent = by_id.get(s.parent_id) if s.parent_id else None
        if rules.heading_role(s.heading) == "measure" or (parent is not None and parent.section_id in told):
            told.add(s.section_id)
    return told


def _statement_item(doc_id: str, st: Statement, s: Section | None, paths: dict[str, str]) -> Item:
    return _item(doc_id, s, st.kind, "", st.head, st.text, paths.get(s.section_id, "") if s else "", "prose")


def split_problem_list(text: str, quoted: bool = False) -> list[tuple[int, str]]:
    """The phrases of a listed-problems span with their offsets: quoted phrases when the list
    is quoted (“A”和“B”), else the parts between 、，, (“…” quotes around a part are dropped)."""
    if quoted or "“" in text:
        return [(m.start(1), m.group(1)) for m in _QUOTED.finditer(text)]
    out, start = [], 0
    for m in re.finditer(r"[、，,；;]|以及|及", text + "、"):
        part = text[start:m.start()]
        stripped = part.strip("“”\"‘’ ")
        if stripped:
            out.append((start, stripped))
        start = m.end()
    return out


def _line_owners(sections: list[Section], n_lines: int) -> list[Section | None]:
    """For each line index, the section whose own lines contain it (None before the first)."""
    owner: list[Section | None] = [None] * n_lines
    for s in sections:
        for i in range(s.line_start, min(s.line_end, n_lines)):
            owner[i] = s
    return owner


def recurring_problems(docs: list[Document]) -> pd.DataFrame:
    """Problem heads of the non-duplicate documents grouped by aspect + predicate class, with
    counts by document, genre and year (see pipeline/analysis/recurring.py)."""
    from pipeline.analysis.recurring import group_problems

    return group_problems(docs)
