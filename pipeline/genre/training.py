"""Train the genre model: bodies in, genres named by their titles out (distant supervision).

    python -m pipeline.genre.training --data ../shared/data --out models/genre   (make genre-model)
    policy-corpus train-genre --corpus DIR|TABLE [--out DIR]                      (a user's corpus)

Each training example is a document body with its title, and any repeat of it at the top of
the body, removed; its label is the genre its title names (rules/genres.toml title cues).
Documents whose title names no genre are not used. The model is a scikit-learn Pipeline
(body window ▶ character n-gram TF-IDF + word TF-IDF (rjieba) + cue counts ▶ linear SVM with
balanced class weights ▶ sigmoid calibration), saved with skops next to a model card
(labels, counts, cross-validated per-class F1, training-data fingerprint, package versions).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Config
from pipeline.genre.features import BodyWindow, CueCounts, segment_words, structure_tokens
from pipeline.genre.model_card import _float32, card_markdown, file_sha1, model_card, print_card_summary
from pipeline.genre.tagger import CARD_FILE, MODEL_FILE, GenreTagger
from pipeline.genre.taxonomy import Taxonomy
from pipeline.genre.training_data import (
    Example,
    corpus_examples,
    fanwen_examples,
    load_fanwen,
    report_halves,
    shared_examples,
)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.genre.training",
                                 description="Train the shipped genre model from ../shared/data.")
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("models/genre"))
    ap.add_argument("--no-cv", action="store_true", help="skip the cross-validation of the card")
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"genre-model: data folder {args.data} not found", file=sys.stderr)
        return 1
    config = Config.load()
    cfg = config["genre_training"]
    shared = shared_examples(args.data, cfg)
    pages = load_fanwen(args.data)
    reports = fanwen_examples(pages)
    examples = shared + reports + report_halves(reports, int(cfg["dev_half_min_chars"]))
    print(f"  fanwen_examples: {len(reports)} reports of {len(pages)} dev pages "
          f"(+{len(examples) - len(shared) - len(reports)} halves)", file=sys.stderr)
    host_cv = None
    if pages and not args.no_cv:
        host_cv = host_cv_report(pages, shared, cfg, config["genre"])
    card = train_and_save(examples, args.out, cfg, cv=not args.no_cv and not pages, host_cv=host_cv,
                          data_description=f"../shared/data corpora ({', '.join(sorted({e.source for e in examples}))})")
    print_card_summary(card)
    return 0


# ----------------------------------------------------------------------------- training

def build_pipeline(cfg: dict, patterns: tuple[str, ...], calibrated: bool = True):
    """The genre Pipeline (unfitted). ``cfg`` is the [genre_training] settings table."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    # hashed n-grams, not a vocabulary: a 10^5-entry vocabulary dict makes a skops file slow
    # to load (seconds per worker), hashed columns load as one array
    features = FeatureUnion([
        ("chars", Pipeline([
            ("hash", HashingVectorizer(analyzer="char_wb", ngram_range=(1, 3), n_features=int(cfg["char_features"]),
                                       alternate_sign=False, norm=None, dtype=_float32())),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
        ])),
        ("words", Pipeline([
            ("hash", HashingVectorizer(tokenizer=segment_words, token_pattern=None, lowercase=False,
                                       n_features=int(cfg["word_features"]), alternate_sign=False, norm=None,
                                       dtype=_float32())),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
        ])),
        ("structure", Pipeline([
            # opening and closing formulas, outline headings with their roles (genre_features.structure_tokens)
            ("hash", HashingVectorizer(analyzer=structure_tokens, n_features=int(cfg["structure_features"]),
                                       alternate_sign=False, norm=None, dtype=_float32())),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
        ])),
        ("cues", CueCounts(patterns=tuple(patterns), scale=float(cfg["cue_feature_scale"]))),
    ], transformer_weights={"structure": float(cfg["structure_weight"])})
    svm = LinearSVC(C=float(cfg["svm_c"]), class_weight="balanced", random_state=0)  # reproducible fits
    classifier = (CalibratedClassifierCV(svm, method="sigmoid", cv=int(cfg["calibration_folds"]), ensemble=False)
                  if calibrated else svm)
    return Pipeline([
        ("window", BodyWindow(head=int(cfg["window_head"]), tail=int(cfg["window_tail"]))),
        ("features", features),
        ("classifier", classifier),
    ])


def usable_examples(examples: list[Example], cfg: dict) -> tuple[list[Example], dict[str, int]]:
    """Drop classes with fewer than ``min_class_examples`` examples (and fewer than the
    calibration folds); returns the kept examples and the dropped classes with their counts."""
    counts = Counter(e.label for e in examples)
    floor = max(int(cfg["min_class_examples"]), int(cfg["calibration_folds"]))
    dropped = {c: n for c, n in counts.items() if n < floor}
    return [e for e in examples if e.label not in dropped], dropped


def train_and_save(examples: list[Example], out: Path, cfg: dict, cv: bool = True,
                   data_description: str = "", host_cv: dict | None = None) -> dict:
    """Fit the Pipeline on ``examples``, save it with skops and write the model card."""
    import skops.io as sio

    examples, dropped = usable_examples(examples, cfg)
    if len({e.label for e in examples}) < 2:
        raise ValueError(f"need at least two genres with enough examples to train; got {Counter(e.label for e in examples)}")
    patterns = Taxonomy.load().body_cue_patterns()
    t0 = time.perf_counter()
    cv_report = cross_validate(examples, cfg, patterns) if cv else None
    pipe = build_pipeline(cfg, patterns)
    pipe.fit([e.body for e in examples], [e.label for e in examples])
    compact(pipe)
    fit_seconds = round(time.perf_counter() - t0, 1)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / (MODEL_FILE + ".tmp")
    sio.dump(pipe, tmp, compression=8)  # zipfile.ZIP_DEFLATED
    tmp.replace(out / MODEL_FILE)
    card = model_card(examples, dropped, cv_report, cfg, data_description, fit_seconds,
                      (out / MODEL_FILE).stat().st_size)
    card["host_cross_validation"] = host_cv
    card["model_sha1"] = file_sha1(out / MODEL_FILE)
    (out / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(card_markdown(card), encoding="utf-8")
    return card


def compact(pipe) -> None:
    """Store the linear weights in float32 (half the file: one row of ~10^5 weights per genre;
    scores differ in the 7th digit)."""
    import numpy as np

    clf = pipe.steps[-1][1]
    for cc in getattr(clf, "calibrated_classifiers_", None) or [clf]:
        est = getattr(cc, "estimator", cc)
        if getattr(est, "coef_", None) is not None:
            est.coef_ = np.asarray(est.coef_, dtype=np.float32)


def cross_validate(examples: list[Example], cfg: dict, patterns: tuple[str, ...], folds: int = 5) -> dict:
    """Per-class precision/recall/F1 under grouped stratified k-fold CV (chunks of one
    report stay in one fold)."""
    import numpy as np
    from sklearn.metrics import classification_report
    from sklearn.model_selection import StratifiedGroupKFold

    X = np.asarray([e.body for e in examples], dtype=object)
    y = np.asarray([e.label for e in examples])
    groups = np.asarray([e.group for e in examples])
    n_splits = folds
    predicted = np.empty(len(y), dtype=object)
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=0)
    stateless = StatelessFeatures(build_pipeline(cfg, patterns), list(X))
    for train, test in splitter.split(X, y, groups):
        # a genre with fewer documents than folds may have a single example left in a training
        # fold: calibration needs two, so such a genre sits that fold out (its test rows count
        # as errors)
        present = Counter(y[train])
        train = np.asarray([i for i in train if present[y[i]] >= 2])
        present = Counter(y[train])
        sub_cfg = dict(cfg)
        sub_cfg["calibration_folds"] = max(2, min(int(cfg["calibration_folds"]), min(present.values())))
        predicted[test] = stateless.fit_predict(build_pipeline(sub_cfg, patterns), train, y[train], test)
    report = classification_report(y, predicted.astype(str), output_dict=True, zero_division=0)
    return {
        "folds": n_splits,
        "grouped_by": "document (chunks of one report stay together)",
        "macro_f1": round(report["macro avg"]["f1-score"], 4),
        "per_class": {c: {k: round(v, 4) for k, v in report[c].items()} for c in sorted(set(y))},
    }


def _hashed(step) -> bool:
    """A feature block of hashing ▶ TF-IDF (only its TF-IDF is fitted)."""
    return hasattr(step, "named_steps") and "hash" in step.named_steps


class StatelessFeatures:
    """The project Pipeline with its stateless steps computed once.

    ``build_pipeline`` is window ▶ FeatureUnion(chars, words, structure: each hash ▶ tfidf;
    cues) ▶ classifier. Window, hashing and cue counting learn nothing, so their output for
    every document is computed once; per fold only the TF-IDF weights and the classifier are
    fitted, on the training rows: the same predictions as fitting the whole Pipeline per fold.
    """

    def __init__(self, template, texts: list[str]):
        union = template.named_steps["features"]
        windowed = template.named_steps["window"].transform(texts)
        blocks = dict(union.transformer_list)
        self.names = [n for n, _ in union.transformer_list]
        self.raw = {}
        for name in self.names:
            step = blocks[name]
            self.raw[name] = (step.named_steps["hash"].transform(windowed) if _hashed(step)
                              else step.fit(windowed).transform(windowed)).tocsr()

    def fit_predict(self, pipeline, train, y_train, test):
        import scipy.sparse as sp

        union = pipeline.named_steps["features"]
        blocks = dict(union.transformer_list)
        weights = union.transformer_weights or {}
        train_parts, test_parts = [], []
        for name in self.names:
            raw = self.raw[name]
            w = weights.get(name, 1.0)
            if _hashed(blocks[name]):
                tfidf = blocks[name].named_steps["tfidf"].fit(raw[train])
                train_parts.append(w * tfidf.transform(raw[train]))
                test_parts.append(w * tfidf.transform(raw[test]))
            else:
                train_parts.append(w * raw[train])
                test_parts.append(w * raw[test])
        classifier = pipeline.named_steps["classifier"]
        classifier.fit(sp.hstack(train_parts).tocsr(), y_train)
        return classifier.predict(sp.hstack(test_parts).tocsr())

    def fit(self, pipeline, train, y_train):
        """``pipeline`` fitted on the rows ``train`` (as ``pipeline.fit`` on those texts would
        fit it), reusing the stateless steps' output: a whole Pipeline that predicts on text."""
        import scipy.sparse as sp

        union = pipeline.named_steps["features"]
        blocks = dict(union.transformer_list)
        weights = union.transformer_weights or {}
        parts = []
        for name in self.names:
            raw = self.raw[name][train]
            w = weights.get(name, 1.0)
            if _hashed(blocks[name]):
                parts.append(w * blocks[name].named_steps["tfidf"].fit(raw).transform(raw))
            else:
                blocks[name].fit(None)
                parts.append(w * raw)
        pipeline.named_steps["classifier"].fit(sp.hstack(parts).tocsr(), y_train)
        return pipeline


# ----------------------------------------------------------------------------- corpora


def train_corpus(corpus: Path, out: Path, cv: bool = True) -> dict:
    """`policy-corpus train-genre`: train on a user's corpus and save to ``out``."""
    cfg = Config.load()["genre_training"]
    examples = corpus_examples(corpus, cfg)
    return train_and_save(examples, out, cfg, cv=cv, data_description=f"corpus {corpus}")


# ----------------------------------------------------------------------------- 范文 dev pages


@dataclass
class FoldModel:
    """A model of one host-grouped fold: trained without the test hosts' pages."""

    test_pages: list[int]            # indexes into the pages list
    model: object                    # the fitted Pipeline
    documents_per_label: dict[str, int]


def host_cv_models(pages, shared: list[Example], cfg: dict, n_splits: int = 5) -> list[FoldModel]:
    """One model per host-grouped fold (``fanwen_data.host_folds``): trained on ``shared`` (the
    distant-supervision corpora, other sites: in every fold) plus the reports of the fold's
    training pages only (and their halves, ``report_halves``); the test hosts' pages are never
    seen."""
    from pipeline.evaluation.fanwen_data import host_folds

    patterns = Taxonomy.load().body_cue_patterns()
    half_min = int(cfg["dev_half_min_chars"])
    fanwen = [(i, e) for i, page in enumerate(pages) for report in fanwen_examples([page])
              for e in [report] + report_halves([report], half_min)]
    examples = list(shared) + [e for _, e in fanwen]
    page_of = [None] * len(shared) + [i for i, _ in fanwen]
    stateless = StatelessFeatures(build_pipeline(cfg, patterns), [e.body for e in examples])
    out = []
    for train_pages, test_pages in host_folds(pages, n_splits):
        train_set = set(train_pages)
        rows = [j for j, p in enumerate(page_of) if p is None or p in train_set]
        kept, _ = usable_examples([examples[j] for j in rows], cfg)
        kept_ids = {id(e) for e in kept}
        rows = [j for j in rows if id(examples[j]) in kept_ids]
        y = [examples[j].label for j in rows]
        fold_cfg = dict(cfg)
        fold_cfg["calibration_folds"] = max(2, min(int(cfg["calibration_folds"]), min(Counter(y).values())))
        model = stateless.fit(build_pipeline(fold_cfg, patterns), rows, y)
        per_label = {c: len({examples[j].doc_key for j in rows if examples[j].label == c}) for c in set(y)}
        out.append(FoldModel(list(test_pages), model, per_label))
    return out


def host_cv_report(pages, shared: list[Example], cfg: dict, tagger_cfg: dict) -> dict:
    """The model card's cross-validation: the fanwen dev reports, bodies only (title removed),
    under host-grouped CV (``host_cv_models``): per-genre precision/recall/F1/support, for the
    tagger's body path (model + cues) and for the model alone, and the tagger's confusion matrix."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    tax = Taxonomy.load()
    gold, tagged, model_only = [], [], []
    for fold in host_cv_models(pages, shared, cfg):
        tagger = GenreTagger(tax, fold.model, tagger_cfg, {"documents_per_label": fold.documents_per_label})
        for i in fold.test_pages:
            for e in fanwen_examples([pages[i]]):
                gold.append(e.label)
                tagged.append(tagger.body_decision(e.body).genre)
                model_only.append(str(fold.model.predict([e.body])[0]))
    labels = sorted(set(gold))

    def table(predicted):
        p, r, f, n = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
        return {"accuracy": round(sum(g == q for g, q in zip(gold, predicted)) / max(1, len(gold)), 4),
                "macro_f1": round(float(f.mean()), 4),
                "per_class": {c: {"precision": round(float(p[k]), 3), "recall": round(float(r[k]), 3),
                                  "f1-score": round(float(f[k]), 3), "support": int(n[k])} for k, c in enumerate(labels)}}

    every = sorted(set(gold) | set(tagged))
    return {
        "folds": 5, "grouped_by": "host (fanwen_data.host_folds): no site on both sides",
        "reports": len(gold), "hosts": len({p.host for p in pages}),
        "input": "body only (title and its repeat removed)",
        "tagger": table(tagged), "model_only": table(model_only),
        "confusion": {"labels": every, "rows_true_cols_predicted": confusion_matrix(gold, tagged, labels=every).tolist()},
    }


if __name__ == "__main__":
    sys.exit(main())
