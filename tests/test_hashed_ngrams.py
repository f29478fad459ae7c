"""hashed_ngrams and feature_rows compute exactly scikit-learn's hashed rows (made-up texts)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils.murmurhash import murmurhash3_32

from pipeline.text.hashed_ngrams import char_ngram_counts, char_ngram_rows, hashed_row, hashed_rows, murmurhash3_spans

# CJK, ASCII letters (upper case: lowercasing), spaces of several kinds, a full-width letter,
# accented and astral characters (UTF-8 of 1 to 4 bytes), NUL
ALPHABET = "自查整改报告 aBz\t\n\u3000Ａé\u0800\U0001F600\U0010FFFF\x00,。"
texts = st.text(alphabet=ALPHABET, max_size=40)


def _same(a, b):
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.array_equal(a.indptr, b.indptr)
    assert np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)


@settings(max_examples=150)
@given(st.lists(texts, min_size=1, max_size=4), st.sampled_from(["char", "char_wb"]),
       st.sampled_from([(1, 3), (2, 3), (1, 1), (3, 3)]), st.booleans(), st.sampled_from([16, 4096]))
def test_char_rows_are_scikit_learns(docs, analyzer, ngrams, lower, n_features):
    hv = HashingVectorizer(analyzer=analyzer, ngram_range=ngrams, n_features=n_features, alternate_sign=False,
                           norm=None, lowercase=lower, dtype=np.float32)
    want = hv.transform(docs)
    _same(char_ngram_rows(docs, analyzer == "char_wb", n_features, ngrams, lower), want)
    counts = [char_ngram_counts(d, analyzer == "char_wb", ngrams, lower) for d in docs]
    _same(hashed_rows(counts, n_features), want)


@settings(max_examples=100)
@given(st.lists(st.text(alphabet=ALPHABET, min_size=0, max_size=30), min_size=1, max_size=30))
def test_murmurhash_of_spans_is_murmurhash3_32(strings):
    encoded = [s.encode("utf-8") for s in strings]
    lengths = np.array([len(b) for b in encoded], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    got = murmurhash3_spans(data, starts, lengths).view(np.int32)
    assert got.tolist() == [murmurhash3_32(s, seed=0) for s in strings]


def test_longer_ngrams_and_words_go_the_counting_way():
    docs = ["自查报告 整改报告", "aB  cd"]
    for analyzer in ("char", "char_wb"):
        hv = HashingVectorizer(analyzer=analyzer, ngram_range=(2, 5), n_features=64, alternate_sign=False,
                               norm=None, dtype=np.float32)
        _same(char_ngram_rows(docs, analyzer == "char_wb", 64, (2, 5), lowercase=True), hv.transform(docs))
    from collections import Counter
    hv = HashingVectorizer(analyzer="word", n_features=64, alternate_sign=False, norm=None, dtype=np.float32)
    indices, data = hashed_row(Counter(hv.build_analyzer()("the cat the hat")), 64)
    want = hv.transform(["the cat the hat"])
    assert indices.tolist() == want.indices.tolist() and data.tolist() == want.data.tolist()
    assert sorted(data.tolist()) == [1.0, 1.0, 2.0]          # "the" twice


def test_empty_texts_give_empty_rows():
    X = char_ngram_rows(["", " \t "], True, 32)
    assert X.shape == (2, 32) and X.nnz == 0
    X = char_ngram_rows(["", "ab"], False, 32)
    assert X.indptr.tolist()[:2] == [0, 0] and X[1].sum() == 3      # a, b, ab


# --------------------------------------------------------------------------- the genre model's rows

def _shipped_model():
    from pipeline.genre.tagger import DEFAULT_MODEL_DIR, MODEL_FILE, load_model

    path = DEFAULT_MODEL_DIR / MODEL_FILE
    if not path.is_file():
        pytest.skip("no shipped genre model")
    return load_model(path)


def test_feature_rows_of_the_shipped_model_are_its_transform():
    from pathlib import Path

    from pipeline.genre.feature_rows import FeatureRows

    model = _shipped_model()
    rows = FeatureRows(model)
    assert rows.direct                       # computed here, not by the fallback
    sample = next(Path(__file__).resolve().parents[1].joinpath("corpus", "raw").glob("*.txt")).read_text(encoding="utf-8")
    docs = ["", "现将自查情况报告如下：\n一、基本情况\n  ABC def 特此报告。", "尊敬的党组织：\n我志愿加入中国共产党。\n此致\n敬礼",
            sample, sample[:5000], "x" * 7000]
    for doc in docs:
        _same(rows([doc]), model[:-1].transform([doc]))
    _same(rows(docs), model[:-1].transform(docs))


def test_feature_rows_fall_back_for_other_shapes():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from pipeline.genre.feature_rows import FeatureRows

    hv = HashingVectorizer(analyzer="char", n_features=64)          # alternate_sign: not computed here
    model = Pipeline([("hash", hv), ("clf", LogisticRegression())]).fit(["自查报告", "实习报告"], ["a", "b"])
    rows = FeatureRows(model)
    assert not rows.direct
    _same(rows(["自查"]), model[:-1].transform(["自查"]))
