"""topics: units, token filter, K by NPMI over seeds, stability, tables, card, the CLI, R export."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from topic_fixtures import write_made_up_tables, write_seed_tables
from typer.testing import CliRunner

from pipeline.analysis.topic_outputs import match_topics
from pipeline.analysis.topic_units import TokenFilter, load_units
from pipeline.analysis.topics import fit_topics
from pipeline.cli import app
from pipeline.config import Config, ConfigError
from pipeline.output.export_r import export_r, token_text

FAST = Config.load(topics={"k_grid": [2, 3, 4], "seeds": [1, 2], "passes": 5, "iterations": 50, "ldavis": False})


@pytest.fixture(scope="module")
def made_up(tmp_path_factory):
    out = write_made_up_tables(tmp_path_factory.mktemp("made_up"))
    card = fit_topics(out, FAST, unit="section", models=out / "models")
    return out, card


def test_token_filter_keeps_content_words_only():
    f = TokenFilter(("n", "v"), frozenset({"进行"}), 2)
    toks = ["政府", "进行", "的", "2023", "，", "服务", "GDP", "很"]
    pos = ["n", "v", "uj", "m", "x", "vn", "eng", "d"]
    assert f(toks, pos) == ["政府", "服务"]           # eng is not a kept tag; 进行 is a stop word
    assert f(["GDP", "政府"], None) == ["GDP", "政府"]  # no tags: POS is not checked


def test_units_leave_out_duplicates_and_fall_back_to_documents(tmp_path):
    out = write_made_up_tables(tmp_path)
    units = load_units(out, "section", FAST)
    docs = pd.read_parquet(out / "documents.parquet")
    dup = docs.loc[docs["is_duplicate"], "doc_id"].iloc[0]
    assert dup not in set(units["doc_id"])
    assert set(units["unit"]) == {"section"}
    # documents without sections become one unit each
    pd.read_parquet(out / "sections.parquet").iloc[:0].to_parquet(out / "sections.parquet")
    units = load_units(out, "section", FAST)
    assert set(units["unit"]) == {"doc"} and len(units) == len(docs) - 1
    with pytest.raises(ConfigError):
        load_units(out, "paragraph", FAST)


def test_model_separates_the_two_made_up_genres(made_up):
    out, card = made_up
    assert card["k"] in (2, 3, 4) and set(card["grid"]) == {"2", "3", "4"}
    assert all(set(v) >= {"npmi", "c_v", "stability"} for v in card["grid"].values())
    assert len(card["runs"]) == 3 * 2
    terms = pd.read_parquet(out / "topic_terms.parquet")
    top = terms[terms["rank"] <= 5].groupby("topic")["term"].apply(set)
    survey, inspection = {"问卷", "调查", "样本", "满意度", "受访者"}, {"自查", "整改", "台账", "检查", "规范"}
    # no topic mixes the two vocabularies in its top words
    assert not any(t & survey and t & inspection for t in top)
    dt = pd.read_parquet(out / "doc_topics.parquet")
    cols = [c for c in dt.columns if c.startswith("topic_")]
    assert len(cols) == card["k"]
    assert np.allclose(dt[cols].sum(axis=1), 1.0, atol=1e-3)
    # documents of one genre share their dominant topics, different from the other genre's
    docs = pd.read_parquet(out / "documents.parquet")[["doc_id", "genre"]]
    dom = dt.merge(docs, on="doc_id").assign(top=lambda d: d[cols].to_numpy().argmax(1))
    a = set(dom.loc[dom["genre"] == "survey", "top"])
    b = set(dom.loc[dom["genre"] == "self_inspection", "top"])
    assert not a & b


def test_card_and_saved_model(made_up):
    out, card = made_up
    saved = json.loads((out / "models" / "section" / "card.json").read_text(encoding="utf-8"))
    assert saved["corpus_fingerprint"] == card["corpus_fingerprint"] and len(saved["corpus_fingerprint"]) == 16
    assert saved["unit"] == "section" and saved["seeds"] == [1, 2]
    assert (out / "models" / "section" / "lda.model").exists()
    assert "| K | NPMI" in (out / "models" / "section" / "CARD.md").read_text(encoding="utf-8")
    ut = pd.read_parquet(out / "unit_topics.parquet")
    assert {"unit_id", "doc_id", "n_tokens", "in_fit", "dominant_topic"} <= set(ut.columns)


def test_fixed_k_and_seeds_give_the_same_model(tmp_path):
    out = write_made_up_tables(tmp_path)
    a = fit_topics(out, FAST, unit="doc", k=3, models=tmp_path / "m")
    b = fit_topics(out, FAST, unit="doc", k="3", models=tmp_path / "m")
    assert a["k"] == b["k"] == 3 and a["grid"] == b["grid"] and list(a["grid"]) == ["3"]
    assert [t["label"] for t in a["topics"]] == [t["label"] for t in b["topics"]]
    with pytest.raises(ConfigError):
        fit_topics(out, FAST, unit="doc", k="many", models=tmp_path / "m")


def test_match_topics_finds_permuted_topics():
    rng = np.random.default_rng(0)
    a = rng.random((4, 30))
    assert np.allclose(match_topics(a, a[[2, 0, 3, 1]]), 1.0)
    assert match_topics(a, rng.random((4, 30))).mean() < 0.95


def test_items_unit_needs_items(tmp_path):
    out = write_made_up_tables(tmp_path)
    units = load_units(out, "item", FAST)
    assert set(units["unit"]) == {"item"} and len(units) > 0
    pd.read_parquet(out / "items.parquet").iloc[:0].to_parquet(out / "items.parquet")
    with pytest.raises(ConfigError, match="no items"):
        load_units(out, "item", FAST)


def test_r_export_columns_and_text(made_up):
    out, _ = made_up
    path = export_r(out)
    d = pd.read_csv(path, encoding="utf-8")
    assert list(d.columns) == ["doc_id", "text", "genre", "year", "region", "site", "page"]
    assert d["doc_id"].is_unique and len(d) == 23         # the duplicate is left out
    assert "，" not in d["text"].iloc[0] and "  " not in d["text"].iloc[0]
    assert token_text(["政府", " ", "，", "服务"]) == "政府 服务"


@pytest.mark.slow
def test_cli_defaults_on_the_sample_page_are_not_degenerate(tmp_path):
    """`make corpus` defaults on the sample page's 8 reports (one section per body line)."""
    out = write_seed_tables(tmp_path / "processed")
    r = CliRunner().invoke(app, ["topics", "--out", str(out), "--models", str(tmp_path / "models")])
    assert r.exit_code == 0, r.output
    card = json.loads((out / "topics" / "card.json").read_text(encoding="utf-8"))
    assert card["unit"] == "section" and card["k"] >= 4
    ut = pd.read_parquet(out / "unit_topics.parquet")
    shares = ut["dominant_topic"].value_counts(normalize=True)
    assert len(shares) == card["k"] and shares.max() < 0.6      # every topic is some unit's main topic
    assert (out / "topics" / "ldavis.html").stat().st_size > 1000
    assert (out / "corpus_r.csv").exists()
    labels = " ".join(t["label"] for t in card["topics"])
    assert "妇联" in labels or "林业局" in labels or "企业" in labels
