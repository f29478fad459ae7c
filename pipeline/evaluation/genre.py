"""Evaluation of the genre stage (``--only genre``).

- laws / statecouncil: body-only macro-F1 under stratified 5-fold CV with title-derived labels
  (title and its repeat removed from the body, the body otherwise as it is), for the project's
  Pipeline (``macro_f1``) and a THUCTC-style baseline (character-bigram TF-IDF + LinearSVC, no
  segmentation: ``baseline_macro_f1``); classes with fewer than 5 documents are dropped (named
  in ``dropped``). Exact duplicate bodies are removed first (the State Council CSV lists some
  documents twice; a copy in the test fold of a training document would flatter both systems).
- seed: the sample page's 8 reports from titles (``title_correct``) and from bodies only
  (``body_correct``): bodies tagged by a model trained on the ../shared/data corpora WITHOUT the
  sample page, plus the body cues, i.e. the page is never seen in training here.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from pipeline.config import Config
from pipeline.genre.tagger import GenreTagger
from pipeline.genre.taxonomy import Taxonomy
from pipeline.genre.training import StatelessFeatures, build_pipeline, usable_examples
from pipeline.genre.training_data import (
    Example,
    dedupe,
    gold_body,
    laws_examples,
    pkulaw_examples,
    provincial_examples,
    statecouncil_examples,
    wikisource_examples,
)

LAW_CLASSES = ["regulation", "provision", "measures", "interpretation", "implementing_rules"]      # 条例/规定/办法/解释/细则
STATECOUNCIL_CLASSES = ["notice", "reply", "letter", "opinion", "decision"]                          # 通知/批复/函/意见/决定
MIN_CLASS_DOCS = 5
FOLDS = 5


def run(data: Path) -> dict:
    data = Path(data)
    cfg = Config.load()["genre_training"]
    tax = Taxonomy.load()
    out: dict = {}
    laws_dir = data / "laws" / "lawrefbook"
    sc_csv = data / "gov" / "statecouncil-docs" / "GOV_PRC.csv"
    if laws_dir.is_dir():
        out["laws"] = compare_on(dedupe(laws_examples(data, tax)), LAW_CLASSES, cfg, tax)
    else:
        out["laws"] = {"missing": f"{laws_dir} not found"}
    if sc_csv.exists():
        out["statecouncil"] = compare_on(dedupe(statecouncil_examples(data, tax)), STATECOUNCIL_CLASSES, cfg, tax)
    else:
        out["statecouncil"] = {"missing": f"{sc_csv} not found"}
    out["seed"] = seed_figures(data, cfg, tax)
    return out


def compare_on(examples: list[Example], classes: list[str], cfg: dict, tax: Taxonomy) -> dict:
    """Project vs baseline, same folds, same bodies."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    counts = Counter(e.label for e in examples if e.label in classes)
    kept = [c for c in classes if counts.get(c, 0) >= MIN_CLASS_DOCS]
    dropped = {c: counts.get(c, 0) for c in classes if c not in kept}
    examples = [e for e in examples if e.label in kept]
    X = [e.body for e in examples]
    y = np.asarray([e.label for e in examples])
    folds = list(StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0).split(X, y))
    patterns = tax.body_cue_patterns()
    result = {"documents": len(examples), "counts": {c: counts[c] for c in kept}, "dropped": dropped,
              "names": {c: tax.by_slug[c].name for c in kept}}
    for name in ("project", "baseline"):
        t = time.perf_counter()
        predicted = np.empty(len(y), dtype=object)
        if name == "project":
            # the Pipeline's stateless steps (window, hashing, cue counts) once for all folds
            stateless = StatelessFeatures(build_pipeline(cfg, patterns), X)
        for train, test in folds:
            if name == "project":
                fold_cfg = dict(cfg)
                fold_cfg["calibration_folds"] = max(2, min(int(cfg["calibration_folds"]), min(Counter(y[train]).values())))
                predicted[test] = stateless.fit_predict(build_pipeline(fold_cfg, patterns), train, y[train], test)
            else:
                model = baseline_pipeline()
                model.fit([X[i] for i in train], y[train])
                predicted[test] = model.predict([X[i] for i in test])
        scores = scores_of(y, predicted.astype(str), kept)
        scores["seconds"] = round(time.perf_counter() - t, 1)
        key = "" if name == "project" else "baseline_"
        result[f"{key}macro_f1"] = scores["macro_f1"]
        result[f"{key}per_class_f1"] = scores["per_class_f1"]
        result[f"{key}confusion"] = scores["confusion"]
        result[f"{key}seconds"] = scores["seconds"]
        print_confusion(f"{name} ({len(examples)} docs)", kept, tax, scores)
    result["beats_baseline"] = int(result["macro_f1"] >= result["baseline_macro_f1"])
    return result


def baseline_pipeline():
    """THUCTC-style: character bigrams, TF-IDF, linear SVM; no segmentation, no cues."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    return Pipeline([("bigrams", TfidfVectorizer(analyzer="char", ngram_range=(2, 2))),
                     ("svm", LinearSVC())])


def scores_of(y, predicted, classes: list[str]) -> dict:
    from sklearn.metrics import confusion_matrix, f1_score

    per_class = f1_score(y, predicted, labels=classes, average=None, zero_division=0)
    matrix = confusion_matrix(y, predicted, labels=classes)
    return {
        "macro_f1": round(float(per_class.mean()), 4),
        "per_class_f1": {c: round(float(f), 4) for c, f in zip(classes, per_class)},
        "confusion": {"labels": classes, "rows_true_cols_predicted": matrix.tolist()},
    }


def print_confusion(title: str, classes: list[str], tax: Taxonomy, scores: dict) -> None:
    names = [tax.by_slug[c].name for c in classes]
    print(f"\n[genre] {title}: macro-F1 {scores['macro_f1']:.4f}")
    print("  true \\ predicted " + " ".join(f"{n:>6s}" for n in names) + "     F1")
    for c, n, row in zip(classes, names, scores["confusion"]["rows_true_cols_predicted"]):
        print(f"  {n:>16s} " + " ".join(f"{v:>6d}" for v in row) + f"  {scores['per_class_f1'][c]:.3f}")


def seed_figures(data: Path, cfg: dict, tax: Taxonomy) -> dict:
    """Titles and bodies of the sample page's 8 reports (gold ranges)."""
    gold_path = data / "gold" / "seed.json"
    if not gold_path.exists():
        return {"missing": f"{gold_path} not found"}
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    page = data / "seed" / gold["page"]
    lines = page.read_text(encoding="utf-8").split("\n")
    docs = gold["documents"]
    title_right = sum(tax.title_genre(d["title"]) == d["genre"] for d in docs)
    # a model that never saw the sample page: the other corpora only
    training = []
    for loader in (laws_examples, statecouncil_examples, wikisource_examples, provincial_examples, pkulaw_examples):
        training.extend(loader(data, tax, cfg))
    training, _ = usable_examples(dedupe(training), cfg)
    model = build_pipeline(cfg, tax.body_cue_patterns())
    model.fit([e.body for e in training], [e.label for e in training])
    tagger = GenreTagger(tax, model)          # the [genre] settings of settings.toml
    cue_only = GenreTagger(tax, None)
    body_rows, body_right, cue_right = [], 0, 0
    for d in docs:
        body = gold_body(lines, d["body"][0], d["body"][1], gold)
        genre, score, source = tagger.tag(None, body)
        cue_genre, _, _ = cue_only.tag(None, body)
        body_right += genre == d["genre"]
        cue_right += cue_genre == d["genre"]
        body_rows.append({"n": d["n"], "expected": d["genre"], "genre": genre, "score": score, "source": source})
    print("\n[genre] sample page, bodies only (model trained without the page):")
    for r in body_rows:
        print(f"  #{r['n']} expected {r['expected']:16s} got {r['genre']:16s} {r['score']:.2f} ({r['source']})")
    return {"documents": len(docs), "title_correct": title_right, "body_correct": body_right,
            "body_correct_cues_only": cue_right, "body_rows": body_rows}
