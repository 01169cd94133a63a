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
from ..spec.folders import refuse_link_out
from ..spec.problems import FORMATS, load_problem
from ..spec.tensor import TensorProblem
from .claims import CheckReport, check_problem
from .tensor_check import TensorCheckReport, check_tensor_problem

__all__ = ["FileCheck", "Source", "check_source", "check_sources", "collect_sources"]


@dataclass(frozen=True)
class Source:
    """A file to check as given (a path or a bundled example's name), and the folder it was
    found in by :func:`collect_sources` (``None`` for a file named itself): a file found in a
    folder is not read when it links out of it (:func:`symbackprop.spec.folders.refuse_link_out`).

    Examples
    --------
    >>> Source("mazur_2_2_2")
    Source('mazur_2_2_2')
    >>> Source("class/s01.toml", folder="class")
    Source('class/s01.toml' found in 'class')
    """

    name: str
    folder: str | None = None

    def __repr__(self) -> str:
        found = "" if self.folder is None else f" found in {self.folder!r}"
        return f"Source({self.name!r}{found})"


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



def check_source(source: str | Source) -> FileCheck:
    """Load and check one file (or bundled example), a tensor problem by
    :func:`~symbackprop.check.tensor_check.check_tensor_problem`; a bad file, or a file found
    in a folder that links out of it, gives its error, not raises.

    Examples
    --------
    >>> check_source("mazur_2_2_2").status, check_source("no_such_file.toml").status
    ('correct', 'error')
    """
    found = source if isinstance(source, Source) else Source(source)
    source = found.name
    try:
        if found.folder is not None:
            refuse_link_out(FilePath(source), FilePath(found.folder))
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


def collect_sources(items: Sequence[str]) -> list[Source]:
    """Files to check: each item as given, a folder replaced by the problem files under it
    (``.toml``, ``.yaml``, ``.yml``, ``.json``, recursively, sorted; hidden entries skipped),
    each with the folder it was found in.

    Raises
    ------
    SpecError
        For a folder with no problem file in it.

    Examples
    --------
    >>> collect_sources(["padhai_4_4_2", "mazur_2_2_2"])   # bundled examples' names pass through
    [Source('padhai_4_4_2'), Source('mazur_2_2_2')]
    """
    sources: list[Source] = []
    for item in items:
        path = FilePath(item)
        if not path.is_dir():
            sources.append(Source(item))
            continue
        found = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS
            and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not found:
            raise SpecError(f"{item}: no problem files in this folder (looked for "
                            f"{', '.join(FORMATS)}, recursively)")
        sources += [Source(str(p), folder=item) for p in found]
    return sources


def check_sources(sources: Sequence[str | Source], jobs: int = 1) -> list[FileCheck]:
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
