"""The line model: every line of a page → chrome | intro | page_title | report_title | body.

A multinomial logistic regression over ``line_features.page_matrix`` rows, trained on the
labelled 范文 dev pages and the sample page (``pipeline.line_training``, ``make line-model``),
shipped as ``models/lines/line_model.skops`` with ``model_card.json``.

Loading is safe and cheap: the skops file may hold nothing but a scikit-learn
``LogisticRegression`` and numpy arrays (anything else is refused); the prediction needs
only its ``coef_``, ``intercept_`` and ``classes_``, which are cached as a plain ``.npz``
(read with ``allow_pickle=False``) beside the genre model's cache, so a worker does not pay
skops' import on every build.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .fanwen_data import LINE_LABELS

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "lines"
MODEL_FILE = "line_model.skops"
CARD_FILE = "model_card.json"
NONBODY = ("chrome", "intro", "page_title")
# what a line-model file may contain (skops lists these as untrusted unless named)
TRUSTED_TYPES = ("numpy.dtype", "numpy.ndarray", "numpy.float64", "numpy.int64", "numpy.str_",
                 "sklearn.linear_model._logistic.LogisticRegression")


class LineModelError(RuntimeError):
    pass


@dataclass(frozen=True)
class LineModel:
    """Linear scores of the line classes; ``classes`` are label names in column order."""

    classes: tuple[str, ...]
    coef: np.ndarray          # (n_classes, n_features)
    intercept: np.ndarray     # (n_classes,)

    @classmethod
    def from_estimator(cls, est) -> "LineModel":
        return cls(tuple(str(c) for c in est.classes_), np.asarray(est.coef_, dtype=np.float32),
                   np.asarray(est.intercept_, dtype=np.float32))

    def predict_proba(self, X) -> np.ndarray:
        """Rows of ``X`` (sparse or dense) → class probabilities (softmax of the linear scores)."""
        if X.shape[0] == 0:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        z = np.asarray(X @ self.coef.T) + self.intercept
        if len(self.classes) == 2:      # binary LogisticRegression keeps one row of coefficients
            z = np.hstack([-z, z])
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def label_lines(self, X) -> list[tuple[str, float]]:
        """The most probable label of each row and its probability."""
        proba = self.predict_proba(X)
        best = proba.argmax(axis=1) if len(proba) else []
        return [(self.classes[b], float(proba[k, b])) for k, b in enumerate(best)]

    @classmethod
    def load(cls, model_dir: Path | None = None) -> "LineModel | None":
        """The shipped model (None when the folder holds no model file)."""
        path = Path(model_dir or DEFAULT_MODEL_DIR) / MODEL_FILE
        if not path.is_file():
            return None
        digest = hashlib.sha1(path.read_bytes()).hexdigest()[:20]
        cached = _cache_path(digest)
        if cached is not None and cached.is_file():
            try:
                with np.load(cached, allow_pickle=False) as z:
                    return cls(tuple(str(c) for c in z["classes"]), z["coef"], z["intercept"])
            except (OSError, ValueError, KeyError):
                pass
        model = cls.from_estimator(load_estimator(path))
        if cached is not None:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                tmp = cached.with_suffix(".tmp.npz")
                np.savez(tmp, classes=np.array(model.classes), coef=model.coef, intercept=model.intercept)
                tmp.replace(cached)
            except OSError:
                pass
        return model


def load_estimator(path: Path):
    """The LogisticRegression in a skops file, refusing any type outside ``TRUSTED_TYPES``."""
    import skops.io as sio

    untrusted = sio.get_untrusted_types(file=path)
    unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unexpected:
        raise LineModelError(f"{path} contains types this project does not trust: {unexpected}")
    est = sio.load(path, trusted=list(untrusted))
    if type(est).__name__ != "LogisticRegression" or set(map(str, est.classes_)) - set(LINE_LABELS):
        raise LineModelError(f"{path}: not a line model (a LogisticRegression over {LINE_LABELS})")
    return est


def _cache_path(digest: str) -> Path | None:
    from .genre import model_cache_dir

    folder = model_cache_dir()
    return None if folder is None else folder / f"lines-{digest}.npz"
