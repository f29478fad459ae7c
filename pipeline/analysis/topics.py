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

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.analysis.topic_outputs import (
    _rules_fingerprint,
    _version,
    card_markdown,
    coherence_per_topic,
    corpus_fingerprint,
    seed_stability,
    topic_label,
    topic_stability,
    write_ldavis,
    write_topic_tables,
)
from pipeline.analysis.topic_units import UNITS, documents_build, load_units
from pipeline.config import Config, ConfigError, UserError
from pipeline.output.tables import write_atomic, write_json

log = logging.getLogger(__name__)

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


# ── writing ───────────────────────────────────────────────────────────────────────────


def load_model(folder: Path):
    """The saved (LdaModel, Dictionary, card) of ``models/topics/<unit>``."""
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    folder = Path(folder)
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    return LdaModel.load(str(folder / "lda.model")), Dictionary.load(str(folder / "dictionary.dict")), card
