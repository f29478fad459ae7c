"""A small made-up corpus for the build tests (driver and engines, incremental builds, faults).

The sample page plus a few pages of an invented site (shared header and footer lines, so
template learning has something to learn), a republished copy of one report under a
different header (a duplicate for dedup), and a short page.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "raw" / "000_72afd9e4fb823ccb.txt"

HEADER = "欢迎访问示例公文网\n当前位置:首页 > 工作报告 > 工作总结\n"
FOOTER = "\n相关推荐:更多工作总结请访问示例公文网\n版权所有 示例公文网 备案号00000000\n"

BODIES = [
    ("社区卫生服务中心年度工作总结",
     "今年以来，我中心在区卫健委的正确领导下，坚持以人民健康为中心，扎实推进基本公共卫生服务。\n"
     "一、主要工作\n（一）家庭医生签约服务稳步推进，全年签约居民八千余人。\n"
     "（二）慢性病管理不断规范，高血压和糖尿病患者规范管理率明显提高。\n"
     "二、存在的问题\n一是人员不足，基层医务人员流失严重。\n二是信息化水平不高，数据共享困难。\n"
     "三、下一步工作打算\n（一）加强人才队伍建设，完善激励机制。\n（二）推进智慧医疗建设，提升服务效率。"),
    ("乡镇农村人居环境整治自查报告",
     "根据县委县政府的统一部署，我镇对农村人居环境整治工作进行了全面自查，现将有关情况报告如下。\n"
     "一、工作开展情况\n全镇共清理村内垃圾三千余吨，新建公共厕所十二座，改造农户厕所五百余户。\n"
     "二、存在的不足\n（一）群众参与积极性不高，长效管护机制尚未建立。\n（二）资金投入不足，部分村庄基础设施薄弱。\n"
     "三、整改措施\n1.加大宣传力度，引导群众主动参与。\n2.多渠道筹措资金，建立长效管护机制。"),
    ("关于全市中小学课后服务情况的调研报告",
     "为了解全市中小学课后服务开展情况，市政协教育委员会组成调研组，深入二十所学校开展调研。\n"
     "一、基本情况\n全市参加课后服务的学生达到十二万人，覆盖率超过百分之九十。\n"
     "二、主要问题\n课后服务内容单一，教师负担较重，经费保障机制不健全。\n"
     "三、对策建议\n首先，丰富课后服务内容，引入社会优质资源。其次，合理安排教师工作时间。最后，完善经费保障政策。"),
]


def page_text(title: str, body: str, date: str = "2023-06-01 10:00:00", header: str = HEADER) -> str:
    return f"{header}\n{title}\n\n发布时间:{date} 查看人数:12\n\n{body}\n{FOOTER}"


def make_corpus(raw: Path) -> Path:
    """Write the corpus into ``raw`` (created) and return it."""
    raw.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, raw / SEED.name)
    for i, (title, body) in enumerate(BODIES):
        (raw / f"site_{i:02d}.txt").write_text(page_text(title, body, f"2023-06-0{i + 1} 10:00:00"), encoding="utf-8")
    # the first report republished elsewhere: other header and date, same body
    title, body = BODIES[0]
    copy_header = "另一个转载网站\n当前位置:首页 > 范文\n"
    (raw / "repost_00.txt").write_text(page_text(title, body, "2024-01-01 09:00:00", copy_header), encoding="utf-8")
    (raw / "short.txt").write_text("通知\n\n明天停水。\n", encoding="utf-8")
    return raw


def add_page(raw: Path, name: str = "new_page.txt") -> Path:
    """One more page of a new site (it leaves the learned templates of the others alone)."""
    p = raw / name
    p.write_text("新增页面\n\n关于加强社区养老服务的几点建议\n\n"
                 "当前社区养老服务存在设施不足、专业人员缺乏等问题。为此建议：一是加大财政投入；"
                 "二是培养专业护理队伍；三是引入社会力量参与。\n", encoding="utf-8")
    return p


def read_tables(out: Path) -> dict[str, pd.DataFrame]:
    """The build's tables, sorted by their ids (so different engines compare equal)."""
    keys = {"pages": ["path"], "documents": ["doc_id"], "sections": ["section_id"], "items": ["item_id"]}
    out_tables = {}
    for name, by in keys.items():
        df = pd.read_parquet(out / f"{name}.parquet")
        out_tables[name] = df.sort_values(by, kind="stable").reset_index(drop=True)
    return out_tables


def assert_same_tables(a: Path, b: Path) -> None:
    ta, tb = read_tables(a), read_tables(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_like=False, obj=name)


def run_page(tmp_path: Path, text: str, res, name: str = "page.txt"):
    """One made-up page through the per-page stages (what ``policy-corpus classify`` runs)."""
    from pipeline.stages import process_files

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    [result] = process_files([path], res)
    return result
