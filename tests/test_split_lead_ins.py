"""split: sentences are never titles — a lead-in ending in a colon, a page "title" holding a
sentence, the page's last clause after a bare marker (a page excerpt cut short)."""
from __future__ import annotations

import pytest

from pipeline.config import Config
from pipeline.records import CleanPage, Line, Page
from pipeline.resources import Resources
from pipeline.structure import split

PAGE = Page(page_id="0123456789abcdef", path="x.txt", format="txt")
SENTENCE = "为深入了解基层政府服务状况，课题组开展了为期两个月的调研，走访了十二个乡镇和四十个村。"


@pytest.fixture(scope="module")
def res():
    return Resources(Config.load())


def split_texts(texts, res, page_title=None, labels=None):
    lines = [Line(2 * k + 1, t) for k, t in enumerate(texts)]
    cleaned = CleanPage(PAGE.page_id, lines, [], page_title=page_title, line_labels=labels or {})
    return split.run(PAGE, cleaned, res)[0]


@pytest.mark.parametrize("lead_in", [
    "按照会议要求,现将我履行第一责任人职责情况报告如下:",
    "根据有关规定，结合我局工作实际，制定本报告：",
])
def test_a_lead_in_sentence_ending_in_a_colon_is_no_title(res, lead_in):
    docs = split_texts([lead_in, "一、总体情况", SENTENCE], res)
    assert [d.title for d in docs] == [""]
    assert docs[0].lines[0].text == lead_in        # it stays the report's first line


def test_a_heading_ending_in_a_colon_without_a_clause_break_is_still_a_title(res):
    assert split.is_heading("关于乡镇服务的调研报告：", 60)
    assert not split.is_heading("经研究，现将有关情况报告如下：", 60)


def test_a_page_title_holding_a_sentence_does_not_name_the_report(res):
    docs = split_texts([SENTENCE, SENTENCE + "又"], res, page_title="调查过程:我们先搜集了资料。然后,设计了问卷")
    assert [d.title for d in docs] == [""]
    docs = split_texts([SENTENCE, SENTENCE + "又"], res, page_title="甲镇服务调研报告")
    assert [d.title for d in docs] == ["甲镇服务调研报告"]


def test_the_last_clause_after_a_bare_marker_is_the_reports_text_not_its_title(res):
    texts = ["【篇一】", SENTENCE, "【篇二】", "连日来,电视台连续播出专题"]
    docs = split_texts(texts, res)
    assert [d.title for d in docs] == ["", ""]
    assert [ln.text for ln in docs[1].lines] == ["连日来,电视台连续播出专题"]
    # a short heading there, followed by text, is still the title
    docs = split_texts(["【篇一】", SENTENCE, "【篇二】", "乙镇服务调研报告", SENTENCE], res)
    assert [d.title for d in docs] == ["", "乙镇服务调研报告"]
