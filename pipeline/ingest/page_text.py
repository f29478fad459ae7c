"""One file (or archive member, or row) → one page: the readers of the single-page formats
(plain text, HTML main text, .docx, PDF text layer, Word 97 via a converter, .mht), the
header metadata, and the page records of rejected input. The dispatch by format, and the
formats of many pages (rows, archives), are in reader."""
from __future__ import annotations

import hashlib
import re

from pipeline.ingest.decoding import Rejected, decode_bytes, normalise_newlines
from pipeline.ingest.page_meta import header_metadata, iso_datetime, page_meta_rules
from pipeline.records import Page

UNSUPPORTED = {
    "7z": "7z archive: not supported (unpack it first, e.g. with `7z x`, and build the folder)",
    "rar": "rar archive: not supported (unpack it first, e.g. with `unrar x` or `7z x`, and build the folder)",
    "rtf": "RTF document: not supported (save it as .docx or .txt)",
    "xls": "Excel 97 workbook (.xls): not supported (save it as .xlsx or .csv)",
    "ppt": "PowerPoint 97 file: not supported (save it as .pdf or .docx)",
}


def fill_plain_page(page: Page, data: bytes, cfg: dict) -> None:
    text, page.encoding = decode_bytes(data, html=False)
    fill_text_page(page, text, cfg, html=False)


def fill_html_page(page: Page, data: bytes, cfg: dict) -> None:
    text, page.encoding = decode_bytes(data, html=True)
    fill_text_page(page, text, cfg, html=True)


def fill_pdf_page(page: Page, data: bytes, cfg: dict) -> None:
    from pipeline.ingest import pdf_text

    text, title, chrome, blank = pdf_text.pdf_to_text(data, cfg)
    page.encoding = None
    page.title = title or None
    if chrome:   # removed (and logged) by the clean stage
        page.meta["chrome_lines"] = chrome
    if blank:    # scanned pages among pages with text: their text is missing, say so
        page.meta["pages_without_text"] = blank
    page.text = normalise_newlines(text)
    header_metadata(page, page.text)
    if len(chrome) == len(page.text.split("\n")):
        raise Rejected("empty: the PDF holds only page headers, footers and numbers")


def fill_doc_page(page: Page, data: bytes, cfg: dict) -> None:
    from pipeline.ingest import doc_text

    text, converter = doc_text.doc_to_text(data, cfg)
    page.encoding = None
    page.meta["converter"] = converter
    page.text = normalise_newlines(text)
    header_metadata(page, page.text)
    if not page.text.strip():
        raise Rejected(f"empty: {converter} found no text in the Word 97 file")


def fill_mht_page(page: Page, data: bytes, cfg: dict) -> None:
    from pipeline.ingest import mht_text

    html, page.encoding, page.url = mht_text.mht_html(data)
    fill_text_page(page, html, cfg, html=True)


def fill_text_page(page: Page, text: str, cfg: dict, html: bool) -> None:
    """Set the page's text (HTML → main text) and header metadata; raise Rejected if empty."""
    from pipeline.ingest import htmltext

    if html or (page.format.endswith("-row") and looks_like_html(text)):
        try:
            result = htmltext.html_to_text(
                text, {**cfg, "title_site_separators": page_meta_rules().get("title_site_separators", [])})
        except htmltext.HtmlTooDeep as exc:
            raise Rejected(f"deeply nested HTML: {exc}") from None
        except (RecursionError, ValueError) as exc:
            raise Rejected(f"HTML parser failed: {type(exc).__name__}: {exc}") from None
        page.text = result.text
        page.meta["html_extractor"] = result.method
        page.meta.update(result.meta)
        page.title = page.title or result.title
        page.site = page.site or result.site
        page.url = page.url or result.url
        page.published = page.published or iso_datetime(result.published)
        header_metadata(page, result.text)
        header_metadata(page, result.page_text, page_meta_rules().get("html_header_lines", 60))
    else:
        page.text = normalise_newlines(text)
        header_metadata(page, page.text)
    # non-space characters (str.split() splits on exactly the characters str.isspace() accepts)
    if sum(map(len, page.text.split())) < cfg["min_text_chars"]:
        raise Rejected("empty: no text" if not html else "empty: no main text found in the HTML")


def fill_docx_page(page: Page, data: bytes, cfg: dict) -> None:
    from pipeline.ingest import docx_text
    from pipeline.ingest.zip_safety import check_zip_safety

    check_zip_safety(data, cfg, what="docx")
    try:
        text, props = docx_text.docx_to_text(data)
    except Exception as exc:
        raise Rejected(f"corrupt docx: {type(exc).__name__}: {exc}") from None
    page.encoding = None
    page.title = props.get("title") or None
    page.meta.update({k: v for k, v in props.items() if v and k != "title"})
    page.text = normalise_newlines(text)
    header_metadata(page, page.text)
    if not page.text.strip():
        raise Rejected("empty: the docx holds no text")


PAGE_READERS = {"txt": fill_plain_page, "md": fill_plain_page, "html": fill_html_page, "docx": fill_docx_page,
                "pdf": fill_pdf_page, "doc": fill_doc_page, "mht": fill_mht_page}


def looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return bool(re.search(r"<(?:html|body|div|p|br|table|span|!doctype)\b", head))


def rejected_page(page_id: str, rel: str, fmt: str, reason: str) -> Page:
    return Page(page_id=page_id, path=rel, format=fmt, status="rejected", reason=reason)


def hash_bytes(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:16]


def hash_text(text: str) -> str:
    return hash_bytes(text.encode("utf-8", errors="surrogatepass"))
