"""The line model's features computed the fast way are the plain way's: character shares of a
whole page at once, cue hits behind literal gates, hashed n-grams (made-up lines)."""
import re
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean import CUE_GROUPS, CleanRules, Cue, CueSet
from pipeline.line_features import _hasher, _hashed_grams, _page_shares, _shares, cue_checker

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
    shares = _page_shares(["ab12,。", "", "  "])
    assert shares[0] == (2 / 6, 2 / 6, 2 / 6, 0.0)
    assert shares[1] == (0.0, 0.0, 0.0, 0.0) and shares[2] == (0.0, 0.0, 0.0, 1.0)


def _reference(cues, text):
    return CueSet.first(cues, text) is not None


@settings(max_examples=300)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_cue_checker_is_cueset_first(text):
    generic = CleanRules.load().generic
    for g in CUE_GROUPS:
        cues = getattr(generic, g)
        assert cue_checker(cues)(text) == _reference(cues, text), (g, text)


def test_cue_checker_on_made_up_lines_and_cues():
    generic = CleanRules.load().generic
    for g in CUE_GROUPS:
        cues = getattr(generic, g)
        check = cue_checker(cues)
        assert [check(t) for t in LINES] == [_reference(cues, t) for t in LINES], g
    assert cue_checker(generic.line)("下一篇：2023年学校安全自查报告")
    assert not cue_checker(generic.line)("为切实做好安全生产工作，现将自查情况报告如下：")
    # a cue whose only literal has a letter: under IGNORECASE it is always tried (ı matches i)
    cues = (Cue("cue:c", re.compile("copyright", re.IGNORECASE)), Cue("cue:x", re.compile("小编", re.IGNORECASE)))
    assert cue_checker(cues)("COPYRIGHT 2024") and cue_checker(cues)("Copyrıght") and cue_checker(cues)("小编推荐")
    assert not cue_checker(cues)("报告")


def test_hashed_grams_are_the_hashers():
    texts = ["^您的位置：首页$", "^a  B$", "^$", "^为切实做好安全生产工作，现将自查情…报告如下：$"]
    want, got = _hasher().transform(texts), _hashed_grams(texts)
    assert np.array_equal(want.indptr, got.indptr) and np.array_equal(want.indices, got.indices)
    assert np.array_equal(want.data, got.data) and want.dtype == got.dtype
