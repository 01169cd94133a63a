"""Check many files at once: one :class:`FileCheck` per file, a bad file an error row, not a
crash.

:func:`collect_sources` turns the command line's files and folders into the files to check,
:func:`check_source` checks one of them (judging its claims is :mod:`symbackprop.check.claims`'
work), and :func:`check_sources` checks them all, in parallel processes when asked.

Examples
--------
>>> checks = check_sources(collect_sources(["mazur_2_2_2", "no_such_file.toml"]), jobs=1)
>>> [(check.source, check.status) for check in checks]
[('mazur_2_2_2', 'correct'), ('no_such_file.toml', 'error')]
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path as FilePath

from ..errors import SpecError, SymbackpropError, in_source
from ..spec.problems import FORMATS, load_problem
from ..spec.tensor import TensorProblem
from .claims import CheckReport, check_problem
from .tensor_check import TensorCheckReport, check_tensor_problem

__all__ = ["FileCheck", "check_source", "check_sources", "collect_sources"]


@dataclass(frozen=True)
class FileCheck:
    """One file of a batch: its report, or why it could not be read.

    Examples
    --------
    >>> check = check_source("padhai_4_4_2_student")
    >>> check.status, check.report.incorrect, check.error
    ('incorrect', 2, None)
    """

    source: str
    report: CheckReport | TensorCheckReport | None = None
    error: str | None = None

    @property
    def status(self) -> str:
        return "error" if self.report is None else self.report.status



def check_source(source: str) -> FileCheck:
    """Load and check one file (or bundled example), a tensor problem by
    :func:`~symbackprop.check.tensor_check.check_tensor_problem`; a bad file gives its error,
    not raises.

    Examples
    --------
    >>> check_source("mazur_2_2_2").status, check_source("no_such_file.toml").status
    ('correct', 'error')
    """
    try:
        problem = load_problem(source)
        if isinstance(problem, TensorProblem):
            return FileCheck(source, check_tensor_problem(problem))
        return FileCheck(source, check_problem(problem))
    except SymbackpropError as err:  # named by its file, as every message of a batch is
        return FileCheck(source, error=in_source(str(err), source))
    except RecursionError:
        return FileCheck(source, error=f"{source}: the input is nested too deeply")
    except Exception as err:  # one file's bug must not lose the results of a batch
        return FileCheck(source, error=f"{source}: internal error while checking "
                                       f"({type(err).__name__}: {err}); please report it")


def collect_sources(items: Sequence[str]) -> list[str]:
    """Files to check: each item as given, a folder replaced by the problem files under it
    (``.toml``, ``.yaml``, ``.yml``, ``.json``, recursively, sorted; hidden entries skipped).

    Raises
    ------
    SpecError
        For a folder with no problem file in it.

    Examples
    --------
    >>> collect_sources(["padhai_4_4_2", "mazur_2_2_2"])   # bundled examples' names pass through
    ['padhai_4_4_2', 'mazur_2_2_2']
    """
    sources: list[str] = []
    for item in items:
        path = FilePath(item)
        if not path.is_dir():
            sources.append(item)
            continue
        found = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS
            and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not found:
            raise SpecError(f"{item}: no problem files in this folder (looked for "
                            f"{', '.join(FORMATS)}, recursively)")
        sources += [str(p) for p in found]
    return sources


def check_sources(sources: Sequence[str], jobs: int = 1) -> list[FileCheck]:
    """:func:`check_source` for each of ``sources``, in order: in this process for ``jobs=1``,
    else in ``jobs`` worker processes (at most one per file).

    Examples
    --------
    >>> [check.status for check in check_sources(["mazur_2_2_2", "padhai_4_4_2_student"])]
    ['correct', 'incorrect']
    """
    jobs = min(jobs, len(sources))
    if jobs == 1:
        return [check_source(s) for s in sources]
    # A Pool, not a ProcessPoolExecutor, for terminate(): on Ctrl-C the workers (which ignore
    # SIGINT, so that a terminal's Ctrl-C reaches this process alone) are stopped at once and
    # the KeyboardInterrupt goes on to the caller, with no result half-collected.
    pool = multiprocessing.Pool(jobs, initializer=_ignore_interrupts)
    try:
        checks = pool.map_async(check_source, sources, chunksize=1).get(timeout=_FOREVER)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return checks


_FOREVER = 10.0 ** 7  # seconds: a wait with a timeout is one Ctrl-C can interrupt


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
