"""Calibrated probabilities of a linear text classifier without scikit-learn's per-class calls.

The genre model is a ``Pipeline`` of feature steps and a ``CalibratedClassifierCV`` over a
linear SVM with sigmoid calibration. Its ``predict_proba`` calls each class's calibrator in
turn, each with its own input checks: with 31 genres that is most of the classifier's time
for one document. ``CalibratedProba`` computes the same numbers as one matrix product and
one vectorised sigmoid per calibrated classifier (the arithmetic of scikit-learn's
``_CalibratedClassifier.predict_proba``, property-tested equal); for any other final step
it calls the model's own ``predict_proba``.

    >>> proba = CalibratedProba(model)          # doctest: +SKIP
    >>> proba(["现将自查情况报告如下：…"])          # doctest: +SKIP
    array([[0.01, …]])
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit


class CalibratedProba:
    """``model.predict_proba`` for a fitted Pipeline ending in CalibratedClassifierCV
    (sigmoid, a linear estimator with ``coef_``/``intercept_``); the model's own method for
    anything else."""

    def __init__(self, model):
        from pipeline.genre.feature_rows import FeatureRows

        self.model = model
        self._parts = _calibrated_parts(model)
        self._features = FeatureRows(model)     # = model[:-1].transform

    def __call__(self, texts) -> np.ndarray:
        if self._parts is None:
            return self.model.predict_proba(texts)
        from sklearn.utils.extmath import safe_sparse_dot

        X = self._features(texts)
        n_classes = len(self.model.classes_)
        mean = np.zeros((X.shape[0], n_classes))
        for coef_t, intercept, index, a, b in self._parts:
            coef_t = _as_dtype(coef_t, np.result_type(X.dtype, coef_t.dtype))
            decision = safe_sparse_dot(X, coef_t, dense_output=True) + intercept
            if decision.ndim == 1 or decision.shape[1] == 1:
                decision = decision.reshape(-1, 1)
            proba = np.zeros((X.shape[0], n_classes))
            proba[:, index] = expit(-(a * decision + b))
            if n_classes == 2:
                proba[:, 0] = 1.0 - proba[:, 1]
            else:
                denominator = proba.sum(axis=1)[:, np.newaxis]
                proba = np.divide(proba, denominator, out=np.full_like(proba, 1 / n_classes),
                                  where=denominator != 0)
            proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
            mean += proba
        return mean / len(self._parts)


def _calibrated_parts(model) -> list[tuple] | None:
    """Per calibrated classifier: (coef transposed, intercept, column of each calibrator's
    class, a, b); None when the model is not a Pipeline ending in a sigmoid-calibrated linear
    classifier. The transposed coefficients are stored C-contiguous: ``X @ coef.T`` would
    copy the whole (features × classes) array on every call (scipy ravels its operand, and
    casts it to the product's type: ``_as_dtype`` keeps that cast too)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline

    if not isinstance(model, Pipeline) or not isinstance(model[-1], CalibratedClassifierCV):
        return None
    parts = []
    for cc in model[-1].calibrated_classifiers_:
        est = cc.estimator
        if getattr(cc, "method", None) != "sigmoid" or not (hasattr(est, "coef_") and hasattr(est, "intercept_")):
            return None
        if not all(hasattr(c, "a_") and hasattr(c, "b_") for c in cc.calibrators):
            return None
        classes = np.asarray(cc.classes)
        index = np.searchsorted(classes, est.classes_)        # LabelEncoder().fit(classes).transform
        if len(classes) == 2:
            index = index[:1] + 1                               # binary: one calibrator, for classes_[1]
        index = index[: len(cc.calibrators)]
        a = np.array([c.a_ for c in cc.calibrators], dtype=float)
        b = np.array([c.b_ for c in cc.calibrators], dtype=float)
        parts.append((np.ascontiguousarray(est.coef_.T), est.intercept_, index, a, b))
    return parts


_CAST: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}


def _as_dtype(array: np.ndarray, dtype) -> np.ndarray:
    """``array`` cast to ``dtype`` once (kept while ``array`` lives): what scipy's sparse
    product would cast it to on every call."""
    if array.dtype == dtype:
        return array
    key = (id(array), np.dtype(dtype).str)
    cast = _CAST.get(key)
    if cast is None or cast[0] is not array:
        cast = _CAST[key] = (array, np.ascontiguousarray(array, dtype=dtype))
    return cast[1]
