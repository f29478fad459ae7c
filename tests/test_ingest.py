"""ingest: formats (txt, html, docx, csv/jsonl rows, zip members), page ids, header metadata."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import docx
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.ingest.decoding import decode_bytes
from pipeline.ingest.page_meta import iso_datetime
from pipeline.ingest.reader import discover_files, ingest_file

CFG = Config.load()["ingest"]
REPORT = ["2023年乡镇政府服务能力建设调研报告", "近日，调研组深入各乡镇，就政府服务能力建设开展专题调研。",
          "一、基本情况", "全镇共有行政村46个，服务事项120项。", "二、存在的问题", "（一）服务意识不强。"]


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def one(tmp_path, name, data: bytes):
    pages = ingest_file(write(tmp_path, name, data), tmp_path, CFG)
    assert len(pages) == 1
    return pages[0]


def docx_bytes(lines, title="") -> bytes:
    document = docx.Document()
    document.core_properties.title = title
    for line in lines:
        document.add_paragraph(line)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "数值"
    table.cell(1, 0).text, table.cell(1, 1).text = "服务事项", "120项"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_sample_page_metadata_and_id(seed_path, seed_bytes):
    [page] = ingest_file(seed_path, seed_path.parent, CFG)
    assert page.ok and page.format == "txt" and page.encoding == "utf-8"
    assert page.page_id == hashlib.sha1(seed_bytes).hexdigest()[:16]
    assert page.path == seed_path.name
    assert page.site == "管理范文网"
    assert page.breadcrumb.replace("\xa0", " ") == "报告大全 > 工作报告 > 党政报告"
    assert page.published == "2023-05-04T16:21:32" and page.views == 83
    assert page.title == "政府服务报告8篇"
    # ingest removes nothing: the header lines are still there for clean to remove
    assert page.text.split("\n")[0] == "欢迎光临管理范文网"
    assert page.text == seed_bytes.decode("utf-8")


def test_docx_made_with_python_docx(tmp_path):
    page = one(tmp_path, "report.docx", docx_bytes(REPORT, title="调研报告"))
    assert page.ok and page.format == "docx" and page.title == "调研报告"
    lines = page.text.split("\n")
    assert lines[:len(REPORT)] == REPORT
    assert "服务事项\t120项" in lines


def test_csv_rows_are_pages_with_their_columns(tmp_path):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Policy", "Year", "Policy_Content", "URL"])
    w.writerow(["国务院关于加强管理的通知", "1980", "\n".join(REPORT), "http://example.gov/1"])
    w.writerow(["空的一行", "1981", "", ""])
    w.writerow(["网页一行", "1982", "<html><body><p>" + "</p><p>".join(REPORT) + "</p></body></html>", ""])
    path = write(tmp_path, "docs.csv", buf.getvalue().encode("utf-8-sig"))
    pages = ingest_file(path, tmp_path, CFG)
    assert [p.path for p in pages] == ["docs.csv#row=1", "docs.csv#row=2", "docs.csv#row=3"]
    first, empty, html_row = pages
    assert first.ok and first.format == "csv-row" and first.title == "国务院关于加强管理的通知"
    assert first.url == "http://example.gov/1" and first.published == "1980"
    assert first.text == "\n".join(REPORT)
    assert first.page_id == hashlib.sha1("\n".join(REPORT).encode()).hexdigest()[:16]
    assert empty.status == "rejected" and "empty" in empty.reason
    assert html_row.ok and "一、基本情况" in html_row.text.split("\n") and "<p>" not in html_row.text


def test_csv_without_a_text_column_is_rejected_with_the_columns_named(tmp_path):
    page = one(tmp_path, "links.csv", b"Year,Links\n2018,http://x\n")
    assert page.status == "rejected" and "no text column" in page.reason and "Links" in page.reason


def test_jsonl_rows_with_a_bad_line(tmp_path):
    rows = [json.dumps({"title": "报告一", "content": "\n".join(REPORT), "date": "2023年5月4日"}, ensure_ascii=False),
            "{not json", json.dumps({"title": "报告二", "content": "第二篇正文。"}, ensure_ascii=False)]
    pages = ingest_file(write(tmp_path, "r.jsonl", "\n".join(rows).encode()), tmp_path, CFG)
    assert [p.path for p in pages] == ["r.jsonl#row=1", "r.jsonl#row=2", "r.jsonl#row=3"]
    assert pages[0].ok and pages[0].title == "报告一" and pages[0].published == "2023-05-04"
    assert pages[1].status == "rejected" and "invalid JSON" in pages[1].reason
    assert pages[2].text == "第二篇正文。"


def test_zip_members_are_pages_read_in_memory(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a/report.txt", "\n".join(REPORT).encode("gbk"))
        zf.writestr("a/report.docx", docx_bytes(REPORT))
        zf.writestr("b/page.html", "<html><body><p>" + "</p><p>".join(REPORT) + "</p></body></html>")
        zf.writestr("c/skip.exe", b"MZ\x90\x00")
    pages = {p.path: p for p in ingest_file(write(tmp_path, "set.zip", buf.getvalue()), tmp_path, CFG)}
    assert set(pages) == {"set.zip!a/report.txt", "set.zip!a/report.docx", "set.zip!b/page.html", "set.zip!c/skip.exe"}
    assert pages["set.zip!a/report.txt"].text == "\n".join(REPORT) and pages["set.zip!a/report.txt"].encoding == "gbk"
    assert pages["set.zip!a/report.docx"].text.startswith("\n".join(REPORT))
    assert "二、存在的问题" in pages["set.zip!b/page.html"].text.split("\n")
    assert pages["set.zip!c/skip.exe"].status == "rejected" and "unsupported type" in pages["set.zip!c/skip.exe"].reason
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set.zip"]       # nothing unpacked to disk


def test_html_title_and_header_fields(tmp_path):
    html = ("<html><head><title>关于服务能力的调研报告 - 某某写作网</title>"
            '<meta property="article:published_time" content="2022-03-01T08:00:00+08:00"></head><body>'
            '<div class="pos">您的位置：首页 &gt; 调研报告</div><div class="info">阅读次数：1,2</div>'
            "<article><p>" + "</p><p>".join(REPORT) + "</p></article></body></html>")
    page = one(tmp_path, "p.html", html.encode("utf-8"))
    assert page.title == "关于服务能力的调研报告" and page.site == "某某写作网"
    assert page.published == "2022-03-01T08:00:00"
    assert page.breadcrumb == "首页 > 调研报告"


def test_discover_files_is_sorted_and_recursive(tmp_path):
    for name in ["b/2.txt", "a/1.txt", "c.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("正文", encoding="utf-8")
    files, skipped = discover_files(tmp_path)
    assert [str(f.relative_to(tmp_path)) for f in files] == ["a/1.txt", "b/2.txt", "c.txt"] and skipped == []


def test_iso_datetime_forms():
    assert iso_datetime("2023-05-04 16:21:32") == "2023-05-04T16:21:32"
    assert iso_datetime("2023年5月4日") == "2023-05-04"
    assert iso_datetime("2023/5/4 9:05") == "2023-05-04T09:05:00"
    assert iso_datetime("2023-13-40") is None and iso_datetime(None) is None


hanzi_text = st.text(alphabet=st.sampled_from(list("政府服务报告调研工作问题措施建议乡镇经济发展，。、：；“”（）\n一二三四五六七八九十0123456789abc ")),
                     min_size=1, max_size=300).filter(lambda s: s.strip())


@settings(max_examples=60, deadline=None)
@given(hanzi_text, st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"]))
def test_decoding_round_trips(text, encoding):
    decoded, _ = decode_bytes(text.encode(encoding))
    assert decoded == text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["x.txt", "x.html", "x.csv", "x.jsonl", "x.zip", "x.docx", "x.bin"]))
def test_ingest_never_raises_on_arbitrary_bytes(tmp_path_factory, data, name):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / name).write_bytes(data)
    pages = ingest_file(folder / name, folder, CFG)
    assert pages and all(p.status in ("ok", "rejected") for p in pages)
    assert all(p.reason for p in pages if p.status == "rejected")


def test_utf16_without_bom_and_other_codecs(tmp_path):
    text = "政府工作报告正文内容，关于进一步加强管理的通知\n第二行 report 2023"
    for enc in ("utf-16-le", "utf-16-be"):
        page = one(tmp_path, f"nobom_{enc}.txt", text.encode(enc))
        assert page.ok and page.encoding == enc and page.text == text
    page = one(tmp_path, "sjis.txt", "これは日本語の文章です。政府の報告書です。".encode("shift_jis"))
    assert page.ok and page.text == "これは日本語の文章です。政府の報告書です。"


def test_view_counts_and_titles_from_html_heads(tmp_path):
    body = "<p>" + "</p><p>".join(REPORT) + "</p>"
    page = one(tmp_path, "v1.html", f"<html><head><title>《北京影人》起播出_华语_电影网_</title></head><body>"
                                    f"<div>浏览次数：5380</div>{body}</body></html>".encode())
    assert page.title == "《北京影人》起播出" and page.site == "电影网" and page.views == 5380
    page = one(tmp_path, "v2.html", f"<html><head><title>标题</title></head><body><div>阅读量：1.2万</div>{body}</body></html>".encode())
    assert page.views is None and page.title == "标题"


def test_mojibake_detector_of_the_robustness_section(seed_bytes):
    from pipeline.evaluation.robustness import mojibake

    text = seed_bytes.decode("utf-8")
    assert mojibake(text) is None
    assert "Latin-1" in mojibake(text.encode("gbk", errors="replace").decode("latin-1"))
    assert mojibake(text.encode("utf-8").decode("cp1252", errors="replace"))
    assert "replacement" in mojibake(text[:500] + "\ufffd" * 5)
    assert "rare" in mojibake(text.encode("gb18030").decode("big5", errors="ignore"))


def test_a_field_time_of_the_report_is_no_publish_time(tmp_path):
    # "实习时间:2014年…" is a line of the report: no publish time, no page title taken above it
    text = "某某范文网\n大学生暑期实习报告\n实习时间:2014年6月30日至7月15日\n实习地点:某市某公司\n" + "\n".join(REPORT[1:])
    page = one(tmp_path, "r.txt", text.encode("utf-8"))
    assert page.published is None and page.title is None
    # the same date behind a bare 时间 that opens a header line (or follows a space) is the page's
    text = "某某范文网\n大学生暑期实习报告\n大学 时间:2023-04-09 来源:网络\n" + "\n".join(REPORT[1:])
    page = one(tmp_path, "s.txt", text.encode("utf-8"))
    assert page.published == "2023-04-09" and page.title == "大学生暑期实习报告"
    page = one(tmp_path, "t.txt", "上传日期:2023-11-14 10:48:23 页码:10\n正文".encode("utf-8"))
    assert page.published == "2023-11-14T10:48:23"
