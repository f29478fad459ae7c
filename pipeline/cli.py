"""Command line: ``policy-corpus corpus | build | analyze | classify | train-genre | topics | compare``."""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from pipeline.config import Config, UserError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Turn scraped Chinese report pages into an analysis-ready research corpus.")

DEFAULT_RAW = Path("corpus/raw")
DEFAULT_OUT = Path("corpus/processed")


def user_errors(command):
    """A user's mistake (UserError, a broken rule file) is one line on stderr and exit 1,
    never a traceback."""
    from pipeline.rules import RuleFileError

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (UserError, RuleFileError) as exc:
            typer.echo(f"error: {' '.join(str(exc).split())}", err=True)
            raise typer.Exit(1) from None

    return run


def existing_files(files: List[Path]) -> None:
    """UserError naming the first of ``files`` that is missing or not a file."""
    for path in files:
        if not path.exists():
            raise UserError(f"{path}: no such file")
        if path.is_dir():
            raise UserError(f"{path} is a folder: give files (build reads folders)")


@app.command()
@user_errors
def corpus(
    raw: Path = typer.Option(DEFAULT_RAW, help="folder of input pages (read only)"),
    out: Path = typer.Option(DEFAULT_OUT, help="folder for the output tables, topic tables and comparisons"),
    config: Optional[Path] = typer.Option(None, help="TOML file overriding settings.toml"),
    jobs: int = typer.Option(1, help="worker processes for per-page stages"),
    quiet: bool = typer.Option(False, help="no progress bars"),
    models: Path = typer.Option(Path("models/topics"), help="folder of the saved topic models"),
) -> None:
    """What ``make corpus`` runs: build, then topics, the R export and comparisons by genre, year, region."""
    from pipeline.driver import build as run_build
    from pipeline.driver import downstream

    settings = Config.load(config)
    manifest = run_build(raw, out, settings, jobs=jobs, quiet=quiet)
    c = manifest["counts"]
    typer.echo(f"{c['pages_ok']} pages ok, {c['pages_rejected']} rejected, {c['documents']} documents, "
               f"{c['items']} items → {out}")
    for line in downstream(out, settings, models=models):
        typer.echo(line)


@app.command()
@user_errors
def build(
    raw: Path = typer.Option(DEFAULT_RAW, help="folder of input pages (read-only)"),
    out: Path = typer.Option(DEFAULT_OUT, help="folder for the output tables"),
    config: Optional[Path] = typer.Option(None, help="TOML file overriding settings.toml"),
    jobs: int = typer.Option(1, help="worker processes for per-page stages"),
    quiet: bool = typer.Option(False, help="no progress bars"),
    engine: str = typer.Option("local", help="where per-page stages run: local (process pool) or dask"),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address (with --engine dask; "
                                                       "default: a local cluster of --jobs workers)"),
    cache: Optional[Path] = typer.Option(None, help="incremental-build cache (default: <raw>/../interim "
                                                    "for a folder named raw, else <out>/.cache)"),
    partitioned: Optional[bool] = typer.Option(None, "--partitioned/--single-files",
                                               help="each row table a folder of Parquet parts written by the "
                                                    "workers, or one file (default: parts with --engine dask)"),
    replace: bool = typer.Option(False, "--replace", help="replace the tables even when this build has far fewer "
                                                          "ok pages than they hold ([executor] replace_min_share)"),
) -> None:
    """Build the corpus tables (pages, documents, sections, items, …) from RAW into OUT."""
    from pipeline.driver import build as run

    manifest = run(raw, out, Config.load(config), jobs=jobs, quiet=quiet, engine=engine, scheduler=scheduler,
                   cache_dir=cache, partitioned=partitioned, replace=replace)
    c = manifest["counts"]
    typer.echo(f"{c['pages_ok']} pages ok, {c['pages_rejected']} rejected, {c['documents']} documents, "
               f"{c['items']} items → {out}")


def _doc_json(source: str, doc, sections: bool = True) -> dict:
    from dataclasses import asdict

    obj = {
        "source": source, "ordinal": doc.ordinal, "doc_id": doc.doc_id, "title": doc.title, "text": doc.text,
        "removed": [{"line": r.line, "text": r.text, "rule": r.rule, "p": r.p} for r in doc.removed],
        "masked": dict(doc.masked), "quality": doc.quality, "truncated": doc.truncated,
        "genre": doc.genre, "genre_score": doc.genre_score, "genre_source": doc.genre_source,
        "genre_reason": doc.genre_reason,
        "year": doc.year, "region": doc.region,
    }
    if sections:
        obj["sections"] = [{k: v for k, v in asdict(s).items() if k not in ("line_start", "line_end")}
                           for s in doc.sections]
        obj["items"] = [asdict(i) for i in doc.items]
    return obj


@app.command()
@user_errors
def analyze(
    files: List[Path] = typer.Argument(..., help="report files (.txt, .html, .docx, …)"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object per document"),
    config: Optional[Path] = typer.Option(None, help="TOML file overriding settings.toml"),
) -> None:
    """Clean, split, segment, outline, extract and tag the given files; print per document."""
    from pipeline.resources import Resources

    existing_files(files)
    for path, result in _page_results(files, Resources(Config.load(config))):
        if not result.page.ok:
            typer.echo(json.dumps({"source": str(path), "status": "rejected", "reason": result.page.reason},
                                  ensure_ascii=False) if as_json else f"{path}: rejected: {result.page.reason}")
            continue
        for doc in result.documents:
            obj = _doc_json(str(path), doc)
            if as_json:
                typer.echo(json.dumps(obj, ensure_ascii=False))
            else:
                typer.echo(f"== {path} #{doc.ordinal} {doc.title} [{doc.genre} {doc.genre_score or 0:.2f}]")
                for it in doc.items:
                    typer.echo(f"  {it.kind:8s} {it.head}")


@app.command()
@user_errors
def classify(
    files: List[Path] = typer.Argument(..., help="report files (.txt, .html, .docx)"),
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table"),
    model: Optional[Path] = typer.Option(None, help="genre model folder (default: the shipped one)"),
    explain: bool = typer.Option(False, "--explain", help="per document, the evidence: the title as read, "
                                                         "cues matched, the model's top genres and features"),
) -> None:
    """Genre of each document in each file: title, genre, score, source (with --explain: why)."""
    from pipeline.resources import Resources

    existing_files(files)
    res = Resources(Config.load(), genre_model_dir=model)
    if not as_json:
        typer.echo("source\tordinal\ttitle\tgenre\tgenre_score\tgenre_source")
    for path, result in _page_results(files, res):
        if not result.page.ok:
            typer.echo(f"{path}: rejected: {result.page.reason}", err=True)
        for doc in result.documents:
            row = {"source": str(path), "ordinal": doc.ordinal, "title": doc.title, "genre": doc.genre,
                   "genre_score": round(float(doc.genre_score or 0.0), 4), "genre_source": doc.genre_source}
            why = res.genre_classifier.explain(doc.title, doc.text) if explain else None
            if as_json:
                typer.echo(json.dumps(row | ({"explain": why} if why else {}), ensure_ascii=False))
                continue
            typer.echo(f"{row['source']}\t{row['ordinal']}\t{row['title']}\t{row['genre']}\t"
                       f"{row['genre_score']:.2f}\t{row['genre_source']}")
            if why:
                for line in _explain_lines(why):
                    typer.echo(f"    {line}")


def _explain_lines(why: dict) -> list[str]:
    """The evidence of one genre decision, a few readable lines."""
    lines = [f"reason: {why['reason']}",
             f"title read: {why['title_read'] or '(none)'} → {why['title_genre'] or 'no genre'}",
             f"body: {why['body_genre']} {why['body_score']:.2f} ({why['body_source']})"]
    if why["cues"]:
        lines.append("cues: " + "; ".join(f"{g}: {', '.join(m[:4])}" for g, m in why["cues"].items()))
    if why["model_top"]:
        lines.append("model: " + ", ".join(f"{g} {p:.2f}" for g, p in why["model_top"]))
    if why["model_features"]:
        lines.append("features: " + ", ".join(f"{n} ({w:+.3f})" for n, w in why["model_features"]))
    return lines


def _page_results(files, res):
    """(file, PageResult) for every page of every file, processed one file at a time."""
    from pipeline.stages import process_files

    for path in files:
        for result in process_files([path], res):
            yield path, result


@app.command("train-genre")
@user_errors
def train_genre(
    corpus: Path = typer.Option(..., help="folder of pages, or one table (.csv/.jsonl), whose titles name genres"),
    out: Path = typer.Option(Path("models/genre"), help="folder for the model and its card"),
    cv: bool = typer.Option(True, help="cross-validate for the model card's per-class F1"),
) -> None:
    """Train the genre classifier on CORPUS bodies with labels from their titles (distant
    supervision; title and its repeat removed from the body); save it with skops + model card."""
    from pipeline.genre.model_card import print_card_summary
    from pipeline.genre.training import train_corpus

    card = train_corpus(corpus, out, cv=cv)
    print_card_summary(card)
    typer.echo(f"→ {out}")


@app.command()
@user_errors
def topics(
    out: Path = typer.Option(DEFAULT_OUT, help="folder of the built tables; topic tables are written here"),
    unit: Optional[str] = typer.Option(None, help="doc | section | item (default: [topics].unit)"),
    k: Optional[str] = typer.Option(None, help="number of topics, or 'auto' to choose over [topics].k_grid by NPMI"),
    models: Path = typer.Option(Path("models/topics"), help="folder of the saved topic models (one per unit)"),
    config: Optional[Path] = typer.Option(None, help="TOML file overriding settings.toml"),
) -> None:
    """Fit the LDA topic model (K by NPMI over seeds), write topic tables, model card, pyLDAvis
    page, and the R export (corpus_r.csv)."""
    from pipeline.analysis.topics import fit_topics
    from pipeline.output.export_r import export_r

    card = fit_topics(out, Config.load(config), unit=unit, k=k, models=models)
    r_csv = export_r(out)
    typer.echo(f"{card['unit']}: K={card['k']} (NPMI {card['npmi']}, c_v {card['c_v']}, stability {card['stability']}) "
               f"on {card['n_fit_units']} of {card['n_units']} units → {out}, {card['model_dir']}, {r_csv}")
    for t in card["topics"]:
        typer.echo(f"  {t['label']}")


@app.command()
@user_errors
def compare(
    out: Path = typer.Option(DEFAULT_OUT, help="folder of the built tables and topic tables"),
    by: str = typer.Option("genre", help="genre | year | region"),
    config: Optional[Path] = typer.Option(None, help="TOML file overriding settings.toml"),
) -> None:
    """Topic prevalence (bootstrap 95% intervals) and distinctive terms/heads by group → OUT/compare/."""
    from pipeline.analysis.compare import compare as run

    summary = run(out, by, Config.load(config))
    typer.echo(f"by {by}: {summary['n_docs_grouped']} of {summary['n_docs']} documents in "
               f"{len(summary['groups'])} groups → {out / 'compare'}")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
