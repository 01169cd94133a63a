"""``symbackprop paths``."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, add_file, add_wrt, emit, formats
from .tensor import add_tensor_options, entry_view, load_either, paths_tensor

__all__ = ["register"]


def _paths(args: argparse.Namespace) -> int:
    from ..calculus.derivation import derive
    from ..calculus.options import STREAM_LIMIT
    from ..calculus.paths import check_listing, count_paths
    from ..calculus.streaming import iter_path_terms, longest_path_text
    from ..render import paths_data, paths_text
    from ..render.jsontext import json_lines, to_json
    from ..spec.tensor import TensorProblem

    problem = load_either(args)
    if isinstance(problem, TensorProblem):  # the tensor view, or one entry's scalar view
        entry = entry_view(args, problem)
        if entry is None:
            return paths_tensor(args, problem)
        problem = entry
    graph, values = problem.graph, problem.numeric_values
    count = count_paths(graph, args.wrt, args.of)
    if count <= args.max_paths:  # derive every term: the usual listing
        derivation = derive(graph, args.wrt, args.of, values=values, max_paths=args.max_paths)
        emit(json_lines(paths_data(derivation)) if args.format == "json"
             else paths_text(derivation), args.output)
        return EXIT_OK
    from ..calculus.sweep import gradients
    from ..render import streamed

    of = graph.output if args.of is None else args.of
    limit = STREAM_LIMIT if args.stream_limit is None else args.stream_limit
    if count > limit:  # too many to list: the count and the factored (adjoint) form
        grads = gradients(graph, of, values, wrt=[args.wrt])
        if args.format == "json":
            text = to_json(streamed.factored_paths_data(grads, wrt=args.wrt, count=count))
        else:
            text = streamed.factored_paths_text(grads, wrt=args.wrt, count=count, limit=limit)
        emit(text, args.output)
        return EXIT_OK
    check_listing(count, args.wrt, of)
    terms = iter_path_terms(graph, args.wrt, of, values=values)
    if args.format == "json":  # written as the paths are walked: memory flat in their count
        data = streamed.streamed_paths_data(terms, of=of, wrt=args.wrt, count=count)
        emit(json_lines(data), args.output)
        return EXIT_OK
    width = longest_path_text(graph, args.wrt, of)
    emit(streamed.streamed_paths_lines(terms, of=of, wrt=args.wrt, count=count, width=width),
          args.output)
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``paths`` command to the parser's sub-commands.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> parse_with(register, ["paths", "mazur_2_2_2", "--wrt", "w5"]).run.__name__
    '_paths'
    """
    paths_p = commands.add_parser("paths", help="the paths from W to L, with factors and values")
    add_file(paths_p)
    add_wrt(paths_p)
    paths_p.add_argument("--format", default="text", type=formats(("text", "json")))
    paths_p.add_argument("--stream-limit", type=int, default=None, metavar="N",
                         help="past --max-paths, stream the listing up to N paths (default "
                              "200,000); past N show the count and the factored form")
    add_tensor_options(paths_p)
    paths_p.add_argument("-o", "--output", metavar="OUT")
    paths_p.set_defaults(run=_paths)
