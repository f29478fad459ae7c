"""Benchmark section ``segment``: speed of the segment stage against bare rjieba.

``segment_vs_rjieba`` = chars/s of ``segment.run`` (tokens, POS tags, sentences, as the
pipeline runs it on each document) ÷ chars/s of bare ``rjieba.cut`` on the same documents,
measured in the same run: both warmed up once, then the best of 3 alternating passes
each, in CPU time (the machine is shared). Both keep what they produce during a pass (the
stage on the documents, the bare cut in a list) and free it outside the timing, so
neither is charged for freeing the other's results nor favoured by reusing freed memory. The text is
national and provincial government work reports from ../shared/data/gov (~2-5 MB at
size 1, as documents of the reports' own length). Note that the stage's POS tags come from
a per-worker table word → tag: the first pass over a corpus fills it, later passes (and
real corpora, whose vocabulary repeats) hit it; the warm-up counts as that first pass.

``rjieba_tag_vs_cut`` is a reference: bare ``rjieba.tag`` (words and tags from one call,
nothing else) against bare ``rjieba.cut``. rjieba.tag creates a tuple and a tag string per
token, which costs ~0.45 of a cut; the stage instead drops whitespace and looks each token
up in one pass in C (``pipeline/_speedups.c``: FNV hash, the word's characters held inline
in its slot), so POS costs ~0.1 of a cut and sentences another ~0.1. With
``POLICY_CORPUS_NO_NATIVE=1`` the stage uses the Python table (``native_tag_table`` says
which ran): 0.5 instead of 0.75 when this was written.
"""
from __future__ import annotations

import json
import time
from pathlib import Path


def run(data: Path, workdir: Path, size: float = 1.0) -> dict:
    import rjieba

    from pipeline.config import Config
    from pipeline.records import Document, Line
    from pipeline.resources import Resources
    from pipeline.text import segment

    texts = report_texts(Path(data), target_chars=int(1_500_000 * size))
    if not texts:
        return {"missing": f"no government reports under {Path(data) / 'gov'}"}
    docs = [Document(doc_id=f"bench-{i:04d}", page_id="bench", ordinal=i + 1, title="",
                     lines=[Line(n + 1, line) for n, line in enumerate(t.split("\n"))])
            for i, t in enumerate(texts)]
    bodies = [d.text for d in docs]
    n_chars = sum(len(b) for b in bodies)
    res = Resources(Config.load())
    bare = rjieba.Jieba()

    def stage():
        for d in docs:
            d.tokens = d.pos = d.sentences = None     # outputs of the last pass freed here
        t = time.process_time()
        for d in docs:
            segment.run(d, None, res)
        return time.process_time() - t

    def timed_bare(method):
        """CPU seconds of ``method`` over every body; its results are kept during the timing,
        as the stage keeps its tokens, and freed after it."""
        def timing():
            t = time.process_time()
            kept = [method(b) for b in bodies]
            dt = time.process_time() - t
            del kept
            return dt
        return timing

    # bare_tag is a reference: rjieba.tag alone (words and tags in one call, nothing else)
    bare_cut, bare_tag = timed_bare(bare.cut), timed_bare(bare.tag)

    stage_s, bare_s, tag_s = best_of_interleaved([stage, bare_cut, bare_tag], repeats=3)
    n_tokens = sum(len(d.tokens) for d in docs)
    return {
        "documents": len(docs),
        "chars": n_chars,
        "megabytes": round(sum(len(b.encode("utf-8")) for b in bodies) / 1e6, 2),
        "tokens": n_tokens,
        "sentences": sum(len(d.sentences) for d in docs),
        "stage_chars_per_s": round(n_chars / stage_s),
        "rjieba_cut_chars_per_s": round(n_chars / bare_s),
        "segment_vs_rjieba": round(bare_s / stage_s, 3),
        "rjieba_tag_vs_cut": round(bare_s / tag_s, 3),
        "native_tag_table": segment.NATIVE_TAG_TABLE,     # False: the Python table (no C, or switched off)
    }


def best_of_interleaved(fns, repeats: int) -> list[float]:
    """The fastest of ``repeats`` timings of each of ``fns`` (each call times itself, in
    CPU seconds, and returns them), after one warm-up call each; the calls alternate
    (a, b, c, a, b, c, …) so that all see the same load on a shared machine."""
    for fn in fns:
        fn()
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            best[k] = min(best[k], fn())
    return best


def report_texts(data: Path, target_chars: int) -> list[str]:
    """Government work reports (national ones, then provincial) up to ~``target_chars``."""
    texts: list[str] = []
    total = 0
    national = data / "gov" / "national-wikisource" / "government_work_reports.jsonl"
    if national.exists():
        for line in national.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line).get("content", ""))
    provincial = data / "gov" / "provincial-2025" / "derived_txt"
    if provincial.is_dir():
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(provincial.glob("*.txt"))]
    out = []
    for t in texts:
        if t and total < target_chars:
            out.append(t)
            total += len(t)
    # repeat the reports when a larger size is asked than the data holds
    while out and total < target_chars:
        for t in list(out):
            out.append(t)
            total += len(t)
            if total >= target_chars:
                break
    return out
