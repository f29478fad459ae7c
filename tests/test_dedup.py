"""dedup: exact and near-duplicate clusters, the kept copy, short texts, LSH properties."""
from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import dedup
from pipeline.config import Config, ConfigError
from pipeline.records import Document, Line

CFG = Config.load()["dedup"]

BASE = ("我县高度重视农村义务教育经费保障机制改革工作，成立了以县长为组长的领导小组，"
        "制定了实施方案，明确了各部门职责。全县中小学校舍维修改造资金全部落实到位，"
        "学生免除学杂费、免费提供教科书和寄宿生生活费补助政策全面落实。"
        "但是仍然存在资金拨付不及时、部分学校管理不规范、教师培训经费不足等问题。"
        "下一步，我们将进一步加强监督检查，完善经费管理制度，确保各项资金安全高效使用。")
OTHER = ("为深入贯彻落实全市安全生产工作会议精神，区安监局组织开展了为期三个月的隐患排查治理专项行动，"
         "共检查企业二百余家，发现并整改隐患三百多处，关停不具备安全生产条件的小作坊十二家，"
         "同时开展了安全生产月宣传咨询活动，发放宣传资料一万余份，群众安全意识明显增强。")


def doc(doc_id: str, text: str, ordinal: int = 1) -> Document:
    page_id = doc_id.split("-")[0]
    return Document(doc_id=doc_id, page_id=page_id, ordinal=ordinal, title="t",
                    lines=[Line(i + 1, t) for i, t in enumerate(text.split("\n"))])


def edit(text: str, n: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    chars = list(text)
    for _ in range(n):
        chars[rng.randrange(len(chars))] = "某"
    return "".join(chars)


def test_exact_copy_with_other_whitespace_and_punctuation_is_a_duplicate():
    docs = [doc("a-001", BASE), doc("b-001", BASE.replace("，", ", ").replace("。", ".\n")), doc("c-001", OTHER)]
    dedup.mark_duplicates(docs, CFG, {"a": "x/1.txt", "b": "x/2.txt", "c": "x/3.txt"})
    assert docs[0].dup_cluster == docs[1].dup_cluster
    assert [d.is_duplicate for d in docs].count(True) == 1
    assert docs[2].dup_cluster == "c-001" and not docs[2].is_duplicate


def test_lightly_edited_copy_is_a_near_duplicate_and_longest_copy_is_kept():
    shorter = BASE[:-12]                      # a little shorter, otherwise the same
    docs = [doc("a-001", edit(shorter, 2)), doc("b-001", BASE), doc("c-001", OTHER)]
    dedup.mark_duplicates(docs, CFG, {"a": "a.txt", "b": "b.txt", "c": "c.txt"})
    assert docs[0].dup_cluster == "b-001" and docs[0].is_duplicate
    assert docs[1].dup_cluster == "b-001" and not docs[1].is_duplicate
    assert not docs[2].is_duplicate


def test_equal_length_copies_keep_the_earliest_page_path():
    docs = [doc("a-001", BASE), doc("b-001", BASE)]
    dedup.mark_duplicates(docs, CFG, {"a": "z/late.txt", "b": "a/early.txt"})
    assert docs[0].dup_cluster == "b-001" and docs[0].is_duplicate
    assert not docs[1].is_duplicate


def test_keep_earliest_prefers_the_page_path_over_length():
    docs = [doc("a-001", BASE[:-12]), doc("b-001", BASE)]
    dedup.mark_duplicates(docs, {**CFG, "keep": "earliest"}, {"a": "a.txt", "b": "b.txt"})
    assert docs[1].dup_cluster == "a-001" and docs[1].is_duplicate and not docs[0].is_duplicate


def test_unknown_keep_rule_fails_loudly():
    with pytest.raises(ConfigError, match="longest, earliest"):
        dedup.mark_duplicates([doc("a-001", BASE), doc("b-001", BASE)], {**CFG, "keep": "random"})


def test_unrelated_texts_are_not_clustered():
    docs = [doc("a-001", BASE), doc("b-001", OTHER), doc("c-001", BASE[::-1])]
    dedup.mark_duplicates(docs, CFG)
    assert [d.dup_cluster for d in docs] == ["a-001", "b-001", "c-001"]
    assert not any(d.is_duplicate for d in docs)


def test_short_texts_do_not_collapse_into_one_cluster():
    texts = ["一", "二", "三四", "五六七", "", "  ", "八九十"]
    docs = [doc(f"p{i}-001", t) for i, t in enumerate(texts)]
    dedup.mark_duplicates(docs, CFG)
    assert not any(d.is_duplicate for d in docs)
    again = [doc("q1-001", "三四"), doc("q2-001", "三，四")]
    dedup.mark_duplicates(again, CFG)
    assert [d.is_duplicate for d in again].count(True) == 1   # exact short copies are still found


def test_a_cluster_of_many_copies_has_one_kept_copy():
    docs = [doc(f"p{i:02d}-001", edit(BASE, i % 3, seed=i)) for i in range(30)] + [doc("zz-001", OTHER)]
    dedup.mark_duplicates(docs, CFG)
    clusters = {d.dup_cluster for d in docs[:30]}
    assert len(clusters) == 1
    assert sum(not d.is_duplicate for d in docs[:30]) == 1
    assert not docs[-1].is_duplicate


def test_lsh_bands_fit_num_perm():
    bands, rows = dedup.lsh_bands(0.8, 128)
    assert bands * rows <= 128 and bands > 1 and rows > 1


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你", min_size=0, max_size=200))
def test_signature_is_deterministic_and_self_similar(text):
    a, b = dedup.fingerprint(text, CFG), dedup.fingerprint(text, CFG)
    assert a.exact == b.exact
    if a.signature is not None:
        assert a.signature.dtype == np.uint32 and len(a.signature) == CFG["num_perm"]
        assert dedup.estimated_jaccard(a.signature, b.signature) == 1.0
    else:
        assert len(dedup.normalise(text)) - CFG["shingle"] + 1 < CFG["min_shingles"]


def test_estimated_jaccard_tracks_true_jaccard():
    rng = random.Random(3)
    alphabet = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你"
    for _ in range(10):
        a = "".join(rng.choice(alphabet) for _ in range(2000))
        b = edit(a, rng.randrange(5, 120), seed=rng.random())
        sa = {a[i:i + 5] for i in range(len(a) - 4)}
        sb = {b[i:i + 5] for i in range(len(b) - 4)}
        true = len(sa & sb) / len(sa | sb)
        est = dedup.estimated_jaccard(dedup.fingerprint(a, CFG).signature, dedup.fingerprint(b, CFG).signature)
        assert abs(true - est) < 0.15


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="营商环境改革发展一二三abc𠀀 ", min_size=1, max_size=400), st.integers(1, 6),
       st.sampled_from([1, 7, 64, 128, 256]))
def test_minhash_in_c_equals_the_numpy_reference(text, k, num_perm):
    if len(text) < k:
        return
    assert np.array_equal(dedup.minhash(text, k, num_perm), dedup._minhash_numpy(text, k, num_perm))
    assert dedup.minhash(text, k, num_perm).dtype == np.uint32


def test_folding_in_c_drops_exactly_the_characters_the_regex_drops():
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert dedup._fold(every) == dedup._fold_regex(every)
    assert dedup._fold("营商_环境，2024年！Ⅻ ½") == "营商环境2024年Ⅻ½"


def test_buckets_are_the_groups_of_rows_with_equal_band_values():
    rng = np.random.default_rng(3)
    sigs = rng.integers(0, 3, size=(400, 8), dtype=np.uint32)     # few values: many equal bands
    expected = []
    for b in range(2):
        groups: dict[bytes, list[int]] = {}
        for i in range(len(sigs)):
            groups.setdefault(sigs[i, b * 4:(b + 1) * 4].tobytes(), []).append(i)
        expected += [g for g in groups.values() if len(g) > 1]
    found = [members.tolist() for members in dedup._buckets(sigs, 2, 4)]
    assert sorted(found) == sorted(expected)
    assert all(m == sorted(m) for m in found)
