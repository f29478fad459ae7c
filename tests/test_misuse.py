"""Never silently wrong: misuse and bad input that used to give a wrong corpus, a crash or a
traceback (issue 14). Each mistake is one line on stderr and exit 1, the tables stay as
they were; each bad input is read or rejected with a reason, never crashes the build."""
from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from build_fixtures import BODIES, SEED, page_text
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Config, ConfigError, UserError
from pipeline.driver import build as run_build
from pipeline.engine.build_checks import OutputLock

GOOD = "关于乡镇政府服务能力建设的调研报告\n近日，调研组深入各乡镇开展调研，发现了一些问题。\n一、基本情况\n全镇共有村民八千余人。\n"


def build(raw, out, cfg=None, **kw):
    return run_build(raw, out, cfg or Config.load(), quiet=True, **kw)


def table_state(out: Path) -> dict:
    """Bytes and modification time of every file in ``out`` (what must not change)."""
    return {str(p.relative_to(out)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(out.rglob("*")) if p.is_file() and ".cache" not in p.parts}


def small_corpus(raw: Path, n: int = 3) -> Path:
    raw.mkdir(parents=True, exist_ok=True)
    for i, (title, body) in enumerate(BODIES[:n]):
        (raw / f"site_{i:02d}.txt").write_text(page_text(title, body), encoding="utf-8")
    return raw


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A corpus of three pages built into ``out`` (cache elsewhere)."""
    base = tmp_path_factory.mktemp("misuse")
    raw = small_corpus(base / "pages")
    build(raw, base / "out", cache_dir=base / "cache")
    return raw, base / "out", base / "cache"


# ── 1. outputs are never input ────────────────────────────────────────────────────────────

def test_outputs_inside_the_raw_folder_are_never_read_back(tmp_path):
    raw = small_corpus(tmp_path / "pages")
    out = raw / "processed"                       # the cache goes to out/.cache: inside raw too
    first = build(raw, out)
    docs = pd.read_parquet(out / "documents.parquet")
    # what the project writes next to the tables (the R export) and elsewhere in raw: an
    # output folder of an earlier build, a saved topic model with its card
    docs[["doc_id", "text"]].to_csv(out / "corpus_r.csv", index=False)
    shutil.copytree(out, raw / "old_build", ignore=shutil.ignore_patterns(".cache"))
    (raw / "models" / "section").mkdir(parents=True)
    (raw / "models" / "section" / "card.json").write_text(json.dumps({"k": 4, "corpus_fingerprint": "x"}))
    (raw / "models" / "section" / "CARD.md").write_text("# 模型卡\n" + docs["text"].iloc[0], encoding="utf-8")
    second = build(raw, out)
    assert second["counts"]["pages"] == first["counts"]["pages"] == 3
    assert second["counts"]["documents"] == first["counts"]["documents"]
    assert second["counts"]["duplicates"] == 0
    read = {i["path"] for i in second["inputs"] if i["status"] != "skipped"}
    assert read == {"site_00.txt", "site_01.txt", "site_02.txt"}
    skipped = {i["path"]: i["reason"] for i in second["inputs"] if i["status"] == "skipped"}
    assert "output folder of this build" in skipped["processed"]
    assert "output folder of this project" in skipped["old_build"]
    assert "topic model" in skipped[os.path.join("models", "section")]
    assert not pd.read_parquet(out / "documents.parquet")["is_duplicate"].any()


def test_a_copy_of_the_r_export_elsewhere_in_raw_is_never_read(tmp_path):
    from pipeline.output.export_r import R_COLUMNS, token_text

    raw = small_corpus(tmp_path / "pages")
    first = build(raw, tmp_path / "out")
    docs = pd.read_parquet(tmp_path / "out" / "documents.parquet")
    docs["text"] = [token_text(t) for t in docs["tokens"]]       # what export_r writes, for R
    docs["page"], docs["site"] = "x", None
    (raw / "shared").mkdir()
    docs[R_COLUMNS].to_csv(raw / "shared" / "corpus_r.csv", index=False, encoding="utf-8")
    second = build(raw, tmp_path / "out")
    assert second["counts"]["documents"] == first["counts"]["documents"] and second["counts"]["duplicates"] == 0
    reason = next(i["reason"] for i in second["inputs"] if i["path"] == os.path.join("shared", "corpus_r.csv"))
    assert "R export" in reason


def test_a_cache_folder_is_tagged_and_never_read_as_input(tmp_path):
    raw = small_corpus(tmp_path / "pages", 1)
    build(raw, tmp_path / "out", cache_dir=raw / "interim_copy")
    assert (raw / "interim_copy" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    m = build(raw, tmp_path / "out2", cache_dir=tmp_path / "other-cache")     # another build's cache: still skipped
    assert [i["path"] for i in m["inputs"] if i["status"] != "skipped"] == ["site_00.txt"]
    assert "build cache" in next(i["reason"] for i in m["inputs"] if i["path"] == "interim_copy")


# ── 2. a wrong --raw, or a build that would lose pages, leaves the tables alone ──────────

@pytest.mark.parametrize("make_raw,message", [
    (lambda base: base / "no-such-folder", "does not exist"),
    (lambda base: SEED, "is a file"),
])
def test_missing_raw_or_a_file_is_an_error_and_the_tables_stay(built, tmp_path, make_raw, message):
    _, out, cache = built
    before = table_state(out)
    with pytest.raises(UserError, match=message):
        build(make_raw(tmp_path), out, cache_dir=cache)
    assert table_state(out) == before


def test_unreadable_raw_folder_is_an_error_and_the_tables_stay(built, monkeypatch):
    import pipeline.engine.build_checks as checks

    raw, out, cache = built
    before = table_state(out)
    real = os.scandir

    def denied(path="."):
        if Path(path) == raw:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(checks.os, "scandir", denied)
    with pytest.raises(UserError, match="cannot be read: Permission denied"):
        build(raw, out, cache_dir=cache)
    assert table_state(out) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder_is_an_error_before_any_work(tmp_path):
    raw = small_corpus(tmp_path / "pages", 1)
    (tmp_path / "out").mkdir()
    (tmp_path / "out").chmod(0o555)
    try:
        with pytest.raises(UserError, match="output folder .* is not writable"):
            build(raw, tmp_path / "out", cache_dir=tmp_path / "cache")
    finally:
        (tmp_path / "out").chmod(0o755)
    assert not (tmp_path / "cache").exists()


def test_output_folder_that_holds_the_raw_folder_is_an_error(tmp_path):
    raw = small_corpus(tmp_path / "out" / "pages", 1)
    with pytest.raises(UserError, match="holds the raw folder"):
        build(raw, tmp_path / "out")
    with pytest.raises(UserError, match="holds the raw folder"):
        build(raw, raw)


def test_a_build_with_far_fewer_ok_pages_does_not_replace_the_tables(built, tmp_path):
    raw, out, cache = built
    before = table_state(out)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UserError, match=r"refusing to replace .* 0 ok pages, they hold 3.*--replace"):
        build(empty, out, cache_dir=cache)
    one = small_corpus(tmp_path / "one", 1)                      # 1 of 3 pages: below half
    with pytest.raises(UserError, match="1 ok pages, they hold 3"):
        build(one, out, cache_dir=cache)
    # a setting that rejects every page is a mistake of the same kind
    with pytest.raises(UserError, match="0 ok pages"):
        build(raw, out, Config.load(ingest={"min_text_chars": 10_000_000}), cache_dir=cache)
    assert table_state(out) == before
    assert not list(out.glob(".*.tmp"))


def test_replace_lets_a_smaller_build_replace_the_tables(tmp_path):
    raw = small_corpus(tmp_path / "pages")
    build(raw, tmp_path / "out")
    two = small_corpus(tmp_path / "two", 2)                      # 2 of 3: above half, no question
    assert build(two, tmp_path / "out")["counts"]["pages_ok"] == 2
    one = small_corpus(tmp_path / "one", 1)
    assert build(one, tmp_path / "out", replace=True)["counts"]["pages_ok"] == 1
    assert len(pd.read_parquet(tmp_path / "out" / "pages.parquet")) == 1


# ── 4. settings: types and ranges, before anything runs ─────────────────────────────────

def test_every_default_setting_passes_its_own_check():
    defaults = Config.load().as_dict()
    from pipeline.config import validate

    validate(defaults, defaults, "settings.toml")


@pytest.mark.parametrize("toml,expected", [
    ('[ingest]\nmax_bytes = "big"', '[ingest] max_bytes = "big": expected an integer'),
    ('[ingest]\ntext_columns = "content"', "[ingest] text_columns = \"content\": expected a list, each a string"),
    ("[dedup]\nshingle = 0", "[dedup] shingle = 0: expected an integer ≥ 1"),
    ("[dedup]\nthreshold = 1.5", "[dedup] threshold = 1.5: expected a number in [0, 1]"),
    ("[ingest]\nzip_max_members = -3", "[ingest] zip_max_members = -3: expected an integer ≥ 1"),
    ("[clean]\nheader_max_lines = -1", "[clean] header_max_lines = -1: expected an integer ≥ 0"),
    ("[genre]\nuse_model = 1", "[genre] use_model = 1: expected true or false"),
    ('[topics]\nk = "many"', "expected an integer ≥ 2 or one of: auto"),
    ("[topics]\nk_grid = [1, 4]", "expected a list, each an integer ≥ 2"),
    ('[dedup]\nkeep = "shortest"', "expected one of: longest, earliest"),
    ("dedup = 5", "dedup must be a table"),
    ("[genre_training]\nsvm_c = 0", "[genre_training] svm_c = 0: expected a number > 0"),
    ("[clean]\nmodel_min_p = 2", "[clean] model_min_p = 2: expected a number in [0, 1]"),
    ("[split]\ntitle_min_p = -0.1", "[split] title_min_p = -0.1: expected a number in [0, 1]"),
    ('[clean]\nline_model = "yes"', '[clean] line_model = "yes": expected true or false'),
])
def test_a_bad_setting_names_the_file_the_key_and_the_expected_type(tmp_path, toml, expected):
    path = tmp_path / "my.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        Config.load(path)
    assert str(err.value).startswith(f"{path}: ") and expected in str(err.value), str(err.value)


def test_good_overrides_pass(tmp_path):
    path = tmp_path / "my.toml"
    path.write_text("[topics]\nk = 8\nk_grid = [2, 3]\n[dedup]\nthreshold = 1\n[executor]\npage_timeout = 30\n")
    cfg = Config.load(path)
    assert cfg["topics"]["k"] == 8 and cfg["dedup"]["threshold"] == 1 and cfg["executor"]["page_timeout"] == 30


# ── 7. compare and the R export never on stale topic tables ─────────────────────────────

@pytest.fixture()
def fitted(tmp_path):
    from topic_fixtures import write_made_up_tables

    from pipeline.analysis.topics import fit_topics

    cfg = Config.load(topics={"k_grid": [2], "seeds": [1], "passes": 2, "iterations": 20, "ldavis": False},
                      compare={"bootstrap": 20})
    out = write_made_up_tables(tmp_path)
    fit_topics(out, cfg, unit="doc", models=tmp_path / "models")
    return out, cfg


def test_compare_and_export_refuse_topic_tables_older_than_the_documents(fitted):
    from pipeline.analysis.compare import compare
    from pipeline.output.export_r import export_r

    out, cfg = fitted
    compare(out, "genre", cfg)             # fresh: fine
    export_r(out)
    docs = pd.read_parquet(out / "documents.parquet")
    docs.iloc[:-3].to_parquet(out / "documents.parquet")          # rebuilt after the fit
    later = (out / "unit_topics.parquet").stat().st_mtime_ns + 1_000_000_000
    os.utime(out / "documents.parquet", ns=(later, later))
    for run in (lambda: compare(out, "genre", cfg), lambda: export_r(out)):
        with pytest.raises(UserError, match=f"older than its documents table.*policy-corpus topics --out {out}"):
            run()


def test_topic_tables_of_another_build_are_stale_whatever_the_file_times(fitted):
    from pipeline.analysis.compare import compare
    from pipeline.analysis.topics import fit_topics

    out, cfg = fitted
    (out / "manifest.json").write_text(json.dumps({"build_key": "build-1"}))
    fit_topics(out, cfg, unit="doc", models=out.parent / "models")
    compare(out, "genre", cfg)
    (out / "manifest.json").write_text(json.dumps({"build_key": "build-2"}))    # a rebuild, files copied
    with pytest.raises(UserError, match="policy-corpus topics"):
        compare(out, "genre", cfg)


# ── 8. file names and JSON strings that are not UTF-8 ───────────────────────────────────

NAMES = [b"caf\xe9.txt", "报告".encode("gbk") + b".txt", "レポート".encode("shift_jis") + b".txt",
         b"\xff\xfe.txt"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_file_names_that_are_not_utf8_never_crash_a_build(tmp_path, jobs):
    raw = tmp_path / "pages"
    raw.mkdir()
    for n, name in enumerate(NAMES):
        with open(os.path.join(os.fsencode(raw), name), "wb") as fh:
            fh.write(GOOD.replace("八千", "八千" + "零" * (n + 1)).encode("utf-8"))
    m = build(raw, tmp_path / "out", jobs=jobs)
    assert m["counts"]["pages_ok"] == len(NAMES)
    pages = pd.read_parquet(tmp_path / "out" / "pages.parquet")
    assert sorted(pages["path"]) == sorted(i["path"] for i in m["inputs"])
    assert "报告.txt" in set(pages["path"]) and "caf\\xe9.txt" in set(pages["path"])
    assert len(set(pages["path"])) == len(NAMES)
    if jobs == 2:   # the same outcome with one and with two workers
        build(raw, tmp_path / "out1", jobs=1, cache_dir=tmp_path / "cache1")
        one = pd.read_parquet(tmp_path / "out1" / "pages.parquet")
        cols = ["page_id", "path", "status", "title"]
        assert one[cols].equals(pages[cols])


def test_lone_surrogates_in_json_strings_are_replaced_and_the_row_kept(tmp_path):
    from pipeline.ingest.reader import ingest_file

    path = tmp_path / "rows.jsonl"
    path.write_text('{"title": "报告\\ud83d标题", "url": "http://x.cn/\\udc00", "text": "' + GOOD.replace("\n", "\\n")
                    + '\\ud83d"}\n{"title": "第二", "text": "第二篇调研报告正文内容比较充实，基层治理能力不断提升。"}\n',
                    encoding="utf-8")
    pages = ingest_file(path, tmp_path, Config.load()["ingest"])
    assert [p.status for p in pages] == ["ok", "ok"]
    assert pages[0].title == "报告\ufffd标题" and pages[0].url == "http://x.cn/\ufffd"
    assert pages[0].text.startswith("关于乡镇政府") and "\ufffd" in pages[0].text
    m = build(tmp_path, tmp_path / "out")
    assert m["counts"]["pages_ok"] == 2


def test_lone_surrogates_in_a_json_file_of_records_are_replaced_too(tmp_path):
    from pipeline.ingest.reader import ingest_file

    path = tmp_path / "records.json"
    path.write_text('[{"title": "报告\\ud83d标题", "text": "' + GOOD.replace("\n", "\\n") + '\\udc00"}]', encoding="utf-8")
    (page,) = ingest_file(path, tmp_path, Config.load()["ingest"])
    assert page.status == "ok" and page.title == "报告\ufffd标题"
    assert page.text.endswith("\ufffd") and "\udc00" not in page.text
    assert build(tmp_path, tmp_path / "out")["counts"]["pages_ok"] == 1


# ── 9. GBK text with a few stray bytes ──────────────────────────────────────────────────

def gbk_with_stray_bytes(text: str, every: int) -> bytes:
    out = bytearray()
    for i, ch in enumerate(text):
        if i % every == every - 1:
            out += b"\xff"
        out += ch.encode("gb2312")
    return bytes(out)


def test_gbk_with_a_few_stray_bytes_is_read_with_them_replaced_and_counted(tmp_path):
    from pipeline.ingest.decoding import decode_bytes

    text = (GOOD * 8).replace("\n", "")  # ~400 characters, one stray byte in every 150 (0.7 %)
    data = gbk_with_stray_bytes(text, 150)
    decoded, encoding = decode_bytes(data)
    n = len(text) // 150
    assert n >= 2 and encoding == f"gb18030 (with {n} undecodable byte(s) replaced)"
    assert decoded.replace("\ufffd", "") == text
    raw = tmp_path / "pages"
    raw.mkdir()
    (raw / "stray.txt").write_bytes(data)
    m = build(raw, tmp_path / "out")
    assert m["counts"]["pages_ok"] == 1
    assert m["counts"]["pages_with_replaced_bytes"] == 1 and m["counts"]["replaced_bytes"] == n


# ── 10. one build at a time per output folder ───────────────────────────────────────────

def test_a_second_build_into_a_locked_output_folder_stops_at_once(built, tmp_path):
    raw, out, cache = built
    before = table_state(out)
    with OutputLock(out):            # another build holds the folder
        with pytest.raises(UserError, match="another build is writing to"):
            build(raw, out, cache_dir=cache)
        fd = os.open(out, os.O_RDONLY)   # and the lock is a real flock another process would meet
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    assert table_state(out) == before
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    assert build(raw, out, cache_dir=cache)["unchanged"]       # released: the next build runs


# ── 11. ingest time-outs are listed as abandoned ─────────────────────────────────────────

def test_a_file_whose_ingest_runs_past_the_time_limit_is_listed_as_abandoned(tmp_path, monkeypatch):
    import time

    from pipeline.ingest import reader

    raw = small_corpus(tmp_path / "pages", 2)
    real = reader.ingest_file

    def slow(path, root, cfg):
        if Path(path).name == "site_01.txt":
            time.sleep(30)
        return real(path, root, cfg)

    monkeypatch.setattr(reader, "ingest_file", slow)
    m = build(raw, tmp_path / "out", Config.load(executor={"page_timeout": 1}))
    assert [a["path"] for a in m["abandoned"]] == ["site_01.txt"]
    assert "ingest ran past" in m["abandoned"][0]["reason"]
    assert m["cache"]["abandoned"] == 1


# ── clear errors on the command line ────────────────────────────────────────────────────

def _cli(args: list[str]):
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stderr, result.stdout


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    small_corpus(tmp_path / "pages", 1)
    (tmp_path / "broken.toml").write_text("[dedup]\nshingle = 5\nthreshold = \n", encoding="utf-8")
    (tmp_path / "wrong.toml").write_text("[dedup]\nshingle = 0\n", encoding="utf-8")
    (tmp_path / "a_file").write_text("x")
    return tmp_path


@pytest.mark.parametrize("args,message", [
    (["build", "--raw", "pages", "--out", "o", "--jobs", "0"], "--jobs must be at least 1"),
    (["build", "--raw", "pages", "--out", "o", "--engine", "spark"], "unknown engine 'spark'"),
    (["build", "--raw", "pages", "--out", "o", "--config", "missing.toml"], "missing.toml: config file not found"),
    (["build", "--raw", "pages", "--out", "o", "--config", "broken.toml"], "broken.toml: not valid TOML"),
    (["build", "--raw", "pages", "--out", "o", "--config", "wrong.toml"], "wrong.toml: [dedup] shingle = 0"),
    (["build", "--raw", "nowhere", "--out", "o"], "raw folder nowhere does not exist"),
    (["build", "--raw", "a_file", "--out", "o"], "is a file, not a folder of pages"),
    (["build", "--raw", "pages", "--out", "a_file"], "output folder a_file is a file"),
    (["build", "--raw", "pages", "--out", "/proc/policy-corpus-out"], "is not writable"),
    (["build", "--raw", "pages", "--out", "/proc"], "output folder /proc is not writable"),
    (["build", "--raw", "pages", "--out", "o", "--cache", "/proc/policy-corpus-cache"], "cache folder"),
    (["topics", "--out", "o"], "run `policy-corpus build --out o` first"),
    (["compare", "--out", "o", "--by", "nonsense"], "unknown grouping 'nonsense'"),
    (["analyze", "missing.txt"], "missing.txt: no such file"),
    (["classify", "missing.txt"], "missing.txt: no such file"),
])
def test_a_user_error_is_one_line_on_stderr_and_exit_1(workdir, args, message):
    code, err, _ = _cli(args)
    assert code == 1, err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert "Traceback" not in err
    assert not (workdir / "o" / "pages.parquet").exists()


def test_config_syntax_error_names_the_line(workdir):
    _, err, _ = _cli(["build", "--raw", "pages", "--out", "o", "--config", "broken.toml"])
    assert "line 3" in err


def test_topics_without_a_unit_long_enough_is_one_line(workdir):
    (workdir / "tiny").mkdir()
    (workdir / "tiny" / "a.txt").write_text("政府推进改革发展\n", encoding="utf-8")
    assert _cli(["build", "--raw", "tiny", "--out", "t", "--quiet"])[0] == 0
    code, err, _ = _cli(["topics", "--out", "t", "--models", "m"])
    assert code == 1 and "no unit has enough tokens" in err and err.count("\n") == 1


def test_compare_before_topics_and_build_with_fewer_pages_are_one_line(workdir):
    assert _cli(["build", "--raw", "pages", "--out", "o", "--quiet"])[0] == 0
    code, err, _ = _cli(["compare", "--out", "o", "--by", "genre"])
    assert code == 1 and "run `policy-corpus topics --out o` first" in err
    (workdir / "none").mkdir()
    code, err, _ = _cli(["build", "--raw", "none", "--out", "o", "--quiet"])
    assert code == 1 and "refusing to replace" in err and err.count("\n") == 1
    assert _cli(["build", "--raw", "none", "--out", "o", "--quiet", "--replace"])[0] == 0


# ── 11. cost linear in size (the work is counted, never timed) ───────────────────────────

class CountingJieba:
    """An rjieba Jieba that counts the characters it is asked to tag."""

    def __init__(self, jieba):
        self.jieba, self.tagged_chars, self.calls = jieba, 0, 0

    def tag(self, text, hmm=True):
        self.tagged_chars += len(text)
        self.calls += 1
        return self.jieba.tag(text, hmm)

    def __getattr__(self, name):
        return getattr(self.jieba, name)


def test_a_long_line_without_punctuation_is_tagged_once_not_once_per_unseen_word(seed_lines):
    import random
    import re

    from pipeline.text.segment import Segmenter, _tag_unknown

    seg = Segmenter()
    hanzi = re.sub(r"[^\u4e00-\u9fff]", "", "".join(seed_lines))
    pieces = [hanzi[i:i + 7] for i in range(0, len(hanzi), 7)]
    random.Random(0).shuffle(pieces)
    line = "".join(pieces)[:20_000]
    text = "短的一行\n" + line + "\n" + line[:5000]
    seg._jieba = counting = CountingJieba(seg._jieba)
    words, tags = seg.cut_and_tag(text)
    # every word whose tag needs its context shares one tagging of each line: the work is
    # the text once, plus each unseen word alone
    assert counting.tagged_chars <= 2 * len(text) + 100, counting.tagged_chars
    assert counting.calls > 100          # many unseen words, so the old per-word line tagging would be ~calls × 20k
    expected = [(w, t or _tag_unknown(w)) for part in text.split("\n") for w, t in counting.jieba.tag(part, True)]
    assert list(zip(words, tags)) == expected


def test_a_page_with_more_elements_than_the_limit_is_read_by_the_linear_pass(monkeypatch):
    import trafilatura

    from pipeline.ingest.htmltext import html_to_text

    def never(*args, **kwargs):
        raise AssertionError("trafilatura called on a page above html_max_elements")

    monkeypatch.setattr(trafilatura, "extract", never)
    paragraphs = [f"第{i}段，推进基层治理能力建设。" for i in range(300)]
    html = ("<html><head><title>报告</title></head><body><nav>首页 | 范文</nav><div>"
            + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div></body></html>")
    cfg = {**Config.load(ingest={"html_max_elements": 100})["ingest"], "title_site_separators": []}
    result = html_to_text(html, cfg)
    assert result.method == "lxml-blocks (large page)"
    assert result.text.split("\n") == paragraphs          # every paragraph, the nav left out
    assert result.title == "报告"


def test_lines_inside_the_best_node_match_a_search_of_the_whole_node():
    from hypothesis import given
    from hypothesis import strategies as st

    from pipeline.ingest.htmltext import lines_inside

    alphabet = st.sampled_from("政府报告改革发展ab")

    @given(st.lists(st.text(alphabet, min_size=1, max_size=6), min_size=1, max_size=12),
           st.lists(st.text(alphabet, min_size=0, max_size=6), max_size=12))
    def check(node_lines, lines):
        node = "".join(node_lines)
        assert lines_inside(lines, node, set(node_lines)) == [line in node for line in lines]

    check()
