"""split: sentences are never titles — a lead-in ending in a colon, a page "title" holding a
sentence, the page's last clause after a bare marker (a page excerpt cut short)."""
from __future__ import annotations

import pytest

from pipeline.records import CleanPage, Line, Page
from pipeline.structure import split

PAGE = Page(page_id="0123456789abcdef", path="x.txt", format="txt")
SENTENCE = "为深入了解基层政府服务状况，课题组开展了为期两个月的调研，走访了十二个乡镇和四十个村。"


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


@pytest.mark.parametrize("salutation", ["敬爱的党组织:", "尊敬的各位领导、同志们：", "亲爱的同学们:"])
def test_a_salutation_the_model_reads_as_a_title_is_the_reports_first_line(res, salutation):
    labels = {1: ("report_title", 0.9), 3: ("body", 0.9)}
    docs = split_texts([salutation, SENTENCE], res, labels=labels)
    assert [d.title for d in docs] == [""]
    assert [ln.text for ln in docs[0].lines] == [salutation, SENTENCE]
    # a title above it is still the title, and the salutation stays the first line under it
    docs = split_texts(["入党申请书", salutation, SENTENCE], res, labels={1: ("report_title", 0.9), 3: ("report_title", 0.6)})
    assert [d.title for d in docs] == ["入党申请书"] and docs[0].lines[0].text == salutation
LABELS_BODY = {1: ("body", 0.9), 3: ("body", 0.9), 5: ("body", 0.9)}


@pytest.mark.parametrize("first, second, title, rest", [
    # a document preview: the page number "1、" on the first line, "2、" on the next
    ("1、甲镇实施乡村振兴工作调研报告甲镇积极贯彻落实中央关于乡村振兴的决策部署", "2、改革的新型城市社区，设立了合作社。",
     "甲镇实施乡村振兴工作调研报告", "甲镇积极贯彻落实中央关于乡村振兴的决策部署"),
    ("1、小学生的读书心得“我又要把这本书还给你了!”我一边翻着书一边说。", "2、间的推移，我逐渐意识到书本的意义。",
     "小学生的读书心得", "“我又要把这本书还给你了!”我一边翻着书一边说。"),
    # a watermark with a web address before the title, a salutation after it
    ("范文之家每日更新www.example-fanwen.com在全县教育工作会议上的讲话各位校长,同志们:今天召开会议。", SENTENCE,
     "在全县教育工作会议上的讲话", "各位校长,同志们:今天召开会议。"),
    ("贫困生补助申请书尊敬的学校领导:我是二年级的一名学生,家庭困难。", SENTENCE,
     "贫困生补助申请书", "尊敬的学校领导:我是二年级的一名学生,家庭困难。"),
])
def test_a_title_glued_to_a_previews_first_line_is_cut_off(res, first, second, title, rest):
    docs = split_texts([first, second, SENTENCE], res, labels=LABELS_BODY)
    assert [d.title for d in docs] == [title]
    assert docs[0].lines[0].text == rest
    assert any(r.rule == "split:title_glued" and first.startswith(r.text) for r in docs[0].removed)


@pytest.mark.parametrize("first, second", [
    # no shape shows a title: a sentence that names a report keeps it
    ("我们小组的调研报告主要分为三个部分,下面逐一说明。", SENTENCE),
    # "1、" without "2、" on the next line is a list item, not a preview's page number
    ("1、甲镇实施乡村振兴工作调研报告甲镇积极贯彻落实中央决策部署", "二、主要做法"),
])
def test_a_sentence_naming_a_report_is_not_cut(res, first, second):
    docs = split_texts([first, second, SENTENCE], res, labels=LABELS_BODY)
    assert [d.title for d in docs] == [""]
    assert docs[0].lines[0].text == first


def test_a_title_over_a_few_short_lines_and_then_another_title_is_the_pages_header(res):
    texts = ["预算绩效管理", "- 文号:", "甲县数据中心2024年度项目支出绩效自评报告", "一、基本情况", SENTENCE]
    labels = {1: ("report_title", 0.6), 3: ("body", 0.8), 5: ("report_title", 0.7), 7: ("body", 0.99), 9: ("body", 0.99)}
    lines = [Line(2 * k + 1, t) for k, t in enumerate(texts)]
    docs, page_removed = split.run(PAGE, CleanPage(PAGE.page_id, lines, [], line_labels=labels), res)
    assert [d.title for d in docs] == ["甲县数据中心2024年度项目支出绩效自评报告"]
    assert [ln.text for ln in docs[0].lines] == ["一、基本情况", SENTENCE]
    assert [(r.line, r.rule) for r in page_removed] == [(1, "split:page_header"), (3, "split:page_header")]


def test_a_title_over_a_paragraph_keeps_the_next_unnumbered_title_as_its_heading(res):
    texts = ["甲县数据中心2024年度项目支出绩效自评报告", SENTENCE, "关于项目资金使用情况的报告", SENTENCE + "二"]
    labels = {1: ("report_title", 0.9), 3: ("body", 0.99), 5: ("report_title", 0.7), 7: ("body", 0.99)}
    lines = [Line(2 * k + 1, t) for k, t in enumerate(texts)]
    docs, page_removed = split.run(PAGE, CleanPage(PAGE.page_id, lines, [], line_labels=labels), res)
    assert [d.title for d in docs] == ["甲县数据中心2024年度项目支出绩效自评报告"]
    assert [ln.no for ln in docs[0].lines] == [3, 5, 7] and not page_removed


def test_a_title_over_the_collections_heading_heads_the_page(res):
    texts = ["甲大学实习教学管理暂行规定", "学生的实习管理规定(3篇)", "第一章总则第一条为规范学生实习工作,制定本规定。", SENTENCE]
    labels = {1: ("report_title", 0.8), 3: ("report_title", 0.8), 5: ("body", 0.9), 7: ("body", 0.99)}
    lines = [Line(2 * k + 1, t) for k, t in enumerate(texts)]
    docs, page_removed = split.run(PAGE, CleanPage(PAGE.page_id, lines, [], line_labels=labels), res)
    assert [d.title for d in docs] == [""] and docs[0].collection_title == "学生的实习管理规定(3篇)"
    assert [(r.line, r.rule) for r in page_removed] == [(1, "split:page_title"), (3, "split:page_title")]
    # a report's marker line above a collection heading printed again stays a report
    texts = ["甲镇植树节活动方案 篇1", SENTENCE, "甲镇植树节活动方案(通用23篇)", SENTENCE + "二"]
    labels = {1: ("report_title", 0.99), 3: ("body", 0.9), 5: ("report_title", 0.7), 7: ("body", 0.99)}
    lines = [Line(2 * k + 1, t) for k, t in enumerate(texts)]
    docs, _ = split.run(PAGE, CleanPage(PAGE.page_id, lines, [], line_labels=labels), res)
    assert [d.title for d in docs] == ["甲镇植树节活动方案"]


@pytest.mark.parametrize("text", ["[关键词] 艾滋病咳嗽;诊疗规程;德尔菲;调查问卷", "关键词:乡村振兴、调研报告", "咳嗽;诊疗;问卷;调查"])
def test_a_keyword_list_is_the_reports_text_never_its_title(res, text):
    assert not split.is_heading(text, 60)
    docs = split_texts([text, SENTENCE, SENTENCE + "二"], res, labels={1: ("report_title", 0.7), 3: ("body", 0.99), 5: ("body", 0.99)})
    assert [d.title for d in docs] == [""] and docs[0].lines[0].text == text


def test_the_page_title_line_that_titles_the_pages_one_report_is_its_title_line(res):
    from pipeline.records import Removal

    lines = [Line(5, SENTENCE), Line(7, SENTENCE + "二")]
    removed = [Removal(1, "甲镇服务调研报告", "header:page_title"), Removal(3, "2024-01-01", "header:publish_line")]
    docs, _ = split.run(PAGE, CleanPage(PAGE.page_id, lines, removed, page_title="甲镇服务调研报告"), res)
    assert [(d.title, d.title_lines) for d in docs] == [("甲镇服务调研报告", [1])]
    # a page title that counts the reports it heads titles none, and its line is no report's
    docs, _ = split.run(PAGE, CleanPage(PAGE.page_id, lines, [Removal(1, "调研报告(精选5篇)", "header:page_title")],
                                        page_title="调研报告(精选5篇)"), res)
    assert [(d.title, d.title_lines) for d in docs] == [("", [])]


def test_a_title_repeated_over_two_lines_is_dropped_as_its_echo(res):
    docs = split_texts(["第一篇:浙江乡镇企业 发展考察报告", "浙江乡镇企业", "发展考察报告", SENTENCE], res)
    assert [(d.title, d.title_lines, [ln.text for ln in d.lines]) for d in docs] == [
        ("浙江乡镇企业 发展考察报告", [1, 3, 5], [SENTENCE])]
    # a first heading that only starts like the title stays in the text
    docs = split_texts(["第一篇:浙江乡镇企业 发展考察报告", "浙江乡镇企业", "发展的主要特点", SENTENCE], res)
    assert [ln.text for ln in docs[0].lines] == ["浙江乡镇企业", "发展的主要特点", SENTENCE]


def test_a_subtitle_right_under_the_title_is_a_title_line_and_the_title_stays(res):
    docs = split_texts(["篇一 外出考察报告", "——关于甲市城镇化发展模式的调查与思考", SENTENCE, SENTENCE + "二"], res)
    assert [(d.title, d.title_lines, d.lines[0].text) for d in docs] == [("外出考察报告", [1, 3], SENTENCE)]
    # "——" opening a sentence under a report's text stays text
    docs = split_texts(["篇一 外出考察报告", SENTENCE, "——这是我们考察的体会。", SENTENCE + "二"], res)
    assert [ln.text for ln in docs[0].lines] == [SENTENCE, "——这是我们考察的体会。", SENTENCE + "二"]


def test_a_subtitle_under_a_byline_does_not_make_the_title_a_page_header(res):
    texts = ["深化改革 全面提升教育水平", "局长 张三", "——在全市教育工作会议上的报告", SENTENCE]
    labels = {1: ("report_title", 0.9), 3: ("body", 0.8), 5: ("report_title", 0.7), 7: ("body", 0.99)}
    docs = split_texts(texts, res, labels=labels)
    assert [d.title for d in docs] == ["深化改革 全面提升教育水平"]


def test_a_line_the_model_took_for_the_page_title_naming_the_one_report_is_its_title_line(res):
    from pipeline.records import Removal

    lines = [Line(7, SENTENCE), Line(9, SENTENCE + "二")]
    removed = [Removal(1, "甲镇服务调研报告范文", "model:page_title"), Removal(3, "乙镇调研报告汇总", "model:page_title"),
               Removal(5, "甲镇服务调研报告", "model:chrome")]
    docs, _ = split.run(PAGE, CleanPage(PAGE.page_id, lines, removed, page_title="甲镇服务调研报告"), res)
    assert [(d.title, d.title_lines) for d in docs] == [("甲镇服务调研报告", [1])]
