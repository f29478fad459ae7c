"""Masked placeholders: years written as 20xx, places or names written as xx/XX (xx市, XX同志),
words censored as * or ＊. They are counted, never guessed.

Run on normalised text (full-width ｘｘ is already half-width there).
"""
from __future__ import annotations

import re

# a year with its last two digits masked: 20xx, 19XX, 20××
YEAR = re.compile(r"(?<![0-9A-Za-z])(?:19|20)[xX×]{2}(?![A-Za-z])")
# two or more x/X/× standing for a place or name, not part of a Latin word or a masked year
NAME = re.compile(r"(?<![0-9A-Za-z×])(?:[xX]{2,}|×{2,})(?![A-Za-z×])")
# a run of asterisks (half- or full-width) standing for censored words
STAR = re.compile(r"[*＊]+")


def count_masked(text: str) -> dict[str, int]:
    """Counts of masked placeholders in ``text``: ``{"20xx": n, "xx": n, "star": n}``.

    >>> count_masked("20xx年xx市召开会议, XX同志讲话, 禁止*活动; box, 2023年")
    {'20xx': 1, 'xx': 2, 'star': 1}
    """
    if not any(c in text for c in "xX×*＊"):   # most lines: nothing to count
        return {"20xx": 0, "xx": 0, "star": 0}
    return {"20xx": len(YEAR.findall(text)), "xx": len(NAME.findall(text)), "star": len(STAR.findall(text))}


def add_counts(total: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    """``total`` with ``more`` added key by key (in place; returned for chaining)."""
    for key, n in more.items():
        total[key] = total.get(key, 0) + n
    return total
