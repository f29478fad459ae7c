"""How the line model is trained: each line weighted by its host, so a site with many short
lines does not outweigh the others (made-up rows, no dev data)."""
import numpy as np
import pytest
import scipy.sparse as sp

from pipeline.clean.line_training import host_weights


def part(labels: list[str]):
    """A page's (rows, kept row indexes, labels) with one made-up feature row per line."""
    return sp.csr_matrix(np.ones((len(labels), 2), dtype=np.float32)), list(range(len(labels))), labels


def test_every_host_weighs_alike_at_exponent_one():
    parts = [part(["chrome"] * 6), part(["body", "chrome"]), part(["body", "body"])]
    w = host_weights(parts, ["a.com", "b.com", "b.com"], 1.0)
    assert len(w) == 10 and w.mean() == pytest.approx(1.0)
    assert w[:6].sum() == pytest.approx(w[6:].sum())        # 6 lines of a.com weigh as much as 4 of b.com
    assert len(set(np.round(w[6:], 6))) == 1                 # the pages of one host share its weight


def test_no_exponent_weighs_every_line_alike():
    parts = [part(["chrome"] * 6), part(["body"])]
    assert host_weights(parts, ["a.com", "b.com"], 0.0).tolist() == pytest.approx([1.0] * 7)


def test_a_host_with_more_lines_gives_each_line_less_weight():
    parts = [part(["chrome"] * 9), part(["body"])]
    w = host_weights(parts, ["long.com", "short.com"], 0.5)
    assert w[0] < w[-1] and w[0] == pytest.approx(w[-1] / 3) and w.mean() == pytest.approx(1.0)


def test_groups_must_match_the_parts():
    with pytest.raises(ValueError):
        host_weights([part(["body"])], ["a.com", "b.com"], 0.5)


def test_the_weighted_fit_is_deterministic():
    from pipeline.clean.line_training import fit

    rng = np.random.default_rng(0)
    parts = [(sp.csr_matrix(rng.normal(size=(4, 3)).astype(np.float32)), [0, 1, 2, 3], ["body", "chrome", "body", "chrome"])
             for _ in range(3)]
    assert np.array_equal(fit(parts, ["a", "b", "c"]).coef_, fit(parts, ["a", "b", "c"]).coef_)


@pytest.mark.parametrize("exponent, chrome", [(0.0, 0.9), (0.5, 0.75), (1.0, 0.5)])
def test_a_host_of_many_lines_no_longer_sets_the_prior_alone(monkeypatch, exponent, chrome):
    from pipeline.clean import line_training
    from pipeline.clean.line_model import LineModel

    monkeypatch.setattr(line_training, "HOST_WEIGHT", exponent)
    blank = sp.csr_matrix((1, 2), dtype=np.float32)      # rows that tell nothing: the fit learns the weighted prior
    parts = [(sp.csr_matrix((9, 2), dtype=np.float32), list(range(9)), ["chrome"] * 9), (blank, [0], ["body"])]
    model = LineModel.from_estimator(line_training.fit(parts, ["tags.example", "report.example"]))
    proba = model.first_stage(blank)[0]
    assert proba[model.classes.index("chrome")] == pytest.approx(chrome, abs=1e-3)


@pytest.mark.parametrize("labels", [["body", "chrome"], ["body", "chrome", "intro"]])
def test_the_models_probabilities_are_the_estimators(labels):
    from sklearn.linear_model import LogisticRegression

    from pipeline.clean.line_model import LineModel

    rng = np.random.default_rng(len(labels))
    X = rng.normal(size=(40, 3))
    est = LogisticRegression().fit(X, [labels[i % len(labels)] for i in range(40)])
    assert np.allclose(LineModel.from_estimator(est).first_stage(X), est.predict_proba(X), atol=1e-5)
