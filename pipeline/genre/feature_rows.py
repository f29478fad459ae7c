"""The feature rows of the genre model, computed without scikit-learn's per-call machinery.

The genre model is ``Pipeline(window ▶ FeatureUnion(hashed blocks, each optionally ▶
TfidfTransformer; cue counts) ▶ classifier)``. Its ``model[:-1].transform`` validates
its input at every step, walks every token through a Python generator and copies blocks on
the way; for one document at a time that costs more than the arithmetic. ``FeatureRows``
computes the same matrix directly: character n-grams found and hashed in numpy, other
tokens counted in C and hashed once per distinct token (``hashed_ngrams``), the TF-IDF scaling and L2 norm done with the same numpy
and scikit-learn kernels in the same order, the blocks put side by side as ``FeatureUnion``
does. Any step of another kind (or other settings) falls back to ``model[:-1].transform``.
``tests/test_feature_rows.py`` checks the rows equal scikit-learn's bit for bit.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import scipy.sparse as sp

from pipeline.text.hashed_ngrams import char_ngram_rows, hashed_rows


class FeatureRows:
    """``model[:-1].transform(texts)`` for a fitted feature Pipeline (see the module doc)."""

    def __init__(self, model):
        self.model = model
        self._plan = _plan(model)

    @property
    def direct(self) -> bool:
        """True when the rows are computed here, False when the model's own transform runs."""
        return self._plan is not None

    def __call__(self, texts) -> sp.csr_matrix:
        if self._plan is None:
            return self.model[:-1].transform(texts)
        before, blocks = self._plan
        for step in before:
            texts = step.windows(texts)
        parts = []
        for block, weight in blocks:
            X = block(texts)
            parts.append(X if weight is None else X * weight)
        return _side_by_side(parts)


class HashedBlock:
    """A HashingVectorizer (``alternate_sign=False``), optionally followed by a TfidfTransformer."""

    def __init__(self, hasher, tfidf=None):
        self.hasher, self.tfidf = hasher, tfidf
        self.chars = hasher.analyzer in ("char", "char_wb") and hasher.preprocessor is None \
            and hasher.strip_accents is None
        self.analyzer = None if self.chars else hasher.build_analyzer()

    def __call__(self, texts) -> sp.csr_matrix:
        h = self.hasher
        if self.chars:
            X = char_ngram_rows(list(texts), h.analyzer == "char_wb", h.n_features, tuple(h.ngram_range),
                                bool(h.lowercase), h.dtype)
        else:
            X = hashed_rows([Counter(self.analyzer(t)) for t in texts], h.n_features, h.dtype)
        if self.hasher.norm == "l2":
            _normalize_rows(X)
        if self.tfidf is not None:
            tfidf = self.tfidf
            if tfidf.sublinear_tf:
                np.log(X.data, X.data)
                X.data += 1.0
            if hasattr(tfidf, "idf_"):
                X.data *= tfidf.idf_[X.indices]
            if tfidf.norm == "l2":
                _normalize_rows(X)
        return X


def _normalize_rows(X: sp.csr_matrix) -> None:
    """scikit-learn's in-place L2 row normalisation (its own kernel: the same float order)."""
    from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

    inplace_csr_row_normalize_l2(X)


def _side_by_side(parts: list) -> sp.csr_matrix:
    """``scipy.sparse.hstack(parts).tocsr()`` (what FeatureUnion returns); one row directly."""
    if parts[0].shape[0] != 1:
        return sp.hstack(parts).tocsr()
    dtype = np.result_type(*[p.dtype for p in parts])
    offsets = np.cumsum([0] + [p.shape[1] for p in parts])
    parts = [sp.csr_matrix(p) for p in parts]
    indices = np.concatenate([p.indices.astype(np.int64) + off for p, off in zip(parts, offsets)])
    data = np.concatenate([p.data.astype(dtype) for p in parts])
    return sp.csr_matrix((data, indices.astype(np.int32), np.array([0, len(data)], dtype=np.int32)),
                         shape=(1, int(offsets[-1])))


def _plan(model):
    """(steps before the FeatureUnion, [(block, weight)]) or None when the model has a shape
    this module does not compute itself."""
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.pipeline import FeatureUnion, Pipeline

    from pipeline.genre.features import BodyWindow, CueCounts

    if not isinstance(model, Pipeline) or len(model.steps) < 2:
        return None
    before = [step for _, step in model.steps[:-2]]
    union = model.steps[-2][1]
    if any(type(step) is not BodyWindow for step in before) or type(union) is not FeatureUnion:
        return None
    weights = union.transformer_weights or {}
    blocks = []
    for name, trans in union.transformer_list:
        hasher = tfidf = None
        if type(trans) is HashingVectorizer:
            hasher = trans
        elif type(trans) is Pipeline and len(trans.steps) == 2 and type(trans.steps[0][1]) is HashingVectorizer \
                and type(trans.steps[1][1]) is TfidfTransformer:
            hasher, tfidf = trans.steps[0][1], trans.steps[1][1]
        if hasher is not None:
            if hasher.alternate_sign or hasher.binary or hasher.input != "content" or hasher.norm not in (None, "l2") \
                    or (tfidf is not None and tfidf.norm not in (None, "l2")):
                return None
            blocks.append((HashedBlock(hasher, tfidf), weights.get(name)))
        elif type(trans) is CueCounts:
            blocks.append((trans.counts, weights.get(name)))
        else:
            return None
    return before, blocks
