"""A page's lines decoded as one label sequence: transitions estimated from gold label
sequences, Viterbi and forward-backward over the first stage's probabilities (made-up
probabilities and sequences)."""
import itertools

import numpy as np
import pytest

from pipeline.clean.line_model import LabelSequence, LineModel, sequence_decode

CLASSES = ("body", "chrome", "intro", "page_title", "report_title")
B, C, I, P, T = range(5)

# made-up gold pages: chrome at the top and the bottom, a title, body in one block
PAGES = [["chrome", "chrome", "chrome", "report_title", "body", "body", "body", "body", "chrome", "chrome"],
         ["page_title", "chrome", "intro", "report_title", "body", "body", "body", "chrome"],
         ["chrome", "chrome", "report_title", "body", "body", "body", "body", "body", "body"]] * 3


def rows(*probs) -> np.ndarray:
    return np.asarray(probs, dtype=np.float32)


def model_reading(proba: np.ndarray) -> LineModel:
    """A model whose first stage gives row k the probabilities ``proba[k]`` (the input is the
    identity matrix, the coefficients the log-probabilities)."""
    return LineModel(CLASSES, np.log(proba).T.astype(np.float32).copy(), np.zeros(len(CLASSES), dtype=np.float32),
                     sequence=LabelSequence.estimate(PAGES, CLASSES))


CHROME = [0.05, 0.85, 0.04, 0.03, 0.03]
BODY = [0.9, 0.04, 0.03, 0.01, 0.02]
BODYISH = [0.55, 0.35, 0.04, 0.03, 0.03]        # read alone, body; among chrome lines, chrome


def test_transitions_are_the_smoothed_counts_of_the_gold_sequences():
    seq = LabelSequence.estimate([["chrome", "body", "body"], ["chrome", "chrome"]], CLASSES, smoothing=1.0)
    trans = np.exp(seq.log_transition)
    assert np.allclose(trans.sum(axis=1), 1) and np.allclose(np.exp(seq.log_start).sum(), 1)
    assert trans[C, B] == pytest.approx(2 / 7) and trans[C, C] == pytest.approx(2 / 7)   # (1 + 1) / (2 + 5)
    assert trans[B, B] == pytest.approx(2 / 6) and trans[I, P] == pytest.approx(1 / 5)
    assert np.exp(seq.log_start)[C] == pytest.approx(3 / 7) and np.exp(seq.log_end)[B] == pytest.approx(2 / 7)


def test_a_lone_body_looking_line_in_a_chrome_block_becomes_chrome():
    proba = rows(CHROME, CHROME, BODYISH, CHROME, CHROME, BODY, BODY, BODY, BODY)
    model = model_reading(proba)
    alone = model.label_lines(np.eye(len(proba)), 0.5)
    assert alone[2][0] == "body"
    decoded = model.label_lines(np.eye(len(proba)), 0.5, sequence_weight=1.0)
    assert decoded[2][0] == "chrome" and 0.5 <= decoded[2][1] <= 1
    assert [label for label, _ in decoded[5:]] == ["body"] * 4          # the body block stays


def test_a_body_block_under_chrome_is_not_eaten():
    proba = rows(CHROME, CHROME, CHROME, BODYISH, BODY, BODYISH, BODY, BODY, CHROME)
    decoded = model_reading(proba).label_lines(np.eye(len(proba)), 0.5, sequence_weight=1.0)
    assert [label for label, _ in decoded] == ["chrome"] * 3 + ["body"] * 5 + ["chrome"]


def test_the_decoder_only_adds_nonbody_readings():
    # a chrome line between body lines: unlikely in sequence, but the line's own reading stands
    proba = rows(BODY, BODY, CHROME, BODY, BODY)
    decoded = model_reading(proba).label_lines(np.eye(len(proba)), 0.5, sequence_weight=2.0)
    assert decoded[2] == ("chrome", pytest.approx(0.85, abs=1e-5))


def test_no_weight_reads_every_line_alone():
    proba = rows(CHROME, BODYISH, CHROME)
    model = model_reading(proba)
    assert model.label_lines(np.eye(3), 0.5, sequence_weight=0.0) == model.label_lines(np.eye(3), 0.5)
    plain = LineModel(CLASSES, model.coef, model.intercept)            # no label sequence shipped
    assert plain.label_lines(np.eye(3), 0.5, sequence_weight=1.0) == model.label_lines(np.eye(3), 0.5)


def _brute_force(proba, seq, weight):
    n, c = proba.shape
    scores = {}
    for path in itertools.product(range(c), repeat=n):
        s = weight * seq.log_start[path[0]] + weight * seq.log_end[path[-1]] + sum(np.log(proba[k, y]) for k, y in enumerate(path))
        s += weight * sum(seq.log_transition[a, b] for a, b in zip(path, path[1:]))
        scores[path] = s
    best = max(scores, key=scores.get)
    z = np.logaddexp.reduce(list(scores.values()))
    marg = np.zeros((n, c))
    for path, s in scores.items():
        for k, y in enumerate(path):
            marg[k, y] += np.exp(s - z)
    return best, marg


@pytest.mark.parametrize("seed", range(5))
def test_viterbi_and_marginals_match_enumerating_every_sequence(seed):
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet(np.ones(5), size=4)
    seq = LabelSequence.estimate(PAGES, CLASSES, smoothing=0.5)
    path, post = sequence_decode(proba, seq, 0.7)
    best, marg = _brute_force(proba, seq, 0.7)
    assert tuple(path.tolist()) == best
    assert np.allclose(post, marg, atol=1e-6)


def test_an_empty_page_decodes_to_nothing():
    path, post = sequence_decode(np.zeros((0, 5)), LabelSequence.estimate(PAGES, CLASSES), 1.0)
    assert path.shape == (0,) and post.shape == (0, 5)
