"""One config object for every stage.

Defaults live in ``pipeline/rules/settings.toml`` (one commented table per stage). A user
TOML file given with ``--config`` overrides any of them; an unknown table or key is an
error that lists the valid names (fail loudly on bad configuration). Every value is
checked before anything runs: its type is the type of its default in settings.toml (an
integer where a float is expected is fine), and ``RANGES`` / ``CHOICES`` below bound the
numbers and strings that have limits.
"""
from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import rules


class UserError(Exception):
    """A user's mistake (a setting, a path, an argument, commands in the wrong order): the
    command line prints the message as one line on stderr and exits 1."""


class ConfigError(UserError, ValueError):
    """Bad configuration: the message says which key and what is allowed."""


# Bounds of numeric settings, "table.key": (minimum, maximum), None = unbounded; a number
# not listed here must be ≥ 0 (sizes, counts, seconds). Inclusive bounds.
RANGES: dict[str, tuple[float | None, float | None]] = {
    "ingest.max_bytes": (1, None), "ingest.zip_max_members": (1, None), "ingest.zip_max_unpacked": (1, None),
    "ingest.zip_max_ratio": (1, None), "ingest.max_table_bytes": (1, None), "ingest.html_max_depth": (1, None), "ingest.html_max_elements": (1, None),
    "ingest.html_focus_min_share": (0, 1), "ingest.html_focus_min_drop": (0, 1),
    "clean.template_min_pages": (1, None), "clean.template_min_share": (0, 1), "clean.footer_min_position": (0, 1),
    "clean.footer_max_share": (0, 1), "clean.footer_copy_share": (0, 1),
    "clean.model_min_p": (0, 1), "clean.model_restore_p": (0, 1), "clean.model_nonbody_p": (0, 1),
    "clean.model_sure_p": (0, 1), "clean.model_sequence_weight": (0, 5), "clean.repeat_min_count": (2, None),
    "split.title_min_p": (0, 1), "ingest.pdf_chrome_min_share": (0, 1),
    "split.min_doc_chars": (0, None),
    "segment.userdict_min_freq": (1, None), "segment.userdict_max_freq": (1, None),
    "segment.tag_cache_max": (1, None),
    "dedup.shingle": (1, None), "dedup.num_perm": (1, None), "dedup.threshold": (0, 1),
    "dedup.min_shingles": (1, None), "dedup.max_bucket_checks": (1, None),
    "executor.chunk_pages": (1, None), "executor.write_batch_pages": (1, None),
    "executor.replace_min_share": (0, 1),
    "extract.max_head_chars": (1, None),
    "genre.threshold": (0, 1), "genre.model_threshold": (0, 1), "genre.cue_scale": (0, None),
    "genre.cue_blend": (0, None),
    "genre.override_threshold": (0, 1), "genre.override_title_max": (0, 1),
    "genre_training.char_features": (1, None), "genre_training.word_features": (1, None),
    "genre_training.svm_c": (0, None), "genre_training.calibration_folds": (2, None),
    "genre_training.structure_weight": (0, None), "genre_training.dev_half_min_chars": (0, None), "genre_training.cue_feature_scale": (0, None),
    "metadata.region_min_share": (0, 1),
    "topics.k": (2, None), "topics.k_grid": (2, None), "topics.no_below": (1, None), "topics.no_above": (0, 1),
    "topics.keep_n": (1, None), "topics.min_units_per_topic": (1, None), "topics.max_fit_units": (1, None),
    "topics.passes": (1, None), "topics.iterations": (1, None), "topics.coherence_topn": (2, None),
    "topics.npmi_window": (2, None),
    "compare.bootstrap": (1, None), "compare.prior_scale": (0, None), "compare.top_terms": (1, None),
    "compare.year_bin": (1, None), "compare.max_groups": (1, None),
}
POSITIVE = {"genre.cue_scale", "genre_training.svm_c", "compare.prior_scale"}    # above their minimum, not at it
# Strings with a closed set of values (and settings that take a number or a word).
CHOICES: dict[str, tuple[str, ...]] = {
    "dedup.keep": ("longest", "earliest"),
    "topics.unit": ("doc", "section", "item"),
    "topics.k": ("auto",),
    "topics.alpha": ("symmetric", "asymmetric", "auto"),
    "compare.resample": ("doc", "unit"),
    "compare.region_level": ("province", "city", "county"),
}
NUMBER_OR_CHOICE = {"topics.k"}      # a number, or one of its CHOICES


def _merge(base: dict[str, Any], override: dict[str, Any], where: str, source: str) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if key not in base:
            valid = ", ".join(sorted(base))
            raise ConfigError(f"{source}: unknown setting {where}{key!r}; valid here: {valid}")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: {where}{key} must be a table ([{where}{key}]), not {_kind(value)}")
            out[key] = _merge(base[key], value, f"{where}{key}.", source)
        else:
            out[key] = value
    return out


def validate(data: dict[str, Any], defaults: dict[str, Any], source: str) -> None:
    """Raise ConfigError naming ``source``, the key and what is expected when a value of
    ``data`` has another type than its default or lies outside its range or choices."""
    for table, settings in data.items():
        for key, value in settings.items():
            problem = _problem(f"{table}.{key}", value, defaults[table][key])
            if problem:
                raise ConfigError(f"{source}: [{table}] {key} = {_show(value)}: expected {problem}")


def _problem(name: str, value: Any, default: Any) -> str | None:
    """What ``value`` should be instead (None when it is fine)."""
    if name in NUMBER_OR_CHOICE and isinstance(value, str):
        return None if value in CHOICES[name] else _expected(name, 0, number_or_choice=True)
    if name in NUMBER_OR_CHOICE:
        default = 0          # the number form
    if not _same_type(value, default):
        return _expected(name, default, number_or_choice=name in NUMBER_OR_CHOICE)
    items = value if isinstance(value, list) else [value]
    if isinstance(default, list) and default and not all(_same_type(v, default[0]) for v in value):
        return _expected(name, default)
    for v in items:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            low, high = RANGES.get(name, (0, None))
            if (low is not None and (v < low or (v == low and name in POSITIVE))) or (high is not None and v > high):
                return _expected(name, default, number_or_choice=name in NUMBER_OR_CHOICE)
        if isinstance(v, str) and name in CHOICES and name not in NUMBER_OR_CHOICE and v not in CHOICES[name]:
            return _expected(name, default)
    return None


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def _expected(name: str, default: Any, number_or_choice: bool = False) -> str:
    """"an integer ≥ 1", "a number in [0, 1]", "one of: doc, section, item", "a list of strings", …"""
    if isinstance(default, list):
        return "a list, each " + (_expected(name, default[0]) if default else "a value")
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, str) and name in CHOICES and not number_or_choice:
        return "one of: " + ", ".join(CHOICES[name])
    if isinstance(default, str):
        return "a string"
    what = "an integer" if isinstance(default, int) else "a number"
    low, high = RANGES.get(name, (0, None))
    if low is not None and high is not None:
        what += f" in [{low}, {high}]"
    elif low is not None:
        what += f" {'>' if name in POSITIVE else '≥'} {low}"
    if number_or_choice:
        what += " or one of: " + ", ".join(CHOICES[name])
    return what


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def read_config_file(path: str | Path) -> dict[str, Any]:
    """The tables of a user TOML file; ConfigError (naming the file, and the line of a syntax
    error) when it is missing, unreadable or not TOML."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: config file is a folder") from None
    except OSError as exc:
        raise ConfigError(f"{path}: config file unreadable: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: config file is not UTF-8 (byte {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


@dataclass
class Config:
    """Settings for all stages: ``cfg["clean"]["template_min_pages"]`` etc."""

    data: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(rules.load_toml("settings.toml")))

    @classmethod
    def load(cls, path: str | Path | None = None, **overrides: dict[str, Any]) -> "Config":
        """Defaults, then the TOML file at ``path``, then ``overrides`` (``clean={...}``);
        every value checked against its default's type and its range (ConfigError)."""
        defaults = rules.load_toml("settings.toml")
        data = copy.deepcopy(defaults)
        if path is not None:
            data = _merge(data, read_config_file(path), "", str(path))
            validate(data, defaults, str(path))
        if overrides:
            data = _merge(data, overrides, "", "settings given in code")
            validate(data, defaults, "settings given in code")
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
