"""Both notebooks execute on the sample corpus built into a tmp folder (nbclient).

The corpus is built by the command `make corpus` runs (`policy-corpus corpus`: build ▶ topics
▶ compare by genre, year and region, the driver's phases); the notebooks read it through POLICY_CORPUS_OUT / POLICY_CORPUS_MODELS and never refit.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from typer.testing import CliRunner

from pipeline.cli import app

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ["1.0-explore-topics.ipynb", "2.0-compare-genres.ipynb"]


@pytest.fixture(scope="module")
def sample_corpus(tmp_path_factory):
    base = tmp_path_factory.mktemp("sample_corpus")
    out, models = base / "processed", base / "models"
    settings = base / "ci.toml"     # a loaded CI machine must not abandon the page
    settings.write_text("[executor]\npage_timeout = 900\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["corpus", "--raw", str(ROOT / "corpus" / "raw"), "--out", str(out),
                                      "--models", str(models), "--config", str(settings), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "8 documents" in result.output and "compare by region" in result.output
    for name in ("documents.parquet", "topics.parquet", "unit_topics.parquet", "compare", "corpus_r.csv"):
        assert (out / name).exists(), name
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
