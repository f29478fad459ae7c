"""Run every benchmark section and write reports/bench.json."""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from pathlib import Path

from pipeline.evaluation.harness import import_section
from pipeline.output.tables import write_json

SECTIONS = ["segment", "build", "dedup"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.benchmark")
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("reports/bench.json"))
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--size", type=float, default=1.0, help="scale of the bench corpus")
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"make bench: benchmark data not found at {args.data} (expected ../shared/data); nothing measured.")
        return 1
    results, failed = {"size": args.size}, False
    for name in args.only or SECTIONS:
        mod = import_section("benchmark", name)
        if mod is None:
            continue
        t = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as work:
            try:
                results[name] = mod.run(args.data, Path(work), size=args.size)
            except Exception:
                traceback.print_exc()
                results[name] = {"error": traceback.format_exc(limit=3)}
                failed = True
        results[name]["seconds"] = round(time.perf_counter() - t, 1)
        print(f"[{name}] {results[name]}", flush=True)
    write_json(results, args.out)
    print(f"wrote {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
