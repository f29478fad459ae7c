"""segment stage: policy dictionary, POS tags, sentences, rjieba vs jieba, rule-file loading."""
from __future__ import annotations

import difflib
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import rules
from pipeline.config import Config, ConfigError
from pipeline.records import Document, Line
from pipeline.text import segment
from pipeline.text.segment import Segmenter, load_stopwords, parse_userdict
from pipeline.text.sentences import SentenceSplitter

# A made-up government-report paragraph (written for this test).
REPORT = (
    "一年来，我们深化放管服改革，持续优化营商环境，推进规范化服务型政府建设。"
    "政务服务中心实行一站式服务，行政审批事项全部实现一网通办，群众办事最多跑一次。"
    "全面推行河长制、林长制，坚持党建带妇建，扎实推进乡村振兴，加快构建双循环新发展格局，"
    "因地制宜发展新质生产力，推动高质量发展取得新成效。\n"
    "　　同时也要看到，还存在服务理念滞后、服务能力不强等问题。"
)
POLICY_TERMS = ["放管服", "营商环境", "规范化服务型政府", "政务服务中心", "一站式服务", "行政审批",
                "一网通办", "最多跑一次", "河长制", "林长制", "党建带妇建", "乡村振兴", "双循环",
                "新发展格局", "新质生产力", "高质量发展"]


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter()


@pytest.fixture(scope="module")
def plain_seg() -> Segmenter:
    return Segmenter(dict(Config.load()["segment"], userdict=""))


def python_jieba(user_words):
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    for uw in user_words:
        tok.add_word(uw.word, uw.freq, uw.tag)
    return tok


# -- words -----------------------------------------------------------------------------------
def test_policy_terms_are_single_tokens(seg):
    tokens = seg.cut(REPORT)
    for term in POLICY_TERMS:
        assert term in tokens, term


def test_plain_jieba_splits_the_policy_terms(plain_seg):
    tokens = plain_seg.cut(REPORT)
    assert {"党建带妇建", "规范化服务型政府", "最多跑一次", "一站式服务"}.isdisjoint(tokens)


def test_no_whitespace_tokens_and_no_characters_lost(seg):
    text = "  第一行　有全角空格\n\n第二行 2025年 GDP增长5.0%\r\n第三行\t完\n"
    tokens = seg.cut(text)
    assert tokens and not any(t.isspace() or not t for t in tokens)
    assert not any(ch.isspace() for t in tokens for ch in t)
    assert "".join(tokens) == "".join(text.split())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="政府服务营商环境放管服改革党建带妇建一二三。，；！？“”《》… \n\u3000ab12", max_size=80))
def test_cut_keeps_every_non_space_character(text):
    seg = _shared_segmenter()
    tokens, tags = seg.cut_and_tag(text)
    assert "".join(tokens) == "".join(text.split())
    assert len(tags) == len(tokens) and all(tags)
    assert not any(t.isspace() for t in tokens)


_SEGMENTER = []


def _shared_segmenter() -> Segmenter:
    if not _SEGMENTER:
        _SEGMENTER.append(Segmenter())
    return _SEGMENTER[0]


def test_dictionary_leaves_text_without_its_terms_alone(seg, plain_seg, seed_lines):
    """Lines of the sample page holding no user term are cut exactly as plain jieba cuts them
    (the terms' frequencies do not shift jieba's totals enough to matter)."""
    terms = [uw.word for uw in seg.user_words]
    lines = [ln for ln in seed_lines if len(ln) > 20 and not any(t in ln for t in terms)]
    assert len(lines) > 60
    assert [seg.cut(ln) for ln in lines] == [plain_seg.cut(ln) for ln in lines]


# -- POS -------------------------------------------------------------------------------------
def test_pos_equals_rjieba_tag(seg, seed_lines):
    import rjieba

    text = "\n".join(seed_lines) + "\n" + REPORT
    words, tags = seg.cut_and_tag(text)
    jb = rjieba.Jieba()
    for uw in seg.user_words:
        jb.add_word(uw.word, uw.freq, uw.tag)
    expected = [(w, t) for w, t in jb.tag(text) if not w.isspace()]
    assert list(zip(words, tags)) == expected


def test_user_terms_get_their_tags(seg):
    tagged = dict(seg.tag(REPORT))
    assert tagged["营商环境"] == "nz"
    assert tagged["最多跑一次"] == "l"
    assert tagged["放管服"] == "j"
    assert tagged["。"] == "x"


def test_tag_cache_is_bounded(seg):
    small = Segmenter(dict(Config.load()["segment"], tag_cache_max=5))
    first = small.tag(REPORT)
    assert len(small._tags) > 5
    assert small.tag(REPORT) == first          # cleared and refilled, same answer
    assert len(small._tags) <= len(set(w for w, _ in first))


def test_pos_off_gives_empty_tags():
    seg = Segmenter(dict(Config.load()["segment"], pos=False))
    words, tags = seg.cut_and_tag(REPORT)
    assert len(tags) == len(words) and set(tags) == {""}


# -- rjieba agrees with jieba ------------------------------------------------------------------
def test_rjieba_agrees_with_jieba_on_a_report_paragraph(seg):
    py = python_jieba(seg.user_words)
    assert seg.cut(REPORT) == [w for w in py.cut(REPORT) if not w.isspace()]


def test_rjieba_agrees_with_jieba_on_the_sample_page(seg, seed_lines):
    text = "\n".join(seed_lines)
    py = python_jieba(seg.user_words)
    a = [w for w in py.cut(text) if not w.isspace()]
    b = seg.cut(text)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    same = sum(m.size for m in matcher.get_matching_blocks())
    assert same / max(len(a), len(b)) >= 0.999
    diffs = [("".join(a[i1:i2]), a[i1:i2], b[j1:j2])
             for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]
    # the known difference: rjieba keeps a hyphenated number (2023-05-04) as one token
    for joined, _, _ in diffs:
        assert set(joined) <= set("0123456789-"), diffs
    assert 1 <= len(diffs) <= 5


# -- the stage ---------------------------------------------------------------------------------
class _Res:
    def __init__(self, seg):
        self.segmenter = seg


def test_run_fills_tokens_pos_sentences(seg, seed_lines):
    body = seed_lines[275:322]           # document 7 of the sample page
    doc = Document(doc_id="x-001", page_id="x", ordinal=1, title="t",
                   lines=[Line(276 + i, text) for i, text in enumerate(body)])
    segment.run(doc, None, _Res(seg))
    assert doc.tokens and len(doc.pos) == len(doc.tokens)
    assert "规范化服务型政府" in doc.tokens
    assert not any(t.isspace() for t in doc.tokens)
    assert doc.sentences and all("\n" not in s and s == s.strip() and s for s in doc.sentences)
    assert "".join(doc.sentences).replace(" ", "") == "".join(doc.text.split()).replace(" ", "")


def test_run_on_empty_document(seg):
    doc = Document(doc_id="x-002", page_id="x", ordinal=2, title="t", lines=[])
    segment.run(doc, None, _Res(seg))
    assert doc.tokens == [] and doc.pos == [] and doc.sentences == []


# -- sentences -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def split():
    return SentenceSplitter.default().split


def test_terminators_and_closing_marks(split):
    assert split("加强学习。提高能力！是否到位？下一步；继续……完") == \
        ["加强学习。", "提高能力！", "是否到位？", "下一步；", "继续……", "完"]
    assert split("（见附件。）然后") == ["（见附件。）", "然后"]
    assert split("Really? 是的!好") == ["Really?", "是的!", "好"]


def test_quotes(split):
    # a quotation ending with a terminator ends the sentence after the closing quote
    assert split("他说：“要学习。要工作。”我们同意。") == ["他说：“要学习。要工作。”", "我们同意。"]
    # a quotation inside a sentence is never split, even with a terminator inside
    assert split("提出“顾客第一！服务至上”的口号。然后") == ["提出“顾客第一！服务至上”的口号。", "然后"]
    # an unbalanced quote does not swallow the line
    assert split("他说：“要学习。要工作。我们同意。") == ["他说：“要学习。", "要工作。", "我们同意。"]


def test_book_titles_never_split(split):
    assert split("学习《关于加强……的通知。》文件；再学习。") == ["学习《关于加强……的通知。》文件；", "再学习。"]
    assert split("出版了《顾客至上：服务美国民众的标准！》手册。") == ["出版了《顾客至上：服务美国民众的标准！》手册。"]
    assert split("一个《没有结尾。后文") == ["一个《没有结尾。", "后文"]


def test_line_breaks_end_sentences(split):
    assert split("一、工作开展情况\n（一）加强领导，落实责任\n\n　　二是完善制度。") == \
        ["一、工作开展情况", "（一）加强领导，落实责任", "二是完善制度。"]


def test_ellipsis_before_comma_continues(split):
    assert split("放管服、营商环境……等改革，成效明显。") == ["放管服、营商环境……等改革，成效明显。"]


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet="政府服务。！？；…“”《》（）\n ，、等ab", max_size=60))
def test_sentences_lose_no_character(text):
    splitter = SentenceSplitter.default()
    sents = splitter.split(text)
    assert "".join(sents).replace(" ", "") == "".join(text.split()).replace(" ", "")
    assert all(s and s == s.strip() and "\n" not in s for s in sents)
    assert [text[a:b] for a, b in splitter.spans(text)] == sents


def test_sentence_settings_fail_loudly():
    cfg = dict(Config.load()["segment"])
    del cfg["sentence_end"]
    with pytest.raises(ConfigError, match="sentence_end"):
        SentenceSplitter(cfg)
    with pytest.raises(ConfigError, match="terminator"):
        SentenceSplitter(dict(Config.load()["segment"], sentence_end=".!"))


# -- rule files ------------------------------------------------------------------------------
def test_shipped_userdict_is_large_and_clean():
    entries = parse_userdict("userdict.txt")
    words = [w for w, _, _ in entries]
    assert len(words) >= 300 and len(set(words)) == len(words)
    assert not any(ch in w for w in words for ch in "、（）， \t")
    for term in POLICY_TERMS:
        assert term in words, term


def test_userdict_loading_is_safe(tmp_path, monkeypatch):
    content = ("\ufeff# header comment\r\n\r\n放管服改革 5 nz\r\n党建带妇建\r\n"
               "党建带妇建 9 v\r\n  最多跑一次  l  \r\n河长制 nz 7   # trailing comment\r\n\r\n")
    (tmp_path / "ud_test_safe.txt").write_bytes(content.encode("utf-8"))
    monkeypatch.setenv("POLICY_CORPUS_RULES", str(tmp_path))
    assert parse_userdict("ud_test_safe.txt") == [
        ("放管服改革", 5, "nz"), ("党建带妇建", None, None), ("最多跑一次", None, "l"), ("河长制", 7, "nz")]
    seg = Segmenter(dict(Config.load()["segment"], userdict="ud_test_safe.txt"))
    assert {uw.word for uw in seg.user_words} == {"放管服改革", "党建带妇建", "最多跑一次", "河长制"}
    assert "党建带妇建" in seg.cut("坚持党建带妇建")
    assert dict(seg.tag("坚持党建带妇建"))["党建带妇建"] == "nz"     # the first entry wins


@pytest.mark.parametrize("line", ["放管服 abc1", "放管服 0", "放管服 1 2", "放管服 nz v"])
def test_bad_userdict_lines_fail_loudly(tmp_path, monkeypatch, line):
    name = f"ud_bad_{abs(hash(line))}.txt"
    (tmp_path / name).write_text(line + "\n", encoding="utf-8")
    monkeypatch.setenv("POLICY_CORPUS_RULES", str(tmp_path))
    with pytest.raises(rules.RuleFileError):
        Segmenter(dict(Config.load()["segment"], userdict=name))


def test_too_large_frequency_fails_loudly(tmp_path, monkeypatch):
    (tmp_path / "ud_big.txt").write_text("放管服 99999999\n", encoding="utf-8")
    monkeypatch.setenv("POLICY_CORPUS_RULES", str(tmp_path))
    with pytest.raises(rules.RuleFileError, match="userdict_max_freq"):
        Segmenter(dict(Config.load()["segment"], userdict="ud_big.txt"))


def test_missing_setting_fails_loudly():
    cfg = dict(Config.load()["segment"])
    del cfg["hmm"]
    with pytest.raises(ConfigError, match="hmm"):
        Segmenter(cfg)


def test_stopwords():
    stop = load_stopwords()
    assert isinstance(stop, frozenset) and len(stop) > 1500
    for w in ["的", "了", "我们", "进一步", "切实", "一是", "认真"]:
        assert w in stop, w
    for w in ["加强", "问题", "不足", "营商环境", "服务", "政府", "建设"]:
        assert w not in stop, w


def test_cutting_the_whole_text_equals_cutting_line_by_line(seg, seed_lines):
    text = "\n".join(seed_lines) + "\n" + REPORT + "\n　　全角空格　分隔 5G-A\t网络\r\n建设"
    by_line = [w for line in text.split("\n") for w in seg.cut(line)]
    assert seg.cut(text) == by_line
    assert not any(w.isspace() for w in by_line)
