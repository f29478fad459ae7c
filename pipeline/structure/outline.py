"""outline: a document's numbered structure → a tree of sections, each with a role.

In: ``doc.lines`` (cleaned). Out: ``doc.sections`` (records.Section), in document order.

How a line becomes a section:
1. It starts with a marker (pipeline/rules/outline.toml: 一、 （一） 1、 1. （1） ① 一是 首先 第一，…)
   whose number fits: 1 opens a list; n continues an open list of the same style at n-1;
   最后 continues any open ordinal list. A number that fits nothing ("2、满意度值…" after a
   table note "注:1、…") is body text — unless the line reads as a short heading ("二、对策和建议"
   when part one had no "一、"). Markers inside a line never open sections.
2. Or it is an unmarked short line standing alone between body paragraphs (a "plain" heading).
   Short lines next to other short lines (a flattened table: "满意率%", "99.52") are body text.

Levels: heading styles rank by their first appearance in the document (the first style seen
is the top level); a style seen again closes the deeper ones. Enumerators (一是, 首先, 第一)
always nest under the open heading and are closed by any heading style.

Roles: a heading's cue words (outline.toml [roles]) give its section a role that its
descendants inherit; a list under no role (no heading says what it is) takes the role most of
its items' heads show: "一是重视不够，工作开展难…" is a problem list, "一、增强服务意识…" a
measure list. Everything else is ``other``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.records import Document, Page, Section
from pipeline.structure.item_rules import ItemRules, Marker

PLAIN = "plain"   # style name of unmarked headings


class OutlineRules(ItemRules):
    """The rules the outline and extract stages share (cached per worker by Resources)."""

    @classmethod
    def load(cls) -> "OutlineRules":
        from pipeline import rules

        return cls(rules.load_toml("outline.toml"), rules.load_toml("problems.toml"))


def run(doc: Document, page: Page, res) -> None:
    """Fill ``doc.sections`` from ``doc.lines``; bad text gives fewer sections, never an error."""
    rules = res.outline_rules
    texts = [line.text for line in doc.lines]
    doc.sections = build_sections(doc.doc_id, texts, rules)
    assign_roles(doc.sections, rules)


@dataclass
class _Open:
    """A section still open on the stack, with its marker style and number."""

    section: Section
    style: str
    family: str
    value: int
    index: int                  # the section's place in the list build_sections returns
    children: list = field(default_factory=list)


def build_sections(doc_id: str, texts: list[str], rules: ItemRules) -> list[Section]:
    """Sections from the lines' texts. ``line_start`` is the index of the section's first
    line (its marker line), ``line_end`` one past its last own line (exclusive), so the own
    lines of different sections never overlap."""
    sections: list[Section] = []
    own_lines: list[list[str]] = []  # each section's lines (joined at the end: no quadratic +=)
    stack: list[_Open] = []
    rank: dict[str, int] = {}        # heading style → order of first appearance
    for i, text in enumerate(texts):
        marker = rules.match(text)
        if marker is not None and not _fits(marker, stack, rules):
            marker = None
        if marker is None and _is_plain_heading(texts, i, rules):
            marker = Marker(PLAIN, "heading", 1, "", text.strip())
        if marker is None:
            if stack:  # a body line of the innermost open section
                top = stack[-1]
                own_lines[top.index].append(text)
                top.section.line_end = i + 1
            continue
        parent = _place(marker, stack, rank)
        heading = rules.run_in_heading(marker.rest) if marker.style != PLAIN else marker.rest
        section = Section(doc_id=doc_id, section_id=f"{doc_id}/s{len(sections) + 1}",
                          parent_id=parent.section.section_id if parent else None,
                          level=len(stack) + 1, marker=marker.text, heading=heading, role="other",
                          text=text, line_start=i, line_end=i + 1)
        stack.append(_Open(section, marker.style, marker.family, marker.value, len(sections)))
        sections.append(section)
        own_lines.append([text])
    for section, lines in zip(sections, own_lines):
        section.text = "\n".join(lines)
    return sections


def _fits(marker: Marker, stack: list[_Open], rules: ItemRules) -> bool:
    """Does the marker's number fit: 1 (a new list), the next number of an open list of its
    style, 最后 after an open ordinal list, or a short Chinese-numbered heading ("二、对策和建议")?"""
    if marker.value == 1:
        return True
    open_same = [o for o in stack if o.style == marker.style]
    if open_same:
        last = open_same[-1].value
        if marker.value == last + 1 or (marker.value == 0 and marker.style == "ordinal"):
            return True
        return False
    # a Chinese-numbered short heading whose earlier siblings are missing (a part cut off)
    return marker.style in ("cn_dun", "cn_paren") and rules.is_heading_text(marker.rest) \
        and 2 <= len(marker.rest) <= rules.cue_max and not any(c in marker.rest for c in ":：")


def _place(marker: Marker, stack: list[_Open], rank: dict[str, int]) -> _Open | None:
    """Pop the stack to where the marker's section belongs; return its parent (or None)."""
    same = [j for j, o in enumerate(stack) if o.style == marker.style]
    if same:
        del stack[same[-1]:]
    elif marker.family == "heading":
        # a heading style closes open enumerators, and headings ranked at or below it
        r = rank.setdefault(marker.style, len(rank))
        while stack and (stack[-1].family == "enumerator" or rank.get(stack[-1].style, 0) >= r):
            stack.pop()
    if marker.family == "heading":
        rank.setdefault(marker.style, len(rank))
    return stack[-1] if stack else None


def _is_plain_heading(texts: list[str], i: int, rules: ItemRules) -> bool:
    """An unmarked short line between two body paragraphs, the one before it finished (a
    line cut out of a sentence, such as a link's text, follows no sentence end)."""
    if not rules.is_plain_heading(texts[i]):
        return False
    before = texts[i - 1].rstrip() if i > 0 else ""
    after = texts[i + 1] if i + 1 < len(texts) else ""
    return len(before) >= rules.body_min and len(after) >= rules.body_min \
        and before[-1] in rules.sentence_end + "。”" and after[0] not in rules.clause_end + "》”）)"


def assign_roles(sections: list[Section], rules: ItemRules) -> None:
    """Set each section's role: its heading's cue role, else its parent's role, else the role
    most heads of its list show (problem or measure), else ``other``."""
    by_id = {s.section_id: s for s in sections}
    cue = {s.section_id: _cue_role(s, rules) for s in sections}
    for s in sections:  # document order: parents come before children
        parent = by_id.get(s.parent_id) if s.parent_id else None
        s.role = cue[s.section_id] or (parent.role if parent else "other")
    for group in sibling_lists(sections):
        if any(cue[s.section_id] for s in group):
            continue
        if group[0].role not in ("other", "background", "achievement"):
            continue
        kind = list_kind(group, rules)
        if kind and group[0].role == "other":
            # the list's own items take the role; their details keep theirs
            for s in group:
                s.role = kind


def _cue_role(section: Section, rules: ItemRules) -> str | None:
    """The role a heading's cue words give, unless the heading is itself an item of another
    kind: "着力解决经济运行中的突出问题" has the problem cue 突出问题 but is a measure."""
    role = rules.heading_role(section.heading)
    if role in ("problem", "measure"):
        own = rules.head_kind(rules.head(section.heading))
        if own and own != role:
            return own
    return role


def sibling_lists(sections: list[Section]) -> list[list[Section]]:
    """Sections grouped into lists: same parent and same marker style, in document order."""
    groups: dict[tuple, list[Section]] = {}
    for s in sections:
        groups.setdefault((s.parent_id, _style_key(s.marker)), []).append(s)
    return list(groups.values())


def _style_key(marker: str) -> str:
    """A marker's style shape: "（三）" → "（一）"-like key, "3." → "1.", "三是" → "一是"."""
    out = []
    for ch in marker:
        if ch.isdigit():
            ch = "1"
        elif ch in "一二三四五六七八九十百" or ch in "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳":
            ch = "一"
        elif ch in "(（":
            ch = "("
        elif ch in ")）":
            ch = ")"
        elif ch in "．.":
            ch = "."
        out.append(ch)
    key = "".join(out)
    while "11" in key or "一一" in key:
        key = key.replace("11", "1").replace("一一", "一")
    if marker.startswith(("首先", "其次", "再次", "然后", "最后", "第")):
        key = "ordinal"
    return key


def list_kind(group: list[Section], rules: ItemRules) -> str | None:
    """``problem`` or ``measure`` when at least half the list's heads show it, else None."""
    kinds = [rules.head_kind(section_head(s, rules)) for s in group]
    n = len(kinds)
    problems, measures = kinds.count("problem"), kinds.count("measure")
    if problems * 2 >= n and problems > measures:
        return "problem"
    if measures * 2 >= n and measures >= problems and measures > 0:
        return "measure"
    return None


def section_head(section: Section, rules: ItemRules) -> str:
    """The short form of a section as a list item: its heading, else its first sentence."""
    if section.heading:
        return rules.head(section.heading)
    first_line = section.text.split("\n", 1)[0]
    rest = first_line.strip()
    if section.marker and rest.startswith(section.marker):
        rest = rest[len(section.marker):]
    return rules.head(rest)
