"""Lines of the report that the line model may take for chrome, decided by their form.

Used by ``cleaner.apply_line_model``: a line with a masked placeholder (20xx, xx市), a line that is
only the report's own date (2024年3月1日, 二〇二四年三月一日) or a year, a salutation (同志们：) and a
closing (特此报告。: the ``[[keep]]`` cues but outline headings, which link lists share) stay, and so does
a lone section heading (目录, 前言:, 引言, 摘要)
whose next line stays: a heading opens the text under it (a site's own "目录" menu entry sits
among chrome that goes with it).
"""
from __future__ import annotations

import re

from pipeline.clean.cues import CueSet
from pipeline.clean.masks import NAME, YEAR

# a line that is only a date written out (2024年3月1日, 二〇二四年三月一日): the report's own date
REPORT_DATE = re.compile(r"^((19|20)\d{2}|[〇零一二三四五六七八九]{4})年([\d一二三四五六七八九十]{1,2}月[\d一二三四五六七八九十]{1,3}日)?$"
                         r"|^(19|20)\d{2}$")    # or a year alone (a signature's 2023, 2023年)
# a lone section heading of a report's front matter
SECTION_HEAD = re.compile(r"^(目\s*录|前\s*言|引\s*言|摘\s*要|内容摘要|内容提要|序\s*言|导\s*言|绪\s*论)\s*[:：]?$")

# [[keep]] cues that mark a line of the report wherever it stands (an outline heading "1.…" also opens link-list entries)
_REPORT_KEEP = ("keep:salutation", "keep:closing")


def is_report_form(text: str, cues: CueSet) -> bool:
    """``text`` is report text by its form alone: the model's chrome / intro reading does not remove it."""
    if YEAR.search(text) or NAME.search(text) or REPORT_DATE.match(text):
        return True
    hit = CueSet.first(cues.keep, text)
    return hit is not None and hit.rule in _REPORT_KEEP


def headings_to_keep(texts: dict[int, str], kept: set[int], order: list[int]) -> set[int]:
    """The lines of ``texts`` (index → text of a line the model removed) that are a lone section
    heading whose next non-blank line (in ``order``) is kept; walked from the bottom up, so a
    目录 over a kept 引言 stays too."""
    back: set[int] = set()
    for k in range(len(order) - 2, -1, -1):
        i = order[k]
        if i in texts and SECTION_HEAD.match(texts[i]) and (order[k + 1] in kept or order[k + 1] in back):
            back.add(i)
    return back
