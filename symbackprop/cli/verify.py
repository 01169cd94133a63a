"""``symbackprop verify``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .common import EXIT_FAILED, EXIT_OK, RANDOM_SEED, add_file, emit, formats

if TYPE_CHECKING:
    from ..spec.tensor import TensorProblem

__all__ = ["register"]


def _verify(args: argparse.Namespace) -> int:
    from ..numeric.oracles import composed_skip, gradient_check, values_to_check
    from ..render.jsontext import to_json
    from ..render.verify import verify_data, verify_text
    from ..spec.problems import load_problem, scalar_problem
    from ..spec.tensor import TensorProblem

    loaded = load_problem(args.file)
    if isinstance(loaded, TensorProblem):
        return _verify_tensor(args, loaded)
    problem = scalar_problem(loaded, "verify")
    values, randomised = values_to_check(problem.graph, problem.values, seed=RANDOM_SEED)
    names = problem.network.parameter_names() if problem.network else problem.graph.parameters
    if not names:  # a graph with no parameters: check every input instead
        names = problem.graph.kind_of("input")
    # the sympy.diff oracle within its budget (the others run whatever its cost)
    skipped = None if args.no_composed else composed_skip(problem.graph, names)
    checks = gradient_check(problem.graph, values, network=problem.network, wrt=names,
                            composed=not args.no_composed and skipped is None)
    if args.format == "json":
        emit(to_json(verify_data(problem.path, checks, randomised, skipped)), args.output)
    else:
        emit(verify_text(problem.title or problem.path, checks, randomised, skipped),
             args.output)
    return EXIT_OK if all(c.agrees for c in checks) else EXIT_FAILED


def _verify_tensor(args: argparse.Namespace, problem: TensorProblem) -> int:
    """Every parameter of a tensor problem against the lowered scalar engine, torch autograd
    and finite differences (:func:`~symbackprop.numeric.tensor_oracles.tensor_gradient_check`)."""
    from ..numeric.tensor_oracles import tensor_gradient_check, tensor_values_to_check
    from ..render.jsontext import to_json
    from ..render.tensor_verify import tensor_verify_data, tensor_verify_text

    graph = problem.graph
    values, randomised = tensor_values_to_check(graph, problem.values, seed=RANDOM_SEED)
    names = graph.parameters or [n for n in graph.kind_of("input") if graph.node(n).dtype != "int"]
    checks = tensor_gradient_check(graph, values, wrt=names, lowering=not args.no_lowering,
                                   where=problem.path or "", seed=RANDOM_SEED)
    if args.format == "json":
        emit(to_json(tensor_verify_data(problem.path, checks, randomised)), args.output)
    else:
        emit(tensor_verify_text(problem.title or problem.path, checks, randomised), args.output)
    return EXIT_OK if all(c.agrees for c in checks) else EXIT_FAILED


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``verify`` command to the parser's sub-commands.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> parse_with(register, ["verify", "mazur_2_2_2"]).run.__name__
    '_verify'
    """
    verify_p = commands.add_parser(
        "verify", help="path sums vs sympy.diff vs numerical backprop vs finite differences")
    add_file(verify_p)
    verify_p.add_argument("--format", default="text", type=formats(("text", "json")))
    verify_p.add_argument("--no-composed", action="store_true",
                          help="skip sympy.diff of the composed loss (slow for deep networks)")
    verify_p.add_argument("--no-lowering", action="store_true",
                          help="tensor problems: skip the scalar engine on the lowered graph "
                               "(the slowest oracle)")
    verify_p.add_argument("-o", "--output", metavar="OUT")
    verify_p.set_defaults(run=_verify)
