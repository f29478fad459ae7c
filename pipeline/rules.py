"""The one loader for rule files: site profiles, cue words, dictionaries, stop words, settings.

Rule files live in ``pipeline/rules/`` (installed with the package) and are plain text a
researcher can read and extend; ``pipeline/rules/README.md`` lists them. A user may point
``POLICY_CORPUS_RULES`` at a folder with files of the same names to override any of them.
"""
from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

RULES_DIR = Path(__file__).with_name("rules")


class RuleFileError(ValueError):
    """A rule file is missing or malformed; the message names the file and what to do."""


def rule_path(name: str) -> Path:
    """Path of rule file ``name`` (relative to the rules folder), honouring the override folder."""
    override = os.environ.get("POLICY_CORPUS_RULES")
    if override and (Path(override) / name).exists():
        return Path(override) / name
    path = RULES_DIR / name
    if not path.exists():
        available = sorted(str(p.relative_to(RULES_DIR)) for p in RULES_DIR.rglob("*") if p.is_file())
        raise RuleFileError(f"rule file {name!r} not found; available: {', '.join(available)}")
    return path


def read_text(name: str) -> str:
    """The text of a rule file: UTF-8 (a BOM is dropped), CRLF folded to LF."""
    raw = rule_path(name).read_bytes()
    return raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


@lru_cache(maxsize=None)
def load_toml(name: str) -> dict[str, Any]:
    """A TOML rule file as a dict."""
    try:
        return tomllib.loads(read_text(name))
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(f"{rule_path(name)}: {exc}") from exc


@lru_cache(maxsize=None)
def load_list(name: str) -> tuple[str, ...]:
    """A one-entry-per-line file: blank lines and ``#`` comments skipped, duplicates dropped
    (first occurrence kept), surrounding whitespace stripped."""
    seen: dict[str, None] = {}
    for line in read_text(name).split("\n"):
        entry = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if entry and entry not in seen:
            seen[entry] = None
    return tuple(seen)


@lru_cache(maxsize=None)
def load_dir(folder: str, suffix: str = ".toml") -> dict[str, dict[str, Any]]:
    """Every TOML file of a rules sub-folder (e.g. site profiles), keyed by file stem."""
    base = RULES_DIR / folder
    override = os.environ.get("POLICY_CORPUS_RULES")
    paths = {p.stem: p for p in sorted(base.glob(f"*{suffix}"))}
    if override and (Path(override) / folder).is_dir():
        paths.update({p.stem: p for p in sorted((Path(override) / folder).glob(f"*{suffix}"))})
    out = {}
    for stem, path in paths.items():
        try:
            out[stem] = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
        except tomllib.TOMLDecodeError as exc:
            raise RuleFileError(f"{path}: {exc}") from exc
    return out


def fingerprint(*names: str) -> str:
    """A short hash of the named rule files' bytes (for cache keys and model cards)."""
    import hashlib

    h = hashlib.sha1()
    for name in names:
        p = rule_path(name)
        files = sorted(p.rglob("*")) if p.is_dir() else [p]
        for f in files:
            if f.is_file():
                h.update(str(f.relative_to(p.parent)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()[:16]
