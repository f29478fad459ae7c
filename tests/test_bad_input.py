"""Bad-input suite: each bad file gets its reason, and nothing else changes (the good pages
in the same raw folder still ingest, with the same text as on their own)."""
from __future__ import annotations

import io
import os
import zipfile

import pytest

from pipeline.config import Config
from pipeline.ingest.reader import discover_files, ingest_file

CFG = Config.load()["ingest"]
GOOD_TEXT = "关于乡镇政府服务能力建设的调研报告\n近日，调研组深入各乡镇开展调研。\n一、基本情况\n"


def ingest_folder(raw, cfg=CFG):
    """{path: page} for every page under raw, plus the skipped entries."""
    files, skipped = discover_files(raw)
    pages = {p.path: p for f in files for p in ingest_file(f, raw, cfg)}
    return pages, {s["path"]: s["reason"] for s in skipped}


def zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


BAD_FILES = {
    "empty.txt": (b"", "empty"),
    "blank.txt": (b"  \n\r\n \t\n", "empty"),
    "image.txt": (b"\x89PNG\r\n\x1a\n" + os.urandom(2000), "binary"),
    "noise.txt": (bytes(range(256)) * 40, "binary"),
    "nul.txt": ("正文第一行\n".encode() + b"\x00" + "正文第二行\n".encode(), "NUL bytes"),
    "cut_utf8.txt": ("调研报告正文".encode("utf-8")[:-1], "truncated multibyte"),
    "cut_gbk.txt": ("调研报告正文".encode("gbk")[:-1], "truncated multibyte"),
    "deep.html": (b"<html><body>" + b"<div>" * 5000 + "深处的正文".encode() + b"</div>" * 5000 + b"</body></html>",
                  "deeply nested HTML"),
    "page.pdf": (b"%PDF-1.4\n...", "corrupt pdf"),
    "bomb.zip": (zip_bytes({"big.txt": b"0" * 30_000_000}), "zip bomb"),
    "broken.docx": (b"PK\x03\x04 this is not really a docx", "corrupt docx"),
    "fake.docx": (zip_bytes({"hello.txt": b"no word document here"}), "corrupt docx"),
    "broken.zip": (b"PK\x03\x04garbage", "corrupt zip"),
}


@pytest.fixture()
def raw(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "good.txt").write_bytes(GOOD_TEXT.encode("utf-8"))
    (folder / "good_gbk.txt").write_bytes(GOOD_TEXT.encode("gbk"))
    return folder


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_gets_its_reason_and_the_good_pages_do_not_change(raw, name):
    alone, _ = ingest_folder(raw)
    data, reason = BAD_FILES[name]
    (raw / name).write_bytes(data)
    pages, skipped = ingest_folder(raw)
    assert not skipped
    bad = pages.pop(name)
    assert bad.status == "rejected" and reason in bad.reason, bad.reason
    assert bad.text == ""
    assert len(bad.page_id) == 16
    assert {p: (pg.status, pg.text) for p, pg in pages.items()} == {p: (pg.status, pg.text) for p, pg in alone.items()}
    assert pages["good.txt"].text == GOOD_TEXT


def test_lying_meta_charset_is_a_hint_not_the_truth(raw):
    body = "<p>政府工作报告全文如下，请各位代表审议。</p>" * 5
    (raw / "lies_gbk.html").write_bytes(f'<html><head><meta charset="gb2312"><title>报告</title></head><body>{body}</body></html>'.encode("utf-8"))
    (raw / "lies_utf8.html").write_bytes(f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>{body}</body></html>'.encode("gbk"))
    (raw / "lies_big5.html").write_bytes(f'<html><head><meta charset="big5"></head><body>{body}</body></html>'.encode("gbk"))
    pages, _ = ingest_folder(raw)
    for name, enc in [("lies_gbk.html", "utf-8"), ("lies_utf8.html", "gbk"), ("lies_big5.html", "gbk")]:
        assert pages[name].ok and pages[name].encoding == enc
        assert "政府工作报告全文如下，请各位代表审议。" in pages[name].text


def test_oversize_page_is_rejected_by_the_configured_limit(raw):
    big = ("这是一行很长的正文。" * 100 + "\n").encode("utf-8") * 60     # ~180 KB
    (raw / "big.txt").write_bytes(big)
    pages, _ = ingest_folder(raw, {**CFG, "max_bytes": 100_000})
    assert pages["big.txt"].status == "rejected" and "larger than the limit" in pages["big.txt"].reason
    assert pages["good.txt"].ok


def test_a_real_50mb_page_is_rejected_without_reading_it_whole(raw):
    with open(raw / "huge.txt", "wb") as fh:
        line = ("政府工作报告正文" * 50 + "\n").encode("utf-8")
        for _ in range(50_000_000 // len(line) + 1):
            fh.write(line)
    assert (raw / "huge.txt").stat().st_size >= 50_000_000
    pages, _ = ingest_folder(raw)
    assert pages["huge.txt"].status == "rejected" and "larger than the limit" in pages["huge.txt"].reason
    assert pages["good_gbk.txt"].text == GOOD_TEXT


def test_zip_members_that_climb_out_are_rejected_and_nothing_is_written(tmp_path, raw):
    (raw / "climb.zip").write_bytes(zip_bytes({
        "../../evil.txt": "越界的文件".encode(), "/abs/evil.txt": "绝对路径".encode(),
        "ok/inside.txt": GOOD_TEXT.encode()}))
    pages, _ = ingest_folder(raw)
    assert "path traversal" in pages["climb.zip!../../evil.txt"].reason
    assert "path traversal" in pages["climb.zip!/abs/evil.txt"].reason
    assert pages["climb.zip!ok/inside.txt"].text == GOOD_TEXT
    assert not (tmp_path / "evil.txt").exists() and not list(tmp_path.rglob("evil.txt"))


def test_zip_with_too_many_members_is_a_bomb(raw):
    (raw / "many.zip").write_bytes(zip_bytes({f"{i}.txt": b"x" for i in range(30)}))
    pages, _ = ingest_folder(raw, {**CFG, "zip_max_members": 20})
    assert "zip bomb" in pages["many.zip"].reason


def test_symlink_loop_and_symlink_outside_are_skipped_with_a_reason(tmp_path, raw):
    outside = tmp_path / "outside.txt"
    outside.write_text("外部文件，不应读取", encoding="utf-8")
    os.symlink(outside, raw / "to_outside.txt")
    os.symlink(tmp_path, raw / "to_parent_dir")
    os.symlink(raw / "loop_b", raw / "loop_a")
    os.symlink(raw / "loop_a", raw / "loop_b")
    os.symlink(raw, raw / "self_dir")
    pages, skipped = ingest_folder(raw)
    assert "outside the input folder" in skipped["to_outside.txt"]
    assert "outside the input folder" in skipped["to_parent_dir"]
    assert "symlink loop" in skipped["loop_a"] and "symlink loop" in skipped["loop_b"]
    assert "inside the input folder" in skipped["self_dir"]
    assert set(pages) == {"good.txt", "good_gbk.txt"}
    assert all("外部文件" not in p.text for p in pages.values())


def test_gbk_encoded_file_names_are_decoded(raw):
    name = "2025年政府工作报告.txt".encode("gbk")
    with open(os.path.join(os.fsencode(raw), name), "wb") as fh:
        fh.write(GOOD_TEXT.encode("gbk"))
    pages, skipped = ingest_folder(raw)
    assert not skipped
    page = pages["2025年政府工作报告.txt"]
    assert page.ok and page.text == GOOD_TEXT


def test_gbk_zip_member_names_without_the_utf8_flag_are_decoded(raw):
    # a zip made on Chinese Windows: member names in GBK bytes, UTF-8 flag unset. zipfile
    # would write UTF-8 names, so write an ASCII name of the same byte length and swap bytes.
    gbk_name = "报告一.txt".encode("gbk")
    placeholder = b"x" * (len(gbk_name) - 4) + b".txt"
    data = zip_bytes({placeholder.decode(): GOOD_TEXT.encode("utf-8")}).replace(placeholder, gbk_name)
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].flag_bits & 0x800 == 0
    (raw / "names.zip").write_bytes(data)
    pages, _ = ingest_folder(raw)
    assert pages["names.zip!报告一.txt"].text == GOOD_TEXT


def test_a_build_over_all_bad_inputs_lists_each_reason_and_keeps_the_sample_documents(tmp_path, seed_bytes):
    import pandas as pd

    from pipeline.driver import build

    def documents(raw, name):
        manifest = build(raw, tmp_path / f"out_{name}", Config.load(), quiet=True, cache_dir=tmp_path / f"cache_{name}")
        docs = pd.read_parquet(tmp_path / f"out_{name}" / "documents.parquet")
        return manifest, sorted(zip(docs["page_id"], docs["title"], docs["text"]))

    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "seed.txt").write_bytes(seed_bytes)
    _, expected = documents(alone, "alone")

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "seed.txt").write_bytes(seed_bytes)
    for name, (data, _) in BAD_FILES.items():
        (raw / name).write_bytes(data)
    (raw / "climb.zip").write_bytes(zip_bytes({"../evil.txt": b"x"}))
    os.symlink(tmp_path / "alone", raw / "outside_link")
    os.symlink(raw / "loop_b", raw / "loop_a")
    os.symlink(raw / "loop_a", raw / "loop_b")
    manifest, got = documents(raw, "mixed")

    assert got == expected and len(expected) == 8
    reasons = {r["path"]: r["reason"] for r in manifest["rejected"]}
    for name, (_, reason) in BAD_FILES.items():
        assert reason in reasons[name], (name, reasons.get(name))
    assert "path traversal" in reasons["climb.zip!../evil.txt"]
    assert "outside the input folder" in reasons["outside_link"]
    assert "symlink loop" in reasons["loop_a"] and "symlink loop" in reasons["loop_b"]
