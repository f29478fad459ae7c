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
   Also where a heading names a result ("…，市场活力进一步激发|浦东引领区加快打造。"), and
   where a heading's last clause runs into the lead sentence (the lead starting at the first
   measure verb past the heading's own);
4. before a run-in lead sentence ("深化污染防治攻坚。完成…": short, starting with a measure
   verb, more text after it, stating no problem unless the problem word is its object:
   "防范化解…风险") — the paragraph starts the extract stage reads. Of leads in a row the
   shortest starts the paragraph (one holding a figure counts as a body sentence).

Inline enumerations (一是…二是…, ①…) stay inside their paragraph; a 一是 part several
sentences long was a paragraph (its heading ends like a marked one), and a 一是 run may start
right at a heading's end ("三、2025年重点工作一是…"). The pieces keep their page
line number (tracing still leads to the page line), and the document's removal log gets one
``repair:line_breaks`` entry per repaired line saying how many breaks were restored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline import rules as rule_files
from pipeline.analysis.passages import PassageRules, is_problem_part, passage_predicate
from pipeline.records import Document, Line, Page, Removal
from pipeline.structure.item_rules import ItemRules

RULE_ID = "repair:line_breaks"
_SPACE_GAP = re.compile(r"(?<=[^\sA-Za-z0-9.%])\s+(?=[^\sA-Za-z0-9])")


@dataclass(frozen=True)
class LineBreakRules:
    long_line_chars: int        # a line this long may be a collapsed document…
    long_line_share: float      # …when it holds this share of the document's characters
    openings: re.Pattern        # paragraph openings of work reports ("各位代表！", "今年是")
    paragraph_min_sentences: int  # a 一是… part this many sentences long was a paragraph of its own
    paragraph_min_chars: int    # a run-in lead this far after the last break starts a paragraph
    result_end: re.Pattern      # "…进一步激发": the end of a heading that names a result…
    frame_openers: tuple[str, ...]  # …after a subject, not after a frame ("在发展中稳步提升…")
    object_predicates: frozenset[str]  # problem words a measure lead names as its object ("…风险")
    figure_weight: int          # of leads in a row, the shortest starts the paragraph; a figure adds this
    sentence_end: str

    @classmethod
    def load(cls) -> "LineBreakRules":
        return _load()


@lru_cache(maxsize=1)
def _load() -> LineBreakRules:
    data = rule_files.load_toml("outline.toml")
    try:
        spec = data["line_breaks"]
        return LineBreakRules(
            long_line_chars=int(spec["long_line_chars"]), long_line_share=float(spec["long_line_share"]),
            openings=re.compile(spec["opening_pattern"]),
            paragraph_min_sentences=int(spec["paragraph_min_sentences"]),
            paragraph_min_chars=int(spec["paragraph_min_chars"]),
            result_end=re.compile(spec["result_end_pattern"]),
            frame_openers=tuple(str(w) for w in spec["result_frame_openers"]),
            object_predicates=frozenset(str(w) for w in spec["lead_object_predicates"]),
            figure_weight=int(spec["lead_figure_weight"]),
            sentence_end=str(data["heading"]["sentence_end"]) + "。：:")
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
    enumerators: list[tuple[int, str, int]] = []
    lead_ends: set[int] = set()           # the sentence after a heading's lead sentence
    chains: dict[int, int] = {}           # sentence start after a restored lead → that lead's cut
    for pos in sorted(set(ends) | cuts):
        at = _skip_space(text, pos)
        if at >= len(text):
            continue
        marker = rules.match(text[at:at + 24])
        if marker is not None and (marker.family == "enumerator" or not _inline_style(rules, marker.style)):
            if marker.value == 1 or marker.value == last_value.get(marker.style, -1) + 1:
                last_value[marker.style] = marker.value
                if marker.family == "enumerator":
                    enumerators.append((at, marker.style, marker.value))
                    continue
                cuts.add(at)
                heading_end = _heading_end(text, at + len(marker.text), rules, lb)
                if heading_end is not None:
                    cuts.add(heading_end)
                    lead_ends.add(_skip_space(text, text.find("。", heading_end) + 1))
                    # "三、2025年重点工作一是聚焦…": a 一是 run that starts the heading's body
                    first = rules.match(text[heading_end:heading_end + 24])
                    if first is not None and first.family == "enumerator" and first.value == 1:
                        last_value[first.style] = 1
                        enumerators.append((heading_end, first.style, 1))
            continue
        if lb.openings.match(text, at):
            cuts.add(at)
        elif at in chains and _is_lead(text, at, rules, lb):
            # leads in a row ("…数字化转型。持续提升社会保障水平。全面实施个人养老金制度。"):
            # one of them starts the paragraph, the others end the last paragraph or open the
            # body; the shortest is the headline (one with a figure counts as a body sentence),
            # the later one on a tie
            chosen = chains.pop(at)
            if _lead_weight(text, at, lb) <= _lead_weight(text, chosen, lb):
                cuts.discard(chosen)
                cuts.add(at)
                chosen = at
            chains[_skip_space(text, text.find("。", at) + 1)] = chosen
        elif _is_lead(text, at, rules, lb) and at not in lead_ends \
                and at - max((c for c in cuts if c <= at), default=0) >= lb.paragraph_min_chars:
            cuts.add(at)
            chains[_skip_space(text, text.find("。", at) + 1)] = at
    for at in _paragraph_enumerators(text, enumerators, cuts, lb):
        cuts.add(at)
        # "二是大力推进新型工业化，加快构建现代化产业体系强化科技创新引领。": a 一是 paragraph's
        # heading glued to its body ends like a marker heading
        marker = rules.match(text[at:at + 24])
        heading_end = _heading_end(text, at + len(marker.text), rules, lb) if marker is not None else None
        if heading_end is not None:
            cuts.add(heading_end)
    pieces, start = [], 0
    for cut in sorted(cuts):
        if cut > start:
            pieces.append(text[start:cut])
            start = cut
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


def _paragraph_enumerators(text: str, found: list[tuple[int, str, int]], cuts: set[int], lb: LineBreakRules
                           ) -> list[int]:
    """The 一是/首先 markers that started paragraphs: those whose part (up to the next marker of
    their run, or the next break) holds several sentences; short parts are an inline run."""
    out = []
    breaks = sorted(cuts)
    for n, (at, style, value) in enumerate(found):
        nxt = next((a for a, s, v in found[n + 1:] if s == style and v == value + 1), None)
        later = [b for b in breaks if b > at]
        end = min([x for x in (nxt, later[0] if later else None) if x is not None], default=len(text))
        if sum(text.count(c, at, end) for c in "。！？!?") >= lb.paragraph_min_sentences:
            out.append(at)
    return out


def _lead_weight(text: str, at: int, lb: LineBreakRules) -> int:
    """How unlike a paragraph's headline the sentence at ``at`` is: its length, and
    ``lb.figure_weight`` more when it holds a figure ("引进亿元以上项目超500个")."""
    end = text.find("。", at)
    sentence = text[at:end if end >= 0 else len(text)]
    return len(sentence) + (lb.figure_weight if any(c.isdigit() for c in sentence) else 0)


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
    for k in range(after_marker + 2, stop):
        if lb.openings.match(text, k):
            return k
    # "三、2025年重点工作围绕推动…": the heading's role cue, glued to a long body sentence
    sentence_end = next((k for k in range(after_marker, len(text)) if text[k] in lb.sentence_end), len(text))
    window = text[after_marker:min(sentence_end, after_marker + rules.plain_max + 1)]
    first_comma = min((window.find(c) for c in "，," if c in window), default=len(window))
    ends = [m.end() for _, pattern in rules.role_patterns for m in pattern.finditer(window[:first_comma])]
    if ends and sentence_end - (after_marker + max(ends)) >= rules.cue_max \
            and window[max(ends):max(ends) + 1] not in ("和", "与", "及", "、"):
        return after_marker + max(ends)
    # "（一）加快…改革，不断激发内生动力和活力全面实施改革攻坚行动": after the comma of a measure
    # heading, an adverb and a measure verb glued to a noun start the body
    verb_led = _verb_led(text[after_marker:stop], rules)
    commas, clause_start = 0, after_marker
    for k in range(after_marker + 2, stop):
        if text[k - 1] in "，,":
            commas, clause_start = commas + 1, k
        elif commas and verb_led and text[k - 1] not in "、“”《》（）()" \
                and _verb_led(text[clause_start:k], rules) \
                and text.startswith(rules.adverbs + rules.modal_prefixes, k) \
                and rules.starts_with_measure(text[k:k + rules.lead_max]):
            return k
    # "（七）坚持…，务实发展民生事业发挥政府、市场…": the heading's last clause runs on into the body
    # (no sentence end before the next comma): the last measure verb of that clause starts the body
    # "（三）持续保障和改善民生，增进人民福祉稳定和扩大就业。…": a measure heading's last clause
    # runs on into the body's lead sentence (or into its first clause): the last measure verb of
    # that clause starts the body
    # "（二）坚持把…作为主攻方向，构建…现代化产业体系推动工业经济聚势突破。": the heading
    # (within heading_max) and the lead sentence together may run past heading_max
    comma = next((k for k in range(after_marker, stop) if text[k] in "，,"), None)
    if comma is None or not _verb_led(text[after_marker:comma], rules):
        return None
    clause_start = comma + 1
    clause_end = next((k for k in range(clause_start, len(text)) if text[k] in "，,、；;：:。！？!?"), len(text))
    # "（二）全方位推进…改革开放，市场活力和社会创造力进一步激发浦东引领区加快打造。": a heading
    # naming a result (a subject, then an adverb and its verb) ends after that verb
    result = lb.result_end.search(text, clause_start, clause_end)
    if result is not None and result.start() - clause_start >= 2 and clause_end - result.end() >= rules.plain_min \
            and result.end() - after_marker <= rules.heading_max \
            and not _verb_led(text[clause_start:result.start()], rules) \
            and not text.startswith(lb.frame_openers, clause_start) \
            and not any(c.isspace() for c in text[clause_start:result.end()]) \
            and not text.startswith(rules.adverbs, result.end() - 2):
        return result.end()
    sentence = text[clause_end:clause_end + 1] in ("。", "！", "？", "!", "?")
    limit = clause_end if not sentence else min(clause_end, after_marker + rules.heading_max + rules.lead_max)
    if clause_end - after_marker > rules.heading_max and not (sentence and clause_end == limit):
        return None
    shortest = rules.plain_min if sentence else 2       # "全面提升城市|治理水平。" is one heading
    # a verb right after an adverb is the heading's own predicate ("人民生活品质进一步改善")
    verbs = [k for k in range(clause_start + rules.plain_min, clause_end - shortest + 1)
             if k - after_marker <= rules.heading_max and text[k - 1] not in "“”《》（）()"
             and not text[clause_start:k].endswith(rules.adverbs)
             and rules.starts_with_measure(text[k:clause_end])
             and not (text.startswith(rules.noun_suffixes, k + 2)    # "协调性": a noun, but
                      and not text.startswith(rules.nominalizer_exceptions, k + 2))]    # "防范化解"
    if not verbs:
        return None
    # a lead sentence starts at the first verb past the heading's own ("因地制宜培育新质生产力|
    # 推动科技创新和产业创新深度融合。", not at "创新深度融合"); a run-on clause at its last
    return verbs[0] if sentence else verbs[-1]


def _verb_led(heading: str, rules: ItemRules) -> bool:
    """Does a heading start like a measure (a measure verb, or an adverb/modal word before one)?"""
    return rules.starts_with_measure(heading) or heading.startswith(rules.adverbs + rules.modal_prefixes)


def _is_lead(text: str, at: int, rules: ItemRules, lb: LineBreakRules) -> bool:
    """Does a run-in lead sentence of a measure paragraph start at ``at``?"""
    window = text[at:at + rules.lead_max + 2]
    lead = rules.lead_sentence(window + "…", "measure")
    if lead is not None and (any(c in lead for c in "，,；;") or len(lead) > rules.cue_max):
        return False    # a paragraph's lead is a short headline; "推动…，提升…" is a sentence inside one
    if lead is None or len(text) <= at + len(window):
        return False
    # "维护社会稳定…形势依然严峻" opens with a verb but states a problem: a clause of a passage;
    # "防范化解地方债务风险", "突出抓好…" only name what the measure acts on, or use it as a verb
    return not is_problem_part(lead, PassageRules.load(), rules) \
        or passage_predicate(lead, rules) in lb.object_predicates
