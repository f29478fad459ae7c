"""strip_title_repeat's loose reading of a text (spacing and punctuation ignored, widths folded)
is the per-character one (made-up texts)."""
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.genre.features import _LOOSE, _fold_width, _loose_with_positions, strip_title_repeat


def _reference(text):
    chars, positions = [], []
    for i, ch in enumerate(_fold_width(text)):
        if not _LOOSE.fullmatch(ch):
            chars.append(ch)
            positions.append(i)
    return "".join(chars), positions


@settings(max_examples=300)
@given(st.text(alphabet="关于推行煤电联营的批复通知ＡＢab12 \u3000\u200b\t\n#*>-—_·•:：,，.。、\"“”'‘’\U0001F600", max_size=40))
def test_loose_reading_is_the_per_character_one(text):
    assert _loose_with_positions(text) == _reference(text)


def test_title_repeat_with_spaced_and_wrapped_titles():
    assert _loose_with_positions("通　知：ＡＢ") == ("通知AB", [0, 2, 4, 5])
    assert strip_title_repeat("关于开展安全检查的通知", "关于开展安全检查的 通 知\n各单位：") == "各单位："
    assert strip_title_repeat("某某报告", "某某报告正文") == "正文"
