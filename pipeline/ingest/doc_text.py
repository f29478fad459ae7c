"""A Word 97 binary file (.doc, .wps) → its text, through a converter installed on the machine.

Used by the ingest stage. The converters of [ingest] ``doc_converters`` (antiword, catdoc,
LibreOffice's ``soffice``) that are installed are tried in that order until one reads the
file. None installed: the file is rejected with a reason that says what to install. The
bytes are written to a temporary folder that is removed afterwards (converters read files).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.ingest.decoding import Rejected, normalise_newlines

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# executables that provide each converter (LibreOffice installs soffice, some systems libreoffice)
EXECUTABLES = {"antiword": ["antiword"], "catdoc": ["catdoc"], "soffice": ["soffice", "libreoffice"]}
INSTALL_HINT = ("no converter for Word 97 files (.doc/.wps) is installed: install antiword, catdoc or "
                "LibreOffice (e.g. `apt-get install antiword`) and build again")


def installed_converters(cfg: dict) -> list[tuple[str, str]]:
    """(converter name, executable path) of each configured converter on PATH, in order."""
    found = []
    for name in cfg["doc_converters"]:
        path = next((p for p in map(shutil.which, EXECUTABLES.get(name, [name])) if p), None)
        if path:
            found.append((name, path))
    return found


def find_converter(cfg: dict) -> tuple[str, str] | None:
    """The first installed converter, or None."""
    return next(iter(installed_converters(cfg)), None)


def converter_signature(cfg: dict) -> str:
    """Which converters a build would use (part of the ingest cache key)."""
    return ";".join(":".join(c) for c in installed_converters(cfg)) or "none"


def doc_to_text(data: bytes, cfg: dict) -> tuple[str, str]:
    """(text, converter name) of a Word 97 file; raises Rejected when it is not one, no
    converter is installed, or every installed converter fails (each one is tried in
    turn: antiword refuses very short documents that catdoc and LibreOffice read)."""
    if not data.startswith(OLE2):
        raise Rejected("not a Word 97 file: no OLE2 header (and not HTML, RTF or .docx either)")
    converters = installed_converters(cfg)
    if not converters:
        raise Rejected(INSTALL_HINT)
    failures = []
    for name, exe in converters:
        try:
            return run_converter(name, exe, data, cfg["doc_converter_timeout"]), name
        except Rejected as exc:
            failures.append(str(exc))
    raise Rejected("; ".join(failures))


def run_converter(name: str, exe: str, data: bytes, timeout: float) -> str:
    """The text converter ``name`` makes of the Word 97 bytes; raises Rejected when it fails."""
    with tempfile.TemporaryDirectory(prefix="policy-corpus-doc-") as tmp:
        source = Path(tmp) / "input.doc"
        source.write_bytes(data)
        try:
            done = subprocess.run(converter_command(name, exe, source), capture_output=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL, cwd=tmp)
        except subprocess.TimeoutExpired:
            raise Rejected(f"{name} failed: no answer within {timeout} s") from None
        except OSError as exc:
            raise Rejected(f"{name} failed: {exc.strerror or exc}") from None
        if done.returncode != 0:
            # antiword says why on stderr, catdoc on either
            message = (done.stderr.strip() or done.stdout.strip()).decode("utf-8", errors="replace").splitlines()
            first = message[0].replace(str(source), "the file") if message else "no message"
            raise Rejected(f"{name} failed (exit {done.returncode}): {first}")
        output = source.with_suffix(".txt")
        if name == "soffice" and not output.exists():
            raise Rejected("soffice failed: it wrote no text file")
        text = output.read_bytes() if name == "soffice" else done.stdout
    return normalise_newlines(text.decode("utf-8", errors="replace")).lstrip("\ufeff").strip("\n")


def converter_command(name: str, exe: str, source: Path) -> list[str]:
    """The command line that prints (or writes, for LibreOffice) the file's text in UTF-8."""
    if name == "antiword":
        return [exe, "-m", "UTF-8.txt", str(source)]
    if name == "catdoc":
        return [exe, "-d", "utf-8", "-w", str(source)]
    if name == "soffice":
        # a profile of its own: a LibreOffice the user has open would otherwise take the job
        return [exe, "--headless", "--norestore", f"-env:UserInstallation={source.parent.as_uri()}/profile",
                "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(source.parent), str(source)]
    raise Rejected(f"unknown .doc converter {name!r} in [ingest] doc_converters; known: {', '.join(EXECUTABLES)}")
