"""topics: LDA topic models over documents, sections or items of a built corpus.

In: the processed tables of ``policy-corpus build`` (documents.parquet, sections.parquet,
items.parquet). Out (``fit_topics``):

- ``<models>/<unit>/``: the gensim model, its dictionary, ``card.json`` and ``CARD.md``
  (unit, K, grid scores, seeds, stability, corpus fingerprint, settings);
- ``<out>/topics.parquet`` (one row per topic: label, top terms, prevalence, NPMI, stability),
  ``<out>/topic_terms.parquet`` (topic, rank, term, weight), ``<out>/unit_topics.parquet``
  (topic shares per unit: ``topic_0`` … ``topic_{K-1}``), ``<out>/doc_topics.parquet``
  (token-weighted topic shares per document), ``<out>/topics/grid.csv`` (every K × seed),
  ``<out>/topics/card.json`` and ``<out>/topics/ldavis.html``.

K is chosen over ``k_grid`` by NPMI coherence (gensim ``c_npmi``, sliding window over the
units' kept tokens) averaged over ``seeds``; ``c_v`` is reported too, and the stability of
topics across seeds (cosine similarity of topic-word vectors, Hungarian-matched). Duplicates
(``is_duplicate``) are left out. A large corpus is fitted on a seeded sample of
``max_fit_units`` units and inferred everywhere.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import logging
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from . import rules
from .config import Config, ConfigError, UserError
from .tables import write_atomic, write_json

log = logging.getLogger(__name__)

UNITS = ("doc", "section", "item")
DEFAULT_MODELS = Path("models/topics")


def fit_topics(out: Path, config: Config | None = None, unit: str | None = None, k: int | str | None = None,
               models: Path = DEFAULT_MODELS, units: pd.DataFrame | None = None) -> dict[str, Any]:
    """Fit the topic model of the corpus in ``out`` and write its tables, model and card.

    Parameters
    ----------
    out : folder of the processed tables (read) and of the topic tables (written).
    config : settings (``[topics]`` table); defaults from settings.toml.
    unit, k : override ``[topics].unit`` and ``[topics].k`` (an int or "auto").
    models : folder of the saved models; the model goes to ``models/<unit>/``.
    units : already loaded units (``load_units`` output), e.g. for the evaluation.

    Returns the card (a dict).
    """
    config = config or Config.load()
    cfg = dict(config["topics"])
    unit = unit or cfg["unit"]
    if unit not in UNITS:
        raise ConfigError(f"unknown topic unit {unit!r}; valid: {', '.join(UNITS)}")
    k = cfg["k"] if k is None else k
    out, models = Path(out), Path(models)
    if units is None:
        units = load_units(out, unit, config)
    model = TopicModel(cfg).fit(units, k=k)
    shares = model.transform(units)
    model.save(models / unit)
    write_topic_tables(out, model, units, shares)
    card = model.card(unit=unit, model_dir=str(models / unit), out=str(out), documents_build=documents_build(out))
    write_json(card, models / unit / "card.json")
    write_atomic(models / unit / "CARD.md", lambda tmp: tmp.write_text(card_markdown(card), encoding="utf-8"))
    write_json(card, out / "topics" / "card.json")
    if cfg["ldavis"]:
        card["ldavis"] = write_ldavis(model, units, out / "topics" / "ldavis.html")
        write_json(card, out / "topics" / "card.json")
    return card


# ── units: what a topic model is fitted on ────────────────────────────────────────────

def load_units(out: Path, unit: str, config: Config | None = None, keep_all: bool = False) -> pd.DataFrame:
    """The units of the corpus in ``out`` with their kept tokens (``keep_all``: every token but
    whitespace, no POS/stop-word/length filter, e.g. for a baseline or an NPMI reference).

    Returns a frame with ``unit_id, unit, doc_id, tokens`` (list of kept tokens),
    ``n_tokens``; duplicates are left out. ``unit="section"``: a document without sections
    is one unit (``unit`` column says "doc" for it). ``unit="item"``: measures and problems.
    """
    config = config or Config.load()
    cfg = config["topics"]
    out = Path(out)
    docs = pd.read_parquet(documents_table(out))
    if "is_duplicate" in docs:
        docs = docs[~docs["is_duplicate"].fillna(False).astype(bool)]
    token_filter = TokenFilter.from_settings(cfg) if not keep_all else _all_but_whitespace
    tagger = PosTagger(config)
    rows: list[dict] = []
    if unit == "doc":
        rows = [_doc_unit(r, token_filter, tagger) for r in docs.itertuples(index=False)]
    elif unit == "section":
        secs = _read_optional(out / "sections.parquet")
        secs = secs[secs["doc_id"].isin(set(docs["doc_id"]))] if len(secs) else secs
        with_sections = set(secs["doc_id"]) if len(secs) else set()
        for r in secs.itertuples(index=False):
            toks, pos = tagger.tag(r.text or "")
            rows.append({"unit_id": r.section_id, "unit": "section", "doc_id": r.doc_id,
                         "tokens": token_filter(toks, pos)})
        rows += [_doc_unit(r, token_filter, tagger) for r in docs.itertuples(index=False)
                 if r.doc_id not in with_sections]
    elif unit == "item":
        items = _read_optional(out / "items.parquet")
        if not len(items):
            raise ConfigError(f"{out / 'items.parquet'} has no items: the extract stage found no measures or "
                              "problems; use --unit section or --unit doc")
        items = items[items["doc_id"].isin(set(docs["doc_id"]))]
        for r in items.itertuples(index=False):
            toks, pos = tagger.tag(r.text or "")
            rows.append({"unit_id": r.item_id, "unit": "item", "doc_id": r.doc_id,
                         "tokens": token_filter(toks, pos)})
    else:
        raise ConfigError(f"unknown topic unit {unit!r}; valid: {', '.join(UNITS)}")
    frame = pd.DataFrame(rows, columns=["unit_id", "unit", "doc_id", "tokens"])
    frame["n_tokens"] = frame["tokens"].map(len).astype("int64")
    return frame.reset_index(drop=True)


def documents_table(out: Path) -> Path:
    """``<out>/documents.parquet``; UserError saying which command to run when it is missing."""
    path = Path(out) / "documents.parquet"
    if not path.exists():
        raise UserError(f"no documents table in {out}: run `policy-corpus build --out {out}` first")
    return path


def documents_build(out: Path) -> str | None:
    """The build key of the tables in ``out`` (from its manifest), None when unknown."""
    try:
        return json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8")).get("build_key")
    except (OSError, ValueError, AttributeError):
        return None


def check_topics_current(out: Path) -> None:
    """UserError, with the command to run, when ``out`` has no topic tables or they were
    fitted on an earlier build of its documents table (compare and the R export read both).

    Current means: the build key the topic card recorded is the manifest's (both known),
    else the topic tables are not older than the documents table."""
    from .engine.table_writer import table_signature

    out = Path(out)
    unit_topics = out / "unit_topics.parquet"
    docs = documents_table(out)
    refit = f"run `policy-corpus topics --out {out}` first"
    if not unit_topics.exists():
        raise UserError(f"no topic tables in {out}: {refit}")
    try:
        fitted = json.loads((out / "topics" / "card.json").read_text(encoding="utf-8")).get("documents_build")
    except (OSError, ValueError, AttributeError):
        fitted = None
    built = documents_build(out)
    if fitted and built:
        stale = fitted != built
    else:
        stale = table_signature(docs)["mtime_ns"] > unit_topics.stat().st_mtime_ns
    if stale:
        raise UserError(f"the topic tables in {out} are older than its documents table (rebuilt since the topics "
                        f"were fitted): {refit}")


def _doc_unit(r, token_filter: "TokenFilter", tagger: "PosTagger") -> dict:
    toks, pos = r.tokens, r.pos
    if toks is None or len(toks) == 0 or pos is None or len(pos) != len(toks):
        toks, pos = tagger.tag(r.text or "")      # not segmented (or no POS): tag here
    return {"unit_id": r.doc_id, "unit": "doc", "doc_id": r.doc_id, "tokens": token_filter(list(toks), list(pos))}


def _read_optional(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def _all_but_whitespace(tokens: Sequence[str], pos=None) -> list[str]:
    return [t for t in tokens if t and t.strip()]


_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"^[A-Za-z][A-Za-z\-]+$")


@dataclass
class TokenFilter:
    """Keeps content tokens: POS in ``keep_pos`` (prefix match on jieba tags), not a stop
    word, at least ``min_chars`` characters, Chinese or a Latin word (no numbers, no
    punctuation)."""

    keep_pos: tuple[str, ...]
    stopwords: frozenset[str]
    min_chars: int = 2

    @classmethod
    def from_settings(cls, cfg: dict) -> "TokenFilter":
        return cls(tuple(cfg["keep_pos"]), frozenset(load_stopwords()), int(cfg["min_token_chars"]))

    def __call__(self, tokens: Sequence[str], pos: Sequence[str] | None) -> list[str]:
        keep = []
        tags = pos if pos is not None and len(pos) == len(tokens) else [None] * len(tokens)
        for tok, tag in zip(tokens, tags):
            tok = tok.strip()
            if len(tok) < self.min_chars or tok in self.stopwords:
                continue
            if not (_HAS_CJK.search(tok) or _LATIN_WORD.match(tok)):
                continue
            if tag is not None and self.keep_pos and not tag.startswith(self.keep_pos):
                continue
            keep.append(tok)
        return keep


def load_stopwords() -> set[str]:
    """The project's stop words (segment.load_stopwords, pipeline/rules/stopwords.txt)."""
    from . import segment

    try:
        if hasattr(segment, "load_stopwords"):
            return set(segment.load_stopwords())
        return set(rules.load_list("stopwords.txt"))
    except rules.RuleFileError:
        log.warning("no stop word list (pipeline/rules/stopwords.txt): topics use none")
        return set()


class PosTagger:
    """Tokens and POS tags of a text with the project's segmenter (jieba tag set)."""

    def __init__(self, config: Config | None = None):
        self.config = config or Config.load()
        self._seg = None

    def tag(self, text: str) -> tuple[list[str], list[str]]:
        if self._seg is None:
            from .segment import Segmenter

            self._seg = Segmenter(self.config["segment"])
        seg = self._seg
        for name in ("tag", "cut_with_pos", "cut_pos"):
            fn = getattr(seg, name, None)
            if fn is not None:
                pairs = list(fn(text))
                if pairs and isinstance(pairs, tuple) and len(pairs) == 2 and isinstance(pairs[0], list):
                    return list(pairs[0]), list(pairs[1])
                if pairs and isinstance(pairs[0], (tuple, list)):
                    return [p[0] for p in pairs], [p[1] for p in pairs]
                if not pairs:
                    return [], []
        import rjieba  # the segmenter gives no tags: jieba's tagger

        pairs = rjieba.tag(text)
        return [w for w, _ in pairs], [t for _, t in pairs]


# ── the model ─────────────────────────────────────────────────────────────────────────

@dataclass
class GridRun:
    k: int
    seed: int
    npmi: float
    c_v: float
    npmi_per_topic: list[float] = field(default_factory=list)


class TopicModel:
    """LDA with K chosen by NPMI over a grid and seeds (fit → transform → save).

    ``fit(units, k)`` learns ``dictionary_``, ``model_`` (the chosen gensim LdaModel),
    ``k_``, ``seed_``, ``grid_`` (list of GridRun), ``stability_`` (per K) and
    ``topic_stability_`` (per topic of the chosen model).
    """

    def __init__(self, cfg: dict):
        self.cfg = dict(cfg)

    def fit(self, units: pd.DataFrame, k: int | str = "auto") -> "TopicModel":
        from gensim.corpora import Dictionary

        cfg = self.cfg
        t0 = time.perf_counter()
        fit_units = self._fit_sample(units)
        texts = list(fit_units["tokens"])
        if not texts:
            raise UserError(f"no unit has enough tokens to fit a topic model ({len(units)} units, none with "
                            f"min_unit_tokens = {cfg['min_unit_tokens']} kept tokens); build more or longer "
                            "documents, or lower [topics] min_unit_tokens")
        dictionary = Dictionary(texts)
        no_below = min(int(cfg["no_below"]), max(1, len(texts) // 2))
        dictionary.filter_extremes(no_below=no_below, no_above=float(cfg["no_above"]),
                                   keep_n=int(cfg["keep_n"]))
        if len(dictionary) < 10:   # a tiny corpus: keep every term rather than nothing
            dictionary = Dictionary(texts)
        dictionary.compactify()
        texts = [[t for t in doc if t in dictionary.token2id] for doc in texts]
        keep = [i for i, t in enumerate(texts) if t]
        texts = [texts[i] for i in keep]
        self.fit_unit_ids_ = list(fit_units["unit_id"].iloc[keep])
        bows = [dictionary.doc2bow(t) for t in texts]
        ks = self._k_candidates(k, len(texts), len(dictionary))
        seeds = [int(s) for s in cfg["seeds"]]
        models = {(kk, s): self._lda(bows, dictionary, kk, s) for kk in ks for s in seeds}
        topn = int(cfg["coherence_topn"])
        topic_words = {key: [[w for w, _ in m.show_topic(t, topn=topn)] for t in range(m.num_topics)]
                       for key, m in models.items()}
        npmi = coherence_per_topic(topic_words, texts, dictionary, "c_npmi", int(cfg["npmi_window"]))
        c_v = coherence_per_topic(topic_words, texts, dictionary, "c_v", None)
        self.grid_ = [GridRun(kk, s, float(np.mean(npmi[(kk, s)])), float(np.mean(c_v[(kk, s)])),
                              [float(x) for x in npmi[(kk, s)]]) for kk, s in models]
        self.stability_ = {kk: seed_stability([models[(kk, s)] for s in seeds]) for kk in ks}
        mean_npmi = {kk: float(np.mean([g.npmi for g in self.grid_ if g.k == kk])) for kk in ks}
        self.k_ = max(ks, key=lambda kk: (round(mean_npmi[kk], 6), -kk))
        self.seed_ = max(seeds, key=lambda s: (round(npmi[(self.k_, s)].mean(), 6), -s))
        self.model_ = models[(self.k_, self.seed_)]
        self.dictionary_ = dictionary
        self.bows_ = bows
        others = [models[(self.k_, s)] for s in seeds if s != self.seed_]
        self.topic_stability_ = topic_stability(self.model_, others)
        self.topic_npmi_ = list(npmi[(self.k_, self.seed_)])
        self.fingerprint_ = corpus_fingerprint(units)
        self.n_units_, self.n_fit_units_ = len(units), len(texts)
        self.k_requested_ = k
        self.seconds_ = round(time.perf_counter() - t0, 1)
        return self

    def _fit_sample(self, units: pd.DataFrame) -> pd.DataFrame:
        """Units long enough to fit on; a seeded sample of them when there are too many."""
        cfg = self.cfg
        fit = units[units["n_tokens"] >= int(cfg["min_unit_tokens"])]
        cap = int(cfg["max_fit_units"])
        if len(fit) > cap:
            fit = fit.sample(n=cap, random_state=int(cfg["seeds"][0])).sort_index()
        return fit

    def _k_candidates(self, k: int | str, n_units: int, n_terms: int) -> list[int]:
        if isinstance(k, str) and k != "auto":
            if not k.isdigit():
                raise ConfigError(f"topics k must be a number or 'auto', not {k!r}")
            k = int(k)
        if k != "auto":
            if int(k) < 2:
                raise ConfigError(f"topics k must be at least 2, not {k}")
            return [int(k)]
        grid = sorted({int(x) for x in self.cfg["k_grid"]})
        if not grid or grid[0] < 2:
            raise ConfigError(f"topics k_grid must hold numbers ≥ 2, not {self.cfg['k_grid']}")
        # a K with fewer than min_units_per_topic units per topic, or more topics than terms/3,
        # gives topics made of single units: leave it out of the grid
        cap = min(n_units // max(1, int(self.cfg["min_units_per_topic"])), n_terms // 3)
        usable = [kk for kk in grid if kk <= cap]
        return usable or [max(2, min(grid[0], cap))]

    def _lda(self, bows, dictionary, k: int, seed: int):
        from gensim.models import LdaModel

        cfg = self.cfg
        return LdaModel(corpus=bows, id2word=dictionary, num_topics=k, random_state=seed,
                        passes=int(cfg["passes"]), iterations=int(cfg["iterations"]),
                        alpha=cfg["alpha"], eta=None, chunksize=2000, eval_every=None)

    # inference and output

    def transform(self, units: pd.DataFrame) -> np.ndarray:
        """Topic shares (n_units × K) of every unit; rows of units without a known term are NaN."""
        shares = np.full((len(units), self.k_), np.nan)
        for i, toks in enumerate(units["tokens"]):
            bow = self.dictionary_.doc2bow(list(toks))
            if bow:
                for t, p in self.model_.get_document_topics(bow, minimum_probability=0.0):
                    shares[i, t] = p
        return shares

    def top_terms(self, topn: int = 30) -> list[list[tuple[str, float]]]:
        return [self.model_.show_topic(t, topn=topn) for t in range(self.k_)]

    def labels(self, n: int = 4) -> list[str]:
        return [topic_label(t, terms, n) for t, terms in enumerate(self.top_terms(n))]

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.model_.save(str(folder / "lda.model"))
        self.dictionary_.save(str(folder / "dictionary.dict"))

    def card(self, **extra) -> dict[str, Any]:
        by_k = {}
        for kk in sorted({g.k for g in self.grid_}):
            runs = [g for g in self.grid_ if g.k == kk]
            by_k[str(kk)] = {"npmi": round(float(np.mean([g.npmi for g in runs])), 4),
                             "npmi_sd": round(float(np.std([g.npmi for g in runs])), 4),
                             "c_v": round(float(np.mean([g.c_v for g in runs])), 4),
                             "stability": round(float(self.stability_[kk]), 4)}
        cfg = {k: v for k, v in self.cfg.items()}
        return {
            **extra,
            "k": self.k_, "k_requested": self.k_requested_, "seed": self.seed_, "seeds": list(self.cfg["seeds"]),
            "npmi": round(float(np.mean(self.topic_npmi_)), 4),
            "c_v": round(float(next(g.c_v for g in self.grid_ if g.k == self.k_ and g.seed == self.seed_)), 4),
            "stability": round(float(self.stability_[self.k_]), 4),
            "grid": by_k,
            "runs": [{"k": g.k, "seed": g.seed, "npmi": round(g.npmi, 4), "c_v": round(g.c_v, 4)} for g in self.grid_],
            "topics": [{"topic": t, "label": lab, "npmi": round(self.topic_npmi_[t], 4),
                        "stability": round(self.topic_stability_[t], 4)} for t, lab in enumerate(self.labels())],
            "n_units": self.n_units_, "n_fit_units": self.n_fit_units_, "n_terms": len(self.dictionary_),
            "corpus_fingerprint": self.fingerprint_,
            "rules_fingerprint": _rules_fingerprint(),
            "settings": cfg, "fit_seconds": self.seconds_,
            "gensim": _version("gensim"),
        }


def coherence_per_topic(topic_words: dict, texts: list[list[str]], dictionary, measure: str,
                        window: int | None) -> dict:
    """Per-topic coherence of every model's topics (``{key: array}``), counting the
    reference co-occurrences once for all of them (one gensim CoherenceModel whose topics
    are then swapped; its accumulator is kept because the word set does not grow)."""
    from gensim.models.coherencemodel import CoherenceModel

    everything = [t for topics in topic_words.values() for t in topics]
    topn = max(len(t) for t in everything)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        cm = CoherenceModel(topics=everything, texts=texts, dictionary=dictionary, coherence=measure,
                            window_size=window, topn=topn, processes=1)
        cm.estimate_probabilities()
        scores = {}
        for key, topics in topic_words.items():
            cm.topics = topics
            scores[key] = np.nan_to_num(np.asarray(cm.get_coherence_per_topic(), dtype=float))
    return scores


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def match_topics(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of each topic of ``a`` (K×V) to its Hungarian-matched topic of ``b``."""
    from scipy.optimize import linear_sum_assignment

    sim = _unit_rows(a) @ _unit_rows(b).T
    rows, cols = linear_sum_assignment(-sim)
    matched = np.zeros(a.shape[0])
    matched[rows] = sim[rows, cols]
    return matched


def seed_stability(models: list) -> float:
    """Mean matched cosine similarity of topic-word vectors over every pair of seeds (1 = identical)."""
    if len(models) < 2:
        return float("nan")
    return float(np.mean([match_topics(a.get_topics(), b.get_topics()).mean()
                          for a, b in itertools.combinations(models, 2)]))


def topic_stability(model, others: list) -> list[float]:
    """Per topic of ``model``: its mean matched similarity to the topics of the other seeds."""
    if not others:
        return [float("nan")] * model.num_topics
    return list(np.mean([match_topics(model.get_topics(), o.get_topics()) for o in others], axis=0))


def topic_label(topic: int, terms: Iterable[tuple[str, float]] | Iterable[str], n: int = 4) -> str:
    words = [t[0] if isinstance(t, tuple) else t for t in terms][:n]
    return f"T{topic} " + "·".join(words)


def corpus_fingerprint(units: pd.DataFrame) -> str:
    """A short hash of the units and their kept tokens (changes when the corpus does)."""
    h = hashlib.sha1()
    for uid, toks in zip(units["unit_id"], units["tokens"]):
        h.update(str(uid).encode())
        h.update(" ".join(toks).encode())
        h.update(b"\n")
    return h.hexdigest()[:16]


def _rules_fingerprint() -> str | None:
    try:
        return rules.fingerprint("stopwords.txt")
    except rules.RuleFileError:
        return None


def _version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


# ── writing ───────────────────────────────────────────────────────────────────────────

def topic_columns(k: int) -> list[str]:
    return [f"topic_{t}" for t in range(k)]


def write_topic_tables(out: Path, model: TopicModel, units: pd.DataFrame, shares: np.ndarray) -> None:
    """topics, topic_terms, unit_topics and doc_topics tables, and the grid CSV."""
    from .tables import write_table
    import pyarrow as pa

    out = Path(out)
    k = model.k_
    cols = topic_columns(k)
    known = ~np.isnan(shares).any(axis=1)
    fit_ids = set(model.fit_unit_ids_)
    ut = units.loc[known, ["unit_id", "unit", "doc_id", "n_tokens"]].reset_index(drop=True)
    ut["in_fit"] = ut["unit_id"].isin(fit_ids)
    sh = shares[known]
    ut["dominant_topic"] = sh.argmax(axis=1).astype("int32") if len(sh) else pd.Series(dtype="int32")
    ut = pd.concat([ut, pd.DataFrame(sh, columns=cols)], axis=1)
    weights = ut["n_tokens"].to_numpy(dtype=float)
    doc_rows = []
    for doc_id, idx in ut.groupby("doc_id", sort=False).indices.items():
        w = weights[idx]
        mix = (sh[idx] * w[:, None]).sum(axis=0) / max(w.sum(), 1e-12)
        doc_rows.append({"doc_id": doc_id, "n_units": len(idx), "n_tokens": int(w.sum()),
                         **{c: float(v) for c, v in zip(cols, mix)}})
    dt = pd.DataFrame(doc_rows, columns=["doc_id", "n_units", "n_tokens", *cols])
    terms = model.top_terms(30)
    tt = pd.DataFrame([{"topic": t, "rank": r + 1, "term": w, "weight": float(p)}
                       for t, ts in enumerate(terms) for r, (w, p) in enumerate(ts)])
    prevalence = (sh * weights[:, None]).sum(axis=0) / max(weights.sum(), 1e-12) if len(sh) else np.zeros(k)
    tp = pd.DataFrame({
        "topic": np.arange(k, dtype="int32"), "label": model.labels(),
        "top_terms": [[w for w, _ in ts[:10]] for ts in terms],
        "prevalence": prevalence, "npmi": model.topic_npmi_, "stability": model.topic_stability_,
        "n_units_dominant": [int((ut["dominant_topic"] == t).sum()) for t in range(k)],
    })
    for name, frame in (("topics", tp), ("topic_terms", tt), ("unit_topics", ut), ("doc_topics", dt)):
        write_table(pa.Table.from_pandas(frame, preserve_index=False), out / f"{name}.parquet")
    grid = pd.DataFrame([{"k": g.k, "seed": g.seed, "npmi": g.npmi, "c_v": g.c_v,
                          "stability_k": model.stability_[g.k]} for g in model.grid_])
    write_atomic(out / "topics" / "grid.csv", lambda tmp: grid.to_csv(tmp, index=False))


def write_ldavis(model: TopicModel, units: pd.DataFrame, path: Path) -> str:
    """A pyLDAvis page of the model; on failure a plain HTML table of the topics, and the
    reason is returned (``"pyLDAvis"`` when it worked)."""
    path = Path(path)
    try:
        import pyLDAvis
        import pyLDAvis.gensim_models as gm

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vis = gm.prepare(model.model_, model.bows_, model.dictionary_, sort_topics=False, n_jobs=1)
            html = pyLDAvis.prepared_data_to_html(vis)
        write_atomic(path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
        return "pyLDAvis"
    except Exception as exc:   # pyLDAvis breaks with some pandas/numpy versions: keep a readable page
        reason = f"pyLDAvis failed ({type(exc).__name__}: {exc}); plain topic table written instead"
        log.warning(reason)
        rows = "\n".join(f"<tr><td>{t}</td><td>{' '.join(w for w, _ in ts)}</td></tr>"
                         for t, ts in enumerate(model.top_terms(20)))
        html = (f"<html><meta charset='utf-8'><body><p>{reason}</p><table border=1>"
                f"<tr><th>topic</th><th>top terms</th></tr>{rows}</table></body></html>")
        write_atomic(path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
        return reason


def card_markdown(card: dict) -> str:
    lines = [f"# Topic model card: unit `{card.get('unit')}`, K = {card['k']}", "",
             f"- chosen K: {card['k']} (requested: {card['k_requested']}), seed {card['seed']} of {card['seeds']}",
             f"- NPMI (c_npmi, mean over topics): {card['npmi']}; c_v: {card['c_v']}; "
             f"stability across seeds: {card['stability']}",
             f"- units: {card['n_units']} ({card['n_fit_units']} used to fit), terms: {card['n_terms']}",
             f"- corpus fingerprint: `{card['corpus_fingerprint']}`, stop words: `{card['rules_fingerprint']}`",
             "", "## Grid (means over seeds)", "", "| K | NPMI | sd | c_v | stability |", "|---|---|---|---|---|"]
    lines += [f"| {k} | {v['npmi']} | {v['npmi_sd']} | {v['c_v']} | {v['stability']} |" for k, v in card["grid"].items()]
    lines += ["", "## Topics", "", "| topic | top words | NPMI | stability |", "|---|---|---|---|"]
    lines += [f"| {t['topic']} | {t['label']} | {t['npmi']} | {t['stability']} |" for t in card["topics"]]
    lines += ["", "## Settings", "", "```json", json.dumps(card["settings"], ensure_ascii=False, indent=1), "```", ""]
    return "\n".join(lines)


def load_model(folder: Path):
    """The saved (LdaModel, Dictionary, card) of ``models/topics/<unit>``."""
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    folder = Path(folder)
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    return LdaModel.load(str(folder / "lda.model")), Dictionary.load(str(folder / "dictionary.dict")), card
