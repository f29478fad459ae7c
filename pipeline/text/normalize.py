"""Line normalisation for kept text: traditional → simplified (OpenCC t2s), full-width
letters and digits → half-width, whitespace folded. Chinese punctuation is kept as it is.

``normalize_line`` maps one line to one line (it never adds or removes a newline), so the
line numbers of a page survive normalisation.
"""
from __future__ import annotations

import re
from functools import lru_cache

# full-width 0-9, A-Z, a-z (U+FF10…U+FF5A minus the punctuation in between) → ASCII
_FULLWIDTH_ALNUM = {cp: cp - 0xFEE0 for cp in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))}
# invisible characters that scraping leaves behind: zero-width spaces/joiners, BOM, soft hyphen
_INVISIBLE = {cp: None for cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD)}
_TRANSLATE = {**_FULLWIDTH_ALNUM, **_INVISIBLE}
_NEEDS_TRANSLATE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u200b-\u200d\u2060\ufeff\u00ad]")
# any run of whitespace (ASCII, NBSP, ideographic space U+3000, tabs, CR, other separators)
_SPACE_RUN = re.compile(r"[\s\u3000\u00a0\u2028\u2029]+")
_INLINE_SPACE_RUN = re.compile(r"[^\S\n]+")     # the same, but never a line break


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def normalize_line(text: str, t2s: bool = True) -> str:
    """One line → its normalised form: stripped, inner whitespace runs folded to one space,
    full-width letters/digits made half-width, traditional characters made simplified.

    >>> normalize_line("　　政府服務報告 ２０ｘｘ年  ")
    '政府服务报告 20xx年'
    """
    if _NEEDS_TRANSLATE.search(text):
        text = text.translate(_TRANSLATE)
    text = _SPACE_RUN.sub(" ", text).strip()
    if t2s and text and not text.isascii():
        text = _t2s().convert(text)
    return text


def normalize_lines(lines: list[str], t2s: bool = True) -> list[str]:
    """``normalize_line`` over a list of lines (none holding "\\n"); same length, same result.

    Done on the page as one text: one translate, one whitespace fold and one OpenCC call
    instead of one per line (OpenCC's phrases hold no line break, so none spans two lines)."""
    text = "\n".join(lines)
    if _NEEDS_TRANSLATE.search(text):
        text = text.translate(_TRANSLATE)
    text = _INLINE_SPACE_RUN.sub(" ", text)
    if t2s and not text.isascii():
        text = _t2s().convert(text)
    out = [line.strip() for line in text.split("\n")]
    if len(out) != len(lines):      # never expected; per line is the reference
        return [normalize_line(line, t2s) for line in lines]
    return out
