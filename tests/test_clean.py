"""clean: site chrome out, report text kept, every removal logged; templates learned per site."""
from __future__ import annotations

import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.clean import cleaner, cues, site_templates
from pipeline.config import Config
from pipeline.records import Page
from pipeline.resources import Resources
from pipeline.rules import RuleFileError
from pipeline.text.normalize import normalize_line


@pytest.fixture(scope="module")
def res():
    """The rule layer alone (cues, zones, templates, site profiles): what the line model
    reads as features and what cleans when no model is shipped (tests/test_line_model.py
    pins the model's decisions)."""
    res = Resources(Config.load())
    res.__dict__["line_model"] = None
    return res


def make_page(text: str, page_id: str = "p0", **meta) -> Page:
    return Page(page_id=page_id, path=f"{page_id}.txt", format="txt", text=text, **meta)


def kept_texts(cleaned) -> list[str]:
    return [line.text for line in cleaned.lines]


def whole_line_removals(cleaned) -> dict[int, str]:
    kept = {line.no for line in cleaned.lines}
    return {r.line: r.rule for r in cleaned.removed if r.line not in kept}


# a report body long enough to make its own lines "body-like"
BODY = [
    "为贯彻落实上级关于加强基层服务能力建设的部署要求，我局组织力量开展了专题调研，现将有关情况报告如下。",
    "一、基本情况",
    "今年以来，全市共建成便民服务中心四十六个，各单位要及时下载并填报统计表格，推荐优秀案例，相关部门做好配合。",
    "相关工作安排如下：",
    "二、存在的问题",
    "一是重视不够，工作开展难。部分乡镇对服务能力建设认识不足，投入不够，群众满意度有待提高。",
    "三、下一步工作建议",
    "要进一步完善考核评价机制，推动服务事项网上办理，让数据多跑路，群众少跑腿，切实提升服务效能。",
]


# ------------------------------------------------------------------ normalisation


def test_normalize_line_t2s_width_whitespace_keeps_chinese_punctuation():
    assert normalize_line("　　政府服務報告：ＡＢＣ１２３，２０ｘｘ年  完成 ") == "政府服务报告：ABC123，20xx年 完成"
    assert normalize_line("\u200b关于\t\t印发的通知\r") == "关于 印发的通知"
    assert normalize_line("（一）加强领导；“两个确立”！") == "（一）加强领导；“两个确立”！"


@given(st.lists(st.text(alphabet=st.sampled_from("政府服務報告 \t\u3000ＡＢ１２ab,，。\u200b"), max_size=20), max_size=20))
def test_normalisation_never_changes_line_count(lines):
    text = "\n".join(lines)
    normalised = [normalize_line(t) for t in text.split("\n")]
    assert len(normalised) == len(text.split("\n"))
    assert all("\n" not in t for t in normalised)


# ------------------------------------------------------------------ generic cues on an unknown site


UNKNOWN_SITE_PAGE = "\n".join([
    "当前位置：首页 > 范文大全 > 调研报告",
    "基层服务能力建设调研报告",
    "发布时间：2024-01-05 10:20 阅读：35",
    "",
    "下面是小编为大家整理的基层服务能力建设调研报告，希望对大家有所帮助。",
    *BODY[:4],
    BODY[4] + ",尽在某某范文库。",
    *BODY[5:],
    "温馨提示：本站文章均来自网络，如需转载请注明出处。",
    "上一篇：乡镇工作总结",
    "下一篇：社区工作计划",
    "猜你喜欢",
    "关于乡镇服务的调研报告3篇",
    "社区服务调研报告范文",
    "版权所有 © 2024 某某范文库 京ICP备12345678号",
])


def test_generic_cues_remove_unknown_site_chrome(res):
    cleaned = cleaner.run(make_page(UNKNOWN_SITE_PAGE), site_templates.SiteTemplates(), res)
    kept = kept_texts(cleaned)
    text = "\n".join(kept)
    for chrome in ("当前位置", "发布时间", "小编", "尽在", "温馨提示", "上一篇", "下一篇", "猜你喜欢",
                   "关于乡镇服务的调研报告3篇", "版权所有", "ICP"):
        assert chrome not in text, chrome
    # report sentences with 下载 / 推荐 / 相关 stay, and so do short headings
    for line in BODY:
        assert line in kept, line
    assert cleaned.page_title == "基层服务能力建设调研报告"
    rules = set(whole_line_removals(cleaned).values())
    assert {"header:breadcrumb", "header:page_title", "header:publish_line", "cue:xiaobian_intro",
            "cue:repost_notice", "cue:prev_next", "footer:related_list"} <= rules
    assert any(r.rule == "spam:inline_suffix" and r.text == ",尽在某某范文库。" for r in cleaned.removed)


def test_footer_anchor_in_the_first_half_of_a_page_is_body(res):
    page = make_page("\n".join(["点击下载附件后填写", "相关推荐", *BODY]))
    kept = kept_texts(cleaner.run(page, None, res))
    assert kept[:2] == ["点击下载附件后填写", "相关推荐"]
    assert kept[2:] == BODY


@pytest.mark.parametrize("line", [
    "下面，我结合工作实际为大家分享几点体会。",
    "以上是我的一点体会，希望对大家有所启发。",
    "上述问题相关部门要高度重视，推荐度高的措施优先推广。",
    "各位代表：",
])
def test_report_sentences_that_resemble_intros_stay(res, line):
    page = make_page("\n".join([*BODY[:4], line, *BODY[4:]]))
    assert line in kept_texts(cleaner.run(page, None, res))


@pytest.mark.parametrize("line,rule", [
    ("Copyright © 2019 示例范文网 All Rights Reserved", "cue:copyright"),
    ("COPYRIGHT 2008-2024 EXAMPLE.COM", "cue:copyright"),
    ("(C) 2018 示例范文网", "cue:copyright"),
    ("版权所有：示例市人民政府办公室", "cue:copyright"),
    ("版权归原作者所有。", "cue:copyright"),
    ("京ICP备12345678号-1", "cue:icp_record"),
    ("Icp证：浙B2-20080101", "cue:icp_record"),
    ("浙公网安备 33010602000000号", "cue:icp_record"),
    ("网站标识码：3300000001 备案号：苏ICP备0000号", "cue:icp_record"),
    ("特别声明：以上内容(如有图片或视频亦包括在内)为自媒体平台“网易号”用户上传并发布，本平台仅提供信息存储服务。",
     "cue:platform_notice"),
    ("Notice: The content above (including the pictures and videos if any) is uploaded and posted by a user of "
     "NetEase Hao, which is a social media platform and only provides information storage services.",
     "cue:platform_notice"),
    ("001.JPG (94.55 KB, 下载次数: 116)", "cue:attachment"),
    ("下载附件 (156.71 KB)", "cue:attachment"),
    ("2022-9-15 08:56 上传", "cue:attachment"),
    ("小编精心推荐阅读", "cue:link_list_head"),
    ("《某某镇2023年安全生产工作总结.docx》由会员分享，可在线阅读，更多相关《某某镇2023年安全生产工作总结.docx(12页珍藏版)》"
     "请在某某文库网上搜索。", "cue:doc_sharing_notice"),
    ("本文来源:HTTPS://www.example.com/gongwen/476672.htm", "cue:source_url"),
    ("原文链接：www.example.org/a/1.html", "cue:source_url"),
])
def test_chrome_lines_in_any_letter_case_are_removed(res, line, rule):
    # the cues' literal pre-checks (`requires`) are case-insensitive, as their patterns
    cleaned = cleaner.run(make_page("\n".join([*BODY, line])), None, res)
    assert line not in kept_texts(cleaned)
    assert rule in whole_line_removals(cleaned).values()


def test_long_sentence_with_cue_words_is_not_chrome(res):
    sentence = ("各地要认真总结经验，版权所有单位和个人应当依法登记，相关推荐名单由省级部门审核后公布，"
                "推荐度高的项目优先支持，点击下载量大的政务应用要加强安全保护，确保数据安全和个人信息不被泄露。")
    page = make_page("\n".join([*BODY, sentence, *BODY]))
    assert sentence in kept_texts(cleaner.run(page, None, res))


def test_an_empty_publish_field_in_the_header_goes_and_report_lines_on_files_stay(res):
    kept_lines = ["下载附件后请认真填写，于本周五前报送至局办公室。", "更新时间表附后。", "编辑推荐的案例由评审组复核后公布，推荐理由要写清楚。",
                  "数据来源：www.stats.gov.cn 发布的年度统计公报，经整理后形成下表。"]
    for field in ("更新时间:发布时间:", "更新时间：示例范文网"):
        page = make_page("\n".join(["乡镇服务能力建设调研报告", field, *BODY, *kept_lines]))
        cleaned = cleaner.run(page, None, res)
        assert field not in kept_texts(cleaned) and "header:empty_publish_line" in whole_line_removals(cleaned).values()
        assert all(line in kept_texts(cleaned) for line in kept_lines)


def test_traditional_page_is_cleaned_and_simplified(res):
    page = make_page("\n".join(["當前位置：首頁 > 報告 > 調研報告", "發佈時間：2024-01-05", *BODY[:2],
                                "今年以來，全市共建成便民服務中心四十六個，各單位要認真總結經驗，推動服務事項網上辦理。"]))
    cleaned = cleaner.run(page, None, res)
    assert kept_texts(cleaned)[-1] == "今年以来，全市共建成便民服务中心四十六个，各单位要认真总结经验，推动服务事项网上办理。"
    assert {1, 2} <= set(whole_line_removals(cleaned))


def test_profile_rules_come_first_and_carry_site_ids(res, seed_lines):
    page = make_page("\n".join(seed_lines))
    cleaned = cleaner.run(page, None, res)
    rules = whole_line_removals(cleaned)
    assert rules[1] == "site:guanli.welcome"
    assert rules[2] == "site:guanli.breadcrumb"
    assert rules[6] == "site:guanli.publish"
    assert rules[126] == "site:kumao.inline_suffix"
    assert any(r.line == 32 and r.rule == "site:kumao.inline_suffix" for r in cleaned.removed)


def test_bad_rule_file_fails_loudly():
    with pytest.raises(RuleFileError, match="bad pattern"):
        cues._compile_cues({"line": [{"id": "broken", "pattern": "(unclosed"}]}, "test.toml", None)
    with pytest.raises(RuleFileError, match="needs an id and a pattern"):
        cues._compile_cues({"header": [{"pattern": "x"}]}, "test.toml", None)


# ------------------------------------------------------------------ learned templates

SITE = "示例公文网"
# chrome of the made-up site that no cue describes: only the corpus can tell it is template
TEMPLATE_HEADER = ["示例公文网 · 汇聚天下好文章", "频道：公文写作 工作报告 心得体会 调研报告"]
TEMPLATE_FOOTER = ["本站文章由网友投稿，仅作学习交流之用", "投稿邮箱 tougao@gongwen.example.org 联系电话 010-12345678"]
ONE_PAGE_LINE = "本页由编辑小李校对"


def site_pages(n: int = 4) -> list[Page]:
    pages = []
    for k in range(n):
        city = "甲乙丙丁"[k % 4] + "市"
        body = [line if line.endswith(("情况", "问题", "建议")) else f"{city}{line}" for line in BODY]
        footer = TEMPLATE_FOOTER + ([ONE_PAGE_LINE] if k == 1 else [])
        text = "\n".join([*TEMPLATE_HEADER, "", f"第{k + 1}份调研报告【示例公文网整理】", *body, "", *footer])
        pages.append(make_page(text, page_id=f"site{k}"))
    return pages


def test_template_lines_are_not_matched_by_any_cue(res):
    """The made-up chrome survives cleaning without templates: it must be learned."""
    page = site_pages()[0]
    kept = kept_texts(cleaner.run(page, site_templates.SiteTemplates(), res))
    for line in TEMPLATE_HEADER + TEMPLATE_FOOTER:
        assert normalize_line(line) in kept


def test_templates_are_learned_from_the_corpus_and_removed(res):
    pages = site_pages(4)
    templates = site_templates.learn_templates(pages, res.config["clean"])
    assert templates.pages[SITE] == 4
    for page in pages:
        cleaned = cleaner.run(page, templates, res)
        kept = kept_texts(cleaned)
        removed = whole_line_removals(cleaned)
        for line in TEMPLATE_HEADER + TEMPLATE_FOOTER:
            assert normalize_line(line) not in kept
        assert sorted(rule for rule in removed.values() if rule == "template:learned") == ["template:learned"] * 4
        assert all(line in "\n".join(kept) for line in BODY)
        # the profile's own fragment rule
        assert any(r.rule == "site:example_gongwen.watermark" for r in cleaned.removed)
    # a line on only one page is not template
    assert ONE_PAGE_LINE in kept_texts(cleaner.run(pages[1], templates, res))


def test_templates_need_enough_pages_and_stay_within_their_site(res):
    cfg = res.config["clean"]
    assert site_templates.learn_templates(site_pages(2), cfg).for_site(SITE) == frozenset()
    templates = site_templates.learn_templates(site_pages(4), cfg)
    other = make_page("\n".join([*TEMPLATE_HEADER, *BODY]), page_id="other", site="别的网站")
    kept = kept_texts(cleaner.run(other, templates, res))
    assert normalize_line(TEMPLATE_HEADER[0]) in kept


def test_templates_never_remove_report_structure(res):
    """Every report of a genre opens "各位代表：": frequent, but not chrome."""
    pages = [make_page("\n".join(["各位代表：", f"现在，我代表国务院向大会报告{k}年政府工作，请予审议。",
                                   *(f"{'甲乙丙丁'[k]}市{line}" for line in BODY)]),
                       page_id=f"gov{k}", url=f"https://reports.example.org/{k}") for k in range(4)]
    templates = site_templates.learn_templates(pages, res.config["clean"])
    assert templates.for_site("reports.example.org")
    for page in pages:
        assert kept_texts(cleaner.run(page, templates, res))[0] == "各位代表："


def test_copies_of_one_article_teach_no_template(res):
    article = site_pages(1)[0].text
    copies = [make_page(article, page_id=f"copy{k}") for k in range(4)]
    templates = site_templates.learn_templates(copies, res.config["clean"])
    assert templates.pages[SITE] == 1
    assert templates.for_site(SITE) == frozenset()


def test_site_templates_pickle_and_fingerprint(res):
    cfg = res.config["clean"]
    a, b = site_templates.learn_templates(site_pages(4), cfg), site_templates.learn_templates(site_pages(4), cfg)
    assert pickle.loads(pickle.dumps(a)) == a
    assert a.fingerprint(SITE) == b.fingerprint(SITE)
    assert a.fingerprint(SITE) != a.fingerprint("no such site") == site_templates.SiteTemplates().fingerprint(None)


# ------------------------------------------------------------------ properties

LINE_POOL = st.one_of(
    st.sampled_from(BODY + TEMPLATE_HEADER + [
        "当前位置：首页 > 报告", "发布时间：2024-01-05 阅读：3", "小编给大家介绍一篇报告，希望能对大家有所帮助。",
        "推荐度:", "点击下载文档", "相关推荐", "• 某某报告5篇12人关注", "篇一 某某调研报告", "",
        "完善制度建设，提高服务质量,尽在酷猫写作范文网。", "上一篇：某报告", "【字体：大 中 小】", "<!--", "-->",
        "版权所有 © 某某网", "   ", "\t", "<U+00A0><U+00A0>正文"]),
    st.text(alphabet=st.sampled_from("政府服务报告调研工作,，。：:>*xX20１２ａ \u3000篇一【】小编下载推荐相关"), max_size=60),
)


def is_subsequence(small: str, big: str) -> bool:
    it = iter(big)
    return all(ch in it for ch in small)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(LINE_POOL, max_size=40), st.sampled_from([None, "测试网", "管理范文网"]))
def test_clean_never_invents_text_and_accounts_for_every_line(res, lines, site):
    text = "\n".join(lines)
    page = make_page(text, site=site)
    cleaned = cleaner.run(page, site_templates.SiteTemplates(), res)
    raw = text.split("\n")
    nonblank = {i for i, t in enumerate(raw, 1) if normalize_line(t)}
    kept = {line.no for line in cleaned.lines}
    whole = {r.line for r in cleaned.removed} - kept
    assert kept | whole == nonblank
    assert not kept & whole
    for line in cleaned.lines:
        assert line.text and is_subsequence(line.text, normalize_line(raw[line.no - 1]))
    assert [line.no for line in cleaned.lines] == sorted(kept)


@pytest.mark.parametrize("text", ["", "\n\n\n", "\x00\x01\ufffd", "篇一", "推荐度:\n" * 3, "x" * 5000])
def test_bad_data_never_raises(res, text):
    cleaned = cleaner.run(make_page(text), None, res)
    assert isinstance(cleaned.lines, list)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="当前位置首页 \u3000\t\r\uff21\u200bab>", max_size=8), max_size=60),
       st.integers(min_value=1, max_value=14))
def test_first_template_lines_are_the_first_of_all_template_lines(lines, n):
    text = "\n".join(lines)
    assert site_templates.first_template_lines(text, n) == [t for t in site_templates.template_lines(text) if t][:n]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("当前位置 ab\n\t\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u2028\u2029"
                                             "\u202f\u3000\ufeff\u200b\uff21\uff10,，")), max_size=80))
def test_template_lines_are_template_line_of_each_line(text):
    # the whole-text form against the per-line reference, on every kind of whitespace
    assert site_templates.template_lines(text) == [site_templates.template_line(t) for t in text.split("\n")]


def test_site_is_recognised_in_a_traditional_character_header():
    # ingest (cache key, template evidence) and clean (templates applied) both read the site
    # from the ingested page: a header naming the site in traditional characters counts too
    body = "一、基本情況\n今年以來，我們認真落實各項任務。\n"
    traditional = make_page("　管理範文網　首頁\n工作總結\n" + body)
    assert site_templates.site_key(traditional) == "管理范文网"
    assert site_templates.site_key(make_page("管理范文网 首页\n工作总结\n" + body)) == "管理范文网"
    assert site_templates.site_key(make_page("工作總結\n" + body)) is None
