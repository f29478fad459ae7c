"""Evaluation section `magic_html`: main-text extraction on real Chinese article pages.

Data: ``<data>/html/magic-html/benchmark/data/article/`` — raw pages in ``htmls/<hash>.html``
and human-checked main text in ``base.json`` (``{hash: {"url", "content"}}``). Only the
Chinese pages count: gold text whose non-space characters are at least half hanzi and
that holds (almost) no kana (the four Japanese pages are left out).

Metric, per page then averaged: character-level precision/recall/F1 between the multisets
of characters of the extracted and the gold text, after NFKC and whitespace removal. The
project's output is simplified Chinese by design (clean converts traditional → simplified),
so every side — gold, trafilatura, project — is also passed through OpenCC t2s before
counting; a traditional-Chinese page is then scored on content, not on script.

Figures: ``trafilatura`` (bare ``trafilatura.extract`` with its defaults) and ``project``
(the project's ingest + clean: the kept lines of ``cleaner.run``, joined), each with
precision/recall/f1; ``trafilatura_f1`` and ``project_f1`` side by side, ``project_gain`` their difference; ``n_pages``;
``worst`` (the project's lowest-F1 pages with both scores, for reading).
"""
from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path

ARTICLE_DIR = Path("html") / "magic-html" / "benchmark" / "data" / "article"


def run(data: Path) -> dict:
    folder = Path(data) / ARTICLE_DIR
    gold_path = folder / "base.json"
    if not gold_path.exists():
        return {"error": f"magic-html data not found: {gold_path}"}
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    pages = [(p, gold[p.stem]["content"]) for p in sorted((folder / "htmls").glob("*.html"))
             if p.stem in gold and is_chinese(gold[p.stem]["content"])]
    if not pages:
        return {"error": f"no Chinese pages with gold under {folder}"}

    import trafilatura

    project_texts = project_extract([p for p, _ in pages], folder / "htmls")
    rows = []
    for path, gold_text in pages:
        bare = trafilatura.extract(path.read_bytes()) or ""
        rows.append({"page": path.stem[:12], "trafilatura": char_prf(bare, gold_text),
                     "project": char_prf(project_texts.get(path.name, ""), gold_text)})

    def mean(system: str, i: int) -> float:
        return round(sum(r[system][i] for r in rows) / len(rows), 4)

    out = {"n_pages": len(rows)}
    for system in ("trafilatura", "project"):
        out[system] = {"precision": mean(system, 0), "recall": mean(system, 1), "f1": mean(system, 2)}
    out["trafilatura_f1"], out["project_f1"] = out["trafilatura"]["f1"], out["project"]["f1"]
    out["project_gain"] = round(out["project_f1"] - out["trafilatura_f1"], 4)
    out["pages_project_below_0.8"] = sum(r["project"][2] < 0.8 for r in rows)
    worst = sorted(rows, key=lambda r: r["project"][2])[:8]
    out["worst"] = {r["page"]: {"project_p": round(r["project"][0], 3), "project_r": round(r["project"][1], 3),
                                "project_f1": round(r["project"][2], 3), "trafilatura_f1": round(r["trafilatura"][2], 3)}
                    for r in worst}
    return out


def project_extract(paths: list[Path], root: Path) -> dict[str, str]:
    """File name → the project's main text: ingest, then clean (templates learned over the
    pages given, as a build would), kept lines joined."""
    from pipeline.clean import cleaner, site_templates
    from pipeline.config import Config
    from pipeline.ingest import reader
    from pipeline.resources import Resources

    res = Resources(Config.load())
    pages = [pg for p in paths for pg in reader.ingest_file(p, root, res.config["ingest"])]
    templates = site_templates.learn_templates(pages, res.config["clean"])
    texts = {}
    for page in pages:
        if not page.ok:
            texts[page.path] = ""
            continue
        cleaned = cleaner.run(page, templates, res)
        texts[page.path] = "\n".join(line.text for line in cleaned.lines)
    return texts


def is_chinese(text: str) -> bool:
    """Gold text that is mostly hanzi and holds (almost) no kana."""
    chars = [c for c in text if not c.isspace()]
    hanzi = sum("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in chars)
    kana = sum("\u3040" <= c <= "\u30ff" for c in chars)
    return bool(chars) and hanzi / len(chars) >= 0.5 and kana < 0.05 * hanzi


def char_counts(text: str) -> Counter:
    text = _t2s(unicodedata.normalize("NFKC", text or ""))
    return Counter(c for c in text if not c.isspace())


def char_prf(pred: str, gold: str) -> tuple[float, float, float]:
    """Character-multiset precision, recall, F1 of ``pred`` against ``gold``."""
    p, g = char_counts(pred), char_counts(gold)
    overlap = sum((p & g).values())
    precision = overlap / sum(p.values()) if p else 0.0
    recall = overlap / sum(g.values()) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


_CONVERTER = None


def _t2s(text: str) -> str:
    global _CONVERTER
    if _CONVERTER is None:
        import opencc

        _CONVERTER = opencc.OpenCC("t2s")
    return _CONVERTER.convert(text)
