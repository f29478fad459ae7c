"""CalibratedProba gives exactly what the model's own predict_proba gives (made-up texts)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.genre.linear_proba import CalibratedProba

WORDS = ["自查", "整改", "实习", "调研", "报告", "问题", "措施", "学生", "单位", "工作", "总结", "计划", "申请", "特此"]


def _texts(rng, n):
    return ["".join(rng.choice(WORDS, size=rng.integers(3, 30))) for _ in range(n)]


def _model(n_classes, ensemble):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    rng = np.random.default_rng(n_classes)
    texts = _texts(rng, 60)
    labels = [f"g{i % n_classes}" for i in range(60)]
    model = Pipeline([
        ("hash", HashingVectorizer(analyzer="char", ngram_range=(1, 2), n_features=512, alternate_sign=False)),
        ("tfidf", TfidfTransformer()),
        ("clf", CalibratedClassifierCV(LinearSVC(random_state=0), method="sigmoid", cv=3, ensemble=ensemble)),
    ])
    return model.fit(texts, labels)


@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("ensemble", [True, False])
def test_same_probabilities_as_predict_proba(n_classes, ensemble):
    model = _model(n_classes, ensemble)
    fast = CalibratedProba(model)
    assert fast._parts is not None            # the fast path is taken, not the fallback
    texts = _texts(np.random.default_rng(7), 40) + ["", "无关文字"]
    np.testing.assert_allclose(fast(texts), model.predict_proba(texts), rtol=1e-12, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(WORDS + ["。", "，", "a", "1"]), max_size=40).map("".join))
def test_property_equal_on_any_text(text):
    model = _MODEL
    np.testing.assert_allclose(CalibratedProba(model)([text]), model.predict_proba([text]), rtol=1e-12, atol=1e-15)


_MODEL = _model(4, False)


def test_other_models_use_their_own_predict_proba():
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    texts = _texts(np.random.default_rng(3), 30)
    model = Pipeline([("hash", HashingVectorizer(analyzer="char", n_features=256)),
                      ("clf", LogisticRegression())]).fit(texts, [i % 2 for i in range(30)])
    fast = CalibratedProba(model)
    assert fast._parts is None
    np.testing.assert_array_equal(fast(texts[:5]), model.predict_proba(texts[:5]))


def test_the_shipped_genre_model_gives_the_same_probabilities():
    from pipeline.config import Config
    from pipeline.resources import Resources

    tagger = Resources(Config.load()).genre_classifier
    if tagger.model is None:
        pytest.skip("no genre model shipped")
    fast = CalibratedProba(tagger.model)
    assert fast._parts is not None
    texts = ["现将自查情况报告如下：一、基本情况。经自查，我单位未发现问题。", "尊敬的党组织：我志愿加入中国共产党。此致敬礼",
             "为认真贯彻落实上级部署，结合实际，制定本实施方案。"]
    np.testing.assert_allclose(fast(texts), tagger.model.predict_proba(texts), rtol=1e-10, atol=1e-13)
