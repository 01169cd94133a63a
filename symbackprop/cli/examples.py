"""``symbackprop examples``."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, emit, formats

__all__ = ["register"]


def _examples(args: argparse.Namespace) -> int:
    from ..render.data import examples_data
    from ..render.jsontext import to_json
    from ..spec.problems import bundled_examples

    examples = bundled_examples()
    if args.format == "json":
        emit(to_json(examples_data(examples)), None)
        return EXIT_OK
    width = max(map(len, examples))
    emit("\n".join(f"{name:<{width}}  {title}" for name, title in examples.items()), None)
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``examples`` command to the parser's sub-commands.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> parse_with(register, ["examples"]).run.__name__
    '_examples'
    """
    examples_p = commands.add_parser("examples", help="list the bundled example problems")
    examples_p.add_argument("--format", default="text", type=formats(("text", "json")))
    examples_p.set_defaults(run=_examples)
