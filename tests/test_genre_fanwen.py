"""The 范文 genres: new taxonomy rows, decorated titles, title and body together with a reason,
`classify --explain`, the model card against the shipped model, the fanwen training rows and
the evaluation section — all on made-up reports (no ../shared needed)."""
from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.genre.model_card import card_markdown
from pipeline.genre.tagger import CARD_FILE, DEFAULT_MODEL_DIR, MODEL_FILE, GenreTagger, load_model
from pipeline.genre.taxonomy import Taxonomy, genre_text

CFG = Config.load()["genre"]

# made-up reports of each genre the 范文 sites are full of: (genre, title, body)
REPORTS = [
    ("social_practice", "2024年暑期三下乡社会实践报告",
     "为了响应校团委的号召，今年暑假我参加了学院组织的三下乡社会实践活动。\n实践队一行十人来到某县某村，开展支教和走访。\n"
     "通过这次暑期社会实践，我走出象牙塔，接触了社会，也看到了自己的不足。"),
    ("application", "大学生国家助学金申请书",
     "尊敬的学院领导：\n我是某学院某专业的学生，来自一个普通的农村家庭，家庭经济困难，父母务农收入微薄。\n"
     "为了顺利完成学业，特申请国家助学金，恳请学校给予资助。\n特此申请。\n此致\n敬礼\n申请人：某某"),
    ("proposal", "节约粮食光盘行动倡议书",
     "亲爱的同学们：\n粮食来之不易，浪费现象却时有发生。为此，学生会向全校师生发出如下倡议：\n一、按需取餐，杜绝浪费。\n"
     "二、从我做起，带动身边人。\n让我们携手行动起来，争做节约粮食的践行者！"),
    ("deeds", "优秀教师先进事迹材料",
     "某某同志自参加工作以来，一直担任班主任工作，始终把学生放在心上。\n她默默奉献，扎根山区二十年，所带班级成绩名列前茅。\n"
     "该同志先后荣获市级优秀教师、县级师德标兵等荣誉称号。"),
    ("situation_report", "关于某区意识形态风险隐患排查情况的报告",
     "根据上级通知要求，近期我局对系统内意识形态领域的风险隐患进行了全面排查。现将排查有关情况报告如下：\n"
     "一、排查工作开展情况\n二、排查结果\n三、下一步工作"),
    ("thought_report", "预备党员第三季度思想汇报",
     "敬爱的党组织：\n自从成为一名预备党员以来，我时刻以党员标准要求自己。现将我近期的思想情况向党组织汇报如下。\n"
     "一是加强理论学习，二是立足岗位。\n请党组织考验我、监督我。\n汇报人：某某"),
    ("inspection_tour", "赴某省学习考察报告",
     "为学习借鉴先进地区经验，县考察组一行八人赴某省某市进行了为期五天的学习考察。\n考察期间，我们实地参观了三个乡镇，"
     "受到当地的热情接待。\n现将考察学习的体会和启示报告如下。"),
    ("feasibility_study", "某食品厂年产五千吨项目可行性研究报告",
     "第一章 总论\n一、项目概况\n本项目建设规模为年产五千吨，厂址位于某工业园区。\n二、市场需求预测\n三、投资估算与资金筹措\n"
     "四、财务评价与经济效益分析\n五、可行性研究结论"),
    ("check_materials", "领导班子民主生活会对照检查材料",
     "根据上级关于召开专题民主生活会的部署，班子认真开展谈心谈话，深入查摆问题。现对照检查如下：\n一、查摆出的主要问题\n"
     "二、问题产生的根源剖析\n三、下一步整改措施\n我们将以这次民主生活会为契机，开展批评和自我批评。"),
    ("work_report", "某单位2023年度信息公开工作年度报告",
     "本报告根据有关规定编制，由总体情况、主动公开情况、存在的主要问题和改进情况等部分组成。\n"
     "本年度报告中使用数据统计期限为2023年1月1日至12月31日。"),
]


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


@pytest.fixture(scope="module")
def cues_only(taxonomy) -> GenreTagger:
    return GenreTagger(taxonomy, None, CFG)


@pytest.fixture(scope="module")
def shipped() -> GenreTagger:
    return GenreTagger.load(None, CFG)


# ----------------------------------------------------------------------------- taxonomy

def test_taxonomy_has_the_issue_slugs(taxonomy):
    wanted = {"self_inspection", "rectification", "internship", "social_practice", "survey", "research",
              "inspection_tour", "feasibility_study", "work_summary", "work_report", "government_work_report",
              "duty_report", "situation_report", "work_plan", "reflection", "speech", "application",
              "thought_report", "proposal", "deeds", "check_materials", "notice", "opinion", "regulation",
              "provision", "measures"}
    assert wanted <= set(taxonomy.slugs)
    for slug in wanted:
        g = taxonomy.by_slug[slug]
        assert g.name and g.title_cues and g.body_cues, slug


@pytest.mark.parametrize("genre, title, body", REPORTS, ids=[r[0] for r in REPORTS])
def test_made_up_report_of_each_new_genre_by_its_title(taxonomy, genre, title, body):
    assert taxonomy.title_genre(title) == genre


@pytest.mark.parametrize("genre, title, body", [r for r in REPORTS if r[0] != "work_report"],
                         ids=[r[0] for r in REPORTS if r[0] != "work_report"])
def test_made_up_report_of_each_new_genre_by_its_body_cues(cues_only, genre, title, body):
    d = cues_only.decide(None, body)
    assert (d.genre, d.source) == (genre, "cues"), d
    assert d.reason.startswith("no title")


@pytest.mark.parametrize("title, genre", [
    ("暑期社会实践调查报告", "social_practice"),        # the longer genre word at the end wins over 调查报告
    ("赴某县考察乡村振兴工作调研报告", "inspection_tour"),
    ("某局2023年工作总结和2024年工作计划", "work_summary"),
    ("2023年某镇人民政府工作报告", "government_work_report"),  # not a work_report
    ("某单位工会换届工作报告", "work_report"),
    ("入党积极分子思想汇报", "thought_report"),            # not a situation_report (汇报)
    ("关于开展涉密载体清理工作情况自查汇报", "self_inspection"),
    ("学生贫困补助申请书理由", "application"),
    ("人的伟大在于勇气——读《某书》有感", "reflection"),
    ("某某同志抗疫先进事迹", "deeds"),
    ("个人检视剖析材料", "check_materials"),
])
def test_new_title_cues(taxonomy, title, genre):
    assert taxonomy.title_genre(title) == genre


# ----------------------------------------------------------------------------- decorations

@pytest.mark.parametrize("title, read", [
    ("首页 > 范文大全 > 2023年学校安全自查报告(精选5篇).docx", "2023年学校安全自查报告"),
    ("大学生社会实践报告合集6篇", "大学生社会实践报告"),
    ("最新大学生实习报告300字", "大学生实习报告"),
    ("心得体会【精选】", "心得体会"),
    ("学生的实习报告 篇3", "学生的实习报告"),
    ("大学生的个人实习报告范文第1篇", "大学生的个人实习报告"),
    ("篇二：某镇自查报告", "某镇自查报告"),
    ("某某倡议书(通用10篇)", "某某倡议书"),
    ("销售部管理制度【精选", "销售部管理制度"),
    ("教育实(shí)习(xí)报(bào)告", "教育实习报告"),
    ("内容预览", ""),
    ("总页数:10 页", ""),
    ("2018-05-10", ""),
    ("相关推荐", ""),
])
def test_decorations_are_stripped_before_the_title_is_read(taxonomy, title, read):
    assert taxonomy.strip_decorations(title) == read


def test_a_non_title_gives_no_title_genre_and_the_body_decides(cues_only):
    body = dict((g, b) for g, _, b in REPORTS)["proposal"]
    d = cues_only.decide("内容预览", body)
    assert (d.genre, d.title, d.title_genre) == ("proposal", "", None)
    assert "no title" in d.reason


@settings(max_examples=60, deadline=None)
@given(decoration=st.sampled_from(["(精选5篇)", "合集6篇", "范文", "【精选】", ".docx", "300字", "完整版", " 篇4", "(通用3篇)"]),
       prefix=st.sampled_from(["", "最新", "首页 > 总结 > ", "精选范文2 "]),
       row=st.sampled_from(REPORTS))
def test_a_decorated_title_names_the_genre_of_the_plain_title(taxonomy, decoration, prefix, row):
    genre, title, _ = row
    assert taxonomy.title_genre(prefix + title + decoration) == genre


# ----------------------------------------------------------------------------- title and body together

SELF_INSPECTION_BODY = ("按照县安委会的通知要求，我镇开展了全面的安全生产自查。现将自查情况报告如下：\n一、自查工作开展情况\n"
                        "成立了自查工作领导小组，对辖区企业逐一进行了自查。\n二、自查中发现的问题\n部分企业台账不全。")


def test_title_and_body_disagree_the_body_formula_wins_and_says_why(cues_only):
    d = cues_only.decide("某镇2023年安全生产调查报告", SELF_INSPECTION_BODY)
    assert d.title_genre == "survey"
    assert d.genre == "self_inspection" and d.source in ("cues", "model")
    assert "title names survey" in d.reason and "body wins" in d.reason


def test_title_and_body_disagree_a_weak_body_leaves_the_title_its_genre(cues_only):
    body = "本次调查共发放问卷300份，回收有效问卷280份。调查对象为某县居民。现将自查情况报告如下：\n一、基本情况"
    d = cues_only.decide("某县居民消费调查报告", body)
    # the body holds a survey cue too: the title is not overruled
    assert (d.genre, d.source) == ("survey", "title") or (d.genre, d.source) == ("survey", "title+body")
    assert d.reason.startswith("title names survey")


def test_title_and_body_agree(cues_only):
    d = cues_only.decide("某镇安全生产自查报告", SELF_INSPECTION_BODY)
    assert (d.genre, d.source, d.score) == ("self_inspection", "title+body", 1.0)
    assert "agrees" in d.reason


def test_pinyin_annotations_are_read_through():
    assert genre_text("现将自(zì)查(chá)情况报(bào)告如下") == "现将自查情况报告如下"
    assert genre_text("第（一）条 (试行)") == "第（一）条 (试行)"     # brackets that are no pinyin stay


def test_pipeline_keeps_the_reason_on_the_document(tmp_path):
    from pipeline.resources import Resources
    from pipeline.stages import process_files

    page = tmp_path / "page.txt"
    page.write_text("某镇2023年安全生产调查报告\n\n" + SELF_INSPECTION_BODY + "\n", encoding="utf-8")
    (doc,) = [d for r in process_files([page], Resources(Config.load())) for d in r.documents]
    assert doc.genre == "self_inspection"
    assert "title names survey" in doc.genre_reason


def test_classify_explain_prints_the_evidence(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    page = tmp_path / "page.txt"
    page.write_text("某镇2023年安全生产调查报告\n\n" + SELF_INSPECTION_BODY + "\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["classify", "--explain", str(page)])
    assert out.exit_code == 0, out.output
    assert "reason: title names survey" in out.output
    assert "cues: self_inspection: 现将自查情况报告如下" in out.output
    assert "title read: 某镇2023年安全生产调查报告 → survey" in out.output
    js = CliRunner().invoke(app, ["classify", "--json", "--explain", str(page)])
    row = json.loads([ln for ln in js.output.splitlines() if ln.startswith("{")][0])
    assert row["genre"] == "self_inspection" and "self_inspection" in row["explain"]["cues"]
    plain = CliRunner().invoke(app, ["classify", str(page)])
    assert "reason:" not in plain.output


# ----------------------------------------------------------------------------- shipped model and card

def test_model_card_matches_the_shipped_model():
    card = json.loads((DEFAULT_MODEL_DIR / CARD_FILE).read_text(encoding="utf-8"))
    model_bytes = (DEFAULT_MODEL_DIR / MODEL_FILE).read_bytes()
    assert card["model_sha1"] == hashlib.sha1(model_bytes).hexdigest(), "run `make genre-model`"
    assert card["size_bytes"] == len(model_bytes)
    model = load_model(DEFAULT_MODEL_DIR / MODEL_FILE)
    assert sorted(card["labels"]) == sorted(str(c) for c in model.classes_)
    assert (DEFAULT_MODEL_DIR / "MODEL_CARD.md").read_text(encoding="utf-8") == card_markdown(card)
    cv = card["host_cross_validation"]
    assert cv and cv["grouped_by"].startswith("host") and cv["reports"] >= 200
    assert set(cv["tagger"]["per_class"]) == set(cv["confusion"]["labels"]) & set(cv["tagger"]["per_class"])
    assert sum(map(sum, cv["confusion"]["rows_true_cols_predicted"])) == cv["reports"]


def test_shipped_model_knows_the_new_report_genres(shipped):
    assert {"social_practice", "application", "proposal", "reflection", "work_plan"} <= set(shipped.model_classes)
    for genre, title, body in REPORTS:
        if genre in ("social_practice", "application", "proposal"):
            assert shipped.decide(None, body).genre == genre


# ----------------------------------------------------------------------------- fanwen rows and the section

def _write_fanwen(tmp_path):
    d = tmp_path / "fanwen"
    (d / "pages").mkdir(parents=True)
    rows = []
    for i, (genre, title, body) in enumerate(REPORTS):
        lines = ["首页 > 范文 > 报告", title + "(精选3篇)", "", f"{title} 篇1"] + body.split("\n")
        lines[4] = lines[4] + " m.example.com"
        labels = {"1": "chrome", "2": "page_title", "4": "report_title"} | {str(k): "body" for k in range(5, len(lines) + 1)}
        (d / "pages" / f"p{i}.txt").write_text("\n".join(lines), encoding="utf-8")
        rows.append({"id": f"p{i}", "host": f"site{i % 5}.example", "url": "", "labels": labels,
                     "spam": [{"line": 5, "fragment": " m.example.com"}],
                     "reports": [{"title": title, "title_line": 4, "first_body_line": 5, "genre": genre}],
                     "quality": "clean", "notes": ""})
    (d / "gold.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return tmp_path


def test_fanwen_training_rows_hold_the_body_only(tmp_path):
    from pipeline.evaluation.fanwen_data import load_pages
    from pipeline.genre.training_data import fanwen_examples

    pages = load_pages(_write_fanwen(tmp_path))
    examples = fanwen_examples(pages)
    assert [e.label for e in examples] == [g for g, _, _ in REPORTS]
    for e, (_, title, body) in zip(examples, REPORTS):
        assert title not in e.body and "首页" not in e.body and "m.example.com" not in e.body
        assert e.body.split("\n")[-1] == body.split("\n")[-1]
        assert e.group.startswith("fanwen:site") and e.doc_key != e.group


def test_dev_reports_also_train_as_their_halves(tmp_path):
    from pipeline.evaluation.fanwen_data import load_pages
    from pipeline.genre.training_data import fanwen_examples, report_halves

    examples = fanwen_examples(load_pages(_write_fanwen(tmp_path)))
    long = [e for e in examples if len(e.body) >= 60]
    halves = report_halves(examples, 60)
    assert len(halves) == 2 * len(long) and long
    for e, (first, second) in zip(long, zip(halves[::2], halves[1::2])):
        lines = e.body.split("\n")
        assert first.body.split("\n")[0] == lines[0] and second.body.split("\n")[-1] == lines[-1]
        assert first.body not in second.body and second.body not in first.body
        # the same genre, site group and report: CV folds and per-genre document counts see one report
        assert {first.label, second.label} == {e.label}
        assert first.group == second.group == e.group and first.doc_key == second.doc_key == e.doc_key
    one_line = report_halves([examples[0].__class__("", "甲" * 30 + "乙" * 30, "deeds", "fanwen", "g")], 60)
    assert [h.body for h in one_line] == ["甲" * 30, "乙" * 30]
    assert report_halves(examples, 0) == [] and report_halves(examples, 10 ** 6) == []


def test_fanwen_genre_section_scores_a_tagger_on_made_up_pages(tmp_path, cues_only):
    from pipeline.evaluation.fanwen_data import load_pages
    from pipeline.evaluation.fanwen_genre import evaluate

    data = _write_fanwen(tmp_path)
    pages = load_pages(data)
    out = evaluate(pages, [(list(range(len(pages))), cues_only)], data)
    assert out["reports"] == len(REPORTS)
    assert out["titles"]["accuracy"] == 1.0           # every made-up title names its genre
    assert out["page"]["unmatched"] == 0 and out["page"]["accuracy"] >= 0.9
    assert 0.5 <= out["bodies"]["accuracy"] <= 1.0
    assert out["titles"]["per_genre"]["proposal"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}


class _Recorder:
    """A stand-in line model that reads every line as body and counts the pages it read."""

    def __init__(self):
        self.pages = 0

    def label_lines(self, X, nonbody_p=None, sequence_weight=0.0):
        self.pages += 1
        return [("body", 0.99)] * X.shape[0]


def test_the_page_as_it_is_is_cleaned_by_the_line_model_of_its_fold(tmp_path, cues_only):
    from pipeline.evaluation.fanwen_data import load_pages
    from pipeline.evaluation.fanwen_genre import evaluate

    data = _write_fanwen(tmp_path)
    pages = load_pages(data)
    fold_models = {i: _Recorder() for i in range(len(pages))}
    out = evaluate(pages, [(list(range(len(pages))), cues_only)], data, fold_models)
    assert [m.pages for m in fold_models.values()] == [1] * len(pages)    # each page by its own fold's model
    assert out["reports"] == len(REPORTS) and out["titles"]["accuracy"] == 1.0
