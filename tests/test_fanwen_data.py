"""The fanwen gold loader and its host-grouped folds, on a made-up folder (no ../shared needed)."""
import json

import pytest

from pipeline.evaluation.fanwen_data import available, host_folds, load_pages


def _write(tmp_path, rows):
    d = tmp_path / "fanwen"
    (d / "pages").mkdir(parents=True)
    with open(d / "gold.jsonl", "w", encoding="utf-8") as fh:
        for r in rows:
            (d / "pages" / f"{r['id']}.txt").write_text(r.pop("text"), encoding="utf-8")
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return tmp_path


def test_load_pages_reads_labels_reports_and_lines(tmp_path):
    data = _write(tmp_path, [{
        "id": "x1", "host": "a.example", "url": "http://a.example/1", "text": "首页 > 范文\n\n某镇自查报告\n一、基本情况",
        "labels": {"1": "chrome", "3": "report_title", "4": "body"}, "spam": [{"line": 4, "fragment": "a.example"}],
        "reports": [{"title": "某镇自查报告", "title_line": 3, "first_body_line": 4, "genre": "self_inspection"}],
        "quality": "clean", "notes": ""}])
    assert available(data) and not available(tmp_path / "missing")
    (page,) = load_pages(data)
    assert page.labels == {1: "chrome", 3: "report_title", 4: "body"}
    assert page.lines[2] == "某镇自查报告" and page.lines[1] == ""
    assert page.spam == [(4, "a.example")]
    assert page.reports[0].genre == "self_inspection" and page.reports[0].title_line == 3


def _pages(tmp_path, n_hosts=7):
    rows = [{"id": f"p{i}", "host": f"h{i % n_hosts}.example", "url": "", "text": "正文", "labels": {"1": "body"},
             "reports": [], "quality": "clean"} for i in range(30)]
    return load_pages(_write(tmp_path, rows))


@pytest.mark.parametrize("salt", ["", "a", "b"])
def test_host_folds_never_put_a_site_on_both_sides(tmp_path, salt):
    pages = _pages(tmp_path)
    folds = host_folds(pages, n_splits=3, salt=salt)
    seen_test = []
    for train, test in folds:
        assert {pages[i].host for i in train}.isdisjoint({pages[i].host for i in test})
        assert sorted(train + test) == list(range(30))
        seen_test += test
    assert sorted(seen_test) == list(range(30))   # every page scored exactly once


def test_a_salt_deals_the_hosts_differently_and_no_salt_is_the_pinned_assignment(tmp_path):
    pages = _pages(tmp_path, n_hosts=20)

    def test_hosts(folds):
        return [sorted({pages[i].host for i in test}) for _, test in folds]

    assert host_folds(pages, 5) == host_folds(pages, 5, salt="")
    assert test_hosts(host_folds(pages, 5, salt="a")) != test_hosts(host_folds(pages, 5))
    assert test_hosts(host_folds(pages, 5, salt="a")) != test_hosts(host_folds(pages, 5, salt="b"))
    assert all(len(hosts) == 4 for hosts in test_hosts(host_folds(pages, 5, salt="a")))


def test_spread_gives_each_assignment_and_the_mean_and_minimum_over_all_of_them():
    from pipeline.evaluation.fanwen import SPREAD_FIGURES, spread

    def figures(v):
        return {k: v for k in SPREAD_FIGURES} | {"by_quality": {}}

    out = spread(figures(0.9), {"a": figures(0.8), "b": figures(0.7)})
    assert out["assignments"] == 3
    assert out["a"] == {k: 0.8 for k in SPREAD_FIGURES} and "by_quality" not in out["b"]
    assert out["mean"]["nonbody_removed"] == 0.8 and out["min"]["titles_exact"] == 0.7
