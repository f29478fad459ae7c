"""policy-corpus: scraped Chinese report pages → an analysis-ready research corpus.

Python entry points: ``pipeline.build`` (a folder → tables), ``pipeline.analyze`` (files →
documents with sections, items and genre) and ``pipeline.nlp()`` (a spaCy Language).
"""
from __future__ import annotations

__version__ = "0.1.0"


def build(raw, out, config=None, jobs: int = 1, quiet: bool = True, engine: str = "local", scheduler=None,
          cache_dir=None) -> dict:
    """Build the corpus tables from the pages under ``raw`` into ``out``; returns the manifest."""
    from pipeline.driver import build as _build

    return _build(raw, out, config, jobs=jobs, quiet=quiet, engine=engine, scheduler=scheduler, cache_dir=cache_dir)


def analyze(*paths, config=None):
    """Documents (with sections, items, genre) of the given files, as ``Document`` records."""
    from pipeline.config import Config
    from pipeline.resources import Resources
    from pipeline.stages import process_files

    res = Resources(config or Config.load())
    return [d for r in process_files(paths, res) for d in r.documents]


def nlp():
    """A spaCy ``Language`` (blank "zh", jieba segmenter with the policy dictionary) whose
    Docs carry the project's sentences."""
    from pipeline.text.spacy_lang import make_nlp

    return make_nlp()
