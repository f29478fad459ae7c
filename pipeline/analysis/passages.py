"""passages: problems and measures stated in a report's prose, not in its outline.

A **problem passage** is the paragraph where a report admits what is still wrong:
"我们也清醒看到，我省发展还面临不少困难和挑战。主要是：A；B，C。…我们一定直面问题…".
It opens at an awareness cue ("清醒认识到", "也要看到") or an admission lead that ends its
sentence ("还存在一些困难和问题：", "面临的问题和挑战。") — or, with neither, it is a paragraph
that looks back on its problems at its end ("…，等等。对这些问题，我们…"). It closes at a
closing clause ("我们一定…", "对这些问题…", "…决不辜负…") or at the end of the paragraph.
Its clauses (split at 。；：) are split into parts at commas. A part that states a problem
(a passage predicate, a need such as "还需加力", problems.toml [problem_passage]) is one
problem; its text runs from the part after the previous problem up to it, so an explanation
("上海经济外向度高，受外部影响首当其冲，稳外贸稳外资压力加大") stays with its problem. Parts
that only announce problems ("还面临不少困难和挑战", "主要是", "等等") are dropped, and
judgements of success ("有超大规模市场…等诸多优势条件") and promises end nothing but are no
problems; nor is a part that reasons (a condition, a concession, a cause, an example, a
generalisation: "如果任其发展下去…", "矛盾虽已有所缓解", "往往需要…才能…"), sets a scene ("在处理…的
关系上"), points back, lacks a subject ("给…造成严重损失") or names problems only in general
("矛盾比较集中", "旧矛盾和新矛盾相互交织"): older reports argue in prose around their problems.

A **prose measure list** is "下一步，我们将：A；B；C。": a lead ending in a colon, then
clauses separated by ； up to the sentence end, each starting with a measure verb.

Both return ``Statement`` records (line, offset, kind, head, text); pipeline/analysis/extract.py
makes items of them (source = "prose") and keeps the spans so that other prose patterns do
not state the same problem twice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline import rules as rule_files
from pipeline.structure.item_rules import ItemRules

_PART_SPLIT = re.compile(r"[，,]")
_CLAUSE = re.compile(r"[^。；;！!？?：:]+")
_ADVERBS = set("还仍也又就并且而都")      # a part starting with one of these has no subject of its own
_LEADING_MARKER = re.compile(r"^(?:[一二三四五六七八九十]{1,2}是|[（(]?[一二三四五六七八九十\d]{1,2}[)）、.．]|[①-⑳])")


@dataclass(frozen=True)
class Statement:
    """One problem or measure stated in prose: where (line index, offset in the line), its
    kind, a short head and the text that carries it."""

    line: int
    offset: int
    kind: str
    head: str
    text: str


@dataclass(frozen=True)
class PassageRules:
    """problems.toml [problem_passage] and [measure_list], compiled."""

    awareness_cues: re.Pattern
    lead: re.Pattern
    look_back: re.Pattern
    closing: re.Pattern
    predicates: re.Pattern
    needs: re.Pattern
    success: re.Pattern
    promises: re.Pattern
    generic: re.Pattern
    no_problem: re.Pattern
    prefixes: tuple[str, ...]
    continuations: tuple[str, ...]
    negators: tuple[str, ...]
    min_problem_share: float
    measure_lead: re.Pattern
    min_measures: int

    @classmethod
    def load(cls) -> "PassageRules":
        return _load_passage_rules()


@lru_cache(maxsize=1)
def _load_passage_rules() -> PassageRules:
    data = rule_files.load_toml("problems.toml")
    try:
        spec, measures = data["problem_passage"], data["measure_list"]
        return PassageRules(
            awareness_cues=_literals(spec["awareness_cues"]),
            lead=re.compile(spec["lead_pattern"]),
            look_back=re.compile(spec["look_back_pattern"]),
            closing=re.compile(spec["closing_pattern"]),
            predicates=_literals(list(data["predicates"]) + list(spec["predicates"])),
            needs=_literals(spec["need_words"]),
            success=_literals(spec["success_words"]),
            promises=_literals(spec["promise_words"]),
            generic=re.compile(spec["generic_pattern"]),
            no_problem=re.compile(spec["no_problem_pattern"]),
            prefixes=tuple(sorted(spec["strip_prefixes"], key=len, reverse=True)),
            continuations=tuple(spec["continuation_starts"]),
            negators=tuple(data["negators"]),
            min_problem_share=float(spec["min_problem_share"]),
            measure_lead=re.compile(measures["lead_pattern"]),
            min_measures=int(measures["min_clauses"]),
        )
    except (KeyError, TypeError, ValueError, re.error) as exc:
        raise rule_files.RuleFileError(f"problems.toml [problem_passage]/[measure_list]: {exc!r}") from exc


def _literals(words) -> re.Pattern:
    words = sorted({w for w in words if w}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)) if words else "(?!)")


# --- problem passages ------------------------------------------------------------------------
def problem_passages(texts: list[str], rules: ItemRules, max_head: int, in_measures: set[int] | None = None
                     ) -> tuple[list[Statement], dict[int, tuple[int, int]]]:
    """The problems of every problem passage in the lines ``texts``, and each passage's span
    (line index → (start, end) offsets in that line). Lines in ``in_measures`` (lines of
    measure sections) state a problem only in words that say so anywhere (see is_problem_part)."""
    in_measures = in_measures or set()
    pr = PassageRules.load()
    out: list[Statement] = []
    spans: dict[int, tuple[int, int]] = {}
    open_passage = False
    for i, text in enumerate(texts):
        begin, strict = passage_begin(text, pr)
        if begin is None and open_passage and not rules.match(text):
            begin, strict = 0, False        # the passage's paragraph was broken mid-sentence
        open_passage = False
        if begin is None:
            continue
        found, end, closed = _passage_problems(i, text, begin, strict, pr, rules, max_head, i in in_measures)
        if found:
            out.extend(found)
            spans[i] = (begin, end)
        # the passage goes on in the next line when this one broke off mid-sentence, or held
        # only its lead ("…还存在一些问题和不足。" and the problems in the next paragraph)
        open_passage = not closed and not strict and \
            (not found or not text.rstrip().endswith(tuple(rules.sentence_end + "。")))
    return out, spans


def passage_begin(text: str, pr: PassageRules) -> tuple[int | None, bool]:
    """Where the listed problems of a passage in this line begin (None: no passage), and
    whether the passage had no opening cue (then it must look back on its problems at its end)."""
    starts = []
    m = pr.awareness_cues.search(text)
    if m:
        starts.append((m.start(), m.end()))
    lead = pr.lead.search(text)
    if lead:
        starts.append((lead.start(), lead.end()))
    if starts:
        return min(starts)[1], False
    if pr.look_back.search(text):
        return 0, True
    return None, False


def _passage_problems(line: int, text: str, begin: int, strict: bool, pr: PassageRules, rules: ItemRules,
                      max_head: int, in_measures: bool = False) -> tuple[list[Statement], int, bool]:
    out: list[Statement] = []
    end, closed = begin, False
    clauses = telling = 0
    for m in _CLAUSE.finditer(text, begin):
        clause = m.group(0)
        if pr.closing.search(clause.strip()):
            closed = True
            break
        end = m.end()
        found = _clause_problems(line, m.start(), clause, pr, rules, max_head, in_measures)
        out.extend(found)
        if len(clause.strip()) >= 4:
            clauses += 1
            telling += bool(found) or any(pr.generic.search(_strip_prefixes(part, pr)) for _, part in _parts(clause))
    if strict and len(out) < 3:
        return [], end, closed      # without an opening cue, a look back on a few problems is no passage
    if not strict and clauses and telling < pr.min_problem_share * clauses:
        return [], end, closed      # an argument that mentions problems, not a list of them
    return out, end, closed


def _clause_problems(line: int, at: int, clause: str, pr: PassageRules, rules: ItemRules,
                     max_head: int, in_measures: bool = False) -> list[Statement]:
    """The problems of one clause: one per problem part, carrying the parts before it."""
    parts = _parts(clause)
    out: list[Statement] = []
    pending: list[tuple[int, str, bool]] = []      # (offset, part, is an announcement)
    previous = ""
    for offset, part in parts:
        core = _strip_prefixes(part, pr)
        if not core or pr.generic.search(core):
            # an announcement ("政府工作存在不足", "主要是"): no problem, only context for the next one
            pending.append((offset, part, True))
            continue
        if not is_problem_part(core, pr, rules, in_measures):
            pending.append((offset, part, False))
            previous = core
            continue
        head = core
        if core.startswith(pr.continuations) and previous:
            # "还很不适应" continues the part before it: that problem's text, or its head
            if not pending and out:
                last = out[-1]
                out[-1] = Statement(last.line, last.offset, last.kind, last.head, f"{last.text}，{part}")
                continue
            if not pr.no_problem.search(previous) or core[:1] in _ADVERBS:
                # the subject it lacks; a scene or a concession before it is none ("在处理…的关系上，
                # 对提高…还缺乏…"), unless the part has nothing but an adverb to start with ("又难以…")
                head = f"{previous}，{core}"
        head = _tidy(rules.head(head, max_head))
        if head != core and not _has_predicate(head, pr, rules):
            head = _tidy(rules.head(core, max_head))    # the joined head was cut before its predicate
        if len(core) > max_head and not is_problem_part(head, pr, rules):
            head = _tail(core, max_head)    # "教育、就业…等关系群众切身利益的问题不少": keep the predicate
        start = pending[0][0] if pending else offset
        text = clause[start:offset + len(part)].strip("，, ")
        if len(head) >= 4:
            out.append(Statement(line, at + start, "problem", head, text))
        pending = []
        previous = core
    while pending and pending[-1][2]:
        pending.pop()       # a closing announcement is no one's context
    if out and pending:
        last = out[-1]      # trailing parts ("…，教训极其深刻") stay with the clause's last problem
        tail = clause[pending[0][0]:pending[-1][0] + len(pending[-1][1])]
        out[-1] = Statement(last.line, last.offset, last.kind, last.head, f"{last.text}，{tail.strip('，, ')}")
    return out


def is_problem_part(part: str, pr: PassageRules, rules: ItemRules, in_measures: bool = False) -> bool:
    """Does a comma part of a passage clause state a problem: a problem or passage predicate
    not undone by a measure verb before it ("防风险", "补短板"), or a need ("还需加力"), and no
    judgement of success? With ``in_measures`` (a passage under a measure heading) only a head
    the extractor would call a problem anywhere counts."""
    if pr.promises.search(part):
        return False    # "还必须进行紧张的努力": an exhortation
    if pr.no_problem.search(part):
        return False    # "如果任其发展下去…", "矛盾比较集中": reasons, or names problems only in general
    if in_measures:
        # in a measure section only a part that says so itself ("腐败现象…比较严重"), not one
        # that plans or promises ("用三年时间基本解决…问题", "再推进到…困难行业")
        return rules.head_kind(part) == "problem"
    if pr.needs.search(part):
        return True     # "生态优势有待深度挖掘": a need, whatever it names
    if pr.success.search(part) or part.endswith(rules.achievement_endings + rules.achievement_endings_always):
        return False    # "发展的抗冲击能力持续增强"
    for m in pr.predicates.finditer(part):
        before = part[:m.start()]
        if before.endswith(pr.negators) or part[m.end():].startswith(rules.noun_suffixes):
            continue
        return True
    return False


def _has_predicate(part: str, pr: PassageRules, rules: ItemRules) -> bool:
    """Does the part hold a problem or passage predicate that no measure verb undoes, or a need?"""
    if pr.needs.search(part):
        return True
    return any(not part[:m.start()].endswith(pr.negators) and not part[m.end():].startswith(rules.noun_suffixes)
               for m in pr.predicates.finditer(part))


def passage_predicate(head: str, rules: ItemRules) -> str | None:
    """The last problem or passage predicate of a head that no measure verb undoes ("风险隐患
    仍然较多" → "较多": a clause says its predicate last): how a problem stated in a passage
    is grouped with others."""
    pr = PassageRules.load()
    found = [m.group(0) for m in pr.predicates.finditer(head)
             if not head[:m.start()].endswith(pr.negators) and not head[m.end():].startswith(rules.noun_suffixes)]
    return found[-1] if found else None


def _parts(clause: str) -> list[tuple[int, str]]:
    """Comma parts of a clause with their offsets (a comma inside quotes splits nothing)."""
    out, start, depth = [], 0, 0
    for k, ch in enumerate(clause + "，"):
        if ch in "“（(《":
            depth += 1
        elif ch in "”）)》":
            depth = max(0, depth - 1)
        elif ch in "，," and depth == 0:
            part = clause[start:k]
            if part.strip():
                out.append((start + len(part) - len(part.lstrip()), part.strip()))
            start = k + 1
    return out


def _strip_prefixes(part: str, pr: PassageRules) -> str:
    part = _LEADING_MARKER.sub("", part.strip())
    for _ in range(2):
        for prefix in pr.prefixes:
            if part.startswith(prefix) and len(part) > len(prefix) + 1:
                part = part[len(prefix):].lstrip("，,、 ")
                break
    return part.strip()


def _tail(text: str, max_chars: int) -> str:
    """The end of a long part, from the first enumeration comma in its last ``max_chars``."""
    tail = text[-max_chars:]
    cut = tail.find("、")
    return _tidy(tail[cut + 1:] if 0 <= cut < len(tail) - 4 else tail)


def _tidy(head: str) -> str:
    """A head without a closing "等等"/"等" and without unbalanced quotes."""
    for tail in ("等等", "等"):
        if head.endswith(tail) and len(head) > len(tail) + 3:
            head = head[:-len(tail)]
    return head.rstrip("，,、 ")


# --- prose measure lists ---------------------------------------------------------------------
def measure_lists(texts: list[str], rules: ItemRules, max_head: int) -> list[Statement]:
    """Measures of "下一步，我们将：A；B；C。" lists: each ；-clause that starts with a measure
    verb, when at least ``min_clauses`` of the list do."""
    pr = PassageRules.load()
    out: list[Statement] = []
    for i, text in enumerate(texts):
        for lead in pr.measure_lead.finditer(text):
            stop = text.find("。", lead.end())
            body = text[lead.end():stop if stop >= 0 else len(text)]
            found = []
            for m in re.finditer(r"[^；;]+", body):
                clause = _LEADING_MARKER.sub("", m.group(0).strip())
                head = rules.head(clause, max_head)
                if len(head) >= 4 and rules.head_kind(head) == "measure":
                    found.append(Statement(i, lead.end() + m.start(), "measure", head, m.group(0).strip()))
            if len(found) >= pr.min_measures:
                out.extend(found)
    return out
