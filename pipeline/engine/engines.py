"""Where tasks run: this process, a local process pool, or a Dask cluster.

Every engine has the same small interface (``Engine``): ``workers``, ``map(fn, chunks,
state)`` yielding ``(chunk index, result or the exception that lost it)`` as tasks finish,
``shares_driver_memory`` (workers are forked after the driver loaded the resources, so
they inherit them) and ``close()``. Engines hold no stage logic and no table layout: the
driver gives them task functions (``pipeline.engine.tasks``) and chunks of work.
"""
from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterator, Protocol

from pipeline.config import ConfigError
from pipeline.engine.tasks import WorkerState, install_worker_state

ENGINES = ("local", "dask")


class Engine(Protocol):
    workers: int
    shares_driver_memory: bool

    def map(self, fn: Callable, chunks: list, state: WorkerState) -> Iterator[tuple[int, Any]]: ...

    def close(self) -> None: ...


class SerialEngine:
    """Tasks in this process, one after another."""

    workers = 1
    shares_driver_memory = False

    def map(self, fn: Callable, chunks: list, state: WorkerState) -> Iterator[tuple[int, Any]]:
        for i, chunk in enumerate(chunks):
            yield i, fn(chunk, state)

    def close(self) -> None:
        pass


class PoolEngine:
    """A local process pool (fork where the platform has it); each phase's state is
    installed once per worker by the pool's initializer."""

    def __init__(self, jobs: int):
        self.workers = jobs
        self.shares_driver_memory = "fork" in multiprocessing.get_all_start_methods()
        self._pool: ProcessPoolExecutor | None = None
        self._state: WorkerState | None = None
        self._broken = False

    def map(self, fn: Callable, chunks: list, state: WorkerState) -> Iterator[tuple[int, Any]]:
        if not chunks:
            return
        if self._pool is None or state is not self._state or self._broken:
            self.close()
            self._broken = False
            ctx = multiprocessing.get_context("fork" if self.shares_driver_memory else "spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=install_worker_state,
                                             initargs=(state,))
            self._state = state
        futures = {self._pool.submit(fn, chunk): i for i, chunk in enumerate(chunks)}
        for fut in as_completed(futures):
            result = _result_or_error(fut.result)
            if isinstance(result, BrokenProcessPool):
                self._broken = True
            yield futures[fut], result

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskEngine:
    """A dask.distributed cluster: the given scheduler, or a LocalCluster for this build.
    Tasks write their outputs into the cache folder, so the raw and cache folders must be
    on storage the workers share (a local disk for a LocalCluster)."""

    shares_driver_memory = False

    def __init__(self, jobs: int, scheduler: str | None):
        from dask.distributed import Client, LocalCluster

        self._cluster = None
        if scheduler:
            self._client = Client(scheduler)
        else:
            self._cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                                         dashboard_address=None)
            self._client = Client(self._cluster)
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})) or jobs)

    def map(self, fn: Callable, chunks: list, state: WorkerState) -> Iterator[tuple[int, Any]]:
        from dask.distributed import as_completed as dask_completed

        if not chunks:
            return
        # a key of its own per call (hash=False): with the default content-hash key, the previous
        # call's future being released can drop the key while this call replicates it
        # ("Key lost during replication", seen on a loaded machine)
        shared = self._client.scatter(state, broadcast=True, hash=False)
        futures = self._client.map(fn, chunks, state=shared, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in dask_completed(futures):
            yield index[fut.key], _result_or_error(fut.result)

    def close(self) -> None:
        if self._client is None:
            return
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None


def _result_or_error(get: Callable[[], Any]) -> Any:
    try:
        return get()
    except Exception as exc:  # a worker that died (OOM, crash): its pages are reported, the build goes on
        return exc


def check_engine_arguments(engine: str, jobs: int, scheduler: str | None) -> None:
    """ConfigError for an unknown engine, fewer than one job, or a scheduler without Dask."""
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; engines: {', '.join(ENGINES)}")
    if jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}")
    if scheduler and engine != "dask":
        raise ConfigError("--scheduler needs --engine dask")


def make_engine(engine: str, jobs: int, scheduler: str | None) -> Engine:
    check_engine_arguments(engine, jobs, scheduler)
    if engine == "dask":
        return DaskEngine(jobs, scheduler)
    return SerialEngine() if jobs == 1 else PoolEngine(jobs)


def map_items(eng: Engine, fn: Callable, items: list, state: WorkerState, chunk_size: int) -> Iterator[tuple[int, Any]]:
    """Run the task ``fn`` (a chunk of items → one result per item) over ``items`` on the
    engine; yield ``(item index, its result)`` as chunks finish. A worker that died (a crash
    in native code, the OOM killer) takes its pool's pending tasks with it: their items run
    again one at a time, so only an item that kills a worker again is lost, and yields the
    exception instead of a result."""
    work = chunks(list(enumerate(items)), chunk_size, eng.workers)
    retry = []
    for n, result in eng.map(fn, [[item for _, item in chunk] for chunk in work], state):
        if isinstance(result, Exception):
            retry.extend(work[n])
            continue
        for (i, _), item_result in zip(work[n], result):
            yield i, item_result
    for i, item in retry:
        [(_, result)] = list(eng.map(fn, [[item]], state))
        yield i, result if isinstance(result, Exception) else result[0]


def chunks(items: list, size: int, workers: int) -> list[list]:
    """Consecutive chunks of at most ``size``, small enough that every worker gets several;
    with several workers the last ones hold one item each, so that the workers finish
    together rather than one idling while another works through a last full chunk."""
    if not items:
        return []
    size = max(1, min(size, math.ceil(len(items) / (4 * workers)))) if workers > 1 else max(1, size)
    out = [items[i:i + size] for i in range(0, len(items), size)]
    if workers > 1 and size > 1:
        tail = 2 * workers
        out = out[:-tail] + [[item] for chunk in out[-tail:] for item in chunk]
    return out
