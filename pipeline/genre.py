"""genre: which kind of report (or official document) a document is.

For each document (``GenreTagger.decide``), the title and the body are read separately, then
decided together:

- title: the site's decorations are stripped ((精选5篇), 范文, 【精选】, .docx, 300字, breadcrumbs,
  "内容预览": ``Taxonomy.strip_decorations``, patterns in rules/genres.toml [title].decorations),
  then the title names a genre when it ends with a genre word (rules/genres.toml title cues);
- body (title and its repeat removed, pinyin annotations 報(bào) taken out):
  1. model: the trained classifier (models/genre/), when its most probable genre reaches
     ``[genre].model_threshold`` → ``"model"``, score = calibrated probability — unless the
     cues point, above ``threshold``, to a genre the model does not know (trained on fewer
     than ``model_min_documents`` documents, as the model card says);
  2. cues: body cue scoring (rules/genres.toml body cues such as "现将自查情况报告如下",
     "特此申请", "发出如下倡议") when its score reaches ``[genre].threshold`` → ``"cues"``;
  3. otherwise ``"other"`` with ``"none"`` and the best score seen;
- together: no genre in the title → the body's; the same genre → ``"title+body"``; different
  genres → the title's (``"title"``) unless the body is sure (``override_threshold``) and the
  model gives the title's genre almost nothing (``override_title_max``), or the body holds a
  decisive formula of its genre (a cue of weight ≥ ``decisive_cue_weight``, such as
  "现将自查情况报告如下") and no cue of the title's: then the body's.
  Every decision keeps its ``reason`` (``GenreDecision``, ``Document.genre_reason``), as the
  removal log keeps the rule that removed a line.
"""
from __future__ import annotations

import json
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from . import rules
from .cue_matching import cue_match_table, register_cues
from .genre_features import strip_title_repeat
from .linear_proba import CalibratedProba
from .records import Document, Page
from .split import clean_title

OTHER = "other"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "genre"
MODEL_FILE = "genre_model.skops"
CARD_FILE = "model_card.json"

# The only types a shipped model file may contain besides numpy/scipy/sklearn builtins that
# skops trusts by default; anything else in a model file is refused (see GenreTagger.load).
TRUSTED_TYPES = (
    "pipeline.genre_features.BodyWindow",
    "pipeline.genre_features.CueCounts",
    "pipeline.genre_features.segment_words",
    "pipeline.genre_features.structure_tokens",
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
    ``doc.genre_reason`` (see ``GenreTagger.decide``)."""
    d = res.genre_classifier.decide(doc.title, doc.text)
    doc.genre, doc.genre_score, doc.genre_source, doc.genre_reason = d.genre, d.score, d.source, d.reason


class ModelLoadError(RuntimeError):
    """A genre model folder that was asked for is missing or holds something unexpected."""


@dataclass(frozen=True)
class Genre:
    """One row of the taxonomy (rules/genres.toml)."""

    slug: str
    name: str
    kind: str
    title_cues: tuple[re.Pattern, ...]
    title_not: tuple[re.Pattern, ...]
    body_cues: tuple[re.Pattern, ...]
    cue_weights: tuple[float, ...] = ()   # one per body cue (1.0 unless the row says otherwise)
    cue_weight: float = 1.0
    items: bool = True                    # false: a legislative text, no measures or problems


class Taxonomy:
    """The genres of rules/genres.toml, with the title rule and the body cue scorer."""

    def __init__(self, genres: list[Genre], trailers: list[re.Pattern], quotes: list[re.Pattern],
                 decorations: list[re.Pattern] | None = None):
        self.genres = genres
        self.decorations = list(decorations or [])
        self.by_slug = {g.slug: g for g in genres}
        # genres whose documents get no items (legislative texts; genres.toml `items = false`)
        self.without_items = frozenset(g.slug for g in genres if not g.items)
        self.trailers = trailers
        self.quotes = quotes
        self._body_cues = tuple(p for g in genres for p in g.body_cues)   # every genre's, in order
        register_cues(self._body_cues)

    @classmethod
    def load(cls, name: str = "genres.toml") -> "Taxonomy":
        """Read and check the taxonomy; a malformed row fails loudly, naming the row."""
        data = rules.load_toml(name)
        genres, seen = [], set()
        for i, row in enumerate(data.get("genre", [])):
            where = f"{name} [[genre]] #{i + 1} ({row.get('slug', '?')})"
            missing = [k for k in ("slug", "name", "title_cues", "body_cues") if k not in row]
            if missing:
                raise rules.RuleFileError(f"{where}: missing {', '.join(missing)}")
            if row["slug"] in seen or row["slug"] == OTHER:
                raise rules.RuleFileError(f"{where}: slug {row['slug']!r} is used twice or reserved")
            seen.add(row["slug"])
            genres.append(Genre(
                slug=row["slug"], name=row["name"], kind=row.get("kind", "report"),
                title_cues=tuple(_compile(f"(?:{p})$", where) for p in row["title_cues"]),
                title_not=tuple(_compile(f"(?:{p})$", where) for p in row.get("title_not", [])),
                body_cues=tuple(_compile(_cue_pattern(c, where), where) for c in row["body_cues"]),
                cue_weights=tuple(float(c.get("weight", 1.0)) if isinstance(c, dict) else 1.0 for c in row["body_cues"]),
                cue_weight=float(row.get("cue_weight", 1.0)),
                items=_flag(row.get("items", True), f"{where}: items"),
            ))
        if not genres:
            raise rules.RuleFileError(f"{name}: no [[genre]] tables")
        title = data.get("title", {})
        trailers = [_compile(f"(?:{p})$", f"{name} [title].trailers") for p in title.get("trailers", [])]
        quotes = [_compile(p, f"{name} [title].quotes") for p in title.get("quotes", [])]
        decorations = [_compile(p, f"{name} [title].decorations") for p in title.get("decorations", [])]
        return cls(genres, trailers, quotes, decorations)

    @property
    def slugs(self) -> list[str]:
        return [g.slug for g in self.genres]

    def body_cue_patterns(self) -> tuple[str, ...]:
        """Every body cue pattern once, in file order (the cue features of the model)."""
        seen: dict[str, None] = {}
        for g in self.genres:
            for p in g.body_cues:
                seen.setdefault(p.pattern, None)
        return tuple(seen)

    def strip_decorations(self, title: str | None) -> str:
        """``title`` without the site's decorations (split.clean_title, then [title].decorations of genres.toml):
        "(精选5篇)", "合集6篇", "范文", "【精选】", ".docx", "300字", 最新/经典/推荐/完整版, 篇N
        markers, breadcrumbs ("首页 > 范文 > …" keeps only what follows the last ">"), pinyin
        annotations (报(bào)告); a line that is no title at all ("内容预览", "总页数:10 页", a
        date, "相关推荐") gives "".

        >>> Taxonomy.load().strip_decorations("首页 > 工作报告 > 2023年学校安全自查报告(精选5篇).docx")
        '2023年学校安全自查报告'
        """
        # pinyin annotations out first (报(bào)告), then the title as split cites it (split.toml's
        # [title] decorations, the one list of a site's title decorations), then what only
        # matters for reading a genre: lines that are no title, breadcrumbs, decorations inside
        text = clean_title(genre_text(title or "").strip())
        for _ in range(3):
            before = text
            for p in self.decorations:
                text = p.sub("", text).strip(" \t\u3000:：、-—_|")
            if text == before:
                break
        return text

    def title_genre(self, title: str | None) -> str | None:
        """The genre a title names, or None. The title must END with a genre word once its
        decorations are stripped (``strip_decorations``) and trailers ("范文", "(1)", "（试行）",
        "——subtitle", …) are cut off one at a time, and words inside 《…》 do not count:
        "关于印发《…办法》的通知" is a 通知."""
        text = _unquote(self.strip_decorations(title), self.quotes)
        for _ in range(12):
            if not text:
                return None
            slug = self._genre_at_end(text)
            if slug:
                return slug
            shorter = self._cut_one_trailer(text)
            if shorter == text:
                return None
            text = shorter
        return None

    def _genre_at_end(self, text: str) -> str | None:
        best, best_len = None, 0
        for g in self.genres:
            if any(p.search(text) for p in g.title_not):
                continue
            for p in g.title_cues:
                m = p.search(text)
                if m and len(m.group(0)) > best_len:  # the longest (most specific) genre word wins
                    best, best_len = g.slug, len(m.group(0))
        return best

    def _cut_one_trailer(self, text: str) -> str:
        for p in self.trailers:
            m = p.search(text)
            if m and m.start() < len(text) and m.start() > 0:
                return text[: m.start()]
        return text

    def _cue_tables(self, body: str) -> list[list[tuple[int, str]]]:
        """Per genre, per body cue: (matches in ``body``, the first match's text)."""
        table = cue_match_table(self._body_cues, body)
        tables, start = [], 0
        for g in self.genres:
            tables.append(table[start:start + len(g.body_cues)])
            start += len(g.body_cues)
        return tables

    def cue_evidence(self, body: str) -> tuple[dict[str, float], dict[str, list[str]]]:
        """``cue_scores`` and, per genre, the texts its cues matched (for explanations)."""
        scores, matched = {}, {}
        for g, table in zip(self.genres, self._cue_tables(body)):
            total, found = 0.0, []
            for w, (n, first) in zip(g.cue_weights, table):
                if n:
                    total += w * math.log1p(n)
                    found.append(first[:24])
            if total:
                scores[g.slug] = g.cue_weight * total
                matched[g.slug] = found
        return scores, matched

    def decisive_genres(self, body: str, weight: float) -> frozenset:
        """Genres one of whose cues of at least ``weight`` (a formula that all but decides the
        genre: "现将自查情况报告如下", "特此申请", "发出如下倡议") occurs in ``body``."""
        found = set()
        for g, table in zip(self.genres, self._cue_tables(body)):
            if any(w >= weight and n for w, (n, _) in zip(g.cue_weights, table)):
                found.add(g.slug)
        return frozenset(found)

    def cue_scores(self, body: str) -> dict[str, float]:
        """Raw body cue evidence per genre: Σ over its cues of cue weight × log(1 + matches),
        times the genre's ``cue_weight``."""
        scores = {}
        for g, table in zip(self.genres, self._cue_tables(body)):
            total = 0.0
            for w, (n, _) in zip(g.cue_weights, table):
                if n:
                    total += w * math.log1p(n)
            if total:
                scores[g.slug] = g.cue_weight * total
        return scores


def cue_decision(scores: dict[str, float], scale: float) -> tuple[str, float]:
    """Best genre by cue evidence and its confidence in [0, 1): saturates with the evidence
    (1 - exp(-top/scale)) and shrinks by the runner-up's share ((top - second) / top)."""
    if not scores:
        return OTHER, 0.0
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    top_slug, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return top_slug, (1.0 - math.exp(-top / scale)) * (top - second) / top


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
        b = self.body_decision(text)
        b.title, b.title_genre = read, t_genre
        if not t_genre:
            b.reason = ("title names no genre; " if read else "no title; ") + b.reason
            return b
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
        model_top = None
        model_score = 0.0
        if self.model is not None and body.strip():
            proba = self._body_proba(body)
            order = proba.argsort()[::-1][:3]
            model_top = [(str(self.model.classes_[i]), round(float(proba[i]), 4)) for i in order]
            model_slug, model_score = model_top[0]
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

    def explain(self, title: str | None, body: str, top: int = 6) -> dict:
        """The decision with its evidence: the title as read, the genre it names, the body
        cues matched (per genre, strongest first), the model's most probable genres and the
        body features that pushed the model most towards the chosen genre."""
        d = self.decide(title, body)
        cues = sorted((d.cues or {}).items(), key=lambda kv: -len(kv[1]))
        out = {"genre": d.genre, "genre_score": d.score, "genre_source": d.source, "reason": d.reason,
               "title_read": d.title, "title_genre": d.title_genre,
               "body_genre": d.body_genre, "body_score": d.body_score, "body_source": d.body_source,
               "cues": {g: m for g, m in cues[:4]}, "model_top": d.model_top or [], "model_features": []}
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


# pinyin annotations that some sites put after characters: 報(bào) 告(gào)
_PINYIN = re.compile(r"[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹḿ]{1,7}[)）]")


def _settings(cfg: dict | None) -> dict:
    """The [genre] settings given, or settings.toml's when none are."""
    if cfg is None:
        from .config import Config

        return Config.load()["genre"]
    return dict(cfg)


def genre_text(body: str) -> str:
    """The body as the genre stage reads it: without pinyin annotations (報(bào) → 報)."""
    return _PINYIN.sub("", body) if "(" in body or "（" in body else body


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


def _flag(value, where: str) -> bool:
    if not isinstance(value, bool):
        raise rules.RuleFileError(f"{where} must be true or false, not {value!r}")
    return value


def _cue_pattern(cue, where: str) -> str:
    """A body cue is a pattern string or a table ``{pattern = "…", weight = 3}``."""
    if isinstance(cue, str):
        return cue
    if isinstance(cue, dict) and isinstance(cue.get("pattern"), str):
        return cue["pattern"]
    raise rules.RuleFileError(f"{where}: a body cue must be a string or {{pattern = ..., weight = ...}}, got {cue!r}")


def _compile(pattern: str, where: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise rules.RuleFileError(f"{where}: bad pattern {pattern!r}: {exc}") from exc


def _unquote(title: str, quotes: list[re.Pattern]) -> str:
    """The title without quoted titles (《…》, 〈…〉) and surrounding space; a title that is
    itself wholly quoted ("《某办法》") is unwrapped first."""
    text = title.strip()
    if text.startswith("《") and text.endswith("》") and text.count("《") == 1:
        text = text[1:-1]
    for _ in range(3):
        for q in quotes:
            text = q.sub("", text)
    return text.strip()
