"""The misuse block of the `robustness` section: what the command line does with a
user's mistakes and with input that used to give a wrong corpus or a crash (issue 14).

Each case runs the real command line (``policy-corpus …`` through typer's test runner) in
a temporary folder of made-up pages and records its outcome: ``exit 1: <the one line>``
for a mistake, or what the build made of the input. ``as_expected`` counts the cases whose
outcome is the intended one (every case must be: ``all_as_expected`` is gated).
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Callable

PAGE = "{title}\n发布时间:2023-06-0{n} 10:00:00\n\n{body}\n"
TITLES = ["关于乡镇政府服务能力建设的调研报告", "关于农村人居环境整治的调查报告", "关于社区养老服务的调研报告",
          "关于基层减负的调研报告"]
BODIES = [
    "为了解乡镇政府服务能力，调研组深入五个乡镇开展调研。\n一、基本情况\n全镇便民服务中心运转总体正常。\n"
    "二、存在的问题\n一是人员不足，二是经费保障不到位。\n三、对策建议\n（一）加强队伍建设，完善激励机制。",
    "根据县委统一部署，我们对农村人居环境整治进行了调查。\n一、工作开展情况\n全镇清理村内垃圾三千余吨，新建公厕十二座。\n"
    "二、存在的不足\n群众参与积极性不高，长效管护机制尚未建立。\n三、整改措施\n多渠道筹措资金，引导群众主动参与。",
    "社区养老服务需求日益增长，调研组走访了八个社区。\n一、基本情况\n日间照料中心覆盖率超过百分之六十。\n"
    "二、主要问题\n专业护理人员短缺，服务内容单一。\n三、建议\n首先，培养专业队伍。其次，丰富服务内容。",
    "为落实为基层减负要求，调研组对文件会议和督查检查情况进行了调研。\n一、成效\n会议数量同比减少三成。\n"
    "二、问题\n部分考核仍然过多依赖台账材料。\n三、建议\n精简考核指标，减少留痕要求。",
]


def run_cases() -> dict:
    """Every case's outcome, and how many came out as intended."""
    outcomes: dict[str, str] = {}
    good = 0
    for name, case in CASES.items():
        with tempfile.TemporaryDirectory(prefix="misuse-") as tmp:
            cwd = os.getcwd()
            os.chdir(tmp)
            try:
                outcome, ok = case(Path(tmp))
            except Exception as exc:  # noqa: BLE001 - a case that raises is an outcome too (a crash)
                outcome, ok = f"crash: {type(exc).__name__}: {exc}", False
            finally:
                os.chdir(cwd)
        outcomes[name] = outcome if ok else f"UNEXPECTED: {outcome}"
        good += ok
    return {"cases": outcomes, "as_expected": good, "total": len(CASES), "all_as_expected": int(good == len(CASES))}


# ── helpers ──────────────────────────────────────────────────────────────────────────────

def cli(*args: str) -> tuple[int, str]:
    """(exit code, the stderr line or stdout) of ``policy-corpus ARGS``."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, (result.stderr.strip() or result.stdout.strip())


def pages(folder: Path, n: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"page_{i}.txt").write_text(page(i), encoding="utf-8")
    return folder


def page(i: int) -> str:
    return PAGE.format(title=TITLES[i], n=i + 1, body=BODIES[i])


def mistake(*args: str, expect: str, setup: Callable[[Path], None] | None = None):
    """A case: the command must exit 1 with one line holding ``expect``."""
    def case(tmp: Path) -> tuple[str, bool]:
        pages(tmp / "pages", 1)
        if setup:
            setup(tmp)
        code, message = cli(*args)
        return f"exit {code}: {message}", code == 1 and expect in message and "\n" not in message
    return case


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def state(out: Path) -> dict:
    return {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()}


# ── cases ────────────────────────────────────────────────────────────────────────────────

def outputs_inside_raw(tmp: Path) -> tuple[str, bool]:
    raw = pages(tmp / "pages")
    cli("build", "--raw", "pages", "--out", "pages/processed", "--quiet")
    first = manifest(raw / "processed")["counts"]
    docs = __import__("pandas").read_parquet(raw / "processed" / "documents.parquet")
    docs[["doc_id", "text"]].to_csv(raw / "processed" / "corpus_r.csv", index=False)   # as the R export
    cli("build", "--raw", "pages", "--out", "pages/processed", "--quiet")
    m = manifest(raw / "processed")
    skipped = [i["path"] for i in m["inputs"] if i["status"] == "skipped"]
    return (f"{m['counts']['pages']} pages read, {m['counts']['duplicates']} duplicates as before; "
            f"skipped {skipped}", (m["counts"]["pages"], m["counts"]["duplicates"]) == (3, 0)
            and first["duplicates"] == 0
            and skipped == ["processed"])


def fewer_pages(tmp: Path) -> tuple[str, bool]:
    pages(tmp / "pages")
    (tmp / "empty").mkdir()
    cli("build", "--raw", "pages", "--out", "out", "--quiet")
    before = state(tmp / "out")
    code, message = cli("build", "--raw", "empty", "--out", "out", "--quiet")
    return f"exit {code}: {message}", code == 1 and "refusing to replace" in message and state(tmp / "out") == before


def locked_output(tmp: Path) -> tuple[str, bool]:
    from pipeline.engine.build_checks import OutputLock

    pages(tmp / "pages")
    (tmp / "out").mkdir()
    with OutputLock(tmp / "out"):
        code, message = cli("build", "--raw", "pages", "--out", "out", "--quiet")
    left = [p.name for p in (tmp / "out").iterdir()]
    return f"exit {code}: {message}", code == 1 and "another build" in message and not left


def stale_topics(tmp: Path) -> tuple[str, bool]:
    pages(tmp / "pages", 3)
    (tmp / "fast.toml").write_text("[topics]\nunit = \"doc\"\nk_grid = [2]\nseeds = [1]\npasses = 2\n"
                                   "iterations = 20\nldavis = false\n", encoding="utf-8")
    cli("build", "--raw", "pages", "--out", "out", "--quiet")
    code, message = cli("topics", "--out", "out", "--models", "models", "--config", "fast.toml")
    if code != 0:
        return f"topics failed: exit {code}: {message}", False
    (tmp / "pages" / "page_3.txt").write_text(page(3), encoding="utf-8")
    cli("build", "--raw", "pages", "--out", "out", "--quiet")
    code, message = cli("compare", "--out", "out", "--by", "genre")
    return f"exit {code}: {message}", code == 1 and "older than its documents table" in message


def _non_utf8_names(tmp: Path) -> list[bytes]:
    names = [b"caf\xe9.txt", "报告".encode("gbk") + b".txt", "レポート".encode("shift_jis") + b".txt"]
    raw = tmp / "pages"
    raw.mkdir()
    for i, name in enumerate(names):
        with open(os.path.join(os.fsencode(raw), name), "wb") as fh:
            fh.write(page(i).encode("utf-8"))
    return names


def non_utf8_file_names(tmp: Path) -> tuple[str, bool]:
    import pandas as pd

    names = _non_utf8_names(tmp)
    results = []
    for jobs in ("1", "2"):
        code, message = cli("build", "--raw", "pages", "--out", f"out{jobs}", "--jobs", jobs, "--quiet")
        if code != 0:
            return f"--jobs {jobs}: exit {code}: {message}", False
        results.append(pd.read_parquet(tmp / f"out{jobs}" / "pages.parquet")[["path", "status"]])
    same = results[0].equals(results[1])
    return (f"{sorted(results[0]['path'])} ok with --jobs 1 and 2 ({'same' if same else 'different'} tables)",
            same and list(results[0]["status"]) == ["ok"] * len(names))


def lone_surrogates_in_json(tmp: Path) -> tuple[str, bool]:
    raw = tmp / "pages"
    raw.mkdir()
    text = page(0).replace("\n", "\\n")
    (raw / "rows.jsonl").write_text('{"title": "报告\\ud83d", "url": "http://x.cn/\\udc00", "text": "' + text
                                    + '\\ud83d"}\n', encoding="utf-8")
    code, message = cli("build", "--raw", "pages", "--out", "out", "--quiet")
    if code != 0:
        return f"exit {code}: {message}", False
    import pandas as pd

    row = pd.read_parquet(tmp / "out" / "pages.parquet").iloc[0]
    return f"{row['status']}, title {row['title']!r}", row["status"] == "ok" and row["title"] == "报告\ufffd"


def gbk_stray_bytes(tmp: Path) -> tuple[str, bool]:
    raw = tmp / "pages"
    raw.mkdir()
    text = page(0) + page(1) + page(2)
    data = bytearray()
    for i, ch in enumerate(text):
        data += (b"\xff" if i % 120 == 119 else b"") + ch.encode("gb2312")
    (raw / "stray.txt").write_bytes(bytes(data))
    code, message = cli("build", "--raw", "pages", "--out", "out", "--quiet")
    m = manifest(tmp / "out") if code == 0 else {"counts": {}}
    c = m["counts"]
    return (f"{c.get('pages_ok')} page ok, {c.get('replaced_bytes')} stray bytes replaced (manifest)",
            c.get("pages_ok") == 1 and c.get("replaced_bytes") == len(text) // 120)


def _write(name: str, text: str) -> Callable[[Path], None]:
    return lambda tmp: (tmp / name).write_text(text, encoding="utf-8")


CASES: dict[str, Callable[[Path], tuple[str, bool]]] = {
    "outputs_inside_raw": outputs_inside_raw,
    "raw_missing": mistake("build", "--raw", "nowhere", "--out", "out", expect="does not exist"),
    "raw_is_a_file": mistake("build", "--raw", "pages/page_0.txt", "--out", "out", expect="is a file"),
    "build_with_far_fewer_pages": fewer_pages,
    "setting_wrong_type": mistake("build", "--raw", "pages", "--config", "c.toml", expect="expected an integer",
                                  setup=_write("c.toml", '[ingest]\nmax_bytes = "big"\n')),
    "setting_list_as_string": mistake("build", "--raw", "pages", "--config", "c.toml", expect="expected a list",
                                      setup=_write("c.toml", '[ingest]\ntext_columns = "content"\n')),
    "setting_out_of_range": mistake("build", "--raw", "pages", "--config", "c.toml", expect="in [0, 1]",
                                    setup=_write("c.toml", "[dedup]\nthreshold = 1.5\n")),
    "setting_zero_shingle": mistake("build", "--raw", "pages", "--config", "c.toml", expect="≥ 1",
                                    setup=_write("c.toml", "[dedup]\nshingle = 0\n")),
    "stale_topics_for_compare": stale_topics,
    "non_utf8_file_names": non_utf8_file_names,
    "lone_surrogates_in_json": lone_surrogates_in_json,
    "gbk_with_stray_bytes": gbk_stray_bytes,
    "second_build_same_out": locked_output,
    "jobs_0": mistake("build", "--raw", "pages", "--jobs", "0", expect="--jobs must be at least 1"),
    "unknown_engine": mistake("build", "--raw", "pages", "--engine", "spark", expect="unknown engine"),
    "missing_config": mistake("build", "--raw", "pages", "--config", "none.toml", expect="config file not found"),
    "broken_config": mistake("build", "--raw", "pages", "--config", "c.toml", expect="(at line 2",
                             setup=_write("c.toml", "[dedup]\nthreshold = \n")),
    "topics_before_build": mistake("topics", "--out", "out", expect="run `policy-corpus build --out out` first"),
    "topics_no_unit_long_enough": mistake("topics", "--out", "out", "--models", "m", expect="no unit has enough",
                                          setup=lambda tmp: (
                                              (tmp / "tiny").mkdir(), (tmp / "tiny" / "a.txt").write_text("政府推进改革"),
                                              cli("build", "--raw", "tiny", "--out", "out", "--quiet"))),
    "compare_by_nonsense": mistake("compare", "--out", "out", "--by", "nonsense", expect="unknown grouping"),
    "out_is_a_file": mistake("build", "--raw", "pages", "--out", "pages/page_0.txt", expect="is a file"),
    "out_read_only": mistake("build", "--raw", "pages", "--out", "/proc", expect="not writable"),
    "cache_read_only": mistake("build", "--raw", "pages", "--cache", "/proc/misuse-cache", expect="cache folder"),
    "analyze_missing_file": mistake("analyze", "missing.txt", expect="no such file"),
}
