"""``derive`` and ``paths`` on a tensor problem ([tensor]): the options only a tensor problem
takes (``--expand``, ``--full``), loading a problem of either level, and the two commands'
tensor-level outputs (text, LaTeX, Markdown, JSON; ``--wrt all`` from one reverse sweep)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..errors import UsageError
from .common import EXIT_OK, emit

if TYPE_CHECKING:
    from ..spec.problems import Problem
    from ..spec.tensor import TensorProblem

__all__ = ["add_tensor_options", "derive_tensor", "entry_view", "load_either", "paths_tensor"]


def add_tensor_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--expand`` and ``--full``, a tensor problem's options.

    Examples
    --------
    >>> from symbackprop.cli.common import Parser
    >>> parser = Parser()
    >>> add_tensor_options(parser)
    >>> args = parser.parse_args(["--expand"])
    >>> args.expand, args.full
    (True, False)
    """
    parser.add_argument("--expand", action="store_true",
                        help="a tensor problem: write composite layers (batch_norm, layer_norm) "
                             "as their primitives, as the file's [tensor] expand = true does")
    parser.add_argument("--full", action="store_true",
                        help="a tensor problem: print every entry of every matrix (by default a "
                             "tensor past 6 rows or columns prints its corners, shape, norm and "
                             "largest entry; JSON so summarises every value but the gradient)")


def load_either(args: argparse.Namespace) -> Problem | TensorProblem:
    """The problem ``args.file`` names, of either level; ``--expand`` and ``--full`` are
    refused on a scalar problem (exit status 2).

    Examples
    --------
    >>> args = argparse.Namespace(file="tensor_layernorm", expand=True, full=False)
    >>> load_either(args).graph
    TensorGraph(12 nodes, 13 edges, output='L')
    >>> load_either(argparse.Namespace(file="branching_graph", expand=True, full=False))
    Traceback (most recent call last):
    ...
    symbackprop.errors.UsageError: --expand: branching_graph is a scalar problem; only a tensor \
problem ([tensor]) has composite layers and matrices
    """
    from ..spec.problems import load_problem
    from ..spec.tensor import TensorProblem

    problem = load_problem(args.file, expand=True if args.expand else None)
    if not isinstance(problem, TensorProblem):
        for option in ("expand", "full"):
            if getattr(args, option, False):
                raise UsageError(f"--{option}: {args.file} is a scalar problem; only a tensor "
                                 "problem ([tensor]) has composite layers and matrices")
    return problem


def entry_view(args: argparse.Namespace, problem: TensorProblem) -> Problem | None:
    """The scalar view of one entry: when ``--wrt`` (or ``--of``) names an entry of a tensor,
    ``W1[2,3]`` (0-based, numpy's order; spaces after the commas allowed), the problem lowered
    to scalars (:func:`symbackprop.spec.lowered.lowered_problem`, refused above its limits)
    with the names as the lowered graph spells them written back into ``args``; else ``None``
    (the tensor view).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> args = argparse.Namespace(wrt="W1[2, 3]", of=None)
    >>> entry_view(args, load_problem("tensor_mlp")).graph.node(args.wrt)
    Node('W1[2,3]', parameter)
    >>> entry_view(argparse.Namespace(wrt="W1", of=None), load_problem("tensor_mlp")) is None
    True
    """
    from ..naming import entry_name, split_entry_name
    from ..spec.lowered import lowered_problem

    named = {option: split_entry_name(value) for option in ("wrt", "of")
             if isinstance(value := getattr(args, option, None), str)}
    if not any(named.values()):
        return None
    lowered = lowered_problem(problem)
    for option, entry in named.items():
        if entry is not None:
            setattr(args, option, entry_name(*entry))
    return lowered


def _refuse(args: argparse.Namespace, command: str) -> None:
    """The scalar-only options of ``command``, refused on a tensor problem."""
    given = [flag for flag, on in (("--matrix", getattr(args, "matrix", False)),
                                   ("--figure", getattr(args, "figure", False)),
                                   ("--simplify", getattr(args, "simplify", "textbook")
                                    != "textbook"),
                                   ("--stream-limit", getattr(args, "stream_limit", None)
                                    is not None))
             if on]
    if given:
        raise UsageError(f"{command} {' '.join(given)}: a scalar problem's option; "
                         f"{args.file} is a tensor problem")


def _derive_all(args: argparse.Namespace, problem: TensorProblem) -> int:
    from ..calculus.tensor_sweep import tensor_gradients
    from ..render.jsontext import to_json
    from ..render.tensor_data import tensor_gradients_data
    from ..render.tensor_text import tensor_gradients_text

    grads = tensor_gradients(problem.graph, problem.values, of=args.of)
    if args.format == "json":
        text = to_json(tensor_gradients_data(grads, full=args.full))
    elif args.format == "text":
        text = tensor_gradients_text(grads, title=problem.title, full=args.full)
    else:
        raise UsageError(f"derive --wrt all writes text or json, not {args.format}")
    emit(text, args.output)
    return EXIT_OK


def derive_tensor(args: argparse.Namespace, problem: TensorProblem) -> int:
    """``derive`` on a tensor problem: the tensor-level page (text, LaTeX, Markdown) or its
    data (JSON), with one step of gradient descent given the file's learning rate; ``--wrt
    all``: every parameter's gradient from one sweep.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> from symbackprop.cli.derive import register
    >>> from symbackprop.spec import load_problem
    >>> args = parse_with(register, ["derive", "tensor_mlp", "--wrt", "b2"])
    >>> derive_tensor(args, load_problem("tensor_mlp"))  # doctest: +ELLIPSIS
    ∂L/∂b2  —  A two-layer MLP on a mini-batch, softmax cross-entropy
    ...
    0
    """
    _refuse(args, "derive")
    if args.wrt == "all" and "all" not in problem.graph:
        return _derive_all(args, problem)
    from ..calculus.derivation import derive
    from ..render.jsontext import to_json

    derivation = derive(problem.graph, args.wrt, args.of, values=problem.values,
                        max_paths=args.max_paths)
    rate = problem.learning_rate
    if args.format == "json":
        from ..render.tensor_data import tensor_derivation_data

        text = to_json(tensor_derivation_data(derivation, rate, full=args.full))
    elif args.format == "latex":
        from ..render.latex import derivation_latex, latex_document

        body = derivation_latex(derivation, learning_rate=rate, full=args.full,
                                title="" if args.standalone else problem.title)
        text = latex_document(body, title=problem.title or f"d{derivation.of}/d{derivation.wrt}",
                              source=problem.source) if args.standalone else body
    elif args.format == "markdown":
        from ..render.markdown import derivation_markdown

        text = derivation_markdown(derivation, learning_rate=rate, title=problem.title,
                                   source=problem.source, full=args.full)
    else:
        from ..render.text import derivation_text

        text = derivation_text(derivation, learning_rate=rate, title=problem.title,
                               full=args.full)
    emit(text, args.output)
    return EXIT_OK


def paths_tensor(args: argparse.Namespace, problem: TensorProblem) -> int:
    """``paths`` on a tensor problem: each path with its nodes' shapes and its chain of VJPs
    with the operands' shapes, and the gradient (text or JSON).

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> from symbackprop.cli.paths import register
    >>> from symbackprop.spec import load_problem
    >>> args = parse_with(register, ["paths", "tensor_mlp", "--wrt", "W2"])
    >>> paths_tensor(args, load_problem("tensor_mlp"))  # doctest: +ELLIPSIS
    1 path from W2 to L
    ...
    0
    """
    _refuse(args, "paths")
    from ..calculus.derivation import derive
    from ..render.jsontext import to_json
    from ..render.tensor_data import tensor_paths_data
    from ..render.tensor_page import tensor_page_model
    from ..render.tensor_text import tensor_paths_text

    derivation = derive(problem.graph, args.wrt, args.of, values=problem.values,
                        max_paths=args.max_paths)
    if args.format == "json":
        text = to_json(tensor_paths_data(derivation, full=args.full))
    else:
        text = tensor_paths_text(tensor_page_model(derivation, full=args.full))
    emit(text, args.output)
    return EXIT_OK
