"""Where per-page work runs: in this process, a local process pool, or a Dask cluster.

Stages never know which executor runs them. ``run_build`` is the driver: it runs the
global stages itself and hands per-page work to the executor.
"""
from __future__ import annotations

import platform
import time
from importlib import metadata as importlib_metadata
from pathlib import Path

from . import clean, dedup, export, extract, ingest, tables
from .config import Config
from .context import Resources
from .runner import PageResult, process_page, timed

PACKAGES = ["policy-corpus", "jieba", "rjieba", "opencc", "trafilatura", "charset-normalizer", "scikit-learn",
            "gensim", "spacy", "pandas", "pyarrow", "datasketch", "dask"]


def package_versions() -> dict[str, str | None]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = None
    return out


def run_build(raw: Path, out: Path, config: Config, jobs: int = 1, quiet: bool = False,
              genre_model_dir: Path | None = None) -> dict:
    """Build every table from ``raw`` into ``out`` and return the manifest (also written)."""
    timings: dict[str, float] = {}
    res = Resources(config, genre_model_dir)
    with timed(timings, "ingest"):
        files, skipped = ingest.discover_files(raw)
        pages = [pg for f in files for pg in ingest.ingest_file(f, raw, config["ingest"])]
    with timed(timings, "templates"):
        templates = clean.learn_templates(pages, config["clean"])
    with timed(timings, "per_page"):
        results: list[PageResult] = [process_page(pg, templates, res) for pg in pages]
    docs = [d for r in results for d in r.documents]
    with timed(timings, "dedup"):
        dedup.mark_duplicates(docs, config["dedup"])
    with timed(timings, "recurring"):
        recurring = extract.recurring_problems(docs)
    with timed(timings, "write"):
        export.write_tables(
            out,
            pages=[export.page_row(r.page, r.page_removed) for r in results],
            documents=[export.document_row(d) for d in docs],
            sections=[row for d in docs for row in export.section_rows(d)],
            items=[row for d in docs for row in export.item_rows(d)],
            recurring=recurring,
        )
    manifest = {
        "raw": str(raw), "out": str(out), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "counts": {
            "files": len(files) + len(skipped), "pages": len(pages),
            "pages_ok": sum(r.page.ok for r in results), "pages_rejected": sum(not r.page.ok for r in results),
            "documents": len(docs), "duplicates": sum(d.is_duplicate for d in docs),
            "sections": sum(len(d.sections) for d in docs), "items": sum(len(d.items) for d in docs),
        },
        "rejected": [{"path": r.page.path, "reason": r.page.reason} for r in results if not r.page.ok]
        + [{"path": s["path"], "reason": s["reason"]} for s in skipped],
        "errors": [{"path": r.page.path, **e} for r in results for e in r.errors],
        "timings": timings,
        "versions": package_versions(),
        "config": config.as_dict(),
    }
    tables.write_json(manifest, out / "manifest.json")
    return manifest
