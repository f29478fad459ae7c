"""The genre model's card: training data fingerprint, per-genre precision/recall/F1 and
support under host-grouped cross-validation, the confusion matrix, what the model is not good
at; as JSON (model_card.json) and Markdown (MODEL_CARD.md)."""
from __future__ import annotations

import hashlib
import platform
from collections import Counter
from pathlib import Path

from pipeline import rules
from pipeline.genre.tagger import MODEL_FILE
from pipeline.genre.taxonomy import Taxonomy
from pipeline.genre.training_data import Example


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
        "trusted_types_note": "load with pipeline.genre.tagger.load_model (trusts exactly pipeline.genre.tagger.TRUSTED_TYPES)",
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
    "genre, which 范文 sites title as that genre) where no formula of rules/genres.toml [not_report] (中图分类号, "
    "citation marks, 本文, 本网讯, 近日+据悉, 特此证明) gives it away: the tagger, not the model, reads those; "
    "bodies of a few lines.",
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
        f"load with `pipeline.genre.tagger.load_model`. Regenerate model and card with `make genre-model`.",
        f"- Task: {card['task']}.",
        f"- Training data: {card['training_data']}; fingerprint `{card['training_data_fingerprint']}`; "
        f"rules fingerprint `{card['rules_fingerprint']}`.",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in card["versions"].items()) + ".",
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
