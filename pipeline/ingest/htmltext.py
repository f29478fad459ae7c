"""HTML → main text, one paragraph per line, plus what the page's <head> says about itself.

Used by the ingest stage (``pipeline/ingest/reader.py``). The fallback chain, in order of attempts:

1. trafilatura with ``favor_precision`` (main extractor; its own fallbacks — readability
   and jusText comparison — stay on), run on the tree with furniture containers pruned
   (``rules/html_chrome.toml``: related/recommended lists, story streams, comments,
   sidebars — never the container of the title heading); if pruning leaves less than
   ``html_prune_min_chars``, on the whole page instead.
2. The precision result is compared with a readability-style candidate (the single best
   content node of the page, trafilatura's bundled readability port): when trafilatura
   also took other articles or lists the readability node does not hold, the lines
   outside that node are dropped, as long as enough text remains (``ingest.html_*``
   settings). This is the "compare candidates" step that lifts precision.
3. trafilatura with ``favor_recall`` when the precision pass returned nothing.
4. The page's block text through lxml (one block element per line), nav/header/footer/
   aside/script/style dropped — the rescue for pages trafilatura finds nothing in, and the
   only step for a page of more than ``html_max_elements`` elements (trafilatura's and
   readability's time grows faster than the page's size; this pass is linear).

Nothing is removed here beyond what extraction leaves out; the clean stage removes chrome.
"""
from __future__ import annotations

import html as html_lib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import lxml.etree
import lxml.html

# Block-level tags: each starts a new line in the lxml fallback text.
BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "blockquote", "pre", "dd", "dt", "dl", "header", "footer", "form",
    "td", "th", "hr", "main", "center", "address", "figcaption", "figure", "nav", "aside",
}
# Never text: scripts, styles and page furniture the rescue pass skips.
SKIP_TAGS = {"script", "style", "noscript", "template", "iframe", "svg", "canvas", "head", "select", "option"}
FURNITURE_TAGS = {"nav", "header", "footer", "aside"}

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


class HtmlTooDeep(ValueError):
    """The page nests elements deeper than the parser can hold; its text would be lost."""


@dataclass
class HtmlText:
    """What the HTML path returns: the main text and what the <head> declares."""

    text: str
    method: str                              # which step of the fallback chain produced the text
    title: str | None = None
    site: str | None = None
    published: str | None = None
    url: str | None = None
    meta: dict = field(default_factory=dict)
    page_text: str = ""                      # the whole page's block text (for header metadata)


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> tag (within its first 4 KB), lower-cased."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii", "replace").lower() if m else None


def html_to_text(html: str, cfg: dict) -> HtmlText:
    """Main text of an HTML page (decoded string) → ``HtmlText``.

    Raises ``HtmlTooDeep`` when the element tree is deeper than ``cfg["html_max_depth"]``
    (libxml2 silently drops what lies below depth 256, so such a page cannot be read)."""
    import trafilatura

    html = _XML_DECL.sub("", html, count=1)
    tree = parse_html(html)
    depth = tree_depth(tree)
    if depth >= cfg["html_max_depth"]:
        raise HtmlTooDeep(f"HTML nested {depth}+ levels deep (limit {cfg['html_max_depth']}); "
                          "the parser cannot read it")
    head = head_metadata(tree, cfg)
    page_text = block_text(tree, skip_furniture=False)
    n_elements = sum(1 for _ in tree.iter())
    if n_elements > cfg["html_max_elements"]:
        # trafilatura's and readability's time grows faster than the page (7 s at 20,000
        # paragraphs, 41 s at 80,000): a page this large is read by the linear pass alone
        return HtmlText(text=block_text(tree, skip_furniture=True), method="lxml-blocks (large page)",
                        page_text=page_text, **head)

    text, method = "", ""
    precise = trafilatura.extract(html, favor_precision=True, include_comments=False,
                                  include_tables=True, deduplicate=False) or ""
    pruned_tree, pruned = prune_furniture(_copy(tree), head.get("title") or head["meta"].get("html_title"))
    if pruned:
        narrowed = trafilatura.extract(pruned_tree, favor_precision=True, include_comments=False,
                                       include_tables=True, deduplicate=False) or ""
        if len(_compact(narrowed)) >= cfg["html_prune_min_chars"]:
            precise = narrowed
    if precise.strip():
        text, method = precise, "trafilatura-precision" + ("+pruned" if pruned else "")
        focused = focus_on_best_node(tree, precise, cfg)
        if focused is not None:
            text, method = focused, "trafilatura-precision+readability"
    if not text.strip():
        recall = trafilatura.extract(html, favor_recall=True, include_comments=False, include_tables=True) or ""
        if recall.strip():
            text, method = recall, "trafilatura-recall"
    if not text.strip():
        text, method = block_text(tree, skip_furniture=True), "lxml-blocks"
    return HtmlText(text=tidy_lines(text), method=method, page_text=page_text, **head)


def parse_html(html: str) -> lxml.html.HtmlElement:
    """An lxml tree of the page (an empty <html> for an empty string)."""
    if not html.strip():
        return lxml.html.fromstring("<html></html>")
    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return lxml.html.fromstring(f"<html><body>{html_lib.escape(html)}</body></html>")


def tree_depth(tree) -> int:
    """The deepest element nesting of a tree (iterative: no recursion limit)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        el, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((child, d + 1) for child in el)
    return deepest


def head_metadata(tree, cfg: dict) -> dict:
    """title/site/published/url from the <head>: og: tags first, then <title>."""
    def meta(*names):
        for name in names:
            for attr in ("property", "name", "itemprop"):
                found = tree.xpath(f'//meta[@{attr}="{name}"]/@content')
                if found and found[0].strip():
                    return _SPACES.sub(" ", found[0]).strip()
        return None

    raw_title = None
    titles = tree.xpath("//title")
    if titles:
        raw_title = _SPACES.sub(" ", titles[0].text_content()).strip() or None
    og_title = meta("og:title", "twitter:title")
    site = meta("og:site_name", "application-name")
    separators = cfg["title_site_separators"]
    title, site_from_title = split_title_site(raw_title, separators) if raw_title else (None, None)
    site = site or site_from_title
    if og_title:
        og_clean, og_site = split_title_site(og_title, separators)
        # an og:title carrying the site name ("标题_某某网") loses it; any other stays whole
        title = og_clean if og_site and og_site in (site, site_from_title) else og_title
    published = meta("article:published_time", "pubdate", "publishdate", "PubDate", "publish_time",
                     "datePublished", "og:release_date", "dc.date", "DC.date")
    url = meta("og:url")
    if not url:
        canon = tree.xpath('//link[@rel="canonical"]/@href')
        url = canon[0].strip() if canon else None
    return {"title": title, "site": site, "published": published, "url": url,
            "meta": {k: v for k, v in {"html_title": raw_title, "keywords": meta("keywords"),
                                       "description": meta("description")}.items() if v}}


def split_title_site(raw_title: str, separators: list[str]) -> tuple[str, str | None]:
    """"标题_管理范文网" → ("标题", "管理范文网"); "标题_华语_电影网_" → ("标题", "电影网"): the
    last segment is the site, shorter section names before it go too. A title without a
    separator stays whole."""
    for sep in separators:
        stripped = raw_title.strip().rstrip(sep.strip() or sep).strip()
        if sep not in stripped:
            continue
        left, _, site = stripped.rpartition(sep)
        left, site = left.strip(), site.strip()
        if len(left) < 2 or not 1 < len(site) <= 30:
            continue
        while sep in left:               # peel section names ("_华语") between title and site
            head, _, section = left.rpartition(sep)
            if len(head.strip()) < 4 or len(section.strip()) > 8:
                break
            left = head.strip()
        return left, site
    return raw_title, None


def block_text(tree, skip_furniture: bool) -> str:
    """The text of a tree with one line per block element (the lxml fallback)."""
    out: list[str] = []
    body = tree.find(".//body")
    root = body if body is not None else tree

    def walk(el):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in SKIP_TAGS or (skip_furniture and tag in FURNITURE_TAGS) or not isinstance(el.tag, str):
            if el.tail:
                out.append(el.tail)
            return
        block = tag in BLOCK_TAGS
        if block:
            out.append("\n")
        if el.text:
            out.append(el.text)
        for child in el:
            walk(child)
        if block:
            out.append("\n")
        if el.tail:
            out.append(el.tail)

    # iterative guard: html_to_text refuses trees deeper than the limit before we get here
    walk(root)
    return tidy_lines("".join(out))


def tidy_lines(text: str) -> str:
    """Collapse runs of spaces inside lines, strip lines, drop blank ones."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def focus_on_best_node(tree, extracted: str, cfg: dict) -> str | None:
    """Drop the extracted lines that lie outside the page's best content node (readability).

    Returns the narrowed text, or None to keep ``extracted`` as it is: when readability
    finds nothing, or narrowing would keep less than ``html_focus_min_share`` of the text
    (then readability probably picked a wrong node), or removes less than
    ``html_focus_min_drop`` (nothing worth changing)."""
    from trafilatura.readability_lxml import Document

    try:
        summary = Document(_copy(tree)).summary()
    except Exception:  # readability is a helper here: its failure keeps trafilatura's text
        return None
    if not summary:
        return None
    node_text = block_text(lxml.html.fromstring(summary), skip_furniture=False)
    node_compact = _compact(node_text)
    if len(node_compact) < cfg["html_focus_min_chars"]:
        return None
    lines = tidy_lines(extracted).split("\n")
    compacts = [_compact(line) for line in lines]
    inside = lines_inside(compacts, node_compact, {_compact(x) for x in node_text.split("\n")})
    kept = [line for line, c, ok in zip(lines, compacts, inside) if c and ok]
    total = sum(map(len, compacts)) or 1
    kept_chars = sum(len(c) for c, ok in zip(compacts, inside) if c and ok)
    share = kept_chars / total
    if share < cfg["html_focus_min_share"] or 1 - share < cfg["html_focus_min_drop"]:
        return None
    return "\n".join(kept)


def lines_inside(compacts: list[str], node: str, node_lines: set[str]) -> list[bool]:
    """For each compacted line, whether it occurs in ``node`` (the best node's compacted
    text; ``node_lines`` its compacted lines). Linear for lines in document order: a line
    equal to a node line is found in the set, one inside a node line by a search that goes
    on from where the previous line was found; only the others search the whole node."""
    out, pos = [], 0
    for c in compacts:
        if c in node_lines:
            out.append(True)
            continue
        found = node.find(c, pos)
        if found >= 0:
            pos = found + len(c)
            out.append(True)
        else:
            out.append(c in node)
    return out


def prune_furniture(tree, title: str | None) -> tuple[object, int]:
    """Remove furniture containers (html_chrome.toml) from ``tree``; returns (tree, count).

    A container is kept when it holds the page's title heading (it wraps the article) or
    more than ``max_text_share`` of the body text."""
    from pipeline import rules

    chrome = rules.load_toml("html_chrome.toml")
    tokens = frozenset(chrome["tokens"])
    body = tree.find(".//body")
    body = body if body is not None else tree
    total = len(_compact(body.text_content())) or 1
    anchor = title_anchor(body, title)
    protected = set() if anchor is None else {anchor, *anchor.iterancestors()}
    doomed = []
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in ("body", "html"):
            continue
        names = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not names.strip() or not (class_tokens(names) & tokens):
            continue
        if el in protected:
            continue
        if len(_compact(el.text_content())) > chrome.get("max_text_share", 0.8) * total:
            continue
        doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:   # already gone with a doomed ancestor otherwise
            el.drop_tree()
    return tree, len(doomed)


def title_anchor(body, title: str | None):
    """The heading (h1/h2, else any element) whose text is the page title, if any."""
    if not title:
        return None
    want = _compact(title)[:20]
    if len(want) < 4:
        return None
    for xpath in (".//h1", ".//h2", ".//h3"):
        for el in body.iterfind(xpath):
            if want[:12] in _compact(el.text_content()):
                return el
    return None


def class_tokens(names: str) -> set[str]:
    """"detail-content__recommend moreStories" → {detail, content, recommend, more, stories, morestories}."""
    out = set()
    for word in re.split(r"[\s_\-]+", names):
        if not word:
            continue
        out.add(word.lower())
        out.update(part.lower() for part in re.findall(r"[A-Z]?[a-z]+|[0-9]+", word))
    return out


def _compact(s: str) -> str:
    """``s`` without whitespace and invisible format characters (soft hyphens, zero-width
    spaces), NFKC-folded: two extractors' renderings of one paragraph compare equal."""
    # str.split() drops exactly the characters str.isspace() accepts
    return "".join(unicodedata.normalize("NFKC", s).split()).translate(_format_characters())


@lru_cache(maxsize=1)
def _format_characters() -> dict[int, None]:
    """str.translate table deleting every format character (Unicode category Cf: all in
    planes 0, 1 and 14)."""
    planes = (range(0x20000), range(0xE0000, 0xF0000))
    return {cp: None for plane in planes for cp in plane if unicodedata.category(chr(cp)) == "Cf"}


def _copy(tree):
    return lxml.html.fromstring(lxml.html.tostring(tree, encoding="unicode"))
