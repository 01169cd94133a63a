"""``symbackprop export toml FILE [-o OUT]``: any problem file, normalised to TOML."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, add_file, emit, load_scalar

__all__ = ["register"]


def _export_toml(args: argparse.Namespace) -> int:
    emit(load_scalar(args.file, "export toml").to_toml(), args.output)
    return EXIT_OK


def register(targets: argparse._SubParsersAction) -> None:
    """Add the ``toml`` target to the ``export`` command's sub-commands.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> args = parse_with(register, ["toml", "branching_graph", "-o", "out.toml"])
    >>> args.file, args.output, args.run.__name__
    ('branching_graph', 'out.toml', '_export_toml')
    """
    toml_p = targets.add_parser(
        "toml", help="write a problem file (TOML, YAML, JSON or a bundled example) as TOML")
    add_file(toml_p)
    toml_p.add_argument("-o", "--output", metavar="OUT",
                        help="the TOML file to write (default: standard output)")
    toml_p.set_defaults(run=_export_toml)
