"""``make bench``: speed and memory ratios, each measured within one run, → reports/bench.json.

Each section is a module here with ``run(data: Path, workdir: Path) -> dict``.
"""
