"""The genre taxonomy (rules/genres.toml): each genre's id, label, title cues, body cues and
whether items are extracted; title cues read from a cleaned title, body cues scored over a
text, and the decision a cue score makes."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from pipeline import rules
from pipeline.genre.cue_matching import cue_match_table, register_cues
from pipeline.structure.split import clean_title

OTHER = "other"


@dataclass(frozen=True)
class Genre:
    """One row of the taxonomy (rules/genres.toml)."""

    slug: str
    name: str
    kind: str
    title_cues: tuple[re.Pattern, ...]
    title_not: tuple[re.Pattern, ...]
    body_cues: tuple[re.Pattern, ...]
    cue_weights: tuple[float, ...] = ()   # one per body cue (1.0 unless the row says otherwise)
    cue_weight: float = 1.0
    items: bool = True                    # false: a legislative text, no measures or problems


class Taxonomy:
    """The genres of rules/genres.toml, with the title rule and the body cue scorer."""

    def __init__(self, genres: list[Genre], trailers: list[re.Pattern], quotes: list[re.Pattern],
                 decorations: list[re.Pattern] | None = None,
                 not_report: tuple[tuple[re.Pattern, float], ...] = ()):
        self.genres = genres
        # formulas of texts that are no report ([not_report]: 中图分类号, 近日，, 特此证明), with weights
        self.not_report = tuple(not_report)
        register_cues(tuple(p for p, _ in self.not_report))
        self.decorations = list(decorations or [])
        self.by_slug = {g.slug: g for g in genres}
        # genres whose documents get no items (legislative texts; genres.toml `items = false`)
        self.without_items = frozenset(g.slug for g in genres if not g.items)
        self.trailers = trailers
        self.quotes = quotes
        self._body_cues = tuple(p for g in genres for p in g.body_cues)   # every genre's, in order
        register_cues(self._body_cues)

    @classmethod
    def load(cls, name: str = "genres.toml") -> "Taxonomy":
        """Read and check the taxonomy; a malformed row fails loudly, naming the row."""
        data = rules.load_toml(name)
        genres, seen = [], set()
        for i, row in enumerate(data.get("genre", [])):
            where = f"{name} [[genre]] #{i + 1} ({row.get('slug', '?')})"
            missing = [k for k in ("slug", "name", "title_cues", "body_cues") if k not in row]
            if missing:
                raise rules.RuleFileError(f"{where}: missing {', '.join(missing)}")
            if row["slug"] in seen or row["slug"] == OTHER:
                raise rules.RuleFileError(f"{where}: slug {row['slug']!r} is used twice or reserved")
            seen.add(row["slug"])
            genres.append(Genre(
                slug=row["slug"], name=row["name"], kind=row.get("kind", "report"),
                title_cues=tuple(_compile(f"(?:{p})$", where) for p in row["title_cues"]),
                title_not=tuple(_compile(f"(?:{p})$", where) for p in row.get("title_not", [])),
                body_cues=tuple(_compile(_cue_pattern(c, where), where) for c in row["body_cues"]),
                cue_weights=tuple(float(c.get("weight", 1.0)) if isinstance(c, dict) else 1.0 for c in row["body_cues"]),
                cue_weight=float(row.get("cue_weight", 1.0)),
                items=_flag(row.get("items", True), f"{where}: items"),
            ))
        if not genres:
            raise rules.RuleFileError(f"{name}: no [[genre]] tables")
        title = data.get("title", {})
        trailers = [_compile(f"(?:{p})$", f"{name} [title].trailers") for p in title.get("trailers", [])]
        quotes = [_compile(p, f"{name} [title].quotes") for p in title.get("quotes", [])]
        decorations = [_compile(p, f"{name} [title].decorations") for p in title.get("decorations", [])]
        where = f"{name} [not_report]"
        not_report = tuple((_compile(_cue_pattern(c, where), where),
                            float(c.get("weight", 1.0)) if isinstance(c, dict) else 1.0)
                           for c in data.get("not_report", {}).get("body_cues", []))
        return cls(genres, trailers, quotes, decorations, not_report)

    @property
    def slugs(self) -> list[str]:
        return [g.slug for g in self.genres]

    def body_cue_patterns(self) -> tuple[str, ...]:
        """Every body cue pattern once, in file order (the cue features of the model)."""
        seen: dict[str, None] = {}
        for g in self.genres:
            for p in g.body_cues:
                seen.setdefault(p.pattern, None)
        return tuple(seen)

    def strip_decorations(self, title: str | None) -> str:
        """``title`` without the site's decorations (split.clean_title, then [title].decorations of genres.toml):
        "(精选5篇)", "合集6篇", "范文", "【精选】", ".docx", "300字", 最新/经典/推荐/完整版, 篇N
        markers, breadcrumbs ("首页 > 范文 > …" keeps only what follows the last ">"), pinyin
        annotations (报(bào)告); a line that is no title at all ("内容预览", "总页数:10 页", a
        date, "相关推荐") gives "".

        >>> Taxonomy.load().strip_decorations("首页 > 工作报告 > 2023年学校安全自查报告(精选5篇).docx")
        '2023年学校安全自查报告'
        """
        # pinyin annotations out first (报(bào)告), then the title as split cites it (split.toml's
        # [title] decorations, the one list of a site's title decorations), then what only
        # matters for reading a genre: lines that are no title, breadcrumbs, decorations inside
        text = clean_title(genre_text(title or "").strip())
        for _ in range(3):
            before = text
            for p in self.decorations:
                text = p.sub("", text).strip(" \t\u3000:：、-—_|")
            if text == before:
                break
        return text

    def title_genre(self, title: str | None) -> str | None:
        """The genre a title names, or None. The title must END with a genre word once its
        decorations are stripped (``strip_decorations``) and trailers ("范文", "(1)", "（试行）",
        "——subtitle", …) are cut off one at a time, and words inside 《…》 do not count:
        "关于印发《…办法》的通知" is a 通知."""
        text = _unquote(self.strip_decorations(title), self.quotes)
        for _ in range(12):
            if not text:
                return None
            slug = self._genre_at_end(text)
            if slug:
                return slug
            shorter = self._cut_one_trailer(text)
            if shorter == text:
                return None
            text = shorter
        return None

    def _genre_at_end(self, text: str) -> str | None:
        best, best_len = None, 0
        for g in self.genres:
            if any(p.search(text) for p in g.title_not):
                continue
            for p in g.title_cues:
                m = p.search(text)
                if m and len(m.group(0)) > best_len:  # the longest (most specific) genre word wins
                    best, best_len = g.slug, len(m.group(0))
        return best

    def _cut_one_trailer(self, text: str) -> str:
        for p in self.trailers:
            m = p.search(text)
            if m and m.start() < len(text) and m.start() > 0:
                return text[: m.start()]
        return text

    def _cue_tables(self, body: str) -> list[list[tuple[int, str]]]:
        """Per genre, per body cue: (matches in ``body``, the first match's text)."""
        table = cue_match_table(self._body_cues, body)
        tables, start = [], 0
        for g in self.genres:
            tables.append(table[start:start + len(g.body_cues)])
            start += len(g.body_cues)
        return tables

    def cue_evidence(self, body: str) -> tuple[dict[str, float], dict[str, list[str]]]:
        """``cue_scores`` and, per genre, the texts its cues matched (for explanations)."""
        scores, matched = {}, {}
        for g, table in zip(self.genres, self._cue_tables(body)):
            total, found = 0.0, []
            for w, (n, first) in zip(g.cue_weights, table):
                if n:
                    total += w * math.log1p(n)
                    found.append(first[:24])
            if total:
                scores[g.slug] = g.cue_weight * total
                matched[g.slug] = found
        return scores, matched

    def decisive_genres(self, body: str, weight: float) -> frozenset:
        """Genres one of whose cues of at least ``weight`` (a formula that all but decides the
        genre: "现将自查情况报告如下", "特此申请", "发出如下倡议") occurs in ``body``."""
        found = set()
        for g, table in zip(self.genres, self._cue_tables(body)):
            if any(w >= weight and n for w, (n, _) in zip(g.cue_weights, table)):
                found.add(g.slug)
        return frozenset(found)

    def not_report_evidence(self, body: str) -> tuple[float, list[str]]:
        """Evidence that ``body`` is no report of any genre (an academic paper, a news story, a
        certificate: [not_report] of genres.toml): Σ weight × log(1 + matches), and the texts
        matched.

        >>> Taxonomy.load().not_report_evidence("近日，某校召开了安全工作会议。")[1]
        ['近日，']
        """
        patterns = tuple(p for p, _ in self.not_report)
        total, found = 0.0, []
        for (_, w), (n, first) in zip(self.not_report, cue_match_table(patterns, body)):
            if n:
                total += w * math.log1p(n)
                found.append(first[:24])
        return total, found

    def cue_scores(self, body: str) -> dict[str, float]:
        """Raw body cue evidence per genre: Σ over its cues of cue weight × log(1 + matches),
        times the genre's ``cue_weight``."""
        scores = {}
        for g, table in zip(self.genres, self._cue_tables(body)):
            total = 0.0
            for w, (n, _) in zip(g.cue_weights, table):
                if n:
                    total += w * math.log1p(n)
            if total:
                scores[g.slug] = g.cue_weight * total
        return scores


def cue_confidence(evidence: float, scale: float) -> float:
    """Cue evidence as a confidence in [0, 1): 1 - exp(-evidence / scale)."""
    return 1.0 - math.exp(-evidence / scale)


def cue_decision(scores: dict[str, float], scale: float) -> tuple[str, float]:
    """Best genre by cue evidence and its confidence in [0, 1): saturates with the evidence
    (``cue_confidence``) and shrinks by the runner-up's share ((top - second) / top)."""
    if not scores:
        return OTHER, 0.0
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    top_slug, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return top_slug, cue_confidence(top, scale) * (top - second) / top


# pinyin annotations that some sites put after characters: 報(bào) 告(gào)
_PINYIN = re.compile(r"[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹḿ]{1,7}[)）]")


def genre_text(body: str) -> str:
    """The body as the genre stage reads it: without pinyin annotations (報(bào) → 報)."""
    return _PINYIN.sub("", body) if "(" in body or "（" in body else body


def _flag(value, where: str) -> bool:
    if not isinstance(value, bool):
        raise rules.RuleFileError(f"{where} must be true or false, not {value!r}")
    return value


def _cue_pattern(cue, where: str) -> str:
    """A body cue is a pattern string or a table ``{pattern = "…", weight = 3}``."""
    if isinstance(cue, str):
        return cue
    if isinstance(cue, dict) and isinstance(cue.get("pattern"), str):
        return cue["pattern"]
    raise rules.RuleFileError(f"{where}: a body cue must be a string or {{pattern = ..., weight = ...}}, got {cue!r}")


def _compile(pattern: str, where: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise rules.RuleFileError(f"{where}: bad pattern {pattern!r}: {exc}") from exc


def _unquote(title: str, quotes: list[re.Pattern]) -> str:
    """The title without quoted titles (《…》, 〈…〉) and surrounding space; a title that is
    itself wholly quoted ("《某办法》") is unwrapped first."""
    text = title.strip()
    if text.startswith("《") and text.endswith("》") and text.count("《") == 1:
        text = text[1:-1]
    for _ in range(3):
        for q in quotes:
            text = q.sub("", text)
    return text.strip()
