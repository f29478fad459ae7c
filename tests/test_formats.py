"""Formats researchers have: content decides the format (HTML saved as .txt/.doc/.aspx, a
.docx named .doc), malformed CSV quoting, JSON text lists, .json arrays, PDF, .doc/.wps via
a converter, .xlsx, .mht, .gz/.tar archives, .7z/.rar. Every fixture is made here."""
from __future__ import annotations

import csv
import email.mime.multipart
import email.mime.text
import gzip
import io
import json
import stat
import tarfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.evaluation import format_cases
from pipeline.evaluation.format_cases import (
    HTML,
    OLE_DOC,
    REPORT,
    docx_bytes,
    mht_bytes,
    pdf_bytes,
    tar_bytes,
    xlsx_bytes,
)
from pipeline.ingest import doc_text
from pipeline.ingest.reader import ingest_file

CFG = Config.load()["ingest"]


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def pages_of(tmp_path, name, data: bytes, cfg=CFG):
    return ingest_file(write(tmp_path, name, data), tmp_path, cfg)


def one(tmp_path, name, data: bytes, cfg=CFG):
    pages = pages_of(tmp_path, name, data, cfg)
    assert len(pages) == 1, [(p.path, p.reason) for p in pages]
    return pages[0]


# ── item 3: malformed CSV quoting ────────────────────────────────────────────────────────

def test_an_unclosed_quote_rejects_its_row_and_the_rows_after_it_are_read(tmp_path):
    lines = ["title,content,url", '报告一,"正文一，含逗号",http://a', '报告二,"正文二 的引号没有闭合,http://b']
    lines += [f"报告{n},正文{n},http://{n}" for n in "三四五六七八"]
    pages = pages_of(tmp_path, "rows.csv", "\n".join(lines).encode())
    assert [p.path for p in pages] == [f"rows.csv#row={n}" for n in range(1, 9)]
    assert pages[0].ok and pages[0].text == "正文一，含逗号"
    damaged = pages[1]
    assert damaged.status == "rejected"
    assert "malformed CSV" in damaged.reason and "never closed" in damaged.reason and "line 3" in damaged.reason
    assert [p.text for p in pages[2:]] == [f"正文{n}" for n in "三四五六七八"]
    assert all(p.ok for p in pages[2:])


def test_an_unclosed_quote_closed_by_a_later_rows_quote_is_still_found(tmp_path):
    lines = ["title,content", '报告一,"正文一', "报告二,正文二", '报告三,"正文三，含逗号"', "报告四,正文四"]
    pages = pages_of(tmp_path, "rows.csv", "\n".join(lines).encode())
    assert [p.status for p in pages] == ["rejected", "ok", "ok", "ok"]
    assert [p.text for p in pages[1:]] == ["正文二", "正文三，含逗号", "正文四"]


_CELL = st.text(alphabet=st.sampled_from(list("报告正文调研一二三abc 。、；：（）")), min_size=1, max_size=12).map(str.strip).filter(bool)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(_CELL, min_size=1, max_size=12), at=st.integers(min_value=0, max_value=12),
       quote_all=st.booleans())
def test_one_unclosed_quote_costs_one_row_whatever_the_rows_around_it(tmp_path_factory, texts, at, quote_all):
    at = min(at, len(texts))
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(["title", "content"])
    lines = buf.getvalue().splitlines()
    for n, text in enumerate(texts):
        buf.seek(0), buf.truncate()
        writer.writerow([f"报告{n}", text])
        lines.append(buf.getvalue().rstrip("\n"))
    lines.insert(at + 1, '坏的一行,"引号没有闭合，后面的行')
    pages = pages_of(tmp_path_factory.mktemp("csv"), "rows.csv", "\n".join(lines).encode())
    assert len(pages) == len(texts) + 1
    assert pages[at].status == "rejected" and "never closed" in pages[at].reason
    assert [p.text for p in pages if p.ok] == texts


def test_quoted_multiline_text_is_one_row_as_before(tmp_path):
    text = '"第一段，有逗号。\n第二段 “引文” 和 ""双引号""。"'
    pages = pages_of(tmp_path, "rows.csv", f"title,content\n报告一,{text}\n报告二,正文二\n".encode())
    assert [p.status for p in pages] == ["ok", "ok"]
    assert pages[0].text == '第一段，有逗号。\n第二段 “引文” 和 "双引号"。'


def test_csv_without_a_text_column_names_the_setting_and_chinese_columns_are_defaults(tmp_path):
    page = one(tmp_path, "links.csv", b"Year,Links\n2018,http://x\n")
    assert page.status == "rejected" and "Links" in page.reason and "text_columns" in page.reason
    for column in ("正文", "内容"):
        rows = pages_of(tmp_path, f"{column}.csv", f"标题,{column}\n报告一,第一篇正文。\n".encode())
        assert rows[0].ok and rows[0].text == "第一篇正文。" and rows[0].title == "报告一"


# ── item 5: JSON text that is a list of paragraphs; non-text values ─────────────────────────

def test_jsonl_text_lists_are_joined_and_non_text_values_rejected(tmp_path):
    rows = [{"title": "报告一", "content": ["第一段。", "第二段。"]},
            {"title": "报告二", "content": 12345},
            {"title": "报告三", "content": {"段落": "正文"}},
            {"title": "报告四", "content": ["第一段。", 7]},
            {"title": "报告五", "content": True},
            {"title": ["报告六", "副标题"], "content": "正文六。"}]
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
    pages = pages_of(tmp_path, "r.jsonl", data)
    assert pages[0].ok and pages[0].text == "第一段。\n第二段。" and "[" not in pages[0].text
    assert pages[1].status == "rejected" and "number" in pages[1].reason and "content" in pages[1].reason
    assert pages[2].status == "rejected" and "object" in pages[2].reason
    assert pages[3].status == "rejected" and "number" in pages[3].reason
    assert pages[4].status == "rejected" and "true/false" in pages[4].reason
    assert pages[5].ok and pages[5].title == "报告六 副标题"


def test_json_arrays_and_objects_of_records(tmp_path):
    records = [{"标题": "报告一", "正文": ["第一段。", "第二段。"], "日期": "2023-05-04"}, {"标题": "报告二", "正文": "正文二。"}]
    pages = pages_of(tmp_path, "set.json", json.dumps(records, ensure_ascii=False).encode())
    assert [p.path for p in pages] == ["set.json#row=1", "set.json#row=2"]
    assert pages[0].format == "json-row" and pages[0].text == "第一段。\n第二段。" and pages[0].title == "报告一"
    keyed = pages_of(tmp_path, "keyed.json", json.dumps({"a1": records[0], "b2": records[1]}, ensure_ascii=False).encode())
    assert [p.text for p in keyed] == ["第一段。\n第二段。", "正文二。"] and keyed[1].meta["json_key"] == "b2"
    wrapped = pages_of(tmp_path, "api.json", json.dumps({"code": 0, "data": records}, ensure_ascii=False).encode())
    assert [p.text for p in wrapped] == ["第一段。\n第二段。", "正文二。"]
    single = one(tmp_path, "single.json", json.dumps(records[1], ensure_ascii=False).encode())
    assert single.ok and single.text == "正文二。"
    assert one(tmp_path, "numbers.json", b"[1, 2, 3]").status == "rejected"
    assert "invalid JSON" in one(tmp_path, "bad.json", b'[{"content": "x"').reason


# ── item 6: content decides the format ─────────────────────────────────────────────────

@pytest.mark.parametrize("name", ["page.txt", "page.doc", "page.aspx", "index.html?id=5", "page", "page.md"])
def test_html_under_any_name_is_read_as_html(tmp_path, name):
    page = one(tmp_path, name, HTML.encode())
    assert page.ok and page.format == "html", page.reason
    assert "<p>" not in page.text and "<div" not in page.text
    assert "一、基本情况" in page.text.split("\n")


@pytest.mark.parametrize("name,text,fmt", [
    ("note.txt", "关于网页格式的说明\n正文中提到 <p> 标签和 <div> 元素。\n二、其他", "txt"),
    ("report#1.txt", "关于网页格式的说明\n二、其他", "txt"),                      # a '#' in a real name is no URL
    ("README.md", '<div align="center">\n\n# 政策语料\n\n</div>\n\n一、说明文字', "md")])  # Markdown opening with HTML
def test_plain_text_stays_text(tmp_path, name, text, fmt):
    page = one(tmp_path, name, text.encode())
    assert page.ok and page.format == fmt and page.text == text


def test_a_docx_named_doc_is_read_as_docx(tmp_path):
    page = one(tmp_path, "report.doc", docx_bytes(REPORT))
    assert page.ok and page.format == "docx" and page.text.split("\n")[:len(REPORT)] == REPORT


def test_the_manifest_and_pages_table_record_the_sniffed_type(tmp_path):
    import pandas as pd

    from pipeline import build

    raw = tmp_path / "raw"
    raw.mkdir()
    write(raw, "saved.txt", HTML.encode())
    write(raw, "plain.txt", "\n".join(REPORT).encode())
    out = tmp_path / "out"
    manifest = build(raw, out, jobs=1, cache_dir=tmp_path / "cache")
    inputs = {i["path"]: i for i in manifest["inputs"]}
    assert inputs["saved.txt"]["sniffed_format"] == "html"
    assert "sniffed_format" not in inputs["plain.txt"]
    formats = dict(pd.read_parquet(out / "pages.parquet", columns=["path", "format"]).values.tolist())
    assert formats == {"saved.txt": "html", "plain.txt": "txt"}


# ── PDF ────────────────────────────────────────────────────────────────────────────────

def kept_and_removed(page):
    """The clean stage's kept line texts and its removals (line, text, rule) of a page."""
    from pipeline.clean import cleaner
    from pipeline.resources import Resources

    cleaned = cleaner.run(page, None, Resources(Config.load()))
    return [line.text for line in cleaned.lines], [(r.line, r.text, r.rule) for r in cleaned.removed]


def test_pdf_running_headers_and_page_numbers_are_removed_by_clean_and_logged(tmp_path):
    header = "某某市人民政府办公室文件"
    pages = [[header, REPORT[0], REPORT[1], "- 1 -"],
             [header, REPORT[2], REPORT[3], "- 2 -"],
             [header, REPORT[4], REPORT[5], "第 3 页 共 3 页"]]
    page = one(tmp_path, "report.pdf", pdf_bytes(pages, title="调研报告"))
    assert page.ok and page.format == "pdf" and page.title == "调研报告"
    assert page.text.split("\n") == [line for lines in pages for line in lines]      # ingest keeps every line
    kept, removed = kept_and_removed(page)
    assert kept == REPORT
    assert removed == [(1, header, "pdf:repeated-header"), (4, "- 1 -", "pdf:page-number"),
                       (5, header, "pdf:repeated-header"), (8, "- 2 -", "pdf:page-number"),
                       (9, header, "pdf:repeated-header"), (12, "第 3 页 共 3 页", "pdf:page-number")]
    assert [(m["page"], m["line"]) for m in page.meta["chrome_lines"]] == [(1, 1), (1, 4), (2, 5), (2, 8), (3, 9), (3, 12)]


def test_pdf_running_footer_with_changing_numbers_is_removed(tmp_path):
    pages = [[REPORT[2 * n], REPORT[2 * n + 1], f"某某市统计局 发布 共3页 第{n + 1}页 2023年印发"] for n in (0, 1, 2)]
    pages[2].insert(2, "2023")                              # a year alone on a line is no page number
    kept, removed = kept_and_removed(one(tmp_path, "r.pdf", pdf_bytes(pages)))
    assert kept[:6] == REPORT[:6]
    pdf_removed = [(line, text) for line, text, rule in removed if rule.startswith("pdf:")]
    assert [line for line, _ in pdf_removed] == [3, 6, 10] and all("共3页" in text for _, text in pdf_removed)
    # the year alone is no page number, and the line model leaves a year alone in place too
    assert kept == REPORT[:6] + ["2023"] and not any(text == "2023" for _, text, _ in removed)


def test_pdf_marked_chrome_is_certain_and_no_line_is_lost_when_the_line_model_disagrees(tmp_path):
    # the line model reads "第 3 页 共 3 页" as body (p ~ 0.9): the PDF rule must still win, and
    # before the fix the line it "gave back" was neither kept nor in the removal log
    header = "某某市人民政府办公室文件"
    pages = [[header, REPORT[0], REPORT[1], "- 1 -"], [header, REPORT[2], REPORT[3], "- 2 -"],
             [header, REPORT[4], REPORT[5], "第 3 页 共 3 页"]]
    page = one(tmp_path, "report.pdf", pdf_bytes(pages, title="调研报告"))
    kept, removed = kept_and_removed(page)
    assert "第 3 页 共 3 页" not in kept and (12, "第 3 页 共 3 页", "pdf:page-number") in removed
    non_blank = [n for n, line in enumerate(page.text.split("\n"), 1) if line.strip()]
    from pipeline.clean import cleaner
    from pipeline.resources import Resources
    cleaned = cleaner.run(page, None, Resources(Config.load()))
    whole = {r.line for r in cleaned.removed if r.text.strip() == page.text.split("\n")[r.line - 1].strip()}
    assert sorted({ln.no for ln in cleaned.lines} | whole) == non_blank


def test_pdf_lines_drawn_out_of_order_are_read_top_to_bottom_but_columns_stay_whole(tmp_path):
    drawn = [("- 1 -", 290, 40), (REPORT[2], 50, 760), (REPORT[0], 50, 800), (REPORT[1], 50, 780)]
    assert one(tmp_path, "a.pdf", pdf_bytes([drawn])).text.split("\n") == REPORT[:3] + ["- 1 -"]
    columns = [("左栏第一行", 50, 800), ("左栏第二行", 50, 780), ("右栏第一行", 300, 800), ("右栏第二行", 300, 780)]
    assert one(tmp_path, "b.pdf", pdf_bytes([columns])).text.split("\n") == [c[0] for c in columns]


def test_pdf_body_lines_that_repeat_once_are_kept(tmp_path):
    pages = [["一、基本情况", "正文甲。"], ["一、基本情况", "正文乙。"], ["三、下一步打算", "正文丙。"], ["四、结语", "正文丁。"]]
    page = one(tmp_path, "r.pdf", pdf_bytes(pages))
    assert page.text.split("\n").count("一、基本情况") == 2 and "chrome_lines" not in page.meta
    assert kept_and_removed(page)[1] == []


def test_a_pdf_of_page_numbers_only_is_empty(tmp_path):
    page = one(tmp_path, "n.pdf", pdf_bytes([["- 1 -"], ["- 2 -"]]))
    assert page.status == "rejected" and "only page headers, footers and numbers" in page.reason


def test_scanned_pages_inside_a_pdf_with_text_are_listed(tmp_path):
    page = one(tmp_path, "mixed.pdf", pdf_bytes([REPORT[:3], [], REPORT[3:]]))
    assert page.ok and page.text.split("\n") == REPORT and page.meta["pages_without_text"] == [2]


def test_scanned_pdf_without_a_text_layer_is_rejected(tmp_path):
    page = one(tmp_path, "scan.pdf", pdf_bytes([[], []]))
    assert page.status == "rejected" and page.reason == "no text layer (scanned PDF): OCR is not supported"


def test_corrupt_pdf_and_a_pdf_named_txt(tmp_path):
    assert "corrupt pdf" in one(tmp_path, "bad.pdf", b"%PDF-1.4\n...").reason
    page = one(tmp_path, "really_a_pdf.txt", pdf_bytes([REPORT]))
    assert page.ok and page.format == "pdf" and page.text.split("\n") == REPORT


# ── .doc / .wps (Word 97 binary) through a converter ───────────────────────────────────────

def test_doc_without_a_converter_is_rejected_with_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(doc_text.shutil, "which", lambda name: None)
    for name in ("old.doc", "old.wps"):
        page = one(tmp_path, name, OLE_DOC)
        assert page.status == "rejected" and page.format == "doc"
        assert "antiword" in page.reason and "catdoc" in page.reason and "LibreOffice" in page.reason


def fake_converter(tmp_path, name: str, body: str) -> None:
    """An executable ``name`` in tmp_path/bin that runs the shell ``body``."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_doc_is_read_through_the_first_converter_found_on_path(tmp_path, monkeypatch):
    # the fake antiword checks it got the file and prints a report in UTF-8
    args = tmp_path / "bin" / "args"
    fake_converter(tmp_path, "antiword", f'test -s "$3" || exit 3\necho "$1 $2" > "{args}"\n'
                                         "printf '关于社区服务的调研报告\\n\\n一、基本情况\\n正文。\\n'")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    page = one(tmp_path, "old.wps", OLE_DOC)
    assert page.ok and page.format == "doc" and page.meta["converter"] == "antiword"
    assert page.text.split("\n") == ["关于社区服务的调研报告", "", "一、基本情况", "正文。"]
    assert args.read_text().strip() == "-m UTF-8.txt"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "old.wps"]      # no temporary files left


def test_a_failing_converter_gives_its_error(tmp_path, monkeypatch):
    fake_converter(tmp_path, "catdoc", "echo 'catdoc: not a Word document' >&2; exit 1")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    page = one(tmp_path, "old.doc", OLE_DOC)
    assert page.status == "rejected" and "catdoc failed" in page.reason and "not a Word document" in page.reason


def test_a_doc_rejected_for_want_of_a_converter_is_read_once_one_is_installed(tmp_path, monkeypatch):
    from pipeline import build

    raw = tmp_path / "raw"
    raw.mkdir()
    write(raw, "old.doc", OLE_DOC)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))          # nothing installed
    first = build(raw, tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache")
    assert "install antiword" in first["inputs"][0]["reason"]
    fake_converter(tmp_path, "catdoc", "printf '关于社区服务的调研报告\\n一、基本情况\\n'")
    second = build(raw, tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache")
    assert second["inputs"][0]["status"] == "processed" and second["counts"]["pages_ok"] == 1


def test_the_next_converter_is_tried_when_one_fails(tmp_path, monkeypatch):
    fake_converter(tmp_path, "antiword", "echo \"I'm afraid the text stream of this file is too small\" >&2; exit 1")
    fake_converter(tmp_path, "catdoc", "printf '一、基本情况\\n正文。\\n'")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    page = one(tmp_path, "old.doc", OLE_DOC)
    assert page.ok and page.meta["converter"] == "catdoc" and page.text == "一、基本情况\n正文。"
    fake_converter(tmp_path, "catdoc", "echo 'catdoc: broken' >&2; exit 2")
    page = one(tmp_path, "old.doc", OLE_DOC)
    assert "antiword failed (exit 1)" in page.reason and "catdoc failed (exit 2): catdoc: broken" in page.reason


@pytest.fixture(scope="module")
def word97_file(tmp_path_factory):
    """A real Word 97 file of the report (40 times over: antiword refuses tiny ones), made by LibreOffice."""
    import subprocess

    soffice = doc_text.shutil.which("soffice")
    if soffice is None:
        pytest.skip("making a Word 97 file needs LibreOffice")
    folder = tmp_path_factory.mktemp("word97")
    (folder / "r.docx").write_bytes(docx_bytes(REPORT * 40))
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={folder.as_uri()}/profile",
                    "--convert-to", "doc", "--outdir", str(folder), str(folder / "r.docx")],
                   check=True, capture_output=True, timeout=300)
    return (folder / "r.doc").read_bytes()


@pytest.mark.parametrize("converter", ["antiword", "catdoc", "soffice"])
def test_a_real_converter_reads_a_real_word_97_file(tmp_path, word97_file, converter):
    if doc_text.shutil.which(converter) is None:
        pytest.skip(f"{converter} is not installed")
    for name in ("r.doc", "r.wps"):
        page = one(tmp_path, name, word97_file, {**CFG, "doc_converters": [converter]})
        assert page.ok and page.format == "doc" and page.meta["converter"] == converter
        lines = [line for line in page.text.split("\n") if line.strip()]
        assert lines[:len(REPORT)] == REPORT and len(lines) == 40 * len(REPORT)


# ── .xlsx, .mht ────────────────────────────────────────────────────────────────────────

def test_xlsx_rows_are_pages_like_csv_rows(tmp_path):
    import datetime

    data = xlsx_bytes({"政策": [["标题", "正文", "日期"], ["报告一", "\n".join(REPORT), datetime.date(2023, 5, 4)],
                               ["报告二", None, None], ["报告三", 2023, None]],
                       "说明": [["备注"], ["没有正文列"]]})
    pages = pages_of(tmp_path, "book.xlsx", data)
    by_path = {p.path: p for p in pages}
    first = by_path["book.xlsx#sheet=政策&row=1"]
    assert first.ok and first.format == "xlsx-row" and first.text == "\n".join(REPORT)
    assert first.title == "报告一" and first.published == "2023-05-04"
    assert by_path["book.xlsx#sheet=政策&row=2"].status == "rejected"
    assert "number" in by_path["book.xlsx#sheet=政策&row=3"].reason
    assert "no text column" in by_path["book.xlsx#sheet=说明"].reason


def test_xlsx_header_below_a_title_row(tmp_path):
    data = xlsx_bytes({"Sheet1": [["2023年政策文件汇总"], [], ["序号", "标题", "内容"], [1, "报告一", "正文一。"]]})
    page = one(tmp_path, "book.xlsx", data)
    assert page.ok and page.text == "正文一。" and page.title == "报告一" and page.path == "book.xlsx#sheet=Sheet1&row=1"


def test_xlsx_named_xls_or_broken(tmp_path):
    data = xlsx_bytes({"Sheet": [["content"], ["正文一。"]]})
    assert one(tmp_path, "old.xls", data).text == "正文一。"
    assert "corrupt xlsx" in one(tmp_path, "bad.xlsx", b"PK\x03\x04 not a workbook").reason


@pytest.mark.parametrize("charset,encoding", [("utf-8", "base64"), ("gb2312", "quoted-printable"), ("gbk", "base64")])
def test_mht_is_read_from_its_html_part(tmp_path, charset, encoding):
    data = mht_bytes(HTML.replace("utf-8", charset), charset, encoding)
    page = one(tmp_path, "saved.mht", data)
    assert page.ok and page.format == "mht", page.reason
    assert "一、基本情况" in page.text.split("\n") and "<p>" not in page.text and "=E4" not in page.text
    assert page.url == "http://www.example.gov.cn/zwgk/2023/report.html"


def test_mht_without_an_html_part_is_rejected(tmp_path):
    message = email.mime.multipart.MIMEMultipart("related")
    message.attach(email.mime.text.MIMEText("x", "plain", "utf-8"))
    assert "without an HTML part" in one(tmp_path, "s.mhtml", message.as_bytes()).reason


# ── archives: .gz, .tar, .tar.gz, .tgz; .7z and .rar ────────────────────────────────────────

@pytest.mark.parametrize("name,mode", [("set.tar", "w"), ("set.tar.gz", "w:gz"), ("set.tgz", "w:gz")])
def test_tar_members_are_pages_read_in_memory(tmp_path, name, mode):
    data = tar_bytes({"a/report.txt": "\n".join(REPORT).encode("gbk"), "b/page.html": HTML.encode(),
                      "../escape.txt": b"climbs out", "/etc/abs.txt": b"absolute"}, mode)
    pages = {p.path: p for p in pages_of(tmp_path, name, data)}
    assert pages[f"{name}!a/report.txt"].text == "\n".join(REPORT)
    assert "一、基本情况" in pages[f"{name}!b/page.html"].text.split("\n")
    assert "path traversal" in pages[f"{name}!../escape.txt"].reason
    assert "path traversal" in pages[f"{name}!/etc/abs.txt"].reason
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_gz_of_one_file_and_tar_limits(tmp_path):
    page = one(tmp_path, "report.txt.gz", gzip.compress("\n".join(REPORT).encode()))
    assert page.ok and page.path == "report.txt.gz!report.txt" and page.text == "\n".join(REPORT)
    bomb = one(tmp_path, "bomb.txt.gz", gzip.compress(b"0" * 30_000_000))
    assert bomb.status == "rejected" and "bomb" in bomb.reason
    tar_bomb = pages_of(tmp_path, "bomb.tar.gz", tar_bytes({"big.txt": b"0" * 30_000_000}, "w:gz"))
    assert len(tar_bomb) == 1 and "bomb" in tar_bomb[0].reason
    many = pages_of(tmp_path, "many.tar", tar_bytes({f"{n}.txt": b"x" for n in range(20)}),
                    {**CFG, "zip_max_members": 10})
    assert len(many) == 1 and "20 members > 10" in many[0].reason


def test_tar_links_and_nested_archives_are_not_followed(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        link = tarfile.TarInfo("link.txt")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
        inner = tar_bytes({"x.txt": b"inner"})
        info = tarfile.TarInfo("inner.tar")
        info.size = len(inner)
        tar.addfile(info, io.BytesIO(inner))
    pages = {p.path: p for p in pages_of(tmp_path, "set.tar", buf.getvalue())}
    assert "link" in pages["set.tar!link.txt"].reason
    assert "nested archive" in pages["set.tar!inner.tar"].reason


@pytest.mark.parametrize("name,data", [("a.7z", b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(range(200, 256))),
                                       ("a.rar", b"Rar!\x1a\x07\x01\x00" + bytes(range(200, 256))),
                                       ("a.zip.txt", b"Rar!\x1a\x07\x00" + bytes(range(200, 256)))], ids=["7z", "rar", "rar-named-txt"])
def test_7z_and_rar_are_rejected_with_a_reason(tmp_path, name, data):
    page = one(tmp_path, name, data)
    assert page.status == "rejected" and "not supported" in page.reason and "unpack" in page.reason


def test_every_format_case_of_the_robustness_section_gets_its_outcome():
    result = format_cases.run()
    assert result["total"] >= 20 and result["passed"] == result["total"], {
        k: result["outcomes"][k] for k, v in result["ok"].items() if not v}


MAGIC = {"x.pdf": b"%PDF-1.4\n", "x.xlsx": b"PK\x03\x04", "x.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
         "x.mht": b"MIME-Version: 1.0\nContent-Type: multipart/related; boundary=b\n\n--b\nContent-Type: text/html\n\n",
         "x.tar.gz": b"\x1f\x8b\x08\x00", "x.gz": b"\x1f\x8b", "x.tar": b"", "x.json": b"[", "x.csv": b'a,"b\n',
         "x.txt": b"<html>"}


@settings(max_examples=120, deadline=None)
@given(name=st.sampled_from(sorted(MAGIC)), tail=st.binary(max_size=600))
def test_broken_files_of_every_format_get_a_reason_not_a_bug(tmp_path_factory, name, tail):
    # ingest_file's last guard turns a bug into "ingest failed: <exception>": none may reach it
    folder = tmp_path_factory.mktemp("fuzz")
    cfg = {**CFG, "doc_converters": ["no-such-converter"]}      # the .doc path ends at the install hint
    pages = ingest_file(write(folder, name, MAGIC[name] + tail), folder, cfg)
    assert pages and not any((p.reason or "").startswith("ingest failed") for p in pages), [p.reason for p in pages]
