"""Line features for the line model: what each line of a page looks like, and its neighbours.

In: a page's normalised lines (``"" `` for blank ones), the rule ids the rule cleaner gave to
its lines (``{index: rule}``), and the compiled ``CleanRules``. Out: one row per non-blank
line, a dense part (``DENSE_NAMES``: position, length, character shares, shapes of dates,
times, file sizes, counts and page numbers, cue-lexicon hits, the rule cleaner's verdict,
repetition on the page; the same for the neighbours in a window) and hashed character
n-grams of the line's head and tail. Everything is computed from the page alone (plus the
site's learned templates through the rule verdict), so a line's row never depends on other
files in the input folder.

Long lines cost no more than short ones: shapes and n-grams look at the line's first and
last characters only; cue patterns run through the clean stage's cheap literal gates.
"""
from __future__ import annotations

import math
import re

import numpy as np
import scipy.sparse as sp

from pipeline.clean.cues import CUE_GROUPS
from pipeline.clean.masks import NAME, YEAR

N_HASH = 2 ** 14         # hashed character n-gram columns
WINDOW = (-2, -1, 1, 2)  # neighbours whose dense features join a line's row
HEAD, TAIL = 24, 8       # characters of a line the n-grams see
NGRAM_WEIGHT = 1.5       # the n-gram rows' norm: the same regularisation weighs less on them than on the dense part (chosen under host-grouped CV)

_PUNCT = set(",，.。;；:：!！?？、·•-—_()（）[]【】\"'“”‘’《》<>|/\\…~～#*&%@=+")
_SENT_END = tuple("。！？；!?;")
_SHAPES = {
    "date": re.compile(r"(19|20)\d{2}\s*[-/.年]\s*\d{1,2}|\d{1,2}月\d{1,2}日"),
    "time": re.compile(r"(?<!\d)\d{1,2}:\d{2}(?!\d)"),
    "filesize": re.compile(r"\d+(\.\d+)?\s*(kb|mb|k|m|千字|万字|字节)(?![a-z])|大小\s*[:：]", re.IGNORECASE),
    "count": re.compile(r"\d+\s*(次|人|条|赞|阅读|浏览|下载|收藏|评论)|(阅读|浏览|下载|点击|评论|收藏|点赞)\s*[:：(（]?\s*\d"),
    "pages": re.compile(r"第\s*\d+\s*页|共\s*\d+\s*页|\d+\s*页|^\d{1,3}\s*/\s*\d{1,3}$|^\d{1,3}$"),
    "words": re.compile(r"\d+\s*字"),
    "url": re.compile(r"https?:|www\.|\.(com|cn|net|org)\b", re.IGNORECASE),
    "markup": re.compile(r"</?[a-z][a-z0-9]*[\s>/]|[a-z]+=\"|\{\\|toc\s*\\", re.IGNORECASE),
    "masked": None,          # 20xx / xx placeholders (masks.YEAR, masks.NAME)
    "outline": re.compile(r"^([一二三四五六七八九十]{1,3}[、.．]|[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．](?!\d)|第[一二三四五六七八九十\d]+[章节条部分])"),
    "colon_end": re.compile(r"[:：]\s*$"),
    "bracketed": re.compile(r"^[【\[].{1,20}[】\]]"),
    "question": re.compile(r"[?？]"),
    "xiaobian": re.compile(r"小编|本站|本文|网友|会员|用户|整理|收集|分享|参考|希望"),
    "nav": re.compile(r">|»|›|→|\||｜|丨"),
    "report_word": re.compile(r"报告|总结|方案|计划|体会|心得|发言|讲话|申请|汇报|材料|范文|通知|办法|意见|规定"),
    "file_ext": re.compile(r"[^\s.]\.(jpe?g|png|gif|docx?|pdf|xlsx?|pptx?|txt|rar|zip|wps)(?![a-z])", re.IGNORECASE),
}
# a line that ends like a report's title: a genre word, then only decorations (范文, 最新, (精选5篇), 篇1).
# These word lists (and `report_word` above) are features of the shipped line model, not genres.toml
# [kinds]: built from [kinds] (adding 感想/观后感/读后感/倡议/致辞, the 表 ending) and retrained, the
# model lost 4 report titles under host-grouped CV (titles exact 0.909 → 0.895, session 8)
_TITLE_END = re.compile(r"(报告|总结|方案|计划|体会|心得|发言|讲话|申请|汇报|材料|通知|办法|意见|规定|倡议|致辞|批复|请示|决定|决议"
                        r"|公告|通告|通报|公报|纪要|条例|细则|规则|章程|制度|规划|建议|简报|说明|函)(书|稿|词)?"
                        r"(范文|范本|模板|大全|精选|合集|汇编|最新的?|完整版|[(（【\[][^)）】\]]{0,12}[)）】\]]|\s|\d|篇|[一二三四五六七八九十])*$"
                        r"|范文\S{0,4}$")
_NUMBERED = re.compile(r"^\s*(\d{1,3}\s*[.、．](?!\d)|[一二三四五六七八九十]{1,3}[、.．]|[(（][一二三四五六七八九十\d]{1,3}[)）])")
RULE_GROUPS = ("header", "cue", "footer", "template", "spam", "site", "split")

_OWN = (["rel_pos", "first", "second", "last", "log_k", "log_from_end", "log_len", "len_le5", "len_le12",
         "len_le25", "len_ge40", "len_ge100", "punct", "digit", "latin", "space", "sent_end",
         "before_first_long", "after_last_long", "first_long", "repeat_on_page", "echo_of_first",
         "prefix_of_later", "marker", "bare_marker", "title_end", "listed_title", "before_first_title",
         "after_title", "glued_title", "intro_talk", "intro_talk2", "intro_talk3",
         "before_intro"]
        + [f"shape_{k}" for k in _SHAPES] + [f"rule_{g}" for g in RULE_GROUPS] + [f"cue_{g}" for g in CUE_GROUPS])
DENSE_NAMES = _OWN + [f"{name}@{d:+d}" for d in WINDOW for name in _OWN] + ["page_log_lines", "page_long_share"]


def _shares(text: str) -> tuple[float, float, float, float]:
    """Shares of punctuation, digits, Latin letters and spaces among ``text``'s characters
    (the reference of ``_page_shares``)."""
    n = len(text) or 1
    punct = digit = latin = space = 0
    for ch in text:
        if ch in _PUNCT:
            punct += 1
        elif ch.isdigit():
            digit += 1
        elif ch.isascii() and ch.isalpha():
            latin += 1
        elif ch.isspace():
            space += 1
    return punct / n, digit / n, latin / n, space / n


def _page_shares(texts: list[str]) -> list[tuple[float, float, float, float]]:
    """``[_shares(t) for t in texts]``, the characters classified through a table of the
    Basic Multilingual Plane (others one by one)."""
    if not texts:
        return []
    joined = "".join(texts)
    try:
        points = np.frombuffer(joined.encode("utf-32-le"), dtype="<u4").astype(np.int64)
    except UnicodeEncodeError:       # a lone surrogate: one text at a time, in Python
        return [_shares(t) for t in texts]
    table = _char_classes()
    classes = table[np.minimum(points, 0xFFFF)]
    for k in np.flatnonzero(points > 0xFFFF).tolist():
        classes[k] = _char_class(joined[k])
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    line = np.repeat(np.arange(len(texts)), sizes)
    counts = np.bincount(line * 5 + classes, minlength=5 * len(texts)).reshape(len(texts), 5)
    shares = counts[:, 1:] / np.maximum(sizes, 1)[:, None]      # true division, as Python's
    return [tuple(row) for row in shares.tolist()]


def _char_class(ch: str) -> int:
    """0 other, 1 punctuation, 2 digit, 3 Latin letter, 4 space (``_shares``' order of tests)."""
    if ch in _PUNCT:
        return 1
    if ch.isdigit():
        return 2
    if ch.isascii() and ch.isalpha():
        return 3
    return 4 if ch.isspace() else 0


_CLASSES: list[np.ndarray] = []


def _char_classes() -> np.ndarray:
    if not _CLASSES:
        _CLASSES.append(np.fromiter(map(_char_class, map(chr, range(0x10000))), dtype=np.int64, count=0x10000))
    return _CLASSES[0]


def own_features(lines: list[str], rules_by_line: dict[int, str], clean_rules, long_chars: int = 40) -> tuple[list[int], np.ndarray]:
    """The non-blank line indexes of a page and their own dense features (``_OWN`` columns)."""
    order = [i for i, t in enumerate(lines) if t]
    n = len(order)
    rows = np.zeros((n, len(_OWN)), dtype=np.float32)
    if not n:
        return order, rows
    texts = [lines[i] for i in order]
    long_pos = [k for k, t in enumerate(texts) if len(t) >= long_chars]
    first_long = long_pos[0] if long_pos else n
    last_long = long_pos[-1] if long_pos else -1
    counts: dict[str, int] = {}
    for t in texts:
        counts[t] = counts.get(t, 0) + 1
    first = texts[0]
    cues = clean_rules.generic
    markers = [clean_rules.is_marker(t) if len(t) <= 80 else False for t in texts]
    title_like = [m or (len(t) <= 60 and not t.endswith(_SENT_END) and _TITLE_END.search(t) is not None)
                  for t, m in zip(texts, markers)]
    first_title = title_like.index(True) if any(title_like) else n
    heads = [t[:60] + t[-20:] if len(t) > 80 else t for t in texts]
    talks = [clean_rules.intro_talk(t) for t in texts]     # lead-in wording (boilerplate.toml [intro_wording])
    # a page title stands above the site's lead-in, the reports under it
    first_intro = next((k for k, c in enumerate(talks) if c >= 2), n)
    shares = _page_shares(heads)
    for k, (i, t) in enumerate(zip(order, texts)):
        head = heads[k]
        size = len(t)
        punct, digit, latin, space = shares[k]
        later = texts[k + 1:k + 30]
        marker = markers[k]
        titled = title_like[k]
        glued = size > 12 and any(4 <= len(s) <= 40 and len(s) + 4 < size and t.startswith(s) for s in texts[max(0, k - 8):k])
        row = [k / max(n - 1, 1), k == 0, k == 1, k == n - 1, math.log1p(k), math.log1p(n - 1 - k),
               math.log1p(size), size <= 5, size <= 12, size <= 25, size >= 40, size >= 100,
               punct, digit, latin, space, t.endswith(_SENT_END),
               k < first_long, k > last_long, k == first_long, counts[t] > 1,
               k > 0 and (t == first or (len(t) >= 4 and (first.startswith(t) or t.startswith(first)))),
               size >= 4 and size <= 60 and any(o.startswith(t) and o != t for o in later),
               marker, marker and bool(re.fullmatch(r"[【\[]?\s*(第?\s*\S{1,4}\s*篇|范文\s*\S{1,3}|篇\s*\S{1,4})\s*[】\]]?", t)),
               titled, titled and _NUMBERED.match(t) is not None, k < first_title,
               k > 0 and title_like[k - 1] and not titled, glued]
        talk = talks[k]
        row += [min(talk, 3) / 3, talk >= 2, talk >= 3, k < first_intro < n]
        for key, pattern in _SHAPES.items():
            if pattern is None:
                row.append(bool(YEAR.search(head) or NAME.search(head)))
            else:
                row.append(pattern.search(head) is not None)
        rule = rules_by_line.get(i, "")
        group = rule.split(":", 1)[0] if rule else ""
        row.extend(group == g for g in RULE_GROUPS)
        short = size <= 200
        for g in CUE_GROUPS:
            row.append(short and _first_cue(getattr(cues, g), t) is not None)
        rows[k] = row
    return order, rows


def _first_cue(cues, text):
    from pipeline.clean.cues import CueSet

    return CueSet.first(cues, text)


def page_matrix(lines: list[str], rules_by_line: dict[int, str], clean_rules) -> tuple[list[int], sp.csr_matrix]:
    """The non-blank line indexes of a page and their feature rows (dense + window + n-grams)."""
    order, own = own_features(lines, rules_by_line, clean_rules)
    n = len(order)
    if not n:
        return order, sp.csr_matrix((0, len(DENSE_NAMES) + N_HASH), dtype=np.float32)
    parts = [own]
    for d in WINDOW:
        shifted = np.zeros_like(own)
        if d < 0:
            shifted[-d:] = own[:n + d]
        else:
            shifted[:n - d] = own[d:]
        parts.append(shifted)
    long_share = float(np.mean([len(lines[i]) >= 40 for i in order]))
    page = np.tile(np.array([[math.log1p(n), long_share]], dtype=np.float32), (n, 1))
    dense = np.hstack(parts + [page])
    grams = _hashed_grams([_gram_text(lines[i]) for i in order]) * NGRAM_WEIGHT
    return order, sp.hstack([sp.csr_matrix(dense), grams], format="csr", dtype=np.float32)


def _gram_text(text: str) -> str:
    if len(text) <= HEAD + TAIL:
        return f"^{text}$"
    return f"^{text[:HEAD]}…{text[-TAIL:]}$"


def _hashed_grams(texts: list[str]):
    """``_hasher().transform(texts)``, computed by ``feature_rows.HashedBlock`` (the same rows)."""
    if not _BLOCK:
        from pipeline.genre.feature_rows import HashedBlock

        _BLOCK.append(HashedBlock(_hasher()))
    return _BLOCK[0](texts)


_BLOCK: list = []
_HASHER = None


def _hasher():
    global _HASHER
    if _HASHER is None:
        from sklearn.feature_extraction.text import HashingVectorizer

        _HASHER = HashingVectorizer(analyzer="char", ngram_range=(1, 3), n_features=N_HASH, alternate_sign=False,
                                    norm="l2", lowercase=True, dtype=np.float32)
    return _HASHER


# --------------------------------------------------------------------------- second stage

CONTEXT_WINDOW = (-3, -2, -1, 0, 1, 2, 3)   # lines whose first-stage probabilities a line's second-stage row sees


def context_matrix(own: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Second-stage rows of a page (stacking, as Web2Text does with its unary potentials):
    the first stage's class probabilities of the line and of its neighbours in
    ``CONTEXT_WINDOW`` (with a column saying the neighbour exists), the page-level ranks of
    the line's page_title and report_title probabilities (is it the page's most
    title-like line), the most body-like line before and after it, and the line's own dense
    features. ``own``: the page's ``_OWN`` columns (in line order); ``proba``: the first
    stage's probabilities of the same rows (classes in the model's order)."""
    n, c = proba.shape
    parts = []
    for d in CONTEXT_WINDOW:
        shifted = np.zeros((n, c + 1), dtype=np.float32)
        lo, hi = max(0, -d), min(n, n - d)
        if hi > lo:
            shifted[lo:hi, :c] = proba[lo + d:hi + d]
            shifted[lo:hi, c] = 1.0
        parts.append(shifted)
    if n:
        top = proba.max(axis=0, keepdims=True)
        is_top = (proba >= top - 1e-6).astype(np.float32)                 # the page's most X-like line
        share = proba / np.maximum(proba.sum(axis=0, keepdims=True), 1e-6)  # its share of the page's X mass
        before = np.maximum.accumulate(np.vstack([np.zeros((1, c)), proba[:-1]]), axis=0)
        after = np.maximum.accumulate(np.vstack([np.zeros((1, c)), proba[::-1][:-1]]), axis=0)[::-1]
        parts += [is_top, share, before.astype(np.float32), after.astype(np.float32)]
    else:
        parts += [np.zeros((0, c), dtype=np.float32)] * 4
    return np.hstack(parts + [own]).astype(np.float32)


def own_columns(X) -> np.ndarray:
    """A page matrix's own dense columns (``_OWN``, the first of its row) as a dense array."""
    part = X[:, :len(_OWN)]
    return np.asarray(part.toarray() if sp.issparse(part) else part, dtype=np.float32)
