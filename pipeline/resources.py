"""Heavy resources (segmenter, genre model, rule sets), loaded once per worker process.

Stages receive a ``Resources`` object; its members load on first use, never on import
and never at pickle time, so a process pool or a Dask worker pays the cost once.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pipeline.config import Config


class Resources:
    def __init__(self, config: Config | None = None, genre_model_dir: Path | None = None):
        self.config = config or Config.load()
        self.genre_model_dir = genre_model_dir

    def __getstate__(self):
        # ship only the settings to a worker; it loads its own copies of the heavy parts
        return {"config": self.config, "genre_model_dir": self.genre_model_dir}

    def __setstate__(self, state):
        self.__dict__.update(state)

    @cached_property
    def segmenter(self):
        from pipeline.text.segment import Segmenter

        return Segmenter(self.config["segment"])

    @cached_property
    def genre_classifier(self):
        from pipeline.genre.tagger import GenreTagger

        return GenreTagger.load(self.genre_model_dir, self.config["genre"])

    @cached_property
    def line_model(self):
        from pipeline.clean.line_model import LineModel

        return LineModel.load()

    @cached_property
    def clean_rules(self):
        from pipeline.clean.cues import CleanRules

        return CleanRules.load()

    @cached_property
    def outline_rules(self):
        from pipeline.structure.outline import OutlineRules

        return OutlineRules.load()


_WORKER_RESOURCES: dict[int, Resources] = {}


def worker_resources(config: Config, genre_model_dir: Path | None = None) -> Resources:
    """The worker's shared Resources for this config (created on first call in a process)."""
    key = hash((config.stage_hash(*sorted(config.data)), str(genre_model_dir)))
    if key not in _WORKER_RESOURCES:
        _WORKER_RESOURCES[key] = Resources(config, genre_model_dir)
    return _WORKER_RESOURCES[key]
