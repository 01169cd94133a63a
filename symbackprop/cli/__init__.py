"""The command line: ``symbackprop COMMAND FILE ...`` (docs/reference/cli.md).

This is the only package that prints.  Exit status: 0 success, 1 a check found an incorrect
claim or a verification failed, 2 bad input (a message on stderr names the file, key, node or
formula and what is allowed; no traceback unless ``--debug``).

- :func:`main` and :func:`build_parser`, here;
- one module a command (:mod:`~symbackprop.cli.derive`, :mod:`~symbackprop.cli.paths`,
  :mod:`~symbackprop.cli.verify`, :mod:`~symbackprop.cli.check`, :mod:`~symbackprop.cli.draw`,
  :mod:`~symbackprop.cli.codegen`, :mod:`~symbackprop.cli.explore`,
  :mod:`~symbackprop.cli.variants`, :mod:`~symbackprop.cli.grade`, :mod:`~symbackprop.cli.export`,
  :mod:`~symbackprop.cli.examples`), each adding its own sub-parser with ``register``; the
  ``export`` command's targets are modules of their own (:mod:`~symbackprop.cli.export_toml`,
  :mod:`~symbackprop.cli.export_prairielearn`);
- :mod:`~symbackprop.cli.common`: exit statuses, the parser class, writing output.

The top layer: may import every other subpackage (:mod:`symbackprop.course`,
:mod:`symbackprop.explore`, :mod:`symbackprop.check`,
:mod:`symbackprop.draw`, :mod:`symbackprop.codegen`, :mod:`symbackprop.render`,
:mod:`symbackprop.numeric`, :mod:`symbackprop.calculus`, :mod:`symbackprop.spec`), and nothing
imports it but the package's ``__main__``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Iterator, Sequence
from typing import NoReturn

from .._version import __version__
from ..errors import SymbackpropError, UsageError, in_source
from . import (
    check,
    codegen,
    derive,
    draw,
    examples,
    explore,
    export,
    grade,
    paths,
    variants,
    verify,
)
from .common import (
    EXIT_BAD_INPUT,
    EXIT_CLOSED,
    EXIT_INTERRUPTED,
    Parser,
    check_folder,
    check_output,
    inert,
)

__all__ = ["build_parser", "main", "run"]

BLAS_THREADS = "OPENBLAS_NUM_THREADS"
"""The variable that sets how many threads numpy's OpenBLAS runs (:func:`run` sets it to 1
when it is not set)."""

#: The commands, in the order ``--help`` lists them; each module adds its own sub-parser.
COMMANDS = (derive, paths, verify, check, draw, codegen, explore, variants, grade, export,
            examples)

#: The commands whose work is one problem: :func:`main` runs them with Python's cyclic garbage
#: collector paused.  The others (``check DIR``, ``grade``, ``variants``, ``export``) work
#: through many files, and keep it.
ONE_PROBLEM = frozenset({"derive", "paths", "verify", "draw", "codegen", "explore", "examples"})


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``symbackprop`` command.

    Examples
    --------
    >>> args = build_parser().parse_args(["paths", "branching_graph", "--wrt", "b"])
    >>> args.command, args.file, args.wrt
    ('paths', 'branching_graph', 'b')
    """
    parser = Parser(prog="symbackprop",
                     description="Derive backpropagation symbolically and show the work.")
    parser.add_argument("--version", action="version", version=f"symbackprop {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Examples
    --------
    >>> main(["paths", "branching_graph", "--wrt", "b"])
    2 paths from b to e
      1. b → c → e    ∂e/∂c · ∂c/∂b = d · 1 = 2 · 1 = 2
      2. b → d → e    ∂e/∂d · ∂d/∂b = c · 1 = 3 · 1 = 3
         total = 5
    0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    args = None
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return EXIT_BAD_INPUT
        if getattr(args, "output_is_folder", False):  # variants, export prairielearn: -o DIR
            check_folder(args.output)
        else:
            check_output(getattr(args, "output", None))
        with _collector_paused(args.command in ONE_PROBLEM):
            status = int(args.run(args))
        sys.stdout.flush()  # here, so that a closed pipe is reported below, not at exit
        return status
    except SymbackpropError as err:
        if debug:
            raise
        print(f"symbackprop: error: {inert(_named(str(err), args, err))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (RecursionError, MemoryError) as err:
        if debug:
            raise
        problem = ("the input is nested too deeply" if isinstance(err, RecursionError) else
                   "out of memory: the input is too large")
        print(f"symbackprop: error: {_named(problem, args)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # Ctrl-C: no traceback; emit() has left no partial file
        if debug:
            raise
        print("symbackprop: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # ``symbackprop paths ... | head``: the reader has what it wanted
        _discard_stdout()
        return EXIT_CLOSED


def run() -> NoReturn:
    """The ``symbackprop`` program (its console script and ``python -m symbackprop``):
    :func:`main`, then exit with its status.

    Before exiting, every object is moved to the collector's permanent generation
    (:func:`gc.freeze`): Python's last collections at exit would walk every object of sympy,
    numpy, networkx and the work just done, to free nothing a finished process needs (about
    0.1 s of start-up's imports alone, 0.2 s after ``derive --wrt all`` on a [64, 64, 64, 10]
    network). :func:`main` itself, called in a process that goes on, leaves the collector as
    it was.

    The program runs numpy's BLAS (OpenBLAS) in one thread unless the environment sets
    :data:`BLAS_THREADS`: one problem's products are small (a tensor holds at most 4 million
    entries), and threads waiting on each other on a busy machine made the 784-256-10 MLP's
    six products 0.13 s each instead of 0.6 ms (two cores, load 10).

    Examples
    --------
    >>> import subprocess, sys
    >>> done = subprocess.run([sys.executable, "-m", "symbackprop", "derive", "nowhere.toml",
    ...                        "--wrt", "w5"], capture_output=True, text=True)
    >>> done.returncode, done.stderr.splitlines()[0][:46]
    (2, 'symbackprop: error: nowhere.toml: no such file')
    """
    os.environ.setdefault(BLAS_THREADS, "1")  # before numpy is imported; yours if you set it
    status = main()
    gc.freeze()
    sys.exit(status)


def _discard_stdout() -> None:
    """Point standard output at ``os.devnull``, so that the interpreter's flush at exit does
    not fail on the closed pipe again (the recipe of Python's ``signal`` documentation)."""
    with contextlib.suppress(OSError, ValueError):  # not a descriptor (a test's capture)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@contextlib.contextmanager
def _collector_paused(pause: bool) -> Iterator[None]:
    """Python's cyclic garbage collector off inside (when ``pause``), as it was after.

    One problem's graph, derivation and output are a few million sympy objects and containers,
    built at once and nearly all kept to the end: the collector's full passes, each over every
    live object, found nothing to free and took a sixth of ``derive --wrt all`` on a
    [64, 64, 64, 10] network (0.3 s of 1.8).  Reference counting still frees everything that
    is not in a cycle; the few cycles left are freed when the collector runs again (measured
    on that network: 12,000 objects after ``derive --wrt w_1_1_1``, whose peak memory was 4 MB
    higher than with the collector on).
    """
    paused = pause and gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _named(message: str, args: argparse.Namespace | None,
           error: BaseException | None = None) -> str:
    """``message``, starting with the problem file it is about if it does not name it yet
    (an error found after loading, such as an unknown ``--wrt``, says which file it is in)."""
    if isinstance(error, UsageError):
        return message
    return in_source(message, getattr(args, "file", None))
