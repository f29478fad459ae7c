"""The project's segmentation as a spaCy ``Language``, for users who want spaCy Docs.

``make_nlp()`` returns ``spacy.blank("zh")`` whose tokenizer is the project's ``Segmenter``
(jieba's dictionary and algorithm through rjieba, with the policy user dictionary: the very
same words as ``segment.run``, so a Doc and the ``documents`` table never disagree), and
whose pipeline holds one component, ``policy_sentences``, that marks the project's
sentence starts. Each token's ``tag_`` is jieba's POS tag.

spaCy keeps every character of the text, so whitespace other than a single space after a
word becomes a whitespace token (``token.is_space``, tag ``_SP``); the non-space tokens
are exactly ``Segmenter.cut(text)``. Whitespace tokens belong to the sentence before them.

The tokenizer is set on the Language object, not through spaCy's config (``nlp.config``
still names spaCy's default "char" segmenter), so ``nlp.to_disk`` / ``spacy.load`` do not
bring it back: call ``pipeline.nlp()`` again instead (it takes a fraction of a second
after spaCy's import).

    >>> import pipeline
    >>> nlp = pipeline.nlp()
    >>> doc = nlp("深化放管服改革。优化营商环境！")
    >>> [t.text for t in doc], [s.text for s in doc.sents]
    (['深化', '放管服', '改革', '。', '优化', '营商环境', '！'], ['深化放管服改革。', '优化营商环境！'])
"""
from __future__ import annotations

from bisect import bisect_left

SENTENCE_COMPONENT = "policy_sentences"


def make_nlp(config=None):
    """A blank Chinese spaCy pipeline on the project's Segmenter (see the module doc).

    Parameters
    ----------
    config : pipeline.config.Config, optional
        Settings; the ``[segment]`` table is used (defaults when omitted).
    """
    import spacy
    from spacy.language import Language

    from pipeline.config import Config
    from pipeline.text.segment import Segmenter

    segmenter = Segmenter((config or Config.load())["segment"])
    nlp = spacy.blank("zh")
    nlp.tokenizer = SegmenterTokenizer(nlp.vocab, segmenter)
    if not Language.has_factory(SENTENCE_COMPONENT):
        Language.factory(SENTENCE_COMPONENT, func=_make_sentence_marker)
    nlp.add_pipe(SENTENCE_COMPONENT)
    nlp.get_pipe(SENTENCE_COMPONENT).segmenter = segmenter
    nlp.meta["name"] = "policy_corpus_zh"
    nlp.meta["description"] = ("blank zh + jieba segmentation (rjieba) with the policy-corpus user "
                               "dictionary; sentences from pipeline/text/sentences.py")
    return nlp


class SegmenterTokenizer:
    """A spaCy tokenizer: text → Doc with the Segmenter's words and jieba POS in ``tag_``."""

    def __init__(self, vocab, segmenter):
        self.vocab = vocab
        self.segmenter = segmenter

    def __call__(self, text: str):
        from spacy.tokens import Doc
        from spacy.util import get_words_and_spaces

        words, tags = self.segmenter.cut_and_tag(text)
        all_words, spaces = get_words_and_spaces(words, text)
        if len(all_words) != len(words):    # whitespace tokens were inserted between the words
            tag_of = iter(tags)
            tags = ["_SP" if w.isspace() else next(tag_of) for w in all_words]
        return Doc(self.vocab, words=all_words, spaces=spaces, tags=tags or None)

    def pipe(self, texts, batch_size: int = 1000):
        for text in texts:
            yield self(text)

    # A Language saves its tokenizer; this one is rebuilt by make_nlp(), not loaded from disk.
    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs):
        return self

    def to_disk(self, path, **kwargs) -> None:
        pass

    def from_disk(self, path, **kwargs):
        return self


class SentenceMarker:
    """Pipeline component: ``token.is_sent_start`` from the project's sentence splitter."""

    def __init__(self, segmenter=None):
        self.segmenter = segmenter

    def __call__(self, doc):
        if self.segmenter is None:
            from pipeline.text.segment import Segmenter

            self.segmenter = Segmenter()
        starts = [start for start, _ in self.segmenter.sentence_spans(doc.text)]
        idx = [t.idx for t in doc]
        first_tokens = {bisect_left(idx, start) for start in starts}
        # leading whitespace belongs to the first sentence, not a sentence of its own
        first_tokens.discard(next((i for i, t in enumerate(doc) if not t.is_space), 0))
        for i, token in enumerate(doc):
            # the first token always starts a sentence; whitespace joins the sentence before it
            token.is_sent_start = i == 0 or (i in first_tokens and not token.is_space)
        return doc


def _make_sentence_marker(nlp, name):
    return SentenceMarker()
