"""Feature pieces of the genre model: module-level, so a fitted Pipeline saves with skops.

- ``strip_title_repeat(title, body)``: the body without the title and its repeat at the top
  (distant-supervision labels come from titles, so the title must not be in the input).
- ``segment_words(text)``: the word tokenizer (rjieba) of the word TF-IDF.
- ``BodyWindow``: keeps the head and the tail of a long body (opening formulas such as
  "第一条 为…制定本办法" sit at the top, closing ones such as "本办法自…施行" at the end).
- ``CueCounts``: counts of the body cue formulas of rules/genres.toml, one column per cue.

Nothing heavy is imported here: the tagger imports this module when it loads a model.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from pipeline.genre.cue_matching import cue_match_table, register_cues

# characters ignored when comparing a title with the top of a body (spacing, punctuation that
# sites insert when they wrap a title over lines, e.g. "通　知", " 的 复 函")
_LOOSE = re.compile(r"[\s\u3000\u200b\u200d\ufeff#*>\-—_·•:：,，.。、\"“”'‘’]+")
_TOP_CHARS = 400  # only the top of a body is searched for title repeats


def strip_title_repeat(title: str | None, body: str) -> str:
    """``body`` without leading repeats of ``title`` (whole or its tail, e.g. a wrapped
    "…的复函" → " 的 复 函") and without copies of the whole title in its top 400 characters.

    Genre words further down the body are kept: they are honest evidence.

    >>> strip_title_repeat("国务院关于推行煤电联营问题的批复", "国务院关于推行煤电联营问题的批复国函〔1989〕15号能源部：")
    '国函〔1989〕15号能源部：'
    """
    if not title or not body:
        return body or ""
    key = _LOOSE.sub("", _fold_width(title))
    if len(key) < 2:
        return body
    body = _drop_leading_repeats(key, body).lstrip()
    top, rest = body[:_TOP_CHARS + len(title)], body[_TOP_CHARS + len(title):]
    for start, end in reversed(_loose_spans(key, top)):  # folding keeps lengths: spans index top
        top = top[:start] + top[end:]
    return top + rest


def _loose_spans(key: str, text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` (width-folded) that spell ``key`` with only ignored characters
    (``_LOOSE``) between its characters, leftmost first, not overlapping: the matches of
    ``_loose_pattern(key)``, found in the text with the ignored characters taken out (a
    regex per title cost ~8 ms to compile)."""
    loose, positions = _loose_with_positions(text)
    spans, i = [], loose.find(key)
    while i >= 0:
        spans.append((positions[i], positions[i + len(key) - 1] + 1))
        i = loose.find(key, i + len(key))
    return spans


def _drop_leading_repeats(key: str, body: str) -> str:
    """Remove, repeatedly, a leading copy of the title or of a tail of it (≥ 2 characters)."""
    for _ in range(3):
        loose_body, positions = _loose_with_positions(body[: len(key) * 3 + 40])
        cut = 0
        if loose_body.startswith(key):
            cut = len(key)
        else:
            for k in range(len(key) - 1, 1, -1):  # the tail of a title wrapped over two lines
                if loose_body.startswith(key[-k:]):
                    cut = k
                    break
        if not cut:
            return body
        body = body[positions[cut - 1] + 1:]
    return body


def _loose_with_positions(text: str) -> tuple[str, list[int]]:
    """``text`` width-folded without the characters ``_LOOSE`` ignores, and where each kept
    character stood."""
    folded = _fold_width(text)
    ignored = _loose_chars()
    if not ignored.keys() & set(folded):
        return folded, list(range(len(folded)))
    return folded.translate(ignored), [i for i, ch in enumerate(folded) if ch not in ignored]


_LOOSE_CHARS: dict = {}


def _loose_chars() -> dict:
    """The characters ``_LOOSE`` matches (all in the Basic Multilingual Plane), as a
    ``str.translate`` table deleting them; keyed by character and by code point."""
    if not _LOOSE_CHARS:
        for cp in range(0x10000):
            if _LOOSE.fullmatch(chr(cp)):
                _LOOSE_CHARS[cp] = _LOOSE_CHARS[chr(cp)] = None
    return _LOOSE_CHARS


def _fold_width(text: str) -> str:
    """Full-width forms folded to half-width, one character for one (so positions hold)."""
    return text.translate(_WIDTH_TABLE)


_WIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


@lru_cache(maxsize=256)
def _loose_pattern(key: str) -> re.Pattern:
    """The regex whose matches ``_loose_spans`` finds (its reference, in the tests)."""
    separator = _LOOSE.pattern[:-1] + "*"  # anything _LOOSE ignores may sit between two characters
    return re.compile(separator.join(re.escape(ch) for ch in key))


def segment_words(text: str) -> list[str]:
    """Words of ``text`` (rjieba, HMM on), without whitespace tokens."""
    import rjieba

    return [w for w in rjieba.cut(text) if not w.isspace()]


class BodyWindow(BaseEstimator, TransformerMixin):
    """Keep the first ``head`` and the last ``tail`` characters of each text.

    Parameters
    ----------
    head, tail : int
        Characters kept from the start and from the end (0 = none); shorter texts pass whole.
    """

    def __init__(self, head: int = 3000, tail: int = 1500):
        self.head = head
        self.tail = tail

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return self.windows(X)

    def windows(self, X) -> list[str]:
        """``transform`` without scikit-learn's output wrapper (the same list)."""
        return [window_text(str(x or ""), self.head, self.tail) for x in X]


def window_text(text: str, head: int, tail: int) -> str:
    """The head and tail of ``text`` joined by a newline (the whole text when it is short)."""
    if len(text) <= head + tail:
        return text
    return text[:head] + "\n" + (text[-tail:] if tail else "")


class CueCounts(BaseEstimator, TransformerMixin):
    """One column per cue pattern: log(1 + number of matches), as a sparse matrix.

    Parameters
    ----------
    patterns : tuple of str
        Regular expressions (the body cues of rules/genres.toml, gathered at training time and
        saved with the model, so a fitted model does not change when the rule file does).
    scale : float
        Multiplier of every column (balances the cues against the TF-IDF blocks).
    """

    def __init__(self, patterns: tuple = (), scale: float = 0.5):
        self.patterns = patterns
        self.scale = scale

    def fit(self, X, y=None):
        self.n_features_out_ = len(self.patterns)
        return self

    def transform(self, X):
        return self.counts(X)

    def counts(self, X) -> sp.csr_matrix:
        """``transform`` without scikit-learn's output wrapper (the same matrix)."""
        compiled = _compile_all(tuple(self.patterns))
        rows = np.zeros((len(X), len(compiled)), dtype=np.float64)
        for i, text in enumerate(X):
            text = str(text or "")
            for j, (n, _) in enumerate(cue_match_table(compiled, text)):
                if n:
                    rows[i, j] = self.scale * math.log1p(n)
        return sp.csr_matrix(rows)

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"cue:{p}" for p in self.patterns], dtype=object)


@lru_cache(maxsize=8)
def _compile_all(patterns: tuple) -> tuple[re.Pattern, ...]:
    compiled = tuple(re.compile(p) for p in patterns)
    register_cues(compiled)
    return compiled


# ----------------------------------------------------------------------------- structure

_HEAD_CHARS = 40     # the opening formula: "尊敬的党组织:", "同志们:", "为了…特制定本方案"
_TAIL_CHARS = 40     # the closing one: "特此申请", "此致敬礼", "以上报告请审阅", "述职人:"


def structure_tokens(text: str) -> list[str]:
    """Tokens of a body's shape, for a hashed bag: character bigrams of its opening (``H:``)
    and of its closing (``T:``), and of each outline heading (``O:``) with the heading's role
    (``R:`` background / achievement / problem / measure / other) and numbering style
    (``M:``), as the outline stage reads them (pipeline/structure/outline.py, rules/outline.toml).

    >>> [t for t in structure_tokens("尊敬的党组织:\\n我志愿加入中国共产党。\\n此致敬礼") if t.startswith("H:")][:3]
    ['H:尊敬', 'H:敬的', 'H:的党']
    """
    lines = [ln.strip() for ln in str(text or "").split("\n") if ln.strip()]
    if not lines:
        return []
    head = "".join(lines)[:_HEAD_CHARS]
    tail = "".join(lines)[-_TAIL_CHARS:]
    tokens = [f"H:{b}" for b in _bigrams(head)] + [f"T:{b}" for b in _bigrams(tail)]
    try:
        from pipeline.structure.outline import assign_roles, build_sections

        rules = _outline_rules()
        sections = build_sections("x", lines[:200], rules)
        assign_roles(sections, rules)
    except Exception:       # the outline is a hint: a body it cannot read just has none
        sections = []
    for s in sections[:40]:
        tokens.append(f"R:{s.role}")
        tokens.append(f"M:{s.level}:{_marker_kind(s.marker)}")
        tokens.extend(f"O:{b}" for b in _bigrams(s.heading[:20]))
    tokens.append(f"N:{min(len(sections), 12) // 3}")
    return tokens


def _bigrams(text: str) -> list[str]:
    text = re.sub(r"\s+", "", text)
    return [text[i:i + 2] for i in range(len(text) - 1)]


def _marker_kind(marker: str) -> str:
    """一、 → 'cn'; （一） → '(cn)'; 1. → 'num'; （1） → '(num)'; other markers by their class."""
    if not marker:
        return "plain"
    core = re.sub(r"[一二三四五六七八九十百]+", "c", re.sub(r"[0-9]+", "n", marker))
    return re.sub(r"[（(]", "(", re.sub(r"[）)]", ")", core))[:6]


@lru_cache(maxsize=1)
def _outline_rules():
    from pipeline.structure.outline import OutlineRules

    return OutlineRules.load()
