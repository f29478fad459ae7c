"""dedup: exact and near-duplicate documents.

    text ──normalise (NFKC, drop whitespace/punctuation/symbols, casefold)──▶
        exact key: sha1 of the normalised text
        near key:  MinHash signature over character shingles (one-permutation MinHash)
    ──▶ exact groups ▶ LSH banding of one representative per group ▶ candidate pairs
    verified by estimated Jaccard ▶ connected components (scipy) ▶ clusters

Each document gets ``dup_cluster`` (the doc_id of the kept copy of its cluster) and
``is_duplicate`` (true for every copy but the kept one). The kept copy is the LONGEST
(most characters in the cleaned body); ties go to the EARLIEST page path, then the lower
ordinal, then the smaller doc_id, so the choice is deterministic (``[dedup] keep =
"earliest"`` puts the earliest page path first and length second).

Why a one-permutation MinHash instead of datasketch's ``MinHash``: datasketch hashes every
shingle with sha1 and applies ``num_perm`` permutations per shingle, ~0.35 M chars/s here,
ten times slower than segmentation itself. One-permutation hashing with rotation
densification (Shrivastava & Li, ICML 2014) hashes every shingle once (in numpy: about
twenty calls per text, whatever its length) and yields a signature with the same LSH and
Jaccard-estimate properties. Signatures are computed per page in the workers (``fingerprint``); only the
global clustering (``find_clusters``) runs in the driver, and it never compares all pairs:
band buckets give the candidates.

Texts with fewer than ``min_shingles`` shingles (including texts shorter than one
shingle) get no signature: they are deduplicated by their exact key only, so short texts
never collapse into one cluster. An empty normalised text is never a duplicate.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from pipeline.config import ConfigError
from pipeline.records import Document

# \W is "not a word character": whitespace, punctuation and symbols (CJK characters,
# letters and digits are word characters); "_" is a word character but punctuation to us.
_FOLD = re.compile(r"[\W_]+")
_EMPTY = np.uint64(1 << 32)          # bin sentinel above every 32-bit value
_MASK32 = np.uint64(0xFFFFFFFF)
_ROTATION_STEP = np.uint64(0x9E3779B1)  # offset per borrowed bin (distinguishes borrowed values)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_BASE = 0x100000001B3                # polynomial base of the shingle hash


@dataclass(slots=True)       # slots: no per-instance dict (one per document, kept by the driver)
class Fingerprint:
    """What dedup needs of one document: its exact key and its MinHash (None when short)."""

    exact: str                        # sha1 of the normalised text, 20 hex digits ("" when empty)
    signature: np.ndarray | None      # uint32[num_perm], or None below min_shingles


@dataclass(slots=True)
class DedupEntry:
    """One document as the global clustering sees it (no text, no tokens)."""

    doc_id: str
    n_chars: int
    page_path: str
    ordinal: int
    fingerprint: Fingerprint


def mark_duplicates(docs: list[Document], cfg: dict, page_paths: dict[str, str] | None = None) -> None:
    """Set ``dup_cluster`` and ``is_duplicate`` on every document (in place).

    ``page_paths`` maps page_id → page path for the tie-break; without it the page id is used.
    """
    page_paths = page_paths or {}
    entries = [DedupEntry(d.doc_id, d.n_chars, page_paths.get(d.page_id, d.page_id), d.ordinal,
                          fingerprint(d.text, cfg)) for d in docs]
    for doc, (cluster, is_dup) in zip(docs, cluster_labels(entries, cfg)):
        doc.dup_cluster, doc.is_duplicate = cluster, is_dup


def cluster_labels(entries: Sequence[DedupEntry], cfg: dict) -> list[tuple[str, bool]]:
    """(dup_cluster, is_duplicate) for each entry, in order."""
    kept = find_clusters(entries, cfg)
    return [(entries[k].doc_id, k != i) for i, k in enumerate(kept)]


def find_clusters(entries: Sequence[DedupEntry], cfg: dict) -> list[int]:
    """For each entry, the index of its cluster's kept copy (itself when unique).

    Clusters are the connected components of the graph whose edges join each copy of a
    normalised text to its first copy (exact) and the LSH candidate pairs whose estimated
    Jaccard clears the threshold (near); scipy finds the components in C."""
    n = len(entries)
    # exact groups: same normalised text (empty text is never a duplicate); each copy is
    # joined to the group's first entry, the first entries with a signature go on to LSH
    exact = np.array([e.fingerprint.exact for e in entries], dtype=object)
    codes, _ = pd.factorize(exact)              # group numbers in order of first appearance
    firsts = np.full(codes.max() + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(firsts, codes, np.arange(n))
    first = firsts[codes]
    copies = np.flatnonzero((first != np.arange(n)) & (exact != ""))
    heads, tails = first[copies].tolist(), copies.tolist()
    representatives = [i for i in np.flatnonzero(first == np.arange(n)).tolist()
                       if entries[i].fingerprint.exact and entries[i].fingerprint.signature is not None]

    # near groups: LSH over the representatives' signatures, candidates verified
    if len(representatives) > 1:
        num_perm = len(entries[representatives[0]].fingerprint.signature)
        sigs = np.concatenate([entries[i].fingerprint.signature for i in representatives]).reshape(-1, num_perm)
        for a, b in candidate_pairs(sigs, float(cfg["threshold"]), int(cfg["max_bucket_checks"])):
            heads.append(representatives[a])
            tails.append(representatives[b])

    if not heads:
        return list(range(n))
    graph = coo_matrix((np.ones(len(heads), dtype=np.int8), (heads, tails)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    return _kept_per_cluster(entries, component.tolist(), keep_rule(cfg))


def candidate_pairs(sigs: np.ndarray, threshold: float, max_checks: int) -> Iterable[tuple[int, int]]:
    """Pairs of rows of ``sigs`` (n × num_perm) whose estimated Jaccard is ≥ threshold.

    Rows are bucketed by each band of the signature (never all pairs); within a bucket,
    each member is checked against up to ``max_checks`` earlier members, enough to join it
    to its cluster while keeping a bucket of m near-identical texts O(m), not O(m²). A
    member stops at the first earlier one that is similar enough or already linked to it
    (which means similar enough): so the pairs found do not depend on the buckets' order.
    """
    n, num_perm = sigs.shape
    bands, rows = lsh_bands(threshold, num_perm)
    linked: set[tuple[int, int]] = set()
    for members in _buckets(sigs, bands, rows):
        for pos in range(1, len(members)):
            j = int(members[pos])
            for i in members[max(0, pos - max_checks):pos]:
                i = int(i)
                if (i, j) in linked:
                    break
                if estimated_jaccard(sigs[i], sigs[j]) >= threshold:
                    linked.add((i, j))
                    yield i, j
                    break


def _buckets(sigs: np.ndarray, bands: int, rows: int) -> Iterable[np.ndarray]:
    """Per band, the rows (indices, ascending) that share the band's values, two or more.

    Each band of each row is reduced to two independent 64-bit hashes (weighted sums of its
    columns), computed in one sequential pass over the signatures. Rows are grouped by the
    first hash in a hash table (``pandas.factorize``: linear in n, no sort of all rows);
    only the rows whose first hash is shared are then sorted by (group, second hash),
    stably, so a bucket lists its rows in index order, and a bucket is a run of equal
    pairs. Two different bands would have to agree on 128 hash bits to share a bucket, and
    even then each candidate pair is still checked by its estimated Jaccard. (Sorting the
    bands' bytes gave the same buckets several times slower: each band gathered from the
    whole signature matrix.)"""
    n = len(sigs)
    rng = np.random.default_rng(rows)     # fixed weights: the same buckets on every run
    w1, w2 = (rng.integers(1, 2**63, size=rows, dtype=np.uint64) | np.uint64(1) for _ in range(2))
    key1 = np.empty((n, bands), dtype=np.uint64)
    key2 = np.empty((n, bands), dtype=np.uint64)
    for start in range(0, n, 4096):       # a block of rows at a time: it stays in cache
        block = sigs[start:start + 4096, :bands * rows].astype(np.uint64).reshape(-1, bands, rows)
        with np.errstate(over="ignore"):
            key1[start:start + 4096] = (block * w1).sum(axis=2, dtype=np.uint64)
            key2[start:start + 4096] = (block * w2).sum(axis=2, dtype=np.uint64)
    for b in range(bands):
        k1, k2 = key1[:, b], key2[:, b]
        # rows grouped by the first hash in a hash table (linear, not a sort of all n rows);
        # only rows that share it with another are sorted, by (group, second hash), stably
        codes = pd.factorize(k1)[0]
        shared = np.flatnonzero(np.bincount(codes)[codes] > 1)
        if len(shared) < 2:
            continue
        order = shared[np.lexsort((k2[shared], codes[shared]))]
        s1, s2 = codes[order], k2[order]
        same = (s1[1:] == s1[:-1]) & (s2[1:] == s2[:-1])
        starts = np.flatnonzero(np.r_[True, ~same])
        ends = np.r_[starts[1:], len(order)]
        for s, e in zip(starts[ends - starts > 1].tolist(), ends[ends - starts > 1].tolist()):
            yield order[s:e]


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Share of equal signature positions: an unbiased estimate of the shingle Jaccard."""
    return float(np.count_nonzero(a == b)) / len(a)


def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) with bands × rows ≤ num_perm minimising the weighted area of
    false positives below and false negatives above the threshold (as datasketch does)."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"dedup.threshold must be in (0, 1), got {threshold!r}")
    grid = np.linspace(0.0, 1.0, 201)
    best, best_err = (1, num_perm), float("inf")
    for bands in range(1, num_perm + 1):
        rows = num_perm // bands
        p = 1.0 - (1.0 - grid ** rows) ** bands          # chance a pair at Jaccard s is a candidate
        fp = np.trapezoid(np.where(grid < threshold, p, 0.0), grid)
        fn = np.trapezoid(np.where(grid >= threshold, 1.0 - p, 0.0), grid)
        err = 0.5 * fp + 0.5 * fn
        if err < best_err:
            best, best_err = (bands, rows), err
    return best


KEEP_RULES = {
    # longest copy first, ties to the earliest page path (the default)
    "longest": lambda e: (-e.n_chars, e.page_path, e.ordinal, e.doc_id),
    # the copy on the earliest page path first, ties to the longest
    "earliest": lambda e: (e.page_path, e.ordinal, -e.n_chars, e.doc_id),
}


def keep_rule(cfg: dict):
    """The sort key whose smallest member of a cluster is kept (``[dedup] keep``)."""
    name = cfg["keep"]
    if name not in KEEP_RULES:
        raise ConfigError(f"[dedup] keep = {name!r}; valid: {', '.join(KEEP_RULES)}")
    return KEEP_RULES[name]


def _kept_per_cluster(entries: Sequence[DedupEntry], roots: list[int], key) -> list[int]:
    """The kept copy of each cluster (``roots``: a cluster id per entry): the member with the
    smallest ``key`` (only clusters of two or more are looked at: the rest keep themselves)."""
    ids = np.asarray(roots, dtype=np.int64)
    shared = np.flatnonzero(np.bincount(ids, minlength=1)[ids] > 1).tolist()
    kept = list(range(len(roots)))
    best: dict[int, int] = {}
    for i in shared:
        root = roots[i]
        j = best.get(root)
        if j is None or key(entries[i]) < key(entries[j]):
            best[root] = i
    for i in shared:
        kept[i] = best[roots[i]]
    return kept


def normalise(text: str) -> str:
    """NFKC, whitespace/punctuation/symbols removed, case folded: what "same text" means.

    Folding runs first because NFKC is the slow part and most Chinese text is already in
    NFKC once its full-width punctuation is gone; the quick check then skips NFKC.
    """
    folded = _fold(text)
    if not unicodedata.is_normalized("NFKC", folded):
        folded = _fold(unicodedata.normalize("NFKC", folded))
    return folded.casefold()


def _fold(text: str) -> str:
    """``text`` without whitespace, punctuation, symbols and "_" (what ``_FOLD`` matches)."""
    return _FOLD.sub("", text)


def fingerprint(text: str, cfg: dict) -> Fingerprint:
    """Exact key and MinHash signature of a document's text."""
    norm = normalise(text)
    if not norm:
        return Fingerprint("", None)
    exact = hashlib.sha1(norm.encode("utf-8")).hexdigest()[:20]
    k, num_perm = int(cfg["shingle"]), int(cfg["num_perm"])
    if len(norm) - k + 1 < max(1, int(cfg["min_shingles"])):
        return Fingerprint(exact, None)
    return Fingerprint(exact, minhash(norm, k, num_perm))


def minhash(norm: str, k: int, num_perm: int) -> np.ndarray:
    """One-permutation MinHash (uint32[num_perm]) of the k-character shingles of ``norm``.

    Each shingle is hashed once (a polynomial hash of its code points modulo 2**64, then a
    64-bit mixer); the high bits choose the bin, the low 32 bits are the value, and each
    bin keeps its minimum. Empty bins borrow the value of the next non-empty bin to the
    right (circularly), offset by the distance, so equal shingle sets give equal
    signatures. Every step is one numpy call over all shingles: for the short texts dedup
    sees by the thousand the cost is the number of calls, so there are few.
    """
    if not 1 <= k <= len(norm) or num_perm < 1:
        raise ValueError(f"minhash needs 1 <= k <= len(text) and num_perm >= 1, got k={k}, "
                         f"len={len(norm)}, num_perm={num_perm}")
    codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    # the polynomial hash of every window at once: sum of code * BASE**(k-1-j), wrapping
    h = np.correlate(codes, _powers(k), "valid")
    h ^= h >> np.uint64(30)
    h *= _MIX1
    h ^= h >> np.uint64(27)
    h *= _MIX2
    h ^= h >> np.uint64(31)
    sig = np.full(num_perm, _EMPTY, dtype=np.uint64)
    np.minimum.at(sig, (h >> np.uint64(32)) % np.uint64(num_perm), h & _MASK32)
    empty = np.flatnonzero(sig == _EMPTY)
    if len(empty):
        full = np.flatnonzero(sig != _EMPTY)
        donor = full[np.searchsorted(full, empty) % len(full)]
        distance = ((donor - empty) % num_perm).astype(np.uint64)
        sig[empty] = (sig[donor] + distance * _ROTATION_STEP) & _MASK32
    return sig.astype(np.uint32)


@lru_cache(maxsize=8)
def _powers(k: int) -> np.ndarray:
    """BASE**(k-1), …, BASE, 1 modulo 2**64: the weights of a shingle's code points."""
    return np.array([pow(_BASE, k - 1 - j, 1 << 64) for j in range(k)], dtype=np.uint64)
