"""metadata: year and region from title, page metadata and text; masked values are unknown."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.records import Document, Line, Page
from pipeline.resources import Resources
from pipeline.structure import metadata

RES = Resources(Config.load())


def _doc(title: str, body: str = "", masked: dict | None = None) -> Document:
    lines = [Line(i + 1, t) for i, t in enumerate(body.split("\n"))]
    return Document(doc_id="p-001", page_id="p", ordinal=1, title=title, lines=lines, masked=masked or {})


def _page(title: str | None = None, published: str | None = None, meta: dict | None = None) -> Page:
    return Page(page_id="p", path="p.txt", format="txt", title=title, published=published, meta=meta or {})


def _run(doc: Document, page: Page | None = None) -> Document:
    metadata.run(doc, page or _page(), RES)
    return doc


def test_year_and_region_from_title():
    doc = _run(_doc("成都市林业局规范化服务型政府建设工作自查报告", "2019年我局开展了自查。"))
    assert doc.region == "四川省/成都市"
    doc = _run(_doc("2023服务性政府妇联调研报告"))
    assert doc.year == 2023
    doc = _run(_doc("2025年内蒙古自治区政府工作报告"))
    assert (doc.year, doc.region) == (2025, "内蒙古自治区")


def test_masked_year_in_title_is_unknown_never_2000():
    doc = _run(_doc("20xx年度乡镇工作自查报告", "2019年我们完成了任务。"), _page(published="2023-05-04 16:21:32"))
    assert doc.year is None


def test_masked_place_is_unknown_never_a_guess():
    doc = _run(_doc("xx市政务服务中心实习报告", "在成都实习。成都的服务很好。"))
    assert doc.region is None
    doc = _run(_doc("政务服务中心实习报告", "xx市人民政府行政服务中心坐落于xx区。成都日报报道了中心。成都市民满意。"))
    assert doc.region is None


def test_year_from_body_skips_targets_and_masked_bodies():
    doc = _run(_doc("工作报告", "2021年完成改造。2022年我们继续推进，到2035年基本实现现代化。"))
    assert doc.year == 2022
    doc = _run(_doc("工作报告", "20xx年我们完成了2021年的任务。"))
    assert doc.year is None
    doc = _run(_doc("工作报告", "二〇二三年工作回顾。"))
    assert doc.year == 2023


def test_year_from_page_meta_and_published():
    doc = _run(_doc("政府工作报告", "各位代表"), _page(meta={"year": "1988"}))
    assert doc.year == 1988
    doc = _run(_doc("政府工作报告", "各位代表"), _page(title="政府工作报告", published="2024-03-05"))
    assert doc.year == 2024
    # a page of many reports: its publish date is not a report's year
    doc = _run(_doc("实习报告", "各位代表"), _page(title="报告8篇", published="2024-03-05"))
    assert doc.year is None


def test_region_from_body_needs_a_dominant_province():
    doc = _run(_doc("调查报告", "选择浙江省湖州市织里镇作为试点。织里镇作为湖州市最具活力的新区。湖州专家认为。"))
    assert doc.region == "浙江省/湖州市"
    doc = _run(_doc("调查报告", "北京和上海的做法，广东和浙江的经验。"))
    assert doc.region is None
    doc = _run(_doc("调查报告", "苏州的经验只提了一次。"))
    assert doc.region is None


def test_county_after_city_and_district_of_municipality():
    assert _run(_doc("湖州市吴兴区自查报告")).region == "浙江省/湖州市/吴兴区"
    assert _run(_doc("北京市海淀区工作总结")).region == "北京市/海淀区"
    assert _run(_doc("成都市城区管理调研报告")).region == "四川省/成都市"   # 城区 is no county


@given(st.sampled_from(["20xx", "20XX", "20××", "19xx"]), st.text(alphabet="年度工作报告总结", max_size=8))
def test_masked_years_never_become_a_year(mask, rest):
    doc = _run(_doc(f"{mask}{rest}", f"{mask}年的工作。"))
    assert doc.year is None


@given(st.integers(1949, 2099))
def test_explicit_title_year_is_read(year):
    assert _run(_doc(f"{year}年工作总结")).year == year


def test_a_document_with_nothing_to_read_gets_unknown_metadata():
    for doc, page in [(_doc("", ""), _page()),
                      (Document(doc_id="p-001", page_id="p", ordinal=1, title="", lines=[]), _page()),
                      (_doc("", "\n\n"), _page(title="", published="", meta={"date": "", "region": ""})),
                      (_doc("报告", "年年有余。二〇年。"), _page(published="not a date", meta={"year": "abc"}))]:
        doc.year, doc.region = 1999, "stale"
        metadata.run(doc, page, RES)
        assert (doc.year, doc.region) == (None, None)


def test_a_bug_in_the_stage_raises_and_process_page_records_it_for_its_page(monkeypatch, seed_path):
    from pipeline import stages
    from pipeline.clean import site_templates
    from pipeline.ingest import reader

    def broken(self, text):
        raise KeyError("made-up bug in the gazetteer")

    monkeypatch.setattr(metadata.Gazetteer, "places", broken)
    with pytest.raises(KeyError, match="made-up bug"):
        _run(_doc("成都市林业局工作自查报告", "在成都开展了自查。成都的工作很好。"))
    [page] = reader.ingest_file(seed_path, seed_path.parent, RES.config["ingest"])
    result = stages.process_page(page, site_templates.learn_templates([page], RES.config["clean"]), RES)
    assert result.errors == [{"stage": "metadata", "error": "KeyError: 'made-up bug in the gazetteer'"}]
    assert page.status == "rejected" and page.reason.startswith("metadata failed: KeyError")
    assert result.documents == []
