"""How the line model's probabilities become a decision: the most probable label, or the
non-body labels together when they outweigh the rest (made-up coefficients)."""
import numpy as np

from pipeline.clean.line_model import LineModel

CLASSES = ("body", "chrome", "intro", "page_title", "report_title")


def model_with(proba: list[float]) -> LineModel:
    """A model whose every row gets ``proba`` (zero weights, log-probabilities as intercepts)."""
    return LineModel(CLASSES, np.zeros((len(CLASSES), 3), dtype=np.float32), np.log(np.asarray(proba, dtype=np.float32)))


def test_the_top_label_decides_without_a_mass_threshold():
    [(label, p)] = model_with([0.4, 0.3, 0.25, 0.04, 0.01]).label_lines(np.zeros((1, 3)))
    assert label == "body" and abs(p - 0.4) < 1e-5


def test_chrome_and_intro_together_outweigh_body():
    [(label, p)] = model_with([0.4, 0.3, 0.25, 0.04, 0.01]).label_lines(np.zeros((1, 3)), nonbody_p=0.5)
    assert label == "chrome" and abs(p - 0.59) < 1e-5


def test_body_and_title_together_keep_the_line():
    rows = model_with([0.35, 0.2, 0.1, 0.05, 0.3]).label_lines(np.zeros((2, 3)), nonbody_p=0.5)
    assert [label for label, _ in rows] == ["body", "body"]


def test_a_nonbody_top_label_keeps_its_own_probability():
    [(label, p)] = model_with([0.2, 0.1, 0.6, 0.05, 0.05]).label_lines(np.zeros((1, 3)), nonbody_p=0.5)
    assert label == "intro" and abs(p - 0.6) < 1e-5
