"""``symbackprop export canvas``."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, emit
from .export_banks import add_bank_options, bank_students

__all__ = ["register"]


def _export(args: argparse.Namespace) -> int:
    """``export canvas TEMPLATE -o bank.zip``: a Canvas QTI package (zip)."""
    from ..course.qti import canvas_files, canvas_zip

    students = bank_students(args)
    files = canvas_files(args.file, students, seed=args.seed, per_variant=args.per_variant)
    emit(canvas_zip(files), args.output)
    kind = ("a numerical question a variant" if args.per_variant
            else "a calculated question with a variable set a variant")
    print(f"Canvas QTI package of {len(students)} variants of {args.file} in {args.output}: "
          f"{kind} ({', '.join(files)})")
    return EXIT_OK


def register(targets: argparse._SubParsersAction) -> None:
    """Add the ``canvas`` target to ``export``'s sub-commands.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> args = parse_with(register, ["canvas", "t.toml", "-o", "bank.zip", "--seed", "3"])
    >>> args.run.__name__, args.seed, args.count
    ('_export', 3, None)
    """
    p = targets.add_parser("canvas",
                           help="a Canvas QTI package (zip) of a template's variants")
    add_bank_options(p, "the zip to write (Settings > Import course content > QTI .zip file)")
    p.set_defaults(run=_export)
