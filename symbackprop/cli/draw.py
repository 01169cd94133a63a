"""``symbackprop draw``."""

from __future__ import annotations

import argparse
from pathlib import Path as FilePath
from typing import TYPE_CHECKING

from ..errors import UsageError
from .common import EXIT_OK, add_file, add_wrt, emit, formats

if TYPE_CHECKING:
    from ..spec.tensor import TensorProblem

__all__ = ["register"]


def _draw(args: argparse.Namespace) -> int:
    from ..calculus.derivation import derive
    from ..draw.figure import FORMATS, render

    fmt = args.format or FilePath(args.output).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UsageError(f"{args.output}: cannot tell the picture format from the extension; "
                         f"allowed: .{', .'.join(FORMATS)} (or say --format)")
    if args.output == "-" and fmt not in ("tex", "dot"):
        raise UsageError(f"{fmt} is binary: write it to a file with -o OUT.{fmt} (only tex and "
                         "dot go to stdout)")
    from ..spec.problems import load_problem
    from ..spec.tensor import TensorProblem

    problem = load_problem(args.file, expand=True if args.expand else None)
    if isinstance(problem, TensorProblem):
        return _draw_tensor(args, problem, fmt)
    if args.expand:
        raise UsageError(f"--expand: {args.file} is a scalar problem; only a tensor problem "
                         "([tensor]) has composite layers")
    derivation = derive(problem.graph, args.wrt, args.of, values=problem.numeric_values,
                        max_paths=args.max_paths)
    picture = render(derivation, fmt, title=problem.title or None,
                     edge_labels=args.edge_labels, before_surgery=args.before_surgery,
                     parameters=args.parameters)
    emit(picture, args.output)
    return EXIT_OK


def _draw_tensor(args: argparse.Namespace, problem: TensorProblem, fmt: str) -> int:
    """``draw`` on a tensor problem: the tensor graph, each path from ``--wrt`` in its colour."""
    from ..calculus.derivation import derive
    from ..draw.figure import render_scene
    from ..draw.tensor_scene import tensor_scene

    given = [flag for flag, on in (("--before-surgery", args.before_surgery),
                                   ("--edge-labels", args.edge_labels is not None),
                                   ("--parameters", args.parameters != "all")) if on]
    if given:
        raise UsageError(f"draw {' '.join(given)}: a scalar problem's option; {args.file} is a "
                         "tensor problem")
    derivation = derive(problem.graph, args.wrt, args.of, values=problem.values,
                        max_paths=args.max_paths)
    emit(render_scene(tensor_scene(derivation), fmt, title=problem.title or None), args.output)
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``draw`` command to the parser's sub-commands.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> args = parse_with(register, ["draw", "mazur_2_2_2", "--wrt", "w5", "-o", "w5.svg"])
    >>> args.run.__name__
    '_draw'
    """
    draw_p = commands.add_parser(
        "draw", help="the graph with its weight nodes, every path from W to L in its own colour")
    add_file(draw_p)
    add_wrt(draw_p)
    draw_p.add_argument("-o", "--output", metavar="OUT", required=True,
                        help="OUT.png, .svg, .pdf (need the draw extra), .tex (TikZ) or .dot "
                             "(Graphviz); '-' writes tex or dot to stdout")
    draw_p.add_argument("--format", default=None,
                        type=formats(("png", "svg", "pdf", "tex", "dot")),
                        help="png, svg, pdf, tex or dot (default: from OUT's extension)")
    draw_p.add_argument("--before-surgery", action="store_true",
                        help="draw the usual network picture instead: weights on the edges")
    draw_p.add_argument("--edge-labels", default=None, type=formats(("formula", "value")),
                        help="label each edge on a path with its local partial: formula or value")
    draw_p.add_argument("--parameters", default="all", type=formats(("all", "wrt")),
                        help="all (default) or wrt: draw only W's node, the other weights "
                             "folded into their neurons")
    draw_p.add_argument("--expand", action="store_true",
                        help="a tensor problem: draw composite layers (batch_norm, layer_norm) "
                             "as their primitives")
    draw_p.set_defaults(run=_draw)
