"""The rule loader and the config object: data files read safely, bad config fails loudly."""
from __future__ import annotations

import re

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


@pytest.fixture()
def rules_folder(tmp_path, monkeypatch):
    """An override folder (POLICY_CORPUS_RULES) with the loader's caches cleared around the test."""
    monkeypatch.setenv("POLICY_CORPUS_RULES", str(tmp_path))
    rules.load_toml.cache_clear()
    rules.load_dir.cache_clear()
    yield tmp_path
    rules.load_toml.cache_clear()
    rules.load_dir.cache_clear()


def test_every_toml_rule_file_has_a_schema_and_passes_it():
    shipped = {p.name for p in rules.RULES_DIR.glob("*.toml")} - {"settings.toml"}
    assert shipped == {name for name in rules.SCHEMAS if not name.endswith("/")}
    for name in shipped:
        rules.load_toml(name)
    assert rules.load_dir("sites")


@pytest.mark.parametrize("name,text,key,where,valid", [
    ("genres.toml", '[[genre]]\nslug = "a"\n[[genre]]\nslug = "b"\ncue_wieght = 2\n', "cue_wieght", "genre[2]",
     "cue_weight"),
    ("genres.toml", '[[genre]]\nslug = "a"\nbody_cues = ["x", {pattern = "y", wieght = 3}]\n', "wieght",
     "genre[1].body_cues[2]", "weight"),
    ("split.toml", '[title]\nmax_char = 60\n', "max_char", "title", "max_chars"),
    ("page_meta.toml", 'header_line = 15\n', "header_line", None, "header_lines"),
    ("regions.toml", '[provinces.sichuan]\nname = "四川省"\ncitys = ["成都市"]\n', "citys", "provinces.sichuan", "cities"),
    ("boilerplate.toml", '[[header]]\nid = "x"\npatern = "y"\n', "patern", "header[1]", "pattern"),
    ("outline.toml", '[heading]\nmax_chars = 40\n[itmes]\nadverbs = []\n', "itmes", None, "line_breaks"),
    ("sites/mysite.toml", 'id = "mysite"\nname = "某某网"\n[match]\nhost = ["a.example"]\n', "host", "match", "hosts"),
])
def test_an_unknown_key_in_a_rule_file_names_the_file_the_key_and_the_valid_keys(rules_folder, name, text, key, where,
                                                                                   valid):
    path = rules_folder / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(rules.RuleFileError) as err:
        rules.load_dir("sites") if name.startswith("sites/") else rules.load_toml(name)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: unknown key {key!r}")
    assert (f" in {where};" in message) if where else (f"{key!r}; valid here:" in message)
    assert valid in message.split("valid here: ")[1].split(", ")


def test_optional_keys_the_shipped_files_do_not_use_are_accepted(rules_folder):
    (rules_folder / "genres.toml").write_text('[[genre]]\nslug = "a"\ncue_weight = 2.0\nitems = false\n', encoding="utf-8")
    (rules_folder / "sites").mkdir()
    (rules_folder / "sites" / "mysite.toml").write_text(
        'id = "mysite"\nname = "某某网"\n[match]\nnames = ["某某网"]\n[[keep]]\nid = "k"\npattern = "x"\nmax_chars = 9\n',
        encoding="utf-8")
    assert rules.load_toml("genres.toml")["genre"][0]["cue_weight"] == 2.0
    assert rules.load_dir("sites")["mysite"]["keep"][0]["max_chars"] == 9


def test_kind_words_are_alternations_longest_word_first(rules_folder):
    (rules_folder / "genres.toml").write_text(
        '[kinds]\nreport = ["汇报", "思想汇报", "报告"]\nofficial = ["函"]\nstems = ["述职"]\nendings = ["书", "稿"]\n',
        encoding="utf-8")
    rules.kind_words.cache_clear()
    try:
        kinds = rules.kind_words()
        assert kinds["report"] == "思想汇报|报告|汇报"
        assert re.fullmatch(f"(?:{kinds['report']})(?:{kinds['endings']})?", "思想汇报书")
        assert not re.fullmatch(kinds["official"], "函数")
    finally:
        rules.kind_words.cache_clear()


def test_an_empty_kind_word_list_is_refused(rules_folder):
    (rules_folder / "genres.toml").write_text(
        '[kinds]\nreport = ["报告"]\nofficial = []\nstems = ["述职"]\nendings = ["书"]\n', encoding="utf-8")
    rules.kind_words.cache_clear()
    try:
        with pytest.raises(rules.RuleFileError, match="official"):
            rules.kind_words()
    finally:
        rules.kind_words.cache_clear()


def test_the_shipped_kind_words_read_titles_and_leave_section_headings():
    from pipeline.structure import title_shapes

    assert title_shapes.ends_with_kind("某镇农村饮水安全调研报告")
    assert title_shapes.ends_with_kind("在全县教育工作会议上的讲话稿")
    assert not title_shapes.ends_with_kind("存在的问题及建议")        # an official kind ends no report title
    assert title_shapes.wraps_onto("某中学开展防溺水专项治理", "实施方案")
    body = "尊敬的各位领导：我公司拟建设一条年产五万吨的生产线，现将有关情况说明如下。"
    assert title_shapes.glued_title("1、某公司扩建项目建议书" + body, "2、") == (len("1、某公司扩建项目建议书"), "某公司扩建项目建议书")
    assert title_shapes.glued_title("1、某公司安全生产管理制度" + body, "2、") is None    # an official kind needs its ending


@pytest.mark.parametrize("key", ["model_min_p", "model_nonbody_p", "model_sure_p", "model_restore_p"])
def test_line_model_probabilities_lie_between_0_and_1(tmp_path, key):
    bad = tmp_path / "p.toml"
    bad.write_text(f"[clean]\n{key} = 1.5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=key):
        Config.load(bad)
    good = tmp_path / "q.toml"
    good.write_text(f"[clean]\n{key} = 0.7\n", encoding="utf-8")
    assert Config.load(good)["clean"][key] == 0.7


def test_the_sequence_weight_is_bounded(tmp_path):
    for bad_value in (-0.5, 6):
        bad = tmp_path / "p.toml"
        bad.write_text(f"[clean]\nmodel_sequence_weight = {bad_value}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="model_sequence_weight"):
            Config.load(bad)
    good = tmp_path / "q.toml"
    good.write_text("[clean]\nmodel_sequence_weight = 0\n", encoding="utf-8")
    assert Config.load(good)["clean"]["model_sequence_weight"] == 0


@pytest.mark.parametrize("table, match", [
    ("", "needs patterns"),
    ('[intro_wording]\nscan_chars = 200\npatterns = ["小编", "(未闭合"]\n', "bad pattern"),
])
def test_a_boilerplate_file_without_usable_intro_wording_is_refused(rules_folder, table, match):
    from pipeline.clean import cues

    (rules_folder / "boilerplate.toml").write_text('[[line]]\nid = "x"\npattern = "^x$"\n\n' + table, encoding="utf-8")
    cues._load_rules.cache_clear()
    try:
        with pytest.raises(rules.RuleFileError, match=match):
            cues.CleanRules.load()
    finally:
        cues._load_rules.cache_clear()


def test_the_lead_in_wordings_are_counted_from_the_rule_file(rules_folder):
    from pipeline.clean import cues

    (rules_folder / "boilerplate.toml").write_text(
        '[intro_wording]\nscan_chars = 4\npatterns = ["小编", "仅供参考"]\n', encoding="utf-8")
    cues._load_rules.cache_clear()
    try:
        talk = cues.CleanRules.load().intro_talk
        assert talk("小编整理,仅供参考") == 2
        assert talk("小编" + "正文" * 10 + "仅供参考") == 2        # a long line: its first and last 4 characters
        assert talk("正文" * 10 + "小编" + "正文" * 10) == 0       # not its middle
    finally:
        cues._load_rules.cache_clear()
