"""split: the first line of a report without a marker or page title — its title only when it
ends with a kind of report or the line model reads it as a title; a title wrapped in the head;
a posting line at the top of the page."""
from __future__ import annotations

import pytest

from pipeline.records import CleanPage, Line, Page, Removal
from pipeline.structure import split, title_shapes

PAGE = Page(page_id="0123456789abcdef", path="x.txt", format="txt")
SENTENCE = "为深入了解基层政府服务状况，课题组开展了为期两个月的调研，走访了十二个乡镇和四十个村。"


def run(texts, labels, res):
    lines = [Line(2 * k + 1, t) for k, t in enumerate(texts)]
    return split.run(PAGE, CleanPage(PAGE.page_id, lines, [], line_labels=labels), res)


def body_labels(n, first=("body", 0.5)):
    return {1: first} | {2 * k + 1: ("body", 0.99) for k in range(1, n)}


@pytest.mark.parametrize("heading", ["调查背景与目的", "财务自查工作组织与实施", "调查结果分析"])
def test_a_first_section_heading_naming_a_kind_in_passing_stays_the_reports_text(res, heading):
    docs, _ = run([heading, SENTENCE, "调查方法", SENTENCE + "二"], body_labels(4), res)
    assert [d.title for d in docs] == [""]
    assert docs[0].lines[0].text == heading and docs[0].title_lines == []


@pytest.mark.parametrize("heading", ["甲镇服务调研报告", "竞选镇长演讲稿", "甲厂实习综合总结(累计实习时长182天)",
                                     "党史学习教育心得体会:用学习之“矢”射实干之“的”"])
def test_a_first_heading_ending_with_its_kind_is_the_title(res, heading):
    assert title_shapes.ends_with_kind(heading)
    docs, _ = run([heading, SENTENCE, SENTENCE + "二"], body_labels(3), res)
    assert docs[0].title == split.clean_title(heading) and docs[0].title_lines == [1]
    assert docs[0].lines[0].text == SENTENCE


def test_a_first_heading_the_model_reads_as_a_title_below_title_min_p_is_the_title(res):
    docs, _ = run(["教育实习日志", SENTENCE, SENTENCE + "二"], body_labels(3, ("report_title", 0.45)), res)
    assert [d.title for d in docs] == ["教育实习日志"] and docs[0].title_lines == [1]
    # read as body, and naming no kind: the report's text
    docs, _ = run(["教育实习日志", SENTENCE, SENTENCE + "二"], body_labels(3, ("body", 0.55)), res)
    assert [d.title for d in docs] == [""] and docs[0].lines[0].text == "教育实习日志"


def test_a_title_whose_kind_the_model_reads_as_a_second_title_line_is_one_title(res):
    texts = ["甲中学开展预防校园欺凌专项治理", "实施方案", SENTENCE, "一、指导思想"]
    labels = {1: ("report_title", 0.6), 3: ("report_title", 0.8), 5: ("body", 0.99), 7: ("body", 0.99)}
    docs, _ = run(texts, labels, res)
    assert [d.title for d in docs] == ["甲中学开展预防校园欺凌专项治理实施方案"]
    assert docs[0].title_lines == [1, 3] and docs[0].lines[0].text == SENTENCE
    # a second title line that is no wrapped kind keeps the rule before: the report's own title
    texts = ["走进敬老院社会实践报告(二)", "爱是我们共同的语言敬老院调查报告", SENTENCE]
    docs, _ = run(texts, {1: ("report_title", 0.9), 3: ("report_title", 0.8), 5: ("body", 0.99)}, res)
    assert [d.title for d in docs] == ["爱是我们共同的语言敬老院调查报告"]


def test_a_posting_line_at_the_top_of_the_page_is_no_title(res):
    docs, page_removed = run(["整改措施 2022-12-05 点击:", SENTENCE, SENTENCE + "二"], body_labels(3), res)
    assert [d.title for d in docs] == [""] and docs[0].lines[0].text == SENTENCE
    assert [(r.line, r.rule) for r in page_removed] == [(1, "split:no_title")]
    # further down, a dated heading is the report's text
    texts = [SENTENCE, "会议纪要 2022-12-05", SENTENCE + "二"]
    docs, page_removed = run(texts, body_labels(3, ("body", 0.99)), res)
    assert [ln.text for ln in docs[0].lines] == texts and not page_removed


def test_a_title_line_repeating_the_page_title_with_more_around_it_yields_to_the_page_title(res):
    lines = [Line(3, "2022甲湖观后感800字"), Line(5, SENTENCE), Line(7, SENTENCE + "二")]
    labels = {3: ("report_title", 0.6), 5: ("body", 0.99), 7: ("body", 0.99)}
    removed = [Removal(1, "甲湖战役观后感", "model:page_title")]
    cleaned = CleanPage(PAGE.page_id, lines, removed, page_title="甲湖战役观后感", line_labels=labels)
    docs, _ = split.run(PAGE, cleaned, res)
    assert [d.title for d in docs] == ["2022甲湖观后感"]          # it does not repeat the page title
    removed = [Removal(1, "甲湖观后感", "model:page_title")]
    cleaned = CleanPage(PAGE.page_id, lines, removed, page_title="甲湖观后感", line_labels=labels)
    docs, _ = split.run(PAGE, cleaned, res)
    assert [d.title for d in docs] == ["甲湖观后感"] and docs[0].title_lines == [1, 3]
    assert [ln.no for ln in docs[0].lines] == [5, 7]


def test_the_title_printed_again_under_the_salutation_is_dropped_not_a_page_header(res):
    texts = ["甲市志愿献血优秀倡议书", "全社会广大爱心人士:", "甲市志愿献血倡议书", SENTENCE, SENTENCE + "二"]
    labels = {1: ("report_title", 0.7), 3: ("body", 0.9), 5: ("report_title", 0.9), 7: ("body", 0.99), 9: ("body", 0.99)}
    docs, page_removed = run(texts, labels, res)
    assert [d.title for d in docs] == ["甲市志愿献血倡议书"] and docs[0].title_lines == [1]
    assert [ln.no for ln in docs[0].lines] == [3, 7, 9] and not page_removed
    assert [(r.line, r.rule) for r in docs[0].removed] == [(5, "split:title_repeat")]
    # another title over the short lines still makes them the page's header
    texts[2] = "乙县数据中心项目支出绩效自评报告"
    docs, page_removed = run(texts, labels, res)
    assert [d.title for d in docs] == ["乙县数据中心项目支出绩效自评报告"]
    assert [(r.line, r.rule) for r in page_removed] == [(1, "split:page_header"), (3, "split:page_header")]


def test_the_page_title_lines_giving_the_one_reports_title_are_its_title_lines(res):
    lines = [Line(5, "甲中心小学安全自查报告"), Line(7, SENTENCE), Line(9, SENTENCE + "二")]
    labels = {5: ("report_title", 0.9), 7: ("body", 0.99), 9: ("body", 0.99)}
    removed = [Removal(1, "最新的甲中心小学安全自查报告", "header:page_title"), Removal(3, "乙局工作总结", "model:page_title")]
    cleaned = CleanPage(PAGE.page_id, lines, removed, page_title="最新的甲中心小学安全自查报告", line_labels=labels)
    docs, _ = split.run(PAGE, cleaned, res)
    assert [d.title for d in docs] == ["甲中心小学安全自查报告"]
    assert docs[0].title_lines == [1, 5]          # not line 3: another title
    # on a collection's page ("…15篇[实用]"), the page title lines are the page's, not the report's
    removed = [Removal(1, "甲中心小学安全自查报告", "header:page_title"),
               Removal(3, "甲中心小学安全自查报告15篇[实用]", "model:page_title")]
    cleaned = CleanPage(PAGE.page_id, lines, removed, page_title="甲中心小学安全自查报告", line_labels=labels)
    docs, _ = split.run(PAGE, cleaned, res)
    assert docs[0].title_lines == [5]
    # nor when the report's title is numbered ("…自查报告1": the first of the page's reports)
    lines[0] = Line(5, "甲中心小学安全自查报告1")
    removed = [Removal(1, "甲中心小学安全自查报告", "model:page_title")]
    cleaned = CleanPage(PAGE.page_id, lines, removed, page_title="甲中心小学安全自查报告", line_labels=labels)
    docs, _ = split.run(PAGE, cleaned, res)
    assert [d.title for d in docs] == ["甲中心小学安全自查报告"] and docs[0].title_lines == [5]


@pytest.mark.parametrize("text, many", [("植树节活动方案15篇[实用]", True), ("保护校园环境倡议书(集合15篇)", True),
                                        ("甲镇实习报告 篇1", False), ("范文第2篇【推荐】", False)])
def test_a_count_with_a_sites_tag_after_it_names_a_collection(text, many):
    assert title_shapes.names_a_collection(text) is many


@pytest.mark.parametrize("text, many", [("副书记在通报会讲话与副书记在扩大会讲话汇编", True), ("学校安全自查报告大全【推荐】", True),
                                        ("甲镇资料汇编工作方案", False), ("大全", False)])
def test_a_heading_that_says_it_gathers_reports_names_a_collection(text, many):
    assert title_shapes.names_a_collection(text) is many


def test_a_gathering_heading_over_one_untitled_report_is_the_pages_not_its_title(res):
    docs, page_removed = run(["副书记在通报会讲话与副书记在扩大会讲话汇编", SENTENCE, SENTENCE + "二"],
                             {1: ("report_title", 0.77), 3: ("body", 0.9), 5: ("body", 0.99)}, res)
    assert [d.title for d in docs] == [""] and docs[0].collection_title == "副书记在通报会讲话与副书记在扩大会讲话汇编"
    assert [(r.line, r.rule) for r in page_removed] == [(1, "split:page_title")]


def test_the_title_printed_again_under_a_table_of_contents_starts_the_report(res):
    texts = ["在全市教育工作会议上的讲话", "目录/提纲:……", "一、坚持科学发展", "二、抓住关键环节", "……",
             "在全市教育工作会议上的讲话", "市长 ***", SENTENCE]
    labels = {1: ("report_title", 0.9)} | {2 * k + 1: ("body", 0.9) for k in range(1, 8)}
    docs, _ = run(texts, labels, res)
    assert [d.title for d in docs] == ["在全市教育工作会议上的讲话"] and docs[0].title_lines == [1, 11]
    assert [ln.text for ln in docs[0].lines] == ["市长 ***", SENTENCE]
    assert [r.line for r in docs[0].removed if r.rule == "split:before_title_repeat"] == [3, 5, 7, 9]
    # a heading of the text that only shares words with the title, or a copy under a long text, changes nothing
    texts = ["甲镇调研报告", SENTENCE * 4, "二、主要做法", "甲镇调研报告", SENTENCE]
    docs, _ = run(texts, {1: ("report_title", 0.9)} | {2 * k + 1: ("body", 0.9) for k in range(1, 5)}, res)
    assert [ln.no for ln in docs[0].lines] == [3, 5, 7, 9]
