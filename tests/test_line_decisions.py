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


def test_a_line_read_as_a_report_title_keeps_that_reading_whatever_the_nonbody_mass():
    # chrome + intro + page_title = 0.55, but the single top label is report_title (0.4), not body
    [(label, p)] = model_with([0.05, 0.25, 0.1, 0.2, 0.4]).label_lines(np.zeros((1, 3)), nonbody_p=0.45)
    assert label == "report_title" and abs(p - 0.4) < 1e-5
    # the same mass over a body reading takes the line out
    [(label, p)] = model_with([0.4, 0.25, 0.1, 0.2, 0.05]).label_lines(np.zeros((1, 3)), nonbody_p=0.45)
    assert label == "chrome" and abs(p - 0.55) < 1e-5


def test_a_nonbody_top_label_keeps_its_own_probability():
    [(label, p)] = model_with([0.2, 0.1, 0.6, 0.05, 0.05]).label_lines(np.zeros((1, 3)), nonbody_p=0.5)
    assert label == "intro" and abs(p - 0.6) < 1e-5


class Decided:
    """A stand-in line model that reads the page's non-blank lines as ``labels`` say."""

    def __init__(self, labels):
        self.labels = labels

    def label_lines(self, X, nonbody_p=None, sequence_weight=0.0):
        assert X.shape[0] == len(self.labels)
        return self.labels


TITLE = "关于加强城乡社区服务工作的调研报告"
FIRST = "近日，调研组深入各乡镇，就社区服务开展专题调研。"
BODY = "全镇共有社区十二个，服务事项八十项，社区工作者一百二十人，覆盖全镇常住人口约六万人。"


def clean_with(labels, lines):
    from pipeline.clean import cleaner
    from pipeline.config import Config
    from pipeline.records import Page
    from pipeline.resources import Resources

    res = Resources(Config.load())
    res.__dict__["line_model"] = Decided(labels)
    page = Page(page_id="p", path="p.txt", format="txt", text="\n".join(lines))
    cleaned = cleaner.run(page, None, res)
    return [ln.text for ln in cleaned.lines], {r.line: r.rule for r in cleaned.removed}


def test_a_sentence_under_the_report_title_stays_unless_the_model_is_sure():
    kept, _ = clean_with([("report_title", 0.9), ("chrome", 0.75), ("body", 0.9)], [TITLE, FIRST, BODY])
    assert FIRST in kept
    kept, removed = clean_with([("report_title", 0.9), ("chrome", 0.95), ("body", 0.9)], [TITLE, FIRST, BODY])
    assert FIRST not in kept and removed[2] == "model:chrome"


def test_only_a_sentence_and_only_under_a_title_is_protected():
    date = "发布时间：近日"
    kept, removed = clean_with([("report_title", 0.9), ("chrome", 0.75), ("body", 0.9)], [TITLE, date, BODY])
    assert date not in kept                                  # no sentence: a publish line under the title goes
    kept, removed = clean_with([("page_title", 0.9), ("chrome", 0.75), ("body", 0.9)], [TITLE, FIRST, BODY])
    assert FIRST not in kept and removed[2] == "model:chrome"   # under a page title: the model decides


class Recording(Decided):
    """A stand-in that keeps the sequence weight the cleaner asked for."""

    def label_lines(self, X, nonbody_p=None, sequence_weight=0.0):
        self.weight = sequence_weight
        return super().label_lines(X, nonbody_p)


def test_the_cleaner_decodes_with_the_configured_sequence_weight():
    from pipeline.clean import cleaner
    from pipeline.config import Config
    from pipeline.records import Page
    from pipeline.resources import Resources

    res = Resources(Config.load())
    model = Recording([("report_title", 0.9), ("chrome", 0.6), ("body", 0.9)])
    res.__dict__["line_model"] = model
    res.config["clean"]["model_sequence_weight"] = 0.7
    cleaned = cleaner.run(Page(page_id="p", path="p.txt", format="txt", text="\n".join([TITLE, "浏览次数：12", BODY])), None, res)
    assert model.weight == 0.7
    assert [ln.text for ln in cleaned.lines] == [TITLE, BODY]
