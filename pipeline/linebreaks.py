"""line_breaks: paragraph breaks restored in a document whose text lost them.

Reports scraped into CSV/JSONL cells often come as one line; the outline (which reads
markers at line starts) and the run-in lead sentences (which read paragraph starts) then
find almost nothing. When a document's longest line is very long and holds most of its
characters (pipeline/rules/outline.toml [line_breaks]), that line is cut again into
paragraphs:

1. at a whitespace gap between Chinese text (the indentation "　　" of a lost paragraph start,
   folded to one space by clean);
2. before a heading marker (一、 （一） 1、 1．) that follows a sentence end, when its number
   fits (1, or the next number of its style);
3. before a paragraph opening ("各位代表！", "今年是…", "过去一年…") after a sentence end, and
   at the end of a heading without final punctuation: where such an opening follows it
   ("二、2025年工作安排今年是…"), or where, after the heading's comma, an adverb and a measure
   verb start the body ("（一）加快…改革，不断激发…活力全面实施改革攻坚行动…");
4. before a run-in lead sentence ("深化污染防治攻坚。完成…": short, starting with a measure
   verb, more text after it) — the paragraph starts the extract stage reads.

Inline enumerations (一是…二是…, ①…) stay inside their paragraph. The pieces keep their page
line number (tracing still leads to the page line), and the document's removal log gets one
``repair:line_breaks`` entry per repaired line saying how many breaks were restored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import rules as rule_files
from .markers import ItemRules
from .records import Document, Line, Page, Removal

RULE_ID = "repair:line_breaks"
_SPACE_GAP = re.compile(r"(?<=[^\sA-Za-z0-9.%])\s+(?=[^\sA-Za-z0-9])")


@dataclass(frozen=True)
class LineBreakRules:
    long_line_chars: int        # a line this long may be a collapsed document…
    long_line_share: float      # …when it holds this share of the document's characters
    openings: re.Pattern        # paragraph openings of work reports ("各位代表！", "今年是")
    sentence_end: str

    @classmethod
    def load(cls) -> "LineBreakRules":
        return _load()


@lru_cache(maxsize=1)
def _load() -> LineBreakRules:
    data = rule_files.load_toml("outline.toml")
    try:
        spec = data["line_breaks"]
        return LineBreakRules(int(spec["long_line_chars"]), float(spec["long_line_share"]),
                              re.compile(spec["opening_pattern"]), str(data["heading"]["sentence_end"]) + "。：:")
    except (KeyError, TypeError, ValueError, re.error) as exc:
        raise rule_files.RuleFileError(f"outline.toml [line_breaks]: {exc!r}") from exc


def run(doc: Document, page: Page, res) -> None:
    """Restore the paragraph breaks of ``doc.lines`` when the document lost them (see module doc)."""
    doc.lines, repairs = restore_lines(doc.lines, res.outline_rules)
    doc.removed.extend(repairs)


def restore_lines(lines: list[Line], rules: ItemRules, lb: LineBreakRules | None = None
                  ) -> tuple[list[Line], list[Removal]]:
    """The lines with every collapsed line cut into paragraphs, and one repair log entry per cut line."""
    lb = lb or LineBreakRules.load()
    total = sum(len(line.text) for line in lines)
    if not lines or total == 0:
        return lines, []
    out: list[Line] = []
    repairs: list[Removal] = []
    for line in lines:
        if len(line.text) < lb.long_line_chars or len(line.text) < lb.long_line_share * total:
            out.append(line)
            continue
        pieces = split_paragraphs(line.text, rules, lb)
        if len(pieces) == 1:
            out.append(line)
            continue
        out.extend(Line(line.no, p) for p in pieces)
        repairs.append(Removal(line.no, f"{len(pieces) - 1} paragraph breaks restored in a line of "
                                        f"{len(line.text)} characters", RULE_ID))
    return out, repairs


def split_paragraphs(text: str, rules: ItemRules, lb: LineBreakRules) -> list[str]:
    """``text`` (one collapsed line) cut at the restored paragraph breaks, pieces stripped."""
    cuts = set(m.start() for m in _SPACE_GAP.finditer(text))
    ends = [0] + [m.end() for m in re.finditer(f"[{re.escape(lb.sentence_end)}][”’」）)]?", text)]
    last_value: dict[str, int] = {}
    for pos in sorted(set(ends) | cuts):
        at = _skip_space(text, pos)
        if at >= len(text):
            continue
        marker = rules.match(text[at:at + 24])
        if marker is not None and marker.family == "heading" and not _inline_style(rules, marker.style):
            if marker.value == 1 or marker.value == last_value.get(marker.style, -1) + 1:
                last_value[marker.style] = marker.value
                cuts.add(at)
                heading_end = _heading_end(text, at + len(marker.text), rules, lb)
                if heading_end is not None:
                    cuts.add(heading_end)
            continue
        if lb.openings.match(text, at) or _is_lead(text, at, rules):
            cuts.add(at)
    pieces, start = [], 0
    for cut in sorted(cuts):
        if cut > start:
            pieces.append(text[start:cut])
            start = cut
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _inline_style(rules: ItemRules, name: str) -> bool:
    """Styles also read inside a line ((1), ①) stay where they are: they often run inline."""
    return any(s.name == name and s.inline is not None for s in rules.styles)


def _heading_end(text: str, after_marker: int, rules: ItemRules, lb: LineBreakRules) -> int | None:
    """Where a heading without final punctuation ends: at a paragraph opening within the
    heading's length ("二、2025年工作安排今年是…" → after "工作安排"); None when the heading
    ends with its own punctuation or no opening follows it."""
    limit = min(len(text), after_marker + rules.heading_max + 1)
    stop = next((k for k in range(after_marker, limit) if text[k] in lb.sentence_end), limit)
    commas = 0
    for k in range(after_marker + 2, stop):
        if text[k - 1] in "，,":
            commas += 1
            continue
        if lb.openings.match(text, k) and (commas or k <= after_marker + rules.plain_max):
            return k
        # "…，不断激发内生动力和活力全面实施改革攻坚行动": after the heading's second clause, an
        # adverb + measure verb glued to a noun starts the body
        if commas and text[k - 1] not in "、“”《》（）()" and text.startswith(rules.adverbs + rules.modal_prefixes, k) \
                and rules.starts_with_measure(text[k:k + rules.lead_max]):
            return k
    # "三、2025年重点工作围绕推动…": the heading's role cue, glued to a long body sentence
    sentence_end = next((k for k in range(after_marker, len(text)) if text[k] in lb.sentence_end), len(text))
    window = text[after_marker:min(sentence_end, after_marker + rules.plain_max + 1)]
    first_comma = min((window.find(c) for c in "，," if c in window), default=len(window))
    ends = [m.end() for _, pattern in rules.role_patterns for m in pattern.finditer(window[:first_comma])]
    if ends and sentence_end - (after_marker + max(ends)) >= rules.cue_max:
        return after_marker + max(ends)
    return None


def _is_lead(text: str, at: int, rules: ItemRules) -> bool:
    """Does a run-in lead sentence of a measure paragraph start at ``at``?"""
    window = text[at:at + rules.lead_max + 2]
    return rules.lead_sentence(window + "…", "measure") is not None and len(text) > at + len(window)
