"""Evaluation section ``extraction``: measures and problems on real government work reports,
and on the sample page.

Figures:
- ``seed``: recall of the expected measures/problems of tests/seed_expectations.py on the
  sample page (through the whole pipeline), and how many expected heads came out under the
  wrong kind.
- ``<corpus>``: documents, sections and items per document (measures, problems) for the
  national reports (wikisource JSONL, gov.cn GBK text) and the 31 provincial 2025 reports.
- ``precision``: a fixed-seed sample of SAMPLE_SIZE items from all government reports, judged
  by hand in ``extraction_labels.tsv`` (id, kind, head, label, sample, note). Precision is computed
  over the labelled items that the pipeline still draws; drawn items without a label and
  labelled items no longer drawn are counted, so a change to the extractor shows up here.

How the labels were made: the drawn items were printed with their section path and the
first lines of their text (``--sample``); each was read in that context and marked 1 when it
is a real measure (an action the government took or commits to) or a real problem (a named
shortcoming, difficulty or risk) of the kind given AND its head is a sensible short form of
it, else 0 with a note. ``sample`` = main (the bottom-k draw with SEED; three items judged 0
led to fixes and left the draw, three replacements were judged), audit (a draw with SEED + 1,
judged once before those fixes) or holdout (a draw with SEED + 2, judged once after the last
change: the figure never tuned on). When run-in lead sentences became measures ("着力提升既有平台承载
质效。有效发挥…"), the items they brought into each of the three draws were judged once in the same
way and appended under that draw's sample name (an item in two draws is kept under the first).
When more lead verbs and adverbs were added (大力提振消费, 聚力打好…, 织密扎牢…), 45 of the
items they added were drawn (seed 20261201) and judged: ``lead_tuning``, 7 judged 0 — judgements
"X，是Y" and headings of last year's review closing on a result ("…，产业动能明显增强": a head
that states the result is no short form of the action); those two patterns were then fixed
(``statement_patterns``, ``achievement_endings`` in outline.toml). Then 40 more of the added
items, drawn after the fix (seed 4242), were judged once: ``lead_check``, the untuned figure.

When problem passages became items (pipeline/analysis/passages.py, December 4), the items the change
added (keys absent from the build before it) were drawn the same way, one seed per draw, and
judged once each: ``prose_tuning`` (seed 20261204), then after each fix ``prose_check`` (4343),
``prose_check2`` (5454), ``prose_check3`` (6565), ``prose_check4`` (7676), ``prose_check5``
(8787), items judged before left out of later draws; then, after the passages learned to tell
reasoning from problems (no_problem_pattern), one final draw ``prose_final`` (9191), the issue's
figure. ``all_labels_precision`` counts every judgement ever made, the tuning draws' zeros of items
since fixed included; ``current_labels_precision`` only the judgements whose item is still made.

- ``prose_recall``: the problem clauses of the reports' problem passages, read by hand into
  ``prose_problems_gold.tsv`` (report, clause), recalled by the reports' problem items (see
  ``clause_recalled``); provincial reports (tuned on) and national ones apart.
- ``one_line``: the provincial reports joined into one line against the same reports with their
  lines (pipeline/text/linebreaks.py restores the paragraph breaks).

Run: ``python -m pipeline.evaluation --only extraction``. Print the current sample for
labelling with ``python -m pipeline.evaluation.extraction --sample``.
"""
from __future__ import annotations

import csv
import difflib
import hashlib
import json
import re
import sys
from pathlib import Path

from pipeline.config import Config
from pipeline.records import Document, Page
from pipeline.resources import Resources

LABELS = Path(__file__).with_name("extraction_labels.tsv")
PROSE_GOLD = Path(__file__).with_name("prose_problems_gold.tsv")
# a gold clause is recalled when one problem item's text contains it, or when the report's
# problem items' texts together cover this share of its characters (runs of MIN_RUN or more)
COVER_SHARE = 0.8
MIN_RUN = 4
SAMPLE_SIZE = 50
SEED = 20241130
SEED_PAGE = Path(__file__).resolve().parents[2] / "corpus" / "raw" / "000_72afd9e4fb823ccb.txt"


def run(data: Path) -> dict:
    res = Resources(Config.load())
    out: dict = {"seed": seed_recall(res)}
    corpora = load_gov_corpora(Path(data), res)
    all_docs: list[tuple[str, Document]] = []
    for name, docs in corpora.items():
        if isinstance(docs, str):
            out[name] = {"missing": docs}
            continue
        out[name] = per_document_counts([d for _, d in docs])
        all_docs.extend(docs)
    if all_docs:
        out["precision"] = precision_from_labels(draw_sample(all_docs), produced=produced_keys(all_docs))
        out["prose_recall"] = prose_recall(all_docs)
    if not isinstance(corpora.get("provincial_2025"), str):
        out["one_line"] = one_line_items(Path(data), res, corpora["provincial_2025"])
    return out


# --- the sample page ----------------------------------------------------------------------
def seed_recall(res: Resources) -> dict:
    """Recall per kind of the expected heads on the sample page, and wrong-kind hits."""
    from pipeline.stages import process_files

    sys.path.insert(0, str(SEED_PAGE.parents[2] / "tests"))
    try:
        import seed_expectations as expected
    finally:
        sys.path.pop(0)
    [result] = process_files([SEED_PAGE], res)
    heads = {"measure": set(), "problem": set()}
    for doc in result.documents:
        for item in doc.items:
            heads[item.kind].add(item.head)
    out = {}
    for kind, table in (("measure", expected.MEASURES), ("problem", expected.PROBLEMS)):
        wanted = [h for hs in table.values() for h in hs]
        other = "problem" if kind == "measure" else "measure"
        out[f"{kind}_recall"] = round(sum(h in heads[kind] for h in wanted) / len(wanted), 4)
        out[f"{kind}_wrong_kind"] = sum(h in heads[other] for h in wanted)
    return out


# --- government reports -------------------------------------------------------------------
def load_gov_corpora(data: Path, res: Resources) -> dict[str, list[tuple[str, Document]] | str]:
    """Each corpus as (stable source id, document) pairs, or a message when it is missing."""
    gov = data / "gov"
    out: dict[str, list | str] = {}
    jsonl = gov / "national-wikisource" / "government_work_reports.jsonl"
    if jsonl.exists():
        pages = []
        for n, line in enumerate(jsonl.read_text(encoding="utf-8").splitlines()):
            row = json.loads(line)
            if not row.get("year"):      # the NPC resolutions on the reports, not reports
                continue
            pages.append((f"wikisource/{row['year']}", _page(row["content"], f"{jsonl.name}#row={n}", row["title"])))
        out["national_wikisource"] = _process(pages, res)
    else:
        out["national_wikisource"] = f"not found: {jsonl}"
    gbk = gov / "national-gbk-1954-2018" / "data" / "Corpus"
    if gbk.is_dir():
        pages = [(f"gbk/{p.stem}", _page(p.read_bytes().decode("gb18030", errors="replace"), p.name, p.stem))
                 for p in sorted(gbk.glob("*.txt"))]
        out["national_gbk"] = _process(pages, res)
    else:
        out["national_gbk"] = f"not found: {gbk}"
    prov = gov / "provincial-2025" / "derived_txt"
    if prov.is_dir():
        pages = [(f"provincial/{p.stem}", _page(p.read_text(encoding="utf-8-sig", errors="replace"), p.name, p.stem))
                 for p in sorted(prov.glob("*.txt"))]
        out["provincial_2025"] = _process(pages, res)
    else:
        out["provincial_2025"] = f"not found: {prov}"
    return out


def _page(text: str, path: str, title: str) -> Page:
    page_id = hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
    return Page(page_id=page_id, path=path, format="txt", encoding="utf-8", text=text, title=title)


def _process(pages: list[tuple[str, Page]], res: Resources) -> list[tuple[str, Document]]:
    """clean ▶ split ▶ document stages for each page (the project's per-page function)."""
    from pipeline.clean import site_templates
    from pipeline.stages import process_page

    templates = site_templates.learn_templates([p for _, p in pages], res.config["clean"])
    out = []
    for source, page in pages:
        result = process_page(page, templates, res)
        for doc in result.documents:
            out.append((source if len(result.documents) == 1 else f"{source}#{doc.ordinal}", doc))
    return out


def per_document_counts(docs: list[Document]) -> dict:
    """Documents, and sections / measures / problems per document (mean, min, max)."""
    if not docs:
        return {"documents": 0}
    def stats(values):
        return {"mean": round(sum(values) / len(values), 2), "min": min(values), "max": max(values)}
    measures = [sum(i.kind == "measure" for i in d.items) for d in docs]
    problems = [sum(i.kind == "problem" for i in d.items) for d in docs]
    return {
        "documents": len(docs),
        "sections_per_doc": stats([len(d.sections) for d in docs]),
        "measures_per_doc": stats(measures),
        "problems_per_doc": stats(problems),
        "docs_without_items": sum(not d.items for d in docs),
        "prose_problems": sum(i.source == "prose" for d in docs for i in d.items),
    }


# --- problem passages: recall against the hand-read gold ------------------------------------
def read_prose_gold(path: Path = PROSE_GOLD) -> dict[str, list[str]]:
    """report source id → its problem clauses, in report order."""
    gold: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            gold.setdefault(row["report"], []).append(row["clause"])
    return gold


def _fold(text: str) -> str:
    """The form clauses and item texts are compared in: normalised like the pipeline's lines,
    without whitespace (a clause may span a lost or restored line break)."""
    from pipeline.text.normalize import normalize_line

    return re.sub(r"\s+", "", normalize_line(text))


def clause_recalled(clause: str, item_texts: list[str]) -> bool:
    """Is the clause an item's text (contained in one), or covered at COVER_SHARE by the texts
    of several (a clause listing several problems, each its own item)?"""
    if any(clause in t for t in item_texts):
        return True
    covered = [False] * len(clause)
    for t in item_texts:
        for block in difflib.SequenceMatcher(None, clause, t, autojunk=False).get_matching_blocks():
            if block.size >= MIN_RUN:
                covered[block.a:block.a + block.size] = [True] * block.size
    return sum(covered) >= COVER_SHARE * len(clause)


def prose_recall(docs: list[tuple[str, Document]], gold: dict[str, list[str]] | None = None) -> dict:
    """Recall of the gold problem clauses (prose_problems_gold.tsv) by the problem items of
    their reports, for the provincial reports (tuned on) and the national ones (a check never
    tuned on): clauses, recalled, recall, and reports where no clause came out."""
    gold = read_prose_gold() if gold is None else gold
    texts: dict[str, list[str]] = {}
    for source, doc in docs:
        report = source.split("#", 1)[0]
        if report in gold:
            texts.setdefault(report, []).extend(_fold(i.text) for i in doc.items if i.kind == "problem")
    out = {}
    for group, prefix in (("provincial", "provincial/"), ("national", "wikisource/")):
        reports = [r for r in gold if r.startswith(prefix)]
        hits = {r: [clause_recalled(_fold(c), texts.get(r, [])) for c in gold[r]] for r in reports}
        n = sum(len(h) for h in hits.values())
        if not n:
            continue
        got = sum(sum(h) for h in hits.values())
        out[group] = {"reports": len(reports), "clauses": n, "recalled": got, "recall": round(got / n, 4),
                      "reports_with_none": sum(not any(h) for h in hits.values())}
    return out


# --- reports whose line breaks were lost ---------------------------------------------------------
def one_line_items(data: Path, res: Resources, with_lines: list[tuple[str, Document]]) -> dict:
    """The provincial reports joined into one line (every line break dropped, as a CSV cell
    may hold them) against the same reports with their lines: the share of the with-lines
    items (kind + head) found again (``item_recall``; ``item_recall_contained`` also counts a
    head found inside a longer or shorter head of the same kind, at least 6 characters, as a
    heading glued to its body gives), and items one-line ÷ items with lines."""
    prov = data / "gov" / "provincial-2025" / "derived_txt"
    pages = [(f"provincial/{p.stem}",
              _page("".join(p.read_text(encoding="utf-8-sig", errors="replace").splitlines()), p.name, p.stem))
             for p in sorted(prov.glob("*.txt"))]
    joined = {source: doc for source, doc in _process(pages, res)}
    total = exact = contained = n_joined = 0
    for source, doc in with_lines:
        wanted = {(i.kind, i.head) for i in doc.items}
        got = {(i.kind, i.head) for i in joined[source].items} if source in joined else set()
        n_joined += len(got)
        total += len(wanted)
        exact += len(wanted & got)
        contained += sum(1 for kind, head in wanted if (kind, head) in got or any(
            k == kind and min(len(h), len(head)) >= 6 and (h in head or head in h) for k, h in got))
    if not total:
        return {"items_with_lines": 0}
    return {"items_with_lines": total, "items_one_line": n_joined, "item_recall": round(exact / total, 4),
            "item_recall_contained": round(contained / total, 4), "count_ratio": round(n_joined / total, 4)}


# --- precision by hand labels -------------------------------------------------------------
def item_key(source: str, kind: str, head: str) -> str:
    """A label id that survives reruns: the document's source id + a hash of kind and head."""
    return f"{source}:{hashlib.sha1(f'{kind}|{head}'.encode('utf-8')).hexdigest()[:10]}"


def produced_keys(docs: list[tuple[str, Document]]) -> set[str]:
    """The label ids of every item the pipeline produces now."""
    return {item_key(source, item.kind, item.head) for source, doc in docs for item in doc.items}


def draw_sample(docs: list[tuple[str, Document]], size: int = SAMPLE_SIZE, seed: int = SEED) -> list[dict]:
    """A fixed-seed random sample of items: the ``size`` items whose keys hash lowest with
    the seed (bottom-k). An item's chance depends on its own key only, so a change to the
    extractor replaces just the drawn items it adds or removes, not the whole sample."""
    pool = {}
    for source, doc in docs:
        for item in doc.items:
            key = item_key(source, item.kind, item.head)
            pool.setdefault(key, {"id": key, "kind": item.kind, "head": item.head, "text": item.text[:300],
                                  "section": item.section, "source": item.source})
    def rank(key: str) -> str:
        return hashlib.sha1(f"{seed}|{key}".encode("utf-8")).hexdigest()

    return [pool[k] for k in sorted(pool, key=rank)[:size]]


def read_labels(path: Path = LABELS) -> dict[str, dict]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["id"]: row for row in csv.DictReader(fh, delimiter="\t")}


def precision_from_labels(sample: list[dict], labels: dict[str, dict] | None = None,
                          produced: set[str] | None = None) -> dict:
    """Precision over the drawn items that carry a label, per kind and overall; plus the
    audit labels (a second sample drawn with SEED + 1, judged once), every draw's own figure,
    all judgements, and (given ``produced``, the ids of the items the pipeline makes now) the
    judgements whose items are still made."""
    labels = read_labels() if labels is None else labels
    main = {k: v for k, v in labels.items() if v.get("sample", "main") == "main"}
    audit = [int(v["label"]) for v in labels.values() if v.get("sample") == "audit"]
    holdout = [int(v["label"]) for v in labels.values() if v.get("sample") == "holdout"]
    drawn = {s["id"] for s in sample}
    judged = [(s, labels[s["id"]]) for s in sample if s["id"] in labels]
    out = {"drawn": len(sample), "labelled": len(judged), "unlabelled": len(sample) - len(judged),
           "labels_no_longer_drawn": sum(k not in drawn for k in main)}
    if judged:
        out["precision"] = round(sum(int(lab["label"]) for _, lab in judged) / len(judged), 4)
        for kind in ("measure", "problem"):
            of_kind = [int(lab["label"]) for s, lab in judged if s["kind"] == kind]
            if of_kind:
                out[f"{kind}_precision"] = round(sum(of_kind) / len(of_kind), 4)
                out[f"{kind}_labelled"] = len(of_kind)
    if audit:
        out["audit_precision"] = round(sum(audit) / len(audit), 4)
        out["audit_labelled"] = len(audit)
    if holdout:
        # drawn (SEED + 2) and judged once after the last change to the extractor: never tuned on
        out["holdout_precision"] = round(sum(holdout) / len(holdout), 4)
        out["holdout_labelled"] = len(holdout)
    for name in sorted({v.get("sample") for v in labels.values()} - {"main", "audit", "holdout", None, ""}):
        judged_there = [int(v["label"]) for v in labels.values() if v.get("sample") == name]
        out[f"{name}_precision"] = round(sum(judged_there) / len(judged_there), 4)
        out[f"{name}_labelled"] = len(judged_there)
    if labels:
        # every judgement ever made, drawn or not (items since fixed included): the conservative figure
        out["all_labels_precision"] = round(sum(int(v["label"]) for v in labels.values()) / len(labels), 4)
        out["all_labels"] = len(labels)
    if labels and produced is not None:
        # the judgements of items the extractor still makes: a judged error since fixed no longer
        # counts, a judged error still made does (labels are never revised, only outlived)
        current = [int(v["label"]) for k, v in labels.items() if k in produced]
        if current:
            out["current_labels_precision"] = round(sum(current) / len(current), 4)
        out["current_labels"] = len(current)
    return out


def main(argv: list[str] | None = None) -> int:
    """``--sample``: print the drawn items (id, kind, head, section, text) for labelling."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m pipeline.evaluation.extraction")
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--sample", action="store_true")
    args = ap.parse_args(argv)
    res = Resources(Config.load())
    docs = [d for v in load_gov_corpora(args.data, res).values() if not isinstance(v, str) for d in v]
    labels = read_labels()
    for s in draw_sample(docs):
        mark = labels.get(s["id"], {}).get("label", "?")
        print(json.dumps({**s, "label": mark}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
