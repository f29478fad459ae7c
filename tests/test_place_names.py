"""metadata.Gazetteer's place-name scan: the trie-shaped regex finds, at each position, the
longest name that starts there and scans on after it (what a plain trie walk finds)."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.structure.metadata import Gazetteer, _trie_pattern


def trie_walk_spans(names: list[str], text: str) -> list[tuple[int, int]]:
    """The definition, one character at a time: from each position the longest name starting
    there; after a match the scan goes on at its end, else at the next position."""
    trie: dict = {}
    for name in names:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[None] = True                       # a name ends here
    spans, pos = [], 0
    while pos < len(text):
        node, end = trie, -1
        for j in range(pos, len(text)):
            node = node.get(text[j])
            if node is None:
                break
            if None in node:
                end = j + 1
        if end < 0:
            pos += 1
        else:
            spans.append((pos, end))
            pos = end
    return spans


def regex_spans(names: list[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.compile(_trie_pattern(names) or "(?!)").finditer(text)]


_alphabet = "北京市海淀区成都四川省江苏南京𠀀a.*(|)\\"      # regex metacharacters too
_names = st.lists(st.text(alphabet=_alphabet, min_size=1, max_size=5), max_size=12)


@settings(max_examples=400, deadline=None)
@given(_names, st.text(alphabet=_alphabet + "，。 \n", max_size=40))
def test_regex_finds_the_spans_of_a_trie_walk(names, text):
    assert regex_spans(names, text) == trie_walk_spans(names, text)


def test_longest_name_first_then_scanning_on():
    names = ["北京", "北京市", "京", "海淀区"]
    assert regex_spans(names, "在北京市海淀区，北京。京") == [(1, 4), (4, 7), (8, 10), (11, 12)]
    assert regex_spans([], "北京") == []
    assert regex_spans(["市海"], "北京市海淀区") == [(2, 4)]


def test_gazetteer_finds_the_places_of_a_text():
    g = Gazetteer.load()
    text = "浙江省湖州市吴兴区和北京市海淀区的经验，成都市城区，四川、江苏南京市。"
    assert g.spans(text) == trie_walk_spans([n for n in g.names if n], text)
    assert {"浙江省/湖州市/吴兴区", "北京市/海淀区", "江苏省/南京市"} <= {p.path for p in g.places(text)}
