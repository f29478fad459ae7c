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


def test_the_model_decides_when_the_body_states_two_genres(taxonomy):
    body = "现述职如下：一、工作情况。为做好明年工作，特制定本方案。"
    d = tagger_saying(taxonomy, {"speech": 0.7, "work_plan": 0.1, "duty_report": 0.1, "other": 0.1}).body_decision(body)
    assert (d.genre, d.source) == ("speech", "model")


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
])
def test_formulas_that_state_the_genre(taxonomy, body, genre):
    assert taxonomy.decisive_genres(body, CFG["decisive_cue_weight"]) == {genre}


@pytest.mark.parametrize("body", [
    "回顾历史，我们更加珍惜今天的幸福生活。",          # a bare 回顾 is no summary
    "下面我简单总结一下今天会议的精神。",               # a speech that sums up the meeting
    "他申请加入了学校的篮球队。",                        # joining a team is no application to the League
    "各单位要认真落实整改措施。",                        # a mention of 整改, no report of it
])
def test_words_near_a_formula_state_no_genre(taxonomy, body):
    assert taxonomy.decisive_genres(body, CFG["decisive_cue_weight"]) == frozenset()


def test_looking_back_and_forward_are_cues_of_summary_and_plan(taxonomy):
    summary = taxonomy.cue_scores("转眼间又是一年，回顾这一年，我们取得了显著的成绩。")
    plan = taxonomy.cue_scores("新的一年里，我们力争实现三个突破，具体安排如下：")
    assert max(summary, key=summary.get) == "work_summary"
    assert max(plan, key=plan.get) == "work_plan"
    assert "work_plan" not in summary and "work_summary" not in plan
