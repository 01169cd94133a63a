"""Run a batched gradient function over blocks of a large batch, on every core.

The layer-wise numpy code (:mod:`symbackprop.codegen.layered`) returns the gradient summed over a
batch, so a batch can be cut into blocks of rows and the blocks' gradients added.  Two things
make that faster than one call on the whole batch:

* a block's arrays fit in the processor's cache (a (10,000, 64) float64 array is 5 MB; a block
  of 1,024 rows is 512 kB), so the elementwise passes run from cache rather than from memory;
* each thread keeps its blocks' arrays from call to call (for a function that takes ``work=``,
  as the generated code does): fresh memory for every array of every call is given back to
  the system and faulted in again, one page at a time, which costs more than the arithmetic
  (a 64-64-64-10 network, batch 10,000: about 4,700 page faults a call without);
* blocks run in a thread per core: numpy releases the interpreter lock inside its loops and
  matrix products, and the elementwise work, which numpy does on one core, is shared out
  (only for blocks of at least ``THREADED_ELEMENTS`` numbers of the widest layer: shorter
  operations lose more waiting for the lock than the second core gains).

While the threads run, the BLAS library behind numpy is held to one thread each, so that they
do not compete for the cores (with :mod:`threadpoolctl`, the optional extra ``fast``; without
it the blocks run one after another in the calling thread).  Blocks are added in order, so the
result does not depend on which thread finished first; it differs from one call on the whole
batch only by rounding (the order of the sum over examples).

Examples
--------
>>> import numpy as np
>>> def total(x, y, w):  # a "gradient" summed over the batch: sum_i x_i w
...     return (np.atleast_2d(x).sum(axis=0) * w,)
>>> run = in_blocks(total, block_rows=3, threads=2)
>>> x = np.arange(20.0).reshape(10, 2)
>>> run(x, None, 2.0)[0], total(x, None, 2.0)[0]
(array([180., 200.]), array([180., 200.]))
>>> run.blocks(10)  # the blocks' first and last row (+1) for a batch of 10
[(0, 3), (3, 6), (6, 8), (8, 10)]
"""

from __future__ import annotations

import functools
import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["BlockedFunction", "block_rows_for", "cores", "in_blocks"]

CACHE_ELEMENTS = 2**16
"""A block holds this many elements of the widest layer (512 kB of float64): a few such arrays
stay in a core's cache."""

MIN_ROWS = 1024
"""No block is smaller than this (below it, the interpreter's cost per call dominates)."""

THREADED_ELEMENTS = 2**15
"""Blocks run on threads only when each holds at least this many elements of the widest layer.
Each numpy operation takes the interpreter lock back when it ends; with shorter operations the
threads wait on each other for it more than they gain (measured at batch 10,000: a 4-4-2
network, blocks of 20,000 elements, ran 1.3x slower on two threads than in one; an 8-8-8-2
network, 40,000 elements a block, broke even, 1.1x faster in one run and 1.1x slower in
another; a 16-16-16-4 network, 40,000 elements a block, 1.2 to 1.5x faster)."""

_POOLS: dict[int, ThreadPoolExecutor] = {}
_LOCK = threading.Lock()  # one threaded call at a time holds the BLAS limit
_POOLS_LOCK = threading.Lock()


def _after_fork_in_child() -> None:
    """A forked child has none of the parent's threads: new pools and locks (a lock held by
    a parent's thread at the fork would never be released)."""
    global _LOCK, _POOLS_LOCK
    _POOLS.clear()
    _LOCK, _POOLS_LOCK = threading.Lock(), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def cores() -> int:
    """The cores this process may run on.

    Examples
    --------
    >>> cores() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def block_rows_for(widths: tuple[int, ...] | list[int]) -> int:
    """Rows per block for a network with these layer widths: ``CACHE_ELEMENTS`` elements of
    the widest layer, at least ``MIN_ROWS``.

    Examples
    --------
    >>> block_rows_for((64, 64, 64, 10)), block_rows_for((2, 2, 2))
    (1024, 32768)
    """
    return max(MIN_ROWS, CACHE_ELEMENTS // max(widths))


@functools.cache
def _blas_controller() -> Any:
    """threadpoolctl's controller of the loaded BLAS libraries (finding them costs ~1 ms, so
    once), or ``None`` without threadpoolctl: then blocks cannot run on threads."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def _pool(threads: int) -> ThreadPoolExecutor:
    with _POOLS_LOCK:
        if threads not in _POOLS:
            _POOLS[threads] = ThreadPoolExecutor(threads, thread_name_prefix="symbackprop")
        return _POOLS[threads]


@dataclass(frozen=True)
class BlockedFunction:
    """``function(x, y, *parameters)`` summed over blocks of the batch (the rows of ``x``).

    Attributes
    ----------
    function : callable
        Takes ``x`` (one row per example), ``y`` (one row per example, or one row for all) and
        parameters; returns a tuple of gradients summed over its rows.
    block_rows : int
        The most rows in a block.
    threads : int
        Threads to run blocks on (1: the calling thread only).
    width : int
        Elements per row of the widest array ``function`` computes (its widest layer): blocks
        of fewer than ``THREADED_ELEMENTS`` elements run in the calling thread.
    work : bool
        Whether ``function`` takes ``work=``, a dict of arrays it keeps from call to call: each
        thread then passes its own (at most a block's worth of arrays, kept while this object
        lives).

    Examples
    --------
    >>> run = BlockedFunction(lambda x, y: (x.sum(axis=0),), block_rows=2_000, threads=1)
    >>> run.blocks(5_000)
    [(0, 1667), (1667, 3334), (3334, 5000)]
    >>> run(np.ones((5_000, 2)), None)
    (array([5000., 5000.]),)
    """

    function: Callable[..., Any]
    block_rows: int
    threads: int = field(default_factory=cores)
    width: int = 1
    work: bool = False
    _kept: threading.local = field(default_factory=threading.local, init=False, repr=False,
                                   compare=False)

    def _call(self, x: Any, y: Any, parameters: tuple[Any, ...]) -> tuple[Any, ...]:
        """``function`` on one block, with the calling thread's work if it takes one."""
        if not self.work:
            return tuple(self.function(x, y, *parameters))
        work = getattr(self._kept, "work", None)
        if work is None:
            work = self._kept.work = {}
        return tuple(self.function(x, y, *parameters, work=work))

    def threads_for(self, batch: int) -> int:
        """The threads a batch runs on: ``threads``, or 1 when a thread's share of the batch (in
        blocks of at most ``block_rows`` rows) would hold fewer than ``THREADED_ELEMENTS``
        elements of the widest layer.

        Examples
        --------
        >>> run = BlockedFunction(len, block_rows=8_192, threads=2, width=4)
        >>> run.threads_for(10_000), run.threads_for(20_000)  # 5,000 or 8,192 rows x 4 a block
        (1, 2)
        """
        if self.threads <= 1:
            return 1
        rows = min(self.block_rows, math.ceil(batch / self.threads))
        return self.threads if rows * self.width >= THREADED_ELEMENTS else 1

    def blocks(self, batch: int) -> list[tuple[int, int]]:
        """The ``(start, stop)`` rows of each block of a batch: the fewest blocks of at most
        ``block_rows`` rows, as equal as can be; when it runs on several threads, their number
        rounded up to a multiple of the threads, as far as blocks keep ``MIN_ROWS`` rows, so
        that every core has work."""
        count = math.ceil(batch / self.block_rows)
        threads = self.threads_for(batch)
        if threads > 1:
            shared = math.ceil(count / threads) * threads
            count = max(count, min(shared, batch // MIN_ROWS))
        size, extra = divmod(batch, count)
        spans, start = [], 0
        for index in range(count):
            stop = start + size + (index < extra)
            spans.append((start, stop))
            start = stop
        return spans

    def __call__(self, x: Any, y: Any, *parameters: Any) -> tuple[Any, ...]:
        x = np.asarray(x)
        if x.ndim != 2:
            return self._call(x, y, parameters)
        blocks = self.blocks(x.shape[0])
        if len(blocks) == 1:
            return self._call(x, y, parameters)
        y = np.asarray(y)
        per_row = y.ndim == 2 and y.shape[0] == x.shape[0]

        def block(rows: tuple[int, int]) -> tuple[Any, ...]:
            start, stop = rows
            return self._call(x[start:stop], y[start:stop] if per_row else y, parameters)

        controller = _blas_controller() if self.threads_for(x.shape[0]) > 1 else None
        if controller is None:
            parts = [block(rows) for rows in blocks]
        else:  # BLAS held to one thread while the blocks' threads run
            with _LOCK, controller.limit(limits=1, user_api="blas"):
                parts = list(_pool(self.threads).map(block, blocks))
        totals = [np.array(g, dtype=float) for g in parts[0]]
        for part in parts[1:]:
            for total, g in zip(totals, part, strict=True):
                total += g
        return tuple(t if t.ndim else t[()] for t in totals)


def in_blocks(function: Callable[..., Any], block_rows: int,
              threads: int | None = None, width: int = 1, work: bool = False) -> BlockedFunction:
    """``function`` run over blocks of ``block_rows`` rows on ``threads`` threads (default:
    one per core) when blocks hold at least ``THREADED_ELEMENTS`` elements of the widest layer
    (``width`` elements a row), passing each thread's own ``work=`` dict if ``work``; see the
    module's description.

    Examples
    --------
    >>> run = in_blocks(lambda x, y: (x.sum(),), block_rows=1_024, threads=1)
    >>> float(run(np.ones((3_000, 1)), None)[0])  # three blocks of 1,000 rows
    3000.0
    """
    return BlockedFunction(function, block_rows, cores() if threads is None else threads, width,
                           work)
