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

A page's lines are also decoded as one label sequence (``sequence_decode``: Viterbi and
forward-backward, the label transitions estimated from the training pages' gold sequences and
shipped as ``line_sequence.npz``): chrome and intros come in blocks, so a line that reads as
body alone but sits in such a block can still be read as chrome (``LineModel.label_lines``).

Loading is safe and cheap: the skops file may hold nothing but a scikit-learn
``LogisticRegression`` and numpy arrays (anything else is refused); the prediction needs
only its ``coef_``, ``intercept_`` and ``classes_``, which are cached as a plain ``.npz``
(read with ``allow_pickle=False``) in the user's cache (``model_cache_dir``), so a worker does not pay
skops' import on every build.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from pipeline.evaluation.fanwen_data import LINE_LABELS

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "lines"
MODEL_FILE = "line_model.skops"
CONTEXT_FILE = "line_context.skops"     # the second stage
SEQUENCE_FILE = "line_sequence.npz"     # the label transitions (``LabelSequence``)
CARD_FILE = "model_card.json"
NONBODY = ("chrome", "intro", "page_title")
# what a line-model file may contain (skops lists these as untrusted unless named)
TRUSTED_TYPES = ("numpy.dtype", "numpy.ndarray", "numpy.float64", "numpy.int64", "numpy.str_",
                 "sklearn.linear_model._logistic.LogisticRegression")


class LineModelError(RuntimeError):
    pass


@dataclass(frozen=True)
class LabelSequence:
    """How labels follow one another down a page, estimated from the gold label sequences of
    the training pages (smoothed counts): log probabilities of the first label, of a label
    after another (rows: the line above) and of the last label. Shipped beside the model as
    ``line_sequence.npz`` (plain arrays, read without pickle)."""

    log_start: np.ndarray         # (n_classes,)
    log_transition: np.ndarray    # (n_classes, n_classes)
    log_end: np.ndarray           # (n_classes,)

    @classmethod
    def estimate(cls, sequences, classes: tuple[str, ...], smoothing: float = 1.0) -> "LabelSequence":
        """Label sequences (one per page, in line order) → the smoothed log probabilities."""
        index = {c: k for k, c in enumerate(classes)}
        c = len(classes)
        start, trans, end = np.full(c, smoothing), np.full((c, c), smoothing), np.full(c, smoothing)
        for seq in sequences:
            ids = [index[lab] for lab in seq]
            if not ids:
                continue
            start[ids[0]] += 1
            end[ids[-1]] += 1
            np.add.at(trans, (ids[:-1], ids[1:]), 1)
        return cls(np.log(start / start.sum()), np.log(trans / trans.sum(axis=1, keepdims=True)), np.log(end / end.sum()))

    def arrays(self) -> dict[str, np.ndarray]:
        return {"log_start": self.log_start, "log_transition": self.log_transition, "log_end": self.log_end}

    @classmethod
    def from_arrays(cls, arrays, n_classes: int) -> "LabelSequence":
        seq = cls(*(np.asarray(arrays[k], dtype=np.float64) for k in ("log_start", "log_transition", "log_end")))
        if seq.log_start.shape != (n_classes,) or seq.log_transition.shape != (n_classes, n_classes) \
                or seq.log_end.shape != (n_classes,):
            raise LineModelError(f"a label sequence over {n_classes} classes needs arrays of {n_classes} "
                                 f"and {n_classes}×{n_classes} values")
        return seq


@dataclass(frozen=True)
class LineModel:
    """Linear scores of the line classes; ``classes`` are label names in column order."""

    classes: tuple[str, ...]
    coef: np.ndarray          # (n_classes, n_features)
    intercept: np.ndarray     # (n_classes,)
    context_coef: np.ndarray | None = None        # second stage (None: the first decides alone)
    context_intercept: np.ndarray | None = None
    sequence: LabelSequence | None = None           # label transitions for decoding a page as a sequence

    @classmethod
    def from_estimator(cls, est, context=None, sequence: LabelSequence | None = None) -> "LineModel":
        if context is not None and tuple(map(str, context.classes_)) != tuple(map(str, est.classes_)):
            raise LineModelError("the two stages of a line model must have the same classes in the same order")
        return cls(tuple(str(c) for c in est.classes_), np.asarray(est.coef_, dtype=np.float32),
                   np.asarray(est.intercept_, dtype=np.float32),
                   None if context is None else np.asarray(context.coef_, dtype=np.float32),
                   None if context is None else np.asarray(context.intercept_, dtype=np.float32), sequence)

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

    def label_lines(self, X, nonbody_p: float | None = None, sequence_weight: float = 0.0) -> list[tuple[str, float]]:
        """The label of each row and its probability: the row's most probable label; with
        ``nonbody_p``, a row read as body whose chrome + intro + page_title probabilities reach it
        together gets the most probable of those labels and their summed probability (the line
        is more likely not report text, though body is the single most probable label; a row
        read as a report title keeps that reading). With
        ``sequence_weight`` and a ``sequence``, the page's rows are decoded together as well
        (``sequence_decode``): a row the decoded sequence reads as chrome / intro / page_title
        (by the same two tests on its posterior marginals) while its own probabilities do not
        gets that label and its marginal. The decoder only adds non-body readings."""
        proba = self.predict_proba(X)
        if not len(proba):
            return []
        decided = self._decide(proba, proba.argmax(axis=1), nonbody_p)
        if sequence_weight <= 0 or self.sequence is None:
            return decided
        path, post = sequence_decode(proba, self.sequence, sequence_weight)
        in_sequence = self._decide(post, path, nonbody_p)
        return [seq if own[0] not in NONBODY and seq[0] in NONBODY else own for own, seq in zip(decided, in_sequence)]

    def _decide(self, proba: np.ndarray, best: np.ndarray, nonbody_p: float | None) -> list[tuple[str, float]]:
        decided = [(self.classes[b], float(proba[k, b])) for k, b in enumerate(best)]
        cols = [k for k, c in enumerate(self.classes) if c in NONBODY]
        if nonbody_p is None or not cols:
            return decided
        mass = proba[:, cols].sum(axis=1)
        top = np.asarray(cols)[proba[:, cols].argmax(axis=1)]
        # only over body: a line read as a report title keeps that reading (it is no report text either way)
        return [(self.classes[top[k]], float(mass[k])) if mass[k] >= nonbody_p and label == "body" else (label, p)
                for k, (label, p) in enumerate(decided)]

    @classmethod
    def load(cls, model_dir: Path | None = None) -> "LineModel | None":
        """The shipped model (None when the folder holds no model file)."""
        path = Path(model_dir or DEFAULT_MODEL_DIR) / MODEL_FILE
        if not path.is_file():
            return None
        context_path, sequence_path = path.with_name(CONTEXT_FILE), path.with_name(SEQUENCE_FILE)
        h = hashlib.sha1(path.read_bytes())
        for extra in (context_path, sequence_path):
            if extra.is_file():
                h.update(extra.name.encode())
                h.update(extra.read_bytes())
        cached = _cache_path(h.hexdigest()[:20])
        if cached is not None and cached.is_file():
            try:
                with np.load(cached, allow_pickle=False) as z:
                    classes = tuple(str(c) for c in z["classes"])
                    stage2 = (z["context_coef"], z["context_intercept"]) if "context_coef" in z.files else (None, None)
                    seq = LabelSequence.from_arrays(z, len(classes)) if "log_transition" in z.files else None
                    return cls(classes, z["coef"], z["intercept"], *stage2, seq)
            except (OSError, ValueError, KeyError, LineModelError):
                pass
        model = cls.from_estimator(load_estimator(path),
                                   load_estimator(context_path) if context_path.is_file() else None)
        if sequence_path.is_file():
            model = replace(model, sequence=load_sequence(sequence_path, model.classes))
        if cached is not None:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                tmp = cached.with_suffix(".tmp.npz")
                stage2 = {} if model.context_coef is None else {"context_coef": model.context_coef,
                                                                  "context_intercept": model.context_intercept}
                seq = {} if model.sequence is None else model.sequence.arrays()
                np.savez(tmp, classes=np.array(model.classes), coef=model.coef, intercept=model.intercept, **stage2, **seq)
                tmp.replace(cached)
            except OSError:
                pass
        return model


def load_sequence(path: Path, classes: tuple[str, ...]) -> LabelSequence:
    """The label sequence shipped beside a model (``SEQUENCE_FILE``: plain arrays, no pickle),
    checked against the model's classes."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if tuple(str(c) for c in z["classes"]) != tuple(classes):
                raise LineModelError(f"{path}: its classes are not the model's {classes}")
            return LabelSequence.from_arrays(z, len(classes))
    except (OSError, ValueError, KeyError) as exc:
        raise LineModelError(f"{path}: not a label sequence ({exc})") from exc


def save_sequence(path: Path, seq: LabelSequence, classes: tuple[str, ...]) -> None:
    np.savez(path, classes=np.array(classes), **seq.arrays())


def sequence_decode(proba: np.ndarray, seq: LabelSequence, weight: float) -> tuple[np.ndarray, np.ndarray]:
    """One page's rows of class probabilities (in line order) → the most probable label
    sequence (Viterbi: class indexes) and each row's posterior marginals (forward-backward),
    under emissions ``log proba`` and the log transitions (start, line to line, end) times
    ``weight``."""
    from scipy.special import logsumexp

    n, c = proba.shape
    if not n:
        return np.zeros(0, dtype=np.int64), proba
    emit = np.log(np.maximum(proba.astype(np.float64), 1e-12))
    trans, start, end = weight * seq.log_transition, weight * seq.log_start, weight * seq.log_end
    best = emit[0] + start
    back = np.zeros((n, c), dtype=np.int64)
    alpha = np.empty((n, c))
    alpha[0] = best
    for t in range(1, n):
        scores = best[:, None] + trans
        back[t] = scores.argmax(axis=0)
        best = scores.max(axis=0) + emit[t]
        alpha[t] = logsumexp(alpha[t - 1][:, None] + trans, 0) + emit[t]
    path = np.empty(n, dtype=np.int64)
    path[-1] = int((best + end).argmax())
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    beta = np.empty((n, c))
    beta[-1] = end
    for t in range(n - 2, -1, -1):
        beta[t] = logsumexp(trans + (emit[t + 1] + beta[t + 1])[None, :], 1)
    post = alpha + beta
    post = np.exp(post - logsumexp(post, 1)[:, None])
    return path, post


def _softmax(z: np.ndarray, n_classes: int) -> np.ndarray:
    if n_classes == 2:      # binary LogisticRegression keeps one row of coefficients: P(second class) = sigmoid(z)
        z = np.hstack([np.zeros_like(z), z])
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
