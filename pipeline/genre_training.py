"""Train the genre model: bodies in, genres named by their titles out (distant supervision).

    python -m pipeline.genre_training --data ../shared/data --out models/genre   (make genre-model)
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
import csv
import hashlib
import json
import platform
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import rules
from .config import Config
from .genre import CARD_FILE, MODEL_FILE, GenreTagger, Taxonomy, genre_text
from .genre_features import BodyWindow, CueCounts, segment_words, strip_title_repeat, structure_tokens


@dataclass
class Example:
    """One training document: body (title removed), label, and where it came from."""

    title: str
    body: str
    label: str
    source: str      # corpus name, e.g. "laws", "statecouncil", "seed"
    group: str       # documents of one group never straddle a CV split (chunks of one report)
    document: str = ""   # the document the example comes from (default: its group)

    @property
    def doc_key(self) -> str:
        return self.document or self.group


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.genre_training",
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
    examples = shared + fanwen_examples(pages)
    print(f"  fanwen_examples: {len(examples) - len(shared)} reports of {len(pages)} dev pages", file=sys.stderr)
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


def file_sha1(path: Path) -> str:
    """sha1 of a file's bytes (the card names the model file it describes)."""
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def model_card(examples, dropped, cv_report, cfg, data_description, fit_seconds, size_bytes) -> dict:
    import numpy
    import scipy
    import sklearn
    import skops

    counts = Counter(e.label for e in examples)
    by_source = Counter(f"{e.source}:{e.label}" for e in examples)
    groups = {c: len({e.doc_key for e in examples if e.label == c}) for c in counts}

    return {
        "model": MODEL_FILE,
        "task": "genre of a Chinese report or official document from its body (title removed)",
        "labels": sorted(counts),
        "label_names": {g.slug: g.name for g in Taxonomy.load().genres if g.slug in counts},
        "counts": dict(sorted(counts.items())),
        "documents_per_label": dict(sorted(groups.items())),
        "counts_by_source": dict(sorted(by_source.items())),
        "dropped_labels": dropped,
        "cross_validation": cv_report,
        "training_data": data_description,
        "training_data_fingerprint": data_fingerprint(examples),
        "rules_fingerprint": rules.fingerprint("genres.toml"),
        "settings": {k: v for k, v in cfg.items()},
        "fit_seconds": fit_seconds,
        "size_bytes": size_bytes,
        "versions": {
            "python": platform.python_version(), "scikit-learn": sklearn.__version__, "skops": skops.__version__,
            "numpy": numpy.__version__, "scipy": scipy.__version__, "rjieba": _version("rjieba"),
        },
        "trusted_types_note": "load with pipeline.genre.load_model (trusts exactly pipeline.genre.TRUSTED_TYPES)",
        "limitations": LIMITATIONS,
    }


LIMITATIONS = [
    "Official document types (通知, 意见, 条例, 规定, 办法, …) and government work reports are learned from titles "
    "(distant supervision: laws, State Council 1978-2016, national/provincial reports); a title naming the wrong "
    "genre gives a wrong label, and local documents of other periods may differ.",
    "The 范文 report genres are learned from the fanwen dev pages only: about 270 reports of 208 sites, the top "
    "~700 characters of each page. Genres with fewer than model_min_documents reports (thought_report, "
    "check_materials, rectification, inspection_tour, feasibility_study, notice/opinion/regulation/measures as 范文) "
    "are left to the body cues of rules/genres.toml; the host-grouped table below shows how thin they are.",
    "Not good at: telling survey (调查报告) from research (调研报告) by the body alone; work_summary vs work_plan "
    "vs duty_report (a 述职报告 reads like a summary); 'other' (news items, papers and expository articles about a "
    "genre, which 范文 sites title as that genre); bodies of a few lines.",
    "Bodies are read through a window (head + tail characters, see settings); pinyin annotations (报(bào)) are "
    "taken out before reading.",
]


def _version(module: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module)
    except PackageNotFoundError:
        return "unknown"


def data_fingerprint(examples: list[Example]) -> str:
    """sha1 over (source, label, body) of every training example, in order."""
    h = hashlib.sha1()
    for e in examples:
        h.update(f"{e.source}\x1f{e.label}\x1f".encode())
        h.update(e.body.encode("utf-8"))
    return h.hexdigest()[:16]


def card_markdown(card: dict) -> str:
    lines = [
        "# Genre model card", "",
        f"- File: `{card['model']}` (skops), {card['size_bytes'] / 1e6:.1f} MB, sha1 `{card.get('model_sha1', '?')}`; "
        f"load with `pipeline.genre.load_model`. Regenerate model and card with `make genre-model`.",
        f"- Task: {card['task']}.",
        f"- Training data: {card['training_data']}; fingerprint `{card['training_data_fingerprint']}`; "
        f"rules fingerprint `{card['rules_fingerprint']}`.",
        f"- Versions: " + ", ".join(f"{k} {v}" for k, v in card["versions"].items()) + ".",
        "", "## Labels", "",
        "| label | name | examples | documents | CV precision | CV recall | CV F1 |", "|---|---|---:|---:|---:|---:|---:|",
    ]
    cvp = (card.get("cross_validation") or {}).get("per_class", {})
    for label in card["labels"]:
        m = cvp.get(label, {})
        lines.append(f"| {label} | {card['label_names'].get(label, '')} | {card['counts'][label]} | "
                     f"{card['documents_per_label'][label]} | {m.get('precision', '-')} | {m.get('recall', '-')} | "
                     f"{m.get('f1-score', '-')} |")
    cv = card.get("cross_validation")
    lines += ["", f"Cross-validation: {cv['folds']}-fold, grouped by document, macro-F1 {cv['macro_f1']}." if cv
              else "Cross-validation over all examples: not run (the 范文 genres are cross-validated by host below)."
              if card.get("host_cross_validation") else "Cross-validation: not run.", ""]
    if card["dropped_labels"]:
        lines += [f"Dropped (too few examples): {card['dropped_labels']}", ""]
    lines += host_cv_markdown(card.get("host_cross_validation"))
    lines += ["## Examples by source", ""] + [f"- {k}: {v}" for k, v in card["counts_by_source"].items()]
    lines += ["", "## Limitations", ""] + [f"- {x}" for x in card["limitations"]] + [""]
    return "\n".join(lines)


def host_cv_markdown(cv: dict | None) -> list[str]:
    """The card's section on the 范文 dev pages under host-grouped CV (per genre, confusion)."""
    if not cv:
        return []
    t, m = cv["tagger"], cv["model_only"]
    lines = ["## 范文 dev pages, host-grouped cross-validation", "",
             f"{cv['reports']} reports of {cv['hosts']} sites, {cv['folds']} folds grouped by {cv['grouped_by']}; "
             f"input: {cv['input']}. Accuracy {t['accuracy']} (tagger: model + cues), {m['accuracy']} (model alone); "
             f"macro-F1 {t['macro_f1']} / {m['macro_f1']}.", "",
             "| genre | support | precision | recall | F1 | F1, model alone |", "|---|---:|---:|---:|---:|---:|"]
    for label, row in t["per_class"].items():
        lines.append(f"| {label} | {row['support']} | {row['precision']} | {row['recall']} | {row['f1-score']} | "
                     f"{m['per_class'][label]['f1-score']} |")
    labels = cv["confusion"]["labels"]
    short = {c: c[:6] for c in labels}
    lines += ["", "Confusion matrix (tagger; rows: true genre, columns: predicted):", "",
              "| true \\ predicted | " + " | ".join(short[c] for c in labels) + " |",
              "|---|" + "---:|" * len(labels)]
    for c, row in zip(labels, cv["confusion"]["rows_true_cols_predicted"]):
        lines.append(f"| {c} | " + " | ".join(str(v) if v else "" for v in row) + " |")
    return lines + [""]


def print_card_summary(card: dict) -> None:
    cv = card.get("cross_validation") or {}
    print(f"trained on {sum(card['counts'].values())} examples, {len(card['labels'])} labels; "
          f"{card['size_bytes'] / 1e6:.1f} MB; CV macro-F1 {cv.get('macro_f1', '-')}")
    for label in card["labels"]:
        f1 = cv.get("per_class", {}).get(label, {}).get("f1-score", "-")
        print(f"  {label:24s} {card['counts'][label]:5d}  F1 {f1}")


def _float32():
    import numpy

    return numpy.float32


# ----------------------------------------------------------------------------- corpora

def labelled(taxonomy: Taxonomy, title: str, body: str, source: str, group: str) -> Example | None:
    """An Example when the title names a genre and the body (title removed) is not empty."""
    label = taxonomy.title_genre(title)
    if not label:
        return None
    body = strip_title_repeat(title, body).strip()
    if len(body) < 20:
        return None
    return Example(title, body, label, source, group)


def shared_examples(data: Path, cfg: dict) -> list[Example]:
    """Every labelled document of the ../shared/data corpora used for the shipped model."""
    tax = Taxonomy.load()
    out: list[Example] = []
    for loader in (laws_examples, statecouncil_examples, wikisource_examples, provincial_examples,
                   pkulaw_examples, seed_examples):
        found = loader(data, tax, cfg)
        print(f"  {loader.__name__}: {len(found)} examples", file=sys.stderr)
        out.extend(found)
    return dedupe(out)


def dedupe(examples: list[Example]) -> list[Example]:
    """Drop exact duplicate bodies (the State Council CSV lists some documents twice)."""
    seen, out = set(), []
    for e in examples:
        key = hashlib.sha1(re.sub(r"\s+", "", e.body).encode()).hexdigest()
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def laws_examples(data: Path, tax: Taxonomy, cfg: dict | None = None) -> list[Example]:
    """laws/lawrefbook Markdown: the title is the first "# " line, the body everything after."""
    root = data / "laws" / "lawrefbook"
    out = []
    for path in sorted(root.rglob("*.md")):
        if path.name in ("_index.md", "README.md", "法律法规模版.md"):
            continue
        title, body = markdown_title_body(path.read_text(encoding="utf-8", errors="replace"))
        ex = labelled(tax, title, body, "laws", f"laws:{path.relative_to(root)}")
        if ex:
            out.append(ex)
    return out


def markdown_title_body(text: str) -> tuple[str, str]:
    """(first "# " heading, the rest without Markdown heading marks and HTML comments)."""
    lines = text.split("\n")
    title, rest = "", lines
    for i, line in enumerate(lines):
        if line.startswith("# "):
            title, rest = line[2:].strip(), lines[i + 1:]
            break
    body = "\n".join(re.sub(r"^#{1,6}\s+", "", ln) for ln in rest)
    body = re.sub(r"<!--.*?-->", "", body, flags=re.S)
    return title, body.strip()


def statecouncil_examples(data: Path, tax: Taxonomy, cfg: dict | None = None) -> list[Example]:
    """gov/statecouncil-docs/GOV_PRC.csv: Policy (title), Policy_Content (full text)."""
    path = data / "gov" / "statecouncil-docs" / "GOV_PRC.csv"
    out = []
    if not path.exists():
        return out
    with path.open(encoding="utf-8-sig", newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            ex = labelled(tax, row.get("Policy") or "", row.get("Policy_Content") or "", "statecouncil",
                          f"statecouncil:{i}")
            if ex:
                out.append(ex)
    return out


def wikisource_examples(data: Path, tax: Taxonomy, cfg: dict | None = None) -> list[Example]:
    """gov/national-wikisource JSONL: government work reports, NPC resolutions, congress reports."""
    out = []
    for path in sorted((data / "gov" / "national-wikisource").glob("*.jsonl")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if not line.strip():
                continue
            obj = json.loads(line)
            ex = labelled(tax, obj.get("title") or "", obj.get("content") or "", "wikisource", f"wikisource:{path.stem}:{i}")
            if ex:
                out.append(ex)
    return out


def provincial_examples(data: Path, tax: Taxonomy, cfg: dict | None = None) -> list[Example]:
    """gov/provincial-2025/derived_txt: the title is the first non-empty line."""
    out = []
    for path in sorted((data / "gov" / "provincial-2025" / "derived_txt").glob("*.txt")):
        title, body = first_line_title(path.read_text(encoding="utf-8", errors="replace"))
        ex = labelled(tax, title or path.stem, body, "provincial", f"provincial:{path.name}")
        if ex:
            out.append(ex)
    return out


def first_line_title(text: str, skip: tuple[str, ...] = ()) -> tuple[str, str]:
    """(first non-empty line not starting with one of ``skip``, the text after it)."""
    lines = text.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        s = line.strip().lstrip("\ufeff")
        if s and not s.startswith(skip):
            return s, "\n".join(lines[i + 1:])
    return "", ""


def pkulaw_examples(data: Path, tax: Taxonomy, cfg: dict | None = None) -> list[Example]:
    """gov/pkulaw-sample: header lines (【法宝引证码】, 原文链接) skipped; then title, body."""
    out = []
    for path in sorted((data / "gov" / "pkulaw-sample" / "origin").rglob("*.txt")):
        title, body = first_line_title(path.read_text(encoding="utf-8", errors="replace"), ("【法宝引证码】", "原文链接"))
        ex = labelled(tax, title, body, "pkulaw", f"pkulaw:{path.name}")
        if ex:
            out.append(ex)
    return out


def seed_examples(data: Path, tax: Taxonomy, cfg: dict | None = None) -> list[Example]:
    """The sample page's 8 reports (gold line ranges of gold/seed.json, boilerplate lines and
    spam fragments removed), each cut into paragraph chunks of about ``seed_chunk_chars``."""
    gold_path = data / "gold" / "seed.json"
    if not gold_path.exists():
        return []
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    page = data / "seed" / gold["page"]
    if not page.exists():
        page = Path(__file__).resolve().parents[1] / "corpus" / "raw" / gold["page"]
    lines = page.read_text(encoding="utf-8").split("\n")
    chunk_chars = int((cfg or Config.load()["genre_training"])["seed_chunk_chars"])
    out = []
    for doc in gold["documents"]:
        body = gold_body(lines, doc["body"][0], doc["body"][1], gold)
        body = strip_title_repeat(doc["title"], body)
        label = tax.title_genre(doc["title"])
        if not label:
            continue
        for j, chunk in enumerate(chunk_paragraphs(body, chunk_chars)):
            out.append(Example(doc["title"], chunk, label, "seed", f"seed:{doc['n']}"))
    return out


def gold_body(lines: list[str], first: int, last: int, gold: dict) -> str:
    """Lines ``first..last`` (1-based) without boilerplate lines and spam fragments."""
    skip = set(gold.get("boilerplate_lines_inside_bodies", [])) | set(gold.get("duplicate_title_lines", []))
    spam = {s["line"]: s["fragment"] for s in gold.get("spam_fragments", [])}
    kept = []
    for no in range(first, last + 1):
        if no in skip:
            continue
        text = lines[no - 1]
        if no in spam:
            text = text.replace(spam[no], "")
        if text.strip():
            kept.append(text.strip())
    return "\n".join(kept)


def chunk_paragraphs(body: str, size: int) -> list[str]:
    """Consecutive paragraphs joined into chunks of at least ``size`` characters (the last
    chunk may be shorter; a body shorter than ``size`` is one chunk)."""
    chunks, current = [], []
    for para in body.split("\n"):
        current.append(para)
        if sum(len(p) for p in current) >= size:
            chunks.append("\n".join(current))
            current = []
    if current:
        if chunks and sum(len(p) for p in current) < size // 3:
            chunks[-1] += "\n" + "\n".join(current)
        else:
            chunks.append("\n".join(current))
    return chunks


def corpus_examples(corpus: Path, cfg: dict) -> list[Example]:
    """Labelled documents of a user's corpus: a folder of pages (ingested, cleaned and split by
    the pipeline, so multi-report pages give one document each) or one table (.csv/.jsonl…,
    ingested row by row with the [ingest] title/text columns)."""
    from .context import Resources
    from . import clean, ingest, split

    tax = Taxonomy.load()
    res = Resources(Config.load())
    corpus = Path(corpus)
    if corpus.is_dir():
        paths, _rejected = ingest.discover_files(corpus)
        root = corpus
    elif corpus.is_file():
        paths, root = [corpus], corpus.parent
    else:
        raise FileNotFoundError(f"--corpus {corpus}: no such folder or file")
    pages = []
    for p in paths:
        pages.extend(pg for pg in ingest.ingest_file(Path(p), root, res.config["ingest"]) if pg.ok)
    templates = clean.learn_templates(pages, res.config["clean"])
    out = []
    for page in pages:
        cleaned = clean.run(page, templates, res)
        docs, _ = split.run(page, cleaned, res)
        for doc in docs:
            title = doc.title or page.title or ""
            ex = labelled(tax, title, doc.text, corpus.name, f"{page.page_id}:{doc.ordinal}")
            if ex:
                out.append(ex)
    return dedupe(out)


def train_corpus(corpus: Path, out: Path, cv: bool = True) -> dict:
    """`policy-corpus train-genre`: train on a user's corpus and save to ``out``."""
    cfg = Config.load()["genre_training"]
    examples = corpus_examples(corpus, cfg)
    return train_and_save(examples, out, cfg, cv=cv, data_description=f"corpus {corpus}")



# ----------------------------------------------------------------------------- 范文 dev pages

def fanwen_report_body(page, k: int) -> str:
    """The gold body of report ``k`` of a fanwen ``GoldPage``: its lines labelled ``body`` from
    its first body line up to the next report's title line (or first body line), spam fragments
    cut out, normalised as the clean stage does (t2s, widths, spaces); title lines are never in."""
    from .normalize import normalize_line

    reports = page.reports
    first = reports[k].first_body_line
    if k + 1 < len(reports):
        nxt = reports[k + 1]
        end = (nxt.title_line or nxt.first_body_line) - 1
    else:
        end = len(page.lines)
    spam: dict[int, list[str]] = {}
    for no, fragment in page.spam:
        spam.setdefault(no, []).append(fragment)
    kept = []
    for no in range(first, end + 1):
        if page.labels.get(no) != "body":
            continue
        text = page.lines[no - 1]
        for fragment in spam.get(no, ()):
            text = text.replace(fragment, "")
        text = normalize_line(text)
        if text:
            kept.append(text)
    return "\n".join(kept)


def fanwen_examples(pages) -> list[Example]:
    """One Example per gold report of the given fanwen pages (gold genre, body without its
    title and the title's repeat); grouped by host, so a site's reports stay together."""
    from .normalize import normalize_line

    out = []
    for page in pages:
        for k, r in enumerate(page.reports):
            title = normalize_line(r.title)
            body = strip_title_repeat(title, fanwen_report_body(page, k)).strip()
            body = genre_text(body)
            if body:
                out.append(Example(title, body, r.genre, "fanwen", f"fanwen:{page.host}", f"fanwen:{page.id}:{k}"))
    return out


@dataclass
class FoldModel:
    """A model of one host-grouped fold: trained without the test hosts' pages."""

    test_pages: list[int]            # indexes into the pages list
    model: object                    # the fitted Pipeline
    documents_per_label: dict[str, int]


def host_cv_models(pages, shared: list[Example], cfg: dict, n_splits: int = 5) -> list[FoldModel]:
    """One model per host-grouped fold (``fanwen_data.host_folds``): trained on ``shared`` (the
    distant-supervision corpora, other sites: in every fold) plus the reports of the fold's
    training pages only; the test hosts' pages are never seen."""
    from .fanwen_data import host_folds

    patterns = Taxonomy.load().body_cue_patterns()
    fanwen = [(i, e) for i, page in enumerate(pages) for e in fanwen_examples([page])]
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


def load_fanwen(data: Path) -> list:
    """The fanwen dev pages under ``data`` ([] when the folder is missing)."""
    from .fanwen_data import available, load_pages

    return load_pages(data) if available(data) else []


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
