"""Shared fixtures. Tests never need ../shared: they use corpus/raw and fixtures they write."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

# property tests: no per-example deadline (a shared or loaded CI machine, and first calls
# that load a dictionary or a rule file, make example times meaningless)
settings.register_profile("policy-corpus", deadline=None)
settings.load_profile("policy-corpus")

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "raw" / "000_72afd9e4fb823ccb.txt"

os.environ.setdefault("TQDM_DISABLE", "1")
# the line model's arrays are cached per test session, never in the user's ~/.cache
os.environ["POLICY_CORPUS_MODEL_CACHE"] = tempfile.mkdtemp(prefix="policy-corpus-models-")


@pytest.fixture(scope="session")
def res():
    """The shipped resources (settings, rules, line and genre models), loaded once; a test module
    that needs other settings defines its own ``res``."""
    from pipeline.config import Config
    from pipeline.resources import Resources

    return Resources(Config.load())


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    return SEED.read_bytes()


@pytest.fixture(scope="session")
def seed_lines() -> list[str]:
    """The sample page's lines (index 0 = line 1)."""
    return SEED.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="session")
def seed_results():
    """The sample page processed once (PageResult), shared by the tests that only read it."""
    from pipeline.config import Config
    from pipeline.resources import Resources
    from pipeline.stages import process_files

    [result] = process_files([SEED], Resources(Config.load()))
    return result


@pytest.fixture(scope="session")
def seed_docs(seed_results):
    return seed_results.documents


@pytest.fixture(scope="session")
def corpus_build(tmp_path_factory):
    """One build of the made-up corpus (build_fixtures.make_corpus) for the whole session:
    ``(raw, out, cache, manifest)``. Read-only: a test that changes any of it works on a copy
    (``copy_of_build``)."""
    from build_fixtures import make_corpus

    from pipeline.config import Config
    from pipeline.driver import build as run_build

    base = tmp_path_factory.mktemp("corpus-build")
    raw = make_corpus(base / "raw")
    manifest = run_build(raw, base / "out", Config.load(), quiet=True, cache_dir=base / "cache")
    return raw, base / "out", base / "cache", manifest


@pytest.fixture()
def copy_of_build(corpus_build, tmp_path):
    """A private copy of ``corpus_build`` (raw folder, tables and cache; file times kept, so a
    rerun finds the tables unchanged) that a test may change."""
    import copy
    import shutil

    raw, out, cache, manifest = corpus_build
    copies = [shutil.copytree(folder, tmp_path / folder.name) for folder in (raw, out, cache)]
    return (*copies, copy.deepcopy(manifest))
