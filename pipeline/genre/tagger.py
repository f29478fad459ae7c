"""The genre stage: which kind of report (or official document) a document is.

For each document (``GenreTagger.decide``), the title and the body are read separately, then
decided together:

- title: the site's decorations are stripped ((精选5篇), 范文, 【精选】, .docx, 300字, breadcrumbs,
  "内容预览": ``Taxonomy.strip_decorations``, patterns in rules/genres.toml [title].decorations),
  then the title names a genre when it ends with a genre word (rules/genres.toml title cues);
- body (title and its repeat removed, pinyin annotations 報(bào) taken out):
  0. no report: the body holds formulas of a text that is no report (rules/genres.toml
     [not_report]: 中图分类号, citation marks, "近日，", "特此证明") reaching
     ``[genre].not_report_threshold`` and no decisive formula of a genre → ``"other"`` by
     ``"cues"``, whatever the title says (a news story titled "…工作总结");
  1. model and cues together: the body states one genre in its own formula (a cue of weight
     ≥ ``decisive_cue_weight``: "现述职如下", "特制定本方案") and the model's most probable
     genre has none → that genre by ``"cues"``; otherwise (``[genre].cue_blend`` > 0) each
     genre scores its calibrated probability + ``cue_blend`` × its cue confidence, and the best
     genre is taken when that reaches ``threshold`` (``"model"`` or ``"cues"``: the part that
     weighed more). With ``cue_blend = 0`` the model decides when its genre reaches
     ``model_threshold``, unless the cues point, above ``threshold``, to a genre the model does
     not know (trained on fewer than ``model_min_documents`` documents, as the model card says);
  2. cues: body cue scoring (rules/genres.toml body cues such as "现将自查情况报告如下",
     "特此申请", "发出如下倡议") when its score reaches ``[genre].threshold`` → ``"cues"``;
  3. otherwise ``"other"`` with ``"none"`` and the best score seen;
- together: no genre in the title → the body's; a body that is no report (step 0) → ``other``;
  the same genre → ``"title+body"``; different
  genres → the title's (``"title"``) unless the body is sure (``override_threshold``) and the
  model gives the title's genre almost nothing (``override_title_max``), or the body holds a
  decisive formula of its genre (a cue of weight ≥ ``decisive_cue_weight``, such as
  "现将自查情况报告如下") and no cue of the title's: then the body's.
  Every decision keeps its ``reason`` (``GenreDecision``, ``Document.genre_reason``), as the
  removal log keeps the rule that removed a line.
"""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

from pipeline.genre.features import strip_title_repeat
from pipeline.genre.linear_proba import CalibratedProba
from pipeline.genre.taxonomy import OTHER, Taxonomy, cue_confidence, cue_decision, genre_text
from pipeline.records import Document, Page

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "genre"
MODEL_FILE = "genre_model.skops"
CARD_FILE = "model_card.json"

# The only types a shipped model file may contain besides numpy/scipy/sklearn builtins that
# skops trusts by default; anything else in a model file is refused (see GenreTagger.load).
TRUSTED_TYPES = (
    "pipeline.genre.features.BodyWindow",
    "pipeline.genre.features.CueCounts",
    "pipeline.genre.features.segment_words",
    "pipeline.genre.features.structure_tokens",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.pipeline.Pipeline",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.preprocessing._label.LabelBinarizer",
    "builtins.slice",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "numpy.ndarray",
    "scipy.sparse._csr.csr_matrix",
)


def run(doc: Document, page: Page, res) -> None:
    """Fill ``doc.genre``, ``doc.genre_score``, ``doc.genre_source`` and the decision's
    ``doc.genre_reason`` (see ``GenreTagger.decide``). A report without a title of its own is
    read under the heading of the collection it sits in (…自查报告(精选10篇)), if any."""
    d = res.genre_classifier.decide(doc.title or doc.collection_title, doc.text)
    doc.genre, doc.genre_score, doc.genre_source, doc.genre_reason = d.genre, d.score, d.source, d.reason


class ModelLoadError(RuntimeError):
    """A genre model folder that was asked for is missing or holds something unexpected."""


@dataclass
class GenreDecision:
    """One document's genre with the evidence it was decided on (the decision log).

    ``source``: ``title`` (the title names the genre; the body does not say otherwise),
    ``title+body`` (title and body agree), ``model`` / ``cues`` (the body decided: no genre in
    the title, or the body overruled it), ``none`` (``other``: nothing reached a threshold).
    ``reason`` says why in one line (kept like the removal log's rule ids)."""

    genre: str
    score: float
    source: str
    reason: str
    title: str = ""                       # the title as read (decorations stripped)
    title_genre: str | None = None
    body_genre: str | None = None         # what the body path alone says
    body_score: float = 0.0
    body_source: str = "none"
    cues: dict[str, list[str]] | None = None        # genre → cue patterns matched in the body
    model_top: list[tuple[str, float]] | None = None  # the model's most probable genres
    decisive: frozenset = frozenset()     # genres whose decisive formula the body holds ("现将自查情况报告如下")
    not_report: list[str] | None = None   # formulas of a text that is no report the body holds (中图分类号, 近日，)

    def as_tuple(self) -> tuple[str, float, str]:
        return self.genre, self.score, self.source


class GenreTagger:
    """Title rule, then the trained model, then body cues, then title and body together
    (see the module doc).

    >>> tagger = GenreTagger(Taxonomy.load(), model=None)
    >>> tagger.tag("某某局2023年安全生产自查报告范文", "")
    ('self_inspection', 1.0, 'title')
    """

    def __init__(self, taxonomy: Taxonomy, model=None, cfg: dict | None = None, card: dict | None = None):
        cfg = _settings(cfg)
        self.taxonomy = taxonomy
        self.model = model
        self._proba = CalibratedProba(model) if model is not None else None   # = model.predict_proba
        self._last_proba: tuple[str, object] | None = None
        self.card = card or {}
        self.threshold = float(cfg["threshold"])
        self.model_threshold = float(cfg["model_threshold"])
        self.cue_scale = float(cfg["cue_scale"])
        self.override_threshold = float(cfg["override_threshold"])
        self.override_title_max = float(cfg["override_title_max"])
        self.decisive_weight = float(cfg["decisive_cue_weight"])
        self.not_report_threshold = float(cfg["not_report_threshold"])
        self.cue_blend = float(cfg["cue_blend"])
        self.model_classes = [str(c) for c in model.classes_] if model is not None else []
        min_docs = int(cfg["model_min_documents"])
        docs_per_label = self.card.get("documents_per_label")
        # the genres the model "knows": trained on enough separate documents
        self.known_genres = {c for c in self.model_classes
                             if docs_per_label is None or docs_per_label.get(c, 0) >= min_docs}

    @classmethod
    def load(cls, model_dir: str | Path | None = None, cfg: dict | None = None) -> "GenreTagger":
        """The tagger with the model in ``model_dir`` (default: the shipped models/genre).

        An explicitly given folder that holds no model is an error; a missing default model
        (e.g. a fresh install without models/) gives a cue-only tagger with a warning.
        ``cfg["use_model"] = false`` also gives a cue-only tagger.
        """
        cfg = _settings(cfg)
        taxonomy = Taxonomy.load()
        if not cfg["use_model"]:
            return cls(taxonomy, None, cfg)
        explicit = model_dir is not None
        folder = Path(model_dir) if explicit else DEFAULT_MODEL_DIR
        path = folder / MODEL_FILE
        if not path.exists():
            if explicit:
                raise ModelLoadError(f"no genre model at {path}; train one with `policy-corpus train-genre`")
            warnings.warn(f"genre model {path} not found: body genres come from cues only", stacklevel=2)
            return cls(taxonomy, None, cfg)
        model = load_model(path)
        card_path = folder / CARD_FILE
        card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.exists() else {}
        unknown = [c for c in model.classes_ if str(c) not in taxonomy.by_slug and str(c) != OTHER]
        if unknown:
            raise ModelLoadError(f"{path} predicts genres not in genres.toml: {unknown}; retrain the model")
        return cls(taxonomy, model, cfg, card)

    def tag(self, title: str | None, body: str) -> tuple[str, float, str]:
        """``(genre, score, source)`` for one document; source ∈ {title, title+body, model, cues, none}."""
        return self.decide(title, body).as_tuple()

    def decide(self, title: str | None, body: str) -> GenreDecision:
        """The genre from the title (decorations stripped) and the body (title and its repeat
        removed) together, with the reason:

        - no genre in the title: the body decides (model or cues);
        - title and body name the same genre: ``title+body``, the larger score;
        - they differ and the body is sure (its genre's probability or cue confidence reaches
          ``override_threshold``, and the model gives the title's genre at most
          ``override_title_max``): the body decides and the reason names the overruled title;
        - otherwise the title decides (the reason notes a weaker contrary body).
        """
        read = self.taxonomy.strip_decorations(title)
        t_genre = self.taxonomy.title_genre(read)
        text = strip_title_repeat(read, strip_title_repeat(title, body or "")) if title else (body or "")
        if read and not t_genre and self.taxonomy.decisive_genres(read, self.decisive_weight):
            # a "title" that states a genre in a formula ("现将…情况报告如下") is the body's
            # first sentence taken for a title: it is read with the body
            text = read + "\n" + text
        b = self.body_decision(text)
        b.title, b.title_genre = read, t_genre
        if not t_genre:
            b.reason = ("title names no genre; " if read else "no title; ") + b.reason
            return b
        if b.not_report:
            return _replace(b, reason=f"title names {t_genre} but the body is no report ({', '.join(b.not_report[:3])}): other")
        if b.body_genre == t_genre:
            return _replace(b, genre=t_genre, score=1.0, source="title+body",
                            reason=f"title names {t_genre}; the body agrees ({b.body_source} {b.body_score:.2f})")
        title_prob = self._title_probability(text, t_genre) if self.model is not None else None
        body_sure = b.body_genre not in (None, OTHER) and b.body_score >= self.override_threshold
        title_weak = title_prob is None or title_prob <= self.override_title_max
        # the body states its genre in so many words ("现将自查情况报告如下") and holds no cue of
        # the title's genre: the title is a site's guess (a 调查报告 that is plainly a 自查报告)
        formula = (b.body_genre in b.decisive and t_genre not in (b.cues or {})
                   and len(b.decisive) == 1)
        if formula and not (body_sure and title_weak):
            return _replace(b, genre=b.body_genre, source=b.body_source,
                            reason=f"title names {t_genre} but the body states {b.body_genre} in its own formula "
                                   f"({', '.join((b.cues or {}).get(b.body_genre, [])[:2])}) and has no cue of "
                                   f"{t_genre}: body wins")
        if body_sure and title_weak:
            shown = "n/a" if title_prob is None else f"{title_prob:.2f}"
            return _replace(b, genre=b.body_genre, score=b.body_score, source=b.body_source,
                            reason=f"title names {t_genre} but the body says {b.body_genre} "
                                   f"({b.body_source} {b.body_score:.2f}; the title's genre {shown}): body wins")
        note = (f"; the body leans to {b.body_genre} ({b.body_source} {b.body_score:.2f}), not enough to overrule"
                if b.body_genre not in (None, OTHER) else "")
        return _replace(b, genre=t_genre, score=1.0, source="title", reason=f"title names {t_genre}{note}")

    def tag_body(self, body: str) -> tuple[str, float, str]:
        """The body path alone: the body must not contain its title."""
        return self.body_decision(body).as_tuple()

    def body_decision(self, body: str) -> GenreDecision:
        """Steps 2–4 of the module doc on a body (pinyin annotations such as 報(bào) taken out)."""
        body = genre_text(body or "")
        cue_scores, matched = self.taxonomy.cue_evidence(body)
        decisive = self.taxonomy.decisive_genres(body, self.decisive_weight)
        cue_slug, cue_score = cue_decision(cue_scores, self.cue_scale)
        evidence, found = self.taxonomy.not_report_evidence(body)
        if evidence >= self.not_report_threshold and not decisive:
            # an academic paper, a news story, a certificate: no report, whatever the model says
            score = round(cue_confidence(evidence, self.cue_scale), 4)
            return GenreDecision(OTHER, score, "cues", f"the body is no report ({', '.join(found[:3])})",
                                 body_genre=OTHER, body_score=score, body_source="cues", cues=matched,
                                 decisive=decisive, not_report=found)
        model_top = None
        model_score = 0.0
        if self.model is not None and body.strip():
            proba = self._body_proba(body)
            order = proba.argsort()[::-1][:3]
            model_top = [(str(self.model.classes_[i]), round(float(proba[i]), 4)) for i in order]
            model_slug, model_score = model_top[0]
            # the body states one genre in its own formula ("现述职如下", "特制定本方案") and the
            # model's genre has none: the formula decides (formulas carry across sites, the
            # model's n-grams less so)
            formula = _sole_formula(decisive, model_slug)
            if formula:
                # its score: the cue confidence when it leads the cues, the model's probability
                # of it, at least the threshold a body genre needs
                own = float(proba[self.model_classes.index(formula)]) if formula in self.model_classes else 0.0
                score = round(max(cue_score if formula == cue_slug else 0.0, own, self.threshold), 4)
                return GenreDecision(formula, score, "cues",
                                     f"body states {formula} in its own formula ({', '.join(matched.get(formula, [])[:2])}); "
                                     f"model {model_slug} {model_score:.2f}",
                                     body_genre=formula, body_score=score, body_source="cues", cues=matched,
                                     model_top=model_top, decisive=decisive)
            if self.cue_blend:
                return self._blended(proba, cue_scores, (cue_slug, cue_score), matched, model_top, decisive)
            # cues speak for genres the model does not know; the model speaks for the others
            cue_speaks = cue_slug not in self.known_genres and cue_score >= self.threshold
            if not cue_speaks and model_score >= self.model_threshold:
                return GenreDecision(model_slug, round(model_score, 4), "model",
                                     f"model {model_slug} {model_score:.2f}", body_genre=model_slug,
                                     body_score=round(model_score, 4), body_source="model", cues=matched,
                                     model_top=model_top, decisive=decisive)
        if cue_score >= self.threshold:
            return GenreDecision(cue_slug, round(cue_score, 4), "cues", f"body cues {cue_slug} {cue_score:.2f}",
                                 body_genre=cue_slug, body_score=round(cue_score, 4), body_source="cues",
                                 cues=matched, model_top=model_top, decisive=decisive)
        score = round(max(cue_score, model_score), 4)
        return GenreDecision(OTHER, score, "none", f"no genre reaches its threshold (best {score:.2f})",
                             body_genre=OTHER, body_score=score, body_source="none", cues=matched, model_top=model_top,
                             decisive=decisive)

    def _blended(self, proba, cue_scores: dict[str, float], cue_best: tuple[str, float],
                 matched: dict[str, list[str]], model_top, decisive: frozenset) -> GenreDecision:
        """Model and cues together: each genre scores its probability + ``cue_blend`` × its cue
        confidence (``cue_confidence``); the best genre is taken when that sum
        reaches ``threshold``, else ``other``. Its source is the part that weighed more; its
        score, which the title/body decision compares with ``override_threshold``, is what
        the model-first path gave it: the model's probability when it reaches
        ``model_threshold``, else the cue decision's confidence (``cue_best``: shrunk by the
        runner-up genre's cues) when it leads the cues; at least ``threshold``."""
        model_p = {c: float(proba[i]) for i, c in enumerate(self.model_classes)}
        cue_conf = {g: cue_confidence(s, self.cue_scale) for g, s in cue_scores.items()}
        total = {g: model_p.get(g, 0.0) + self.cue_blend * cue_conf.get(g, 0.0)
                 for g in sorted(model_p.keys() | cue_conf.keys())}
        best = max(total, key=total.get)          # the first in sorted order on a tie
        p, c = model_p.get(best, 0.0), cue_conf.get(best, 0.0)
        # as the model-first path scored it: the model's probability when that alone takes the
        # genre, else the cue decision's confidence when it leads the cues
        cue_led = cue_best[1] if cue_best[0] == best else 0.0
        score = round(p if p >= self.model_threshold else max(p, cue_led), 4)
        if total[best] < self.threshold:
            return GenreDecision(OTHER, score, "none", f"no genre reaches its threshold (best {best} {total[best]:.2f})",
                                 body_genre=OTHER, body_score=score, body_source="none", cues=matched,
                                 model_top=model_top, decisive=decisive)
        source = "model" if p >= self.cue_blend * c else "cues"
        score = max(score, self.threshold)        # a genre taken scores at least what taking it needs
        return GenreDecision(best, score, source, f"model {p:.2f} + cues {c:.2f} for {best}", body_genre=best,
                             body_score=score, body_source=source, cues=matched, model_top=model_top,
                             decisive=decisive)

    def explain(self, title: str | None, body: str, top: int = 6) -> dict:
        """The decision with its evidence: the title as read, the genre it names, the body
        cues matched (per genre, strongest first), the formulas of a text that is no report, the model's most probable genres and the
        body features that pushed the model most towards the chosen genre."""
        d = self.decide(title, body)
        cues = sorted((d.cues or {}).items(), key=lambda kv: -len(kv[1]))
        out = {"genre": d.genre, "genre_score": d.score, "genre_source": d.source, "reason": d.reason,
               "title_read": d.title, "title_genre": d.title_genre,
               "body_genre": d.body_genre, "body_score": d.body_score, "body_source": d.body_source,
               "cues": {g: m for g, m in cues[:4]}, "not_report": d.not_report or [],
               "model_top": d.model_top or [], "model_features": []}
        if self.model is not None and d.genre in self.model_classes and (body or "").strip():
            read = strip_title_repeat(d.title, strip_title_repeat(title, body)) if title else body
            out["model_features"] = top_features(self.model, genre_text(read), d.genre, top)
        return out

    def _title_probability(self, body: str, genre: str) -> float | None:
        """The model's probability of ``genre`` for ``body`` (None when the model lacks it)."""
        if genre not in self.model_classes or not body.strip():
            return None
        proba = self._body_proba(genre_text(body))
        return float(proba[self.model_classes.index(genre)])

    def _body_proba(self, text: str):
        """The model's probabilities for ``text``; the last text's are kept, so a decision that
        reads the same body twice (its genre, then the title's genre's probability) predicts once."""
        last = self._last_proba
        if last is not None and last[0] == text:
            return last[1]
        proba = self._proba([text])[0]
        self._last_proba = (text, proba)
        return proba


def top_features(model, body: str, genre: str, top: int = 6) -> list[tuple[str, float]]:
    """The features of ``body`` with the largest weight × value towards ``genre`` in the
    linear model under the calibration (hashed columns named by the body's own n-grams,
    words or structure tokens that hash to them; cue columns by their pattern)."""
    import numpy as np
    from sklearn.feature_extraction import FeatureHasher

    clf = model.steps[-1][1]
    inner = getattr(clf, "calibrated_classifiers_", None)
    linear = inner[0].estimator if inner else clf
    coef = getattr(linear, "coef_", None)
    classes = [str(c) for c in model.classes_]
    if coef is None or genre not in classes:
        return []
    row = coef[classes.index(genre)] if coef.shape[0] == len(classes) else (coef[0] if genre == classes[1] else -coef[0])
    window = model.steps[0][1].transform([body])
    union = model.steps[1][1]
    x = union.transform(window).tocsr()
    names: dict[int, str] = {}
    offset = 0
    for name, block in union.transformer_list:
        if hasattr(block, "named_steps") and "hash" in block.named_steps:
            hasher = block.named_steps["hash"]
            tokens = set(hasher.build_analyzer()(window[0]))
            fh = FeatureHasher(n_features=hasher.n_features, input_type="string", alternate_sign=False)
            for tok in tokens:
                j = int(fh.transform([[tok]]).indices[0]) + offset
                if j not in names or len(tok) > len(names[j]):
                    names[j] = f"{name}:{tok}"
            offset += hasher.n_features
        else:
            for k, pattern in enumerate(block.patterns):
                names[offset + k] = f"cue:{pattern}"
            offset += len(block.patterns)
    contrib = x.multiply(np.asarray(row).reshape(1, -1)).tocsr()
    order = np.argsort(-contrib.data)[:top]
    return [(names.get(int(contrib.indices[i]), f"#{int(contrib.indices[i])}"), round(float(contrib.data[i]), 4))
            for i in order if contrib.data[i] > 0]


def _replace(d: GenreDecision, **changes) -> GenreDecision:
    from dataclasses import replace

    return replace(d, **changes)


def _settings(cfg: dict | None) -> dict:
    """The [genre] settings given, or settings.toml's when none are."""
    if cfg is None:
        from pipeline.config import Config

        return Config.load()["genre"]
    return dict(cfg)


def load_model(path: Path):
    """Load a skops model file, trusting exactly ``TRUSTED_TYPES`` (anything else refused).

    Every process that tags genres pays skops' import (~0.5 s CPU: it lists every scikit-learn
    estimator) and the load (~0.15 s); a pickled copy would load in ~0.01 s but bring back the
    arbitrary-code risk skops exists to remove, so there is none."""
    import skops.io as sio

    path = Path(path)
    untrusted = sio.get_untrusted_types(file=path)
    unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unexpected:
        raise ModelLoadError(f"{path} contains types this project does not trust: {unexpected}")
    return sio.load(path, trusted=list(untrusted))


def _sole_formula(decisive: frozenset, model_slug: str) -> str | None:
    """The one genre whose decisive formula the body holds, when the model names another
    genre that has none (None otherwise: no formula, several, or the model's own)."""
    if len(decisive) != 1 or model_slug in decisive:
        return None
    return next(iter(decisive))
