"""Chinese sentence splitting for report text.

Rules (the sentence regex below implements them in one pass, no per-character Python):

- a sentence ends after a run of terminators (。！？；… and their half-width forms !?;),
  and the closing quotes/brackets right after them (”’」』）)】) stay with it;
- a line break always ends a sentence; sentences never span lines;
- a book title 《…》 is never split, whatever it contains;
- a quotation “…” is never split inside: a quote that ends with a terminator (“…要学习。”)
  ends the sentence after the closing quote; any other quote is part of its sentence;
- an ellipsis followed by ，、等 continues the sentence (“……等”);
- half-width quotes ("…") are not protected: the same mark opens and closes, so a stray
  one cannot be told from a closing one;
- an unbalanced “ or 《 (no partner on the same line within ``quote_max_chars`` /
  ``title_max_chars``) is an ordinary character, so a stray quote never swallows a line.

Sentences are stripped of surrounding whitespace; whitespace-only pieces are dropped.
"""
from __future__ import annotations

import re

from pipeline.config import ConfigError


def _char_class(chars: str) -> str:
    return "".join(re.escape(c) for c in chars)


class SentenceSplitter:
    """Splits text into sentences; settings come from the ``[segment]`` table.

    Parameters
    ----------
    cfg : dict
        ``sentence_end`` (terminator characters), ``sentence_close`` (closing quotes and
        brackets that stay with the sentence), ``quote_max_chars``, ``title_max_chars``.

    Examples
    --------
    >>> SentenceSplitter.default().split("他说：“要学习。要工作。”我们同意！")
    ['他说：“要学习。要工作。”', '我们同意！']
    """

    def __init__(self, cfg: dict):
        try:
            end, close = cfg["sentence_end"], cfg["sentence_close"]
            qmax, tmax = int(cfg["quote_max_chars"]), int(cfg["title_max_chars"])
        except KeyError as exc:
            raise ConfigError(f"[segment] needs the setting {exc.args[0]!r} for sentence splitting") from None
        if not end or "…" not in end and not any(c in end for c in "。！？"):
            raise ConfigError(f"[segment] sentence_end={end!r} holds no Chinese terminator")
        self.pattern = self._compile(end, close, qmax, tmax)

    @classmethod
    def default(cls) -> "SentenceSplitter":
        from pipeline.config import Config

        return cls(Config.load()["segment"])

    @staticmethod
    def _compile(end: str, close: str, qmax: int, tmax: int) -> re.Pattern:
        term = _char_class(end)
        hard = _char_class(end.replace("…", ""))        # terminators other than the ellipsis
        closers = f"[{_char_class(close)}]*"
        quote = f"“[^“”\\n]{{0,{qmax}}}”"
        # pieces of a sentence body, tried in order at each position
        body = "|".join([
            f"{quote}(?<![{term}]”)",                      # a quotation not ending a sentence
            f"《[^《》\\n]{{0,{tmax}}}》",                   # a book/document title, never split
            f"“(?![^“”\\n]{{0,{qmax}}}”)",                 # an unbalanced opening quote
            f"《(?![^《》\\n]{{0,{tmax}}}》)",              # an unbalanced opening title mark
            "…+(?=[，,、等])",                              # an ellipsis inside a sentence
            f"[^{term}\\n“《]+",                           # ordinary text
        ])
        ending = "|".join([
            f"“[^“”\\n]{{0,{qmax}}}[{term}]”{closers}",    # a quotation that ends the sentence
            f"(?:[{hard}]|…)[{term}]*{closers}",           # terminators (+ closing marks)
        ])
        return re.compile(f"(?:{body})+(?:{ending})?|(?:{ending})")

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) character offsets of each sentence in ``text``, whitespace trimmed."""
        out = []
        for m in self.pattern.finditer(text):
            s = m.group()
            stripped = s.strip()
            if stripped:
                start = m.start() + (len(s) - len(s.lstrip()))
                out.append((start, start + len(stripped)))
        return out

    def split(self, text: str) -> list[str]:
        """The sentences of ``text`` (stripped, none empty), in order."""
        return [s for s in map(str.strip, self.pattern.findall(text)) if s]
