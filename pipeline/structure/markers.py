"""Split markers and titles: the marker lines of rules/split.toml ("篇一 …", "【篇1】", "第1篇",
"范文一", "… 篇N"), the title a marker line carries, and a title cleaned of the sites'
decorations ("(精选5篇)", "合集6篇", "【精选】", ".docx", "_第1页", "300字", "范文", …).
"""
from __future__ import annotations

import re
from functools import lru_cache

from pipeline import rules
from pipeline.structure import title_shapes

_NOT_TITLE_KEY = re.compile(r"[\s,，.。;；:：!！?？、·•\-—_\"'“”‘’《》<>【】\[\]]+")


@lru_cache(maxsize=1)
def _markers() -> tuple[list[re.Pattern], dict, tuple[str, ...]]:
    """Compiled split markers, the [title] settings and the ``requires`` literals of
    rules/split.toml (once per process)."""
    data = rules.load_toml("split.toml")
    numerals = data.get("numerals")
    if not numerals or "marker" not in data:
        raise rules.RuleFileError("split.toml: needs `numerals` and at least one [[marker]]")
    requires = tuple(data.get("requires", ()))
    compiled = []
    for entry in data["marker"]:
        try:
            pattern = re.compile(entry["pattern"].replace("{n}", numerals))
        except (KeyError, re.error) as exc:
            raise rules.RuleFileError(f"split.toml: marker {entry.get('id')!r}: {exc}") from exc
        if "title" not in pattern.groupindex:
            raise rules.RuleFileError(f"split.toml: marker {entry.get('id')!r} has no (?P<title>…) group")
        if requires and not any(lit in entry["pattern"] for lit in requires):
            raise rules.RuleFileError(f"split.toml: marker {entry.get('id')!r} names none of `requires` "
                                      f"{list(requires)}; add its literal there")
        compiled.append(pattern)
    return compiled, data.get("title", {}), requires


def compile_markers() -> list[re.Pattern]:
    """The compiled split-marker patterns (clean uses them to bound header and footer zones)."""
    return _markers()[0]


def marker_literals() -> tuple[str, ...]:
    """Literals of which every marker line holds one (empty: no pre-check)."""
    return _markers()[2]


def could_be_marker(text: str, literals: tuple[str, ...]) -> bool:
    """False when ``text`` holds none of the marker ``literals``: no marker can match it."""
    if not literals:
        return True
    for literal in literals:
        if literal in text:
            return True
    return False


def marker_title(text: str) -> str | None:
    """The title that a marker line carries ("" when the marker stands alone), or None when
    ``text`` is not a marker line.

    >>> marker_title("篇二 政府办事服务中心实习报告范文"), marker_title("【篇1】"), marker_title("近日,…")
    ('政府办事服务中心实习报告', '', None)
    """
    patterns, title_cfg, literals = _markers()
    if not could_be_marker(text, literals):
        return None
    for pattern in patterns:
        m = pattern.match(text)
        if m:
            return clean_title(m.group("title"), title_cfg)
    return None


def clean_title(text: str, title_cfg: dict | None = None, decorations: bool = True) -> str:
    """A title as a reader would cite it: without surrounding brackets and punctuation, the
    site's decorations (``[title] decorations`` of rules/split.toml: "(精选5篇)", "合集6篇",
    "【精选】", ".docx", "_第1页", "300字", "怎么写", "最新…") and trailing "范文"-like suffixes.

    >>> clean_title("【精选】大学生实习报告范文(通用15篇).docx")
    '大学生实习报告'
    """
    if title_cfg is None:
        title_cfg = _markers()[1]
    title = title_shapes.site_joint(_trim(text))
    suffixes = title_cfg.get("suffixes", [])
    decorations = _decorations(tuple(title_cfg.get("decorations", ()))) if decorations else ()
    changed = True
    while changed:
        changed = False
        for pattern in decorations:
            shorter = _trim(pattern.sub("", title, count=1))
            if shorter != title and len(shorter) >= 2:
                title, changed = shorter, True
        for suffix in suffixes:
            if title.endswith(suffix) and len(title) > len(suffix):
                title = title[: -len(suffix)].rstrip(" :：、-—")
                changed = True
    title = title_shapes.doubled(title, title_key)
    return "" if title in suffixes else title     # "范文:" alone names no report


def _trim(text: str) -> str:
    """Without surrounding spaces and punctuation, and without one pair of brackets that
    wraps the whole text ("【篇名】" → "篇名"; "【A】B" keeps its bracket)."""
    text = text.strip().strip(":：、.．-— ").strip()
    if text.startswith("《") and text.endswith("》") and text.count("《") == 1:
        text = text[1:-1].strip()
    for opening, closing in ("【】", "[]"):
        if text.startswith(opening) and text.endswith(closing) and text.count(opening) == 1:
            text = text[1:-1].strip()
        elif text.startswith(opening) and text.count(closing) == 0:
            text = text[1:].strip()
        elif text.endswith(closing) and text.count(opening) == 0:
            text = text[:-1].strip()
    return text


@lru_cache(maxsize=4)
def _decorations(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    numerals = rules.load_toml("split.toml")["numerals"]
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern.replace("{n}", numerals), re.IGNORECASE))
        except re.error as exc:
            raise rules.RuleFileError(f"split.toml: title decoration {pattern!r}: {exc}") from exc
    return tuple(compiled)


def title_settings() -> dict:
    """The [title] settings of rules/split.toml (max_chars, suffixes, decorations)."""
    return _markers()[1]


def title_key(text: str) -> str:
    """A title without punctuation and spaces, for comparing a line with a title."""
    return _NOT_TITLE_KEY.sub("", text)
