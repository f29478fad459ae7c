"""What a fitted topic model leaves behind: topic quality figures (coherence per topic,
stability across seeds), the topic tables (topics.parquet, unit_topics.parquet), the pyLDAvis
page, the model card, and the fingerprints that tie them to the corpus and the rules."""
from __future__ import annotations

import hashlib
import itertools
import json
import logging
import warnings
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from pipeline import rules
from pipeline.output.tables import write_atomic

log = logging.getLogger(__name__)


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


def topic_columns(k: int) -> list[str]:
    return [f"topic_{t}" for t in range(k)]


def write_topic_tables(out: Path, model, units: pd.DataFrame, shares: np.ndarray) -> None:
    """topics, topic_terms, unit_topics and doc_topics tables, and the grid CSV."""
    import pyarrow as pa

    from pipeline.output.tables import write_table

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


def write_ldavis(model, units: pd.DataFrame, path: Path) -> str:
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
