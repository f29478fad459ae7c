"""Text quality: pinyin annotations repaired (報(bào) → 報), garbled and anti-copy text
measured, a page's quality label."""
from __future__ import annotations

import re

from pipeline.records import Removal
from pipeline.text.normalize import normalize_lines

_NOT_CONTENT = re.compile(r"[\s,，.。;；:：!！?？、·•\-—_()（）\[\]【】\"'“”‘’《》]+")


REPAIR_PINYIN = "repair:pinyin"


# a pinyin annotation after a character: 報(bào), 学（xué）: a syllable with a tone mark
_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])\s?[(（]\s*[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹ][a-zü]*\s*[)）]")


_GARBLE = re.compile(r"\?{2,}|\ufffd|[锟斤拷]{3,}|[烫屯]{4,}")


def repair_pinyin(norm: list[str]) -> list[Removal]:
    """Cut pinyin annotations out of the normalised lines (in place); one logged
    ``repair:pinyin`` removal per annotation."""
    repairs = []
    for i, text in enumerate(norm):
        if "(" not in text and "（" not in text:
            continue
        found = _PINYIN.findall(text)
        if found:
            norm[i] = _PINYIN.sub("", text)
            repairs.extend(Removal(i + 1, f.strip(), REPAIR_PINYIN) for f in found)
    return repairs


def page_quality(raw: list[str], norm: list[str], pinyin_repaired: bool, sample: int = 3000) -> str:
    """``mojibake`` (GBK-style "??" runs, replacement characters), ``pinyin_repaired``,
    ``traditional`` (at least 3% of the first ``sample`` Chinese characters changed by the
    traditional → simplified step) or ``clean``; ``junk`` is given per document by split."""
    head_raw = "\n".join(raw)[:sample]
    if len(_GARBLE.findall(head_raw)) >= 3 or head_raw.count("\ufffd") >= 3:
        return "mojibake"
    if pinyin_repaired:
        return "pinyin_repaired"
    folded = normalize_lines(head_raw.split("\n"), False)
    simple = "\n".join(norm)
    cjk = changed = 0
    for a, b in zip("\n".join(folded), simple):
        if "\u4e00" <= a <= "\u9fff":
            cjk += 1
            changed += a != b
    return "traditional" if cjk and changed >= 0.03 * cjk else "clean"


def copy_share(text: str, reference: str, n: int = 8) -> float:
    """Share of ``text``'s character n-grams (punctuation and spaces ignored) found in ``reference``."""
    text, reference = _NOT_CONTENT.sub("", text), _NOT_CONTENT.sub("", reference)
    grams = {text[k:k + n] for k in range(0, max(len(text) - n + 1, 0), 2)}
    if not grams:
        return 0.0
    ref = {reference[k:k + n] for k in range(max(len(reference) - n + 1, 0))}
    return len(grams & ref) / len(grams)


# anti-copy junk: runs of Latin / digit noise between Chinese characters ("报告a3k9f告"), or
# synonym-swapped text's tell-tale phrases
_NOISE_RUN = re.compile(r"(?:(?<=\s)|^)(?:[!-~]{1,3}\s){4,}")   # Discuz "* l, i e% v3 R! L4 u"
_JUNK_TOKEN = re.compile(r"(?<=[\u4e00-\u9fff])[A-Za-z0-9]{3,8}(?=[\u4e00-\u9fff])")


def is_junk(text: str) -> bool:
    """Anti-copy junk: at least 5 random Latin/digit tokens glued between Chinese
    characters per 1000 characters (and at least 3 in all)."""
    if not text:
        return False
    head = text[:4000]
    hits = [t for t in _JUNK_TOKEN.findall(head) if not t.isdigit() and not t.lower().startswith("xx")]
    noise = len(_NOISE_RUN.findall(head))
    return (len(hits) >= 3 and len(hits) * 1000 >= 5 * len(head)) or noise >= 2
