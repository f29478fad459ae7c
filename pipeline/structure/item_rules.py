"""Markers and list items: what a numbered line says, read from pipeline/rules/outline.toml.

``ItemRules.load()`` reads the marker styles, heading limits, role cues (outline.toml) and the
problem predicates (problems.toml) once. Its methods answer the small questions the outline
and extract stages ask of one line or one item:

- ``match(line)``: the marker a line starts with (style, value, marker text, the rest);
- ``inline_lists(text)``: runs of 一是…二是… / ①… markers inside a paragraph;
- ``head(rest)``: an item's short form ("一是要加强组织领导。各省…" → "加强组织领导");
- ``head_kind(head)``: measure / problem / None from the head's own words;
- ``heading_role(heading)``: the role a heading's cue words give.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline import rules

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_QUOTES = "“”\"‘’'「」"


def cn_number(text: str) -> int | None:
    """Value of a small Chinese or Arabic number: "十二" → 12, "二十" → 20, "3" → 3, "③" → 3."""
    if len(text) == 1 and text in _CIRCLED:
        return _CIRCLED.index(text) + 1
    if text.isdecimal():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


@dataclass(frozen=True)
class MarkerStyle:
    name: str
    family: str                 # heading | enumerator
    at_start: re.Pattern        # the pattern anchored at the start of a line
    inline: re.Pattern | None   # the pattern after a sentence/clause end inside a line
    # the marker pattern anywhere, without context: no hit here, no inline hit (a cheap
    # pre-check: the inline pattern's look-behind start defeats the regex engine's prefix scan)
    screen: re.Pattern | None = None


@dataclass(frozen=True)
class Marker:
    style: str
    family: str
    value: int          # 1, 2, …; 0 for 最后 (ends a list of any length)
    text: str           # the marker as written: "一、", "（一）", "一是", "首先,"
    rest: str           # the line after the marker (inline runs: up to the next marker, unstripped)
    start: int = 0      # offset of the marker in the text searched (inline lists)


def _any_marker_start(patterns: list[str]) -> re.Pattern | None:
    """One regex matching where any of the styles' patterns matches at a line's start (their
    groups made non-capturing, so their names may repeat); None if a pattern refers back to
    a group by name, which that would break."""
    if any("(?P=" in p for p in patterns):
        return None
    return re.compile(r"\s*(?:" + "|".join("(?:" + re.sub(r"\(\?P<\w+>", "(?:", p) + ")" for p in patterns) + ")")


class ItemRules:
    """Marker styles, heading limits, role cues and kind cues; load once with ``load()``."""

    def __init__(self, outline: dict, problems: dict):
        try:
            self.styles = [self._style(s) for s in outline["styles"]]
            self._any_start = _any_marker_start([s["pattern"] for s in outline["styles"]])
            self.ordinal_words = {str(k): int(v) for k, v in outline["ordinal_words"].items()}
            heading = outline["heading"]
            self.heading_max = int(heading["max_chars"])
            self.run_in_max = int(heading["run_in_max_chars"])
            self.cue_max = int(heading["cue_max_chars"])
            self.plain_min = int(heading["plain_min_chars"])
            self.plain_max = int(heading["plain_max_chars"])
            self.body_min = int(heading["body_min_chars"])
            self.lead_max = int(heading["lead_max_chars"])
            self.sentence_end = str(heading["sentence_end"])
            self.clause_end = str(heading["clause_end"])
            self.role_order = list(outline["roles"]["order"])
            self.role_cues = {role: tuple(outline["roles"]["cues"][role]) for role in self.role_order}
            # each role's cue words as one literal alternation: one C-level scan per heading
            self.role_patterns = [(role, _literals_pattern(self.role_cues[role])) for role in self.role_order]
            items = outline["items"]
            self.modal_prefixes = tuple(sorted(items["modal_prefixes"], key=len, reverse=True))
            self.adverbs = tuple(sorted(items["adverbs"], key=len, reverse=True))
            self.measure_verbs = tuple(sorted(items["measure_verbs"], key=len, reverse=True))
            self.measure_prefixes = tuple(items["measure_prefixes"])
            self.prefixed_verbs = tuple(sorted(items["prefixed_measure_verbs"], key=len, reverse=True))
            self.verb_nominalizer = str(items["verb_nominalizer"])
            self.nominalizer_exceptions = tuple(items["nominalizer_exceptions"])
            self.topic_prefixes = tuple(items["topic_prefixes"])
            self.topic_suffixes = tuple(items["topic_suffixes"])
            self.definition_cues = tuple(items["definition_cues"])
            self.statement_patterns = tuple(re.compile(p) for p in items["statement_patterns"])
            self.achievement_endings = tuple(items["achievement_endings"])
            self.achievement_endings_always = tuple(items["achievement_endings_always"])
            self.predicates = tuple(sorted(problems["predicates"], key=len, reverse=True))
            self.clause_final_only = frozenset(problems["clause_final_only"])
            self.negators = tuple(problems["negators"])
            self.noun_suffixes = tuple(problems["noun_suffixes"])
        except (KeyError, TypeError, ValueError, re.error) as exc:
            raise rules.RuleFileError(f"outline.toml/problems.toml: bad or missing entry: {exc!r}") from exc
        unknown = set(self.role_order) - {"background", "achievement", "problem", "measure"}
        if unknown:
            raise rules.RuleFileError(f"outline.toml [roles].order: unknown roles {sorted(unknown)}; "
                                      "valid: background, achievement, problem, measure")
        self._clause_split = re.compile(f"[{re.escape(self.clause_end + self.sentence_end)}]")
        self._sentence_stop = re.compile(f"[{re.escape(self.sentence_end)}：:\n]")
        # lookup tables for the per-item questions (thousands of calls per report): the same
        # answers as scanning the word lists in order, without a Python loop over every word
        self._verbs_by_len = _by_length(self.measure_verbs)
        self._prefixed_verbs_by_len = _by_length(self.prefixed_verbs)
        peel = self.modal_prefixes + self.adverbs
        self._peel_rank = {}
        for rank, prefix in enumerate(peel):
            self._peel_rank.setdefault(prefix, rank)     # the first of duplicates wins, as in the scan
        self._peel_lengths = sorted({len(p) for p in peel})
        self._any_predicate = re.compile("|".join(re.escape(p) for p in self.predicates)) if self.predicates else None
        self._kinds: dict[str, str | None] = {}

    @classmethod
    def load(cls) -> "ItemRules":
        return _load_item_rules()

    @staticmethod
    def _style(spec: dict) -> MarkerStyle:
        family = spec.get("family", "heading")
        if family not in ("heading", "enumerator"):
            raise rules.RuleFileError(f"outline.toml style {spec.get('name')!r}: family must be heading or enumerator")
        pattern = spec["pattern"]
        inline = screen = None
        if spec.get("inline"):
            # inside a line a marker must follow a sentence or clause end (or a line start)
            inline = re.compile(r"(?:^|(?<=[。！？!?；;：:，,\n]))\s*(?P<marker>" + pattern + ")")
            screen = re.compile("(?P<marker>" + pattern + ")")
        return MarkerStyle(spec["name"], family, re.compile(r"\s*(?P<marker>" + pattern + ")"), inline, screen)

    # --- markers ---------------------------------------------------------------------
    def match(self, line: str) -> Marker | None:
        """The marker ``line`` starts with, or None."""
        if self._any_start is not None and self._any_start.match(line) is None:
            return None         # starts with no style's marker: one regex instead of one per style
        for style in self.styles:
            m = style.at_start.match(line)
            if m:
                value = self._value(m)
                if value is None:
                    continue
                return Marker(style.name, style.family, value, m.group("marker").strip(), line[m.end():].strip())
        return None

    def _value(self, m: re.Match) -> int | None:
        groups = m.groupdict()
        if groups.get("word"):
            return self.ordinal_words.get(groups["word"])
        if groups.get("n"):
            return cn_number(groups["n"])
        return None

    def inline_lists(self, text: str) -> list[list[Marker]]:
        """Runs of consecutive inline markers of one style (1, 2, 3 … or …, 最后) in ``text``,
        each run at least two long. A marker's ``rest`` runs to the next marker of its run
        (the last one to the end of its line)."""
        runs: list[list[Marker]] = []
        for style in self.styles:
            if style.inline is None or (style.screen is not None and not style.screen.search(text)):
                continue
            found = [(m.start("marker"), m.end(), self._value(m), m.group("marker")) for m in style.inline.finditer(text)]
            run: list[tuple] = []
            for hit in found:
                value = hit[2]
                if value == 1:
                    if len(run) >= 2:
                        runs.append(self._close_run(style, run, text))
                    run = [hit]
                elif run and (value == run[-1][2] + 1 or (value == 0 and style.name == "ordinal")):
                    run.append(hit)
            if len(run) >= 2:
                runs.append(self._close_run(style, run, text))
        runs.sort(key=lambda r: r[0].start)
        return runs

    @staticmethod
    def _close_run(style: MarkerStyle, run: list[tuple], text: str) -> list[Marker]:
        out = []
        for i, (start, end, value, marker) in enumerate(run):
            stop = run[i + 1][0] if i + 1 < len(run) else len(text)
            if i + 1 == len(run):
                newline = text.find("\n", end)
                stop = newline if newline >= 0 else len(text)
            # rest is kept unstripped so that marker + rest is exactly text[start:stop]
            out.append(Marker(style.name, style.family, value, marker, text[end:stop], start))
        return out

    # --- headings and heads -------------------------------------------------------------
    def is_heading_text(self, rest: str) -> bool:
        """A marker line whose rest is one short clause group without an inner sentence end."""
        body = rest.rstrip(self.sentence_end + "。 ")
        return 0 < len(body) <= self.heading_max and not any(c in self.sentence_end for c in body)

    def run_in_heading(self, rest: str) -> str:
        """The heading a marker line carries: all of a short heading line, else a short first
        sentence ("重视不够,工作开展难。由于…" → "重视不够,工作开展难"), else ""."""
        if self.is_heading_text(rest):
            return rest.rstrip(self.sentence_end + "。 ").strip()
        first = self.first_sentence(rest)
        return first if len(first) <= self.run_in_max else ""

    def lead_sentence(self, paragraph: str, kind: str) -> str | None:
        """The run-in lead of an unmarked paragraph when it states an item of ``kind``:
        "着力提升既有平台承载质效。有效发挥…" → "着力提升既有平台承载质效". The first sentence
        must be short (``lead_max_chars``), end with 。 or a colon, be followed by more text in
        the paragraph and, for a measure, start with a measure verb (for a problem, carry a
        problem predicate); plain prose ("更好发挥比较优势，主动谋划…。") gives None."""
        text = paragraph.strip()
        stop = next(self._sentence_stop.finditer(text), None)
        if stop is None or text[stop.start()] not in "。：:":
            return None
        lead = _strip_outer_quotes(text[:stop.start()])
        if not (4 <= len(lead) <= self.lead_max) or not text[stop.end():].strip():
            return None
        if any(c in self.clause_end for c in lead[-1:]) or self.is_topic(lead):
            return None
        if kind == "measure" and self.starts_with_measure(lead) and not self.is_statement(lead):
            return lead
        if kind == "problem" and self.head_kind(lead) == "problem":
            return lead
        return None

    def first_sentence(self, text: str) -> str:
        """Text up to the first sentence end (or a colon after at least four characters)."""
        for m in self._sentence_stop.finditer(text):
            i = m.start()
            if i < 4 and text[i] in "：:" and text[i] not in self.sentence_end:
                continue        # a colon in the first four characters does not end the sentence
            return text[:i].strip()
        return text.strip()

    def head(self, rest: str, max_chars: int = 40) -> str:
        """An item's short form: its first sentence without a leading 要 and without
        quotes around the whole; a long sentence is cut at the last clause end before
        ``max_chars`` (or at ``max_chars`` when it has none)."""
        text = rest.strip().lstrip("，,、：: ")
        if text.startswith("是要"):
            text = text[1:]
        if text.startswith("要") and not text.startswith(("要素", "要求", "要点", "要害", "要闻")):
            text = text[1:]
        head = _strip_outer_quotes(self.first_sentence(text))
        if len(head) > max_chars:
            cut = max((head.rfind(c, 0, max_chars) for c in self.clause_end), default=-1)
            if cut < 6:
                cut = max_chars
                if head.count("《", 0, cut) > head.count("》", 0, cut):  # do not cut inside a title
                    close = head.find("》", cut)
                    cut = close + 1 if close >= 0 else cut
            head = head[:cut]
        return head.rstrip(self.clause_end + " ")

    def is_plain_heading(self, text: str) -> bool:
        """An unmarked line that could be a heading: short, no sentence or clause punctuation
        at its end, not a number or a table cell."""
        t = text.strip()
        if not (self.plain_min <= len(t) <= self.plain_max):
            return False
        if any(c in self.sentence_end for c in t) or t[-1] in self.clause_end or t[-1] in "%％":
            return False
        if re.search(r"[（(]\d{1,2}[)）]$", t):  # "…调研报告(2)": a part title, not a heading
            return False
        digits = sum(c.isdigit() or c in ".%％-" for c in t)
        return digits < len(t) / 3

    # --- kinds and roles ----------------------------------------------------------------
    def heading_role(self, heading: str) -> str | None:
        """The role the first matching cue word gives a heading (order from outline.toml)."""
        if not heading or len(heading) > self.cue_max:
            return None
        for role, pattern in self.role_patterns:
            if pattern.search(heading):
                return role
        return None

    def starts_with_measure(self, head: str) -> bool:
        """Does the head start (after modal words and adverbs) with a measure verb?"""
        text = head
        for peeled in range(5):  # "要进一步全面加强…": peel a few prefixes, checking for a verb first
            if self._verb_at_start(text) or peeled and self._verb_at_start(text, self._prefixed_verbs_by_len):
                return True
            # the first prefix in list order (modal words, then adverbs) that the text starts with
            ranks = [self._peel_rank[text[:n]] for n in self._peel_lengths
                     if len(text) > n + 1 and text[:n] in self._peel_rank]
            if not ranks:
                return False
            prefix_len = len((self.modal_prefixes + self.adverbs)[min(ranks)])
            text = text[prefix_len:]
        return self._verb_at_start(text) or self._verb_at_start(text, self._prefixed_verbs_by_len)

    def _verb_at_start(self, text: str, verbs_by_len=None) -> bool:
        # "规范化服务型政府…" is a noun phrase, not the verb 规范; "防范化解…" is two verbs
        return any(text[:n] in verbs and not self._nominalized(text, n)
                   for n, verbs in (verbs_by_len or self._verbs_by_len))

    def _nominalized(self, text: str, n: int) -> bool:
        """Is the verb ``text[:n]`` made a noun by the suffix after it (规范化, 现代化)?"""
        return (text.startswith(self.verb_nominalizer, n)
                and not text.startswith(self.nominalizer_exceptions, n))

    def problem_predicate(self, head: str) -> str | None:
        """The first problem predicate of the head (clause-final-only ones at a clause end)."""
        # a clause is part of the head: only the predicates found in the head can match
        if self._any_predicate is None or not self._any_predicate.search(head):
            return None
        present = [pred for pred in self.predicates if pred in head]
        for clause in self._clause_split.split(head):
            clause = clause.strip(_QUOTES + " ")
            for pred in present:
                pos = clause.find(pred)
                if pos < 0:
                    continue
                if pred in self.clause_final_only and not clause.endswith(pred):
                    continue
                if clause[:pos].endswith(self.negators) or clause[pos + len(pred):].startswith(self.noun_suffixes):
                    continue        # "防风险", "补短板", "复杂性": no problem stated
                return pred
        return None

    def is_topic(self, head: str) -> bool:
        """A head that names a topic or defines a term ("关于政法工作", "教育助学方面",
        "物联网：是指…"): never an item, whatever its section's role."""
        return head.startswith(self.topic_prefixes) or head.endswith(self.topic_suffixes) \
            or any(cue in head for cue in self.definition_cues)

    def is_statement(self, head: str) -> bool:
        """A head that states rather than directs: a judgement ("加强同发展中国家的团结与合作，
        是中国外交政策的基本立足点") or a result ("聚力打好调结构突围战，产业动能明显增强",
        a heading of the review of last year's work). Never a measure."""
        text = head.rstrip("。；;！!")
        if any(p.search(text) for p in self.statement_patterns):
            return True
        # the result is a clause of its own, after a comma, and not itself a directive
        clauses = _COMMA.split(text)
        last = clauses[-1]
        if len(clauses) == 1:
            return False
        if last.endswith(self.achievement_endings_always):
            return True
        return (last.endswith(self.achievement_endings)
                and not last.startswith(self.measure_prefixes) and not self.starts_with_measure(last))

    def head_kind(self, head: str) -> str | None:
        """``measure`` (starts with a measure verb), ``problem`` (has a problem predicate) or None."""
        # outline and extract both ask about the same heads: answer each head once per worker
        try:
            return self._kinds[head]
        except KeyError:
            pass
        if len(self._kinds) >= 200_000:
            self._kinds.clear()
        kind = self._kinds[head] = self._head_kind(head)
        return kind

    def _head_kind(self, head: str) -> str | None:
        if not head or self.is_topic(head):
            return None
        if (head.startswith(self.measure_prefixes) or self.starts_with_measure(head)) and not self.is_statement(head):
            return "measure"
        if self.problem_predicate(head):
            return "problem"
        return None


_COMMA = re.compile("[，,]")


def _by_length(words: tuple[str, ...]) -> list[tuple[int, frozenset[str]]]:
    """The words grouped by length: ``text[:n] in group`` asks ``text.startswith(w)`` of all at once."""
    lengths: dict[int, set[str]] = {}
    for w in words:
        lengths.setdefault(len(w), set()).add(w)
    return [(n, frozenset(ws)) for n, ws in sorted(lengths.items())]


def _strip_outer_quotes(text: str) -> str:
    """Drop quotes around the whole text ("“重视不够”" → "重视不够"), never one of a pair
    ("推进“三去一降一补”" keeps its closing quote)."""
    text = text.strip()
    while len(text) >= 2 and text[0] in "“\"‘'「" and text[-1] in "”\"’'」" \
            and text.count(text[0]) == 1 and text.count(text[-1]) == 1:
        text = text[1:-1].strip()
    for a, b in (("“", "”"), ("「", "」"), ("‘", "’")):
        if text.startswith(a) and text.count(a) > text.count(b):
            text = text[1:]
        if text.endswith(b) and text.count(b) > text.count(a):
            text = text[:-1]
    return text.strip()


@lru_cache(maxsize=1)
def _load_item_rules() -> ItemRules:
    return ItemRules(rules.load_toml("outline.toml"), rules.load_toml("problems.toml"))


def _literals_pattern(words) -> re.Pattern:
    """A regex that finds any of the literal ``words`` (never matches when there are none)."""
    words = sorted({w for w in words if w}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)) if words else "(?!)")
