"""Evaluation section `seed`: ingest → clean → split on the sample page against its gold.
Genres are left to the genre section; the later per-document stages are not run here.

Gold: ``<data>/gold/seed.json`` (document titles, body line ranges, header/footer and
in-body boilerplate lines, spam fragments, repeated-title lines) for ``<data>/seed/<page>``.

Figures:
- ``documents``: documents found / expected; ``titles_right``: exact titles in order;
- ``body``: line-level precision/recall/F1 of kept body lines against the gold body ranges
  (non-blank lines, minus boilerplate and repeated-title lines);
- ``boilerplate``: line-level precision/recall/F1 of lines removed whole (by any rule but
  the repeated-title drop) against the gold header, footer and in-body boilerplate lines;
- ``duplicate_titles_dropped``: gold repeated-title lines that left the body;
- ``spam_fragments_left``: gold spam fragments still in their line, plus kept lines that
  still look like inline spam ("尽在…网");
- ``spam_fragments_removed``: gold spam fragments gone from their line (the gated figure);
- ``masked``: placeholder counts summed over documents (must be > 0; never guessed).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

_SPAM_LEFT = re.compile(r"尽在\S{0,12}网")


def run(data: Path) -> dict:
    gold_path = Path(data) / "gold" / "seed.json"
    if not gold_path.exists():
        return {"error": f"gold not found: {gold_path}"}
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    page_path = Path(data) / "seed" / gold["page"]
    if not page_path.exists():
        return {"error": f"seed page not found: {page_path}"}

    from pipeline.clean import cleaner, site_templates
    from pipeline.config import Config
    from pipeline.ingest import reader
    from pipeline.resources import Resources
    from pipeline.structure import split

    # the stages under test only (ingest ▶ clean ▶ split), as stages.process_page calls them
    res = Resources(Config.load())
    pages = reader.ingest_file(page_path, page_path.parent, res.config["ingest"])
    templates = site_templates.learn_templates(pages, res.config["clean"])
    docs, page_removed, errors = [], [], 0
    for page in pages:
        if not page.ok:
            errors += 1
            continue
        page_docs, removed = split.run(page, cleaner.run(page, templates, res), res)
        docs += page_docs
        page_removed += removed
    raw_lines = page_path.read_text(encoding="utf-8").split("\n")
    nonblank = {i for i, t in enumerate(raw_lines, 1) if t.strip()}

    expected_titles = [d["title"] for d in gold["documents"]]
    titles = [d.title for d in docs]
    titles_right = sum(1 for a, b in zip(titles, expected_titles) if a == b)

    boiler_gold = (set(gold["page_header_lines"]) | set(gold["page_footer_lines"])
                   | set(gold["boilerplate_lines_inside_bodies"])) & nonblank
    dup_titles = set(gold["duplicate_title_lines"])
    body_gold = set()
    for d in gold["documents"]:
        body_gold |= set(range(d["body"][0], d["body"][1] + 1))
    body_gold = (body_gold & nonblank) - boiler_gold - dup_titles

    kept = {line.no for d in docs for line in d.lines}
    kept_text = {line.no: line.text for d in docs for line in d.lines}
    removals = page_removed + [r for d in docs for r in d.removed]
    # a line "removed whole" is one that no document keeps and some removal names
    removed_whole = {r.line for r in removals if r.rule != "split:title_repeat"} - kept
    title_lines = {line.no for line in _title_lines(docs, raw_lines)}

    spam_left = 0
    for frag in gold["spam_fragments"]:
        if frag["fragment"] in kept_text.get(frag["line"], ""):
            spam_left += 1
    spam_removed = len(gold["spam_fragments"]) - spam_left
    spam_left += sum(1 for t in kept_text.values() if _SPAM_LEFT.search(t))

    masked = {}
    for d in docs:
        for k, n in d.masked.items():
            masked[k] = masked.get(k, 0) + n

    return {
        "documents": len(docs),
        "documents_expected": len(expected_titles),
        "titles_right": titles_right,
        "body": _prf(kept, body_gold),
        "boilerplate": _prf(removed_whole, boiler_gold),
        "duplicate_titles_dropped": len(dup_titles - kept),
        "spam_fragments_left": spam_left,
        "spam_fragments_removed": spam_removed,
        "lines_unaccounted": len(nonblank - kept - removed_whole - dup_titles - title_lines),
        "masked": masked,
        "errors": errors,
    }


def _title_lines(docs, raw_lines):
    """Lines that carried a document title (marker lines): neither body nor boilerplate."""
    from pipeline.records import Line

    found = []
    for d in docs:
        for no, text in enumerate(raw_lines, 1):
            if d.title and d.title in text and text.strip().startswith(("篇", "【", "第", "范文")):
                found.append(Line(no, text))
    return found


def _prf(predicted: set, gold: set) -> dict:
    tp = len(predicted & gold)
    p = tp / len(predicted) if predicted else 0.0
    r = tp / len(gold) if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "tp": tp, "fp": len(predicted - gold), "fn": len(gold - predicted)}
