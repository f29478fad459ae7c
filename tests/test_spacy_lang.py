"""pipeline.nlp(): a spaCy Language with the project's words, POS and sentences."""
from __future__ import annotations

import pytest

import pipeline
from pipeline.text.segment import Segmenter

PARAGRAPH = (
    "一年来，我们深化放管服改革，持续优化营商环境。政务服务中心实行一站式服务！\n"
    "　　他说：“要学习。要工作。”群众办事最多跑一次；学习《关于加强……的通知。》文件。\n"
    "同时也要看到，还存在服务理念滞后等问题  2025年GDP增长5%"
)


@pytest.fixture(scope="module")
def nlp():
    return pipeline.nlp()


@pytest.fixture(scope="module")
def seg():
    return Segmenter()


def test_blank_chinese_pipeline(nlp):
    assert nlp.lang == "zh"
    assert nlp.pipe_names == ["policy_sentences"]


def test_tokens_equal_segmenter(nlp, seg):
    doc = nlp(PARAGRAPH)
    assert doc.text == PARAGRAPH                       # spaCy keeps every character
    assert [t.text for t in doc if not t.is_space] == seg.cut(PARAGRAPH)
    assert "放管服" in [t.text for t in doc] and "党建带妇建" in [t.text for t in nlp("坚持党建带妇建")]


def test_tags_equal_segmenter_pos(nlp, seg):
    doc = nlp(PARAGRAPH)
    assert [t.tag_ for t in doc if not t.is_space] == [tag for _, tag in seg.tag(PARAGRAPH)]
    assert all(t.tag_ == "_SP" for t in doc if t.is_space)


def test_sentences_equal_segmenter(nlp, seg):
    doc = nlp(PARAGRAPH)
    assert [s.text.strip() for s in doc.sents] == seg.sentences(PARAGRAPH)
    assert len(seg.sentences(PARAGRAPH)) == 6


def test_leading_whitespace_and_pipe(nlp, seg):
    texts = ["\n\n　　深化放管服改革。优化营商环境", "", "。"]
    for text, doc in zip(texts, nlp.pipe(texts)):
        assert [s.text.strip() for s in doc.sents if s.text.strip()] == seg.sentences(text)
        assert [t.text for t in doc if not t.is_space] == seg.cut(text)
