"""The fanwen gold loader and its host-grouped folds, on a made-up folder (no ../shared needed)."""
import json

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


def test_host_folds_never_put_a_site_on_both_sides(tmp_path):
    rows = [{"id": f"p{i}", "host": f"h{i % 7}.example", "url": "", "text": "正文", "labels": {"1": "body"},
             "reports": [], "quality": "clean"} for i in range(30)]
    pages = load_pages(_write(tmp_path, rows))
    folds = host_folds(pages, n_splits=3)
    seen_test = []
    for train, test in folds:
        assert {pages[i].host for i in train}.isdisjoint({pages[i].host for i in test})
        assert sorted(train + test) == list(range(30))
        seen_test += test
    assert sorted(seen_test) == list(range(30))   # every page scored exactly once
