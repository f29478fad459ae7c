"""The sample page re-encoded (GBK, GB18030, Big5 in traditional characters, UTF-16, UTF-8
with BOM, CRLF) and rendered as HTML inside a made-up site template: ingest gives the same
text, and the whole pipeline (``process_files``) the same documents as the original."""
from __future__ import annotations

import html

import opencc
import pytest
from seed_expectations import TITLES

from pipeline.config import Config
from pipeline.ingest.reader import ingest_file
from pipeline.resources import Resources
from pipeline.stages import process_files

CFG = Config.load()["ingest"]
# Characters a legacy code page cannot hold, as a legacy copy of the page would carry them.
LEGACY_SUBSTITUTES = {"\xa0": " ", "•": "·"}


def legacy(text: str) -> str:
    for ch, sub in LEGACY_SUBSTITUTES.items():
        text = text.replace(ch, sub)
    return text


def traditional(text: str) -> str:
    # s2tw: OpenCC's simplified → traditional with the Taiwan variants a Big5 page uses
    # (plain s2t yields 爲/着/衆…, which Big5 cannot encode)
    return opencc.OpenCC("s2tw").convert(legacy(text))


def ingest_one(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    [page] = ingest_file(path, tmp_path, CFG)
    return page


def docs_of(tmp_path, name: str, data: bytes):
    folder = tmp_path / name.replace(".", "_")
    folder.mkdir()
    (folder / name).write_bytes(data)
    [result] = process_files([folder / name], Resources(Config.load()))
    assert result.page.ok, result.page.reason
    return [(d.title, d.text) for d in result.documents]


VARIANTS = {
    "gbk": lambda s: legacy(s).encode("gbk"),
    "gb18030": lambda s: s.encode("gb18030"),
    "utf16": lambda s: s.encode("utf-16"),
    "utf16be": lambda s: s.encode("utf-16-be").join([b"\xfe\xff", b""]),
    "utf8bom": lambda s: s.encode("utf-8-sig"),
    "crlf": lambda s: s.replace("\n", "\r\n").encode("utf-8"),
    "gbk_crlf": lambda s: legacy(s).replace("\n", "\r\n").encode("gbk"),
}
EXPECTED_ENCODING = {"gbk": "gbk", "gb18030": "gb18030", "utf16": "utf-16", "utf16be": "utf-16",
                     "utf8bom": "utf-8-sig", "crlf": "utf-8", "gbk_crlf": "gbk"}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_reencoded_page_ingests_to_the_same_text(tmp_path, seed_lines, variant):
    original = "\n".join(seed_lines)
    page = ingest_one(tmp_path, f"page_{variant}.txt", VARIANTS[variant](original))
    assert page.ok, page.reason
    assert page.encoding == EXPECTED_ENCODING[variant]
    expected = legacy(original) if variant.startswith("gbk") else original
    assert page.text == expected
    assert "\r" not in page.text
    assert (page.site, page.views, page.published) == ("管理范文网", 83, "2023-05-04T16:21:32")


def test_big5_traditional_page_ingests_to_the_traditional_text(tmp_path, seed_lines):
    trad = traditional("\n".join(seed_lines))
    page = ingest_one(tmp_path, "page_big5.txt", trad.encode("big5"))
    assert page.ok, page.reason
    assert page.encoding in ("big5", "cp950", "big5hkscs")
    assert page.text == trad                      # kept traditional: clean converts, not ingest
    t2s = opencc.OpenCC("t2s").convert
    assert t2s(page.text).split("\n")[9] == "篇一 织里镇政府公共服务状况调查报告"
    assert page.views == 83 and page.published == "2023-05-04T16:21:32"


def test_gbk_is_not_mistaken_for_big5_on_short_text(tmp_path):
    text = "关于进一步加强基层政府服务能力建设的调研报告\n一、基本情况\n二、存在的问题\n"
    assert ingest_one(tmp_path, "short_gbk.txt", text.encode("gbk")).text == text
    trad = opencc.OpenCC("s2tw").convert(text)
    assert ingest_one(tmp_path, "short_big5.txt", trad.encode("big5")).text == trad


# ── end to end: the same documents ──────────────────────────────────────────────────────

@pytest.fixture(scope="module")
def original_docs(tmp_path_factory, seed_bytes):
    return docs_of(tmp_path_factory.mktemp("orig"), "seed.txt", seed_bytes)


@pytest.fixture(scope="module")
def legacy_docs(tmp_path_factory, seed_bytes):
    return docs_of(tmp_path_factory.mktemp("legacy"), "seed.txt", legacy(seed_bytes.decode("utf-8")).encode("utf-8"))


@pytest.mark.parametrize("variant", ["gbk", "utf16", "utf8bom", "crlf"])
def test_reencoded_page_gives_the_same_documents(tmp_path, variant, original_docs, legacy_docs, seed_bytes):
    docs = docs_of(tmp_path, f"seed_{variant}.txt", VARIANTS[variant](seed_bytes.decode("utf-8")))
    assert docs == (legacy_docs if variant == "gbk" else original_docs)
    assert [title for title, _ in docs] == TITLES


def test_big5_page_gives_the_same_documents_after_t2s(tmp_path, seed_bytes, original_docs):
    trad = traditional(seed_bytes.decode("utf-8"))
    big5_docs = docs_of(tmp_path, "seed_big5.txt", trad.encode("big5"))
    utf8_trad_docs = docs_of(tmp_path, "seed_trad_utf8.txt", trad.encode("utf-8"))
    assert big5_docs == utf8_trad_docs
    t2s = opencc.OpenCC("t2s").convert
    assert [t2s(title) for title, _ in big5_docs] == [title for title, _ in original_docs]


def render_html(text: str) -> str:
    """The sample page inside a made-up site template: nav, sidebar, footer, <p> per line."""
    lines = [line for line in text.split("\n") if line.strip()]
    head, body = lines[:5], lines[5:]
    ps = "\n".join(f"<p>{html.escape(line)}</p>" for line in body)
    related = "\n".join(f'<li><a href="/r/{i}.html">相关范文第{i}篇：工作报告范文精选</a></li>' for i in range(1, 9))
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(head[2])}_管理范文网</title>
<meta name="keywords" content="政府服务报告"></head>
<body>
<div id="top"><div class="welcome">{html.escape(head[0])}</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/bg/">报告大全</a></li><li><a href="/gz/">工作报告</a></li>
<li><a href="/dz/">党政报告</a></li><li><a href="/zj/">工作总结</a></li><li><a href="/xd/">心得体会</a></li></ul></div>
<div class="crumb">{html.escape(head[1])}</div>
<div id="wrap"><div id="main" class="article">
<h1>{html.escape(head[2])}</h1>
<div class="info">{html.escape(head[3])}</div>
<div class="content">
{ps}
</div></div>
<div id="sidebar"><h3>热门范文</h3><ul>{related}</ul></div></div>
<div id="footer"><p>Copyright © 2023 管理范文网 版权所有</p><p>备案号：京ICP备00000000号</p></div>
</body></html>"""


def test_html_rendering_gives_the_same_text_and_metadata(tmp_path, seed_lines):
    page = ingest_one(tmp_path, "seed.html", render_html("\n".join(seed_lines)).encode("utf-8"))
    assert page.ok, page.reason
    assert page.format == "html" and page.title == "政府服务报告8篇"
    assert page.published == "2023-05-04T16:21:32" and page.views == 83
    body = [line.strip() for line in seed_lines[9:] if line.strip()]
    kept = page.text.split("\n")
    for line in body[:400]:                   # the report bodies, one paragraph per line
        assert line in kept
    assert "备案号：京ICP备00000000号" not in page.text


def test_html_rendering_gives_the_same_documents(tmp_path, seed_lines, original_docs):
    docs = docs_of(tmp_path, "seed.html", render_html("\n".join(seed_lines)).encode("utf-8"))
    assert [t for t, _ in docs] == TITLES
    assert docs == original_docs
