"""The clean stage: strip site chrome from a page and normalise the text that is kept.

In: an ingested ``Page`` (line-structured text, optional site/title/url from ingest), the
``SiteTemplates`` learned over the whole corpus, and the worker's ``Resources``.
Out: a ``CleanPage`` whose lines keep their page line numbers, plus every removal with the
rule that made it (``site:guanli.breadcrumb``, ``cue:xiaobian_intro``, ``spam:inline_suffix``,
``header:page_title``, ``footer:download_prompt``, ``template:learned``).

Two sources of knowledge, both data:
- rule files: generic cues (``rules/boilerplate.toml``) and site profiles (``rules/sites/*.toml``);
  a page's matching profiles are tried before the generic cues;
- the corpus: lines that repeat across many pages of one site (``learn_templates``).

Where a cue may fire is decided by the page's shape: header cues only in the header zone
(the lines before the first body-like line or split marker), footer cues only after a footer
anchor in the last part of the page or in the trailing run of chrome; whole-line cues and
inline-spam fragments anywhere, but only on lines short enough to be chrome.

Order of attempts: inline-spam fragments → whole-line cues → header zone → footer zone →
trailing chrome run. Kept text is normalised (``normalize.normalize_line``), one line to one line.
"""
from __future__ import annotations

import re

from pipeline.clean.cues import CleanRules, CueSet, _literal_gate
from pipeline.clean.report_lines import headings_to_keep, is_report_form
from pipeline.clean.quality import REPAIR_PINYIN, copy_share, page_quality, repair_pinyin
from pipeline.clean.site_templates import SiteTemplates, line_hash, site_key, template_line
from pipeline.records import CleanPage, Line, Page, Removal
from pipeline.text.normalize import normalize_line, normalize_lines

# a line made only of these is nothing worth keeping once a spam fragment is cut out of it
_PUNCT_ONLY = re.compile(r"^[\s,，.。;；:：!！?？、·•\-—_()（）\[\]【】\"'“”‘’]*$")
_TITLE_COUNT_SUFFIX = re.compile(r"\s*[(（【\[]?\s*(精选|优秀|通用|热门)?\s*\d{1,3}\s*篇\s*[)）】\]]?$")
_TITLE_SEPARATORS = "_|-–—:：·丨｜ "


def run(page: Page, templates: "SiteTemplates | None", res) -> CleanPage:
    """One page → its kept lines (normalised, with page line numbers) and the removal log.

    Every non-blank line of the page ends up either in ``lines`` (possibly with fragments
    cut out, each cut logged) or in ``removed`` as a whole line; blank lines are neither.
    """
    cfg = res.config["clean"]
    clean_rules: CleanRules = res.clean_rules
    cleaner = _PageCleaner(page, clean_rules, templates, cfg)
    cleaned = cleaner.clean()
    model = res.line_model if cfg["line_model"] else None
    if model is None:
        return cleaned
    return apply_line_model(cleaner, cleaned, model, cfg)


# --------------------------------------------------------------------------- line model


def rule_verdicts(cleaner: "_PageCleaner") -> dict[int, str]:
    """The rule cleaner's verdict per line index: the rule that removed it whole, or the
    fragment rule that cut something out of a kept line (a line feature of the model)."""
    verdicts = {}
    for r in cleaner.removed:
        i = r.line - 1
        if r.rule == REPAIR_PINYIN or (r.rule.startswith("cue:") and i in cleaner.kept):
            continue        # a pinyin repair, or a site intro cut off the line: the rest is judged alone
        if i not in cleaner.kept or i not in verdicts:
            verdicts[i] = r.rule
    return verdicts


def feature_lines(cleaner: "_PageCleaner") -> list[str]:
    """The lines the model reads: kept lines as the rules left them (spam fragments and
    escape residue cut out), removed ones as normalised."""
    return [cleaner.kept.get(i, text) for i, text in enumerate(cleaner.norm)]


def is_certain(rule: str) -> bool:
    """Removals the model never overrides: a site profile's rules, a line that was nothing
    but an inline-spam fragment, a second copy of the page's text (checked by its share
    of repeated n-grams), and a PDF's running headers, footers and page numbers (ingest saw
    them repeat on the document's pages)."""
    return (rule.startswith("site:") or rule.startswith("spam:") or rule.startswith("pdf:")
            or rule == "footer:duplicate_copy")


def apply_line_model(cleaner: "_PageCleaner", cleaned: CleanPage, model, cfg: dict) -> CleanPage:
    """The model decides every line the certain rules left open.

    A line the model labels chrome / intro / page_title (probability at least
    ``model_min_p``, or those three together at least ``model_nonbody_p``; ``model_sure_p`` for a
    sentence right under a line it reads as a report title) goes; when a generic rule had removed it too, the rule's id stays in the
    log, else the removal is logged as ``model:<label>``; both carry the probability. A line a generic rule
    removed comes back only when the model is sure it is body or a report title (``model_restore_p``). A line repeated on the page (``repeated_lines``) goes as
    ``repeat:page`` unless the model takes most of its copies for a report title. A line with a
    masked placeholder (20xx, xx市) stays, and so do the report's own date, a salutation, a closing and
    a lone section heading over a kept line (``report_lines``). Kept lines keep the model's label for split (``CleanPage.line_labels``)."""
    from pipeline.clean.line_features import page_matrix

    verdicts = rule_verdicts(cleaner)
    order, X = page_matrix(feature_lines(cleaner), verdicts, cleaner.rules)
    decided = model.label_lines(X, cfg["model_nonbody_p"], cfg["model_sequence_weight"])
    min_p = cfg["model_min_p"]
    # a sentence right under the line read as a report title is the report's first line unless the model is sure
    under_title = {i for k, i in enumerate(order[1:], 1) if decided[k - 1][0] == "report_title"
                   and cleaner.kept.get(i, "").endswith(tuple("。！？!?"))}
    kept = dict(cleaner.kept)
    by_line: dict[int, list[Removal]] = {}
    for r in cleaner.removed:
        by_line.setdefault(r.line - 1, []).append(r)
    removed: list[Removal] = []
    labels: dict[int, tuple[str, float]] = {}
    page_title = cleaned.page_title
    repeated = repeated_lines(cleaner, cfg)
    # the copies of a repeated line are one decision: a report title only when most copies read as one
    votes: dict[str, list[bool]] = {}
    for i, (label, _) in zip(order, decided):
        if i in repeated:
            votes.setdefault(cleaner.kept[i], []).append(label == "report_title")
    for i, (label, p) in zip(order, decided):
        rule = verdicts.get(i, "")
        whole = i not in cleaner.kept
        if not whole and i in repeated and 2 * sum(votes[cleaner.kept[i]]) <= len(votes[cleaner.kept[i]]):
            label, p, nonbody = "chrome", max(p, 0.5), True
            del kept[i]
            removed.append(Removal(i + 1, cleaner.raw[i].strip(), "repeat:page", None))
            continue
        nonbody = label in NONBODY_LABELS and p >= (cfg["model_sure_p"] if i in under_title else min_p)
        if whole and is_certain(rule):
            removed.extend(by_line.get(i, []))
        elif whole and (nonbody or p < cfg["model_restore_p"]):
            removed.extend(Removal(r.line, r.text, r.rule, round(p, 4) if nonbody else None) for r in by_line.get(i, []))
        elif whole:
            kept[i] = cleaner.norm[i]                  # the rule was wrong: the line is report text
            labels[i + 1] = (label, round(p, 4))
        elif nonbody and not is_report_form(kept[i], cleaner.cues):
            del kept[i]
            removed.append(Removal(i + 1, cleaner.raw[i].strip(), f"model:{label}", round(p, 4)))
        else:
            removed.extend(by_line.get(i, []))         # fragment cuts of a kept line
            labels[i + 1] = (label, round(p, 4))
        if label == "page_title" and page_title is None and nonbody:
            page_title = cleaner.norm[i]
    back = headings_to_keep({r.line - 1: cleaner.kept[r.line - 1] for r in removed if r.rule.startswith("model:")}, set(kept), order)
    for i in back:
        kept[i], labels[i + 1] = cleaner.kept[i], ("body", 0.0)
    removed = [r for r in removed if not (r.line - 1 in back and r.rule.startswith("model:"))]
    long_chars = cfg["header_body_chars"]
    if not any(len(t) >= long_chars for t in kept.values()):
        # the model would leave no sentence of the page (or no line at all): "only site chrome"
        # is the rules' call, so the long lines they kept (or all they kept) come back
        back = {r.line - 1 for r in removed if r.rule.startswith("model:") and len(cleaner.kept.get(r.line - 1, "")) >= long_chars}
        if not back and not any(labels.get(i + 1, ("",))[0] == "body" for i in kept):
            back = {r.line - 1 for r in removed if r.rule.startswith("model:")}    # no body left: the rules decide
        for i in back:
            kept[i] = cleaner.kept[i]
            labels[i + 1] = ("body", 0.0)
        removed = [r for r in removed if r.line - 1 not in back or not r.rule.startswith("model:")] \
            + [r for r in cleaner.removed if r.line - 1 in back and r.rule == REPAIR_PINYIN]
    lines = [Line(i + 1, kept[i]) for i in sorted(kept)]     # a line the model gave back is in no step's order
    removed.sort(key=lambda r: r.line)
    return CleanPage(cleaned.page_id, lines, removed, page_title=page_title, line_labels=labels,
                     quality=cleaned.quality)


NONBODY_LABELS = ("chrome", "intro", "page_title")


def repeated_lines(cleaner: "_PageCleaner", cfg: dict) -> set[int]:
    """Indexes of kept lines that repeat on the page (a watermark after every paragraph):
    at least ``repeat_min_chars`` long, at least ``repeat_min_count`` times, not a split
    marker and not report structure (``[[keep]]`` cues: salutations, closings, headings);
    none when more than ``repeat_max_distinct`` different lines repeat so (the page holds
    its text several times)."""
    seen: dict[str, list[int]] = {}
    for i, text in cleaner.kept.items():
        if len(text) >= cfg["repeat_min_chars"]:
            seen.setdefault(text, []).append(i)
    repeated = [(text, where) for text, where in seen.items()
                if len(where) >= cfg["repeat_min_count"] and not cleaner.rules.is_marker(text)
                and not CueSet.first(cleaner.cues.keep, text)]
    if len(repeated) > cfg["repeat_max_distinct"]:
        return set()        # many lines repeated: copies of the text itself, not a watermark
    return {i for _, where in repeated for i in where}


# --------------------------------------------------------------------------- rules


# --------------------------------------------------------------------------- templates


# --------------------------------------------------------------------------- one page


class _PageCleaner:
    """The state of cleaning one page: normalised lines, what is kept, what was removed."""

    def __init__(self, page: Page, clean_rules: CleanRules, templates: SiteTemplates | None, cfg: dict):
        self.page, self.rules, self.cfg = page, clean_rules, cfg
        self.raw = page.text.split("\n")
        t2s = cfg["traditional_to_simplified"]
        self.norm = normalize_lines(self.raw, t2s)
        self.repairs = repair_pinyin(self.norm)
        self.quality = page_quality(self.raw, self.norm, bool(self.repairs))
        self.kept: dict[int, str] = {i: t for i, t in enumerate(self.norm) if t}   # index → kept text
        self.order = sorted(self.kept)                                             # non-blank indices
        self.removed: list[Removal] = list(self.repairs)
        head = "\n".join(self.norm[i] for i in self.order[: cfg["header_max_lines"]])
        self.profiles = clean_rules.profiles_for(page, head, "\n".join(self.norm))
        cues = CueSet()
        for profile in self.profiles:
            cues = cues + profile.cues
        self.cues = cues + clean_rules.generic
        if isinstance(templates, SiteTemplates):
            self.template = templates.for_site(site_key(page, clean_rules))
        else:
            self.template = frozenset()
        title = normalize_line(page.title, t2s) if page.title else None
        # ingest's guess (the line above a "…时间: 2014年…" line) may be a heading or a sentence of the report
        self.page_title: str | None = title if title and self.may_be_page_title(title) else None

    def clean(self) -> CleanPage:
        self.drop_marked_chrome()
        self.cut_fragments()
        self.drop_cue_lines()
        self.drop_header_zone()
        self.drop_footer_zone()
        self.drop_trailing_chrome()
        lines = [Line(i + 1, self.kept[i]) for i in self.order if i in self.kept]
        self.removed.sort(key=lambda r: r.line)
        return CleanPage(self.page.page_id, lines, self.removed, page_title=self.page_title, quality=self.quality)

    def may_be_page_title(self, text: str) -> bool:
        """A line short enough for a title that is no report structure (a salutation, an
        outline heading such as "一、基本信息", a closing: ``[[keep]]`` cues)."""
        return len(text) <= self.cfg["title_max_chars"] and not CueSet.first(self.cues.keep, text)

    # -- bookkeeping
    def drop(self, i: int, rule: str) -> None:
        """Remove line ``i`` (0-based) whole; the log keeps the line as it was on the page."""
        if i in self.kept:
            del self.kept[i]
            self.removed.append(Removal(i + 1, self.raw[i].strip(), rule))

    def is_template(self, i: int) -> bool:
        """Line ``i`` repeats across the site's pages and is not report structure (``[[keep]]``)."""
        return (bool(self.template) and line_hash(template_line(self.raw[i])) in self.template
                and not CueSet.first(self.cues.keep, self.norm[i]))

    # -- steps
    def drop_marked_chrome(self) -> None:
        """Lines that ingest marked as chrome with their rule (a PDF's running headers,
        footers and page numbers: ``page.meta["chrome_lines"]``, see pdf_text.py)."""
        marks = self.page.meta.get("chrome_lines") or ()
        for mark in marks:
            self.drop(mark["line"] - 1, mark["rule"])
        if marks:   # the later steps walk the lines still kept
            self.order = [i for i in self.order if i in self.kept]

    def cut_fragments(self) -> None:
        """Inline spam: cut each fragment out, keep the rest; a line left with only
        punctuation was spam alone and goes whole (logged once, as a line)."""
        gate = _literal_gate(self.cues.fragment)
        for i in self.order:
            text, cuts = self.kept[i], []
            if gate is not None and gate.search(text) is None:
                continue        # holds none of the literals every fragment cue requires
            for cue in self.cues.fragment:
                m = cue.search(text)
                while m and m.end() > m.start():
                    cuts.append(Removal(i + 1, m.group(0), cue.rule))
                    text = (text[: m.start()] + text[m.end():]).strip()
                    m = cue.search(text)
            if not cuts:
                continue
            if _PUNCT_ONLY.match(text):
                self.drop(i, cuts[0].rule)
            else:
                self.kept[i] = text
                self.removed.extend(cuts)

    def drop_cue_lines(self) -> None:
        """Whole-line cues; a site intro glued onto the report's first sentences ("下面是小编
        为大家整理的…,供大家参考。同志们:经县政府研究决定,…") is cut off the line instead,
        when what follows its sentence is long enough for report text and no cue of its own."""
        for i in list(self.kept):
            text = self.kept[i]
            cue = CueSet.first(self.cues.line, text)
            if not cue:
                continue
            rest = glued_rest(text, cue.search(text))
            if len(rest) >= self.cfg["header_body_chars"] and not CueSet.first(self.cues.line, rest):
                self.kept[i] = rest
                self.removed.append(Removal(i + 1, text[: len(text) - len(rest)].strip(), cue.rule))
            else:
                self.drop(i, cue.rule)

    def header_zone(self) -> list[int]:
        """Indices of the non-blank lines before the first body-like line or split marker."""
        zone = []
        for i in self.order[: self.cfg["header_max_lines"]]:
            text = self.norm[i]
            if self.rules.is_marker(text):
                break
            if i in self.kept and len(text) >= self.cfg["header_body_chars"] \
                    and not CueSet.first(self.cues.header, text) and not self.is_template(i):
                break
            zone.append(i)
        return zone

    def drop_header_zone(self) -> None:
        zone = self.header_zone()
        if not self.page_title:
            self.page_title = self.title_before_publish_line(zone)
        previous = None
        for i in zone:
            text = self.norm[i]
            if i not in self.kept:
                previous = text
                continue
            cue = CueSet.first(self.cues.header, text)
            if cue:
                self.drop(i, cue.rule)
            elif self.page_title and text == self.page_title:
                self.drop(i, "header:page_title")
            elif self.page_title and is_title_echo(text, self.page_title):
                self.drop(i, "header:title_repeat")
            elif previous is not None and text == previous and len(text) <= self.cfg["header_body_chars"]:
                self.drop(i, "header:title_repeat")
            elif self.is_template(i):
                self.drop(i, "template:learned")
            previous = text

    def title_before_publish_line(self, zone: list[int]) -> str | None:
        """Without a title from ingest: the short line just before the header's publish/views/source line."""
        publish = tuple(c for c in self.cues.header if c.title_above)
        for k, i in enumerate(zone):
            if k and CueSet.first(publish, self.norm[i]):
                before = zone[k - 1]
                text = self.norm[before]
                if before in self.kept and self.may_be_page_title(text) \
                        and not CueSet.first(self.cues.header, text):
                    return text
        return None

    def drop_footer_zone(self) -> None:
        """From a footer anchor (in the last part of the page, after the last split marker)
        to the end, everything is chrome; the anchor's zone reaches back over the page title
        and intro snippets just above it."""
        markers = [i for i in self.order if self.rules.is_marker(self.norm[i])]
        floor_pos = self.order[int(len(self.order) * self.cfg["footer_min_position"])] if self.order else 0
        start = max(floor_pos, markers[-1] + 1 if markers else 0)
        anchor, anchor_cue = None, None
        for i in self.order:
            if i < start:
                continue
            anchor_cue = CueSet.first(self.cues.footer_start, self.norm[i])
            if anchor_cue:
                anchor = i
                break
        if anchor is None:
            return
        first = anchor
        for i in reversed([j for j in self.order if start <= j < anchor]):
            text = self.norm[i]
            if i not in self.kept or CueSet.first(self.cues.footer, text) \
                    or (self.page_title and (text == self.page_title or is_title_echo(text, self.page_title))):
                first = i
            else:
                break
        zone_rule = anchor_cue.rule.rsplit(".", 1)[0] + ".footer" if anchor_cue.rule.startswith("site:") else "footer:zone"
        zone = [i for i in self.order if i >= first and i in self.kept]
        zone_chars = sum(len(self.kept[i]) for i in zone)
        total_chars = sum(len(t) for t in self.kept.values()) or 1
        if zone_chars > self.cfg["footer_max_share"] * total_chars:
            # a "footer" this large is either a second copy of the text above (print view,
            # paginated dump: drop it, named so) or not a footer at all (drop only the anchor)
            before = "".join(self.kept[i] for i in self.order if i < first and i in self.kept)
            if copy_share("".join(self.kept[i] for i in zone), before) < self.cfg["footer_copy_share"]:
                self.drop(anchor, anchor_cue.rule)
                return
            zone_rule = "footer:duplicate_copy"
        for i in self.order:
            if i >= first:
                text = self.norm[i]
                if self.page_title and text == self.page_title:
                    self.drop(i, "footer:page_title")
                else:
                    cue = CueSet.first(self.cues.footer_start + self.cues.footer, text)
                    self.drop(i, cue.rule if cue else zone_rule)

    def drop_trailing_chrome(self) -> None:
        """Footer-cue and learned-template lines among the last lines of the page, after the
        last body-like line (the mirror of the header zone; short unknown lines stay)."""
        for i in list(reversed(self.order))[: self.cfg["header_max_lines"]]:
            if i not in self.kept:
                continue
            text = self.norm[i]
            cue = CueSet.first(self.cues.footer, text)
            if cue:
                self.drop(i, cue.rule)
            elif self.is_template(i):
                self.drop(i, "template:learned")
            elif len(text) >= self.cfg["header_body_chars"] or self.rules.is_marker(text):
                break


_SENTENCE_END = re.compile(r"[。！!？?]")


def glued_rest(text: str, match: "re.Match | None") -> str:
    """What follows the sentence a cue matched in (``""`` when the line ends there)."""
    if match is None:
        return ""
    end = _SENTENCE_END.search(text, max(match.end() - 1, 0))
    return text[end.end():].strip() if end else ""


def is_title_echo(text: str, title: str) -> bool:
    """``text`` repeats the page title in a shortened form: without its count
    ("政府服务报告8篇" → "政府服务报告") or without a site suffix ("…报告_管理范文网" → "…报告")."""
    if not text or text == title:
        return text == title
    bare = _TITLE_COUNT_SUFFIX.sub("", title).strip()
    if bare and text == bare:
        return True
    if len(text) >= 4 and title.startswith(text) and title[len(text)] in _TITLE_SEPARATORS:
        return True
    return False
