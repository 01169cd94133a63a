"""``symbackprop export TARGET ...``: a problem, or its course material, in another format.

Each target is a module with ``register(targets)`` that adds its own sub-parser
(:mod:`~symbackprop.cli.export_toml` for ``export toml``,
:mod:`~symbackprop.cli.export_prairielearn` for ``export prairielearn``,
:mod:`~symbackprop.cli.export_moodle` and :mod:`~symbackprop.cli.export_canvas` for the question
banks of ``export moodle`` and ``export canvas``, whose options are in
:mod:`~symbackprop.cli.export_banks`).
"""

from __future__ import annotations

import argparse

from . import export_canvas, export_moodle, export_prairielearn, export_toml
from .common import Parser

__all__ = ["TARGETS", "register"]

#: The export targets, in the order ``export --help`` lists them.
TARGETS = (export_toml, export_prairielearn, export_moodle, export_canvas)


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``export`` command, with one sub-command a target, to the parser's sub-commands.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> args = parse_with(register, ["export", "toml", "mazur_2_2_2"])
    >>> args.target, args.run.__name__
    ('toml', '_export_toml')
    """
    p = commands.add_parser(
        "export", help="write a problem or its course material in another format")
    targets = p.add_subparsers(
        dest="target", metavar="TARGET", parser_class=Parser, required=True)
    for target in TARGETS:
        target.register(targets)
