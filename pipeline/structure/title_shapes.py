"""Title shapes on a page: one title numbered in a series, a collection's heading, metadata.

- A series: the same heading followed by different ordinals ("光盘行动倡议书1" … "光盘行动倡议书2",
  "…管理制度(1)" … "…管理制度(3)"): each copy starts a report, like a 篇N marker.
- A collection's heading names how many reports the page holds ("…实习报告(精选10篇)",
  "…自查报告集锦15篇", "…小结(共8篇)", or "X" over a text starting "X1…"): the page's title, never one report's.
- A header line such as "页数:73页" or "阅读:5248" is metadata, never a title.
- A heading right under a marker or page title is the report's own title ("走进敬老院社会实践报告(二)",
  then "爱,是我们共同的语言——敬老院调查报告"), unless it is a subtitle, a shorter copy, "label:value" or a byline.
- "A_B" is a site's joint (no report's title holds "_"): the title is the part that names a kind of report.
- "A B" where B repeats the end of A is the page's heading and the report's own, glued: the title is B.
- A title wrapped onto a second line holding only the kind ("…专项治理" / "实施方案") is one title.
- A document preview glues the title to the text ("1、XX镇乡村振兴调研报告XX镇积极…", then "2、…";
  "<watermark>www.….com在…会议上的讲话各位同志:"): the title is cut off the first line.
"""
from __future__ import annotations

import re

from pipeline import rules

_KINDS = rules.kind_words()       # genres.toml [kinds]
# a word that names a kind of report: a heading holding one may be a report's title
GENRE_WORD = re.compile(f"{_KINDS['report']}|{_KINDS['stems']}")
_CN_DIGITS = {c: k for k, c in enumerate("零一二三四五六七八九", 0)} | {"两": 2, "十": 10}
# a heading ending in an ordinal: the stem (at least 4 characters, no sentence in it, not ending in a digit), then the number
_NUMBERED = re.compile(r"^(?P<stem>\S[^。；;！!？?]{2,58}?[^\d\s０-９。；;！!？?])\s*[(（【\[]?\s*(?P<n>\d{1,2}|[一二三四五六七八九十]{1,3})\s*[)）】\]]?$")
# "…(精选10篇)", "…集锦15篇", "(共8篇)", "…范文十篇", "…合集5篇" (not "…范文第2篇": one report's marker)
_COUNT = re.compile(r"(?<![第\d两二三四五六七八九十])(?P<n>\d{1,3}|[两二三四五六七八九十]{1,3})\s*篇\s*[)）】\]]?\s*"
                    r"(?:[(（【\[][\u4e00-\u9fff]{1,4}[)）】\]])?\s*$")     # "…15篇[实用]": a site's tag after the count
# "页数:73页", "阅读:5248", "浏览:1,024次": a label, a colon and a number
_METADATA = re.compile(r"^\S{1,6}?\s*[:：]\s*[\d,.]+\s*\S{0,2}$")


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text.startswith("十"):
        return 10 + _CN_DIGITS.get(text[1:], 0) if len(text) > 1 else 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return 10 * _CN_DIGITS.get(tens, 0) + _CN_DIGITS.get(ones, 0)
    return _CN_DIGITS.get(text, -1)


def numbered_series(texts: dict[int, str], key) -> dict[int, str]:
    """Line no → stem for the lines that number one heading in a series: at least two lines
    whose stems are the same (compared by ``key``) and whose ordinals differ."""
    found: dict[str, list[tuple[int, int, str]]] = {}
    for no, text in texts.items():
        m = _NUMBERED.match(text)
        if m and len(key(m.group("stem"))) >= 4:
            found.setdefault(key(m.group("stem")), []).append((no, _number(m.group("n")), m.group("stem")))
    series = {}
    for members in found.values():
        if len({n for _, n, _ in members}) >= 2:
            series.update({no: stem for no, _, stem in members})
    return series


def names_a_collection(text: str | None, first_line: str = "") -> bool:
    """The heading says the page holds two or more reports ("…(精选10篇)", "…集锦15篇"), or the
    page's first line glues it, numbered, to its text ("银行的自查报告1为整体提升…": the first of a series)."""
    m = _COUNT.search(text or "")
    if m:
        return _number(m.group("n")) >= 2
    heading = (text or "").strip()
    if _GATHERED.search(heading):
        return True
    return len(heading) >= 4 and first_line.startswith(heading) and bool(_GLUED_ORDINAL.match(first_line[len(heading):]))


# "…讲话汇编", "…自查报告大全", "…心得体会合集【推荐】": a heading that says it gathers reports
_GATHERED = re.compile(r"\S{4}(汇编|合集|集锦|锦集|大全)\s*(?:[(（【\[][^()（）【】\[\]]{1,6}[)）】\]])?\s*$")
_GLUED_ORDINAL = re.compile(r"\s*[(（]?\d{1,2}[)）]?\s*[\u4e00-\u9fff“\"]")


def is_metadata(text: str) -> bool:
    """A header line that is a label and a number ("页数:73页", "阅读:5248"), not a title."""
    return bool(_METADATA.match(text.strip()))


def site_joint(title: str) -> str:
    """"安全自查报告_自查报告" → "安全自查报告", "收发载体应当履行_关于…自查汇报" → "关于…自查汇报":
    of the parts around "_", the longest that names a kind of report (the longest when none does)."""
    parts = [part.strip() for part in title.split("_") if part.strip()]
    if len(parts) < 2:
        return title
    return max([part for part in parts if GENRE_WORD.search(part)] or parts, key=len)


# a table of contents' head (目录, 目录/提纲:……) or a line holding a posting date is never a title
_NO_TITLE = re.compile(r"^\s*(目\s*录|提\s*纲)|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")
_LABEL_OR_DATE = re.compile(r"^\S{2,5}[:：]|\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}")


def own_heading(text: str, title: str, key) -> bool:
    """``text``, a heading right under a title line, is the report's own title: not a "——…"
    subtitle, not a shortened copy of ``title`` (compared by ``key``), not "label:value"
    (实习地点:校内), not a byline with a date (发言稿2018-06-11李一老师)."""
    return not (text.startswith(("—", "-")) or key(text) in key(title) or _LABEL_OR_DATE.search(text))


# the last kind of report a heading names, then at most a few characters ("…倡议书", "…讲话稿"),
# or a bracket or a "——" subtitle ("…总结(累计实习时长182天)", "…心得体会:用学习之…")
_KIND_ENDS = re.compile(rf"(?:{GENRE_WORD.pattern})(?:\S{{0,3}}|\s*[(（【\[—:：].*)$")


def ends_with_kind(text: str) -> bool:
    """The heading ends with the kind of report it names ("甲镇服务调研报告", "…讲话稿"): a
    report's title; a section heading names a kind in passing ("调查背景与目的")."""
    return bool(_KIND_ENDS.search(text.strip()))


def no_title(text: str) -> bool:
    """A line the model may take for a title that is none: a table of contents' head
    ("目录/提纲:……") or a line with a posting date ("整改措施 2022-12-05 点击:")."""
    return bool(_NO_TITLE.search(text))


def doubled(title: str, key) -> str:
    """"收费站工会换届工作报告 工会换届工作报告" → "工会换届工作报告": of two space-separated
    parts where the second repeats the end of the first (compared by ``key``), the second."""
    parts = title.split()
    if len(parts) == 2 and len(key(parts[1])) >= 4 and key(parts[0]).endswith(key(parts[1])):
        return parts[1]
    return title


# a line holding only a kind of report ("实施方案", "工作总结", "讲话稿"), no punctuation
_KIND_ALONE = re.compile(rf"^[\u4e00-\u9fff]{{0,2}}(?:{GENRE_WORD.pattern})(?:{_KINDS['endings']})?$")
_KIND_AT_END = re.compile(rf"(?:{GENRE_WORD.pattern})(?:{_KINDS['endings']})?$")


def wraps_onto(title: str, next_text: str) -> bool:
    """``next_text``, the line under a title that names no kind of report, is the title's end
    wrapped onto a line of its own ("赵戈中学开展预防校园欺凌专项治理" / "实施方案")."""
    text = next_text.strip()
    return len(text) <= 6 and bool(_KIND_ALONE.match(text)) and not _KIND_AT_END.search(title.strip())


# the preview's page number ("1、" on the first line, "2、" on the next), or a watermark ending in a web address
_PAGE_NO = re.compile(r"^\s*1\s*、\s*")
_NEXT_PAGE_NO = re.compile(r"^\s*2\s*、")
_WATERMARK = re.compile(r"^\S{0,30}?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|cc)(?![a-z])", re.IGNORECASE)
# a title that ends with its kind (a stem or an official kind only with an ending: 演讲稿, 建议书),
# without sentence punctuation, quotes or brackets
_GLUED_KIND = re.compile(r"(?P<title>[^\s，。,.;；:：!！?？“”\"'（）()【】\[\]《》]{2,40}"
                         rf"(?:(?:{_KINDS['report']})(?:{_KINDS['endings']})?|(?:{_KINDS['stems']}|{_KINDS['official']})"
                         rf"(?:{_KINDS['endings']})))")
_SALUTATION = re.compile(r"^(尊敬的|敬爱的|亲爱的|各位|同志们|大家好|老师们|同学们)")


def salutation(text: str) -> bool:
    """A salutation line ending in a colon ("敬爱的党组织:", "尊敬的各位领导、同志们:"): the
    report's first line, never its title."""
    text = text.strip()
    return text.endswith((":", "：")) and bool(_SALUTATION.match(text)) and not GENRE_WORD.search(text)


def glued_title(text: str, next_text: str = "") -> tuple[int, str] | None:
    """(characters to cut off, title) when ``text``, a report's first line, glues its title to
    the text in a shape that shows it: a preview's page number ("1、" here, "2、" on
    ``next_text``), a watermark with a web address before it, or a salutation right after it.
    None when there is no such title (a sentence that names a report keeps it)."""
    start, shown = 0, False
    for prefix in (_PAGE_NO, _WATERMARK):
        m = prefix.match(text)
        if m and (prefix is not _PAGE_NO or _NEXT_PAGE_NO.match(next_text)):
            start, shown = m.end(), True
            break
    m = _GLUED_KIND.match(text, start)
    if not m or len(text) - m.end() < 10:
        return None
    if not (shown or _SALUTATION.match(text[m.end():])):
        return None
    return m.end(), m.group("title")


_KEYWORDS = re.compile(r"^\s*[【\[]?\s*关\s*键\s*[词字]|[;；][^;；]{1,20}[;；][^;；]{1,20}[;；]")


def keyword_list(text: str) -> bool:
    """A paper's keyword line ("[关键词] 咳嗽;诊疗规程;问卷", or items between three semicolons):
    the report's text, never its title."""
    return bool(_KEYWORDS.search(text))
