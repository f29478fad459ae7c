"""One config object for every stage.

Defaults live in ``pipeline/rules/settings.toml`` (one commented table per stage). A user
TOML file given with ``--config`` overrides any of them; an unknown table or key is an
error that lists the valid names (fail loudly on bad configuration).
"""
from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import rules


class ConfigError(ValueError):
    """Bad configuration: the message says which key and what is allowed."""


def _merge(base: dict[str, Any], override: dict[str, Any], where: str) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if key not in base:
            valid = ", ".join(sorted(base))
            raise ConfigError(f"unknown setting {where}{key!r}; valid here: {valid}")
        if isinstance(base[key], dict) and isinstance(value, dict):
            out[key] = _merge(base[key], value, f"{where}{key}.")
        else:
            out[key] = value
    return out


@dataclass
class Config:
    """Settings for all stages: ``cfg["clean"]["template_min_pages"]`` etc."""

    data: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(rules.load_toml("settings.toml")))

    @classmethod
    def load(cls, path: str | Path | None = None, **overrides: dict[str, Any]) -> "Config":
        """Defaults, then the TOML file at ``path``, then ``overrides`` (``clean={...}``)."""
        data = copy.deepcopy(rules.load_toml("settings.toml"))
        if path is not None:
            data = _merge(data, tomllib.loads(Path(path).read_text(encoding="utf-8-sig")), "")
        if overrides:
            data = _merge(data, overrides, "")
        return cls(data)

    def __getitem__(self, stage: str) -> dict[str, Any]:
        try:
            return self.data[stage]
        except KeyError:
            raise ConfigError(f"no settings for stage {stage!r}; stages: {', '.join(sorted(self.data))}") from None

    def stage_hash(self, *stages: str) -> str:
        """A short hash of the given stages' settings (part of cache keys)."""
        blob = json.dumps({s: self[s] for s in stages}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha1(blob.encode()).hexdigest()[:12]

    def as_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self.data)
