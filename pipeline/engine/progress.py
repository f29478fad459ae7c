"""Progress bars for the build stages: pages/s and chars/s on a terminal, silent elsewhere.

Bars are shown only when stderr is a terminal, the environment variable ``CI`` is unset
and ``--quiet`` was not given (``TQDM_DISABLE`` also silences them, as tqdm documents).
"""
from __future__ import annotations

import os
import sys
import time


def is_quiet(quiet: bool = False) -> bool:
    """True when no bars should be drawn: --quiet, CI, TQDM_DISABLE, or stderr not a TTY."""
    if quiet or os.environ.get("CI") or os.environ.get("TQDM_DISABLE"):
        return True
    try:
        return not sys.stderr.isatty()
    except (AttributeError, ValueError):
        return True


class StageProgress:
    """One bar for one stage: ``update(pages, chars)`` after each finished unit of work.

    The bar counts pages (tqdm shows pages/s); chars/s goes in the postfix. When quiet,
    nothing is imported or drawn and ``update`` only counts.
    """

    def __init__(self, stage: str, total: int | None, quiet: bool, unit: str = "page"):
        self.stage, self.pages, self.chars = stage, 0, 0
        self.started = time.perf_counter()
        self._last_postfix = 0.0
        self._bar = None
        if not is_quiet(quiet):
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=f"{stage:<8}", unit=unit, leave=True, dynamic_ncols=True,
                             mininterval=0.2)

    def update(self, pages: int, chars: int = 0) -> None:
        self.pages += pages
        self.chars += chars
        if self._bar is None:
            return
        self._bar.update(pages)
        now = time.perf_counter()
        if now - self._last_postfix > 0.5:
            self._last_postfix = now
            self._bar.set_postfix_str(f"{self.chars_per_second() / 1e6:.2f}M chars/s", refresh=False)

    def chars_per_second(self) -> float:
        elapsed = time.perf_counter() - self.started
        return self.chars / elapsed if elapsed > 0 else 0.0

    def close(self) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(f"{self.chars_per_second() / 1e6:.2f}M chars/s", refresh=False)
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "StageProgress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
