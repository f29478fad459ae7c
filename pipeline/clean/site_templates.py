"""Templates learned across a site's pages: a line that repeats on many pages of one site is
chrome. Evidence is taken per page (at ingest), the templates are learned once per build and
fingerprinted per site (part of the page cache key)."""
from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field

from pipeline.clean.cues import CleanRules, url_host
from pipeline.records import Page
from pipeline.text.normalize import _NEEDS_TRANSLATE, _TRANSLATE, _t2s, normalize_line


@dataclass(frozen=True)
class SiteTemplates:
    """Template lines learned from the corpus: per site key, the hashes of lines that repeat
    on many of the site's pages. Picklable; ``fingerprint(site)`` is stable across runs."""

    lines: dict[str, frozenset[str]] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)

    def for_site(self, site: str | None) -> frozenset[str]:
        return self.lines.get(site, frozenset()) if site else frozenset()

    def fingerprint(self, site: str | None) -> str:
        """A short hash of the site's template set (empty set → the same value everywhere)."""
        h = hashlib.sha1()
        for key in sorted(self.for_site(site)):
            h.update(key.encode())
        return h.hexdigest()[:16]


def learn_templates(pages: list[Page], cfg: dict) -> SiteTemplates:
    """Lines that repeat across many pages of one site are template.

    A line (normalised, at least ``template_min_chars`` long, among the first and last
    ``template_scan_lines`` non-blank lines of a page, not a split marker) is template for its
    site when it is on at least ``template_min_pages`` pages and ``template_min_share`` of the
    site's pages. Pages without a site key (no site, URL host or profile) teach nothing, and
    copies of a page already counted (same longest line) are counted once.
    """
    clean_rules = CleanRules.load()
    return templates_from_evidence((template_evidence(page, cfg, clean_rules) for page in pages), cfg)


def template_evidence(page: Page, cfg: dict, clean_rules: "CleanRules | None" = None) -> tuple[str, bytes, bytes] | None:
    """What one page tells template learning: ``(site key, digest of its longest line,
    digests of its edge lines packed)`` (8-byte ``line_hash`` digests), or None when the page
    teaches nothing. Computed where the page is in memory (an ingest worker), so learning
    needs no second pass over the pages."""
    if not page.ok or not page.text:
        return None
    clean_rules = clean_rules or CleanRules.load()
    key = site_key(page, clean_rules)       # from the page's first lines: most pages of no site stop here
    if key is None:
        return None
    lines = [t for t in template_lines(page.text) if t]
    if not lines:
        return None
    scan = cfg["template_scan_lines"]
    edge = lines if len(lines) <= 2 * scan else lines[:scan] + lines[-scan:]
    hashes = {_line_digest(t) for t in edge if len(t) >= cfg["template_min_chars"] and not clean_rules.is_marker(t)}
    return key, _line_digest(max(lines, key=len)), b"".join(sorted(hashes))


def templates_from_evidence(evidence, cfg: dict) -> SiteTemplates:
    """``learn_templates`` from every page's ``template_evidence`` (None for a page that
    teaches nothing), in page order."""
    counts: dict[str, Counter] = {}
    n_pages: Counter = Counter()
    seen_content: set[tuple[str, bytes]] = set()
    for item in evidence:
        if item is None:
            continue
        key, content, packed = item
        # copies of one article (republished, or saved twice) would make its own lines look
        # like template: a page counts once per site by its longest line
        if (key, content) in seen_content:
            continue
        seen_content.add((key, content))
        n_pages[key] += 1
        counts.setdefault(key, Counter()).update(packed[i:i + 8] for i in range(0, len(packed), 8))
    learned = {}
    for key, counter in counts.items():
        need = max(cfg["template_min_pages"], math.ceil(cfg["template_min_share"] * n_pages[key]))
        found = frozenset(h.hex() for h, n in counter.items() if n >= need)
        if found:
            learned[key] = found
    return SiteTemplates(learned, dict(n_pages))


def site_key(page: Page, clean_rules: CleanRules | None = None) -> str | None:
    """The site a page belongs to, for template learning: ``Page.site``, else the URL host,
    else the name of the first site profile (not an inline-spam one) that matches its header
    (its first lines, in simplified characters: profiles name sites in simplified form).

    Ingest (the page's cache key, its template evidence) and clean (the templates it
    applies) both call this on the ingested page, so they agree on a page's site."""
    if page.site:
        return page.site.strip()
    host = url_host(page.url)
    if host:
        return host
    clean_rules = clean_rules or CleanRules.load()
    head = "\n".join(first_template_lines(page.text, SITE_HEAD_LINES))
    if not head.isascii():
        head = _t2s().convert(head)
    for profile in clean_rules.sites:
        if not profile.anywhere and profile.applies(None, None, head, ""):
            return profile.name
    return None


SITE_HEAD_LINES = 12     # a site profile is recognised in this many first (non-empty) lines


def first_template_lines(text: str, n: int) -> list[str]:
    """``[t for t in template_lines(text) if t][:n]`` without normalising the rest of a long
    text: growing prefixes of it, each cut just before a line break."""
    want = 2 * n
    while True:
        cut = -1
        for _ in range(want):
            cut = text.find("\n", cut + 1)
            if cut < 0:
                break
        lines = [t for t in template_lines(text if cut < 0 else text[:cut]) if t]
        if len(lines) >= n or cut < 0:
            return lines[:n]
        want *= 4


def template_line(text: str) -> str:
    """The cheap normal form used to count lines across pages (no OpenCC: speed)."""
    return normalize_line(text, t2s=False)


def template_lines(text: str) -> list[str]:
    """``[template_line(t) for t in text.split("\\n")]``, with one translate for the whole text.

    ``str.split()`` splits at exactly the characters ``\\s`` matches (``str.isspace``), so
    joining its parts with one space is ``template_line``'s fold and strip (half the time
    of two whole-text regex passes)."""
    if _NEEDS_TRANSLATE.search(text):
        text = text.translate(_TRANSLATE)
    return [" ".join(line.split()) for line in text.split("\n")]


def line_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def _line_digest(text: str) -> bytes:
    """``line_hash`` as its 8 raw bytes (``_line_digest(t).hex() == line_hash(t)``)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
