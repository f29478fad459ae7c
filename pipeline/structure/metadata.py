"""metadata: the year and the region of a document, for comparisons across years and places.

In: a Document (title, body lines, ``masked`` counts from cleaning) and its Page (title,
published, meta). Out: ``doc.year`` (int or None) and ``doc.region`` (a path
"省/市/县", e.g. "四川省/成都市", or None).

Masked placeholders are unknown, never guessed: a title year "20xx" gives no year (and no
fallback), a body whose place names are masked ("xx市", "××区") gives no region from the
body. Order of sources, first hit wins:

    year:   document title ▶ page meta fields (year/date columns) ▶ latest year the body
            states (only when no year in the body is masked; target years "到2035年" and years
            after the page's publish year are skipped) ▶ page publish date when the page title
            is this document's title
    region: document title ▶ page meta fields (region/province columns) ▶ page title when it
            is this document's title ▶ the province the body names most (at least
            ``region_min_mentions`` times and ``region_min_share`` of all mentions)

Regions, short names, cities and the county suffix rule are data: pipeline/rules/regions.toml.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from pipeline import rules
from pipeline.records import Document, Page


def run(doc: Document, page: Page, res) -> None:
    """Fill ``doc.year`` and ``doc.region`` (None when unknown or masked). A bug raises: the
    per-page runner (stages.process_page) records it as this page's error, it is never turned into unknown metadata."""
    cfg = res.config["metadata"]
    doc.year = document_year(doc, page, cfg)
    doc.region = document_region(doc, page, Gazetteer.load(), cfg)


# ── year ─────────────────────────────────────────────────────────────────────────────

MASKED_YEAR = re.compile(r"(?:19|20|二〇|二零)[xX×＊*ｘＸ]{2}")
_CN_DIGITS = {"〇": "0", "零": "0", "○": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5",
              "六": "6", "七": "7", "八": "8", "九": "9"}
# a 4-digit year not inside a longer number; in a title "年" may be missing ("2023服务性…")
TITLE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
BODY_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=年(?!代))")
CN_YEAR = re.compile(r"([一二][〇零○九][〇零○一二三四五六七八九]{2})(?=年)")
TARGET_BEFORE = ("到", "至", "于")           # "到2035年": a target year, not the report's year
META_YEAR_KEYS = re.compile(r"year|date|time|published|年份|年度|日期|时间", re.I)
META_REGION_KEYS = re.compile(r"region|province|city|place|地区|省份|地区|城市|区域", re.I)


def document_year(doc: Document, page: Page, cfg: dict) -> int | None:
    """The report's year, or None when unknown or masked (see the module docstring)."""
    lo, hi = int(cfg["year_min"]), int(cfg["year_max"])
    title = doc.title or ""
    if MASKED_YEAR.search(title):
        return None
    year = _first_year(TITLE_YEAR, title, lo, hi)
    if year:
        return year
    for key, value in (page.meta or {}).items():
        if value is not None and META_YEAR_KEYS.search(str(key)) and not MASKED_YEAR.search(str(value)):
            year = _first_year(TITLE_YEAR, str(value), lo, hi)
            if year:
                return year
    published = _first_year(TITLE_YEAR, page.published or "", lo, hi)
    body = doc.text
    if not (doc.masked or {}).get("20xx") and not MASKED_YEAR.search(body):
        year = latest_stated_year(body, lo, min(hi, published or hi))
        if year:
            return year
    if published and _is_page_of(doc, page):
        return published
    return None


def latest_stated_year(text: str, lo: int, hi: int) -> int | None:
    """The latest year stated as "YYYY年" (or "二〇二三年") in ``text``, skipping target years
    ("到2035年") and years outside [lo, hi]."""
    years = []
    for m in BODY_YEAR.finditer(text):
        if text[max(0, m.start() - 1):m.start()] not in TARGET_BEFORE:
            years.append(int(m.group(1)))
    for m in CN_YEAR.finditer(text):
        if text[max(0, m.start() - 1):m.start()] not in TARGET_BEFORE:
            years.append(int("".join(_CN_DIGITS[c] for c in m.group(1))))
    years = [y for y in years if lo <= y <= hi]
    return max(years) if years else None


def _first_year(pattern: re.Pattern, text: str, lo: int, hi: int) -> int | None:
    for m in pattern.finditer(text):
        y = int(m.group(1))
        if lo <= y <= hi:
            return y
    return None


def _is_page_of(doc: Document, page: Page) -> bool:
    """True when the page is this one report (its title is the document's title)."""
    a, b = (doc.title or "").strip(), (page.title or "").strip()
    return bool(a and b and (a in b or b in a))


# ── region ───────────────────────────────────────────────────────────────────────────

MASKED_PLACE = re.compile(r"(?:[xX×ｘＸ*＊]{1,3}|某)(?:省|市|自治区|自治州|州|县|区|旗|镇|乡)")


@dataclass(frozen=True)
class Place:
    """One mention of a place: its province, and city and county when named."""

    province: str
    city: str | None = None
    county: str | None = None

    @property
    def path(self) -> str:
        return "/".join(p for p in (self.province, self.city, self.county) if p)


class Gazetteer:
    """Finds places in text with the names of pipeline/rules/regions.toml."""

    def __init__(self, spec: dict):
        self.names: dict[str, tuple[str, str | None]] = {}      # surface form → (province, city)
        needs_suffix = set(spec.get("matching", {}).get("needs_suffix", []))
        for key, prov in spec["provinces"].items():
            name = prov.get("name")
            if not name:
                raise rules.RuleFileError(f"regions.toml: province {key!r} has no name")
            self.names[name] = (name, None)
            for short in prov.get("short", []):
                self.names.setdefault(short, (name, None))
            for city in prov.get("cities", []):
                self.names.setdefault(city + "市", (name, city + "市"))
                if len(city) >= 2 and city not in needs_suffix:
                    self.names.setdefault(city, (name, city + "市"))
        county = spec.get("county", {})
        suffixes = sorted(county.get("suffixes", ["县", "区", "旗"]), key=len, reverse=True)
        n = int(county.get("max_name_chars", 4))
        self.not_counties = set(county.get("not_counties", []))
        # the names as a trie-shaped regex: at each position the longest name that starts there
        # (the same matches as the alternation of the names longest first, in half the time)
        names = [name for name in self.names if name]
        self.pattern = re.compile(_trie_pattern(names) or "(?!)")
        self.county_after = re.compile(
            rf"([\u4e00-\u9fff]{{1,{n}}}?(?:{'|'.join(re.escape(s) for s in suffixes)}))")

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> "Gazetteer":
        return cls(rules.load_toml("regions.toml"))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every name in ``text``: at each place the longest name, scanning
        on after it."""
        return [m.span() for m in self.pattern.finditer(text)]

    def places(self, text: str) -> list[Place]:
        """Every place mentioned in ``text``, in order (masked names are not places)."""
        out = []
        for start, end in self.spans(text):
            name = text[start:end]
            province, city = self.names[name]
            county = None
            # a city (or a municipality) followed directly by a county-level name
            if city or name == province and province.endswith("市"):
                c = self.county_after.match(text, end)
                if c and c.group(1) not in self.not_counties and not MASKED_PLACE.match(c.group(1)):
                    county = c.group(1)
            if city is None and county and province.endswith("市"):
                city, county = county, None   # 北京市海淀区: the district stands at city level
            out.append(Place(province, city, county))
        return out


def _trie_pattern(words: list[str]) -> str:
    """A regex matching exactly ``words``, longest first, factored by common prefixes."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}                       # a word ends here

    def build(node: dict) -> str:
        alternatives = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        # greedy: a longer word through this node is tried before the word ending here
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def document_region(doc: Document, page: Page, gazetteer: Gazetteer, cfg: dict) -> str | None:
    """The region path "省/市/县" of the report, or None (see the module docstring)."""
    title = doc.title or ""
    found = gazetteer.places(title)
    if found:
        return _most_specific(found)
    if MASKED_PLACE.search(title):
        return None
    for key, value in (page.meta or {}).items():
        if value and META_REGION_KEYS.search(str(key)):
            found = gazetteer.places(str(value))
            if found:
                return _most_specific(found)
    if _is_page_of(doc, page):
        found = gazetteer.places(page.title or "")
        if found:
            return _most_specific(found)
    body = doc.text
    if MASKED_PLACE.search(body):
        return None   # the report hides its own place: unknown
    return dominant_region(gazetteer.places(body), int(cfg["region_min_mentions"]),
                           float(cfg["region_min_share"]))


def dominant_region(places: list[Place], min_mentions: int, min_share: float) -> str | None:
    """The province named most (if it clears the thresholds), refined to its dominant city and
    county by the same rule; None when no province dominates."""
    if not places:
        return None
    provinces = Counter(p.province for p in places)
    province, n = provinces.most_common(1)[0]
    if n < min_mentions or n / len(places) < min_share:
        return None
    path = [province]
    inside = [p for p in places if p.province == province]
    for level in ("city", "county"):
        named = [getattr(p, level) for p in inside if getattr(p, level)]
        if not named:
            break
        best, k = Counter(named).most_common(1)[0]
        if k < min_mentions or k / len(named) < min_share:
            break
        path.append(best)
        inside = [p for p in inside if getattr(p, level) == best]
    return "/".join(path)


def _most_specific(places: list[Place]) -> str:
    """Of the places in a title, the first of the most specific ones."""
    depth = max(len(p.path.split("/")) for p in places)
    return next(p.path for p in places if len(p.path.split("/")) == depth)


def province_of(region: str | None) -> str | None:
    """The province part of a region path ("四川省/成都市" → "四川省")."""
    return region.split("/", 1)[0] if region else None
