"""The line model in the clean stage, titles and splits, text quality: made-up pages of the
kinds researchers meet (document-sharing metadata, Q&A scaffolding, watermarks, intros,
page titles, pinyin annotations, truncation notices), each pinned by must / must-not."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.clean.line_model import DEFAULT_MODEL_DIR, LineModel, LineModelError, load_estimator
from pipeline.config import Config
from pipeline.resources import Resources
from pipeline.stages import ONLY_CHROME, process_files
from pipeline.structure import split
from build_fixtures import run_page

P1 = "为切实做好安全生产工作，按照县安委会的统一部署，我镇于近期组织开展了安全生产大检查，现将自查情况报告如下："
P2 = "镇党委政府高度重视安全生产工作，成立了以镇长为组长的安全生产工作领导小组，明确了各村和各站所的安全生产职责。"
P3 = "全镇共出动检查人员一百二十人次，检查企业和场所四十五家，发现隐患十八处，已整改十六处，其余两处正在整改之中。"
P4 = "下一步，我镇将继续加大安全生产监管力度，建立健全长效机制，坚决遏制各类安全事故的发生，确保全镇安全形势稳定。"


def all_text(result) -> str:
    return "\n".join(d.title + "\n" + d.text for d in result.documents)


def test_the_shipped_model_loads_and_has_a_card():
    model = LineModel.load()
    assert model is not None and set(model.classes) == {"chrome", "intro", "page_title", "report_title", "body"}
    card = json.loads((DEFAULT_MODEL_DIR / "model_card.json").read_text(encoding="utf-8"))
    assert len(card["training_data"]["fingerprint_sha1"]) == 40
    for label in model.classes:
        assert 0 < card["cross_validation"]["per_label"][label]["f1"] <= 1
    from pipeline.clean.line_training import CARD_MARKDOWN, card_markdown

    shown = (DEFAULT_MODEL_DIR / CARD_MARKDOWN).read_text(encoding="utf-8")
    assert shown == card_markdown(card)            # the readable card is the JSON card, regenerated
    assert card["training_data"]["fingerprint_sha1"] in shown and "| page_title |" in shown


def test_the_shipped_model_carries_its_label_sequence(tmp_path, monkeypatch):
    import numpy as np

    card = json.loads((DEFAULT_MODEL_DIR / "model_card.json").read_text(encoding="utf-8"))
    monkeypatch.setenv("POLICY_CORPUS_MODEL_CACHE", str(tmp_path / "cache"))
    fresh, cached = LineModel.load(), LineModel.load()      # from the skops and npz files, then from the cache
    assert list(tmp_path.joinpath("cache").glob("lines-*.npz"))
    for model in (fresh, cached):
        assert model.sequence is not None and model.sequence.log_transition.shape == (5, 5)
        assert list(model.classes) == card["sequence"]["labels"]
        assert np.allclose(np.exp(model.sequence.log_transition), card["sequence"]["transition"], atol=1e-4)
        assert np.allclose(np.exp(model.sequence.log_transition).sum(axis=1), 1)
    assert card["sequence"]["weight"] == Config.load()["clean"]["model_sequence_weight"] > 0


def test_a_label_sequence_of_other_classes_is_refused(tmp_path):
    from pipeline.clean.line_model import LabelSequence, load_sequence, save_sequence

    seq = LabelSequence.estimate([["body", "chrome"]], ("body", "chrome"))
    save_sequence(tmp_path / "s.npz", seq, ("body", "chrome"))
    assert load_sequence(tmp_path / "s.npz", ("body", "chrome")).log_transition.shape == (2, 2)
    with pytest.raises(LineModelError):
        load_sequence(tmp_path / "s.npz", ("chrome", "body"))
    (tmp_path / "bad.npz").write_bytes(b"not an npz")
    with pytest.raises(LineModelError):
        load_sequence(tmp_path / "bad.npz", ("body", "chrome"))


def test_a_model_file_holding_another_estimator_is_refused(tmp_path):
    import skops.io as sio
    from sklearn.tree import DecisionTreeClassifier

    est = DecisionTreeClassifier().fit([[0], [1]], ["body", "chrome"])
    sio.dump(est, tmp_path / "line_model.skops")
    with pytest.raises(LineModelError):
        load_estimator(tmp_path / "line_model.skops")


def test_document_sharing_metadata_goes_and_the_report_stays(tmp_path, res):
    page = "\n".join(["某某镇安全生产自查报告.docx", "文件大小：35.2KB", "总页数：7页", "约3.47千字", "发布于四川",
                      "内容预览", "某某镇安全生产自查报告", P1, "一、加强组织领导，落实工作责任", P2,
                      "二、开展隐患排查，及时整改到位", P3, P4, "点此注册 登录网站 下载附件"])
    result = run_page(tmp_path, page, res)
    text = all_text(result)
    for chrome in ("文件大小", "总页数", "3.47千字", "发布于四川", "内容预览", "点此注册"):
        assert chrome not in text
    for body in (P1, P2, P3, P4, "一、加强组织领导，落实工作责任"):
        assert body in text
    assert [d.title for d in result.documents] == ["某某镇安全生产自查报告"]
    # the cues fired and the model agreed: every whole-line removal carries its probability
    removals = result.page_removed + [r for d in result.documents for r in d.removed]
    whole = [r for r in removals if r.rule.startswith(("cue:", "header:", "footer:", "model:"))]
    assert len(whole) >= 6 and all(r.p is not None and 0.5 <= r.p <= 1 for r in whole)


def test_a_watermark_repeated_on_the_page_goes(tmp_path, res):
    mark = "【温馨提示】本文由某某范文网整理发布，仅供学习参考，请勿用于商业用途。"
    lines = ["社区疫情防控工作总结"]
    for p in (P1, P2, P3, P4, P1[2:], P2[2:], P3[2:], P4[2:]):
        lines += [p, mark]
    result = run_page(tmp_path, "\n".join(lines), res)
    text = all_text(result)
    assert "温馨提示" not in text
    assert P2 in text and P4 in text


def test_intro_and_page_title_are_not_documents(tmp_path, res):
    page = "\n".join([
        "乡镇安全生产自查报告范文集合五篇",
        "在日常生活或是工作学习中，报告的使用频率呈上升趋势，以下是小编为大家收集的乡镇安全生产自查报告，希望对大家有所帮助。",
        "乡镇安全生产自查报告 篇1", P1, P2, P3,
        "乡镇安全生产自查报告 篇2", P4, P2[3:], P3[3:],
    ])
    result = run_page(tmp_path, page, res)
    text = all_text(result)
    assert "小编" not in text and "集合五篇" not in text
    removals = result.page_removed + [r for d in result.documents for r in d.removed]
    assert any(r.rule == "model:page_title" and r.line == 1 and r.p >= 0.5 for r in removals)
    assert [d.title for d in result.documents] == ["乡镇安全生产自查报告", "乡镇安全生产自查报告"]


def test_a_page_of_chrome_only_is_rejected_with_its_reason(tmp_path, res):
    page = "\n".join(["首页 > 范文大全 > 自查报告", "发布时间：2023-05-06 10:20", "浏览次数：1234",
                      "上一篇：学校安全自查报告", "下一篇：食品安全自查报告", "Copyright © 2023 某某范文网 版权所有"])
    result = run_page(tmp_path, page, res)
    assert result.documents == []
    assert result.page.status == "rejected" and result.page.reason == ONLY_CHROME


def test_pinyin_annotations_are_repaired_and_flagged(tmp_path, res):
    page = "\n".join(["教育實(shí)習(xí)報(bào)告", "本次教育實(shí)習(xí)在市第一中學進行，我擔任初二年級的語文老師，認真備課，虛心聽課，收穫很大。",
                      P2, P3])
    result = run_page(tmp_path, page, res)
    [doc] = result.documents
    assert "(" not in doc.text and "shí" not in doc.text and "实习在市第一中学进行" in doc.text
    assert doc.quality == "pinyin_repaired"
    assert any(r.rule == "repair:pinyin" and r.text == "(xí)" for r in doc.removed)


def test_a_truncation_notice_is_chrome_and_marks_the_document(tmp_path, res):
    page = "\n".join(["某某镇安全生产自查报告", P1, P2, P3, "此处隐藏3650个字，请登录后查看完整内容"])
    [doc] = run_page(tmp_path, page, res).documents
    assert "隐藏" not in doc.text and P3 in doc.text
    assert doc.truncated is True
    [clean_doc] = run_page(tmp_path, "\n".join(["某某镇安全生产自查报告", P1, P2, P3]), res, "b.txt").documents
    assert clean_doc.truncated is False and clean_doc.quality == "clean"


def test_a_site_lead_in_in_prose_goes_and_a_speech_hoping_for_everyone_stays(tmp_path, res):
    intro = "相信许多人会觉得报告很难写吧，以下是小编精心整理的关于农村养老的调研报告，仅供参考，希望能够帮助到大家。"
    page = "\n".join(["关于农村养老的调研报告", intro, P1, P2, P3, P4])
    text = all_text(run_page(tmp_path, page, res))
    assert "小编" not in text and "仅供参考" not in text
    assert all(p in text for p in (P1, P2, P3, P4))
    hope = "新的学期，希望大家珍惜时光，勤奋学习，我也希望每位老师都能够为大家做出表率，用爱心温暖每一个孩子。"
    speech = "\n".join(["在秋季开学典礼上的讲话", "尊敬的老师们、亲爱的同学们：", "大家好！", P2, hope, P3, "谢谢大家！"])
    text = all_text(run_page(tmp_path, speech, res, name="speech.txt"))
    assert hope in text and P2 in text and "谢谢大家" in text


def test_a_government_report_keeps_every_line(tmp_path, res):
    lines = ["关于2023年法治政府建设情况的报告", "一、主要工作成效", P1, P2, "（一）坚持依法行政", P3,
             "二、存在的问题", P4, "三、下一步工作打算", P2[5:], "特此报告。", "某某县人民政府", "2024年3月1日"]
    [doc] = run_page(tmp_path, "\n".join(lines), res).documents
    for line in lines[1:]:
        assert line in doc.text


@pytest.mark.parametrize("raw, title", [
    ("【精选】大学生实习报告范文(通用15篇).docx", "大学生实习报告"),
    ("有关学生的实习报告范文集合五篇", "有关学生的实习报告"),
    ("工作总结合集6篇", "工作总结"),
    ("社会实践报告范文锦集八篇", "社会实践报告"),
    ("大学生社会实践报告300字", "大学生社会实践报告"),
    ("自查报告怎么写", "自查报告"),
    ("最新大学生实习报告范文", "大学生实习报告"),
    ("学生实习报告_第1页", "学生实习报告"),
    ("经典个人述职报告完整版", "个人述职报告"),
    ("医院自查报告1", "医院自查报告"),
    ("2023年度工作报告", "2023年度工作报告"),
    ("xx镇自查报告范本", "xx镇自查报告"),
    ("开展火灾隐患排查活动一、活动背景与意义", "开展火灾隐患排查活动"),            # the first heading glued on
    ("企业安全生产自查报告完整版第一章企业安全生产自查报告概述", "企业安全生产自查报告"),
    ("【三下乡实践报告范文】一、实践背景", "三下乡实践报告"),
    ("第一、二季度工作总结", "第一、二季度工作总结"),                              # an ordinal of the title itself
    ("2023年第一、二季度安全工作总结", "2023年第一、二季度安全工作总结"),
    ("【贫困生补助申请书】尊敬的校领导", "贫困生补助申请书"),                       # a salutation glued on
])
def test_clean_title_strips_site_decorations(raw, title):
    assert split.clean_title(raw) == title


@pytest.mark.parametrize("line, title", [
    ("大学生的个人实习报告范文第1篇", "大学生的个人实习报告"),
    ("范文第2篇：乙镇服务调研报告", "乙镇服务调研报告"),
    ("篇一：XX镇自查报告", "XX镇自查报告"),
    ("【篇1】", ""),
    ("范文一", ""),
    ("第1篇", ""),
    ("学生的实习报告 篇1", "学生的实习报告"),
    ("调研报告 篇一:手机使用习惯调研报告", "手机使用习惯调研报告"),     # the collection's kind before the marker
    ("调研报告篇二：乙镇服务调研报告", "乙镇服务调研报告"),
])
def test_every_marker_style(line, title):
    assert split.marker_title(line) == title


PAGES = {
    "a.txt": "\n".join(["首页 > 范文 > 自查报告", "发布时间：2023-05-06", "甲镇安全生产自查报告", P1, P2, "相关文章"]),
    "b.txt": "\n".join(["乙镇工作总结范文3篇", "乙镇工作总结 篇1", P3, P4, "乙镇工作总结 篇2", P2, P1]),
    "c.txt": "\n".join(["问题描述：", "求一篇大学生社会实践报告，急用，谢谢！", "最佳答案", "大学生社会实践报告", P4, P3]),
    "d.txt": "\n".join(["某某网 > 心得体会", "学习心得体会", P1, "【温馨提示】本文由某某网整理发布", P2]),
}


def _decisions(results) -> dict:
    return {Path(r.page.path).name: ([(d.title, d.text) for d in r.documents],
                                     sorted((x.line, x.rule, x.p) for d in r.documents for x in d.removed),
                                     sorted((x.line, x.rule, x.p) for x in r.page_removed)) for r in results}


@pytest.fixture(scope="module")
def page_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    for name, text in PAGES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(sorted(PAGES)))
def test_decisions_do_not_depend_on_the_order_of_the_files(order, page_folder, res):
    reference = _decisions(process_files([page_folder / n for n in sorted(PAGES)], res, root=page_folder))
    shuffled = _decisions(process_files([page_folder / n for n in order], res, root=page_folder))
    assert shuffled == reference


def test_a_bracketed_title_glued_to_the_first_sentence_is_cut_off(tmp_path, res):
    page = "\n".join(["【2017公务用车自查报告】" + P1, P2, P3])
    [doc] = run_page(tmp_path, page, res).documents
    assert doc.title == "2017公务用车自查报告"
    assert doc.lines[0].text == P1 and "【" not in doc.text
    assert any(r.rule == "split:title_glued" for r in doc.removed)


def test_anti_copy_noise_marks_the_document_junk(tmp_path, res):
    noisy = [P1[:20] + " * l, i e% v3 R! L4 u " + P1[20:], P2[:20] + " q, N{! W4 }% _: U5 f) v " + P2[20:], P3]
    [doc] = run_page(tmp_path, "\n".join(["某某镇安全生产自查报告", *noisy]), res).documents
    assert doc.quality == "junk"


def test_a_short_page_keeps_its_only_sentence_and_is_never_an_empty_document(tmp_path, res):
    page = "\n".join(["教育實(shí)習(xí)報(bào)告",
                      "本次教育實(shí)習(xí)在市第一中學進行，我擔任初二年級的語文老師，認真備課，虛心聽課，收穫很大。",
                      "此处隐藏3650个字，请登录后查看完整内容"])
    [doc] = run_page(tmp_path, page, res).documents
    assert doc.text == "本次教育实习在市第一中学进行，我担任初二年级的语文老师，认真备课，虚心听课，收获很大。"
    assert doc.truncated is True and doc.quality == "pinyin_repaired"


def test_a_title_with_nothing_under_it_is_no_document():
    from pipeline.records import CleanPage, Line, Page

    page = Page(page_id="abcdef0123456789", path="x.txt", format="txt")
    cleaned = CleanPage(page.page_id, [Line(1, "篇一 甲镇安全生产自查报告")], [])
    docs, removed = split.run(page, cleaned, Resources(Config.load()))
    assert docs == [] and [(r.line, r.rule) for r in removed] == [(1, "split:no_body")]


def test_the_second_stage_sees_the_neighbours_probabilities():
    import numpy as np

    from pipeline.clean.line_features import CONTEXT_WINDOW, context_matrix

    proba = np.array([[0.1, 0.1, 0.6, 0.1, 0.1],     # the page's most page_title-like line
                      [0.7, 0.1, 0.1, 0.05, 0.05],
                      [0.05, 0.05, 0.1, 0.1, 0.7]], dtype=np.float32)
    own = np.arange(6, dtype=np.float32).reshape(3, 2)
    Z = context_matrix(own, proba)
    width = proba.shape[1] + 1
    at = {d: k * width for k, d in enumerate(CONTEXT_WINDOW)}
    # line 1 sees line 0 above it and line 2 below it, the first line has nothing above
    assert Z[1, at[-1]:at[-1] + 5].tolist() == pytest.approx(proba[0].tolist())
    assert Z[1, at[1]:at[1] + 5].tolist() == pytest.approx(proba[2].tolist())
    assert Z[0, at[-1] + 5] == 0 and Z[1, at[-1] + 5] == 1 and Z[2, at[1] + 5] == 0
    top = len(CONTEXT_WINDOW) * width
    assert Z[:, top + 2].tolist() == [1, 0, 0]        # is it the page's most page_title-like line
    assert Z[:, -2:].tolist() == own.tolist()          # the line's own features close the row


def test_a_second_stage_with_other_classes_is_refused():
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    X = np.array([[0.0], [1.0], [2.0]])
    first = LogisticRegression().fit(X, ["body", "chrome", "intro"])
    second = LogisticRegression().fit(X, ["body", "chrome", "page_title"])
    with pytest.raises(LineModelError):
        LineModel.from_estimator(first, second)
