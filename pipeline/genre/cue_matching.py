"""Counting many regular expressions' matches in one text, trying only those that can match.

The genre stage counts every body cue of rules/genres.toml ("现将自查情况报告如下",
"(?:本次|这次)调查", …) in every body, three times (cue scores, decisive formulas, the model's
cue features). ``cue_match_table`` answers for a tuple of patterns at once, keeps the answers
for the last text, and runs a pattern only when the text may hold the literals any of its
matches contains (``required_literals``, checked for all patterns at once by ``_CueGates``):
the same counts and first matches as ``finditer``, property-tested in tests/test_cue_matches.py.
"""
from __future__ import annotations

import re

import numpy as np


def cue_matches(pattern: re.Pattern, text: str) -> tuple[int, str]:
    """``pattern``'s non-overlapping matches in ``text``: how many, and the first one's text
    ("" when none): ``len(list(pattern.finditer(text)))`` and its first ``group(0)``."""
    return cue_match_table((pattern,), text)[0]


def cue_match_table(patterns: tuple[re.Pattern, ...], text: str) -> list[tuple[int, str]]:
    """``[cue_matches(p, text) for p in patterns]``.

    The genre stage asks this of every body cue, up to three times per document (the cue
    scores, the decisive formulas, the model's cue features over the same text), so the
    answers for the last text are kept; and a pattern runs only when the text may hold every
    literal it needs (``required_literals``, ``_CueGates``): most cues cannot match most bodies."""
    memo = _LAST_TEXT
    if memo[0] is not text and memo[0] != text:
        memo[:] = [text, {}, None]
    answers = memo[1]
    numbers = _GATES.numbers_of(patterns)
    if numbers and (memo[2] is None or max(numbers) >= len(memo[2])):
        memo[2] = _GATES.open(text).tolist()
    opened = memo[2]
    table = []
    for pattern, number in zip(patterns, numbers):
        found = answers.get(number)
        if found is None:
            found = _NO_MATCH
            if opened[number]:
                n = 0
                for m in pattern.finditer(text):
                    if not n:
                        first = m.group(0)
                    n += 1
                if n:
                    found = (n, first)
            answers[number] = found
        table.append(found)
    return table


_NO_MATCH = (0, "")


class _CueGates:
    """The literal gates of every cue pattern asked about, checked for a text all at once.

    A text's characters and character bigrams set bits of a bitmap (hashed, so a bit may be
    set by another shingle: a gate may open needlessly, never close wrongly); a literal may be
    in the text when all its shingles' bits are set, a clause when one of its literals may,
    a pattern when all its clauses may (``required_literals``)."""

    BITS = 1 << 20

    def __init__(self):
        self.numbers: dict[tuple[str, int], int] = {}
        self.bits = np.zeros(self.BITS, dtype=bool)
        self._arrays = None
        self._tuples: dict[int, tuple] = {}

    def number(self, key: tuple[str, int]) -> int:
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers)
            self._arrays = None
        return self.numbers[key]

    def register(self, patterns) -> None:
        """Number every pattern now (one rebuild, not one per pattern as they are first asked)."""
        for p in patterns:
            self.number((p.pattern, p.flags))

    def numbers_of(self, patterns: tuple) -> list[int]:
        """The numbers of a tuple of patterns (kept per tuple: the stage asks with the same ones)."""
        found = self._tuples.get(id(patterns))
        if found is None or found[0] is not patterns:
            if len(self._tuples) > 256:
                self._tuples.clear()
            found = self._tuples[id(patterns)] = (patterns, [self.number((p.pattern, p.flags)) for p in patterns])
        return found[1]

    def open(self, text: str) -> np.ndarray:
        """Per pattern number: may the pattern match ``text``."""
        if self._arrays is None:
            self._arrays = self._build()
        shingles, lit_starts, clause_starts, pattern_starts, gated = self._arrays
        opened = np.ones(len(self.numbers), dtype=bool)
        if not len(shingles):
            return opened
        try:
            points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
        except UnicodeEncodeError:          # a lone surrogate: the code points one by one
            points = np.fromiter(map(ord, text), dtype=np.uint64, count=len(text))
        where = _bit(np.concatenate([points, (points[:-1] << np.uint64(21)) | points[1:]]))
        self.bits[where] = True
        literal_ok = np.logical_and.reduceat(self.bits[shingles], lit_starts)
        self.bits[where] = False
        clause_ok = np.logical_or.reduceat(literal_ok, clause_starts)
        opened[gated] = np.logical_and.reduceat(clause_ok, pattern_starts)
        return opened

    def _build(self):
        shingles, lit_starts, clause_starts, pattern_starts, gated = [], [], [], [], []
        for key, number in sorted(self.numbers.items(), key=lambda kv: kv[1]):
            clauses = required_literals(*key)
            if not clauses:
                continue
            gated.append(number)
            pattern_starts.append(len(clause_starts))
            for clause in clauses:
                clause_starts.append(len(lit_starts))
                for literal in clause:
                    lit_starts.append(len(shingles))
                    shingles.extend(_literal_shingles(literal))
        as_int = lambda xs: np.asarray(xs, dtype=np.int64)
        return (_bit(np.asarray(shingles, dtype=np.uint64)), as_int(lit_starts), as_int(clause_starts),
                as_int(pattern_starts), as_int(gated))


def _bit(keys: np.ndarray) -> np.ndarray:
    """A shingle's bit in ``_CueGates.bits`` (Fibonacci hashing of its key)."""
    return ((keys * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(44)).astype(np.int64)


def _literal_shingles(literal: str) -> list[int]:
    """The shingle keys a text holding ``literal`` holds: its character (a literal of one
    character) or its bigrams (``a << 21 | b``)."""
    points = [ord(c) for c in literal]
    if len(points) == 1:
        return points
    return [(a << 21) | b for a, b in zip(points, points[1:])]


_GATES = _CueGates()
register_cues = _GATES.register
_LAST_TEXT: list = [None, {}, None]     # text, its answers, its open gates


def required_literals(pattern: str, flags: int = 0) -> tuple[tuple[str, ...], ...]:
    """What any match of ``pattern`` contains: clauses, each a tuple of strings of which at
    least one occurs in the match (so a text lacking every string of a clause holds no
    match). Read from the parsed pattern: runs of literal characters, a class of literal
    characters, the alternatives of a branch when each has a clause, repeats of at least one;
    optional parts, lookarounds and anything else add nothing. Under IGNORECASE only
    characters without case count (Chinese, digits, punctuation): a letter may match in
    another case, so it ends a literal.

    >>> required_literals("现将(?:有关)?自查情况(?:报告|汇报)如下")
    (('自查情况',), ('如下',), ('现将',), ('报告', '汇报'))
    >>> required_literals("(?i)点击下载word")
    (('点击下载',),)
    """
    from re import _parser

    parsed = _parser.parse(pattern, flags)
    clauses = _clauses(parsed.data, bool(parsed.state.flags & re.IGNORECASE))
    return tuple(sorted(set(clauses), key=lambda c: (-min(map(len, c)), len(c), c)))


def _caseless(ch: str) -> bool:
    """A character that IGNORECASE matches only as itself (re compiles it as a plain literal)."""
    import _sre

    return not _sre.unicode_iscased(ord(ch))


def _clauses(items, ignore_case: bool) -> list[tuple[str, ...]]:
    from re import _constants as sre

    clauses, run = [], []
    for op, av in items:
        if op is sre.LITERAL and not (ignore_case and not _caseless(chr(av))):
            run.append(chr(av))
            continue
        if run:
            clauses.append(("".join(run),))
            run = []
        if op is sre.SUBPATTERN:
            _, add_flags, del_flags, body = av
            clauses += _clauses(body, (ignore_case or bool(add_flags & re.IGNORECASE))
                                and not del_flags & re.IGNORECASE)
        elif op is sre.ATOMIC_GROUP:
            clauses += _clauses(av, ignore_case)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, _, body = av
            if low >= 1:
                clauses += _clauses(body, ignore_case)
        elif op is sre.IN:
            chars = {chr(c) for o, c in av if o is sre.LITERAL}
            if av and len(chars) == len(av) and not (ignore_case and not all(map(_caseless, chars))):
                clauses.append(tuple(sorted(chars)))
        elif op is sre.BRANCH:
            per_branch = [_clauses(branch, ignore_case) for branch in av[1]]
            if all(per_branch):      # each alternative's strongest clause: one of them is in the match
                best = [max(b, key=lambda c: (min(map(len, c)), -len(c))) for b in per_branch]
                clauses.append(tuple(sorted({lit for c in best for lit in c})))
    if run:
        clauses.append(("".join(run),))
    return clauses
