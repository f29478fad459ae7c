"""The sample page end to end (ingest ▶ clean ▶ split): 8 reports, their titles, every body
line kept, every header/footer/intro/spam line and fragment gone (tests/seed_expectations.py)."""
from __future__ import annotations

import re

import pytest
from seed_expectations import (
    BOILERPLATE_INSIDE_BODIES,
    DOCUMENTS,
    FOOTER_FIRST_LINE,
    HEADER_LINES,
    SPAM_FRAGMENTS,
    TITLE_REPEATED_AS_FIRST_BODY_LINE,
    TITLES,
)

RULE_ID = re.compile(r"^(site:[a-z_]+\.[a-z_]+|cue|spam|header|footer|template|split):?[a-z_]*$")


def expected_body_lines(seed_lines, first: int, last: int) -> list[int]:
    dropped = set(BOILERPLATE_INSIDE_BODIES) | set(TITLE_REPEATED_AS_FIRST_BODY_LINE)
    return [n for n in range(first, last + 1) if seed_lines[n - 1].strip() and n not in dropped]


def test_eight_documents_with_the_expected_titles(seed_docs):
    assert [d.title for d in seed_docs] == TITLES


def test_every_body_line_kept_and_nothing_else(seed_docs, seed_lines):
    for doc, (title, _genre, _title_line, first, last) in zip(seed_docs, DOCUMENTS):
        assert [line.no for line in doc.lines] == expected_body_lines(seed_lines, first, last), title


def test_header_and_footer_lines_removed(seed_results, seed_lines):
    kept = {line.no for d in seed_results.documents for line in d.lines}
    page_level = {r.line for r in seed_results.page_removed}
    footer = [n for n in range(FOOTER_FIRST_LINE, len(seed_lines) + 1) if seed_lines[n - 1].strip()]
    for n in HEADER_LINES + footer:
        assert n not in kept
        assert n in page_level, n


def test_intro_and_spam_lines_removed_inside_their_documents(seed_docs):
    by_line = {r.line: (d.ordinal, r.rule) for d in seed_docs for r in d.removed}
    assert by_line[86][0] == 4 and by_line[86][1].endswith("site_intro")
    assert by_line[126][0] == 4 and "inline_suffix" in by_line[126][1]
    assert by_line[216][0] == 6 and by_line[216][1].endswith("xiaobian_intro")
    for n in TITLE_REPEATED_AS_FIRST_BODY_LINE:
        assert any(r.line == n and r.rule == "split:title_repeat" for d in seed_docs for r in d.removed)


def test_spam_fragments_cut_and_report_part_kept(seed_docs, seed_lines):
    kept = {line.no: line.text for d in seed_docs for line in d.lines}
    for line_no, fragment, where in SPAM_FRAGMENTS:
        assert fragment not in kept[line_no]
        original = seed_lines[line_no - 1].strip()
        rest = original.replace(fragment, "", 1)
        assert kept[line_no] == rest, (line_no, where)
    assert kept[32].endswith("(见表2)。表")
    assert kept[88].startswith("近日,中共中央办公厅")


@pytest.mark.parametrize("chrome", ["酷猫", "管理范文网", "小编", "推荐度", "点击下载", "人关注", "当前位置",
                                    "查看人数", "希望对大家有所作用", "尽在"])
def test_no_chrome_left_in_any_document(seed_docs, chrome):
    for doc in seed_docs:
        assert chrome not in doc.title
        assert chrome not in doc.text, (doc.ordinal, chrome)


def test_tables_in_the_last_report_are_kept(seed_docs):
    doc8 = seed_docs[7].text.split("\n")
    for cell in ("满意率%", "服务态度", "99.52", "84.43", "0.00", "履行职责"):
        assert cell in doc8


def test_masked_placeholders_counted_and_left_as_they_are(seed_docs):
    total = {"20xx": 0, "xx": 0, "star": 0}
    for doc in seed_docs:
        for key, n in doc.masked.items():
            total[key] += n
    assert all(n > 0 for n in total.values()), total
    text = "\n".join(d.text for d in seed_docs)
    assert text.count("20xx") == total["20xx"]
    assert "xx区" in text and "xx市" in text and "和*," in text


def test_ids_and_rule_ids(seed_results, seed_docs):
    page_id = seed_results.page.page_id
    assert [d.doc_id for d in seed_docs] == [f"{page_id}-{k:03d}" for k in range(1, 9)]
    rules = {r.rule for r in seed_results.page_removed} | {r.rule for d in seed_docs for r in d.removed}
    assert all(RULE_ID.match(rule) for rule in rules), rules
    assert {"site:guanli.breadcrumb", "header:page_title", "header:title_repeat", "split:title_glued"} <= rules


@pytest.mark.parametrize("with_profiles", [True, False])
def test_same_documents_without_ingest_metadata_or_site_profiles(seed_docs, seed_lines, with_profiles):
    """Clean finds the page title itself (the line above the publish line), and the generic
    cues alone, without the 管理范文网/酷猫 profiles, give the same documents."""
    import dataclasses

    from pipeline.clean import cleaner, cues, site_templates
    from pipeline.config import Config
    from pipeline.records import Page
    from pipeline.resources import Resources
    from pipeline.structure import split

    res = Resources(Config.load())
    if not with_profiles:
        res.__dict__["clean_rules"] = dataclasses.replace(cues.CleanRules.load(), sites=())
    page = Page(page_id=seed_docs[0].page_id, path="seed.txt", format="txt", text="\n".join(seed_lines))
    cleaned = cleaner.run(page, site_templates.SiteTemplates(), res)
    assert cleaned.page_title == "政府服务报告8篇"
    docs, page_removed = split.run(page, cleaned, res)
    assert [d.title for d in docs] == TITLES
    assert [[(line.no, line.text) for line in d.lines] for d in docs] == \
           [[(line.no, line.text) for line in d.lines] for d in seed_docs]
    rules = {r.rule for r in page_removed} | {r.rule for d in docs for r in d.removed}
    assert any(rule.startswith("site:") for rule in rules) == with_profiles
