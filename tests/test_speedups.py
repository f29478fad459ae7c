"""pipeline._speedups.TagTable (C, the one native part) gives the answers of
segment.PyTagTable (Python); it survives a stress run with garbage collections between
calls; a Segmenter on the Python table gives the words and tags of the default one; and
POLICY_CORPUS_NO_NATIVE=1 switches the package to the Python table."""
import gc
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.text import segment

try:
    from pipeline._speedups import TagTable
except ImportError:         # installed without a C compiler: only the Python fallback is tested
    TagTable = None

needs_c = pytest.mark.skipif(TagTable is None, reason="C extension not built (no compiler)")

# words as jieba yields them, plus the awkward cases: empty, whitespace, long words (> 12
# code units go to the overflow dict), astral characters (4-byte strings), Latin-1 only
words = st.one_of(
    st.text(alphabet="营商环境放管服改革一要是\u3000 \n\t5G-A，。、", min_size=0, max_size=16),
    st.text(min_size=0, max_size=20),
    st.sampled_from(["", " ", "\n", "\r\n", "\u3000", "𠀀", "𠀀𠀁", "a" * 12, "a" * 13, "é", "营" * 12, "营" * 13]),
)


def both(pairs):
    c, py = TagTable(), segment.PyTagTable()
    for w, t in pairs:
        c.set(w, t)
        py.set(w, t)
    return c, py


@needs_c
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(words, st.sampled_from(["n", "v", "x", "nz", "m", "eng"])), max_size=40),
       st.lists(words, max_size=60))
def test_c_table_agrees_with_python(pairs, queries):
    c, py = both(pairs)
    assert len(c) == len(py)
    for q in queries:
        assert c.get(q) == py.get(q)
    assert c.words_and_tags(list(queries)) == py.words_and_tags(list(queries))


@needs_c
def test_growth_keeps_every_word():
    pairs = [(f"词{i}", "n" if i % 2 else "v") for i in range(5000)]
    c, py = both(pairs)
    assert len(c) == 5000
    queries = [w for w, _ in pairs] + ["词5000", "词"]
    assert c.words_and_tags(queries) == py.words_and_tags(queries)
    assert c.get("词4999") == "n" and c.get("词5000") is None


@needs_c
def test_set_again_replaces_the_tag_and_clear_forgets():
    c = TagTable()
    c.set("改革", "vn")
    c.set("改革", "v")
    c.set("一" * 30, "m")                       # overflow word
    assert len(c) == 2 and c.get("改革") == "v" and c.get("一" * 30) == "m"
    c.clear()
    assert len(c) == 0 and c.get("改革") is None and c.get("一" * 30) is None


@needs_c
def test_whitespace_only_words_are_dropped_and_others_kept():
    c = TagTable()
    c.set("建设", "v")
    kept, tags = c.words_and_tags(["建设", "\n", " ", "\u3000", "\r\n", " 建设", "网络"])
    assert kept == ["建设", " 建设", "网络"]
    assert tags == ["v", None, None]


@needs_c
def test_bad_arguments_raise_type_errors():
    c = TagTable()
    with pytest.raises(TypeError):
        c.words_and_tags(("建设",))
    with pytest.raises(TypeError):
        c.words_and_tags(["建设", 3])
    with pytest.raises(TypeError):
        c.set("建设", 3)
    with pytest.raises(TypeError):
        c.get(3)


def _table_in_a_fresh_interpreter(**env) -> str:
    code = ("import pipeline.text.segment as s; from pipeline.engine.manifest import package_versions as v; "
            "print(s.TagTable.__module__, s.NATIVE_TAG_TABLE, v()['native_tag_table'])")
    return subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True,
                          text=True, check=True).stdout.strip()


def test_the_switch_turns_the_native_table_off_and_the_manifest_says_so():
    assert _table_in_a_fresh_interpreter(POLICY_CORPUS_NO_NATIVE="1") == "pipeline.text.segment False False"
    if TagTable is not None:
        assert _table_in_a_fresh_interpreter(POLICY_CORPUS_NO_NATIVE="0") == "pipeline._speedups True True"


def test_a_missing_extension_is_said_in_a_warning(monkeypatch):
    monkeypatch.delenv("POLICY_CORPUS_NO_NATIVE", raising=False)
    monkeypatch.setitem(sys.modules, "pipeline._speedups", None)     # as if it was never built
    with pytest.warns(RuntimeWarning, match="not built"):
        assert segment._native_tag_table() is None


@needs_c
def test_words_and_tags_refuse_str_subclasses():
    class Word(str):
        def __hash__(self):
            words.clear()           # Python code run mid-loop would free the list's items
            return 0

    c = TagTable()
    words = ["建设", Word("网络")]
    with pytest.raises(TypeError):
        c.words_and_tags(words)
    with pytest.raises(TypeError):
        c.set(Word("网络"), "n")
    with pytest.raises(TypeError):
        c.set("网络", Word("n"))
    with pytest.raises(TypeError):
        c.get(Word("网络"))


@needs_c
def test_stress_with_garbage_collections_between_calls():
    import random

    rng = random.Random(16)
    odd = ["", " ", "\u3000", "\x00", "𠀀", "𠀀营", "é" * 12, "营" * 12, "营" * 13, "\ud800", "a\u0301",
           "\U0010ffff", "\uffff" * 3, "x" * 200]
    alphabet = "营商环境放管服改革一要是5G-A，。 \n"
    kept_results = []
    for round_ in range(24):        # a full gc.collect() costs ~50 ms here: a few per round
        c, py = TagTable(), segment.PyTagTable()
        for i in range(rng.randrange(0, 400)):
            # fresh (not interned) strings, whose other references die at once
            word = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 15))) if i % 5 else rng.choice(odd)
            tag = "".join(rng.choice("nvxmeg") for _ in range(rng.randrange(1, 4))) + str(i % 7)
            c.set(word, tag)
            py.set(word, tag)
        del word, tag
        gc.collect()
        queries = [("".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6)))) for _ in range(300)] + odd
        result = c.words_and_tags(queries)
        assert result == py.words_and_tags(queries)
        assert [c.get(q) for q in queries] == [py.get(q) for q in queries]
        kept_results.append((result, py.words_and_tags(queries)))
        if round_ % 3 == 0:
            c.clear()
            assert len(c) == 0 and c.words_and_tags(odd)[1] == [None] * len(c.words_and_tags(odd)[0])
        elif round_ % 3 == 1:
            c.__init__()            # a second __init__ replaces the table's storage
            assert len(c) == 0
        del c                       # the table is freed; what it returned stays valid
        gc.collect()
    for result, expected in kept_results:
        assert result == expected


def test_python_fallback_segments_like_the_default_table(monkeypatch, seed_lines):
    seed_text = "\n".join(seed_lines)
    c_seg = segment.Segmenter()
    monkeypatch.setattr(segment, "TagTable", segment.PyTagTable)
    py_seg = segment.Segmenter()
    assert isinstance(py_seg._tags, segment.PyTagTable)
    for text in (seed_text, seed_text):         # second pass: every word already in the tables
        assert py_seg.cut_and_tag(text) == c_seg.cut_and_tag(text)
    assert py_seg.cut(seed_text) == c_seg.cut(seed_text)


@needs_c
def test_an_uninitialised_table_raises_instead_of_crashing():
    bare = TagTable.__new__(TagTable)
    with pytest.raises(RuntimeError):
        bare.get("建设")
    with pytest.raises(RuntimeError):
        bare.words_and_tags(["建设"])
    assert len(bare) == 0


def test_tag_tables_pickle_as_empty_caches():
    import pickle

    for cls in [segment.PyTagTable] + ([TagTable] if TagTable is not None else []):
        table = cls()
        table.set("建设", "v")
        copy = pickle.loads(pickle.dumps(table))
        assert type(copy) is cls and len(copy) == 0 and copy.get("建设") is None
