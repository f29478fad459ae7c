"""Genres of the real 范文 dev pages (``--only fanwen_genre``), under host-grouped CV.

For each fold of ``fanwen_data.host_folds`` a model is trained on the distant-supervision
corpora of ../shared/data (laws, State Council, government reports, …: other sites, in every
fold) plus the gold reports of the training hosts' pages only (``genre_training.host_cv_models``);
the test hosts' pages are never seen. Each gold report of a test page is then tagged three ways:

- ``page``: the page as it is: the raw page file through the pipeline (ingest ▶ clean ▶ split ▶
  genre, as ``policy-corpus classify`` runs it), each gold report matched to the document that
  holds most of its body lines (a report no document holds counts as wrong: ``unmatched``); the
  page is cleaned by the line model of its fold (``line_training.cross_validated_models``, the
  same host folds), never by the shipped one, which saw every dev site;
- ``titles``: the gold title and the gold body (its body lines) through the tagger;
- ``bodies``: the gold body alone (no title).

Figures per way: ``accuracy``, ``macro_f1``, per-genre precision/recall/F1/support
(``per_genre``), ``weak_genres`` (genres with ≥ 5 reports whose F1 is below 0.6) and the most
frequent confusions.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from pipeline.config import Config
from pipeline.evaluation.fanwen_data import available, fanwen_dir, load_pages
from pipeline.genre.tagger import GenreTagger
from pipeline.genre.taxonomy import Taxonomy
from pipeline.genre.training import host_cv_models
from pipeline.genre.training_data import fanwen_report_body, shared_examples
from pipeline.text.normalize import normalize_line

MODES = ("page", "titles", "bodies")
SHIPPED = "shipped"   # tag_page / pipeline_documents: clean with the shipped line model
WEAK_SUPPORT = 5      # a genre with at least this many reports ...
WEAK_F1 = 0.6         # ... is weak below this F1


def run(data: Path) -> dict:
    data = Path(data)
    if not available(data):
        return {"missing": f"{fanwen_dir(data)} not found"}
    config = Config.load()
    cfg = config["genre_training"]
    tax = Taxonomy.load()
    pages = load_pages(data)
    shared = shared_examples(data, cfg)
    folds = host_cv_models(pages, shared, cfg)
    taggers = [(f.test_pages, GenreTagger(tax, f.model, config["genre"], {"documents_per_label": f.documents_per_label}))
               for f in folds]
    from pipeline.clean.line_training import cross_validated_models

    line_folds, _ = cross_validated_models(pages, data)
    out = evaluate(pages, taggers, data, {i: model for model, test in line_folds for i in test})
    out["folds"] = len(folds)
    out["hosts"] = len({p.host for p in pages})
    return out


def evaluate(pages, taggers, data: Path, line_models: dict | None = None) -> dict:
    """Figures of ``taggers`` — a list of (test page indexes, GenreTagger) — on those pages;
    ``line_models``: page index → the line model that cleans the page (its fold's; None: the
    shipped model)."""
    rows = []
    for test_pages, tagger in taggers:
        for i in test_pages:
            rows.extend(tag_page(pages[i], tagger, data, SHIPPED if line_models is None else line_models[i]))
    out: dict = {"reports": len(rows), "pages": len({r["page_id"] for r in rows})}
    for mode in MODES:
        out[mode] = scores([r["gold"] for r in rows], [r[mode] for r in rows])
    out["page"]["unmatched"] = sum(r["page"] == "(unmatched)" for r in rows)
    out["sources"] = {mode: dict(Counter(r[f"{mode}_source"] for r in rows)) for mode in MODES}
    out["errors"] = [{k: r[k] for k in ("page_id", "title", "gold", "page", "titles", "bodies", "doc_title")}
                     for r in rows if r["gold"] != r["titles"] or r["gold"] != r["page"]][:60]
    print_table(out)
    return out


def tag_page(page, tagger: GenreTagger, data: Path, line_model=SHIPPED) -> list[dict]:
    """One row per gold report of ``page``: the gold genre and the three taggings (the page
    cleaned with ``line_model``: ``SHIPPED`` for the shipped one, None for rules only)."""
    docs = pipeline_documents(fanwen_dir(data) / "pages" / f"{page.id}.txt", tagger, line_model)
    rows = []
    for k, report in enumerate(page.reports):
        body = fanwen_report_body(page, k)
        title = normalize_line(report.title)
        t_genre, _, t_source = tagger.tag(title, body)
        b_genre, _, b_source = tagger.tag(None, body)
        doc = matching_document(page, k, docs)
        rows.append({
            "page_id": page.id, "title": report.title, "gold": report.genre,
            "titles": t_genre, "titles_source": t_source, "bodies": b_genre, "bodies_source": b_source,
            "page": doc.genre if doc else "(unmatched)", "page_source": doc.genre_source if doc else "unmatched",
            "doc_title": doc.title if doc else None,
        })
    return rows


def pipeline_documents(path: Path, tagger: GenreTagger, line_model=SHIPPED):
    """The documents ``policy-corpus classify`` finds in ``path``, tagged by ``tagger`` and
    cleaned with ``line_model`` (``SHIPPED``: the shipped one; None: rules only)."""
    from pipeline.resources import Resources
    from pipeline.stages import process_files

    res = Resources(Config.load())
    res.__dict__["genre_classifier"] = tagger   # the fold's tagger instead of the shipped one
    if line_model is not SHIPPED:
        res.__dict__["line_model"] = line_model  # the fold's line model
    return [doc for result in process_files([path], res) for doc in result.documents]


def gold_lines(page, k: int) -> set[int]:
    """Line numbers of report ``k``'s body lines."""
    reports = page.reports
    end = len(page.lines)
    if k + 1 < len(reports):
        end = (reports[k + 1].title_line or reports[k + 1].first_body_line) - 1
    return {no for no in range(reports[k].first_body_line, end + 1) if page.labels.get(no) == "body"}


def matching_document(page, k: int, docs):
    """The document holding most of report ``k``'s body lines (None when none holds any)."""
    want = gold_lines(page, k)
    best, overlap = None, 0
    for doc in docs:
        n = len(want & {line.no for line in doc.lines})
        if n > overlap:
            best, overlap = doc, n
    return best


def scores(gold: list[str], predicted: list[str]) -> dict:
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted(set(gold))
    p, r, f, s = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    per = {c: {"precision": round(float(p[i]), 3), "recall": round(float(r[i]), 3), "f1": round(float(f[i]), 3),
               "support": int(s[i])} for i, c in enumerate(labels)}
    confusions = Counter((g, q) for g, q in zip(gold, predicted) if g != q)
    return {
        "accuracy": round(sum(g == q for g, q in zip(gold, predicted)) / max(1, len(gold)), 4),
        "macro_f1": round(float(f.mean()) if len(f) else 0.0, 4),
        "weak_genres": sum(1 for c in labels if per[c]["support"] >= WEAK_SUPPORT and per[c]["f1"] < WEAK_F1),
        "weak": [c for c in labels if per[c]["support"] >= WEAK_SUPPORT and per[c]["f1"] < WEAK_F1],
        "per_genre": per,
        "confusions": [f"{g} → {q}: {n}" for (g, q), n in confusions.most_common(12)],
    }


def print_table(out: dict) -> None:
    print(f"\n[fanwen_genre] {out['reports']} reports of {out['pages']} pages, host-grouped CV")
    for mode in MODES:
        m = out[mode]
        print(f"  {mode:7s} accuracy {m['accuracy']:.3f}  macro-F1 {m['macro_f1']:.3f}  weak {m['weak']}")
    print(f"  {'genre':22s} " + "  ".join(f"{m:>18s}" for m in MODES) + "   support")
    for c, row in out["titles"]["per_genre"].items():
        cells = "  ".join(f"P{out[m]['per_genre'][c]['precision']:.2f} R{out[m]['per_genre'][c]['recall']:.2f} "
                          f"F{out[m]['per_genre'][c]['f1']:.2f}" for m in MODES)
        print(f"  {c:22s} {cells}   {row['support']}")
    for mode in MODES:
        print(f"  {mode} confusions: {out[mode]['confusions']}")
