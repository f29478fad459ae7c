"""The rule loader and the config object: data files read safely, bad config fails loudly."""
from __future__ import annotations

import pytest

from pipeline import rules
from pipeline.config import Config, ConfigError


def test_settings_have_a_table_per_stage():
    cfg = Config.load()
    for stage in ("ingest", "clean", "split", "segment", "dedup", "genre", "topics", "compare"):
        assert isinstance(cfg[stage], dict)


def test_unknown_setting_is_an_error_listing_valid_keys(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[dedup]\nthreshhold = 0.5\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        Config.load(bad)
    assert "threshhold" in str(err.value) and "threshold" in str(err.value)


def test_unknown_stage_is_an_error():
    with pytest.raises(ConfigError):
        Config.load(nosuchstage={"x": 1})
    with pytest.raises(ConfigError):
        Config.load()["nosuchstage"]


def test_override_changes_only_that_key_and_the_hash(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("[dedup]\nthreshold = 0.9\n", encoding="utf-8")
    base, changed = Config.load(), Config.load(f)
    assert changed["dedup"]["threshold"] == 0.9
    assert changed["dedup"]["shingle"] == base["dedup"]["shingle"]
    assert changed.stage_hash("dedup") != base.stage_hash("dedup")
    assert changed.stage_hash("clean") == base.stage_hash("clean")


def test_list_loader_handles_bom_crlf_comments_duplicates(tmp_path, monkeypatch):
    (tmp_path / "words.txt").write_bytes("\ufeff# comment\r\n甲\r\n\r\n乙  # note\r\n甲\r\n".encode("utf-8"))
    monkeypatch.setenv("POLICY_CORPUS_RULES", str(tmp_path))
    rules.load_list.cache_clear()
    try:
        assert rules.load_list("words.txt") == ("甲", "乙")
    finally:
        rules.load_list.cache_clear()


def test_missing_rule_file_names_the_available_ones():
    with pytest.raises(rules.RuleFileError) as err:
        rules.rule_path("no-such-file.toml")
    assert "settings.toml" in str(err.value)


def test_every_rule_file_is_listed_in_the_rules_readme():
    readme = rules.read_text("README.md")
    for path in rules.RULES_DIR.rglob("*"):
        if path.is_file() and path.name != "README.md" and path.parent == rules.RULES_DIR:
            assert path.name in readme, f"{path.name} is not described in pipeline/rules/README.md"
