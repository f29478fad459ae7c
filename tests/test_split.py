"""split: markers of every style, titles without marker or "范文", title echoes dropped, masks counted."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.clean.masks import count_masked
from pipeline.records import CleanPage, Line, Page, Removal
from pipeline.structure import split


PAGE = Page(page_id="abcdef0123456789", path="x.txt", format="txt")
SENTENCE = "为深入了解基层政府服务状况，课题组开展了为期两个月的调研，走访了十二个乡镇和四十个村。"


def cleaned_from(texts: list[str], removed: list[Removal] | None = None, page_title: str | None = None) -> CleanPage:
    """Kept lines numbered like a page with a blank line between lines (1, 3, 5, …)."""
    lines = [Line(2 * k + 1, t) for k, t in enumerate(texts)]
    return CleanPage(PAGE.page_id, lines, removed or [], page_title=page_title)


def titles_of(texts: list[str], res, **kw) -> list[str]:
    docs, _ = split.run(PAGE, cleaned_from(texts, **kw), res)
    return [d.title for d in docs]


@pytest.mark.parametrize("markers", [
    ["篇一 甲镇服务调查报告", "篇二 乙镇服务调研报告范文"],
    ["篇1：甲镇服务调查报告", "篇2：乙镇服务调研报告"],
    ["【篇1】甲镇服务调查报告", "【篇2】乙镇服务调研报告"],
    ["第1篇 甲镇服务调查报告", "第2篇：乙镇服务调研报告"],
    ["第一篇、甲镇服务调查报告", "第二篇、乙镇服务调研报告"],
    ["范文一 甲镇服务调查报告", "范文二：乙镇服务调研报告"],
    ["【范文1】甲镇服务调查报告", "【范文2】乙镇服务调研报告"],
    ["甲镇服务调查报告 篇一", "乙镇服务调研报告（篇2）"],
])
def test_each_marker_style_splits_and_titles_lose_marker_and_fanwen(res, markers):
    texts = [markers[0], SENTENCE, SENTENCE + "一", markers[1], SENTENCE + "二"]
    assert titles_of(texts, res) == ["甲镇服务调查报告", "乙镇服务调研报告"]


def test_marker_alone_takes_the_next_short_line_as_title(res):
    texts = ["【篇1】", "甲镇服务调查报告", SENTENCE, "【篇2】", "乙镇服务调研报告范文", SENTENCE]
    docs, _ = split.run(PAGE, cleaned_from(texts), res)
    assert [d.title for d in docs] == ["甲镇服务调查报告", "乙镇服务调研报告"]
    assert [[line.text for line in d.lines] for d in docs] == [[SENTENCE], [SENTENCE]]


def test_title_repeated_as_first_body_line_is_dropped_and_logged(res):
    texts = ["篇一 甲镇服务调查报告", "甲镇服务调查报告", SENTENCE, "篇二 乙镇服务调研报告", "乙镇服务调研报告范文", SENTENCE]
    docs, page_removed = split.run(PAGE, cleaned_from(texts), res)
    assert [d.lines[0].text for d in docs] == [SENTENCE, SENTENCE]
    assert [(r.line, r.rule) for d in docs for r in d.removed] == [(3, "split:title_repeat"), (9, "split:title_repeat")]
    assert all(r.rule in ("split:toc", "split:no_body", "split:title_repeat") for r in page_removed)


def test_title_glued_to_first_sentence_is_cut(res):
    texts = ["篇一 甲镇服务调研报告", "甲镇服务调研报告篇近日,中办国办印发了关于加强乡镇政府服务能力建设的意见。", SENTENCE]
    [doc], _ = split.run(PAGE, cleaned_from(texts), res)
    assert doc.lines[0].text == "近日,中办国办印发了关于加强乡镇政府服务能力建设的意见。"
    assert [(r.rule, r.text) for r in doc.removed] == [("split:title_glued", "甲镇服务调研报告篇")]


def test_a_body_line_that_only_resembles_the_title_stays(res):
    texts = ["篇六 2023服务性政府妇联调研报告", "2023服务性政府妇联调研报告(1)", SENTENCE]
    [doc], _ = split.run(PAGE, cleaned_from(texts), res)
    assert doc.lines[0].text == "2023服务性政府妇联调研报告(1)"


def test_page_with_one_report_is_one_document(res):
    # titled by the page title (without its count), the title echo dropped
    docs, _ = split.run(PAGE, cleaned_from(["乡镇调研报告", SENTENCE, SENTENCE], page_title="乡镇调研报告"), res)
    assert [(d.title, len(d.lines)) for d in docs] == [("乡镇调研报告", 2)]
    # no page title: the first heading line is the title
    docs, _ = split.run(PAGE, cleaned_from(["关于乡镇服务能力的调研报告", SENTENCE, SENTENCE]), res)
    assert [(d.title, len(d.lines)) for d in docs] == [("关于乡镇服务能力的调研报告", 2)]
    # no title anywhere: an untitled document, never a guessed one
    docs, _ = split.run(PAGE, cleaned_from([SENTENCE, SENTENCE]), res)
    assert [(d.title, len(d.lines)) for d in docs] == [("", 2)]


def test_a_table_of_contents_is_not_a_report(res):
    texts = ["篇一 甲镇服务调查报告", "篇二 乙镇服务调研报告", "篇一 甲镇服务调查报告", SENTENCE, "篇二 乙镇服务调研报告", SENTENCE]
    docs, page_removed = split.run(PAGE, cleaned_from(texts), res)
    assert [(d.title, [line.no for line in d.lines]) for d in docs] == \
           [("甲镇服务调查报告", [7]), ("乙镇服务调研报告", [11])]
    assert [(r.line, r.rule) for r in page_removed] == [(1, "split:toc"), (3, "split:toc")]


def test_short_parts_merge_into_their_neighbour(res):
    texts = ["篇一 甲镇服务调查报告", SENTENCE, "篇二 很短", "好。", "篇三 乙镇服务调研报告", SENTENCE]
    docs, _ = split.run(PAGE, cleaned_from(texts), res)
    assert [d.title for d in docs] == ["甲镇服务调查报告", "乙镇服务调研报告"]
    assert [line.text for line in docs[0].lines] == [SENTENCE, "篇二 很短", "好。"]


def test_doc_ids_and_removals_routed_to_documents_or_page(res):
    removed = [Removal(1, "欢迎光临", "header:welcome"), Removal(4, "小编…", "cue:xiaobian_intro"),
               Removal(8, "推荐度:", "footer:recommend_score")]
    lines = [Line(2, "篇一 甲镇服务调查报告"), Line(3, SENTENCE), Line(5, "篇二 乙镇服务调研报告"), Line(6, SENTENCE)]
    docs, page_removed = split.run(PAGE, CleanPage(PAGE.page_id, lines, removed), res)
    assert [d.doc_id for d in docs] == ["abcdef0123456789-001", "abcdef0123456789-002"]
    assert [d.ordinal for d in docs] == [1, 2]
    assert [r.line for r in docs[0].removed] == [4]
    assert docs[1].removed == []
    assert [r.line for r in page_removed] == [1, 8]


def test_masked_placeholders_are_counted_never_guessed(res):
    texts = ["篇一 20xx年xx市工作报告", "20XX年，XX同志带领xx区干部完成了*项任务，＊＊问题得到解决。", SENTENCE]
    [doc], _ = split.run(PAGE, cleaned_from(texts), res)
    assert doc.masked == {"20xx": 2, "xx": 3, "star": 2}
    assert doc.title == "20xx年xx市工作报告"
    assert "xx区" in doc.text and "*项" in doc.text


@pytest.mark.parametrize("text,expected", [
    ("20xx年全镇实现生产总值", {"20xx": 1, "xx": 0, "star": 0}),
    ("xx市xx区XX同志", {"20xx": 0, "xx": 3, "star": 0}),
    ("maxx taxxes xxl Linux box", {"20xx": 0, "xx": 0, "star": 0}),
    ("处置治安事故和*,禁止*、**活动", {"20xx": 0, "xx": 0, "star": 3}),
    ("2023年××县", {"20xx": 0, "xx": 1, "star": 0}),
])
def test_count_masked(text, expected):
    assert count_masked(text) == expected


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["篇一 甲报告", "【篇2】", "乙报告", "第3篇 丙报告", "甲报告", SENTENCE, "好。",
                                 "范文四：丁报告范文", "一、基本情况", "甲报告篇近日,开展调研。"]), max_size=25))
def test_every_kept_line_ends_up_in_one_place(res, texts):
    cleaned = cleaned_from(texts)
    docs, page_removed = split.run(PAGE, cleaned, res)
    body = [line.no for d in docs for line in d.lines]
    dropped = [r.line for r in [*page_removed, *(r for d in docs for r in d.removed)]
               if r.rule in ("split:title_repeat", "split:toc", "split:no_body", "split:before_title_repeat")]
    assert len(body) == len(set(body))
    assert not set(body) & set(dropped)
    # every kept line is body, a dropped title echo, or a marker/title line (or part of a title on two lines)
    for line in cleaned.lines:
        if line.no not in body and line.no not in dropped:
            assert split.marker_title(line.text) is not None or any(
                d.title and (d.title in line.text or line.text in d.title) for d in docs)
    assert all(d.doc_id == f"{PAGE.page_id}-{d.ordinal:03d}" for d in docs)
    assert all(r.rule in ("split:toc", "split:no_body", "split:title_repeat") for r in page_removed)


def test_one_heading_numbered_in_a_series_starts_each_report(res):
    # "…倡议书1", "…倡议书2" (no 篇 marker): each copy starts a report titled without its number
    texts = ["光盘行动倡议书1", SENTENCE, "光盘行动倡议书2", SENTENCE + "二", "光盘行动倡议书(3)", SENTENCE + "三"]
    docs, _ = split.run(PAGE, cleaned_from(texts), res)
    assert [(d.title, [line.text for line in d.lines]) for d in docs] == [
        ("光盘行动倡议书", [SENTENCE]), ("光盘行动倡议书", [SENTENCE + "二"]), ("光盘行动倡议书", [SENTENCE + "三"])]
    # one numbered heading alone is no series; a sentence ending in a numeral is no heading
    assert titles_of(["光盘行动倡议书1", SENTENCE, SENTENCE + "1", SENTENCE + "2"], res) == ["光盘行动倡议书"]


def test_numbered_parts_of_a_marked_report_stay_in_it(res):
    texts = ["篇一 甲镇服务调研报告", "甲镇服务调研报告(1)", SENTENCE, "甲镇服务调研报告(2)", SENTENCE,
             "篇二 乙镇服务调查报告", SENTENCE]
    docs, _ = split.run(PAGE, cleaned_from(texts), res)
    assert [d.title for d in docs] == ["甲镇服务调研报告", "乙镇服务调查报告"]
    assert "甲镇服务调研报告(2)" in [line.text for line in docs[0].lines]


def test_a_collection_heading_is_never_one_reports_title(res):
    # the page title counts the reports it holds: an untitled first report gets no title
    assert titles_of([SENTENCE, SENTENCE], res, page_title="大学生实习报告(精选10篇)") == [""]
    assert titles_of([SENTENCE, SENTENCE], res, page_title="学校安全工作自查报告集锦15篇") == [""]
    # a page of one report still takes its page title
    assert titles_of([SENTENCE, SENTENCE], res, page_title="大学生实习报告") == ["大学生实习报告"]
    # the heading kept as a line (the model took it for a title) leaves as split:page_title
    lines = [Line(1, "留守儿童调查报告小结(共8篇)"), Line(2, SENTENCE), Line(3, SENTENCE)]
    cleaned = CleanPage(PAGE.page_id, lines, [], line_labels={1: ("report_title", 0.9)})
    [doc], removed = split.run(PAGE, cleaned, res)
    assert doc.title == "" and [line.no for line in doc.lines] == [2, 3]
    assert [(r.line, r.rule) for r in doc.removed + removed] == [(1, "split:page_title")]
    assert doc.collection_title == "留守儿童调查报告小结(共8篇)"     # what the genre stage reads instead
    # "…范文第2篇" is one report's marker, not a count
    lines = [Line(1, "大学生实习报告范文第1篇"), Line(2, SENTENCE), Line(3, "大学生实习报告范文第2篇"), Line(4, SENTENCE)]
    cleaned = CleanPage(PAGE.page_id, lines, [], line_labels={3: ("report_title", 0.9)})
    assert [d.title for d in split.run(PAGE, cleaned, res)[0]] == ["大学生实习报告", "大学生实习报告"]


def test_the_last_report_after_a_bare_marker_is_kept_though_cut_short(res):
    docs, _ = split.run(PAGE, cleaned_from(["【篇一】", SENTENCE, "【篇二】", "连日来,"]), res)
    assert [(d.title, [line.text for line in d.lines]) for d in docs] == [("", [SENTENCE]), ("", ["连日来,"])]


def test_no_title_from_metadata_or_a_bare_fanwen_label(res):
    assert titles_of([SENTENCE, SENTENCE], res, page_title="阅读:5248") == [""]
    assert titles_of([SENTENCE, SENTENCE], res, page_title="页数:73页") == [""]
    assert split.clean_title("范文:") == "" and split.clean_title("实习报告范文") == "实习报告"


@pytest.mark.parametrize("raw, title", [
    ("安全自查报告_自查报告", "安全自查报告"),                                   # "A_B": a site's joint
    ("收发材料应当履行_关于开展材料清理工作情况自查汇报", "关于开展材料清理工作情况自查汇报"),
    ("有关于重阳节主题活动方案", "重阳节主题活动方案"),                          # an SEO prefix
    ("有关学生的实习报告范文集合五篇", "有关学生的实习报告"),                # 有关 alone is the title's own word
    ("乡镇领导班子民主生活会对照检查材料(含典型案例剖析)", "乡镇领导班子民主生活会对照检查材料"),
    ("工作总结汇编(5篇)", "工作总结"),
    ("实习报告范文汇总", "实习报告"),
    ("“学史明理”专题学习体会 ; k: m3 }# h7 L3 U& q8", "“学史明理”专题学习体会"),   # anti-copy noise
    # must stay: a title that ends in 汇总, one that starts with 关于, one with a year
    ("爱心公益联盟志愿献血优秀倡议书", "爱心公益联盟志愿献血倡议书"),            # a grade before the kind
    ("GSP认证相关问题汇总", "GSP认证相关问题汇总"),
    ("关于表彰优秀共青团员的通知", "关于表彰优秀共青团员的通知"),
    ("关于开展涉密载体清理工作的报告", "关于开展涉密载体清理工作的报告"),
    ("2022年上海市政府信息公开工作年度报告", "2022年上海市政府信息公开工作年度报告"),
    ("贫困生认定申请理由范文300字(申请书)", "贫困生认定申请理由"),           # a length and the site's category
    ("爱护校园绿化倡议书 篇1亲爱的同学们", "爱护校园绿化倡议书"),            # marker and salutation glued on
    ("精选社区志愿服务活动方案", "社区志愿服务活动方案"),
    ("2023最新社区志愿服务活动方案", "社区志愿服务活动方案"),
    ("县水务局换届工作报告 换届工作报告", "换届工作报告"),                   # the page's heading, then the report's own
    # must stay: a title's own 优秀, a subtitle in brackets, two different headings side by side
    ("优秀班干部,优秀学生,优秀团员", "优秀班干部,优秀学生,优秀团员"),
    ("小学食品安全自查报告(自查自纠报告)", "小学食品安全自查报告(自查自纠报告)"),
    ("深化改革 突破创新 全面提升教育水平", "深化改革 突破创新 全面提升教育水平"),
])
def test_title_decorations_of_the_sites_go_the_title_stays(raw, title):
    assert split.clean_title(raw) == title


def test_the_reports_own_heading_under_a_marker_is_its_title(res):
    def titles(lines):
        numbered = [Line(k + 1, t) for k, t in enumerate(lines)]
        labels = {ln.no: ("report_title", 0.9) for ln in numbered if ln.no <= 2}
        return [d.title for d in split.run(PAGE, CleanPage(PAGE.page_id, numbered, [], line_labels=labels), res)[0]]
    # the marker's title, then the report's own heading: the heading is what a reader cites
    assert titles(["篇二 走进敬老院社会实践报告", "爱,是我们共同的语言——敬老院调查报告", SENTENCE]) == \
        ["爱,是我们共同的语言——敬老院调查报告"]
    # not a subtitle, a shorter copy, "label:value" or a byline with a date
    for second in ["——以某县乌石镇为例", "走进敬老院", "实习地点:校内", "发言稿2018-06-11李老师"]:
        assert titles(["篇二 走进敬老院社会实践报告", second, SENTENCE]) == ["走进敬老院社会实践报告"], second


def test_a_dated_byline_or_a_contents_head_the_model_took_for_a_title_titles_nothing(res):
    lines = [Line(1, "整改措施 2022-12-05 点击:"), Line(2, "目录/提纲:……"), Line(3, SENTENCE), Line(4, SENTENCE)]
    cleaned = CleanPage(PAGE.page_id, lines, [], line_labels={1: ("report_title", 0.8), 2: ("report_title", 0.7)})
    [doc], removed = split.run(PAGE, cleaned, res)
    assert doc.title == "" and [line.no for line in doc.lines] == [3, 4]
    assert sorted((r.line, r.rule) for r in doc.removed + removed) == [(1, "split:no_title"), (2, "split:no_title")]


def test_a_page_title_glued_numbered_to_the_text_heads_a_series(res):
    # "银行的自查报告1为整体提升…": the first of several reports, so the page's title is not this one's
    first = "银行的自查报告1为整体提升自助设备安全防护能力,根据有关文件要求,我行开展了自查。"
    assert titles_of([first, SENTENCE], res, page_title="银行的自查报告") == [""]
    # a first line that only starts with the title (no number) keeps the page's title
    assert titles_of(["银行的自查报告工作已于三月完成,现将情况报告如下。", SENTENCE], res,
                     page_title="银行的自查报告") == ["银行的自查报告"]


def test_an_untitled_report_keeps_the_collection_heading_for_its_genre(res):
    from pipeline.genre import tagger

    docs, _ = split.run(PAGE, cleaned_from([SENTENCE, SENTENCE], page_title="学校安全工作自查报告集锦15篇"), res)
    assert [(d.title, d.collection_title) for d in docs] == [("", "学校安全工作自查报告集锦15篇")]
    tagger.run(docs[0], PAGE, res)
    assert docs[0].genre == "self_inspection" and "title names self_inspection" in docs[0].genre_reason
    # a report with a title of its own reads that title, never the page's
    titled, _ = split.run(PAGE, cleaned_from(["篇一 甲镇服务调查报告", SENTENCE, "篇二 乙镇服务调研报告", SENTENCE],
                                             page_title="服务调查报告集锦15篇"), res)
    assert [d.collection_title for d in titled] == [None, None]


def test_a_title_wrapped_onto_a_line_holding_only_its_kind_is_one_title(res):
    docs, _ = split.run(PAGE, cleaned_from(["甲镇开展预防校园欺凌专项治理", "实施方案", SENTENCE, SENTENCE + "二"]), res)
    assert [d.title for d in docs] == ["甲镇开展预防校园欺凌专项治理实施方案"]
    assert docs[0].lines[0].text == SENTENCE and docs[0].title_lines == [1, 3]
    # a title that names its kind keeps the short heading under it as text
    docs, _ = split.run(PAGE, cleaned_from(["甲镇服务调研报告", "工作总结", SENTENCE, SENTENCE + "二"]), res)
    assert [d.title for d in docs] == ["甲镇服务调研报告"] and docs[0].lines[0].text == "工作总结"
