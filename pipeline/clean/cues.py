"""The clean stage's rules: generic cue words (rules/boilerplate.toml) and site profiles
(rules/sites/*.toml), read by the one rule loader and compiled once per process."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from pipeline import rules
from pipeline.records import Page
from pipeline.structure.split import compile_markers, could_be_marker, marker_literals

CUE_GROUPS = ("header", "line", "fragment", "footer_start", "footer", "keep")


# rule-id prefix of each generic group (site profiles use "site:<profile>.")
GENERIC_PREFIX = {"header": "header", "line": "cue", "fragment": "spam", "footer_start": "footer", "footer": "footer",
                  "keep": "keep"}


@dataclass(frozen=True)
class Cue:
    """One pattern with its rule id; a line longer than ``max_chars`` never matches."""

    rule: str
    pattern: re.Pattern
    max_chars: int | None = None
    requires: tuple[str, ...] = ()   # lower-cased literals of which one must be in the line (a cheap
                                     # pre-check, case-insensitive as the pattern)
    title_above: bool = False        # header cue: the short line just above is the page title

    def search(self, text: str) -> re.Match | None:
        if self.max_chars is not None and len(text) > self.max_chars:
            return None
        if self.requires:
            low = text.lower()
            if not any(r in low for r in self.requires):
                return None
        return self.pattern.search(text)


@dataclass(frozen=True)
class CueSet:
    """Cues grouped by where they may fire (see rules/boilerplate.toml)."""

    header: tuple[Cue, ...] = ()
    line: tuple[Cue, ...] = ()
    fragment: tuple[Cue, ...] = ()
    footer_start: tuple[Cue, ...] = ()
    footer: tuple[Cue, ...] = ()
    keep: tuple[Cue, ...] = ()     # lines never removed as learned template

    def __add__(self, other: "CueSet") -> "CueSet":
        return CueSet(*(getattr(self, g) + getattr(other, g) for g in CUE_GROUPS))

    @staticmethod
    def first(cues: tuple[Cue, ...], text: str) -> Cue | None:
        # Cue.search inlined: this runs for every line and every cue of a group
        n = len(text)
        low = None
        for cue in cues:
            if cue.max_chars is not None and n > cue.max_chars:
                continue
            if cue.requires:
                if low is None:
                    low = text.lower()
                for literal in cue.requires:
                    if literal in low:
                        break
                else:
                    continue
            if cue.pattern.search(text):
                return cue
        return None


@dataclass(frozen=True)
class SiteProfile:
    """A known site: how to recognise its pages and its own cues (tried before generic ones)."""

    id: str
    name: str
    names: tuple[str, ...]
    hosts: tuple[str, ...]
    anywhere: bool          # applies to any page naming the site anywhere (inline-spam sites)
    cues: CueSet

    def applies(self, site: str | None, host: str | None, head: str, text: str) -> bool:
        if site and site in self.names or host and host in self.hosts:
            return True
        zone = text if self.anywhere else head
        return any(name in zone for name in self.names)


@dataclass(frozen=True)
class CleanRules:
    """Compiled generic cues and site profiles."""

    generic: CueSet
    sites: tuple[SiteProfile, ...]
    markers: tuple[re.Pattern, ...]
    fingerprint: str = ""
    marker_literals: tuple[str, ...] = ()    # a marker line holds one of these (split.toml requires)
    intro_wording: tuple[re.Pattern, ...] = ()   # boilerplate.toml [intro_wording]: ways sites word lead-ins
    intro_scan_chars: int = 0                      # ... looked for in a long line's first and last characters

    @classmethod
    def load(cls) -> "CleanRules":
        """Compile rules/boilerplate.toml, rules/sites/*.toml and the split markers (cached)."""
        return _load_rules(rules.fingerprint("boilerplate.toml", "sites", "split.toml"))

    def profiles_for(self, page: Page, head: str, text: str) -> list[SiteProfile]:
        """The profiles that apply to a page (``head``: its first lines joined, normalised)."""
        site, host = page.site, url_host(page.url)
        return [p for p in self.sites if p.applies(site, host, head, text)]

    def intro_talk(self, text: str) -> int:
        """How many of the ways 范文 sites word their lead-ins (``[intro_wording]``) ``text`` uses."""
        if len(text) > 2 * self.intro_scan_chars:
            text = text[:self.intro_scan_chars] + "\n" + text[-self.intro_scan_chars:]
        return sum(p.search(text) is not None for p in self.intro_wording)

    def is_marker(self, text: str) -> bool:
        if not could_be_marker(text, self.marker_literals):
            return False
        for m in self.markers:
            if m.match(text):
                return True
        return False


@lru_cache(maxsize=64)
def _literal_gate(cues: tuple[Cue, ...]) -> re.Pattern | None:
    """A regex finding any ``requires`` literal of ``cues`` when every cue has some (a line
    it does not find cannot match any of the cues); None when a cue requires nothing."""
    if not cues or any(not cue.requires for cue in cues):
        return None
    literals = sorted({lit for cue in cues for lit in cue.requires}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, literals)), re.IGNORECASE)


@lru_cache(maxsize=4)
def _load_rules(fingerprint: str) -> CleanRules:
    generic = _compile_cues(rules.load_toml("boilerplate.toml"), "boilerplate.toml", None)
    sites = []
    for stem, data in rules.load_dir("sites").items():
        where = f"sites/{stem}.toml"
        for key in ("id", "name", "match"):
            if key not in data:
                raise rules.RuleFileError(f"{where}: missing {key!r} (every site profile needs id, name, [match])")
        match = data["match"]
        sites.append(SiteProfile(
            id=data["id"], name=data["name"], names=tuple(match.get("names", ())),
            hosts=tuple(match.get("hosts", ())), anywhere=bool(match.get("anywhere", False)),
            cues=_compile_cues(data, where, data["id"])))
    wording = rules.load_toml("boilerplate.toml").get("intro_wording", {})
    if not wording.get("patterns") or not wording.get("scan_chars"):
        raise rules.RuleFileError("boilerplate.toml: [intro_wording] needs patterns and scan_chars (line-model features)")
    try:
        intro = tuple(re.compile(p) for p in wording["patterns"])
    except re.error as exc:
        raise rules.RuleFileError(f"boilerplate.toml: [intro_wording] bad pattern: {exc}") from exc
    return CleanRules(generic, tuple(sites), tuple(compile_markers()), fingerprint, marker_literals(),
                      intro, int(wording["scan_chars"]))


def _compile_cues(data: dict, where: str, site_id: str | None) -> CueSet:
    groups = {}
    for group in CUE_GROUPS:
        cues = []
        for i, entry in enumerate(data.get(group, [])):
            if "id" not in entry or "pattern" not in entry:
                raise rules.RuleFileError(f"{where}: [[{group}]] entry {i + 1} needs an id and a pattern")
            try:
                pattern = re.compile(entry["pattern"], re.IGNORECASE)
            except re.error as exc:
                raise rules.RuleFileError(f"{where}: [[{group}]] {entry['id']!r}: bad pattern: {exc}") from exc
            prefix = f"site:{site_id}." if site_id else f"{GENERIC_PREFIX[group]}:"
            requires = tuple(str(lit).lower() for lit in entry.get("requires", ()))
            cues.append(Cue(prefix + entry["id"], pattern, entry.get("max_chars"), requires,
                            bool(entry.get("title_above", False))))
        groups[group] = tuple(cues)
    return CueSet(**groups)


def url_host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
