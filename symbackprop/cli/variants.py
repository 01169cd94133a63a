"""``symbackprop variants``."""

from __future__ import annotations

import argparse
import time
from typing import TextIO

from ..errors import UsageError
from .common import EXIT_OK, add_file, emit_tree, seed

__all__ = ["register"]


def _variants(args: argparse.Namespace) -> int:
    """``variants TEMPLATE -o DIR (--count N | --roster FILE)``: one problem file, answer key
    (and with ``--handout`` LaTeX sheet) per student, and the solutions."""
    import os
    import sys

    from ..course.files import assignment_files
    from ..course.roster import numbered, read_roster

    if (args.count is None) == (args.roster is None):
        raise UsageError("variants: give exactly one of --count N and --roster FILE.csv")
    if args.figure and not args.handout:
        raise UsageError("variants --figure draws in the handouts: give --handout too")
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    students = numbered(args.count) if args.count is not None else read_roster(args.roster)
    shown = _Progress(sys.stderr) if sys.stderr.isatty() else None
    try:
        files = assignment_files(args.file, students, seed=args.seed, handouts=args.handout,
                                 figures=args.figure, jobs=jobs, progress=shown)
    finally:
        if shown is not None:
            shown.close()
    emit_tree(dict(files), args.output, lock=True)
    print(f"{len(students)} variants of {args.file} in {args.output.rstrip('/')}/: "
          f"{', '.join(sorted({_kind(p) for p in files}))}")
    return EXIT_OK


class _Progress:
    """The students done so far, on one line of a terminal, rewritten at most every tenth of a
    second (nothing is written where stderr is not a terminal: the caller decides)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.shown = 0.0
        self.written = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.shown < 0.1 and done < total:
            return
        self.shown = now
        elapsed = now - self.start
        left = f", about {elapsed * (total - done) / done:.0f} s left" if 0 < done < total else ""
        self.stream.write(f"\rvariants: {done:,} of {total:,} students ({elapsed:.0f} s{left})"
                          "\033[K")
        self.stream.flush()
        self.written = True

    def close(self) -> None:
        if self.written:
            self.stream.write("\n")
            self.stream.flush()


def _kind(path: str) -> str:
    if path.startswith("key/"):
        return "key/<id>.json"
    if path.startswith("handout/"):
        return "handout/<id>.tex, handout/solutions.tex"
    return "<id>.toml"


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``variants`` command to the parser's sub-commands.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> args = parse_with(register, ["variants", "t.toml", "-o", "out", "--count", "3"])
    >>> args.run.__name__, args.count, args.seed, args.jobs
    ('_variants', 3, None, None)
    """
    p = commands.add_parser(
        "variants", help="one problem file, answer key and handout per student, from a template")
    add_file(p)
    p.add_argument("-o", "--output", metavar="DIR", required=True,
                   help="the folder to write DIR/<id>.toml, DIR/key/<id>.json (and "
                        "DIR/handout/) to")
    p.add_argument("--count", type=int, default=None, metavar="N",
                   help="N students, with ids s01, s02, ...")
    p.add_argument("--roster", default=None, metavar="FILE.csv",
                   help="the students of a CSV roster: a header row with id (or student) and "
                        "optionally name")
    p.add_argument("--seed", type=seed, default=None, metavar="S",
                   help="the seed of the draws (default: the template's [variants] seed)")
    p.add_argument("--handout", action="store_true",
                   help="also write a LaTeX handout per student and one with every solution")
    p.add_argument("--figure", action="store_true",
                   help="with --handout: under each question of the solutions, a picture of "
                        "the graph with its paths highlighted")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="make the students' files in N processes (default: the number of "
                        "CPUs; one for fewer than 40 students a process); the files are the "
                        "same whatever N")
    p.set_defaults(run=_variants, output_is_folder=True)
