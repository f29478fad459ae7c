"""Format cases of the `robustness` section: made-up files in the formats researchers have,
each with the outcome it must get (read, or rejected with a reason), run through ingest.

Figures (under ``robustness.format_cases``): ``ok.<case>`` 1 when the case got its outcome,
``passed``/``total``/``share``, and ``outcomes.<case>`` (what happened, in words). The
makers of the files (``pdf_bytes``, ``xlsx_bytes``, ``mht_bytes``, ``tar_bytes``,
``docx_bytes``) are shared with ``tests/test_formats.py``.
"""
from __future__ import annotations

import email.charset
import email.mime.multipart
import email.mime.text
import gzip
import io
import json
import tarfile
import tempfile
from pathlib import Path

REPORT = ["关于加强城乡社区服务工作的调研报告", "近日，调研组深入各乡镇，就社区服务开展专题调研。",
          "一、基本情况", "全镇共有社区12个，服务事项80项。", "二、存在的问题", "（一）服务力量不足。"]
HTML = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>调研报告_某某网</title></head><body>"
        "<div class='nav'><a href='/'>首页</a></div><div class='article'>"
        + "".join(f"<p>{line}</p>" for line in REPORT) + "</div></body></html>")
OLE_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Word 97 正文".encode("utf-16-le") * 20


# ── makers of made-up files ──────────────────────────────────────────────────────────────

def pdf_bytes(pages: list[list], title: str = "") -> bytes:
    """A PDF whose pages hold the given lines in STSong-Light, a standard CJK font readers
    know without embedding (text strings in UCS-2 under UniGB-UCS2-H). A line is a string
    (drawn below the one before) or (text, x, y) in points from the bottom left."""
    objs = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
            3: b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>",
            4: b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
               b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R >>",
            5: b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900] "
               b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
            6: b"<< /Title <FEFF" + title.encode("utf-16-be").hex().encode() + b"> >>"}
    kids = []
    for i, lines in enumerate(pages):
        page, content = 7 + 2 * i, 8 + 2 * i
        kids.append(f"{page} 0 R")
        placed = [line if isinstance(line, tuple) else (line, 50, 800 - 20 * k) for k, line in enumerate(lines)]
        ops = ["BT", "/F1 12 Tf"] + [f"1 0 0 1 {x} {y} Tm <{text.encode('utf-16-be').hex()}> Tj"
                                     for text, x, y in placed] + ["ET"]
        stream = "\n".join(ops).encode()
        objs[page] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                      f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content} 0 R >>").encode()
        objs[content] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    objs[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode()
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for num in sorted(objs):
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, objs[num])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[num] for num in sorted(objs))
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def mht_bytes(html: str, charset: str, transfer: str) -> bytes:
    """A web archive: the page as its HTML part (``transfer`` base64 or quoted-printable), an image part."""
    cs = email.charset.Charset(charset)
    cs.body_encoding = email.charset.QP if transfer == "quoted-printable" else email.charset.BASE64
    message = email.mime.multipart.MIMEMultipart("related")
    part = email.mime.text.MIMEText(html, "html", cs)
    part["Content-Location"] = "http://www.example.gov.cn/zwgk/2023/report.html"
    message.attach(part)
    image = email.mime.text.MIMEText("not really an image", "plain", "utf-8")
    image.replace_header("Content-Type", "image/png")
    message.attach(image)
    return message.as_bytes()


def tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def docx_bytes(lines: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# ── the cases: (name, file name, bytes, check of the pages → True when the outcome is right) ──

def _csv_unclosed_quote() -> bytes:
    lines = ["title,content", '报告一,"正文一，含逗号"', '报告二,"正文二 的引号没有闭合']
    return "\n".join(lines + [f"报告{n},正文{n}" for n in "三四五六七八"]).encode()


def _texts(pages) -> list[str]:
    return [p.text for p in pages if p.ok]


def _rejected(pages, *words) -> bool:
    return len(pages) == 1 and pages[0].status == "rejected" and all(w in pages[0].reason for w in words)


def _body(pages) -> bool:
    return len(pages) == 1 and pages[0].ok and "一、基本情况" in pages[0].text.split("\n") and "<p>" not in pages[0].text


def cases() -> list[tuple[str, str, bytes, object]]:
    header = "某某市人民政府办公室文件"
    chrome_pdf = pdf_bytes([[header, REPORT[0], REPORT[1], "- 1 -"], [header, REPORT[2], REPORT[3], "- 2 -"],
                            [header, REPORT[4], REPORT[5], "第 3 页 共 3 页"]])
    records = [{"标题": "报告一", "正文": ["第一段。", "第二段。"]}, {"标题": "报告二", "正文": 12345}]
    return [
        ("csv_unclosed_quote", "rows.csv", _csv_unclosed_quote(),
         lambda ps: len(ps) == 8 and ps[1].status == "rejected" and "never closed" in ps[1].reason
         and _texts(ps) == ["正文一，含逗号"] + [f"正文{n}" for n in "三四五六七八"]),
        ("csv_chinese_text_column", "rows.csv", "标题,正文\n报告一,第一篇正文。\n".encode(),
         lambda ps: _texts(ps) == ["第一篇正文。"]),
        ("csv_no_text_column_names_the_setting", "links.csv", b"Year,Links\n2018,http://x\n",
         lambda ps: _rejected(ps, "no text column", "text_columns")),
        ("jsonl_text_list_joined", "r.jsonl", json.dumps({"content": ["第一段。", "第二段。"]}, ensure_ascii=False).encode(),
         lambda ps: _texts(ps) == ["第一段。\n第二段。"]),
        ("jsonl_number_text_rejected", "r.jsonl", b'{"content": 12345}', lambda ps: _rejected(ps, "a number")),
        ("json_array_of_records", "set.json", json.dumps(records, ensure_ascii=False).encode(),
         lambda ps: len(ps) == 2 and _texts(ps) == ["第一段。\n第二段。"] and "a number" in ps[1].reason),
        ("html_saved_as_txt", "page.txt", HTML.encode(), lambda ps: _body(ps) and ps[0].format == "html"),
        ("html_saved_as_doc", "page.doc", HTML.encode(), lambda ps: _body(ps) and ps[0].format == "html"),
        ("html_saved_as_aspx", "page.aspx", HTML.encode(), _body),
        ("html_with_query_in_name", "index.html?id=5", HTML.encode(), _body),
        ("html_without_extension", "page", HTML.encode(), _body),
        ("docx_named_doc", "report.doc", docx_bytes(REPORT),
         lambda ps: len(ps) == 1 and ps[0].format == "docx" and ps[0].text.split("\n")[:6] == REPORT),
        ("pdf_text_layer_chrome_removed", "report.pdf", chrome_pdf,
         lambda ps: len(ps) == 1 and [m["rule"] for m in ps[0].meta["chrome_lines"]] == [
             "pdf:repeated-header", "pdf:page-number"] * 3 and len(ps[0].text.split("\n")) == 12),
        ("pdf_scanned_rejected", "scan.pdf", pdf_bytes([[], []]),
         lambda ps: _rejected(ps, "no text layer (scanned PDF): OCR is not supported")),
        ("pdf_corrupt_rejected", "bad.pdf", b"%PDF-1.4\n...", lambda ps: _rejected(ps, "corrupt pdf")),
        # not a real Word file (none can be made without LibreOffice): with no converter the
        # reason says what to install, with one the converter's own error is the reason
        ("doc_without_converter_or_broken", "old.doc", OLE_DOC,
         lambda ps: len(ps) == 1 and ps[0].status == "rejected" and ps[0].format == "doc"
         and ("install antiword, catdoc or LibreOffice" in ps[0].reason or " failed" in ps[0].reason)),
        ("xlsx_rows", "book.xlsx", xlsx_bytes({"政策": [["标题", "正文"], ["报告一", "正文一。"], ["报告二", "正文二。"]]}),
         lambda ps: _texts(ps) == ["正文一。", "正文二。"] and ps[0].path == "book.xlsx#sheet=政策&row=1"),
        ("mht_quoted_printable_gb2312", "saved.mht", mht_bytes(HTML.replace("utf-8", "gb2312"), "gb2312", "quoted-printable"),
         _body),
        ("mht_base64_utf8", "saved.mhtml", mht_bytes(HTML, "utf-8", "base64"), _body),
        ("tar_gz_members", "set.tar.gz", tar_bytes({"a/r.txt": "\n".join(REPORT).encode("gbk"), "../x.txt": b"x"}, "w:gz"),
         lambda ps: _texts(ps) == ["\n".join(REPORT)] and "path traversal" in ps[1].reason),
        ("tgz_members", "set.tgz", tar_bytes({"b/page.html": HTML.encode()}, "w:gz"), _body),
        ("gz_one_file", "r.txt.gz", gzip.compress("\n".join(REPORT).encode()),
         lambda ps: _texts(ps) == ["\n".join(REPORT)]),
        ("gz_bomb_rejected", "bomb.txt.gz", gzip.compress(b"0" * 30_000_000), lambda ps: _rejected(ps, "bomb")),
        ("7z_rejected", "a.7z", b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(64), lambda ps: _rejected(ps, "not supported")),
        ("rar_rejected", "a.rar", b"Rar!\x1a\x07\x01\x00" + bytes(64), lambda ps: _rejected(ps, "not supported")),
    ]


def outcome(pages) -> str:
    """What ingest made of a file, in a few words."""
    ok = [p for p in pages if p.ok]
    words = [f"{len(pages)} page(s), {len(ok)} read ({', '.join(sorted({p.format for p in pages}))})"]
    words += [f"{p.path}: rejected: {p.reason}" for p in pages if not p.ok][:3]
    return "; ".join(words)


def run() -> dict:
    """Every case through ingest in a scratch folder (removed afterwards)."""
    from pipeline.config import Config
    from pipeline.ingest import reader

    cfg = Config.load()["ingest"]
    ok, outcomes = {}, {}
    with tempfile.TemporaryDirectory(prefix="policy-corpus-formats-") as tmp:
        for n, (name, file_name, data, check) in enumerate(cases()):
            folder = Path(tmp) / str(n)
            folder.mkdir()
            (folder / file_name).write_bytes(data)
            try:
                pages = reader.ingest_file(folder / file_name, folder, cfg)
                passed = bool(check(pages))
                outcomes[name] = outcome(pages)
            except Exception as exc:   # a case that raises is a failed case, not a crashed section
                passed, outcomes[name] = False, f"raised {type(exc).__name__}: {exc}"
            ok[name] = int(passed)
    return {"passed": sum(ok.values()), "total": len(ok), "share": round(sum(ok.values()) / len(ok), 4),
            "ok": ok, "outcomes": outcomes}
