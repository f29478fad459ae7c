"""extract: measures and problems from the outline and from prose; recurring problems; CLI."""
from __future__ import annotations

import json

import pytest
import seed_expectations as E
from hypothesis import given, settings
from hypothesis import strategies as st
from test_outline import BODY, MARKER_LINES, make_doc, seed_document

from pipeline.analysis import extract
from pipeline.config import Config
from pipeline.records import Document, Item, Line
from pipeline.resources import Resources
from pipeline.structure import outline


def items_of(doc: Document, res) -> list[Item]:
    outline.run(doc, None, res)
    extract.run(doc, None, res)
    return doc.items


@pytest.fixture(scope="module")
def seed_items(seed_lines, res) -> dict[int, list[Item]]:
    """Items of each sample-page document built from its line range (independent of split)."""
    return {n: items_of(seed_document(seed_lines, n), res) for n in range(1, len(E.DOCUMENTS) + 1)}


def heads(items, kind):
    return {i.head for i in items if i.kind == kind}


# --- the sample page --------------------------------------------------------------------
@pytest.mark.parametrize("kind,expected", [("measure", E.MEASURES), ("problem", E.PROBLEMS)])
def test_seed_recall_per_kind(seed_items, kind, expected):
    wanted = [(n, h) for n, hs in expected.items() for h in hs]
    found = [(n, h) for n, h in wanted if h in heads(seed_items[n], kind)]
    missing = sorted(set(wanted) - set(found))
    assert len(found) / len(wanted) >= 0.9, f"missing {kind}s: {missing}"


@pytest.mark.parametrize("kind,expected", [("measure", E.MEASURES), ("problem", E.PROBLEMS)])
def test_seed_nothing_under_the_wrong_kind(seed_items, kind, expected):
    other = "problem" if kind == "measure" else "measure"
    wrong = [(n, h) for n, hs in expected.items() for h in hs if h in heads(seed_items[n], other)]
    assert wrong == []


def test_seed_doc6_problems_without_a_problem_heading(seed_items):
    problems = [i for i in seed_items[6] if i.kind == "problem" and i.source == "outline"]
    assert [i.head for i in problems[:4]] == E.PROBLEMS[6]
    assert [i.marker for i in problems[:4]] == ["一是", "二是", "三是", "四是"]
    assert all(" > " not in i.section for i in problems[:4])          # top level: no heading above
    # the explanation "首先,由于乡镇党委…" inside "二是兼职过多…" is not a problem of its own
    assert not any(i.head.startswith("由于") for i in seed_items[6])


def test_seed_heads_drop_marker_and_yao_and_keep_page_punctuation(seed_items):
    measures = heads(seed_items[6], "measure") | heads(seed_items[4], "measure")
    assert "健全党建带妇建的工作机制" in measures
    assert "加强组织领导" in measures
    assert not any(h.startswith(("要", "一是")) for h in measures)
    assert "重视不够,工作开展难" in heads(seed_items[6], "problem")     # ASCII comma as on the page


def test_seed_doc4_prose_problems(seed_items):
    prose = [i for i in seed_items[4] if i.source == "prose"]
    assert [i.head for i in prose] == E.PROBLEMS[4]
    assert all(i.kind == "problem" and i.marker == "" for i in prose)
    assert all("等问题" in i.text for i in prose)


def test_seed_doc8_inline_list_and_problem_heading(seed_items):
    items = seed_items[8]
    sub = [i for i in items if i.marker in ("一是", "二是", "三是")]
    assert [i.head for i in sub] == ["加强工作人员走访,进行指导、调研", "构建企业交流平台", "促成部门间的合作、达成信息共享"]
    assert all(i.kind == "measure" and "加强信息交流" in i.section for i in sub)
    assert "政府投诉电话的利用效果还有待改善" in heads(items, "problem")
    # nothing from the survey-result sections that are neither problem nor measure
    assert not any("总体评价较高" in i.head or "媒体宣传" in i.head for i in items)


def test_seed_doc8_table_yields_no_items(seed_items):
    for item in seed_items[8]:
        assert not any(cell in item.head for cell in ("满意率", "99.52", "服务态度", "满意度值"))


def test_seed_docs_without_measures_or_problems_yield_none(seed_items):
    assert seed_items[1] == [] and seed_items[2] == []


def test_end_to_end_through_the_pipeline(seed_docs):
    """The sample page through ingest ▶ clean ▶ split ▶ … ▶ extract."""
    found = {"measure": set(), "problem": set()}
    for doc in seed_docs:
        for item in doc.items:
            found[item.kind].add(item.head)
            assert item.item_id.startswith(doc.doc_id + "/i")
            assert item.text in doc.text
    for kind, expected in (("measure", E.MEASURES), ("problem", E.PROBLEMS)):
        wanted = [h for hs in expected.values() for h in hs]
        assert sum(h in found[kind] for h in wanted) / len(wanted) >= 0.9
        other = "problem" if kind == "measure" else "measure"
        assert not [h for h in wanted if h in found[other]]


# --- made-up fixtures -------------------------------------------------------------------
def test_measure_section_items(res):
    items = items_of(make_doc(["二、对策和建议", "一是要加强组织领导。" + BODY, "二是要完善考核机制。" + BODY,
                               "三是强化督查问责。" + BODY]), res)
    assert [(i.kind, i.head, i.marker) for i in items] == [
        ("measure", "加强组织领导", "一是"), ("measure", "完善考核机制", "二是"), ("measure", "强化督查问责", "三是")]
    assert items[0].section == "二、对策和建议 > 一是要加强组织领导"
    assert not any(i.head == "对策和建议" for i in items)          # the container is no item


def test_problem_section_items_under_a_problem_heading(res):
    items = items_of(make_doc(["一、存在的问题", "（一）经费保障不到位。" + BODY, "（二）队伍建设滞后。" + BODY]), res)
    assert [(i.kind, i.head) for i in items] == [("problem", "经费保障不到位"), ("problem", "队伍建设滞后")]


def test_problem_items_told_by_their_heads_where_no_heading_says(res):
    items = items_of(make_doc(["一是重视不够,工作开展难。" + BODY, "二是投入不足,工作保障难。" + BODY,
                               "三是素质不高,工作创新难。" + BODY]), res)
    assert [i.kind for i in items] == ["problem"] * 3
    assert items[1].head == "投入不足,工作保障难"


def test_neutral_lists_give_no_items(res):
    items = items_of(make_doc(["一、调查对象与方法", BODY, "二、样本情况", BODY,
                               "（一）企业对政府服务的总体评价较高。" + BODY, "（二）企业了解政策的主要途径是媒体。" + BODY]), res)
    assert items == []


def test_achievement_lists_give_measures_when_most_heads_are_measures(res):
    items = items_of(make_doc(["一、主要工作成效", "1、调整充实了工作领导小组;", "2、全面实施各项配套文件;",
                               "3、进一步修改完善绩效考核规范;", "4、将信息报送纳入考核。"]), res)
    assert heads(items, "measure") >= {"调整充实了工作领导小组", "全面实施各项配套文件", "进一步修改完善绩效考核规范"}
    assert heads(items, "problem") == set()


def test_inline_run_on_one_line_gives_sibling_items(res):
    items = items_of(make_doc(["三、意见建议", "（三）加强信息交流。",
                               "一是要加强走访,进行指导。部分企业反映缺少指导。二是要构建交流平台。帮助企业学习。"
                               "三是要促成部门合作。减少重复劳动。"]), res)
    assert [i.head for i in items] == ["加强信息交流", "加强走访,进行指导", "构建交流平台", "促成部门合作"]
    assert items[2].text.startswith("二是要构建交流平台") and "一是" not in items[2].text


def test_prose_problems_from_a_list_with_deng_wenti(res):
    doc = make_doc([BODY, "但一些乡镇政府还存在服务理念滞后、服务能力不强、服务机制不健全、服务手段落后、服务效能不高等问题。"])
    items = items_of(doc, res)
    assert [i.head for i in items] == ["服务理念滞后", "服务能力不强", "服务机制不健全", "服务手段落后", "服务效能不高"]
    assert {i.source for i in items} == {"prose"} and {i.kind for i in items} == {"problem"}


def test_prose_problems_from_quoted_phrases(res):
    doc = make_doc(["调查显示,“办事流程复杂、操作不公开透明”是政府部门最亟待改进的问题,"
                    "分别有32.79%和22.4%的人认为存在“办事效率不高”和“办事执行力不强”的问题。"])
    assert heads(items_of(doc, res), "problem") == {"办事流程复杂、操作不公开透明", "办事效率不高", "办事执行力不强"}


def test_prose_without_problem_context_gives_nothing(res):
    doc = make_doc(["我们坚持服务理念创新、服务能力提升、服务机制完善等工作,取得了良好成效。",
                    "会议研究了经费不足的问题如何解决。"])
    assert items_of(doc, res) == []


def test_problem_passage_of_a_work_report(res):
    doc = make_doc(["在肯定成绩的同时，我们也清醒看到面临的问题和挑战。世界经济增长动能不足，单边主义加剧。"
                    "从国内看，有效需求不足，特别是消费不振。部分企业生产经营困难。政府效能有待提升。"
                    "我们一定直面问题，尽心竭力做好工作，决不辜负人民期待。"])
    got = heads(items_of(doc, res), "problem")
    assert {"世界经济增长动能不足", "有效需求不足", "消费不振", "部分企业生产经营困难", "政府效能有待提升"} <= got
    assert not any("我们一定" in h or "决不辜负" in h or "清醒看到" in h for h in got)


def test_heads_are_short_and_cut_at_a_clause_end(res):
    long_item = "一是要" + "，".join(["加强基层组织建设和党员队伍建设"] * 5) + "。其他说明。"
    items = items_of(make_doc(["二、对策建议", long_item, "二是要完善机制。"]), res)
    assert items[0].head == "加强基层组织建设和党员队伍建设，加强基层组织建设和党员队伍建设"
    assert len(items[0].head) <= int(res.config["extract"]["max_head_chars"])


def test_topic_headings_are_no_measures(res):
    items = items_of(make_doc(["今后五年的主要任务", "（一）关于政法工作", BODY, "（二）关于外事工作", BODY]), res)
    assert items == []


def test_lead_sentences_of_a_measure_section_are_measures(res):
    items = items_of(make_doc(["二、今后工作安排", "（一）坚持区域协同，推动协同发展走深走实",
                               "更好发挥比较优势，主动谋划区域内资源配置和各类合作共赢机制，深化创新协同。",
                               "着力加强科技创新协同和产业配套。主动融入首都创新链产业链供应链配套体系。",
                               "着力提升既有平台承载质效。有效发挥空间资源优势，持续强化园区合作。",
                               "统筹推进消费提振与投资提效：实施提振消费专项行动，扩大有效投资。"]), res)
    leads = [i for i in items if i.marker == ""]
    assert [(i.kind, i.head) for i in leads] == [("measure", "着力加强科技创新协同和产业配套"),
                                                  ("measure", "着力提升既有平台承载质效"),
                                                  ("measure", "统筹推进消费提振与投资提效")]
    assert leads[1].text == "着力提升既有平台承载质效。有效发挥空间资源优势，持续强化园区合作。"
    assert leads[0].section.startswith("二、今后工作安排 > （一）坚持区域协同")
    # the plain prose paragraph opening the section is no item
    assert not any(h.startswith(("更好发挥", "主动谋划")) for h in heads(items, "measure"))


def test_lead_sentences_need_a_short_verb_led_first_sentence_and_more_text(res):
    items = items_of(make_doc(["二、下一步工作打算", "（一）推进产业升级",
                               "加快推进全市重点产业链延链补链强链和产业集群培育壮大以及数字化转型。再说明。",
                               "今年是关键之年。各项任务十分繁重，需要付出更大努力。",
                               "着力扩大有效投资。",
                               "着力扩大有效投资；实施一批重大项目。再说明。"]), res)
    got = heads(items, "measure")
    assert not any(h.startswith("加快推进全市重点产业链") for h in got)      # first sentence too long
    assert "今年是关键之年" not in got                                        # no measure verb
    assert not any(h.startswith("着力扩大有效投资") for h in got)             # no text after / ends in ；


def test_lead_sentences_outside_measure_sections_are_no_items(res):
    items = items_of(make_doc(["一、过去一年工作回顾", "（一）经济运行稳中有进",
                               "着力扩大有效需求。全年固定资产投资增长百分之五，消费持续恢复。",
                               "加快建设现代化产业体系。新兴产业增加值增长百分之八。"]), res)
    assert not [i for i in items if i.marker == ""]


def test_lead_sentences_of_a_problem_section_are_problems(res):
    items = items_of(make_doc(["三、存在的问题", "（一）基层治理",
                               "基层经费保障不足。部分乡镇运转经费依靠上级补助，难以支撑日常工作。",
                               "我们调研了十个乡镇。走访了群众和干部，召开座谈会六次。"]), res)
    leads = [(i.kind, i.head) for i in items if i.marker == ""]
    assert leads == [("problem", "基层经费保障不足")]


def test_lead_verbs_after_adverbs_and_the_statements_that_are_no_measures(res):
    items = items_of(make_doc(["一、2024年工作回顾", "（一）聚力打好调结构突围战，产业动能明显增强", BODY,
                               "（二）狠抓重大项目建设，构建现代化产业体系取得明显成效", BODY,
                               "（三）深化重点领域改革", BODY, "（四）加强生态环境保护", BODY,
                               "（五）加快发展现代农业", BODY,
                               "二、2025年工作安排", "（一）扩大内需",
                               "大力提振消费。实施提振消费专项行动，扩大服务消费。",
                               "防范化解地方债务风险。坚持在发展中化债。",
                               "着力发展都市型现代农业。建设一批现代农业园区。",
                               "毫不懈怠抓好安全生产。压实各方责任。",
                               "维护社会政治稳定，是现代化建设的重要条件。今年要继续做好这方面工作。"]), res)
    got = heads(items, "measure")
    assert {"大力提振消费", "防范化解地方债务风险", "着力发展都市型现代农业", "毫不懈怠抓好安全生产"} <= got
    assert "深化重点领域改革" in got        # work done, stated as an action: a measure (see the README)
    # a judgement "X，是Y" and review headings closing on a result are no measures
    assert not any(h.startswith(("维护社会政治稳定", "聚力打好调结构突围战", "狠抓重大项目建设")) for h in got)


def test_noun_like_verbs_lead_a_measure_only_after_a_prefix(res):
    rules = res.item_rules if hasattr(res, "item_rules") else None
    from pipeline.structure.item_rules import ItemRules

    rules = rules or (ItemRules.load() if hasattr(ItemRules, "load") else ItemRules())
    assert rules.head_kind("着力发展都市型现代农业") == "measure"
    assert rules.head_kind("高水平建设江淮粮仓") == "measure"
    assert rules.head_kind("发展不平衡不充分") == "problem"           # 发展 alone: not a measure verb
    assert rules.head_kind("规范化服务型政府建设滞后") == "problem"    # 规范化: a noun, not the verb 规范
    assert rules.head_kind("防范化解重大风险") == "measure"           # 化解 is a verb


# --- properties -------------------------------------------------------------------------
PROSE_LINES = ["还存在服务理念滞后、服务能力不强等问题。", "我们也清醒看到困难。有效需求不足，企业经营困难。我们将努力。",
               "存在“办事效率不高”和“执行力不强”的问题。"]


@settings(max_examples=120, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(MARKER_LINES + PROSE_LINES), st.just(BODY), st.text(max_size=40)), max_size=25))
def test_items_lie_inside_their_document(texts):
    res = Resources(Config.load())
    doc = make_doc(texts)
    items = items_of(doc, res)
    section_ids = {s.section_id for s in doc.sections}
    seen = set()
    for n, item in enumerate(items, 1):
        assert item.item_id == f"{doc.doc_id}/i{n}"
        assert item.kind in ("measure", "problem") and item.source in ("outline", "prose")
        assert item.head and item.text and item.text in doc.text
        assert item.section_id is None or item.section_id in section_ids
        assert (item.kind, item.head) not in seen
        seen.add((item.kind, item.head))


# --- recurring problems -----------------------------------------------------------------
def _doc(doc_id, genre, year, problems, duplicate=False):
    doc = Document(doc_id=doc_id, page_id="p", ordinal=1, title="", lines=[Line(1, "x")], genre=genre, year=year,
                   is_duplicate=duplicate)
    doc.items = [Item(doc_id, f"{doc_id}/i{n}", None, "problem", "", h, h) for n, h in enumerate(problems, 1)]
    return doc


def test_recurring_problems_grouped_by_aspect_and_predicate():
    docs = [_doc("a", "survey", 2020, ["投入不足,工作保障难", "素质不高,工作创新难"]),
            _doc("b", "research", 2021, ["经费投入不足", "重视不够,工作开展难"]),
            _doc("c", "research", 2021, ["工作经费不足"]),
            _doc("d", "research", 2022, ["经费严重不足"], duplicate=True)]
    table = extract.recurring_problems(docs)
    assert {"group", "aspect", "predicate", "n_docs", "n_items", "by_genre", "by_year", "examples"} <= set(table.columns)
    top = table.iloc[0]
    assert top["aspect"] == "经费投入" and top["n_docs"] == 3 and top["n_items"] == 3
    assert json.loads(top["by_genre"]) == {"research": 2, "survey": 1}
    assert json.loads(top["by_year"]) == {"2020": 1, "2021": 2}
    assert "经费严重不足" not in json.loads(top["examples"])          # duplicates are left out
    groups = set(table["group"])
    assert any(g.startswith("人员素质") for g in groups) and any(g.startswith("重视程度") for g in groups)


def test_recurring_problems_of_work_reports_find_their_aspects():
    docs = [_doc("a", "government_work_report", 2019, ["全球贸易保护加剧", "社会预期和信心不足", "有些地方拖欠工资严重"]),
            _doc("b", "government_work_report", 2022, ["单边主义、保护主义加剧", "输入性通胀压力加大"])]
    aspects = set(extract.recurring_problems(docs)["aspect"])
    assert {"外部环境", "预期信心", "拖欠账款", "物价通胀"} <= aspects and "其他" not in aspects


def test_recurring_problems_of_no_documents_is_an_empty_table():
    table = extract.recurring_problems([])
    assert len(table) == 0 and "n_docs" in table.columns


# --- the command line ---------------------------------------------------------------------
def test_analyze_json_shows_sections_and_items(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    report = tmp_path / "report.txt"
    report.write_text("关于乡镇妇联工作的调研报告\n\n" + BODY + "\n\n二、对策和建议\n\n"
                      "一是要健全党建带妇建的工作机制。" + BODY + "\n\n二是要加强妇联干部队伍建设。" + BODY + "\n",
                      encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(report), "--json"])
    assert result.exit_code == 0, result.output
    objs = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    items = [i for o in objs for i in o["items"]]
    assert any(s["heading"] == "对策和建议" for o in objs for s in o["sections"])
    assert {"kind", "head", "text", "section"} <= set(items[0])
    assert "健全党建带妇建的工作机制" in {i["head"] for i in items}


def test_a_measure_heading_with_a_problem_cue_stays_a_measure(res):
    items = items_of(make_doc(["一、去年工作回顾", "（一）着力解决经济运行中的突出问题。" + BODY, "（二）推进改革。" + BODY]), res)
    assert ("measure", "着力解决经济运行中的突出问题") in {(i.kind, i.head) for i in items}
    assert heads(items, "problem") == set()


def test_glossary_entries_are_no_items(res):
    items = items_of(make_doc(["二、2012年主要任务", "（九）努力提高对外开放的质量和水平", BODY,
                               "1、物联网：是指通过信息传感设备把物品与互联网连接起来。",
                               "2、城镇居民医保：全称城镇居民基本医疗保险。我国2007年启动试点。"]), res)
    assert [i.head for i in items] == ["努力提高对外开放的质量和水平"]


def test_generic_and_continuation_clauses_are_no_problems(res):
    doc = make_doc(["我们也清醒看到面临的困难。政府工作仍存在一些缺点和不足，有效需求不足，还很不适应，"
                    "有的是工作不到位造成的。我们将努力改进。"])
    assert heads(items_of(doc, res), "problem") == {"有效需求不足"}


def test_legislative_texts_get_no_items_and_reports_do(res):
    from pipeline import stages
    from pipeline.records import Page
    from pipeline.stages import process_page

    law = ("某市物业管理条例\n第一章 总则\n第一条 为了规范物业管理活动，制定本条例。\n"
           "第二条 有下列情形之一的，不予受理：\n（一）证据不足的；\n（二）确有困难的；\n（三）材料不全的。\n"
           "第三条 本条例自2024年1月1日起施行。\n")
    report = ("某县政务服务中心自查报告\n一、存在的问题\n一是服务理念滞后，二是经费投入不足。\n"
              "二、整改措施\n（一）加强队伍建设。\n（二）完善工作机制。\n")
    docs = []
    for n, text in enumerate((law, report)):
        result = process_page(Page(page_id=f"p{n}", path=f"p{n}.txt", format="txt", encoding="utf-8", text=text),
                              None, res)
        docs.extend(result.documents)
    law_doc, report_doc = docs
    assert law_doc.genre == "regulation" and law_doc.items == []
    assert law_doc.sections                                 # its outline is still read
    assert report_doc.genre == "self_inspection"
    assert {"measure", "problem"} <= {i.kind for i in report_doc.items}
    assert "regulation" in res.genre_classifier.taxonomy.without_items
    assert "self_inspection" not in res.genre_classifier.taxonomy.without_items
    names = [name for name, _ in stages.DOCUMENT_STAGES]
    assert names.index("genre") < names.index("extract")
