"""compare: prevalence with bootstrap intervals, weighted log-odds, tables and figures."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from topic_fixtures import write_made_up_tables

from pipeline.analysis.compare import compare, log_odds, topic_prevalence
from pipeline.analysis.topics import fit_topics
from pipeline.config import Config, ConfigError, UserError

CFG = Config.load(topics={"k_grid": [2, 4], "seeds": [1, 2], "passes": 5, "iterations": 50, "ldavis": False},
                  compare={"bootstrap": 200})
CMP = CFG["compare"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = write_made_up_tables(tmp_path_factory.mktemp("cmp"))
    fit_topics(out, CFG, unit="section", models=out / "models")
    return out


def test_by_genre_tables_and_figures(corpus):
    s = compare(corpus, "genre", CFG)
    assert set(s["groups"]) == {"survey", "self_inspection"}
    prev = pd.read_parquet(corpus / "compare" / "prevalence_by_genre.parquet")
    assert ((prev["lo"] <= prev["prevalence"] + 1e-9) & (prev["prevalence"] <= prev["hi"] + 1e-9)).all()
    assert np.allclose(prev.groupby("group")["prevalence"].sum(), 1.0, atol=1e-6)
    terms = pd.read_csv(corpus / "compare" / "terms_by_genre.csv")
    top = terms[terms["rank"] <= 5].groupby("group")["term"].apply(set)
    assert top["survey"] & {"问卷", "调查", "样本", "满意度", "受访者", "比例", "统计", "企业", "反映"}
    assert not top["survey"] & {"自查", "整改", "台账", "检查"}
    assert (terms["z"] > 0).all()
    heads = pd.read_parquet(corpus / "compare" / "heads_by_genre.parquet")
    assert set(heads["kind"]) == {"problem"}
    assert "台账不规范" in " ".join(heads.loc[heads["group"] == "self_inspection", "examples"])
    for name in ("heatmap_by_genre.png", "terms_by_genre.png"):
        assert (corpus / "compare" / name).read_bytes()[:4] == b"\x89PNG"


def test_by_year_has_bands_figure_and_by_region_uses_provinces(corpus):
    compare(corpus, "year", CFG)
    assert (corpus / "compare" / "years_by_year.png").exists()
    prev = pd.read_csv(corpus / "compare" / "prevalence_by_year.csv")
    assert sorted(prev["group"].unique()) == [2019, 2020, 2021, 2022]
    s = compare(corpus, "region", CFG)
    assert set(s["groups"]) == {"四川省", "浙江省"}
    with pytest.raises(ConfigError):
        compare(corpus, "colour", CFG)


def test_compare_needs_topics_first(tmp_path):
    out = write_made_up_tables(tmp_path)
    with pytest.raises(UserError, match="policy-corpus topics"):
        compare(out, "genre", CFG)


def test_bootstrap_interval_narrows_with_more_documents():
    rng = np.random.default_rng(1)

    def units(n_docs):
        share = rng.beta(2, 5, size=n_docs)
        return pd.DataFrame({"doc_id": [f"d{i}" for i in range(n_docs)], "group": "g", "n_tokens": 10,
                             "topic_0": share, "topic_1": 1 - share})

    topics = pd.DataFrame({"topic": [0, 1], "label": ["a", "b"]})
    small = topic_prevalence(units(10), topics, 500, CMP["resample"], CMP["seed"])
    large = topic_prevalence(units(400), topics, 500, CMP["resample"], CMP["seed"])
    width = lambda p: float((p["hi"] - p["lo"]).iloc[0])
    assert width(large) < width(small)


def test_log_odds_signs_and_symmetry():
    counts = pd.DataFrame({"a": [50, 5, 20], "b": [5, 50, 20]}, index=["x", "y", "z"], dtype=float)
    delta, z = log_odds(counts, CMP["prior_scale"])
    assert z.at["x", "a"] > 2 and z.at["y", "a"] < -2 and abs(z.at["z", "a"]) < 1
    assert np.allclose(z["a"], -z["b"])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=3, max_size=8))
def test_log_odds_of_identical_groups_is_zero(column):
    counts = pd.DataFrame({"a": column, "b": column}, index=[f"w{i}" for i in range(len(column))], dtype=float)
    if counts.to_numpy().sum() == 0:
        return
    _, z = log_odds(counts, CMP["prior_scale"])
    assert np.allclose(z.fillna(0), 0, atol=1e-9)
