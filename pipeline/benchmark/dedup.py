"""Benchmark section ``dedup``: quality against planted duplicates, and near-linear scaling.

- ``dedup_f1``: the dedup stage (``dedup.mark_duplicates`` with the shipped settings) over
  the bodies of the bench corpus (``corpus.py``: originals plus exact and lightly edited
  copies). Found pairs are the pairs of documents in one cluster; true pairs are the pairs
  of copies of one original whose exact shingle Jaccard (the quantity MinHash estimates)
  is at least the threshold. A found pair that was not planted but whose exact Jaccard is
  at least the threshold is a duplicate already in the source data (counted apart, not a
  false positive); any other found pair is a false positive.
- ``dedup_scaling``: CPU time of the dedup stage (fingerprints + clustering) on 100k
  synthetic short documents ÷ on 10k (sentences of the real laws and reports recombined,
  10 % of them lightly edited copies). Linear is 10. Each time is the best of 2 runs (the
  least disturbed by a shared machine's other work, on both sides alike); the first run's
  ratio is in the detail too. CPU time because the machine may be shared; the wall-clock
  ratio is in the detail.
"""
from __future__ import annotations

import random
import time
from itertools import combinations
from pathlib import Path

from pipeline.analysis import dedup
from pipeline.benchmark.corpus import edit_text, make_corpus, original_texts
from pipeline.config import Config
from pipeline.records import Document, Line


def run(data: Path, workdir: Path, size: float = 1.0) -> dict:
    cfg = Config.load()["dedup"]
    corpus = make_corpus(data, size)
    if not corpus.docs:
        return {"missing": f"no bench texts under {data}"}
    quality = _quality(corpus, cfg)
    scaling = _scaling(data, cfg)
    return {
        "dedup_f1": quality.pop("f1"),
        "dedup_scaling": scaling.pop("ratio"),
        "targets": {"dedup_f1": ">= 0.95", "dedup_scaling": "<= 12"},
        "detail": {**quality, **scaling, "threshold": cfg["threshold"], "shingle": cfg["shingle"],
                   "num_perm": cfg["num_perm"]},
    }


def _quality(corpus, cfg: dict) -> dict:
    docs = [Document(doc_id=f"{i:06d}-001", page_id=f"{i:06d}", ordinal=1, title=d.title,
                     lines=[Line(n + 1, t) for n, t in enumerate(d.body.split("\n"))])
            for i, d in enumerate(corpus.docs)]
    paths = {doc.page_id: d.name for doc, d in zip(docs, corpus.docs)}
    t = time.perf_counter()
    dedup.mark_duplicates(docs, cfg, paths)
    seconds = time.perf_counter() - t
    clusters: dict[str, list[int]] = {}
    for i, doc in enumerate(docs):
        clusters.setdefault(doc.dup_cluster, []).append(i)
    found = {pair for members in clusters.values() for pair in combinations(sorted(members), 2)}
    planted_all = {pair for g in corpus.planted_groups() for pair in combinations(sorted(g), 2)}
    shingles: dict[int, set[str]] = {}

    def jaccard(i: int, j: int) -> float:
        a, b = (shingles.setdefault(k, _shingles(docs[k].text, cfg["shingle"])) for k in (i, j))
        return len(a & b) / len(a | b) if a or b else 1.0

    planted = {p for p in planted_all if jaccard(*p) >= cfg["threshold"]}
    unplanted = found - planted_all
    natural = {p for p in unplanted if jaccard(*p) >= cfg["threshold"]}
    tp = len(found & planted)
    fp = len(unplanted - natural) + len((found & planted_all) - planted)
    fn = len(planted - found)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": round(f1, 4), "precision": round(precision, 4), "recall": round(recall, 4),
            "documents": len(docs), "planted_pairs": len(planted_all),
            "planted_pairs_below_threshold": len(planted_all - planted), "found_pairs": len(found),
            "true_positives": tp, "false_positives": fp, "false_negatives": fn,
            "source_duplicates_found": len(natural), "quality_run_seconds": round(seconds, 2),
            "quality_run_chars": sum(d.n_chars for d in docs)}


def _shingles(text: str, k: int) -> set[str]:
    norm = dedup.normalise(text)
    return {norm[i:i + k] for i in range(len(norm) - k + 1)}


def synthetic_docs(data: Path, n: int, seed: int = 5) -> list[str]:
    """``n`` short texts: 3-8 sentences of the real texts each; 10 % are edited copies."""
    rng = random.Random(seed)
    sentences = [s.strip() for _, body in original_texts(data) for s in body.replace("\n", "").split("。")
                 if 8 <= len(s.strip()) <= 200]
    out: list[str] = []
    for i in range(n):
        if out and rng.random() < 0.1:
            out.append(edit_text(rng.choice(out), rng, rate=0.01))
        else:
            out.append("。".join(rng.choice(sentences) for _ in range(rng.randint(3, 8))) + "。")
    return out


def _time_dedup(texts: list[str], cfg: dict) -> tuple[float, float, float]:
    """(CPU seconds, wall seconds, CPU seconds of the clustering alone) of the dedup stage."""
    t, c = time.perf_counter(), time.process_time()
    entries = [dedup.DedupEntry(f"{i:07d}-001", len(s), f"{i:07d}", 1, dedup.fingerprint(s, cfg))
               for i, s in enumerate(texts)]
    c_fp = time.process_time()
    dedup.find_clusters(entries, cfg)
    return time.process_time() - c, time.perf_counter() - t, time.process_time() - c_fp


def _scaling(data: Path, cfg: dict) -> dict:
    small, large = synthetic_docs(data, 10_000), synthetic_docs(data, 100_000)
    runs_small = [_time_dedup(small, cfg) for _ in range(2)]
    runs_large = [_time_dedup(large, cfg) for _ in range(2)]
    t_small, t_large = (min(runs, key=lambda r: r[0]) for runs in (runs_small, runs_large))
    return {"ratio": round(t_large[0] / t_small[0], 3), "ratio_first_runs": round(runs_large[0][0] / runs_small[0][0], 3),
            "cpu_seconds_10k": round(t_small[0], 3),
            "cpu_seconds_100k": round(t_large[0], 3), "ratio_wall": round(t_large[1] / t_small[1], 3),
            "clustering_cpu_seconds_10k": round(t_small[2], 3), "clustering_cpu_seconds_100k": round(t_large[2], 3),
            "chars_10k": sum(map(len, small)), "chars_100k": sum(map(len, large))}
