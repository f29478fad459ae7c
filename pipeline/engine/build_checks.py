"""What a build checks before it touches anything, and the lock it holds while it runs.

- ``check_paths``: the raw folder exists, is a folder and can be listed; the output and
  cache folders can be created and written (a file there, a read-only disk) — so a mistake
  costs one line and no work, instead of failing after all of it;
- ``OutputLock``: one build at a time writes an output folder (``flock`` on the folder
  itself: nothing is created, nothing is left behind);
- ``guard_replacement``: a build that would replace the tables with far fewer ok pages
  (a wrong ``--raw``, a setting that rejects every page) stops instead, unless asked to
  replace them;
- ``project_output`` / ``project_file``: what the project wrote (an output folder, a
  cache, a topic model, a copy of the R export) is never read back as input, even inside
  the raw folder.

Each problem is a ``UserError`` (the command line prints it as one line, exit 1).
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import tempfile
from pathlib import Path

from pipeline.config import UserError

CACHEDIR_TAG = "CACHEDIR.TAG"
CACHEDIR_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"   # https://bford.info/cachedir/


def check_paths(raw: Path, out: Path, cache: Path | None = None) -> None:
    """UserError when ``raw`` cannot be read as a folder of pages, or ``out`` / ``cache``
    cannot be created or written (they are created here when missing)."""
    raw, out = Path(raw), Path(out)
    if not raw.exists():
        raise UserError(f"raw folder {raw} does not exist")
    if not raw.is_dir():
        raise UserError(f"raw path {raw} is a file, not a folder of pages (--raw takes a folder)")
    try:
        with os.scandir(raw) as entries:
            next(entries, None)
    except OSError as exc:
        raise UserError(f"raw folder {raw} cannot be read: {exc.strerror or exc}") from None
    raw_abs, out_abs = raw.resolve(), out.resolve()
    if raw_abs == out_abs or raw_abs.is_relative_to(out_abs):
        raise UserError(f"the output folder {out} holds the raw folder {raw}: choose another --out")
    writable_folder(out, "output folder", "--out")
    if cache is not None:
        writable_folder(Path(cache), "cache folder", "--cache")


def writable_folder(folder: Path, what: str, option: str) -> None:
    """Create ``folder`` if missing and check that a file can be written in it."""
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{what} {folder} is a file, not a folder ({option} takes a folder)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UserError(f"{what} {folder} is not writable: {exc.strerror or exc}") from None


class OutputLock:
    """An exclusive lock on the output folder for the time of a build (``flock`` on the
    folder's own descriptor, released when the process ends, even by SIGKILL).

    A second build into the same folder stops at once with a UserError."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self._fd: int | None = None

    def __enter__(self) -> "OutputLock":
        fd = os.open(self.out, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise UserError(f"another build is writing to {self.out} (it holds the folder's lock); "
                                "wait for it to finish or choose another --out") from None
            raise
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def guard_replacement(out: Path, pages_ok: int, min_share: float, replace: bool) -> None:
    """UserError when the tables in ``out`` hold ok pages and this build has fewer than
    ``min_share`` of them (none at all counts too), unless ``replace``."""
    if replace:
        return
    try:
        previous = json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8"))
        before = int(previous["counts"]["pages_ok"])
    except (OSError, ValueError, KeyError, TypeError):
        return                  # no earlier build here (or not one of ours): nothing to lose
    if before > 0 and pages_ok < min_share * before:
        raise UserError(
            f"refusing to replace the tables in {out}: this build has {pages_ok} ok pages, they hold {before} "
            f"(built from {previous.get('raw', '?')}); check --raw and --config, or pass --replace")


def project_output(folder: Path) -> str | None:
    """Why ``folder`` is something this project wrote (and so no input), or None: an output
    folder (its manifest.json), a build cache (CACHEDIR.TAG) or a saved topic model (card.json)."""
    folder = Path(folder)
    tag = folder / CACHEDIR_TAG
    if tag.is_file():
        try:
            if tag.read_bytes().startswith(CACHEDIR_SIGNATURE.encode()):
                return "a build cache of this project (CACHEDIR.TAG): never read as input"
        except OSError:
            pass
    for name, keys, what in (("manifest.json", ("build_key", "counts"), "an output folder of this project"),
                             ("card.json", ("corpus_fingerprint", "k"), "a topic model of this project")):
        marker = folder / name
        if marker.is_file():
            try:
                data = json.loads(marker.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and all(k in data for k in keys):
                return f"{what} ({name}): never read as input"
    return None


def project_file(path: Path) -> str | None:
    """Why the file at ``path`` is something this project wrote (a copy of the R export,
    whose token text would make every real document its duplicate), or None."""
    from pipeline.output.export_r import R_COLUMNS

    if Path(path).suffix.lower() != ".csv":
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(256)
    except OSError:
        return None     # ingest says why it cannot be read
    first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip()
    if first == ",".join(R_COLUMNS).encode():
        return "the R export of this project (corpus_r.csv columns): never read as input"
    return None


def tag_cache_folder(folder: Path) -> None:
    """Mark ``folder`` as a cache (backup tools skip it; discovery never reads it)."""
    tag = Path(folder) / CACHEDIR_TAG
    if not tag.exists():
        tag.write_text(f"{CACHEDIR_SIGNATURE}\n# policy-corpus build cache: "
                       "derived data, safe to delete.\n", encoding="utf-8")
