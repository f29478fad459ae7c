"""Problem passages and prose measure lists (pipeline/analysis/passages.py), through outline + extract,
on made-up work-report prose; and restored line breaks (pipeline/text/linebreaks.py)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_outline import BODY, make_doc

from pipeline.analysis import extract
from pipeline.records import Document
from pipeline.structure import outline
from pipeline.structure.item_rules import ItemRules
from pipeline.text import linebreaks


def items_of(doc: Document, res):
    linebreaks.run(doc, None, res)
    outline.run(doc, None, res)
    extract.run(doc, None, res)
    return doc.items


def problems(items):
    return [i for i in items if i.kind == "problem"]


PASSAGE = ("在看到成绩的同时，我们也清醒认识到，全市发展还面临不少困难和挑战，主要是：外部需求明显减弱，"
           "部分企业生产经营困难；城乡区域发展不平衡问题依然突出，农村公共服务还有不少短板；"
           "就业总量压力较大；一些政府工作人员服务意识不强、办事效率不高，等等。对这些问题，我们一定高度重视，"
           "采取有力措施认真加以解决，决不辜负全市人民的期待。")


def test_each_stated_problem_of_a_passage_is_a_prose_problem(res):
    items = problems(items_of(make_doc(["一、过去一年的工作", BODY, PASSAGE]), res))
    heads = [i.head for i in items]
    assert heads == ["外部需求明显减弱", "部分企业生产经营困难", "城乡区域发展不平衡问题依然突出",
                     "农村公共服务还有不少短板", "就业总量压力较大", "一些政府工作人员服务意识不强、办事效率不高"]
    assert {i.source for i in items} == {"prose"} and {i.marker for i in items} == {""}
    assert all(i.section == "一、过去一年的工作" for i in items)


def test_announcements_promises_and_closings_are_no_problems(res):
    heads = [i.head for i in problems(items_of(make_doc([PASSAGE]), res))]
    assert not any(w in h for h in heads for w in ("清醒", "面临不少困难", "主要是", "我们一定", "决不辜负", "加以解决"))


def test_explanations_stay_in_the_text_of_their_problem(res):
    doc = make_doc(["我们也清醒看到，发展中还存在一些问题。本市经济外向度高，受外部影响首当其冲，稳外贸压力加大；"
                    "科技创新能力不强。我们将直面问题。"])
    [first, second] = problems(items_of(doc, res))
    assert first.head == "稳外贸压力加大"
    assert first.text == "本市经济外向度高，受外部影响首当其冲，稳外贸压力加大"
    assert second.head == "科技创新能力不强"


def test_a_passage_without_an_opening_cue_that_looks_back_on_its_problems(res):
    doc = make_doc(["当前，本省正处于转型的关键时期。新兴产业尚未形成有效支撑，部分企业生产经营困难，"
                    "民生领域还有不少短板，一些干部担当作为不够，等等。对这些问题，我们会高度重视。"])
    heads = [i.head for i in problems(items_of(doc, res))]
    assert heads == ["新兴产业尚未形成有效支撑", "部分企业生产经营困难", "民生领域还有不少短板", "一些干部担当作为不够"]


def test_judgements_of_success_after_the_problems_are_no_problems(res):
    doc = make_doc(["在肯定成绩的同时，我们也清醒看到面临的问题和挑战。有效需求不足。群众就业增收面临压力。"
                    "我们既要正视困难问题，更要坚定发展信心。我国具有显著的制度优势，经济长期向好的基本趋势没有改变。"])
    heads = [i.head for i in problems(items_of(doc, res))]
    assert heads == ["有效需求不足", "群众就业增收面临压力"]


def test_measure_paragraphs_that_mention_problems_are_no_passages(res):
    doc = make_doc(["三、今年的主要任务", "着力扩大有效需求。针对需求不足这一主要矛盾，坚持供需两侧协同发力，"
                    "切实帮助企业解决实际困难和问题，加快补齐民生短板。"])
    assert problems(items_of(doc, res)) == []


def test_a_passage_numbered_in_the_outline_is_not_counted_twice(res):
    doc = make_doc(["一、工作回顾", BODY,
                    "我们也清醒地看到，全省发展还存在不少困难和问题。一是经济恢复的基础尚不牢固，有效需求不足。"
                    "二是企业创新能力偏弱，制造业投资较少。对此，我们要切实加以解决。"])
    items = problems(items_of(doc, res))
    texts = [i.text for i in items]
    # every prose problem lies outside the outline items' texts
    outline_texts = [i.text for i in items if i.source == "outline"]
    assert outline_texts, "the 一是/二是 run is read by the outline"
    assert not any(i.source == "prose" and any(i.text in t for t in outline_texts) for i in items)
    assert any("有效需求不足" in t for t in texts)


ARGUED = ("我们也要看到，本县经济生活中还存在一些困难和问题。乡镇企业效益不高，部分产品积压；"
          "如果任其发展下去，多年形成的好局面就有可能遭到破坏；只有统筹考虑需要和可能，才能保持稳定增长；"
          "社会总需求过旺的矛盾虽已有所缓解，但物价上涨压力仍然较大；矛盾比较集中，旧矛盾和新矛盾相互交织；"
          "在处理速度和效益的关系上，对提高产品质量还缺乏有力措施；许多规章有的尚未建立，有的还不够健全；"
          "重大事故时有发生，给群众生命财产造成严重损失；对于这些困难，是前进中的问题，所有这些问题，"
          "我们也还可能遇到某些难于预料的困难，例如遭受严重的自然灾害。我们一定认真加以解决。")


def test_reasoning_in_a_passage_states_no_problem(res):
    """Conditions, generalisations, concessions, scenes, pointers, parts without a subject and
    problems named only in general are no problems; the problems among them still are."""
    heads = [i.head for i in problems(items_of(make_doc([ARGUED]), res))]
    for wanted in ("乡镇企业效益不高", "物价上涨压力仍然较大", "对提高产品质量还缺乏有力措施", "许多规章有的尚未建立",
                   "重大事故时有发生"):
        assert wanted in heads
    for unwanted in ("好局面", "有的还", "只有", "才能", "虽已", "矛盾比较集中", "相互交织", "在处理速度", "造成严重损失",
                     "对于这些困难", "前进中的问题", "所有这些问题", "难于预料", "自然灾害"):
        assert not any(unwanted in h for h in heads), unwanted


def test_a_subjectless_continuation_stays_in_the_text_of_its_problem(res):
    [item] = [i for i in problems(items_of(make_doc([ARGUED]), res)) if i.head == "许多规章有的尚未建立"]
    assert item.text == "许多规章有的尚未建立，有的还不够健全"


def test_a_problem_named_with_its_subject_in_general_words_is_kept(res):
    doc = make_doc(["我们也清醒看到，发展中还存在一些困难和问题：群众就业增收面临一些困难；部分地区结构性矛盾较为突出。"
                    "我们将认真解决。"])
    heads = [i.head for i in problems(items_of(doc, res))]
    assert heads == ["群众就业增收面临一些困难", "部分地区结构性矛盾较为突出"]


def test_a_cause_is_context_and_a_part_without_a_subject_keeps_the_one_before(res):
    doc = make_doc(["我们也清醒看到，发展中还存在一些困难和问题：本市经济外向度高，受到的冲击尤为直接；"
                    "受水资源、能耗等因素制约，绿色转型任重道远。我们将认真解决。"])
    items = problems(items_of(doc, res))
    assert [i.head for i in items] == ["本市经济外向度高，受到的冲击尤为直接", "绿色转型任重道远"]
    assert items[1].text == "受水资源、能耗等因素制约，绿色转型任重道远"


def test_a_prose_measure_list(res):
    doc = make_doc([BODY, "下一步，我们将：加强组织领导，压实工作责任；完善考核机制；加大经费投入。"])
    measures = [i for i in items_of(doc, res) if i.kind == "measure"]
    assert [i.head for i in measures] == ["加强组织领导，压实工作责任", "完善考核机制", "加大经费投入"]
    assert {i.source for i in measures} == {"prose"}


def test_a_passage_broken_over_two_lines_goes_on(res):
    doc = make_doc(["我们也清醒看到，经济社会发展中还存在不少困难和问题。部分行业产能过剩严重，财政收支矛盾较大，经",
                    "济金融风险隐患不容忽视。环境污染形势依然严峻。我们一定要直面挑战。"])
    heads = [i.head for i in problems(items_of(doc, res))]
    assert "部分行业产能过剩严重" in heads and "环境污染形势依然严峻" in heads
    assert not any("直面" in h for h in heads)


# --- lost line breaks ------------------------------------------------------------------------
REPORT = [
    "各位代表：",
    "现在，我代表市人民政府，向大会报告工作，请予审议。",
    "一、2024年工作回顾",
    "过去一年，全市经济运行总体平稳、稳中有进，发展质量持续提升，社会大局和谐稳定，各项工作取得新的成效。",
    "（一）产业结构持续优化",
    "制造业增加值增长百分之六，新兴产业占比提高两个百分点，一批重大项目建成投产，产业发展后劲进一步增强。",
    "（二）民生保障不断加强",
    "城镇新增就业五万人，新建改扩建中小学十所，基本养老保险覆盖面持续扩大，群众获得感明显提升。",
    PASSAGE,
    "二、2025年工作安排",
    "今年是“十四五”规划收官之年，做好今年工作意义重大，必须坚持稳中求进工作总基调，完整准确全面贯彻新发展理念。",
    "（一）着力扩大有效需求，推动经济持续回升向好",
    "大力提振消费。实施提振消费专项行动，加力扩围实施消费品以旧换新，培育一批消费新场景新业态。",
    "扩大有效投资。实施重大项目三百个以上，加快城市更新和老旧管网改造，激发民间投资活力。",
    "（二）加快建设现代化产业体系，培育发展新质生产力",
    "推动传统产业转型升级。实施制造业技术改造升级工程，推进智能化改造和数字化转型全覆盖。",
    "培育壮大新兴产业。聚焦新能源、新材料、生物医药等领域，打造一批特色产业集群，加快形成新的增长点。",
    "（三）持续保障和改善民生，增进人民福祉",
    "稳定和扩大就业。落实就业优先政策，加强高校毕业生、农民工等重点群体就业帮扶，新增城镇就业五万人以上。",
    "办好人民满意的教育。新建改扩建中小学和幼儿园二十所，推动义务教育优质均衡发展，提升职业教育质量。",
    "各位代表！新征程上，我们将坚定信心、真抓实干，奋力谱写高质量发展新篇章！",
]


def test_a_report_joined_into_one_line_gives_its_items_again(res):
    with_lines = items_of(make_doc(REPORT), res)
    joined = make_doc(["".join(REPORT)])
    one_line = items_of(joined, res)
    wanted = {(i.kind, i.head) for i in with_lines}
    got = {(i.kind, i.head) for i in one_line}
    assert len(wanted) >= 15
    assert len(wanted & got) >= 0.9 * len(wanted), sorted(wanted - got)
    repairs = [r for r in joined.removed if r.rule == linebreaks.RULE_ID]
    assert len(repairs) == 1 and repairs[0].line == 1
    assert all(line.no == 1 for line in joined.lines) and len(joined.lines) > 10


def test_a_report_with_its_lines_is_left_alone(res):
    doc = make_doc(REPORT)
    before = [line.text for line in doc.lines]
    linebreaks.run(doc, None, res)
    assert [line.text for line in doc.lines] == before and doc.removed == []


def test_inline_enumerations_stay_in_their_paragraph():
    rules = ItemRules.load()
    text = ("。".join(["一、总体要求", BODY * 10]) + "。二、存在问题一是重视不够。二是投入不足。三是机制不全。"
            + BODY * 10)
    pieces = linebreaks.split_paragraphs(text, rules, linebreaks.LineBreakRules.load())
    assert any(p.startswith("二、存在问题一是重视不够。二是投入不足。三是机制不全。") or
               p.startswith("一是重视不够。二是投入不足。三是机制不全。") for p in pieces)
    assert not any(p.startswith("二是") for p in pieces)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(REPORT + [BODY, "。", "一、", "（一）", "一是", " "]), min_size=1, max_size=30))
def test_restored_paragraphs_lose_and_add_no_text(parts):
    """Whatever the line, its pieces joined again are the line without whitespace at the cuts."""
    rules = ItemRules.load()
    text = "".join(parts)
    pieces = linebreaks.split_paragraphs(text, rules, linebreaks.LineBreakRules.load())
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
    assert all(p and p == p.strip() for p in pieces)


def test_label_precision_counts_only_judgements_of_items_still_made():
    """all_labels_precision counts every judgement ever made; current_labels_precision only those
    whose item the extractor still makes (an error since fixed drops out, one still made stays)."""
    from pipeline.evaluation.extraction import precision_from_labels

    labels = {"a": {"id": "a", "label": "1", "sample": "prose_x"},
              "b": {"id": "b", "label": "0", "sample": "prose_x"},      # fixed: no longer made
              "c": {"id": "c", "label": "0", "sample": "prose_y"},      # still made
              "d": {"id": "d", "label": "1", "sample": "prose_y"}}
    out = precision_from_labels([], labels, produced={"a", "c", "d", "z"})
    assert out["all_labels_precision"] == 0.5 and out["all_labels"] == 4
    assert out["current_labels"] == 3 and out["current_labels_precision"] == round(2 / 3, 4)
    assert out["prose_x_precision"] == 0.5 and out["prose_y_labelled"] == 2
    assert "current_labels_precision" not in precision_from_labels([], labels)


def _pieces(text: str) -> list[str]:
    return linebreaks.split_paragraphs(text, ItemRules.load(), linebreaks.LineBreakRules.load())


PARAGRAPH = ("坚持以人民为中心的发展思想，完善社区服务设施，提高公共服务水平，让城乡居民生活更加便利，"
             "推动各项惠民政策落地见效。")


def test_of_leads_in_a_row_the_shortest_starts_the_paragraph():
    """"…。推广社区嵌入式服务设施建设经验。稳定和扩大就业。落实…": the longer lead-like sentence
    ends the paragraph before, the short headline starts the next; a sentence with a figure is
    a body sentence even when short."""
    text = ("一、今年工作安排。" + PARAGRAPH + "推广社区嵌入式服务设施建设经验。稳定和扩大就业。"
            + PARAGRAPH + "办好人民满意教育。新建中小学8所。" + PARAGRAPH)
    pieces = _pieces(text)
    assert any(p.startswith("稳定和扩大就业。") for p in pieces), pieces
    assert any(p.startswith("办好人民满意教育。新建中小学8所。") for p in pieces), pieces
    assert not any(p.startswith(("推广社区嵌入式服务设施建设经验", "新建中小学8所")) for p in pieces), pieces


def test_a_measure_lead_naming_a_risk_starts_a_paragraph_a_problem_does_not():
    text = ("一、今年工作安排。" + PARAGRAPH + "防范化解地方债务风险。" + PARAGRAPH
            + "维护社会稳定的形势依然严峻。" + PARAGRAPH)
    pieces = _pieces(text)
    assert any(p.startswith("防范化解地方债务风险。") for p in pieces), pieces
    assert not any(p.startswith("维护社会稳定的形势依然严峻") for p in pieces), pieces


def test_a_long_heading_glued_to_its_lead_ends_before_the_lead_verb():
    """The heading's last clause runs into the lead sentence (together past heading_max): the
    first measure verb past the heading's own starts the lead, not a later one inside it."""
    text = (PARAGRAPH + "（一）坚持把发展绿色产业作为主攻方向，构建符合本市特点的现代化产业体系推动制造业提质增效。"
            + PARAGRAPH + "（二）聚焦加快结构调整，因地制宜培育本地新动能推动科技创新和产业创新深度融合。" + PARAGRAPH)
    pieces = _pieces(text)
    assert "（一）坚持把发展绿色产业作为主攻方向，构建符合本市特点的现代化产业体系" in pieces, pieces
    assert any(p.startswith("推动制造业提质增效。") for p in pieces), pieces
    assert "（二）聚焦加快结构调整，因地制宜培育本地新动能" in pieces, pieces
    assert any(p.startswith("推动科技创新和产业创新深度融合。") for p in pieces), pieces
    assert not any(p.startswith("创新深度融合") for p in pieces), pieces


def test_a_heading_naming_a_result_ends_after_its_verb_not_after_a_frame():
    """"…，市场活力进一步激发|新区引领作用加快发挥。": the result heading ends after its adverb and
    verb; "…，在发展中稳步提升民生保障水平。" has no subject (a frame): one heading, uncut."""
    text = (PARAGRAPH + "（一）全方位推进高水平改革开放，市场活力和社会创造力进一步激发新区引领作用加快发挥。"
            + PARAGRAPH + "（二）着力增进民生福祉，在发展中稳步提升民生保障水平。" + PARAGRAPH)
    pieces = _pieces(text)
    assert "（一）全方位推进高水平改革开放，市场活力和社会创造力进一步激发" in pieces, pieces
    assert any(p.startswith("新区引领作用加快发挥。") for p in pieces), pieces
    assert any(p.startswith("（二）着力增进民生福祉，在发展中稳步提升民生保障水平。") for p in pieces), pieces
    assert not any(p.startswith("民生保障水平") for p in pieces), pieces


def test_yishi_paragraphs_after_a_heading_end_and_their_glued_headings():
    """"一、明年重点工作一是…": the 一是 run starts at the heading's end, and each 一是 part that
    was a paragraph ends its own heading where the lead starts; a verb made a noun ("协调性")
    starts no lead."""
    text = (PARAGRAPH + "一、明年重点工作一是聚焦扩大内需，着力提消费促投资大力提振消费需求。" + PARAGRAPH * 3
            + "二是大力推进新型工业化，加快构建现代化产业体系强化科技创新引领。" + PARAGRAPH * 3
            + "三是加力实施强县富民工程，城乡区域发展协调性不断增强。" + PARAGRAPH * 3)
    pieces = _pieces(text)
    assert "一、明年重点工作" in pieces, pieces
    assert "一是聚焦扩大内需，着力提消费促投资" in pieces, pieces
    assert any(p.startswith("大力提振消费需求。") for p in pieces), pieces
    assert "二是大力推进新型工业化，加快构建现代化产业体系" in pieces, pieces
    assert any(p.startswith("强化科技创新引领。") for p in pieces), pieces
    assert any(p.startswith("三是加力实施强县富民工程，城乡区域发展协调性不断增强。") for p in pieces), pieces
    assert not any(p.startswith("协调性") for p in pieces), pieces
