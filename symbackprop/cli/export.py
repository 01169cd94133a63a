"""``symbackprop export TARGET``: a problem or its course material in another format.

Each target is a module of its own with ``register(targets)`` adding its sub-parser.
"""

from __future__ import annotations

import argparse

from . import export_prairielearn
from .common import Parser

__all__ = ["TARGETS", "register"]

#: The export targets, in the order ``export --help`` lists them.
TARGETS = (export_prairielearn,)


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``export`` command, and each of :data:`TARGETS` under it.

    Examples
    --------
    >>> import argparse
    >>> commands = argparse.ArgumentParser().add_subparsers()
    >>> register(commands)
    >>> sorted(commands.choices["export"]._subparsers._group_actions[0].choices)
    ['prairielearn']
    """
    p = commands.add_parser("export",
                            help="write a problem or its course material in another format")
    targets = p.add_subparsers(dest="target", metavar="TARGET", parser_class=Parser,
                               required=True)
    for target in TARGETS:
        target.register(targets)
