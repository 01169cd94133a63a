"""``symbackprop explore``."""

from __future__ import annotations

import argparse

from ..calculus.options import DEFAULT_PATH_LIMIT
from .common import EXIT_OK, add_file, emit

__all__ = ["register"]


def _explore(args: argparse.Namespace) -> int:
    from ..explore import explore_page, explore_problem, explore_tensor_page, explore_tensor_problem
    from ..spec.problems import load_problem
    from ..spec.tensor import TensorProblem

    problem = load_problem(args.file)
    if isinstance(problem, TensorProblem):
        tensor = explore_tensor_problem(problem, args.wrt, of=args.of, max_paths=args.max_paths)
        emit(explore_tensor_page(tensor), args.output)
        return EXIT_OK
    exploration = explore_problem(problem, args.wrt, of=args.of, max_paths=args.max_paths)
    emit(explore_page(exploration), args.output)
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``explore`` command to the parser's sub-commands.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> args = parse_with(register, ["explore", "mazur_2_2_2", "-o", "page.html"])
    >>> args.run.__name__, args.wrt, args.output
    ('_explore', None, 'page.html')
    """
    explore_p = commands.add_parser(
        "explore", help="an interactive HTML page: click a weight (or a tensor parameter), its "
                        "paths light up, check an answer (offline, one file)")
    add_file(explore_p)
    explore_p.add_argument("--wrt", metavar="W", default=None,
                           help="the parameter chosen when the page opens (default: the first; "
                                "the page lists them all)")
    explore_p.add_argument("--of", metavar="L", default=None,
                           help="the node to differentiate (default: the loss / graph output)")
    explore_p.add_argument("--max-paths", type=int, default=DEFAULT_PATH_LIMIT, metavar="N",
                           help=f"list paths only up to N (default {DEFAULT_PATH_LIMIT:,}); above "
                                "it the page shows the count and the factored form")
    explore_p.add_argument("-o", "--output", metavar="OUT", required=True,
                           help="the page to write (OUT.html; '-' writes it to stdout)")
    explore_p.set_defaults(run=_explore)
