"""The worker processes a course command runs (``variants --jobs``, ``grade --jobs``).

Workers are forked where that is safe, so that they inherit what was made before they start (the
template read and typeset once, the keys read once), and started by a fork server otherwise: a
process that runs other threads (a Python thread, or a library known to start native ones, such
as JAX or PyTorch, imported in a notebook) may deadlock in a forked child, and JAX says so.  A
worker started by the fork server makes what it needs again, the same, so the files and grades
do not depend on how the workers started.

Examples
--------
>>> start_method() in ("fork", "forkserver")
True
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

__all__ = ["THREADED_LIBRARIES", "start_method", "worker_pool"]

THREADED_LIBRARIES = ("jax", "torch", "tensorflow")
"""Libraries whose import starts native threads that a forked child would inherit half-way."""


def start_method() -> str:
    """``"fork"`` when this process runs one thread and none of :data:`THREADED_LIBRARIES` is
    imported, else ``"forkserver"`` (``"spawn"`` where neither exists).

    Examples
    --------
    >>> import threading
    >>> event = threading.Event()
    >>> thread = threading.Thread(target=event.wait); thread.start()
    >>> start_method()
    'forkserver'
    >>> event.set(); thread.join()
    """
    methods = multiprocessing.get_all_start_methods()
    threaded = threading.active_count() > 1 or any(
        name in sys.modules for name in THREADED_LIBRARIES)
    if "fork" in methods and not threaded:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def worker_pool(jobs: int) -> ProcessPoolExecutor:
    """A pool of ``jobs`` worker processes started by :func:`start_method`.

    Examples
    --------
    >>> with worker_pool(1) as pool:
    ...     list(pool.map(abs, [-1, 2]))
    [1, 2]
    """
    context = multiprocessing.get_context(start_method())
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context)
