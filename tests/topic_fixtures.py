"""Small processed tables for the topics/compare/notebook tests, written by the tests.

``write_seed_tables`` turns the sample page into documents and sections with the line
ranges of seed_expectations (each body line a section), so these tests do not depend on
the state of the split/outline stages; ``write_made_up_tables`` writes a made-up corpus of
two genres with different vocabularies.
"""
from __future__ import annotations

import random
from pathlib import Path

import rjieba
from seed_expectations import DOCUMENTS

from pipeline.output import tables

SEED = Path(__file__).resolve().parents[1] / "corpus" / "raw" / "000_72afd9e4fb823ccb.txt"
YEARS = [None, None, None, 2023, None, 2023, 2023, 2021]
REGIONS = ["浙江省/湖州市", "浙江省", None, None, None, "江苏省/苏州市", "四川省/成都市", None]


def _doc_row(doc_id: str, title: str, text: str, genre: str, year, region, page_id: str = "72afd9e4fb823ccb",
             duplicate: bool = False) -> dict:
    pairs = rjieba.tag(text)
    return {"doc_id": doc_id, "page_id": page_id, "ordinal": int(doc_id.rsplit("-", 1)[1]), "title": title,
            "text": text, "n_chars": len(text), "tokens": [w for w, _ in pairs], "pos": [t for _, t in pairs],
            "genre": genre, "year": year, "region": region, "is_duplicate": duplicate}


def write_seed_tables(out: Path) -> Path:
    """documents/sections/items/pages tables of the sample page (one section per body line)."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    docs, sections, items = [], [], []
    for n, (title, genre, _t, first, last) in enumerate(DOCUMENTS, start=1):
        doc_id = f"72afd9e4fb823ccb-{n:03d}"
        body = [ln.strip() for ln in lines[first - 1:last] if ln.strip()]
        docs.append(_doc_row(doc_id, title, "\n".join(body), genre, YEARS[n - 1], REGIONS[n - 1]))
        for i, ln in enumerate(body, start=1):
            sections.append({"doc_id": doc_id, "section_id": f"{doc_id}/s{i}", "parent_id": None, "level": 1,
                             "marker": "", "heading": "", "role": "other", "text": ln})
    from seed_expectations import MEASURES, PROBLEMS

    for ordinal, heads in list(MEASURES.items()) + list(PROBLEMS.items()):
        kind = "measure" if heads is MEASURES.get(ordinal) else "problem"
        doc_id = f"72afd9e4fb823ccb-{ordinal:03d}"
        for head in heads:
            items.append({"doc_id": doc_id, "item_id": f"{doc_id}/i{len(items) + 1}", "section_id": None,
                          "kind": kind, "marker": "", "head": head, "text": head, "section": "", "source": "outline"})
    _write(out, docs, sections, items)
    return out


_VOCAB = {
    "self_inspection": ["自查", "整改", "制度", "落实", "检查", "规范", "台账", "责任", "监督", "考核"],
    "survey": ["问卷", "调查", "样本", "满意度", "受访者", "比例", "统计", "群众", "企业", "反映"],
}
_SHARED = ["政府", "服务", "工作", "建设", "管理", "部门", "开展", "提高"]


def write_made_up_tables(out: Path, n_docs: int = 24, seed: int = 3) -> Path:
    """A made-up corpus: two genres with their own vocabularies, years 2019–2022, two provinces,
    one duplicate; each document has 6 sections of 30 words and 2 problem items."""
    rng = random.Random(seed)
    docs, sections, items = [], [], []
    for n in range(n_docs):
        genre = "self_inspection" if n % 2 == 0 else "survey"
        doc_id = f"{n:016x}-001"
        paras = []
        for s in range(6):
            words = [rng.choice(_VOCAB[genre]) if rng.random() < 0.7 else rng.choice(_SHARED) for _ in range(30)]
            paras.append("，".join("".join(words[i:i + 3]) for i in range(0, 30, 3)) + "。")
        text = "\n".join(paras)
        year = 2019 + n % 4
        region = "四川省/成都市" if n % 3 else "浙江省"
        docs.append(_doc_row(doc_id, f"报告{n}", text, genre, year, region, page_id=f"{n:016x}",
                             duplicate=(n == n_docs - 1)))
        for s, p in enumerate(paras, start=1):
            sections.append({"doc_id": doc_id, "section_id": f"{doc_id}/s{s}", "parent_id": None, "level": 1,
                             "marker": "", "heading": "", "role": "other", "text": p})
        probs = {"self_inspection": ["台账不规范", "责任落实不到位"], "survey": ["满意度不高", "企业反映办事难"]}[genre]
        for i, head in enumerate(probs, start=1):
            items.append({"doc_id": doc_id, "item_id": f"{doc_id}/i{i}", "section_id": f"{doc_id}/s{i}",
                          "kind": "problem", "marker": "", "head": head, "text": head, "section": "",
                          "source": "outline"})
    _write(out, docs, sections, items)
    return out


def _write(out: Path, docs: list[dict], sections: list[dict], items: list[dict]) -> None:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pages = [{"page_id": d["page_id"], "path": f"{d['page_id']}.txt", "format": "txt", "status": "ok",
              "site": "示例站", "n_docs": 1} for d in docs]
    seen = set()
    pages = [p for p in pages if not (p["page_id"] in seen or seen.add(p["page_id"]))]
    tables.write_table(tables.to_arrow("pages", pages), out / "pages.parquet")
    tables.write_table(tables.to_arrow("documents", docs), out / "documents.parquet")
    tables.write_table(tables.to_arrow("sections", sections), out / "sections.parquet")
    tables.write_table(tables.to_arrow("items", items), out / "items.parquet")
