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
from .genre import CARD_FILE, MODEL_FILE, Taxonomy
from .genre_features import BodyWindow, CueCounts, segment_words, strip_title_repeat


@dataclass
class Example:
    """One training document: body (title removed), label, and where it came from."""

    title: str
    body: str
    label: str
    source: str      # corpus name, e.g. "laws", "statecouncil", "seed"
    group: str       # documents of one group never straddle a CV split (chunks of one report)


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
    cfg = Config.load()["genre"]
    examples = shared_examples(args.data, cfg)
    card = train_and_save(examples, args.out, cfg, cv=not args.no_cv,
                          data_description=f"../shared/data corpora ({', '.join(sorted({e.source for e in examples}))})")
    print_card_summary(card)
    return 0


# ----------------------------------------------------------------------------- training

def build_pipeline(cfg: dict, patterns: tuple[str, ...], calibrated: bool = True):
    """The genre Pipeline (unfitted). ``cfg`` is the [genre] settings table."""
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
        ("cues", CueCounts(patterns=tuple(patterns), scale=float(cfg["cue_feature_scale"]))),
    ])
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
                   data_description: str = "") -> dict:
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
    fit_seconds = round(time.perf_counter() - t0, 1)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / (MODEL_FILE + ".tmp")
    sio.dump(pipe, tmp, compression=8)  # zipfile.ZIP_DEFLATED
    tmp.replace(out / MODEL_FILE)
    card = model_card(examples, dropped, cv_report, cfg, data_description, fit_seconds,
                      (out / MODEL_FILE).stat().st_size)
    (out / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(card_markdown(card), encoding="utf-8")
    return card


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


class StatelessFeatures:
    """The project Pipeline with its stateless steps computed once.

    ``build_pipeline`` is window ▶ FeatureUnion(chars: hash ▶ tfidf, words: hash ▶ tfidf,
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
            self.raw[name] = (step.named_steps["hash"].transform(windowed) if name in ("chars", "words")
                              else step.fit(windowed).transform(windowed)).tocsr()

    def fit_predict(self, pipeline, train, y_train, test):
        import scipy.sparse as sp

        blocks = dict(pipeline.named_steps["features"].transformer_list)
        train_parts, test_parts = [], []
        for name in self.names:
            raw = self.raw[name]
            if name in ("chars", "words"):
                tfidf = blocks[name].named_steps["tfidf"].fit(raw[train])
                train_parts.append(tfidf.transform(raw[train]))
                test_parts.append(tfidf.transform(raw[test]))
            else:
                train_parts.append(raw[train])
                test_parts.append(raw[test])
        classifier = pipeline.named_steps["classifier"]
        classifier.fit(sp.hstack(train_parts).tocsr(), y_train)
        return classifier.predict(sp.hstack(test_parts).tocsr())


def model_card(examples, dropped, cv_report, cfg, data_description, fit_seconds, size_bytes) -> dict:
    import numpy
    import scipy
    import sklearn
    import skops

    counts = Counter(e.label for e in examples)
    by_source = Counter(f"{e.source}:{e.label}" for e in examples)
    groups = {c: len({e.group for e in examples if e.label == c}) for c in counts}

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
    "Labels come from titles (distant supervision): a title that names the wrong genre gives a wrong label.",
    "The 范文 report genres (survey, internship, self_inspection, research) have ONE real source: the 8 reports "
    "of the sample page, 2 per genre, cut into paragraph chunks. That is far too thin to learn those genres; the "
    "tagger relies on the body cues of rules/genres.toml for them (and for every genre the model does not know: "
    "work_summary, duty_report, rectification, reflection, work_plan, speech, announcement).",
    "Official document types come from national sources (State Council 1978-2016, laws/regulations/judicial "
    "interpretations); local documents and other periods may differ.",
    "Long bodies are read through a window (head + tail characters, see settings).",
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
        f"- File: `{card['model']}` (skops), {card['size_bytes'] / 1e6:.1f} MB; load with `pipeline.genre.load_model`.",
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
              else "Cross-validation: not run.", ""]
    if card["dropped_labels"]:
        lines += [f"Dropped (too few examples): {card['dropped_labels']}", ""]
    lines += ["## Examples by source", ""] + [f"- {k}: {v}" for k, v in card["counts_by_source"].items()]
    lines += ["", "## Limitations", ""] + [f"- {x}" for x in card["limitations"]] + [""]
    return "\n".join(lines)


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
    chunk_chars = int((cfg or {}).get("seed_chunk_chars", 600))
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
    cfg = Config.load()["genre"]
    examples = corpus_examples(corpus, cfg)
    return train_and_save(examples, out, cfg, cv=cv, data_description=f"corpus {corpus}")


if __name__ == "__main__":
    sys.exit(main())
