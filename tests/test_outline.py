"""outline: markers, levels, headings vs items, restarts, in-sentence markers, tables, roles."""
from __future__ import annotations

import pytest
import seed_expectations as E
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.records import Document, Line
from pipeline.resources import Resources
from pipeline.structure import outline

BODY = "按照要求认真开展各项工作，取得了较好的效果，得到了群众的普遍认可和上级部门的充分肯定。"


def make_doc(texts: list[str], doc_id: str = "t-001", first_no: int = 1) -> Document:
    """A document from line texts (blank ones dropped, as clean does)."""
    lines = [Line(first_no + i, t.strip()) for i, t in enumerate(texts) if t.strip()]
    return Document(doc_id=doc_id, page_id="t", ordinal=1, title="", lines=lines)


def seed_document(seed_lines: list[str], n: int) -> Document:
    """Document n of the sample page, from the body line range in seed_expectations."""
    _, _, _, first, last = E.DOCUMENTS[n - 1]
    lines = [Line(no, seed_lines[no - 1].strip()) for no in range(first, last + 1) if seed_lines[no - 1].strip()]
    return Document(doc_id=f"seed-{n:03d}", page_id="seed", ordinal=n, title=E.TITLES[n - 1], lines=lines)


def sections_of(texts: list[str], res) -> list:
    doc = make_doc(texts)
    outline.run(doc, None, res)
    return doc.sections


def shape(sections) -> list[tuple[str, int]]:
    return [(s.marker, s.level) for s in sections]


# --- the sample page --------------------------------------------------------------------
def test_seed_doc3_has_seven_top_level_sections(seed_lines, res):
    doc = seed_document(seed_lines, 3)
    outline.run(doc, None, res)
    top = [s for s in doc.sections if s.level == 1]
    assert [s.marker for s in top] == ["一、", "二、", "三、", "四、", "五、", "六、", "七、"]
    assert top[0].heading == "增强服务意识,完善服务设施"
    assert all(s.parent_id is None for s in top)
    # a heading without body lines ("三、" is followed straight by "四、") is still a section
    assert top[2].text == "三、开展并联审批,提高服务效率"


def test_seed_doc8_table_makes_no_sections(seed_lines, res):
    doc = seed_document(seed_lines, 8)
    outline.run(doc, None, res)
    table_lines = range(338, 489)   # the flattened table and its notes ("注:1、…", "2、…", "3、…")
    starts = [doc.lines[s.line_start].no for s in doc.sections]
    assert not [no for no in starts if no in table_lines]
    assert [s.marker for s in doc.sections if s.level == 1] == ["一、", "二、", "三、"]
    assert "满意率%" in doc.sections[2].text      # the table stays body text of "（二）…满意度"


def test_seed_doc6_problem_list_without_heading(seed_lines, res):
    doc = seed_document(seed_lines, 6)
    outline.run(doc, None, res)
    first = doc.sections[:4]
    assert [s.marker for s in first] == ["一是", "二是", "三是", "四是"]
    assert all(s.level == 1 and s.role == "problem" for s in first)
    # "二是部分妇女干部…" after 四是 fits no list: body text, not a fifth section
    assert "二是部分妇女干部" in first[3].text
    advice = doc.sections[4]
    assert (advice.marker, advice.heading, advice.level, advice.role) == ("二、", "对策和建议", 1, "measure")
    assert [(s.marker, s.level, s.parent_id) for s in doc.sections[5:8]] == [
        ("一是", 2, advice.section_id), ("二是", 2, advice.section_id), ("三是", 2, advice.section_id)]
    # the part title "…调研报告(2)" is no heading
    assert not any("调研报告(2)" in s.heading for s in doc.sections)


def test_seed_doc4_plain_headings_and_restarted_lists(seed_lines, res):
    doc = seed_document(seed_lines, 4)
    outline.run(doc, None, res)
    plain = [s for s in doc.sections if s.marker == ""]
    assert [s.heading for s in plain] == ["深刻领会《意见》出台的重大意义", "准确把握《意见》的部署要求",
                                          "切实抓好《意见》的贯彻落实"]
    assert all(s.level == 1 for s in plain)
    lists = [s for s in doc.sections if s.marker.endswith("是")]
    assert [s.marker for s in lists] == ["一是", "二是", "三是", "四是", "五是", "一是", "二是", "三是", "四是"]
    assert {s.parent_id for s in lists[:5]} == {plain[1].section_id}
    assert {s.parent_id for s in lists[5:]} == {plain[2].section_id}


def test_seed_doc5_levels_follow_first_appearance(seed_lines, res):
    doc = seed_document(seed_lines, 5)
    outline.run(doc, None, res)
    by_marker = {s.marker: s for s in doc.sections}
    assert by_marker["1."].level == 1 and by_marker["3."].level == 1
    assert by_marker["(一)"].level == 2 and by_marker["(十六)"].level == 2
    # 首先 … 第二 … 第五 … 最后 is one list
    ordinal = [s.marker for s in doc.sections if s.marker.startswith(("首先", "第", "最后"))]
    assert ordinal == ["首先,", "第二,", "第三,", "第四,", "第五,", "最后,"]
    assert len({s.level for s in doc.sections if s.marker in ordinal}) == 1


def test_seed_doc1_in_sentence_markers_are_not_sections(seed_lines, res):
    doc = seed_document(seed_lines, 1)
    outline.run(doc, None, res)
    assert not any(s.marker.startswith(("(1)", "(2)", "（1）")) for s in doc.sections)
    assert doc.sections[0].marker == "一、"


# --- made-up fixtures, one per marker style ----------------------------------------------
@pytest.mark.parametrize("lines,expected", [
    (["一、总体情况", BODY, "二、存在问题", BODY], [("一、", 1), ("二、", 1)]),
    (["（一）加强领导", BODY, "（二）完善制度", BODY], [("（一）", 1), ("（二）", 1)]),
    (["(一)加强领导", BODY, "(二)完善制度", BODY], [("(一)", 1), ("(二)", 1)]),
    (["1、加强领导", BODY, "2、完善制度", BODY], [("1、", 1), ("2、", 1)]),
    (["1.加强领导", BODY, "2.完善制度", BODY], [("1.", 1), ("2.", 1)]),
    (["1．加强领导", BODY, "2．完善制度", BODY], [("1．", 1), ("2．", 1)]),
    (["（1）加强领导", BODY, "（2）完善制度", BODY], [("（1）", 1), ("（2）", 1)]),
    (["(1)加强领导", BODY, "(2)完善制度", BODY], [("(1)", 1), ("(2)", 1)]),
    (["①加强领导", BODY, "②完善制度", BODY], [("①", 1), ("②", 1)]),
    (["一是加强领导。" + BODY, "二是完善制度。" + BODY], [("一是", 1), ("二是", 1)]),
    (["首先，加强领导。" + BODY, "其次，完善制度。" + BODY, "最后，强化考核。" + BODY],
     [("首先，", 1), ("其次，", 1), ("最后，", 1)]),
    (["第一，加强领导。" + BODY, "第二，完善制度。" + BODY], [("第一，", 1), ("第二，", 1)]),
])
def test_each_marker_style(lines, expected, res):
    assert shape(sections_of(lines, res)) == expected


def test_numbering_restarts_under_a_new_part(res):
    secs = sections_of(["一、主要做法", "1.加强领导", BODY, "2.完善制度", BODY,
                        "二、下一步打算", "1.强化考核", BODY, "2.优化服务", BODY], res)
    assert shape(secs) == [("一、", 1), ("1.", 2), ("2.", 2), ("二、", 1), ("1.", 2), ("2.", 2)]
    assert secs[4].parent_id == secs[3].section_id
    assert secs[1].parent_id == secs[0].section_id


def test_nested_styles_close_deeper_levels(res):
    secs = sections_of(["一、总体要求", "（一）加强领导", "1.建立机制", BODY, "2.明确责任", BODY,
                        "（二）完善制度", BODY, "二、主要任务", BODY], res)
    assert shape(secs) == [("一、", 1), ("（一）", 2), ("1.", 3), ("2.", 3), ("（二）", 2), ("二、", 1)]


def test_first_style_seen_is_top_level(res):
    secs = sections_of(["（一）加强领导", "一、建立机制", BODY, "二、明确责任", BODY, "（二）完善制度", BODY], res)
    assert shape(secs) == [("（一）", 1), ("一、", 2), ("二、", 2), ("（二）", 1)]


def test_enumerators_nest_under_headings_and_close_on_a_heading(res):
    secs = sections_of(["一、存在问题", "一是重视不够，工作开展难。" + BODY, "二是投入不足，工作保障难。" + BODY,
                        "二、对策建议", "一是要加强组织领导。" + BODY], res)
    assert shape(secs) == [("一、", 1), ("一是", 2), ("二是", 2), ("二、", 1), ("一是", 2)]


def test_heading_line_with_full_stop_and_body(res):
    secs = sections_of(["三、意见建议", "（一）简化办事流程,公开、规范操作。", BODY, BODY], res)
    item = secs[1]
    assert item.heading == "简化办事流程,公开、规范操作"
    assert item.text.count(BODY) == 2 and item.line_end - item.line_start == 3


def test_item_with_sentences_gets_its_first_sentence_as_run_in_heading(res):
    secs = sections_of(["一是重视不够,工作开展难。由于乡镇中心工作繁重,妇联工作大多是党政领导分管工作中的一项。"], res)
    assert secs[0].heading == "重视不够,工作开展难"
    long_first = "（一）关注民生,源头化代表妇女儿童参与社会管理,是妇联组织适应新型社会管理格局的必然要求和发展趋势。其他。"
    assert sections_of([long_first], res)[0].heading == ""


def test_in_sentence_markers_are_no_sections(res):
    secs = sections_of(["我们将研究对象定为三组:(1)湖州专家,指熟悉情况的专家;(2)政府工作人员;(3)企业管理人员。", BODY], res)
    assert secs == []


def test_numbers_that_fit_no_list_are_body_text(res):
    secs = sections_of(["二、服务效果", BODY, "注:1、满意率为样本数合计占全部调查样本数的比重。",
                        "2、满意度值:采用5级量表赋值方法,首先将五个满意程度依次赋分,然后加权平均后得到的分值。",
                        "3、满意度值区间划分:分值在30分及以下为不满意。"], res)
    assert shape(secs) == [("二、", 1)]
    assert "2、满意度值" in secs[0].text


def test_flattened_table_cells_are_no_sections(res):
    cells = ["企业对我区政府服务工作的评价", "满意率%", "满意度", "十分满意%", "服务态度", "99.52", "84.43",
             "工作热情", "99.04", "82.49", "办事效率", "99.52", "80.14"]
    secs = sections_of(["一、总体评价", BODY] + cells + [BODY], res)
    assert shape(secs) == [("一、", 1)]


def test_plain_heading_needs_body_paragraphs_around_it(res):
    secs = sections_of([BODY, "深刻领会文件出台的重大意义", BODY, "短行", "另一行短的", BODY], res)
    assert [s.heading for s in secs] == ["深刻领会文件出台的重大意义"]


def test_roles_from_heading_cues_and_from_items(res):
    secs = sections_of(["一、存在的主要问题", "（一）经费不足。" + BODY, "二、对策和建议", "（一）加强领导。" + BODY,
                        "三、主要成效", BODY, "四、研究背景", BODY], res)
    roles = {(s.marker, s.heading): s.role for s in secs}
    assert roles[("一、", "存在的主要问题")] == "problem"
    assert roles[("（一）", "经费不足")] == "problem"            # inherited
    assert roles[("二、", "对策和建议")] == "measure"
    assert roles[("三、", "主要成效")] == "achievement"
    assert roles[("四、", "研究背景")] == "background"
    untitled = sections_of(["一是加强组织领导。" + BODY, "二是完善工作机制。" + BODY], res)
    assert {s.role for s in untitled} == {"measure"}
    neutral = sections_of(["一、调查对象与方法", BODY, "二、样本构成", BODY], res)
    assert [s.role for s in neutral] == ["background", "other"]


def test_bad_text_never_raises(res):
    for texts in ([], [""], ["一、"], ["（", "）", "一是"], ["1." * 50], ["①②③"], ["最后，" * 3]):
        sections_of(texts, res)


# --- properties -------------------------------------------------------------------------
MARKER_LINES = ["一、总体情况", "二、主要问题", "三、对策建议", "（一）加强领导", "（二）完善制度", "1.建立机制",
                "2.明确责任", "（1）细化分工", "（2）强化考核", "①落实责任", "②跟踪问效", "一是重视不够，工作开展难。",
                "二是投入不足，工作保障难。", "首先，加强学习。", "其次，注重实践。", "最后，总结提高。", "第一，统一思想。",
                "第二，明确目标。", "99.52", "满意率%", "短标题行"]
line_strategy = st.one_of(st.sampled_from(MARKER_LINES), st.just(BODY), st.text(max_size=30))


@settings(max_examples=150, deadline=None)
@given(st.lists(line_strategy, max_size=30))
def test_sections_never_overlap_and_form_a_tree(texts):
    res = Resources(Config.load())
    doc = make_doc(texts)
    outline.run(doc, None, res)
    by_id = {s.section_id: s for s in doc.sections}
    previous_end = 0
    for n, s in enumerate(doc.sections, 1):
        assert s.section_id == f"{doc.doc_id}/s{n}"
        assert previous_end <= s.line_start < s.line_end <= len(doc.lines)
        previous_end = s.line_end
        assert s.text == "\n".join(line.text for line in doc.lines[s.line_start:s.line_end])
        assert s.role in ("background", "achievement", "problem", "measure", "other")
        if s.parent_id is None:
            assert s.level == 1
        else:
            parent = by_id[s.parent_id]
            assert parent.line_start < s.line_start and s.level == parent.level + 1


_line_start = st.sampled_from(["", " ", "\u3000", "一、", "十二、", "一.", "一．二", "（一）", "(3)", "（12）", "3、",
                               "4.", "4.5", "12.", "①", "⑳", "一是", "二是要", "三是“", "第一，", "第十、", "首先，",
                               "最后：", "其次", "百、", "（百）", "1", "第", "是"])


@settings(max_examples=400, deadline=None)
@given(_line_start, st.text(alphabet="一二三四五六七八九十是要加强工作，。、.（）() 1234567890第首先最后：", max_size=12))
def test_one_screen_regex_finds_exactly_the_lines_some_marker_style_starts(start, rest):
    rules = Resources(Config.load()).outline_rules
    line = start + rest
    any_style = any(style.at_start.match(line) for style in rules.styles)
    assert (rules._any_start.match(line) is not None) == any_style
