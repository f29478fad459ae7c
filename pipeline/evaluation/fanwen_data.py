"""The labelled 范文 dev pages (``<data>/fanwen``): one loader for training and evaluation.

The pages and their gold live in ``../shared/data/fanwen`` (never copied into the repo):
``pages/<id>.txt`` and ``gold.jsonl`` (see that folder's LABELLING.md, the contract).
Anything learned from them is scored with cross-validation grouped by ``host``.

    >>> pages = load_pages(Path("../shared/data"))      # doctest: +SKIP
    >>> pages[0].labels[1], pages[0].reports[0].genre   # doctest: +SKIP
    ('report_title', 'other')
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

LINE_LABELS = ("chrome", "intro", "page_title", "report_title", "body")


@dataclass(frozen=True)
class GoldReport:
    """One report that starts on a page: its citable title ("" when it has none), the
    1-based line of its title line (None when none), its first body line and its genre."""

    title: str
    title_line: int | None
    first_body_line: int
    genre: str


@dataclass
class GoldPage:
    """One labelled page: its text split into lines exactly as the labels count them
    (``text.split("\\n")``, 1-based), a label for every non-blank line, inline spam
    fragments, the reports that start on it, and the page's text quality."""

    id: str
    host: str
    url: str
    text: str
    labels: dict[int, str]
    spam: list[tuple[int, str]] = field(default_factory=list)
    reports: list[GoldReport] = field(default_factory=list)
    quality: str = "clean"
    notes: str = ""

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


def fanwen_dir(data: Path) -> Path:
    """The fanwen folder under a data folder (``../shared/data``)."""
    return Path(data) / "fanwen"


def available(data: Path) -> bool:
    d = fanwen_dir(data)
    return (d / "gold.jsonl").is_file() and (d / "pages").is_dir()


def load_pages(data: Path) -> list[GoldPage]:
    """Every labelled page, in gold order. Raises FileNotFoundError when the data is missing."""
    d = fanwen_dir(data)
    pages = []
    with open(d / "gold.jsonl", encoding="utf-8") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            g = json.loads(raw)
            text = (d / "pages" / f"{g['id']}.txt").read_text(encoding="utf-8")
            pages.append(GoldPage(
                id=g["id"], host=g["host"], url=g.get("url") or "", text=text,
                labels={int(k): v for k, v in g["labels"].items()},
                spam=[(int(s["line"]), s["fragment"]) for s in g.get("spam", [])],
                reports=[GoldReport(r.get("title") or "", r.get("title_line"), r["first_body_line"], r["genre"])
                         for r in g.get("reports", [])],
                quality=g.get("quality", "clean"), notes=g.get("notes", ""),
            ))
    return pages


def host_folds(pages: list[GoldPage], n_splits: int = 5, salt: str = "") -> list[tuple[list[int], list[int]]]:
    """Train/test page indexes of a cross-validation grouped by host (no site on both
    sides), deterministic: hosts, ordered by a stable hash of their name, are dealt to the
    folds in turn (equal numbers of hosts per fold). ``salt`` (prefixed to each name before
    hashing) gives another, equally valid assignment; "" is the pinned one the floors use."""
    import zlib

    hosts = sorted({p.host for p in pages}, key=lambda h: (zlib.crc32((salt + h).encode("utf-8")), h))
    fold_of = {h: i % n_splits for i, h in enumerate(hosts)}
    folds = []
    for k in range(n_splits):
        test = [i for i, p in enumerate(pages) if fold_of[p.host] == k]
        train = [i for i, p in enumerate(pages) if fold_of[p.host] != k]
        folds.append((train, test))
    return folds
