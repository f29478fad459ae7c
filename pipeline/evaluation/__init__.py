"""``make eval``: quality figures on ../shared/data, checked against pinned floors.

Each section is a module here with ``run(data: Path) -> dict`` (nested figures). Floors live
in ``floors.toml`` as dotted keys (``seed.titles_right = 8``); a figure below its floor fails
the run (exit 1), as does a section that crashes. Raise the floors as quality improves.
"""
