"""Run every evaluation section, print a table, write reports/eval.json, gate on floors."""
from __future__ import annotations

import argparse
import sys
import time
import tomllib
import traceback
from pathlib import Path

from pipeline.evaluation.harness import import_section
from pipeline.output.tables import write_json

# Section name → module under pipeline.evaluation (each has run(data: Path) -> dict).
SECTIONS = ["seed", "magic_html", "robustness", "fanwen", "segmentation", "extraction", "genre", "fanwen_genre",
            "topics"]


def flatten(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from flatten(v, f"{prefix}{k}.")
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield prefix[:-1], obj


def lookup(obj, dotted):
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.evaluation")
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("reports/eval.json"))
    ap.add_argument("--only", nargs="*", help="run only these sections")
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"make eval: evaluation data not found at {args.data} (expected ../shared/data beside the repo); "
              "nothing evaluated.")
        return 0 if args.only is None else 1
    floors = tomllib.loads((Path(__file__).with_name("floors.toml")).read_text(encoding="utf-8"))["floors"]
    results, failures = {}, []
    for name in args.only or SECTIONS:
        t = time.perf_counter()
        mod = import_section("evaluation", name)
        if mod is None:
            continue
        try:
            results[name] = mod.run(args.data)
        except Exception:
            traceback.print_exc()
            failures.append(f"{name}: crashed")
            results[name] = {"error": traceback.format_exc(limit=3)}
        results.setdefault(name, {})["seconds"] = round(time.perf_counter() - t, 1)
        print(f"[{name}] done in {results[name]['seconds']}s", flush=True)
    print(f"\n{'figure':60s} {'value':>10s} {'floor':>8s}")
    for key, value in flatten(results):
        if key.endswith("seconds"):
            continue
        floor = floors.get(key)
        flag = ""
        if floor is not None and value < floor:
            flag = "  BELOW FLOOR"
            failures.append(f"{key} = {value} < floor {floor}")
        print(f"{key:60s} {value:10.4g} {'' if floor is None else format(floor, '8.4g')}{flag}")
    for key, floor in floors.items():
        if lookup(results, key) is None and key.split(".")[0] in results:
            failures.append(f"{key}: figure missing (floor {floor})")
    results["_floors"] = floors
    write_json(results, args.out)
    print(f"\nwrote {args.out}")
    if failures:
        print("EVAL FAILED:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
