"""Evaluation section ``segmentation``: SIGHAN word F1, and rjieba-vs-jieba agreement.

- ``pku`` / ``msr``: word precision, recall and F1 on the SIGHAN 2005 (icwb2) test sets,
  scored the standard way (a predicted word is right when its character span is a gold
  word's span). ``jieba_f1``: plain jieba (the Python package, its default dictionary,
  HMM on). ``project_f1``: the project's ``Segmenter`` (rjieba, the policy dictionary,
  the ``[segment]`` settings). ``dict_terms_in_test``: how many of the test set's words the
  policy dictionary could affect, and the terms the gold splits (where the dictionary can
  only cost points).
- ``agreement``: rjieba vs jieba (Python) with the same dictionary (jieba's plus the policy
  terms at the same frequencies and tags), token by token: ``rjieba_vs_jieba`` on the 2025
  national government work report, ``rjieba_vs_jieba_provincial`` on the 31 provincial 2025
  reports together; = matching tokens (difflib alignment) ÷ tokens; the differing
  stretches are listed.
"""
from __future__ import annotations

import difflib
import json
import logging
from pathlib import Path


def run(data: Path) -> dict:
    from pipeline.text.segment import Segmenter

    seg = Segmenter()
    plain = _python_jieba()
    out: dict = {}
    cws = Path(data) / "cws" / "icwb2"
    for name in ("pku", "msr"):
        raw, gold = cws / "testing" / f"{name}_test.utf8", cws / "gold" / f"{name}_test_gold.utf8"
        if not (raw.exists() and gold.exists()):
            out[name] = {"missing": f"{raw} or {gold} not found"}
            continue
        out[name] = sighan_scores(raw, gold, plain, seg)
    out["agreement"] = agreement(Path(data), seg)
    return out


def _python_jieba(user_words=()):
    """A fresh pure-Python jieba Tokenizer with its default dictionary (+ ``user_words``)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    for uw in user_words:
        tok.add_word(uw.word, uw.freq, uw.tag)
    return tok


# -- SIGHAN ------------------------------------------------------------------------------------
def word_spans(words) -> set[tuple[int, int]]:
    """Character spans (start, end) of consecutive words."""
    spans, pos = set(), 0
    for w in words:
        spans.add((pos, pos + len(w)))
        pos += len(w)
    return spans


def prf(pred_lines, gold_lines) -> dict:
    """Word precision/recall/F1 over aligned lines of words (SIGHAN's scoring)."""
    tp = n_pred = n_gold = 0
    for pred, gold in zip(pred_lines, gold_lines):
        p, g = word_spans(pred), word_spans(gold)
        tp += len(p & g)
        n_pred += len(p)
        n_gold += len(g)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def sighan_scores(raw: Path, gold: Path, plain, seg) -> dict:
    raw_lines = raw.read_text(encoding="utf-8-sig").splitlines()
    gold_lines = [line.split() for line in gold.read_text(encoding="utf-8-sig").splitlines()]
    if len(raw_lines) != len(gold_lines):
        return {"error": f"{raw.name} has {len(raw_lines)} lines, {gold.name} {len(gold_lines)}"}
    # jieba keeps whitespace tokens; the scoring ignores whitespace on both sides
    jieba_pred = [[w for w in plain.cut(line) if not w.isspace()] for line in raw_lines]
    project_pred = [seg.cut(line) for line in raw_lines]
    j, p = prf(jieba_pred, gold_lines), prf(project_pred, gold_lines)
    terms = {uw.word for uw in seg.user_words}
    gold_words = [w for line in gold_lines for w in line]
    text = "\n".join(raw_lines)
    split_by_gold = sorted(t for t in terms if t in text and t not in set(gold_words))
    return {
        "jieba_f1": j["f1"], "jieba_precision": j["precision"], "jieba_recall": j["recall"],
        "project_f1": p["f1"], "project_precision": p["precision"], "project_recall": p["recall"],
        "project_not_worse": int(p["f1"] >= j["f1"]),    # the dictionary must not lower F1 (gated)
        "lines_differing": sum(a != b for a, b in zip(jieba_pred, project_pred)),
        "dict_terms_in_test": sum(t in text for t in terms),
        "dict_terms_gold_splits": split_by_gold,
    }


# -- agreement -----------------------------------------------------------------------------------
def agreement(data: Path, seg) -> dict:
    """rjieba (the Segmenter) vs Python jieba with the same dictionary: the 2025 national
    government work report (headline) and the 31 provincial 2025 reports (together)."""
    path = data / "gov" / "national-wikisource" / "government_work_reports.jsonl"
    if not path.exists():
        return {"missing": f"{path} not found"}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    report = next((r for r in rows if "2025" in r.get("title", "")), rows[0])
    py = _python_jieba(seg.user_words)
    out = {"report": report.get("title", "")}
    out.update(compare_cuts(report["content"], seg, py))
    provincial = sorted((data / "gov" / "provincial-2025" / "derived_txt").glob("*.txt"))
    if provincial:
        text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in provincial)
        out["provincial"] = {"reports": len(provincial), **compare_cuts(text, seg, py)}
        out["rjieba_vs_jieba_provincial"] = out["provincial"].pop("rjieba_vs_jieba")
    return out


def compare_cuts(text: str, seg, py) -> dict:
    """Token agreement of ``seg.cut`` with Python jieba ``py`` on ``text``, differences listed.

    Compared line by line (neither joins words across a line break), aligning with difflib
    only the lines that differ."""
    n_a = n_b = same = 0
    diffs = []
    for line in text.split("\n"):
        a = [w for w in py.cut(line, HMM=seg.hmm) if not w.isspace()]
        b = seg.cut(line)
        n_a, n_b = n_a + len(a), n_b + len(b)
        if a == b:
            same += len(a)
            continue
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        same += sum(block.size for block in matcher.get_matching_blocks())
        diffs += [f"jieba {'/'.join(a[i1:i2])} | rjieba {'/'.join(b[j1:j2])}"
                  for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]
    return {
        "tokens_jieba": n_a,
        "tokens_rjieba": n_b,
        "rjieba_vs_jieba": round(same / max(n_a, n_b, 1), 5),
        "n_differences": len(diffs),
        "differences": diffs[:50],
    }
