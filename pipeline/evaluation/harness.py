"""What `make eval` and `make bench` share: finding their section modules."""
from __future__ import annotations

import importlib
from types import ModuleType


def import_section(package: str, name: str) -> ModuleType | None:
    """The module ``pipeline.<package>.<name>``, or None (with a line saying so) when it does
    not exist; an import error inside an existing module is raised, not hidden."""
    qualified = f"pipeline.{package}.{name}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name == qualified:
            print(f"[{name}] no such section: skipped")
            return None
        raise
