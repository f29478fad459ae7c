"""Hashed token counts as scikit-learn's ``HashingVectorizer`` computes them, in fewer steps.

``HashingVectorizer.transform`` (``alternate_sign=False``) walks every token of a text in
Python, hashes it (MurmurHash3 of its UTF-8 bytes, column ``|h| mod n_features``) and sums
the duplicates. Over a text's character 1–3-grams that is most of what the genre model and
the line model spend on their features. Here character n-grams are hashed in numpy, all at
once, over their spans of the text's UTF-8 bytes (``char_ngram_rows``); other tokens (words,
structure tokens) are counted first (``collections.Counter``, in C) and each distinct one's
column comes from a per-process memo (``hashed_rows``). Either way the rows are scikit-learn's
own, bit for bit (property-tested in tests/test_hashed_ngrams.py).

    >>> indices, data = hashed_row(char_ngram_counts("ab a", word_bounded=True), 16)
    >>> int(data.sum())          # the 9 n-grams of " ab " and the 6 of " a " (words padded with a space)
    15
"""
from __future__ import annotations

import re
from collections import Counter
from itertools import chain

import numpy as np
import scipy.sparse as sp

_WHITE_SPACES = re.compile(r"\s\s+")    # scikit-learn's own normalisation of a text's spaces
_MEMO_MAX = 1 << 18                     # distinct tokens remembered per column count (then forgotten)
_MEMOS: dict[int, dict[str, int]] = {}


def char_ngram_counts(text: str, word_bounded: bool, ngram_range: tuple[int, int] = (1, 3),
                      lowercase: bool = False) -> Counter:
    """Counts of the character n-grams scikit-learn's ``char`` (``word_bounded=False``) or
    ``char_wb`` analyzer yields for ``text`` (after ``str.lower`` when ``lowercase``)."""
    if lowercase:
        text = text.lower()
    text = _WHITE_SPACES.sub(" ", text)
    lo, hi = ngram_range
    counts: Counter = Counter()
    if not word_bounded:
        for n in range(lo, min(hi, len(text)) + 1):
            counts.update(_substrings(text, n))
        return counts
    for word in text.split():
        w = " " + word + " "
        size = len(w)
        for n in range(lo, hi + 1):
            if size <= n:           # a short word is counted once, whole, and no longer n-gram follows
                counts[w[:n]] += 1
                break
            counts.update(_substrings(w, n))
    return counts


def _substrings(text: str, n: int):
    """Every substring of ``text`` of length ``n``, left to right (built in C)."""
    if n == 1:
        return text
    return map(text.__getitem__, map(slice, range(len(text) - n + 1), range(n, len(text) + 1)))


def hashed_row(counts: Counter, n_features: int, dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """One row of ``HashingVectorizer(alternate_sign=False, norm=None)``: its column indices
    (sorted, int32) and their summed counts (``dtype``)."""
    X = hashed_rows([counts], n_features, dtype)
    return X.indices, X.data


def hashed_rows(counts: list[Counter], n_features: int, dtype=np.float32) -> sp.csr_matrix:
    """``HashingVectorizer(alternate_sign=False, norm=None)`` rows, one per token count: each
    row's columns sorted, tokens that share a column added up."""
    sizes = np.fromiter(map(len, counts), dtype=np.int64, count=len(counts))
    tokens = list(chain.from_iterable(counts))
    values = np.fromiter(chain.from_iterable(c.values() for c in counts), dtype=np.float64, count=len(tokens))
    keys = np.repeat(np.arange(len(counts), dtype=np.int64), sizes) * n_features + token_columns(tokens, n_features)
    unique, inverse = np.unique(keys, return_inverse=True)
    summed = np.bincount(inverse, weights=values, minlength=len(unique))
    row_sizes = np.bincount(unique // n_features, minlength=len(counts))
    indptr = np.concatenate([[0], np.cumsum(row_sizes)]).astype(np.int32)
    return sp.csr_matrix((summed.astype(dtype), (unique % n_features).astype(np.int32), indptr),
                         shape=(len(counts), n_features))


def token_columns(tokens: list[str], n_features: int) -> np.ndarray:
    """The column of each token in a hashed space of ``n_features`` columns (scikit-learn's
    ``_hashing_fast``: MurmurHash3, seed 0, of the UTF-8 bytes; ``|h| mod n``)."""
    memo = _MEMOS.get(n_features)
    if memo is None or len(memo) > _MEMO_MAX:
        memo = _MEMOS[n_features] = {}
    found = list(map(memo.get, tokens))
    if None in found:
        from sklearn.utils.murmurhash import murmurhash3_32

        for k in [k for k, col in enumerate(found) if col is None]:
            token = tokens[k]
            h = murmurhash3_32(token, seed=0)
            col = (2147483647 - (n_features - 1)) % n_features if h == -2147483648 else abs(h) % n_features
            memo[token] = found[k] = col
    return np.fromiter(found, dtype=np.int64, count=len(found))


# ----------------------------------------------------------------------------- character n-grams

def char_ngram_rows(texts: list[str], word_bounded: bool, n_features: int, ngram_range: tuple[int, int] = (1, 3),
                    lowercase: bool = False, dtype=np.float32) -> sp.csr_matrix:
    """``HashingVectorizer(analyzer="char" or "char_wb", alternate_sign=False, norm=None)``
    rows of ``texts``: every n-gram hashed in numpy over its span of the text's UTF-8 bytes
    (``murmurhash3_spans``), the columns counted. n-grams longer than 3
    characters, or a text Python cannot encode, go through ``char_ngram_counts``."""
    lo, hi = ngram_range
    if not 1 <= lo <= hi <= 3:
        return hashed_rows([char_ngram_counts(t, word_bounded, ngram_range, lowercase) for t in texts], n_features, dtype)
    segments, owners = [], []
    for row, text in enumerate(texts):
        if lowercase:
            text = text.lower()
        text = _WHITE_SPACES.sub(" ", text)
        parts = [f" {w} " for w in text.split()] if word_bounded else ([text] if text else [])
        segments.extend(parts)
        owners.extend([row] * len(parts))
    joined = "".join(segments)
    try:
        utf8 = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
        points = np.frombuffer(joined.encode("utf-32-le"), dtype="<u4").astype(np.int64)
    except UnicodeEncodeError:      # a lone surrogate: scikit-learn's own error, from the slow path
        return hashed_rows([char_ngram_counts(t, word_bounded, ngram_range, lowercase) for t in texts], n_features, dtype)
    if not len(points):
        return sp.csr_matrix((len(texts), n_features), dtype=dtype)
    byte_at = np.zeros(len(points) + 1, dtype=np.int64)      # where each character starts in ``utf8``
    np.cumsum(1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000), out=byte_at[1:])
    sizes = np.fromiter(map(len, segments), dtype=np.int64, count=len(segments))
    segment_of = np.repeat(np.arange(len(segments)), sizes)
    segment_end = np.cumsum(sizes)[segment_of]                 # per character: the end of its segment
    row_of = np.asarray(owners, dtype=np.int64)[segment_of]
    position = np.arange(len(points))
    cells = []
    for n in range(lo, hi + 1):
        starts = position[position + n <= segment_end]         # n-grams never cross a segment
        begin = byte_at[starts]
        hashes = murmurhash3_spans(utf8, begin, byte_at[starts + n] - begin)
        cells.append(row_of[starts] * n_features + _column(hashes, n_features))
    cells = np.concatenate(cells)
    if len(texts) == 1:             # one row: count columns directly (no sort)
        counts = np.bincount(cells, minlength=n_features)
        columns = np.flatnonzero(counts)
        counts, indptr = counts[columns], np.array([0, len(columns)], dtype=np.int32)
    else:
        cells, counts = np.unique(cells, return_counts=True)
        columns = cells % n_features
        indptr = np.concatenate([[0], np.cumsum(np.bincount(cells // n_features, minlength=len(texts)))])
    return sp.csr_matrix((counts.astype(dtype), columns.astype(np.int32), indptr.astype(np.int32)),
                         shape=(len(texts), n_features))


def _column(h: np.ndarray, n_features: int) -> np.ndarray:
    """scikit-learn's column of a signed 32-bit hash: |h| mod n (|-2^31| defined as it does)."""
    signed = h.view(np.int32).astype(np.int64)
    return np.where(signed == -2147483648, (2147483647 - (n_features - 1)) % n_features, np.abs(signed) % n_features)


_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)


def murmurhash3_spans(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """MurmurHash3 (x86, 32 bit, seed 0) of the byte strings ``data[s:s + l]`` (uint8 array),
    one per (start, length): what ``sklearn.utils.murmurhash3_32`` gives each of them."""
    padded = np.concatenate([data, np.zeros(4, dtype=np.uint8)]).astype(np.uint32)
    h = np.zeros(len(starts), dtype=np.uint32)
    blocks = lengths // 4
    for b in range(int(blocks.max()) if len(blocks) else 0):
        live = np.flatnonzero(blocks > b)
        at = starts[live] + 4 * b
        k = padded[at] | (padded[at + 1] << 8) | (padded[at + 2] << 16) | (padded[at + 3] << 24)
        h[live] = _rotl(_rotl(k * _C1, 15) * _C2 ^ h[live], 13) * np.uint32(5) + np.uint32(0xE6546B64)
    rest = lengths & 3
    tail = starts + 4 * blocks
    k = np.zeros(len(starts), dtype=np.uint32)
    for t in (2, 1, 0):
        k = np.where(rest > t, k ^ (padded[tail + t] << np.uint32(8 * t)), k)
    h = np.where(rest > 0, h ^ (_rotl(k * _C1, 15) * _C2), h)
    h ^= lengths.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))
