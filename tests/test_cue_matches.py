"""cue_matches: the genre cues' match counts and first matches, with literal gates, are
exactly what re's finditer gives."""
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.genre.cue_matching import cue_matches, register_cues, required_literals
from pipeline.genre.features import CueCounts

PATTERNS = ["现将(?:有关)?自查(?:自纠)?(?:工作)?情况(?:报告|汇报)如下", "(?:本次|这次|为期.{0,6})实习", "实习",
            r"[0-9.]+\s*[%％]的(?:受访|被调查)", "(?i)ab", "a(?i:b)c", "(ab)+c", "(?=自查)自", "特此(?:申请|报告)?",
            "报告|汇报", "^自查", "(?:a|.)查", "x*", "问题$"]
ALPHABET = "现将有关自查自纠工作情况报告汇报如下本次这为期实习受访被调的特此申请问题abcABx0.%％ \n"


def _reference(pattern: re.Pattern, text: str) -> tuple[int, str]:
    hits = [m.group(0) for m in pattern.finditer(text)]
    return len(hits), hits[0] if hits else ""


@settings(max_examples=300)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_same_as_finditer(text):
    compiled = [re.compile(p) for p in PATTERNS]
    register_cues(compiled)
    for p in compiled:
        assert cue_matches(p, text) == _reference(p, text), p.pattern


def test_a_pattern_first_asked_later_and_texts_in_turn():
    a, b = re.compile("整改(?:措施|任务)"), re.compile("立行立改")
    assert cue_matches(a, "落实整改措施，整改任务") == (2, "整改措施")
    assert cue_matches(b, "落实整改措施，整改任务") == (0, "")        # numbered after the text was read
    assert cue_matches(b, "立行立改，立行立改") == (2, "立行立改")
    assert cue_matches(a, "立行立改，立行立改") == (0, "")


def test_required_literals():
    must = required_literals("现将(?:有关)?自查情况(?:报告|汇报)如下")
    assert ("自查情况",) in must and ("现将",) in must and ("报告", "汇报") in must
    assert all("有关" not in clause for clause in must)          # optional: not required
    assert required_literals("(?:本次|这次|为期.{0,6})实习") == (("实习",), ("为期", "本次", "这次"))
    assert required_literals("(?i)ab") == ()                      # case-insensitive: no gate
    assert required_literals("a(?i:b)c") == (("a",), ("c",))
    assert required_literals("(ab)+c") == (("ab",), ("c",))
    assert required_literals("a|.") == ()                          # one alternative needs nothing
    assert ("%", "％") in required_literals(r"\d+[%％]")


def test_cue_counts_feature_uses_the_same_counts():
    counts = CueCounts(patterns=("实习", "自查"), scale=1.0).fit([])
    X = counts.transform(["实习实习自查", "无关"]).toarray()
    assert X[0, 0] == pytest.approx(1.0986122886681098) and X[0, 1] == pytest.approx(0.6931471805599453)
    assert X[1].tolist() == [0.0, 0.0]
