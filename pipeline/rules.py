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
    """A TOML rule file as a dict; RuleFileError on a syntax error or a key its schema
    (``SCHEMAS``) does not know. settings.toml is its own schema (see config.py)."""
    try:
        data = tomllib.loads(read_text(name))
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(f"{rule_path(name)}: {exc}") from exc
    if name != "settings.toml":
        check_keys(data, _schema(name), str(rule_path(name)))
    return data


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


@lru_cache(maxsize=1)
def kind_words() -> dict[str, str]:
    """genres.toml [kinds], each list as a regular-expression alternation (escaped, longest word
    first, so "思想汇报" is tried before "汇报"): ``report``, ``official``, ``stems``, ``endings``.
    The table's comment says who reads which."""
    import re

    kinds = load_toml("genres.toml").get("kinds", {})
    out = {}
    for key in ("report", "official", "stems", "endings"):
        words = kinds.get(key)
        if not words or not all(isinstance(w, str) and w.strip() for w in words):
            raise RuleFileError(f"genres.toml: [kinds] {key} must be a non-empty list of words")
        out[key] = "|".join(re.escape(w.strip()) for w in sorted(set(words), key=lambda w: (-len(w), w)))
    return out


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
        check_keys(out[stem], _schema(f"{folder}/"), str(path))
    return out


# What each TOML rule file may hold. A schema is a table's keys (a dict: key -> the schema of
# its value), an array of tables ([schema of each table]), a table whose keys are data (names,
# ids: {ANY: schema of each value}) or a plain value (None). A key outside it is an error, as
# an unknown setting is: a misspelt optional key would otherwise be ignored without a word.
ANY = "*"


def _keys(names: str, **tables: Any) -> dict[str, Any]:
    return {**dict.fromkeys(names.split()), **tables}


_CUE_GROUPS = {group: [_keys("id pattern max_chars requires title_above")]
               for group in ("header", "line", "fragment", "footer_start", "footer", "keep")}
SCHEMAS: dict[str, dict[str, Any]] = {
    "boilerplate.toml": {**_CUE_GROUPS, "intro_wording": _keys("patterns scan_chars")},
    "sites/": _keys("id name", match=_keys("names hosts anywhere"), **_CUE_GROUPS),
    "genres.toml": _keys("", genre=[_keys("slug name kind title_cues title_not cue_weight items",
                                          body_cues=[_keys("pattern weight")])],
                         title=_keys("trailers quotes decorations"), kinds=_keys("report official stems endings"),
                         not_report=_keys("", body_cues=[_keys("pattern weight")])),
    "html_chrome.toml": _keys("tokens max_text_share"),
    "outline.toml": _keys(
        "numerals", styles=[_keys("name family pattern inline")], ordinal_words={ANY: None},
        roles=_keys("order", cues={ANY: None}),
        heading=_keys("body_min_chars clause_end cue_max_chars lead_max_chars max_chars plain_max_chars "
                      "plain_min_chars run_in_max_chars sentence_end"),
        items=_keys("achievement_endings achievement_endings_always adverbs definition_cues measure_prefixes "
                    "measure_verbs modal_prefixes nominalizer_exceptions prefixed_measure_verbs statement_patterns "
                    "topic_prefixes topic_suffixes verb_nominalizer"),
        line_breaks=_keys("lead_figure_weight lead_object_predicates long_line_chars long_line_share opening_pattern "
                          "paragraph_min_chars paragraph_min_sentences result_end_pattern result_frame_openers")),
    "page_meta.toml": _keys("breadcrumb header_lines html_header_lines published site title_above_published "
                            "title_site_separators views"),
    "pdf_chrome.toml": _keys("page_number"),
    "problems.toml": _keys(
        "clause_final_only negators noun_suffixes predicates", aspects={ANY: None}, predicate_classes={ANY: None},
        measure_list=_keys("lead_pattern min_clauses"), prose=[_keys("name pattern")],
        problem_passage=_keys("awareness_cues closing_pattern continuation_starts generic_pattern lead_pattern "
                              "look_back_pattern min_problem_share need_words no_problem_pattern predicates "
                              "promise_words strip_prefixes success_words")),
    "regions.toml": _keys("", county=_keys("max_name_chars not_counties suffixes"), matching=_keys("needs_suffix"),
                          provinces={ANY: _keys("name short cities")}),
    "split.toml": _keys("numerals requires", marker=[_keys("id pattern")],
                        title=_keys("decorations max_chars suffixes")),
}


def _schema(name: str) -> dict[str, Any]:
    try:
        return SCHEMAS[name]
    except KeyError:
        raise RuleFileError(f"rule file {name!r} has no schema in pipeline/rules.py SCHEMAS; add one") from None


def check_keys(data: Any, schema: Any, source: str, where: str = "") -> None:
    """Raise RuleFileError naming ``source``, the key and the valid keys when ``data`` holds a
    key that ``schema`` does not list (see ``SCHEMAS``)."""
    if schema is None or not isinstance(data, (dict, list)):
        return
    if isinstance(schema, list):
        for i, entry in enumerate(data if isinstance(data, list) else []):
            if isinstance(entry, dict):          # a list may mix plain values and tables
                check_keys(entry, schema[0], source, f"{where}[{i + 1}]")
        return
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        inner = f"{where}.{key}" if where else key
        if ANY in schema:
            check_keys(value, schema[ANY], source, inner)
        elif key not in schema:
            place = f" in {where}" if where else ""
            raise RuleFileError(f"{source}: unknown key {key!r}{place}; valid here: {', '.join(sorted(schema))}")
        else:
            check_keys(value, schema[key], source, inner)


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
