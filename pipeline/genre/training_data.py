"""The genre model's training examples: the labelled 范文 dev pages' reports (gold genre,
body without its title), and distant supervision from every corpus in ../shared/data whose
titles say their genre (laws, State Council documents, Wikisource, provincial reports, PKU
law, the sample page), the title and its repeat taken out of the body."""
from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Config
from pipeline.genre.features import strip_title_repeat
from pipeline.genre.taxonomy import Taxonomy, genre_text


@dataclass
class Example:
    """One training document: body (title removed), label, and where it came from."""

    title: str
    body: str
    label: str
    source: str      # corpus name, e.g. "laws", "statecouncil", "seed"
    group: str       # documents of one group never straddle a CV split (chunks of one report)
    document: str = ""   # the document the example comes from (default: its group)

    @property
    def doc_key(self) -> str:
        return self.document or self.group


def labelled(taxonomy: Taxonomy, title: str, body: str, source: str, group: str) -> Example | None:
    """An Example when the title names a genre and the body (title removed) is not empty."""
    label = taxonomy.title_genre(title)
    if not label:
        return None
    body = strip_title_repeat(title, body).strip()
    if len(body) < 20:
        return None
    return Example(title, body, label, source, group)


def shared_examples(data: Path, cfg: dict) -> list[Example]:
    """Every labelled document of the ../shared/data corpora used for the shipped model."""
    tax = Taxonomy.load()
    out: list[Example] = []
    for loader in (laws_examples, statecouncil_examples, wikisource_examples, provincial_examples,
                   pkulaw_examples, seed_examples):
        found = loader(data, tax, cfg)
        print(f"  {loader.__name__}: {len(found)} examples", file=sys.stderr)
        out.extend(found)
    return dedupe(out)


def dedupe(examples: list[Example]) -> list[Example]:
    """Drop exact duplicate bodies (the State Council CSV lists some documents twice)."""
    seen, out = set(), []
    for e in examples:
        key = hashlib.sha1(re.sub(r"\s+", "", e.body).encode()).hexdigest()
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def laws_examples(data: Path, tax: Taxonomy, cfg: dict | None = None) -> list[Example]:
    """laws/lawrefbook Markdown: the title is the first "# " line, the body everything after."""
    root = data / "laws" / "lawrefbook"
    out = []
    for path in sorted(root.rglob("*.md")):
        if path.name in ("_index.md", "README.md", "法律法规模版.md"):
            continue
        title, body = markdown_title_body(path.read_text(encoding="utf-8", errors="replace"))
        ex = labelled(tax, title, body, "laws", f"laws:{path.relative_to(root)}")
        if ex:
            out.append(ex)
    return out


def markdown_title_body(text: str) -> tuple[str, str]:
    """(first "# " heading, the rest without Markdown heading marks and HTML comments)."""
    lines = text.split("\n")
    title, rest = "", lines
    for i, line in enumerate(lines):
        if line.startswith("# "):
            title, rest = line[2:].strip(), lines[i + 1:]
            break
    body = "\n".join(re.sub(r"^#{1,6}\s+", "", ln) for ln in rest)
    body = re.sub(r"<!--.*?-->", "", body, flags=re.S)
    return title, body.strip()


def statecouncil_examples(data: Path, tax: Taxonomy, cfg: dict | None = None) -> list[Example]:
    """gov/statecouncil-docs/GOV_PRC.csv: Policy (title), Policy_Content (full text)."""
    path = data / "gov" / "statecouncil-docs" / "GOV_PRC.csv"
    out = []
    if not path.exists():
        return out
    with path.open(encoding="utf-8-sig", newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            ex = labelled(tax, row.get("Policy") or "", row.get("Policy_Content") or "", "statecouncil",
                          f"statecouncil:{i}")
            if ex:
                out.append(ex)
    return out


def wikisource_examples(data: Path, tax: Taxonomy, cfg: dict | None = None) -> list[Example]:
    """gov/national-wikisource JSONL: government work reports, NPC resolutions, congress reports."""
    out = []
    for path in sorted((data / "gov" / "national-wikisource").glob("*.jsonl")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if not line.strip():
                continue
            obj = json.loads(line)
            ex = labelled(tax, obj.get("title") or "", obj.get("content") or "", "wikisource", f"wikisource:{path.stem}:{i}")
            if ex:
                out.append(ex)
    return out


def provincial_examples(data: Path, tax: Taxonomy, cfg: dict | None = None) -> list[Example]:
    """gov/provincial-2025/derived_txt: the title is the first non-empty line."""
    out = []
    for path in sorted((data / "gov" / "provincial-2025" / "derived_txt").glob("*.txt")):
        title, body = first_line_title(path.read_text(encoding="utf-8", errors="replace"))
        ex = labelled(tax, title or path.stem, body, "provincial", f"provincial:{path.name}")
        if ex:
            out.append(ex)
    return out


def first_line_title(text: str, skip: tuple[str, ...] = ()) -> tuple[str, str]:
    """(first non-empty line not starting with one of ``skip``, the text after it)."""
    lines = text.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        s = line.strip().lstrip("\ufeff")
        if s and not s.startswith(skip):
            return s, "\n".join(lines[i + 1:])
    return "", ""


def pkulaw_examples(data: Path, tax: Taxonomy, cfg: dict | None = None) -> list[Example]:
    """gov/pkulaw-sample: header lines (【法宝引证码】, 原文链接) skipped; then title, body."""
    out = []
    for path in sorted((data / "gov" / "pkulaw-sample" / "origin").rglob("*.txt")):
        title, body = first_line_title(path.read_text(encoding="utf-8", errors="replace"), ("【法宝引证码】", "原文链接"))
        ex = labelled(tax, title, body, "pkulaw", f"pkulaw:{path.name}")
        if ex:
            out.append(ex)
    return out


def seed_examples(data: Path, tax: Taxonomy, cfg: dict | None = None) -> list[Example]:
    """The sample page's 8 reports (gold line ranges of gold/seed.json, boilerplate lines and
    spam fragments removed), each cut into paragraph chunks of about ``seed_chunk_chars``."""
    gold_path = data / "gold" / "seed.json"
    if not gold_path.exists():
        return []
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    page = data / "seed" / gold["page"]
    if not page.exists():
        page = Path(__file__).resolve().parents[2] / "corpus" / "raw" / gold["page"]
    lines = page.read_text(encoding="utf-8").split("\n")
    chunk_chars = int((cfg or Config.load()["genre_training"])["seed_chunk_chars"])
    out = []
    for doc in gold["documents"]:
        body = gold_body(lines, doc["body"][0], doc["body"][1], gold)
        body = strip_title_repeat(doc["title"], body)
        label = tax.title_genre(doc["title"])
        if not label:
            continue
        for j, chunk in enumerate(chunk_paragraphs(body, chunk_chars)):
            out.append(Example(doc["title"], chunk, label, "seed", f"seed:{doc['n']}"))
    return out


def gold_body(lines: list[str], first: int, last: int, gold: dict) -> str:
    """Lines ``first..last`` (1-based) without boilerplate lines and spam fragments."""
    skip = set(gold.get("boilerplate_lines_inside_bodies", [])) | set(gold.get("duplicate_title_lines", []))
    spam = {s["line"]: s["fragment"] for s in gold.get("spam_fragments", [])}
    kept = []
    for no in range(first, last + 1):
        if no in skip:
            continue
        text = lines[no - 1]
        if no in spam:
            text = text.replace(spam[no], "")
        if text.strip():
            kept.append(text.strip())
    return "\n".join(kept)


def chunk_paragraphs(body: str, size: int) -> list[str]:
    """Consecutive paragraphs joined into chunks of at least ``size`` characters (the last
    chunk may be shorter; a body shorter than ``size`` is one chunk)."""
    chunks, current = [], []
    for para in body.split("\n"):
        current.append(para)
        if sum(len(p) for p in current) >= size:
            chunks.append("\n".join(current))
            current = []
    if current:
        if chunks and sum(len(p) for p in current) < size // 3:
            chunks[-1] += "\n" + "\n".join(current)
        else:
            chunks.append("\n".join(current))
    return chunks


def corpus_examples(corpus: Path, cfg: dict) -> list[Example]:
    """Labelled documents of a user's corpus: a folder of pages (ingested, cleaned and split by
    the pipeline, so multi-report pages give one document each) or one table (.csv/.jsonl…,
    ingested row by row with the [ingest] title/text columns)."""
    from pipeline.clean import cleaner, site_templates
    from pipeline.ingest import reader
    from pipeline.resources import Resources
    from pipeline.structure import split

    tax = Taxonomy.load()
    res = Resources(Config.load())
    corpus = Path(corpus)
    if corpus.is_dir():
        paths, _rejected = reader.discover_files(corpus)
        root = corpus
    elif corpus.is_file():
        paths, root = [corpus], corpus.parent
    else:
        raise FileNotFoundError(f"--corpus {corpus}: no such folder or file")
    pages = []
    for p in paths:
        pages.extend(pg for pg in reader.ingest_file(Path(p), root, res.config["ingest"]) if pg.ok)
    templates = site_templates.learn_templates(pages, res.config["clean"])
    out = []
    for page in pages:
        cleaned = cleaner.run(page, templates, res)
        docs, _ = split.run(page, cleaned, res)
        for doc in docs:
            title = doc.title or page.title or ""
            ex = labelled(tax, title, doc.text, corpus.name, f"{page.page_id}:{doc.ordinal}")
            if ex:
                out.append(ex)
    return dedupe(out)


def fanwen_report_body(page, k: int) -> str:
    """The gold body of report ``k`` of a fanwen ``GoldPage``: its lines labelled ``body`` from
    its first body line up to the next report's title line (or first body line), spam fragments
    cut out, normalised as the clean stage does (t2s, widths, spaces); title lines are never in."""
    from pipeline.text.normalize import normalize_line

    reports = page.reports
    first = reports[k].first_body_line
    if k + 1 < len(reports):
        nxt = reports[k + 1]
        end = (nxt.title_line or nxt.first_body_line) - 1
    else:
        end = len(page.lines)
    spam: dict[int, list[str]] = {}
    for no, fragment in page.spam:
        spam.setdefault(no, []).append(fragment)
    kept = []
    for no in range(first, end + 1):
        if page.labels.get(no) != "body":
            continue
        text = page.lines[no - 1]
        for fragment in spam.get(no, ()):
            text = text.replace(fragment, "")
        text = normalize_line(text)
        if text:
            kept.append(text)
    return "\n".join(kept)


def fanwen_examples(pages) -> list[Example]:
    """One Example per gold report of the given fanwen pages (gold genre, body without its
    title and the title's repeat); grouped by host, so a site's reports stay together."""
    from pipeline.text.normalize import normalize_line

    out = []
    for page in pages:
        for k, r in enumerate(page.reports):
            title = normalize_line(r.title)
            body = strip_title_repeat(title, fanwen_report_body(page, k)).strip()
            body = genre_text(body)
            if body:
                out.append(Example(title, body, r.genre, "fanwen", f"fanwen:{page.host}", f"fanwen:{page.id}:{k}"))
    return out


def report_halves(examples: list[Example], min_chars: int) -> list[Example]:
    """Each example of at least ``min_chars`` characters (0: none) cut in two, at its middle
    line (at its middle character when it is one line): two more examples of its genre, in
    its report's group and document. A page's top shows a report's first few hundred
    characters: the halves teach the model bodies that short.

    >>> [e.body for e in report_halves([Example("", "一二\\n三四\\n五六\\n七八", "x", "fanwen", "g")], 8)]
    ['一二\\n三四', '五六\\n七八']
    """
    out = []
    for e in examples:
        if not min_chars or len(e.body) < min_chars:
            continue
        lines = [ln for ln in e.body.split("\n") if ln.strip()]
        if len(lines) >= 2:
            cut = len(lines) // 2
            halves = ["\n".join(lines[:cut]), "\n".join(lines[cut:])]
        else:
            cut = len(e.body) // 2
            halves = [e.body[:cut], e.body[cut:]]
        out.extend(Example(e.title, h, e.label, e.source, e.group, e.doc_key) for h in halves)
    return out


def load_fanwen(data: Path) -> list:
    """The fanwen dev pages under ``data`` ([] when the folder is missing)."""
    from pipeline.evaluation.fanwen_data import available, load_pages

    return load_pages(data) if available(data) else []
