"""``symbackprop derive``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..calculus.options import EXPRESSION_LIMIT, STRATEGIES
from ..errors import UsageError
from .common import EXIT_OK, add_file, add_wrt, emit, formats
from .tensor import add_tensor_options, derive_tensor, entry_view, load_either

if TYPE_CHECKING:
    from ..spec.problems import Problem

__all__ = ["register"]


def _derive_all(args: argparse.Namespace, problem: Problem) -> int:
    """``derive --wrt all``: every parameter's gradient from one reverse sweep."""
    from ..calculus.sweep import gradients
    from ..render.gradients import gradients_data, gradients_text
    from ..render.jsontext import json_lines

    wrt = problem.network.parameter_names() if problem.network is not None else None
    grads = gradients(problem.graph, args.of, problem.numeric_values, wrt=wrt)
    text: str | Iterator[str]
    if args.format == "json":
        text = json_lines(gradients_data(grads))
    elif args.format == "text":
        text = gradients_text(grads, title=problem.title)
    else:
        raise UsageError(f"derive --wrt all writes text or json, not {args.format}")
    emit(text, args.output)
    return EXIT_OK


def _derive(args: argparse.Namespace) -> int:
    from ..calculus.derivation import derive
    from ..render import derivation_data, derivation_text
    from ..render.jsontext import json_lines
    from ..spec.tensor import TensorProblem

    problem = load_either(args)
    if isinstance(problem, TensorProblem):  # the tensor view, or one entry's scalar view
        entry = entry_view(args, problem)
        if entry is None:
            return derive_tensor(args, problem)
        problem = entry
    if args.wrt == "all" and "all" not in problem.graph:
        return _derive_all(args, problem)
    derivation = derive(problem.graph, args.wrt, args.of, values=problem.numeric_values,
                        max_paths=args.max_paths)
    matrix = None
    if args.matrix:
        from ..numeric.matrix import matrix_form

        if problem.network is None:
            raise UsageError("derive --matrix: the matrix form needs a layered network "
                             "([network] in the problem file)")
        matrix = matrix_form(problem.network, derivation)
    # the update w+ = w - eta dL/dw, shown for a parameter's gradient of the loss (Derivation.step)
    rate = problem.learning_rate
    options = {"strategy": args.simplify, "learning_rate": rate, "matrix": matrix,
               "max_terms": args.max_terms}
    text: str | Iterator[str]
    if args.format == "json":  # written as it is made: a listing of every path, however long
        text = json_lines(derivation_data(derivation, args.simplify, rate, matrix,
                                          args.max_terms))
    elif args.format == "latex":
        text = _derive_latex(args, problem, derivation, options)
    elif args.format == "markdown":
        from ..render.markdown import derivation_markdown

        text = derivation_markdown(derivation, title=problem.title, source=problem.source,
                                   **options)
    else:
        text = derivation_text(derivation, title=problem.title, **options)
    emit(text, args.output)
    return EXIT_OK


def _derive_latex(args: argparse.Namespace, problem: Problem, derivation: Any,
                  options: dict[str, Any]) -> str:
    """``derive --format latex``: a body to include, or with ``--standalone`` a .tex file."""
    from ..render.latex import derivation_latex, latex_document

    if not args.standalone:
        return derivation_latex(derivation, title=problem.title, **options)
    figure = ""
    if args.figure:
        from ..draw.tikz import tikz_picture

        figure = tikz_picture(derivation)
    title = problem.title or f"d{derivation.of}/d{derivation.wrt}"
    return latex_document(derivation_latex(derivation, **options), title=title,
                          source=problem.source, figure=figure,
                          packages=("tikz",) if figure else ())


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``derive`` command to the parser's sub-commands.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> parse_with(register, ["derive", "mazur_2_2_2", "--wrt", "w5"]).run.__name__
    '_derive'
    """
    derive_p = commands.add_parser("derive", help="the step-by-step derivation of dL/dW")
    add_file(derive_p)
    add_wrt(derive_p)
    derive_p.add_argument("--format", default="text",
                          type=formats(("text", "latex", "markdown", "json")),
                          help="text (default), latex, markdown or json")
    derive_p.add_argument("--simplify", default="textbook", type=formats(STRATEGIES),
                          help=f"simplification strategy: {', '.join(STRATEGIES)}")
    derive_p.add_argument("--max-terms", type=int, default=EXPRESSION_LIMIT, metavar="N",
                          help=f"write the sum over paths, its simplified forms and the leaves-"
                               f"only form only up to N paths (default {EXPRESSION_LIMIT:,}); "
                               "above it a line says they are left out")
    derive_p.add_argument("--matrix", action="store_true",
                          help="add the vectorised (matrix) form of the recursion, with numbers "
                               "(layered networks)")
    derive_p.add_argument("--standalone", action="store_true",
                          help="with --format latex: a complete .tex file for pdflatex")
    derive_p.add_argument("--figure", action="store_true",
                          help="with --format latex --standalone: include a picture of the "
                               "graph with every path highlighted (needs the LaTeX package "
                               "tikz)")
    add_tensor_options(derive_p)
    derive_p.add_argument("-o", "--output", metavar="OUT", help="write to OUT, not stdout")
    derive_p.set_defaults(run=_derive)
