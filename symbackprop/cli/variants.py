"""``symbackprop variants``."""

from __future__ import annotations

import argparse

from ..errors import UsageError
from .common import EXIT_OK, add_file, emit_tree

__all__ = ["register"]


def _variants(args: argparse.Namespace) -> int:
    """``variants TEMPLATE -o DIR (--count N | --roster FILE)``: one problem file, answer key
    (and with ``--handout`` LaTeX sheet) per student, and the solutions."""
    from ..course.files import assignment_files
    from ..course.roster import numbered, read_roster

    if (args.count is None) == (args.roster is None):
        raise UsageError("variants: give exactly one of --count N and --roster FILE.csv")
    if args.figure and not args.handout:
        raise UsageError("variants --figure draws in the handouts: give --handout too")
    students = numbered(args.count) if args.count is not None else read_roster(args.roster)
    files = assignment_files(args.file, students, seed=args.seed, handouts=args.handout,
                             figures=args.figure)
    emit_tree(dict(files), args.output)
    print(f"{len(students)} variants of {args.file} in {args.output.rstrip('/')}/: "
          f"{', '.join(sorted({_kind(p) for p in files}))}")
    return EXIT_OK


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
    >>> args.run.__name__, args.count, args.seed
    ('_variants', 3, None)
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
    p.add_argument("--seed", type=int, default=None, metavar="S",
                   help="the seed of the draws (default: the template's [variants] seed)")
    p.add_argument("--handout", action="store_true",
                   help="also write a LaTeX handout per student and one with every solution")
    p.add_argument("--figure", action="store_true",
                   help="with --handout: under each answer of the solutions, a picture of the "
                        "graph with its paths highlighted (needs the LaTeX package tikz)")
    p.set_defaults(run=_variants, output_is_folder=True)
