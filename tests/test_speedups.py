"""pipeline._speedups.TagTable (C) gives the answers of segment.PyTagTable (Python), and a
Segmenter on the Python fallback gives the words and tags of the default one."""
import pytest
from hypothesis import given, settings, strategies as st

from pipeline import segment

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


# --------------------------------------------------------------------------- Trie (place names)

try:
    from pipeline._speedups import Trie
except ImportError:
    Trie = None

_names = st.lists(st.text(alphabet="北京市海淀区成都四川省江苏南京𠀀a", min_size=1, max_size=5), min_size=0, max_size=12)


@pytest.mark.skipif(Trie is None, reason="C extension not built (no compiler)")
@settings(max_examples=400, deadline=None)
@given(_names, st.text(alphabet="北京市海淀区成都四川省江苏南京𠀀a，。 \n", max_size=40))
def test_c_trie_finds_the_spans_of_the_reference_regex(names, text):
    import re

    from pipeline.metadata import _trie_pattern

    pattern = re.compile(_trie_pattern(names) or "(?!)")
    assert Trie(names).spans(text) == [m.span() for m in pattern.finditer(text)]


@pytest.mark.skipif(Trie is None, reason="C extension not built (no compiler)")
def test_c_trie_longest_name_first_and_bad_use():
    t = Trie(["北京", "北京市", "京", "海淀区"])
    assert t.spans("在北京市海淀区，北京。京") == [(1, 4), (4, 7), (8, 10), (11, 12)]
    assert Trie([]).spans("北京") == []
    with pytest.raises(TypeError):
        Trie([1])
    with pytest.raises(RuntimeError):
        Trie.__new__(Trie).spans("北京")


def test_gazetteer_without_the_c_trie_finds_the_same_places(monkeypatch):
    from pipeline.metadata import Gazetteer

    text = "浙江省湖州市吴兴区和北京市海淀区的经验，成都市城区，四川、江苏南京市。"
    fast = Gazetteer.load().places(text)
    slow = Gazetteer.load()
    monkeypatch.setattr(slow, "_trie", None)
    assert slow.places(text) == fast
    assert {"浙江省/湖州市/吴兴区", "北京市/海淀区", "江苏省/南京市"} <= {p.path for p in fast}
