"""The units a topic model is fitted on (documents, sections or items of a built corpus) and
their tokens: stop words, POS filter, non-Chinese noise out; and the check that the topic
tables belong to the current build."""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pandas as pd

from pipeline import rules
from pipeline.config import Config, ConfigError, UserError

log = logging.getLogger(__name__)

UNITS = ("doc", "section", "item")


def load_units(out: Path, unit: str, config: Config | None = None, keep_all: bool = False) -> pd.DataFrame:
    """The units of the corpus in ``out`` with their kept tokens (``keep_all``: every token but
    whitespace, no POS/stop-word/length filter, e.g. for a baseline or an NPMI reference).

    Returns a frame with ``unit_id, unit, doc_id, tokens`` (list of kept tokens),
    ``n_tokens``; duplicates are left out. ``unit="section"``: a document without sections
    is one unit (``unit`` column says "doc" for it). ``unit="item"``: measures and problems.
    """
    config = config or Config.load()
    cfg = config["topics"]
    out = Path(out)
    docs = pd.read_parquet(documents_table(out))
    if "is_duplicate" in docs:
        docs = docs[~docs["is_duplicate"].fillna(False).astype(bool)]
    token_filter = TokenFilter.from_settings(cfg) if not keep_all else _all_but_whitespace
    tagger = PosTagger(config)
    rows: list[dict] = []
    if unit == "doc":
        rows = [_doc_unit(r, token_filter, tagger) for r in docs.itertuples(index=False)]
    elif unit == "section":
        secs = _read_optional(out / "sections.parquet")
        secs = secs[secs["doc_id"].isin(set(docs["doc_id"]))] if len(secs) else secs
        with_sections = set(secs["doc_id"]) if len(secs) else set()
        for r in secs.itertuples(index=False):
            toks, pos = tagger.tag(r.text or "")
            rows.append({"unit_id": r.section_id, "unit": "section", "doc_id": r.doc_id,
                         "tokens": token_filter(toks, pos)})
        rows += [_doc_unit(r, token_filter, tagger) for r in docs.itertuples(index=False)
                 if r.doc_id not in with_sections]
    elif unit == "item":
        items = _read_optional(out / "items.parquet")
        if not len(items):
            raise ConfigError(f"{out / 'items.parquet'} has no items: the extract stage found no measures or "
                              "problems; use --unit section or --unit doc")
        items = items[items["doc_id"].isin(set(docs["doc_id"]))]
        for r in items.itertuples(index=False):
            toks, pos = tagger.tag(r.text or "")
            rows.append({"unit_id": r.item_id, "unit": "item", "doc_id": r.doc_id,
                         "tokens": token_filter(toks, pos)})
    else:
        raise ConfigError(f"unknown topic unit {unit!r}; valid: {', '.join(UNITS)}")
    frame = pd.DataFrame(rows, columns=["unit_id", "unit", "doc_id", "tokens"])
    frame["n_tokens"] = frame["tokens"].map(len).astype("int64")
    return frame.reset_index(drop=True)


def documents_table(out: Path) -> Path:
    """``<out>/documents.parquet``; UserError saying which command to run when it is missing."""
    path = Path(out) / "documents.parquet"
    if not path.exists():
        raise UserError(f"no documents table in {out}: run `policy-corpus build --out {out}` first")
    return path


def documents_build(out: Path) -> str | None:
    """The build key of the tables in ``out`` (from its manifest), None when unknown."""
    try:
        return json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8")).get("build_key")
    except (OSError, ValueError, AttributeError):
        return None


def check_topics_current(out: Path) -> None:
    """UserError, with the command to run, when ``out`` has no topic tables or they were
    fitted on an earlier build of its documents table (compare and the R export read both).

    Current means: the build key the topic card recorded is the manifest's (both known),
    else the topic tables are not older than the documents table."""
    from pipeline.output.tables import table_signature

    out = Path(out)
    unit_topics = out / "unit_topics.parquet"
    docs = documents_table(out)
    refit = f"run `policy-corpus topics --out {out}` first"
    if not unit_topics.exists():
        raise UserError(f"no topic tables in {out}: {refit}")
    try:
        fitted = json.loads((out / "topics" / "card.json").read_text(encoding="utf-8")).get("documents_build")
    except (OSError, ValueError, AttributeError):
        fitted = None
    built = documents_build(out)
    if fitted and built:
        stale = fitted != built
    else:
        stale = table_signature(docs)["mtime_ns"] > unit_topics.stat().st_mtime_ns
    if stale:
        raise UserError(f"the topic tables in {out} are older than its documents table (rebuilt since the topics "
                        f"were fitted): {refit}")


def _doc_unit(r, token_filter: "TokenFilter", tagger: "PosTagger") -> dict:
    toks, pos = r.tokens, r.pos
    if toks is None or len(toks) == 0 or pos is None or len(pos) != len(toks):
        toks, pos = tagger.tag(r.text or "")      # not segmented (or no POS): tag here
    return {"unit_id": r.doc_id, "unit": "doc", "doc_id": r.doc_id, "tokens": token_filter(list(toks), list(pos))}


def _read_optional(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def _all_but_whitespace(tokens: Sequence[str], pos=None) -> list[str]:
    return [t for t in tokens if t and t.strip()]


_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")


_LATIN_WORD = re.compile(r"^[A-Za-z][A-Za-z\-]+$")


@dataclass
class TokenFilter:
    """Keeps content tokens: POS in ``keep_pos`` (prefix match on jieba tags), not a stop
    word, at least ``min_chars`` characters, Chinese or a Latin word (no numbers, no
    punctuation)."""

    keep_pos: tuple[str, ...]
    stopwords: frozenset[str]
    min_chars: int = 2

    @classmethod
    def from_settings(cls, cfg: dict) -> "TokenFilter":
        return cls(tuple(cfg["keep_pos"]), frozenset(load_stopwords()), int(cfg["min_token_chars"]))

    def __call__(self, tokens: Sequence[str], pos: Sequence[str] | None) -> list[str]:
        keep = []
        tags = pos if pos is not None and len(pos) == len(tokens) else [None] * len(tokens)
        for tok, tag in zip(tokens, tags):
            tok = tok.strip()
            if len(tok) < self.min_chars or tok in self.stopwords:
                continue
            if not (_HAS_CJK.search(tok) or _LATIN_WORD.match(tok)):
                continue
            if tag is not None and self.keep_pos and not tag.startswith(self.keep_pos):
                continue
            keep.append(tok)
        return keep


def load_stopwords() -> set[str]:
    """The project's stop words (segment.load_stopwords, pipeline/rules/stopwords.txt)."""
    from pipeline.text import segment

    try:
        return set(segment.load_stopwords())
    except rules.RuleFileError:
        log.warning("no stop word list (pipeline/rules/stopwords.txt): topics use none")
        return set()


class PosTagger:
    """Tokens and POS tags of a text with the project's segmenter (jieba tag set)."""

    def __init__(self, config: Config | None = None):
        self.config = config or Config.load()
        self._seg = None

    def tag(self, text: str) -> tuple[list[str], list[str]]:
        if self._seg is None:
            from pipeline.text.segment import Segmenter

            self._seg = Segmenter(self.config["segment"])
        pairs = self._seg.tag(text)
        return [word for word, _ in pairs], [tag for _, tag in pairs]
