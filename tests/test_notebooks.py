"""Both notebooks execute on the sample corpus built into a tmp folder (nbclient).

The corpus is built by the real pipeline (build ▶ topics ▶ compare, as `make corpus` does);
the notebooks read it through POLICY_CORPUS_OUT / POLICY_CORPUS_MODELS and never refit.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from pipeline.compare import compare
from pipeline.config import Config
from pipeline.runner import build
from pipeline.topics import fit_topics

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ["1.0-explore-topics.ipynb", "2.0-compare-genres.ipynb"]


@pytest.fixture(scope="module")
def sample_corpus(tmp_path_factory):
    base = tmp_path_factory.mktemp("sample_corpus")
    out, models = base / "processed", base / "models"
    config = Config.load()
    if "page_timeout" in config.data.get("executor", {}):   # a loaded CI machine must not abandon the page
        config = Config.load(executor={"page_timeout": 900})
    build(ROOT / "corpus" / "raw", out, config, quiet=True)
    fit_topics(out, config, models=models)
    for by in ("genre", "year", "region"):
        compare(out, by, config)
    return out, models


def _execute(name: str, out: Path, models: Path, monkeypatch) -> nbformat.NotebookNode:
    monkeypatch.setenv("POLICY_CORPUS_OUT", str(out))
    monkeypatch.setenv("POLICY_CORPUS_MODELS", str(models))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    return nb


def _text_outputs(nb) -> str:
    parts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            parts.append(o.get("text", ""))
            parts.append(str(o.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_executes_on_the_sample_corpus(name, sample_corpus, monkeypatch):
    out, models = sample_corpus
    nb = _execute(name, out, models, monkeypatch)
    text = _text_outputs(nb)
    assert "unit section, K =" in text
    assert "Error" not in text and "Traceback" not in text
    if name.startswith("1.0"):
        assert "top words (model)" in text and "ldavis.html exists" in text
    else:
        assert "by year:" in text and "by region:" in text


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_are_stored_without_outputs(name):
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert "POLICY_CORPUS_OUT" in code[0].source            # the parameter cell comes first


def test_notebook_refuses_to_run_without_tables(tmp_path, monkeypatch):
    """Never refit silently: a notebook pointed at an empty folder stops with a clear message."""
    from nbclient.exceptions import CellExecutionError

    with pytest.raises(CellExecutionError, match="make corpus"):
        _execute(NOTEBOOKS[0], tmp_path, tmp_path, monkeypatch)
