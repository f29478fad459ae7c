"""The line model: every line of a page → chrome | intro | page_title | report_title | body.

Two stacked multinomial logistic regressions. The first reads ``line_features.page_matrix``
rows (a line, its neighbours' dense features, character n-grams); the second
(``line_features.context_matrix``) reads the first one's class probabilities of the line and
of its neighbours, where the line stands among the page's title-like lines, and the line's
own dense features, so a line's label follows from how its neighbours were read (stacking à
la Web2Text). Both are trained on the labelled 范文 dev pages and the sample page
(``pipeline.clean.line_training``, ``make line-model``; the second on out-of-fold probabilities
of the first), shipped as ``models/lines/line_model.skops`` and ``line_context.skops`` with
``model_card.json``. Without the second file the first stage decides alone.

Loading is safe and cheap: the skops file may hold nothing but a scikit-learn
``LogisticRegression`` and numpy arrays (anything else is refused); the prediction needs
only its ``coef_``, ``intercept_`` and ``classes_``, which are cached as a plain ``.npz``
(read with ``allow_pickle=False``) in the user's cache (``model_cache_dir``), so a worker does not pay
skops' import on every build.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from pipeline.evaluation.fanwen_data import LINE_LABELS

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "lines"
MODEL_FILE = "line_model.skops"
CONTEXT_FILE = "line_context.skops"     # the second stage
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
    context_coef: np.ndarray | None = None        # second stage (None: the first decides alone)
    context_intercept: np.ndarray | None = None

    @classmethod
    def from_estimator(cls, est, context=None) -> "LineModel":
        if context is not None and tuple(map(str, context.classes_)) != tuple(map(str, est.classes_)):
            raise LineModelError("the two stages of a line model must have the same classes in the same order")
        return cls(tuple(str(c) for c in est.classes_), np.asarray(est.coef_, dtype=np.float32),
                   np.asarray(est.intercept_, dtype=np.float32),
                   None if context is None else np.asarray(context.coef_, dtype=np.float32),
                   None if context is None else np.asarray(context.intercept_, dtype=np.float32))

    def first_stage(self, X) -> np.ndarray:
        """Rows of ``X`` (sparse or dense) → the first stage's class probabilities."""
        if X.shape[0] == 0:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        return _softmax(np.asarray(X @ self._coef_t) + self.intercept, len(self.classes))

    @cached_property
    def _coef_t(self) -> np.ndarray:
        # C-contiguous: ``X @ self.coef.T`` would copy the transposed array on every page
        return np.ascontiguousarray(self.coef.T)

    def predict_proba(self, X) -> np.ndarray:
        """One page's rows of ``X`` (in line order) → class probabilities (the second stage's
        when the model has one)."""
        proba = self.first_stage(X)
        if self.context_coef is None or not len(proba):
            return proba
        from pipeline.clean.line_features import context_matrix, own_columns

        Z = context_matrix(own_columns(X), proba.astype(np.float32))
        return _softmax(Z @ self.context_coef.T + self.context_intercept, len(self.classes))

    def label_lines(self, X, nonbody_p: float | None = None) -> list[tuple[str, float]]:
        """The most probable label of each row and its probability; with ``nonbody_p``, a row
        whose chrome + intro + page_title probabilities reach it together gets the most probable
        of those labels and their summed probability (the line is more likely not report text,
        though body may be the single most probable label)."""
        proba = self.predict_proba(X)
        best = proba.argmax(axis=1) if len(proba) else []
        decided = [(self.classes[b], float(proba[k, b])) for k, b in enumerate(best)]
        cols = [k for k, c in enumerate(self.classes) if c in NONBODY]
        if nonbody_p is None or not cols or not len(proba):
            return decided
        mass = proba[:, cols].sum(axis=1)
        top = np.asarray(cols)[proba[:, cols].argmax(axis=1)]
        return [(self.classes[top[k]], float(mass[k])) if mass[k] >= nonbody_p and label not in NONBODY else (label, p)
                for k, (label, p) in enumerate(decided)]

    @classmethod
    def load(cls, model_dir: Path | None = None) -> "LineModel | None":
        """The shipped model (None when the folder holds no model file)."""
        path = Path(model_dir or DEFAULT_MODEL_DIR) / MODEL_FILE
        if not path.is_file():
            return None
        context_path = path.with_name(CONTEXT_FILE)
        h = hashlib.sha1(path.read_bytes())
        if context_path.is_file():
            h.update(context_path.read_bytes())
        cached = _cache_path(h.hexdigest()[:20])
        if cached is not None and cached.is_file():
            try:
                with np.load(cached, allow_pickle=False) as z:
                    stage2 = (z["context_coef"], z["context_intercept"]) if "context_coef" in z.files else (None, None)
                    return cls(tuple(str(c) for c in z["classes"]), z["coef"], z["intercept"], *stage2)
            except (OSError, ValueError, KeyError):
                pass
        model = cls.from_estimator(load_estimator(path),
                                   load_estimator(context_path) if context_path.is_file() else None)
        if cached is not None:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                tmp = cached.with_suffix(".tmp.npz")
                stage2 = {} if model.context_coef is None else {"context_coef": model.context_coef,
                                                                  "context_intercept": model.context_intercept}
                np.savez(tmp, classes=np.array(model.classes), coef=model.coef, intercept=model.intercept, **stage2)
                tmp.replace(cached)
            except OSError:
                pass
        return model


def _softmax(z: np.ndarray, n_classes: int) -> np.ndarray:
    if n_classes == 2:      # binary LogisticRegression keeps one row of coefficients
        z = np.hstack([-z, z])
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


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
    folder = model_cache_dir()
    return None if folder is None else folder / f"lines-{digest}.npz"


def model_cache_dir() -> Path | None:
    """Where the line model's arrays are cached: ``$POLICY_CORPUS_MODEL_CACHE`` (empty: no
    cache), else ``$XDG_CACHE_HOME/policy-corpus/models``, else ``~/.cache/policy-corpus/models``."""
    explicit = os.environ.get("POLICY_CORPUS_MODEL_CACHE")
    if explicit is not None:
        return Path(explicit) if explicit else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "policy-corpus" / "models"
