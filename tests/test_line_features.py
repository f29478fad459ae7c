"""The line model's features computed the fast way are the plain way's: character shares of a
whole page at once, hashed n-grams (made-up lines)."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean.line_features import _hashed_grams, _hasher, _page_shares, _shares
from pipeline.clean.cues import CleanRules

LINES = ["您的位置：首页 > 范文 > 工作报告", "下一篇：2023年学校安全自查报告", "版权所有 © 2024 某某范文网",
         "COPYRIGHT 2024", "Copyrıght 2024", "以下是小编为大家收集的自查报告，仅供参考，欢迎阅读！",
         "一、基本情况", "为切实做好安全生产工作，现将自查情况报告如下：", "点击下载word文档", "阅读：1234",
         "", "a", "12/34", "【字体：大 中 小】", "上一篇"]
ALPHABET = "您的位置首页范文下一篇版权所有小编为大家收集仅供参考欢迎阅读点击下载文档：:>|,，。 0123456789aAbCwordıİ©\t"


@settings(max_examples=200)
@given(st.lists(st.text(alphabet=ALPHABET + "\U0001F600²١", max_size=30), max_size=6))
def test_page_shares_are_the_line_by_line_shares(texts):
    assert _page_shares(texts) == [_shares(t) for t in texts]


def test_page_shares_of_made_up_lines():
    assert _page_shares(LINES) == [_shares(t) for t in LINES]
    shares = _page_shares(["ab12,。", "", "  "])
    assert shares[0] == (2 / 6, 2 / 6, 2 / 6, 0.0)
    assert shares[1] == (0.0, 0.0, 0.0, 0.0) and shares[2] == (0.0, 0.0, 0.0, 1.0)


def test_hashed_grams_are_the_hashers():
    texts = ["^您的位置：首页$", "^a  B$", "^$", "^为切实做好安全生产工作，现将自查情…报告如下：$"]
    want, got = _hasher().transform(texts), _hashed_grams(texts)
    assert np.array_equal(want.indptr, got.indptr) and np.array_equal(want.indices, got.indices)
    assert np.array_equal(want.data, got.data) and want.dtype == got.dtype


# --------------------------------------------------------------------------- title-related features

BODY = "为切实做好安全生产工作，按照县安委会的统一部署，我镇于近期组织开展了安全生产大检查，现将自查情况报告如下："


def _features(lines: list[str]) -> list[dict[str, float]]:
    from pipeline.clean.line_features import _OWN, own_features
    from pipeline.config import Config
    from pipeline.resources import Resources

    order, rows = own_features(lines, {}, Resources(Config.load()).clean_rules)
    assert order == [i for i, t in enumerate(lines) if t]
    return [dict(zip(_OWN, map(float, row))) for row in rows]


def test_title_like_lines_and_where_lines_stand_to_them():
    rows = _features(["网站首页 登录 注册", "2023-05-04 16:21", "学校安全自查报告（精选3篇）",
                      "同志们：", BODY, "二、存在的问题", "1.中心小学安全自查报告范文", "2.最新的学校消防安全自查报告"])
    assert [r["title_end"] for r in rows] == [0, 0, 1, 0, 0, 0, 1, 1]
    assert [r["listed_title"] for r in rows] == [0, 0, 0, 0, 0, 0, 1, 1]       # a numbered title: a link list
    assert [r["before_first_title"] for r in rows] == [1, 1, 0, 0, 0, 0, 0, 0]
    assert [r["after_title"] for r in rows] == [0, 0, 0, 1, 0, 0, 0, 0]        # the salutation under the title


def test_a_sentence_or_a_heading_naming_a_report_is_no_title():
    rows = _features(["现将自查情况报告如下：", "一、实习报告的意义", "我们认真学习了这份工作报告。"])
    assert [r["title_end"] for r in rows] == [0, 0, 0]


def test_a_title_glued_onto_the_first_sentence():
    rows = _features(["银行结算账户自查报告", "银行结算账户自查报告引言：" + BODY, BODY, "自查报告"])
    assert [r["glued_title"] for r in rows] == [0, 1, 0, 0]


def test_file_names_are_a_shape():
    rows = _features(["002.jpg (156.71 KB, 下载次数: 113)", "附件：实施方案.docx", BODY, "www.example.com"])
    assert [r["shape_file_ext"] for r in rows] == [1, 1, 0, 0]


def test_titles_of_official_documents_are_title_like():
    rows = _features(["某某煤炭问题的批复", "关于开展安全检查的请示", "会议纪要", BODY])
    assert [r["title_end"] for r in rows] == [1, 1, 1, 0]


# --------------------------------------------------------------------------- intro wording

SITE_INTRO = "相信许多人会觉得报告很难写吧，以下是小编精心整理的关于农村养老的调研报告，仅供参考，希望能够帮助到大家。"
SPEECH = "同学们，新的学期希望大家珍惜时光，勤奋学习，我也希望每位老师都能够为大家做出表率，用爱心温暖每一个孩子。"


def test_a_site_lead_in_uses_several_of_the_intro_wordings():
    intro_talk = CleanRules.load().intro_talk
    assert intro_talk(SITE_INTRO) >= 3
    assert intro_talk("以下就是一篇精选读书日心得体会范文，让我们一起看看吧~") >= 3
    assert intro_talk("本文由某某网整理，欢迎阅读。") == 2
    assert intro_talk(SPEECH) <= 1                                  # a speech hopes things for 大家 too
    assert intro_talk(BODY) == 0 and intro_talk("我们收集了大量一手资料，为政府决策提供参考依据。") == 0
    assert intro_talk(BODY * 10 + SITE_INTRO) >= 3                  # the end of a long line is read too
    assert intro_talk("报告具有语言陈述性的特点，下面是小编为大家整理的工作报告。") == 3   # talk about the genre
    assert intro_talk("自查报告应包括对账户持有人身份的核实，确保信息真实。") == 1        # one wording: a report's own sentence


def test_intro_wording_columns():
    rows = _features(["农村养老调研报告", SITE_INTRO, SPEECH, BODY])
    assert [r["intro_talk2"] for r in rows] == [0, 1, 0, 0]
    assert [r["intro_talk3"] for r in rows] == [0, 1, 0, 0]
    assert rows[1]["intro_talk"] == 1.0 and rows[2]["intro_talk"] < 0.34 and rows[3]["intro_talk"] == 0


def test_lines_above_the_sites_lead_in():
    rows = _features(["农村养老调研报告（精选3篇）", "2023-05-04 16:21", SITE_INTRO, "农村养老调研报告 篇1", BODY, SPEECH])
    assert [r["before_intro"] for r in rows] == [1, 1, 0, 0, 0, 0]       # the page title sits above the intro
    rows = _features(["农村养老调研报告", BODY, SPEECH])                  # no lead-in on the page
    assert [r["before_intro"] for r in rows] == [0, 0, 0]
