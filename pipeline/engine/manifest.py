"""The run manifest: counts per stage, inputs and their fate (rejected with reasons,
skipped, cached), errors, timings, versions and settings; and the no-op check that compares
a build with the previous manifest."""
from __future__ import annotations

import json
import platform
import time
from importlib import metadata as importlib_metadata
from pathlib import Path

from pipeline.config import Config
from pipeline.engine.cache import BuildCache, fault_point
from pipeline.engine.tasks import ROW_TABLES, FileIngest, PageSummary
from pipeline.output import tables
from pipeline.output.tables import table_signature

PACKAGES = ["policy-corpus", "jieba", "rjieba", "opencc", "trafilatura", "charset-normalizer", "scikit-learn",
            "gensim", "spacy", "pandas", "pyarrow", "dask"]


def package_versions() -> dict[str, str | bool | None]:
    """Python's and the main libraries' versions, and whether segmentation used the C word →
    POS table (``native_tag_table``; False: the pure-Python table, same results, slower)."""
    from pipeline.text import segment

    out: dict[str, str | bool | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = None
    out["native_tag_table"] = segment.NATIVE_TAG_TABLE
    return out


def unchanged_build(out: Path, build_key: str, page_keys: list[str], cache: BuildCache,
                     partitioned: bool = False) -> dict | None:
    """The previous manifest when this build would write exactly the same tables (in the
    same layout: files, or folders of parts), else None."""
    try:
        previous = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if previous.get("build_key") != build_key or not previous.get("tables"):
        return None
    for name, meta in previous["tables"].items():
        try:
            now = table_signature(out / f"{name}.parquet")
        except OSError:
            return None
        if name in ROW_TABLES and ("parts" in meta) != partitioned:
            return None         # the other layout was asked for
        if any(now.get(k) != meta.get(k) for k in ("bytes", "mtime_ns", "parts")):
            return None
    if not all(cache.has("pages", k) for k in page_keys):
        return None
    return previous


def noop_manifest(previous: dict, config: Config, ingested: list[FileIngest], skipped: list[dict],
                  timings: dict, workers: int) -> dict:
    """Nothing changed: the tables stand; a new manifest says every page was a cache hit
    (and lists the entries this build skipped: they are not part of the tables' key)."""
    n_pages = sum(len(f.pages) for f in ingested)
    was_skipped = {i["path"] for i in previous.get("inputs", []) if i["status"] == "skipped"}
    manifest = dict(previous)
    manifest.update({
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "timings": timings, "unchanged": True,
        "config": config.as_dict(), "versions": package_versions(),
        "engine": {**previous.get("engine", {}), "workers": workers},
        "cache": {**previous.get("cache", {}),
                  "ingest_hits": sum(f.cache_hit for f in ingested),
                  "ingest_misses": sum(not f.cache_hit for f in ingested),
                  "page_hits": n_pages, "page_misses": 0, "abandoned": 0},
        "inputs": [{**i, "status": "cache_hit" if i["status"] == "processed" else i["status"]}
                   for i in previous.get("inputs", []) if i["status"] != "skipped"] + skipped_inputs(skipped),
        "rejected": [r for r in previous.get("rejected", []) if r["path"] not in was_skipped]
        + [{"path": s["path"], "reason": s["reason"]} for s in skipped],
    })
    return manifest


def write_manifest(manifest: dict, out: Path) -> None:
    """The manifest is written last (atomically): tables without one are an unfinished build."""
    fault_point("manifest")
    tables.write_json(manifest, out / "manifest.json")


def skipped_inputs(skipped: list[dict]) -> list[dict]:
    return [{"path": s["path"], "status": "skipped", "reason": s["reason"], "pages": 0, "pages_ok": 0,
             "pages_cached": 0} for s in skipped]


def build_manifest(raw: Path, out: Path, config: Config, ingested: list[FileIngest], skipped: list[dict],
              summaries: list[PageSummary], timings: dict, build_key: str, table_files: dict, cache: BuildCache,
              engine: str, workers: int) -> dict:
    inputs = []
    pos = 0
    for f in ingested:
        page_summaries = summaries[pos:pos + len(f.pages)]
        pos += len(f.pages)
        ok = [s for s in page_summaries if s.status == "ok"]
        if not page_summaries:
            status, reason = "rejected", "no pages found in the file"
        elif not ok:
            status, reason = "rejected", page_summaries[0].reason
        elif f.cache_hit and all(s.cache_hit for s in page_summaries):
            status, reason = "cache_hit", None
        else:
            status, reason = "processed", None
        inputs.append({"path": f.path, "status": status, "reason": reason, "pages": len(page_summaries),
                       "pages_ok": len(ok), "pages_cached": sum(s.cache_hit for s in page_summaries)})
        if f.sniffed:
            inputs[-1]["sniffed_format"] = f.sniffed
    inputs += skipped_inputs(skipped)
    n_docs = sum(len(s.dedup) for s in summaries)
    return {
        "raw": str(raw), "out": str(out), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "counts": {
            "files": len(ingested) + len(skipped), "pages": len(summaries),
            "pages_ok": sum(s.status == "ok" for s in summaries),
            "pages_rejected": sum(s.status != "ok" for s in summaries),
            "documents": n_docs, "duplicates": sum(d.is_duplicate for s in summaries for d in s.docs),
            "sections": sum(s.n_sections for s in summaries), "items": sum(s.n_items for s in summaries),
            "chars": sum(s.n_chars for s in summaries),
            "pages_with_replaced_bytes": sum(i.replaced_bytes > 0 for f in ingested for i in f.pages),
            "replaced_bytes": sum(i.replaced_bytes for f in ingested for i in f.pages),
        },
        "rejected": [{"path": s.path, "reason": s.reason} for s in summaries if s.status != "ok"]
        + [{"path": s["path"], "reason": s["reason"]} for s in skipped],
        "errors": [{"path": s.path, **e} for s in summaries for e in s.errors],
        "abandoned": [{"path": s.path, "reason": s.reason} for s in summaries if s.abandoned],
        "inputs": inputs,
        "cache": {"dir": str(cache.root), "ingest_hits": sum(f.cache_hit for f in ingested),
                  "ingest_misses": sum(not f.cache_hit for f in ingested),
                  "page_hits": sum(s.cache_hit for s in summaries),
                  "page_misses": sum(not s.cache_hit for s in summaries),
                  "abandoned": sum(s.abandoned for s in summaries)},
        "engine": {"name": engine, "workers": workers},
        "build_key": build_key,
        "tables": table_files,
        "timings": timings,
        "versions": package_versions(),
        "config": config.as_dict(),
    }
