"""The build cache (corpus/interim): per-file ingest output and per-page stage output.

Where: ``--cache DIR``; by default ``<raw>/../interim`` when the raw folder is named
``raw`` (so ``corpus/raw`` caches in ``corpus/interim``), else ``<out>/.cache``.

What and keyed by what (every key is a sha1; see ``BuildKeys``):

- ``ingest/<key>``: what ingest found in one input file (its pages' ids, status, digest,
  template evidence) and, for a file of one page (most files), that page as the payload.
  Key: the file's bytes + its path relative to raw + the ``[ingest]`` settings + the code
  version.
- ``page_in/<digest>``: one ingested page of a file of several (an archive), keyed by its
  digest (see ``page_digest``).
- ``templates/<key>``: the learned site templates. Key: every page's digest + ``[clean]``
  settings + code version.
- ``pages/<key>``: one page's stage output (its table rows as Arrow IPC, and a summary
  with the dedup fingerprints). Key: the page's digest (its ingested record: text, path,
  header fields) + its site's template fingerprint + the settings of every per-page stage
  (clean onward, and dedup's signature settings) + the code version.

The code version is a hash of the package's stage modules and of every rule file (and
the genre model files), so changing a stage's code, rules or settings reruns the per-page
stages; it is coarse on purpose (a helper module shared by two stages is covered too).

An entry is two pickles in one file: a small *summary* first (what the driver needs for
counts, dedup and the global stages) and the *payload* second (read only when writing the
tables, or, in an ingest entry, the page for the per-page stages), so a summary is read
without loading the payload; the summary's length in bytes comes first (8 bytes, little
endian), so a payload is read without unpickling the summary. Entries are written to a
temporary file and renamed: a killed build leaves whole entries or none (stray
``.*.tmp`` files are ignored). An unreadable entry is a cache miss, never an error.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import signal
from dataclasses import fields
from functools import lru_cache
from itertools import count
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.config import Config
from pipeline.ingest import doc_text
from pipeline.records import Page

PACKAGE_DIR = Path(__file__).resolve().parents[1]
CACHE_FORMAT = 4    # raise when the entries' layout changes (cache.py is not in the code version)
# modules that never change what a page's stages produce (driver, output, commands, analysis)
# modules and sub-packages (paths relative to the package) that never change what a page's
# stages produce: the driver and engines, commands, evaluation, and what runs after a build
# (topics, comparisons, exports, training). Everything else, sub-packages included, is hashed.
NOT_STAGE_CODE = ("__init__.py", "__main__.py", "cli.py", "driver.py", "engine/engines.py", "engine/manifest.py",
                  "engine/table_writer.py", "engine/build_checks.py", "engine/cache.py", "engine/progress.py",
                  "output/tables.py", "output/export_r.py", "analysis/topics.py", "analysis/topic_units.py",
                  "analysis/topic_outputs.py", "analysis/compare.py", "text/spacy_lang.py", "genre/training.py",
                  "genre/training_data.py", "genre/model_card.py", "clean/line_training.py", "evaluation/",
                  "benchmark/")
# settings tables that the per-page stages read ([genre_training] is not one: the model file
# carries how it was trained, and the model files are in the code version)
PAGE_STAGE_TABLES = ("clean", "split", "segment", "genre", "extract", "metadata")
DEDUP_SIGNATURE_KEYS = ("shingle", "num_perm", "min_shingles")


def default_cache_dir(raw: Path, out: Path) -> Path:
    """``<raw>/../interim`` for a folder named ``raw`` (the project layout), else ``<out>/.cache``."""
    raw = Path(raw)
    if raw.resolve().name == "raw":
        return raw.resolve().parent / "interim"
    return Path(out) / ".cache"


def sha1(*parts: str | bytes) -> str:
    h = hashlib.sha1()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def code_version(genre_model_dir: Path | None = None) -> str:
    """Hash of the stage modules' source (Python and the C speed-ups), the rule files and
    the genre and line model files."""
    h = hashlib.sha1()
    for f in stage_code_files():
        h.update(f.relative_to(PACKAGE_DIR).as_posix().encode())
        h.update(f.read_bytes())
    folders = [PACKAGE_DIR / "rules", Path(genre_model_dir) if genre_model_dir else PACKAGE_DIR.parent / "models" / "genre",
               PACKAGE_DIR.parent / "models" / "lines"]
    if os.environ.get("POLICY_CORPUS_RULES"):      # rule files overridden by the user count too
        folders.append(Path(os.environ["POLICY_CORPUS_RULES"]))
    for n, folder in enumerate(folders):
        h.update(f"folder {n}".encode())
        if folder.is_dir():
            for f in sorted(folder.rglob("*")):
                if f.is_file() and not f.name.startswith("."):
                    h.update(str(f.relative_to(folder)).encode())
                    h.update(f.read_bytes())
    return h.hexdigest()[:16]


def stage_code_files() -> list[Path]:
    """The package's source files (Python and C, in every sub-package) that the per-page
    stages run, in a stable order."""
    files = []
    for f in sorted([*PACKAGE_DIR.rglob("*.py"), *PACKAGE_DIR.rglob("*.c")]):
        rel = f.relative_to(PACKAGE_DIR).as_posix()
        if "__pycache__" in rel or any(rel == x or (x.endswith("/") and rel.startswith(x)) for x in NOT_STAGE_CODE):
            continue
        files.append(f)
    return files


def page_digest(page: Page) -> str:
    """Digest of an ingested page record (everything the per-page stages can read)."""
    # the fields' values as they are (dataclasses.asdict would deep-copy the text first)
    blob = json.dumps({f.name: getattr(page, f.name) for f in fields(page)}, sort_keys=True, ensure_ascii=False,
                      default=str)
    return sha1(blob)


class BuildKeys:
    """The cache keys of one build (settings and code version computed once)."""

    def __init__(self, config: Config, genre_model_dir: Path | None = None):
        data = config.as_dict()
        self.version = f"{CACHE_FORMAT}:{code_version(genre_model_dir)}"
        self.ingest_settings = json.dumps(data["ingest"], sort_keys=True, ensure_ascii=False)
        # a .doc rejected for want of a converter is read once one is installed
        self.ingest_tools = doc_text.converter_signature(data["ingest"])
        self.clean_settings = json.dumps(data["clean"], sort_keys=True, ensure_ascii=False)
        page_settings = {s: data[s] for s in PAGE_STAGE_TABLES}
        page_settings["dedup"] = {k: data["dedup"][k] for k in DEDUP_SIGNATURE_KEYS}
        self.page_settings = json.dumps(page_settings, sort_keys=True, ensure_ascii=False)
        self.global_settings = json.dumps({k: data[k] for k in ("dedup", "extract")}, sort_keys=True,
                                          ensure_ascii=False)

    def ingest(self, file_sha1: str, rel_path: str) -> str:
        return sha1("ingest", self.version, self.ingest_settings, self.ingest_tools, file_sha1, rel_path)

    def templates(self, page_digests: list[str]) -> str:
        return sha1("templates", self.version, self.clean_settings, *page_digests)

    def page(self, digest: str, template_fingerprint: str) -> str:
        return sha1("page", self.version, self.page_settings, digest, template_fingerprint)

    def build(self, page_keys: list[str]) -> str:
        """Key of the global stages and tables: every page's key, in order, and their settings."""
        return sha1("build", self.version, self.global_settings, *page_keys)


class BuildCache:
    """Entries under ``root/<kind>/<key[:2]>/<key>.pkl``: the summary pickle's length, the summary
    pickle, the payload pickle."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._root = str(self.root)
        self.writes = 0

    def path(self, kind: str, key: str) -> str:
        # a string, not a Path: a build looks up tens of thousands of entries
        return os.path.join(self._root, kind, key[:2], key + ".pkl")

    def has(self, kind: str, key: str) -> bool:
        return os.path.isfile(self.path(kind, key))

    def put(self, kind: str, key: str, summary: Any, payload: Any = None) -> None:
        payload = _ArrowTables.wrap(payload)
        path = self.path(kind, key)
        # a temporary file in the entry's folder, renamed onto the entry (as tables.write_atomic,
        # without its per-call mkdir, random name and chmod: a build writes thousands of entries)
        fd, tmp = self._temp_file(path)
        try:
            head = pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(fd, "wb") as f:
                f.write(len(head).to_bytes(_LENGTH_BYTES, "little"))
                f.write(head)
                pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        self.writes += 1
        fault_point("cache_write")

    def _temp_file(self, path: str) -> tuple[int, str]:
        """A new ``.<name>.<pid>.<n>.tmp`` next to ``path`` (its folder made on first use),
        opened for writing with the usual file mode (0666 less the umask)."""
        folder, name = os.path.split(path)
        while True:
            tmp = os.path.join(folder, f".{name}.{os.getpid()}.{next(_TEMP_NUMBERS)}.tmp")
            try:
                return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            except FileExistsError:      # left by a killed process that had this pid: next number
                continue

    def summary(self, kind: str, key: str) -> Any | None:
        """The entry's summary, or None when missing or unreadable (a miss)."""
        try:
            with open(self.path(kind, key), "rb") as f:
                f.seek(_LENGTH_BYTES)
                return pickle.load(f)
        except FileNotFoundError:
            return None
        except Exception:  # a damaged entry is recomputed, never trusted
            return None

    def payload(self, kind: str, key: str) -> Any | None:
        """The entry's payload, or None when missing or unreadable."""
        try:
            with open(self.path(kind, key), "rb") as f:
                f.seek(_LENGTH_BYTES + int.from_bytes(f.read(_LENGTH_BYTES), "little"))   # past the summary
                payload = pickle.load(f)
            return payload.unwrap() if isinstance(payload, _ArrowTables) else payload
        except Exception:
            return None


_TEMP_NUMBERS = count()
_LENGTH_BYTES = 8       # an entry starts with its summary pickle's length: a payload read skips it unread


class _ArrowTables:
    """A payload that is a dict of Arrow tables, stored per table as its schema and record
    batches in Arrow IPC form: several times cheaper to write and read than pickling the
    tables, and cheaper than an IPC stream per table (no stream writer or reader per table;
    the few distinct schemas are parsed once per process)."""

    def __init__(self, tables: dict[str, tuple[bytes, list[bytes]]]):
        self.tables = tables

    @classmethod
    def wrap(cls, payload: Any) -> Any:
        if not (isinstance(payload, dict) and payload and all(isinstance(v, pa.Table) for v in payload.values())):
            return payload
        return cls({name: (table.schema.serialize().to_pybytes(),
                           [batch.serialize().to_pybytes() for batch in table.to_batches()])
                    for name, table in payload.items()})

    def unwrap(self) -> dict[str, pa.Table]:
        out = {}
        for name, (schema_bytes, batches) in self.tables.items():
            schema = _schema(schema_bytes)
            out[name] = pa.Table.from_batches([pa.ipc.read_record_batch(pa.py_buffer(b), schema) for b in batches],
                                              schema=schema)
        return out


@lru_cache(maxsize=64)
def _schema(serialized: bytes) -> pa.Schema:
    return pa.ipc.read_schema(pa.py_buffer(serialized))


# --------------------------------------------------------------------------- fault injection

_FAULT_COUNTS: dict[str, int] = {}


def fault_point(name: str) -> None:
    """Kill this process (SIGKILL) at the N-th pass through point ``name`` when the environment
    says ``POLICY_CORPUS_KILL_AT=name:N``. Used by the kill-and-rerun tests to stop a build at
    exact places (after N cache writes, between table renames, …); a no-op otherwise."""
    spec = os.environ.get("POLICY_CORPUS_KILL_AT")
    if not spec:
        return
    point, _, n = spec.partition(":")
    if point != name:
        return
    _FAULT_COUNTS[name] = _FAULT_COUNTS.get(name, 0) + 1
    if _FAULT_COUNTS[name] >= int(n or 1):
        os.kill(os.getpid(), signal.SIGKILL)
