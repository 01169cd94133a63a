"""``symbackprop export moodle``."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, emit
from .export_banks import add_bank_options, bank_students

__all__ = ["register"]


def _export(args: argparse.Namespace) -> int:
    """``export moodle TEMPLATE -o bank.xml``: a Moodle XML question bank."""
    from ..course.moodle import moodle_xml

    students = bank_students(args)
    emit(moodle_xml(args.file, students, seed=args.seed, per_variant=args.per_variant),
         args.output)
    kind = ("a numerical question a variant" if args.per_variant
            else "a calculated question with a dataset item a variant")
    print(f"Moodle XML question bank of {len(students)} variants of {args.file} in "
          f"{args.output}: {kind}")
    return EXIT_OK


def register(targets: argparse._SubParsersAction) -> None:
    """Add the ``moodle`` target to ``export``'s sub-commands.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> args = parse_with(register, ["moodle", "t.toml", "-o", "bank.xml", "--count", "5"])
    >>> args.run.__name__, args.count, args.per_variant
    ('_export', 5, False)
    """
    p = targets.add_parser("moodle", help="a Moodle XML question bank of a template's variants")
    add_bank_options(p, "the Moodle XML file to write (Question bank > Import > Moodle XML "
                        "format)")
    p.set_defaults(run=_export)
