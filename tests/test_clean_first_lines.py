"""A report's first lines stay: a site intro glued onto the first sentence is cut off, a bare
"前言：" heading is the report's, an outline heading is never taken for the page title
(made-up pages)."""
from __future__ import annotations



from pipeline.clean import cleaner
from pipeline.config import Config
from pipeline.records import Page
from pipeline.resources import Resources
from build_fixtures import run_page

P1 = "为切实做好安全生产工作，按照县安委会的统一部署，我镇于近期组织开展了安全生产大检查，现将自查情况报告如下："
P2 = "镇党委政府高度重视安全生产工作，成立了以镇长为组长的安全生产工作领导小组，明确了各村和各站所的安全生产职责。"
P3 = "全镇共出动检查人员一百二十人次，检查企业和场所四十五家，发现隐患十八处，已整改十六处，其余两处正在整改之中。"


def texts(result) -> str:
    return "\n".join(d.text for d in result.documents)


def test_a_site_intro_glued_onto_the_first_sentence_is_cut_off(tmp_path, res):
    glued = "下面是小编为大家整理的全镇安全生产自查报告，供大家参考。" + P1
    result = run_page(tmp_path, "\n".join(["全镇安全生产自查报告", glued, P2, P3]), res)
    body = texts(result)
    assert P1 in body and P2 in body
    assert "小编" not in body
    cuts = [r for d in result.documents for r in d.removed if r.line == 2]
    assert cuts and all(r.rule.startswith("cue:") and "小编" in r.text and P1 not in r.text for r in cuts)


def test_glued_rest_needs_a_sentence_after_the_intro():
    rules = Resources(Config.load()).clean_rules
    cue = next(c for c in rules.generic.line if c.rule == "cue:xiaobian_intro")
    alone = "下面是小编为大家整理的全镇安全生产自查报告，供大家参考。"
    assert cleaner.glued_rest(alone, cue.search(alone)) == ""
    assert cleaner.glued_rest(alone + P1, cue.search(alone + P1)) == P1
    assert cleaner.glued_rest(P1, None) == ""


def test_a_bare_preface_heading_is_the_reports_and_a_site_lead_in_goes(tmp_path, res):
    lead_in = "前言：想要写出一篇令人眼前一亮的自查报告么？我们特意为您整理了5篇自查报告范文，希望对您有所帮助。"
    result = run_page(tmp_path, "\n".join([lead_in, "安全生产自查报告", "前言：", P1, P2, P3]), res)
    body = texts(result)
    assert "前言:" in body.split("\n") or "前言：" in body.split("\n")
    assert "想要写出" not in body and P1 in body


def test_an_outline_heading_is_never_the_page_title(res):
    lines = ["会计模拟实验报告", "一、基本信息", "实习时间：2014年6月30日至7月15日", P1, P2]
    page = Page(page_id="p", path="page.txt", format="txt", text="\n".join(lines), title="一、基本信息")
    cleaned = cleaner.run(page, None, res)
    assert cleaned.page_title != "一、基本信息"
    assert 2 in {ln.no for ln in cleaned.lines}
    assert "header:page_title" not in {r.rule for r in cleaned.removed}


def test_a_lone_section_heading_stays_when_the_line_under_it_stays():
    from pipeline.clean.report_lines import headings_to_keep
    # page lines (index → text); the model removed 0-3 and 5; 4 and 6 stay
    texts = {0: "示例范文网", 1: "目录", 2: "引言", 3: "某某单位", 5: "前言:"}
    order = [0, 1, 2, 3, 4, 5, 6]
    # 引言 over 某某单位 (removed): goes, and so does 目录 over it; 前言: over kept line 6 stays
    assert headings_to_keep(texts, {4, 6}, order) == {5}
    # 引言 over a kept line stays, and 目录 over 引言 with it; a site name never comes back
    assert headings_to_keep({0: "示例范文网", 1: "目录", 2: "引言"}, {3}, [0, 1, 2, 3]) == {1, 2}
    # a site's 目录 menu entry among chrome that goes stays removed; a heading with text after it is no lone heading
    assert headings_to_keep({1: "目录", 2: "出国留学网"}, {3}, [1, 2, 3]) == set()
    assert headings_to_keep({1: "前言:想要写出好报告么"}, {2}, [1, 2]) == set()


def test_report_forms_the_model_never_removes(res):
    from pipeline.clean.report_lines import is_report_form
    cues = res.clean_rules.generic
    for text in ("同志们：", "尊敬的各位领导、各位来宾：", "特此报告。", "20xx年xx月xx日", "2024年3月1日", "2023"):
        assert is_report_form(text, cues), text
    # an outline-numbered link-list entry, a site name and a download prompt are not
    for text in ("1.中心小学安全自查报告范文", "示例范文网", "点击下载本文", "同志们好，下面是小编整理的讲话稿"):
        assert not is_report_form(text, cues), text
