"""Evaluation section `fanwen`: clean ▶ split on the labelled 范文 dev pages (``<data>/fanwen``).

Each page is ingested and processed alone, as ``policy-corpus analyze <file>`` would. The line
model is learned from these pages, so it is scored under cross-validation grouped by host
(``fanwen_data.host_folds``): every page is cleaned by a model trained on the other folds'
sites plus the sample page, never by one that saw its own site.

Figures (overall and ``by_quality.<quality>``):
- ``nonbody_removed``: share of gold chrome / intro / page_title lines that no document keeps;
- ``body_recall``: share of gold body characters that some document keeps (by line);
- ``body_precision``: share of the documents' characters that come from gold body lines;
- ``titles_exact``: gold reports whose document (the one holding the report's first body
  line, first report per document) has exactly the gold title (both in simplified form);
- ``pages_split_exactly``: pages whose documents are exactly the gold reports, in order;
- ``title_lines``: precision / recall / F1 of the lines taken as report titles against the
  gold ``report_title`` lines;
- ``model``: per-label precision / recall / F1 of the line model itself (host-grouped CV);
- ``spread``: the five figures above re-measured under two other host-fold assignments
  (``SPREAD_SALTS``), with their ``mean`` and ``min`` over the three: the pinned assignment is
  one draw, and the floors on the mean are the steadier regression gate.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

NONBODY = ("chrome", "intro", "page_title")


# other host-fold assignments (``fanwen_data.host_folds`` salts) the learned figures are re-measured on
SPREAD_SALTS = ("a", "b")
SPREAD_FIGURES = ("nonbody_removed", "body_recall", "body_precision", "titles_exact", "pages_split_exactly")


def run(data: Path, use_model: bool = True) -> dict:
    from pipeline.evaluation import fanwen_data

    if not fanwen_data.available(data):
        return {"error": f"fanwen pages not found under {fanwen_data.fanwen_dir(data)}"}
    pages = fanwen_data.load_pages(data)
    pdir = fanwen_data.fanwen_dir(data) / "pages"
    model_scores = None
    if use_model:
        from pipeline.clean.line_training import dataset

        parts = dataset(pages, data)
        outputs, model_scores = _cross_validated_outputs(pages, pdir, data, parts, "")
    else:
        res = _resources(None)
        outputs = {p.id: process(pdir / f"{p.id}.txt", res) for p in pages}
    result = score(pages, outputs)
    groups = defaultdict(list)
    for p in pages:
        groups[p.quality].append(p)
    result["by_quality"] = {q: {**score(ps, outputs), "pages": len(ps)} for q, ps in sorted(groups.items())}
    result["pages"] = len(pages)
    result["hosts"] = len({p.host for p in pages})
    if model_scores is not None:
        result["model"] = model_scores
        result["spread"] = spread(result, {salt: score(pages, _cross_validated_outputs(pages, pdir, data, parts, salt)[0])
                                           for salt in SPREAD_SALTS})
    return result


def _cross_validated_outputs(pages, pdir: Path, data: Path, parts, salt: str) -> tuple[dict, dict]:
    """Every page processed by the model of its fold under the host-fold assignment ``salt``."""
    from pipeline.clean.line_training import cross_validated_models

    folds, model_scores = cross_validated_models(pages, data, parts, salt=salt)
    outputs = {}
    for model, test in folds:
        res = _resources(model)
        for i in test:
            outputs[pages[i].id] = process(pdir / f"{pages[i].id}.txt", res)
    return outputs, model_scores


def spread(pinned: dict, salted: dict[str, dict]) -> dict:
    """The figures under each other host-fold assignment, and their mean and minimum over all
    of them, the pinned one included: a dev figure that holds on one assignment only is luck."""
    runs = [pinned, *salted.values()]
    out = {salt: {k: r[k] for k in SPREAD_FIGURES} for salt, r in salted.items()}
    out["mean"] = {k: round(sum(r[k] for r in runs) / len(runs), 4) for k in SPREAD_FIGURES}
    out["min"] = {k: min(r[k] for r in runs) for k in SPREAD_FIGURES}
    out["assignments"] = len(runs)
    return out


def _resources(model):
    from pipeline.config import Config
    from pipeline.resources import Resources

    res = Resources(Config.load())
    res.__dict__["line_model"] = model     # the fold's model (None: rules only)
    return res


def process(path: Path, res) -> tuple[list, list]:
    """ingest ▶ clean ▶ split one page file: (documents, page-level removals)."""
    from pipeline.clean import cleaner, site_templates
    from pipeline.ingest import reader
    from pipeline.structure import split

    pages = reader.ingest_file(path, path.parent, res.config["ingest"])
    templates = site_templates.learn_templates(pages, res.config["clean"])
    docs, removed = [], []
    for page in pages:
        if not page.ok:
            continue
        page_docs, page_removed = split.run(page, cleaner.run(page, templates, res), res)
        docs += page_docs
        removed += page_removed
    return docs, removed


def _norm_title(text: str) -> str:
    """A title in simplified characters, without spaces and pinyin annotations (some gold
    titles keep the page's 報(bào) annotations, the pipeline repairs them)."""
    from pipeline.clean.quality import repair_pinyin
    from pipeline.text.normalize import normalize_line

    lines = [normalize_line(text or "", True)]
    repair_pinyin(lines)
    return "".join(lines[0].split())


def score(pages, outputs) -> dict:
    nonbody = nonbody_removed = 0
    body_chars = body_kept = out_chars = out_body = 0
    reports = titles_exact = split_exact = 0
    tl_tp = tl_fp = tl_fn = 0
    for p in pages:
        docs, _ = outputs[p.id]
        lines = p.lines
        kept = {ln.no for d in docs for ln in d.lines}
        for no, label in p.labels.items():
            if label in NONBODY:
                nonbody += 1
                nonbody_removed += no not in kept
            elif label == "body":
                n = len(lines[no - 1].strip())
                body_chars += n
                body_kept += n if no in kept else 0
        for d in docs:
            for ln in d.lines:
                out_chars += len(ln.text)
                if p.labels.get(ln.no) == "body":
                    out_body += len(ln.text)
        # reports ↔ documents: the document holding the report's first body line
        doc_of_line = {ln.no: k for k, d in enumerate(docs) for ln in d.lines}
        used, order = set(), []
        for r in p.reports:
            reports += 1
            k = doc_of_line.get(r.first_body_line)
            order.append(k)
            if k is not None and k not in used:
                used.add(k)
                titles_exact += _norm_title(docs[k].title) == _norm_title(r.title)
        split_exact += len(docs) == len(p.reports) and order == list(range(len(docs)))
        gold_tl = {no for no, label in p.labels.items() if label == "report_title"}
        pred_tl = {no for d in docs for no in d.title_lines}
        tl_tp += len(gold_tl & pred_tl)
        tl_fp += len(pred_tl - gold_tl)
        tl_fn += len(gold_tl - pred_tl)
    prec = tl_tp / (tl_tp + tl_fp) if tl_tp + tl_fp else 0.0
    rec = tl_tp / (tl_tp + tl_fn) if tl_tp + tl_fn else 0.0
    return {
        "nonbody_removed": round(nonbody_removed / max(nonbody, 1), 4),
        "body_recall": round(body_kept / max(body_chars, 1), 4),
        "body_precision": round(out_body / max(out_chars, 1), 4),
        "titles_exact": round(titles_exact / max(reports, 1), 4),
        "pages_split_exactly": round(split_exact / max(len(pages), 1), 4),
        "title_lines": {"precision": round(prec, 4), "recall": round(rec, 4),
                        "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0},
    }
