"""Recurring problems: problem heads grouped across documents by aspect + predicate class.

In: documents after every per-document stage (items, genre, year, is_duplicate). Out: one
row per group ("经费投入 + 不足/不够"), with counts by document, genre and year. Aspects and
predicate classes are data (pipeline/rules/problems.toml [aspects], [predicate_classes]).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from functools import lru_cache

import pandas as pd

from pipeline import rules
from pipeline.analysis.passages import passage_predicate
from pipeline.records import Document
from pipeline.structure.item_rules import ItemRules

COLUMNS = ["group", "aspect", "predicate", "n_docs", "n_items", "by_genre", "by_year", "examples"]
OTHER_ASPECT = "其他"


@lru_cache(maxsize=1)
def _grouping() -> tuple[tuple[tuple[str, tuple[str, ...]], ...], dict[str, str]]:
    """(aspect, words) pairs in file order, and predicate → class label."""
    data = rules.load_toml("problems.toml")
    try:
        aspects = tuple((str(a), tuple(words)) for a, words in data["aspects"].items())
        classes = {p: str(label) for label, preds in data["predicate_classes"].items() for p in preds}
    except (KeyError, AttributeError, TypeError) as exc:
        raise rules.RuleFileError(f"problems.toml [aspects]/[predicate_classes]: {exc!r}") from exc
    return aspects, classes


def problem_group(head: str, item_rules: ItemRules) -> tuple[str, str] | None:
    """(aspect, predicate class) of a problem head, or None when it has no problem predicate
    (nor a passage predicate, problems.toml [problem_passage]). The aspect is the one whose
    word occurs earliest in the head (其他 when none does)."""
    aspects, classes = _grouping()
    # a problem stated in a passage may say so only in a passage predicate ("风险隐患仍然较多")
    predicate = item_rules.problem_predicate(head) or passage_predicate(head, item_rules)
    if predicate is None:
        return None
    best, best_pos = OTHER_ASPECT, len(head) + 1
    for aspect, words in aspects:
        for word in words:
            pos = head.find(word)
            if 0 <= pos < best_pos:
                best, best_pos = aspect, pos
    return best, classes.get(predicate, predicate)


def group_problems(docs: list[Document]) -> pd.DataFrame:
    """The recurring-problems table (COLUMNS), most widespread groups first. ``by_genre`` and
    ``by_year`` are JSON objects of document counts; ``examples`` a JSON list of up to five heads."""
    item_rules = ItemRules.load()
    doc_ids: dict[tuple, set] = defaultdict(set)
    n_items: Counter = Counter()
    genres: dict[tuple, dict] = defaultdict(dict)
    years: dict[tuple, dict] = defaultdict(dict)
    examples: dict[tuple, list] = defaultdict(list)
    for doc in docs:
        if doc.is_duplicate:
            continue
        for item in doc.items:
            if item.kind != "problem":
                continue
            key = problem_group(item.head, item_rules)
            if key is None:
                continue
            n_items[key] += 1
            doc_ids[key].add(doc.doc_id)
            genres[key][doc.doc_id] = doc.genre or "unknown"
            years[key][doc.doc_id] = str(doc.year) if doc.year else "unknown"
            if item.head not in examples[key] and len(examples[key]) < 5:
                examples[key].append(item.head)
    rows = []
    for key in n_items:
        aspect, predicate = key
        rows.append({
            "group": f"{aspect} + {predicate}", "aspect": aspect, "predicate": predicate,
            "n_docs": len(doc_ids[key]), "n_items": n_items[key],
            "by_genre": json.dumps(dict(Counter(genres[key].values()).most_common()), ensure_ascii=False),
            "by_year": json.dumps(dict(sorted(Counter(years[key].values()).items())), ensure_ascii=False),
            "examples": json.dumps(examples[key], ensure_ascii=False),
        })
    table = pd.DataFrame(rows, columns=COLUMNS)
    if len(table):
        table = table.sort_values(["n_docs", "n_items", "group"], ascending=[False, False, True], ignore_index=True)
    return table
