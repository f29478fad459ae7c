"""The bench corpus: real reports and laws from ../shared/data, with planted duplicates.

Originals: the sample page, the national government work reports and CPC congress reports
(wikisource JSONL), the 31 provincial 2025 reports (UTF-8 text) and the administrative
regulations and judicial interpretations (lawrefbook Markdown). ``size`` scales the
corpus: below 1 a deterministic sample of the originals, above 1 the originals repeated
with light edits (so every page stays distinct).

Each original is written as a page of one of a few invented sites (a header with site
name, breadcrumb, title and date; a footer). On top of the originals:

- exact copies (``exact_share`` of the originals): the same body republished on another
  site (other header, other date), so the page bytes differ but the report is the same;
- lightly edited copies (``edited_share``): another site, ~0.3 % of the characters
  replaced, one line dropped from long texts.

File names are hashes, so the sorted (processing) order is shuffled. ``planted`` lists the
groups of pages whose bodies are copies of one original (the ground truth for dedup).
"""
from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

SITES = [
    ("公文范文网", "首页 > 工作报告 > 政府工作报告", "本文由公文范文网整理，转载请注明出处。"),
    ("法规文库", "首页 > 法律法规 > 行政法规", "更多法律法规请访问法规文库。"),
    ("政务资料站", "当前位置：资料下载 > 政务公开", "声明：本站资料仅供学习参考。"),
    ("范文大全网", "当前位置:报告大全 > 工作报告", "以上就是范文大全网为大家整理的内容，希望对大家有所帮助。"),
]
EDIT_CHARS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你"


@dataclass
class BenchDoc:
    """One page of the bench corpus: its file name, body text and the original it copies."""

    name: str
    title: str
    body: str
    origin: int                 # index of the original this page's body comes from
    kind: str                   # original | exact | edited


@dataclass
class BenchCorpus:
    docs: list[BenchDoc] = field(default_factory=list)

    @property
    def chars(self) -> int:
        return sum(len(d.body) for d in self.docs)

    def planted_groups(self) -> list[list[int]]:
        """Indices into ``docs`` of each group of copies (groups of one are left out)."""
        groups: dict[int, list[int]] = {}
        for i, d in enumerate(self.docs):
            groups.setdefault(d.origin, []).append(i)
        return [g for g in groups.values() if len(g) > 1]


def original_texts(data: Path) -> list[tuple[str, str]]:
    """(title, body) of every original, in a fixed order; empty when the data is missing."""
    data = Path(data)
    out: list[tuple[str, str]] = []
    seed = data / "seed" / "000_72afd9e4fb823ccb.txt"
    if seed.is_file():
        out.append(("政府服务报告8篇", seed.read_text(encoding="utf-8")))
    for name in ("government_work_reports.jsonl", "cpc_congress_reports.jsonl"):
        path = data / "gov" / "national-wikisource" / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    if row.get("content"):
                        out.append((row.get("title") or "", row["content"]))
    prov = data / "gov" / "provincial-2025" / "derived_txt"
    if prov.is_dir():
        for path in sorted(prov.glob("*.txt")):
            out.append((path.stem, path.read_text(encoding="utf-8", errors="replace")))
    laws = data / "laws" / "lawrefbook"
    if laws.is_dir():
        for path in sorted(laws.rglob("*.md")):
            if path.name.startswith("_") or path.name in ("README.md", "法律法规模版.md"):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if len(text) > 200:
                out.append((path.stem, text))
    return out


def edit_text(text: str, rng: random.Random, rate: float = 0.003) -> str:
    """A light edit: ~``rate`` of the characters replaced, one line dropped from long texts."""
    lines = text.split("\n")
    if len(lines) > 30:
        del lines[rng.randrange(len(lines))]
    chars = list("\n".join(lines))
    for _ in range(max(1, round(rate * len(chars)))):
        i = rng.randrange(len(chars))
        if chars[i] != "\n":
            chars[i] = rng.choice(EDIT_CHARS)
    return "".join(chars)


def make_corpus(data: Path, size: float = 1.0, exact_share: float = 0.1, edited_share: float = 0.1,
                seed: int = 20260101, repeat: int = 1) -> BenchCorpus:
    """The bench corpus in memory (see the module docstring). ``repeat`` > 1 adds that many
    variants of the whole corpus (same page sizes, different pages: a corpus ``repeat``
    times larger with the same shape, for memory scaling)."""
    rng = random.Random(seed)
    originals = original_texts(data)
    if not originals:
        return BenchCorpus()
    base: list[tuple[str, str]] = []
    if size < 1:
        n = max(1, round(len(originals) * size))
        base = [originals[i] for i in sorted(rng.sample(range(len(originals)), n))]
    else:
        whole, part = int(size), size - int(size)
        for r in range(whole):  # repeats are edited more heavily so they are not near-duplicates
            base += originals if r == 0 else [(t, _variant(b, rng)) for t, b in originals]
        if part > 0:
            base += [(t, _variant(b, rng)) for t, b in rng.sample(originals, round(len(originals) * part))]
    if repeat > 1:
        base = base + [(t, _variant(b, rng)) for _ in range(repeat - 1) for t, b in base]
    corpus = BenchCorpus()
    for i, (title, body) in enumerate(base):
        corpus.docs.append(BenchDoc(_name(seed, i, "o"), title, body, i, "original"))
    for i in rng.sample(range(len(base)), round(len(base) * exact_share)):
        corpus.docs.append(BenchDoc(_name(seed, i, "x"), base[i][0], base[i][1], i, "exact"))
    for i in rng.sample(range(len(base)), round(len(base) * edited_share)):
        corpus.docs.append(BenchDoc(_name(seed, i, "e"), base[i][0], edit_text(base[i][1], rng), i, "edited"))
    return corpus


def _variant(body: str, rng: random.Random) -> str:
    """A different page built from a real text: its paragraphs shuffled and 5 % of the characters
    replaced, so a scaled-up corpus grows without adding near-duplicates."""
    paras = body.split("\n")
    rng.shuffle(paras)
    return edit_text("\n".join(paras), rng, rate=0.05)


def _name(seed: int, i: int, kind: str) -> str:
    return hashlib.sha1(f"{seed}:{i}:{kind}".encode()).hexdigest()[:14] + ".txt"


def write_pages(corpus: BenchCorpus, raw: Path, seed: int = 7) -> Path:
    """Write the corpus as pages of the invented sites under ``raw`` (a copy never shares its
    original's site)."""
    rng = random.Random(seed)
    raw.mkdir(parents=True, exist_ok=True)
    site_of: dict[int, int] = {}
    for d in corpus.docs:
        if d.kind == "original":
            site = rng.randrange(len(SITES))
            site_of[d.origin] = site
        else:
            site = (site_of.get(d.origin, 0) + 1 + rng.randrange(len(SITES) - 1)) % len(SITES)
        name, crumb, footer = SITES[site]
        date = f"20{rng.randrange(10, 25)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} 10:00:00"
        text = (f"欢迎光临{name}\n当前位置:{crumb}\n\n{d.title}\n\n发布时间:{date} 查看人数:{rng.randrange(10, 999)}\n\n"
                f"{d.body}\n\n{footer}\n")
        (raw / d.name).write_text(text, encoding="utf-8")
    return raw
