"""A per-page time limit that works in the main thread and in Dask's worker threads.

In the main thread (in-process builds, pool workers) ``SIGALRM`` raises ``PageTimeout``; in
any other thread (Dask worker threads cannot take signals) a timer thread raises it
asynchronously in the page's thread (``PyThreadState_SetAsyncExc``). Either way it lands
between two Python bytecodes, so a single long call into C (one huge regex) finishes first.
"""
from __future__ import annotations

import ctypes
import signal
import threading
from contextlib import contextmanager


class PageTimeout(BaseException):
    """Raised inside a page's stages when it runs past the time limit (a BaseException so
    stages cannot swallow it)."""


@contextmanager
def time_limit(seconds: float | None):
    """Raise ``PageTimeout`` in this block after ``seconds`` (no limit for None or <= 0)."""
    if not seconds or seconds <= 0:
        yield
        return
    if threading.current_thread() is not threading.main_thread():
        with _thread_time_limit(float(seconds)):
            yield
        return

    def _raise(signum, frame):
        raise PageTimeout()

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _thread_time_limit(seconds: float):
    target = ctypes.c_ulong(threading.get_ident())
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def fire() -> None:
        with lock:         # never after the block has ended
            if not state["done"]:
                state["fired"] = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(target, ctypes.py_object(PageTimeout))

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["done"] = True
        timer.cancel()
        if state["fired"]:      # fired as the block ended and not raised yet: withdraw it
            ctypes.pythonapi.PyThreadState_SetAsyncExc(target, None)
