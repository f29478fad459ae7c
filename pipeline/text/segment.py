"""segment: a document's tokens, POS tags and sentences.

In: ``doc.text`` (the cleaned body, lines joined with "\\n").
Out: ``doc.tokens`` (jieba words), ``doc.pos`` (jieba's tag of each token, same length),
``doc.sentences`` (see ``pipeline/text/sentences.py``).

Segmentation is jieba's dictionary and algorithm (DAG + HMM for unknown words) run by
rjieba (jieba-rs), with the policy-term user dictionary ``rules/userdict.txt``.
Whitespace is never a token: the text is cut in one call and the whitespace tokens are
dropped, so line breaks, spaces and full-width spaces separate tokens but do not appear
among them (jieba never joins a word across whitespace; a test checks the words equal
cutting line by line). Line breaks live on in ``doc.sentences``: a sentence never spans
two lines.

POS tags are rjieba's (``Jieba.tag``): the dictionary tag of a known word; for an unknown
word "x", or "m"/"eng" when it holds ASCII digits/letters. A tag depends on the word only,
so each worker keeps a table word → tag and looks every token up there, in one pass in C
(``pipeline/_speedups.c``; the same in Python when no compiler built it, or with
``POLICY_CORPUS_NO_NATIVE=1``); rjieba is asked only about new words.
"""
from __future__ import annotations

import bisect
import os
import re
import warnings
from dataclasses import dataclass

from pipeline import rules
from pipeline.config import ConfigError
from pipeline.records import Document, Page
from pipeline.text.sentences import SentenceSplitter


def run(doc: Document, page: Page, res) -> None:
    """Fill ``doc.tokens``, ``doc.pos`` and ``doc.sentences`` with the worker's Segmenter."""
    seg: Segmenter = res.segmenter
    text = doc.text
    doc.tokens, doc.pos = seg.cut_and_tag(text)
    doc.sentences = seg.sentences(text)


@dataclass(frozen=True)
class UserWord:
    """A user-dictionary entry as loaded into jieba: the term, its frequency and POS tag."""

    word: str
    freq: int
    tag: str


class Segmenter:
    """jieba segmentation (rjieba) with the policy dictionary, POS tags and sentences.

    Parameters
    ----------
    cfg : dict, optional
        The ``[segment]`` settings table (defaults from ``rules/settings.toml``).

    Examples
    --------
    >>> seg = Segmenter()
    >>> seg.cut("持续优化营商环境，深化放管服改革")
    ['持续', '优化', '营商环境', '，', '深化', '放管服', '改革']
    """

    def __init__(self, cfg: dict | None = None):
        import rjieba

        if cfg is None:
            from pipeline.config import Config

            cfg = Config.load()["segment"]
        self.cfg = dict(cfg)
        self.hmm = bool(self._setting("hmm"))
        self.pos_enabled = bool(self._setting("pos"))
        self._jieba = rjieba.Jieba()
        self.user_words: list[UserWord] = resolve_user_words(self._jieba, self.cfg)
        for uw in self.user_words:
            self._jieba.add_word(uw.word, uw.freq, uw.tag)
        self._cut = self._jieba.cut
        self._tags = TagTable()             # word → its POS tag, filled as words are met
        self._no_tags = TagTable()          # always empty: cut() only drops whitespace
        self._tag_cache_max = int(self._setting("tag_cache_max"))
        self._splitter = SentenceSplitter(self.cfg)

    def _setting(self, key: str):
        try:
            return self.cfg[key]
        except KeyError:
            raise ConfigError(f"[segment] is missing the setting {key!r}; see pipeline/rules/settings.toml") from None

    # -- words ---------------------------------------------------------------------------
    def cut(self, text: str) -> list[str]:
        """The words of ``text`` (no whitespace tokens)."""
        return self._no_tags.words_and_tags(self._cut(text, self.hmm))[0]

    def tag(self, text: str) -> list[tuple[str, str]]:
        """(word, POS) pairs of ``text``; the words are ``cut(text)``."""
        words, tags = self.cut_and_tag(text)
        return list(zip(words, tags))

    def cut_and_tag(self, text: str) -> tuple[list[str], list[str]]:
        """``(words, tags)``: two parallel lists (tags empty strings when ``pos`` is off).

        A jieba tag depends on the word alone (its dictionary tag, else x/m/eng), so tags
        come from a per-worker table word → tag: one dict lookup per token, and rjieba is
        asked only about words the table has not seen."""
        if not self.pos_enabled:
            words = self.cut(text)
            return words, [""] * len(words)
        table = self._tags
        if len(table) > self._tag_cache_max:
            table.clear()
        # one call to rjieba, then one pass: whitespace dropped, each word looked up in the
        # table (None for a word not seen before); in C when pipeline._speedups is built
        words, tags = table.words_and_tags(self._cut(text, self.hmm))
        try:
            i = tags.index(None)
        except ValueError:
            return words, tags
        in_context = None       # made for the first word that needs its line tagged
        while True:             # Python work only for words not seen before
            word = words[i]
            tag = table.get(word)
            if tag is None:
                tag = self._tag_alone(word)
                if tag is None:
                    in_context = in_context or LineTagger(self._jieba, self.hmm, text, words)
                    tag = in_context.tag(i)
                table.set(word, tag)
            tags[i] = tag
            try:
                i = tags.index(None, i + 1)
            except ValueError:
                return words, tags

    def _tag_alone(self, word: str) -> str | None:
        """rjieba's tag of ``word`` tagged on its own, or None when rjieba splits it there
        (an HMM-made word that is also in the dictionary, e.g. 一要: its tag needs context)."""
        pairs = self._jieba.tag(word, self.hmm)
        if len(pairs) == 1 and pairs[0][0] == word:
            return pairs[0][1] or "x"
        return None

    # -- sentences -----------------------------------------------------------------------
    def sentences(self, text: str) -> list[str]:
        """The sentences of ``text`` (see ``pipeline/text/sentences.py``)."""
        return self._splitter.split(text)

    def sentence_spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) offsets of ``sentences(text)`` in ``text``."""
        return self._splitter.spans(text)


class LineTagger:
    """rjieba's tags of the words of ``text`` in their context, for words that rjieba
    splits when tagged alone: the line holding the word is tagged (jieba never joins across
    a line break, so a line's words are the text's words there).

    Linear in the text: each line is tagged at most once, and every word of a tagged line is
    remembered (a tag depends on the word alone), so a 2-million-character line without
    punctuation is tagged once, not once per unseen word. ``words`` are the text's words in
    order (whitespace dropped); their offsets are found by one forward scan."""

    def __init__(self, jieba, hmm: bool, text: str, words: list[str]):
        self._jieba, self._hmm, self._text, self._words = jieba, hmm, text, words
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._offsets: list[int] = []             # offsets of the words found so far, by a forward scan
        self._scan = 0
        self._tagged_lines: set[int] = set()
        self._known: dict[str, str] = {}          # word → tag, from the lines tagged so far

    def tag(self, i: int) -> str:
        """The tag of ``words[i]``."""
        word = self._words[i]
        if word in self._known:
            return self._known[word]
        line = bisect.bisect_left(self._newlines, self._offset_of(i))
        if line not in self._tagged_lines:
            self._tagged_lines.add(line)
            start = self._newlines[line - 1] + 1 if line else 0
            end = self._newlines[line] if line < len(self._newlines) else len(self._text)
            for w, tag in self._jieba.tag(self._text[start:end], self._hmm):
                self._known.setdefault(w, tag or _tag_unknown(w))
        return self._known.get(word) or _tag_unknown(word)

    def _offset_of(self, i: int) -> int:
        while len(self._offsets) <= i:
            word = self._words[len(self._offsets)]
            found = self._text.find(word, self._scan)
            found = self._scan if found < 0 else found    # never: the words are the text's, in order
            self._offsets.append(found)
            self._scan = found + len(word)
        return self._offsets[i]


class PyTagTable:
    """A table word → POS tag (the reference for ``pipeline._speedups.TagTable``, which does
    the same in C and is used when built; a test checks both agree).

    ``words_and_tags(words)`` is the segment stage's per-token loop: ``words`` without
    whitespace-only words, and each kept word's tag (None when the table lacks it)."""

    def __init__(self):
        self._tags: dict[str, str] = {}

    def set(self, word: str, tag: str) -> None:
        self._tags[word] = tag

    def get(self, word: str) -> str | None:
        return self._tags.get(word)

    def clear(self) -> None:
        self._tags.clear()

    def __len__(self) -> int:
        return len(self._tags)

    def words_and_tags(self, words: list[str]) -> tuple[list[str], list[str | None]]:
        kept = [w for w in words if not w.isspace()]
        return kept, list(map(self._tags.get, kept))

    def __reduce__(self):
        return (type(self), ())     # pickled empty, as the C table: a cache that refills itself


NO_NATIVE_ENV = "POLICY_CORPUS_NO_NATIVE"


def _native_tag_table() -> type | None:
    """The C table (``pipeline._speedups.TagTable``), or None: switched off by
    ``POLICY_CORPUS_NO_NATIVE=1`` (CI runs the tests so once), or not built, which is said
    in a warning (the segment bench: 0.5 of bare rjieba's speed instead of 0.75)."""
    if os.environ.get(NO_NATIVE_ENV, "") not in ("", "0"):
        return None
    try:
        from pipeline._speedups import TagTable as native
    except ImportError as exc:
        warnings.warn(f"pipeline._speedups is not built ({exc}): the segment stage uses the slower "
                      f"Python word → tag table (reinstall with a C compiler; {NO_NATIVE_ENV}=1 "
                      "silences this)", RuntimeWarning, stacklevel=2)
        return None
    return native


TagTable = _native_tag_table() or PyTagTable
NATIVE_TAG_TABLE = TagTable is not PyTagTable     # for the build manifest: is the C table used?


def _tag_unknown(word: str) -> str:
    """jieba-rs's tag for a word outside the dictionary: m (ASCII digits), eng, or x."""
    ascii_alnum = [c for c in word if c.isascii() and c.isalnum()]
    if not ascii_alnum:
        return "x"
    return "m" if all(c.isdigit() for c in ascii_alnum) else "eng"


# -- rule files ------------------------------------------------------------------------------
def parse_userdict(name: str) -> list[tuple[str, int | None, str | None]]:
    """Entries ``(term, freq or None, tag or None)`` of a user-dictionary rule file.

    BOM, CRLF, blank lines, comments and repeated lines are handled by ``rules.load_list``;
    a term listed twice keeps its first entry. A malformed line is a ``RuleFileError``.
    """
    entries: dict[str, tuple[str, int | None, str | None]] = {}
    for line in rules.load_list(name):
        parts = line.split()
        term, freq, tag = parts[0], None, None
        for part in parts[1:]:
            if part.isdigit() and freq is None:
                freq = int(part)
            elif part.isascii() and part.isalpha() and tag is None:
                tag = part
            else:
                raise rules.RuleFileError(
                    f"{rules.rule_path(name)}: bad entry {line!r}; expected 'TERM [FREQ] [TAG]' "
                    "with FREQ a positive integer and TAG a jieba POS tag such as nz")
        if freq == 0:
            raise rules.RuleFileError(f"{rules.rule_path(name)}: frequency 0 for {term!r}; use a positive integer")
        entries.setdefault(term, (term, freq, tag))
    return list(entries.values())


def resolve_user_words(jieba, cfg: dict) -> list[UserWord]:
    """The user dictionary's entries with final frequencies and tags, given a fresh rjieba
    ``Jieba`` holding jieba's own dictionary (not modified here).

    A term without a frequency gets max(``userdict_min_freq``, jieba's ``suggest_freq`` of
    the term, which is at least its frequency in jieba's dictionary): enough to hold the term together,
    small enough not to move jieba's total (~60M). Suggestions are computed against jieba's
    own dictionary before any term is added, so the result does not depend on file order.
    """
    name = cfg["userdict"]
    if not name:
        return []
    min_freq, max_freq = int(cfg["userdict_min_freq"]), int(cfg["userdict_max_freq"])
    default_tag = cfg["userdict_tag"]
    out = []
    for term, freq, tag in parse_userdict(name):
        if freq is not None and freq > max_freq:
            raise rules.RuleFileError(
                f"{rules.rule_path(name)}: frequency {freq} of {term!r} exceeds userdict_max_freq={max_freq}")
        if freq is None:    # rjieba's suggest_freq is already ≥ the term's own dictionary frequency
            freq = max(min_freq, jieba.suggest_freq(term))
        out.append(UserWord(term, freq, tag or default_tag))
    return out


def load_stopwords(name: str | None = None) -> frozenset[str]:
    """The stop words (``rules/stopwords.txt`` unless ``name`` is given), for topic models."""
    if name is None:
        from pipeline.config import Config

        name = Config.load()["segment"]["stopwords"]
    return frozenset(rules.load_list(name))
