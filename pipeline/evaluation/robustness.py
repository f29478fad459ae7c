"""Evaluation section `robustness`: every file under ``<data>/gov`` and ``<data>/html``
through ingest and clean, counting what happens.

Figures:
- ``files`` (inputs found, skipped ones included), ``pages``, ``processed`` (pages ingested
  and cleaned), ``rejected`` with ``reasons`` (count per reason, numbers folded to N);
- ``crashes``: pages for which ingest or clean raised (must be 0: bad data never raises);
  ``crash_free`` is 1 when there are none (the gated figure);
- ``mojibake_pages``: processed pages whose kept text still looks garbled (``mojibake``
  below: replacement characters, GBK-read-as-Latin-1 / UTF-8-read-as-cp1252 runs,
  private-use characters, or hanzi drawn mostly from rare characters), listed in
  ``mojibake_examples``; ``clean_text_share`` = 1 − mojibake pages / processed (gated);
  ``encodings`` (pages per detected encoding);
- ``misuse`` (``misuse_cases``): a user's mistakes and input that used to give a wrong
  corpus or a crash, each case's outcome through the command line; ``all_as_expected``
  is gated.
- ``format_cases``: made-up files in the formats researchers have (PDF, .doc, .xlsx, .mht,
  archives, HTML under other names, malformed CSV, JSON text lists), each with the outcome
  it must get (``pipeline/evaluation/format_cases.py``; ``format_cases.share`` is gated).
"""
from __future__ import annotations

import re
import traceback
from collections import Counter
from pathlib import Path

from pipeline.evaluation import misuse_cases

FOLDERS = ["gov", "html"]

# UTF-8 bytes of CJK read as Latin-1/cp1252: "æ”¿åºœ" (政府); GBK bytes read as Latin-1: "Õþ¸®"
_LATIN_RUN = re.compile(r"[\u00c0-\u00ff][\u0080-\u00ff\u0152-\u2122]{2,}")
_UTF8_AS_CP1252 = re.compile(r"[åæçèéäã][\u0080-\u00bf\u0152-\u2122]")


def run(data: Path) -> dict:
    from pipeline.clean import cleaner, site_templates
    from pipeline.config import Config
    from pipeline.evaluation import format_cases
    from pipeline.ingest import reader
    from pipeline.resources import Resources

    res = Resources(Config.load())
    cfg = res.config["ingest"]
    files, skipped, pages, crashes = 0, [], [], []
    for name in FOLDERS:
        root = Path(data) / name
        if not root.is_dir():
            return {"error": f"folder not found: {root}"}
        found, skipped_here = reader.discover_files(root)
        files += len(found) + len(skipped_here)
        skipped += skipped_here
        for path in found:
            try:
                pages.extend(reader.ingest_file(path, root, cfg))
            except Exception:
                crashes.append({"path": str(path), "stage": "ingest", "error": traceback.format_exc(limit=2)})
    templates = site_templates.learn_templates([p for p in pages if p.ok], res.config["clean"])
    reasons: Counter = Counter()
    mojibake_examples: dict[str, str] = {}
    processed = 0
    for page in pages:
        if not page.ok:
            reasons[fold_reason(page.reason)] += 1
            continue
        try:
            cleaned = cleaner.run(page, templates, res)
        except Exception as exc:
            crashes.append({"path": page.path, "stage": "clean", "error": f"{type(exc).__name__}: {exc}"})
            continue
        processed += 1
        kind = mojibake("\n".join(line.text for line in cleaned.lines))
        if kind:
            mojibake_examples[page.path] = kind
    for s in skipped:
        reasons[fold_reason(s["reason"])] += 1
    return {
        "files": files, "pages": len(pages), "processed": processed,
        "rejected": sum(reasons.values()), "reasons": dict(reasons.most_common()),
        "crashes": len(crashes), "crash_free": int(not crashes), "crash_examples": crashes[:5],
        "mojibake_pages": len(mojibake_examples),
        "clean_text_share": round(1 - len(mojibake_examples) / max(processed, 1), 4),
        "mojibake_examples": dict(list(mojibake_examples.items())[:10]),
        "encodings": dict(Counter(str(p.encoding) for p in pages if p.ok).most_common()),
        # misuse and input that used to give a wrong corpus (issue 14): made-up cases, each outcome
        "misuse": misuse_cases.run_cases(),
        "format_cases": format_cases.run(),
    }


def mojibake(text: str) -> str | None:
    """Why ``text`` looks garbled (a short label), or None when it reads clean."""
    if not text:
        return None
    if text.count("\ufffd") >= 3:
        return f"replacement characters ({text.count(chr(0xfffd))})"
    latin = len(_LATIN_RUN.findall(text)) + len(_UTF8_AS_CP1252.findall(text))
    hanzi = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if latin >= 5 and latin * 10 > len(hanzi) / 50:
        return f"CJK bytes read as Latin-1 ({latin} runs)"
    private = sum("\ue000" <= c <= "\uf8ff" for c in text)
    if private >= 5:
        return f"private-use characters ({private})"
    if len(hanzi) >= 200:
        from pipeline.ingest.decoding import common_hanzi

        common = common_hanzi()
        share = sum(c in common for c in hanzi) / len(hanzi)
        if share < 0.6:
            return f"hanzi mostly rare (common share {share:.2f}): wrong codec"
    return None


def fold_reason(reason: str | None) -> str:
    """A reason with its numbers and quoted names folded, so alike reasons count together."""
    reason = reason or "unknown"
    reason = re.sub(r"'[^']*'", "'…'", reason)
    reason = re.sub(r"\d+", "N", reason)
    return reason.split(";")[0][:80]
