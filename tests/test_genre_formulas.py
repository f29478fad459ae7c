"""A body's own formula ("现述职如下", "特制定本方案", "具体总结如下") against the model's guess, and
the formulas of rules/genres.toml that state a genre — on made-up bodies."""
from __future__ import annotations

import numpy as np
import pytest

from pipeline.config import Config
from pipeline.genre.tagger import GenreTagger
from pipeline.genre.taxonomy import Taxonomy

CFG = Config.load()["genre"]


class FixedModel:
    """A stand-in for the genre model: the same probabilities for every text."""

    def __init__(self, proba: dict[str, float]):
        self.classes_ = np.asarray(sorted(proba))
        self._row = np.asarray([proba[c] for c in self.classes_])

    def predict_proba(self, texts):
        return np.tile(self._row, (len(texts), 1))


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


def tagger_saying(taxonomy, proba: dict[str, float]) -> GenreTagger:
    known = {c: 50 for c in proba}
    return GenreTagger(taxonomy, FixedModel(proba), CFG, {"documents_per_label": known})


SURE_OF_SUMMARY = {"work_summary": 0.8, "work_plan": 0.1, "duty_report": 0.05, "other": 0.05}


@pytest.mark.parametrize("body, genre", [
    ("为做好本学期的教研工作，结合我校实际，特制定本方案。\n一、指导思想\n二、工作目标", "work_plan"),
    ("一年来，我在局党委的领导下认真履行职责，现述职如下：\n一、加强学习\n二、狠抓落实", "duty_report"),
])
def test_a_body_formula_overrules_a_model_that_names_another_genre(taxonomy, body, genre):
    d = tagger_saying(taxonomy, SURE_OF_SUMMARY).body_decision(body)
    assert (d.genre, d.source) == (genre, "cues")
    assert "own formula" in d.reason and "model work_summary 0.80" in d.reason
    assert d.score >= CFG["threshold"]


def test_the_model_decides_when_its_genre_has_the_formula_too(taxonomy):
    body = "本学期即将结束，具体总结如下：\n一、教学工作\n二、教研活动"   # the summary formula, the model says summary
    d = tagger_saying(taxonomy, SURE_OF_SUMMARY).body_decision(body)
    assert (d.genre, d.source) == ("work_summary", "model")


def test_a_body_that_states_two_genres_is_decided_by_model_and_cues_together(taxonomy):
    # no formula decides alone; the stated genres' cues add to their small probabilities
    body = "现述职如下：一、工作情况。为做好明年工作，特制定本方案。"
    d = tagger_saying(taxonomy, {"speech": 0.7, "work_plan": 0.1, "duty_report": 0.1, "other": 0.1}).body_decision(body)
    assert d.genre in ("duty_report", "work_plan") and d.source == "cues"
    assert d.genre != "speech"
    cfg = dict(CFG, cue_blend=0.0)        # the model first: its genre stands
    old = GenreTagger(taxonomy, FixedModel({"speech": 0.7, "work_plan": 0.1, "duty_report": 0.1, "other": 0.1}), cfg,
                      {"documents_per_label": {"speech": 50, "work_plan": 50, "duty_report": 50, "other": 50}})
    assert old.body_decision(body).as_tuple()[::2] == ("speech", "model")


UNSURE = {"work_summary": 0.3, "work_plan": 0.25, "speech": 0.2, "other": 0.25}


def test_cues_tip_an_unsure_model_towards_their_genre(taxonomy):
    # plan cues, none of them a formula: 指导思想, 力争, 新学期
    body = "新学期里，我们力争把教研工作做得更好。\n一、指导思想\n二、工作目标"
    d = tagger_saying(taxonomy, UNSURE).body_decision(body)
    assert d.genre == "work_plan"
    assert "work_plan" in d.reason and "model 0.25" in d.reason
    assert d.score >= CFG["threshold"]          # a genre taken scores at least what taking it needs
    assert d.genre != "work_summary"


def test_a_sure_model_outweighs_a_weak_cue_of_another_genre(taxonomy):
    body = "今年我们做了很多事情，大家都很辛苦。下一阶段继续努力。"    # one weak plan cue (下一阶段)
    d = tagger_saying(taxonomy, SURE_OF_SUMMARY).body_decision(body)
    assert (d.genre, d.source) == ("work_summary", "model")
    assert d.score == pytest.approx(0.8)


def test_neither_model_nor_cues_reaching_the_threshold_is_other(taxonomy):
    flat = {"work_summary": 0.2, "work_plan": 0.2, "speech": 0.2, "reflection": 0.2, "other": 0.2}
    d = tagger_saying(taxonomy, flat).body_decision("天气很好，我们去了公园。")
    assert (d.genre, d.source) == ("other", "none")
    assert "no genre reaches its threshold" in d.reason


def test_the_model_decides_a_body_without_formula(taxonomy):
    d = tagger_saying(taxonomy, SURE_OF_SUMMARY).body_decision("今年我们做了很多事情，大家都很辛苦。")
    assert (d.genre, d.source) == ("work_summary", "model")


@pytest.mark.parametrize("body, genre", [
    ("本学期的工作即将结束，具体总结如下：", "work_summary"),
    ("现将本人一年来履行岗位职责的情况报告如下：", "duty_report"),
    ("某某同志：现述职如下。", "duty_report"),
    ("根据审计厅要求，我市立即组织整改。现将整改情况函告如下：", "rectification"),
    ("就审计工作报告反映问题的整改情况报告如下：", "rectification"),
    ("校团委：\n青春是永恒的，我申请加入共青团！", "application"),
    ("为了规范管理，结合实际，特制定本计划。", "work_plan"),
    ("为提高窗口服务质量，特制定月度绩效考核方案。", "work_plan"),
    ("经研究，决定开展校园安全专项整治活动。具体方案如下：", "work_plan"),
    ("对照会议主题，我代表班子作对照检查如下：", "check_materials"),
    ("现将本人对照检查情况报告如下：", "check_materials"),
])
def test_formulas_that_state_the_genre(taxonomy, body, genre):
    assert taxonomy.decisive_genres(body, CFG["decisive_cue_weight"]) == {genre}


@pytest.mark.parametrize("body", [
    "回顾历史，我们更加珍惜今天的幸福生活。",          # a bare 回顾 is no summary
    "下面我简单总结一下今天会议的精神。",               # a speech that sums up the meeting
    "他申请加入了学校的篮球队。",                        # joining a team is no application to the League
    "各单位要认真落实整改措施。",                        # a mention of 整改, no report of it
    "会上，他特别制定了下周的出游路线。",                # 特别制定 is no 特制定…方案
    "方案如下图所示，施工单位应按图施工。",              # a bare 方案如下图 names no plan of its own
    "刚才，几位同志作了对照检查，下面我讲几点意见。",    # a speech that mentions 对照检查
])
def test_words_near_a_formula_state_no_genre(taxonomy, body):
    assert taxonomy.decisive_genres(body, CFG["decisive_cue_weight"]) == frozenset()


@pytest.mark.parametrize("body", [
    "本销售部门管理制度旨在规范销售团队的工作流程。",
    "为加强考勤管理，根据有关规定，制定本考勤制度。",
    "本制度适用于公司全体员工。",
])
def test_a_text_that_names_itself_a_制度_has_the_cues_of_a_规定(taxonomy, body):
    scores = taxonomy.cue_scores(body)
    assert max(scores, key=scores.get) == "provision"


@pytest.mark.parametrize("body", [
    "我国的基本经济制度是社会主义市场经济。",           # 制度 as a subject, not the text itself
    "这项制度的建立使学校管理更加规范。",
])
def test_a_制度_that_is_not_the_text_itself_is_no_cue(taxonomy, body):
    assert "provision" not in taxonomy.cue_scores(body)


def test_looking_back_and_forward_are_cues_of_summary_and_plan(taxonomy):
    summary = taxonomy.cue_scores("转眼间又是一年，回顾这一年，我们取得了显著的成绩。")
    plan = taxonomy.cue_scores("新的一年里，我们力争实现三个突破，具体安排如下：")
    assert max(summary, key=summary.get) == "work_summary"
    assert max(plan, key=plan.get) == "work_plan"
    assert "work_plan" not in summary and "work_summary" not in plan


# ----------------------------------------------------------------------------- texts that are no report

@pytest.fixture(scope="module")
def cues_only(taxonomy) -> GenreTagger:
    return GenreTagger(taxonomy, None, CFG)


NEWS = ("近日，某街道社区召开疫情防控工作推进会，社区全体工作人员参加了会议。\n"
        "据悉，会上社区主任对前一阶段的工作进行了回顾，并对下一步工作提出了要求。")
PAPER = ("关键词：实践教学；教学改革\n中图分类号：G642.0 文献标志码：A 文章编号：1000-0000(2016)01-0001-02\n"
         "一、研究的意义和目的\n高校实践教学是人才培养的重要环节[1]。")
CERTIFICATE = "兹有某某同学于2023年7月至8月在我单位实习，表现良好，完成了实习任务。\n特此证明。\n（实习单位公章）"


@pytest.mark.parametrize("title, body, named", [
    ("社区疫情防控工作总结", NEWS, "work_summary"),
    ("大学生的个人实习报告", PAPER, "internship"),
    ("大学生的个人实习报告", CERTIFICATE, "internship"),
])
def test_a_body_that_is_no_report_is_other_whatever_the_title_says(cues_only, title, body, named):
    d = cues_only.decide(title, body)
    assert (d.genre, d.source, d.title_genre) == ("other", "cues", named)
    assert d.reason.startswith(f"title names {named} but the body is no report")
    assert d.not_report


def test_a_body_without_title_that_is_no_report_is_other(cues_only):
    d = cues_only.decide(None, PAPER)
    assert (d.genre, d.source) == ("other", "cues")
    assert "中图分类号" in d.reason


@pytest.mark.parametrize("title, body, genre", [
    # a report that states its genre, despite a news lead
    ("某小学安全工作自查报告", "近日，按照县教育局的通知要求，我校开展了安全工作自查。现将自查情况报告如下：\n一、基本情况",
     "self_inspection"),
    # a report that opens like news
    ("乡镇服务能力建设调研报告", "近日，县政协调研组深入各乡镇开展专题调研。调研发现，服务能力仍有不足，提出对策建议如下。",
     "research"),
])
def test_a_report_with_a_news_lead_stays_a_report(cues_only, title, body, genre):
    assert cues_only.decide(title, body).genre == genre
    assert cues_only.decide(None, body).genre == genre


def test_one_citation_mark_alone_does_not_make_a_report_other(cues_only):
    body = "这次实习期间，我在实习单位学到了很多专业知识，理论和实践结合可以降低浪费[1]。"
    assert cues_only.decide("机械厂实习报告", body).genre == "internship"
    assert cues_only.taxonomy.not_report_evidence(body)[0] < CFG["not_report_threshold"]


def test_a_title_that_is_the_body_s_first_sentence_is_read_with_the_body(cues_only):
    first = "按照会议要求，现将我履行基层党建工作第一责任人职责情况报告如下"
    body = "一、履职工作特色和亮点\n做好抓基层、打基础的工作，对于巩固党的执政基础非常重要。"
    d = cues_only.decide(first, body)
    assert (d.genre, d.source) == ("duty_report", "cues")
    assert cues_only.decide("某某镇党委书记工作体会", body).genre != "duty_report"   # a real title stays out of the body


@pytest.mark.parametrize("body", [
    "保障人民基本文化权益，繁荣发展文化事业。",                 # 基本文化: no paper's 本文
    "国务院同意，现转发给你们，请遵照执行。一九八〇年一月二十日（本文有删减）",   # an editor's note
    "本文件自发布之日起施行。",
])
def test_an_official_text_is_no_paper_for_its_characters_本文(taxonomy, body):
    assert taxonomy.not_report_evidence(body) == (0.0, [])


def test_explain_names_the_formulas_of_a_text_that_is_no_report(cues_only):
    why = cues_only.explain("大学生的个人实习报告", PAPER)
    assert why["genre"] == "other" and why["title_genre"] == "internship"
    assert "中图分类号" in why["not_report"]
    assert cues_only.explain("机械厂实习报告", "这次实习期间，我在实习单位学到了很多。")["not_report"] == []
