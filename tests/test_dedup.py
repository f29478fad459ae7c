"""dedup: exact and near-duplicate clusters, the kept copy, short texts, LSH properties."""
from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.analysis import dedup
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


def reference_minhash(text: str, k: int, num_perm: int) -> list[int]:
    """dedup.minhash written out one shingle at a time in plain Python (the definition)."""
    m64 = (1 << 64) - 1
    sig: list[int | None] = [None] * num_perm
    for i in range(len(text) - k + 1):
        h = 0
        for ch in text[i:i + k]:
            h = (h * 0x100000001B3 + ord(ch)) & m64
        h ^= h >> 30
        h = (h * 0xBF58476D1CE4E5B9) & m64
        h ^= h >> 27
        h = (h * 0x94D049BB133111EB) & m64
        h ^= h >> 31
        b, value = (h >> 32) % num_perm, h & 0xFFFFFFFF
        if sig[b] is None or value < sig[b]:
            sig[b] = value
    out = []
    for b in range(num_perm):        # an empty bin: the next non-empty one to its right, circularly
        d = next(d for d in range(num_perm) if sig[(b + d) % num_perm] is not None)
        out.append((sig[(b + d) % num_perm] + d * 0x9E3779B1) & 0xFFFFFFFF)
    return out


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="营商环境改革发展一二三abc𠀀 ", min_size=1, max_size=400), st.integers(1, 6),
       st.sampled_from([1, 7, 64, 128, 256]))
def test_minhash_equals_the_plain_python_definition(text, k, num_perm):
    if len(text) < k:
        with pytest.raises(ValueError):
            dedup.minhash(text, k, num_perm)
        return
    sig = dedup.minhash(text, k, num_perm)
    assert sig.dtype == np.uint32 and sig.shape == (num_perm,)
    assert sig.tolist() == reference_minhash(text, k, num_perm)


def test_minhash_signatures_are_the_ones_the_tables_were_built_with():
    # pinned from the signatures of earlier builds: a change here changes dup_cluster/is_duplicate
    text = "持续优化营商环境深化放管服改革推进政务服务标准化规范化便利化"
    assert dedup.minhash(text, 5, 8).tolist() == [2991048019, 336612258, 3157826756, 1434520446,
                                                   642773090, 306682087, 501071270, 797539668]
    assert dedup.minhash("abcdefg", 3, 8).tolist() == [1266456432, 295495364, 1936026899, 3576558434,
                                                       922122673, 193273848, 1833805383, 388368626]
    norm = dedup.normalise(text * 3 + "，一二三四五六七八九十")
    assert hashlib.sha1(dedup.minhash(norm, 5, 128).tobytes()).hexdigest() == "870f4cf91c816094321656852586f27ccfece692"


def test_equal_shingle_sets_give_equal_signatures_and_disjoint_ones_low_estimates():
    # "abcabcabc" and "abcabca" hold the same 3-shingles {abc, bca, cab}, repeated differently
    assert np.array_equal(dedup.minhash("abcabcabc", 3, 64), dedup.minhash("abcabca", 3, 64))
    assert not np.array_equal(dedup.minhash("abcabcabd", 3, 64), dedup.minhash("abcabca", 3, 64))
    rng = random.Random(7)
    a = "".join(rng.choice("的一是在不了有和人这中大为上个国") for _ in range(3000))
    b = "".join(rng.choice("我以要他时来用们生到作地于出就分") for _ in range(3000))
    assert dedup.estimated_jaccard(dedup.minhash(a, 5, 128), dedup.minhash(b, 5, 128)) < 0.05
    assert dedup.estimated_jaccard(dedup.minhash(a, 5, 128), dedup.minhash(a[:2990], 5, 128)) > 0.95


def test_folding_keeps_letters_digits_and_cjk_and_drops_the_rest():
    assert dedup._fold("营商_环境，2024年！Ⅻ ½") == "营商环境2024年Ⅻ½"
    assert dedup._fold("（一）加强“放管服”改革；\u3000\n\t——《意见》…") == "一加强放管服改革意见"
    assert dedup._fold("Hello, World! 第3季度 𠀀") == "HelloWorld第3季度𠀀"
    # over all of Unicode: a character stays exactly when it is alphanumeric and not "_"
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert dedup._fold(every) == "".join(c for c in every if c.isalnum() and c != "_")


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
