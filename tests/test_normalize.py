"""normalize: the page-at-once version equals normalising line by line."""
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.text.normalize import normalize_line, normalize_lines

_chars = st.sampled_from(list("政府服務報告發展臺灣营商环境 　\t\r\x0b\x1c\x85\u2028\u00a0\u200b\ufeff２ｘＡa1，。、《》"))
_line = st.text(alphabet=_chars, max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(_line, max_size=10), st.booleans())
def test_page_at_once_equals_line_by_line(lines, t2s):
    assert normalize_lines(lines, t2s) == [normalize_line(line, t2s) for line in lines]


def test_lines_keep_their_number_and_are_normalised():
    lines = ["　　政府服務報告 ２０ｘｘ年  ", "", "  營商環境\u3000\u3000優化", "\u200b"]
    assert normalize_lines(lines) == ["政府服务报告 20xx年", "", "营商环境 优化", ""]
