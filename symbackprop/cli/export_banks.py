"""What ``export moodle`` and ``export canvas`` share: their options and the students."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..errors import UsageError
from .common import add_file, seed

if TYPE_CHECKING:
    from ..course.roster import Student

__all__ = ["DEFAULT_COUNT", "add_bank_options", "bank_students"]

DEFAULT_COUNT = 20
"""How many variants a bank holds when neither ``--count`` nor ``--roster`` says."""


def add_bank_options(parser: argparse.ArgumentParser, output: str) -> None:
    """Add ``FILE``, ``-o OUT`` (required), ``--count N``, ``--roster FILE``, ``--seed S``
    and ``--per-variant``.

    Examples
    --------
    >>> from symbackprop.cli.common import Parser
    >>> parser = Parser()
    >>> add_bank_options(parser, "the file to write")
    >>> args = parser.parse_args(["t.toml", "-o", "bank.xml", "--per-variant"])
    >>> args.count, args.roster, args.seed, args.per_variant
    (None, None, None, True)
    """
    add_file(parser)
    parser.add_argument("-o", "--output", metavar="OUT", required=True, help=output)
    parser.add_argument("--count", type=int, default=None, metavar="N",
                        help=f"N variants, those of students s01, s02, ... (default "
                             f"{DEFAULT_COUNT})")
    parser.add_argument("--roster", default=None, metavar="FILE.csv",
                        help="the variants of a roster's students (as symbackprop variants "
                             "--roster draws them)")
    parser.add_argument("--seed", type=seed, default=None, metavar="S",
                        help="the seed of the draws (default: the template's [variants] seed)")
    parser.add_argument("--per-variant", action="store_true",
                        help="one numerical question a variant, the common mistakes' values "
                             "with their feedback, instead of one calculated question")


def bank_students(args: argparse.Namespace) -> tuple[Student, ...]:
    """The students whose variants go into the bank: ``--roster``'s, else ``--count``'s
    (numbered as ``symbackprop variants --count`` numbers them).

    Examples
    --------
    >>> bank_students(argparse.Namespace(count=2, roster=None))
    (Student('s01'), Student('s02'))
    """
    from ..course.roster import numbered, read_roster

    if args.count is not None and args.roster is not None:
        raise UsageError(f"export {args.target}: give --count N or --roster FILE.csv, not both")
    if args.roster is not None:
        return read_roster(args.roster)
    return numbered(DEFAULT_COUNT if args.count is None else args.count)
