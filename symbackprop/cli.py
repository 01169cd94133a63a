"""The command line: ``symbackprop COMMAND FILE ...`` (docs/reference/cli.md).

This is the only module that prints.  Exit status: 0 success, 1 a check found an incorrect
claim or a verification failed, 2 bad input (a message on stderr names the file, key, node or
formula and what is allowed; no traceback unless ``--debug``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path as FilePath
from typing import Any

from ._version import __version__
from .calculus.derivation import derive
from .calculus.paths import DEFAULT_PATH_LIMIT
from .calculus.simplify import STRATEGIES
from .errors import SymbackpropError, UsageError
from .numeric.oracles import gradient_check, values_to_check
from .render import derivation_data, derivation_text, paths_data, paths_text
from .render.data import examples_data
from .render.jsontext import to_json
from .spec.problems import Problem, bundled_examples, load_problem

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
RANDOM_SEED = 20_261_122


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors raised as :class:`UsageError` (exit status 2)."""

    def error(self, message: str) -> Any:
        raise UsageError(f"{self.prog}: {message}")


def _formats(allowed: Sequence[str]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in allowed:
            raise argparse.ArgumentTypeError(
                f"unknown format {value!r}; allowed: {', '.join(allowed)}")
        return value
    return check


def _emit(text: str | bytes | Iterable[str], output: str | None) -> None:
    """Write a text (newline-ended), a picture's bytes or lines as they come to ``output``."""
    if isinstance(text, str):
        text = text if text.endswith("\n") else text + "\n"
    if output is None or output == "-":
        if isinstance(text, bytes):  # the commands refuse this earlier, naming the format
            raise UsageError("binary output goes to a file: say -o OUT")
        for line in [text] if isinstance(text, str) else (t + "\n" for t in text):
            sys.stdout.write(line)
        return
    try:
        if isinstance(text, bytes):
            FilePath(output).write_bytes(text)
            return
        if isinstance(text, str):
            FilePath(output).write_text(text, encoding="utf-8")
            return
        stream = open(output, "w", encoding="utf-8")  # noqa: SIM115
    except OSError as err:
        raise SymbackpropError(f"{output}: cannot write ({err.strerror})") from None
    with stream:
        for line in text:
            stream.write(line + "\n")


def _add_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE",
                        help="a problem file (.toml, .yaml, .json) or a bundled example's name")


def _add_wrt(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wrt", required=True, metavar="W",
                        help="the node to differentiate with respect to (a weight, any node)")
    parser.add_argument("--of", metavar="L", default=None,
                        help="the node to differentiate (default: the loss / graph output)")
    parser.add_argument("--max-paths", type=int, default=DEFAULT_PATH_LIMIT, metavar="N",
                        help=f"list paths only up to N (default {DEFAULT_PATH_LIMIT:,}); above it "
                             "show the count and the factored form")


# -- commands ---------------------------------------------------------------------------------

def _derive_all(args: argparse.Namespace, problem: Problem) -> int:
    """``derive --wrt all``: every parameter's gradient from one reverse sweep."""
    from .calculus.sweep import gradients
    from .render.gradients import gradients_data, gradients_text

    wrt = problem.network.parameter_names() if problem.network is not None else None
    grads = gradients(problem.graph, args.of, problem.numeric_values, wrt=wrt)
    if args.format == "json":
        text = to_json(gradients_data(grads))
    elif args.format == "text":
        text = gradients_text(grads, title=problem.title)
    else:
        raise UsageError(f"derive --wrt all writes text or json, not {args.format}")
    _emit(text, args.output)
    return EXIT_OK


def _derive(args: argparse.Namespace) -> int:
    problem = load_problem(args.file)
    if args.wrt == "all" and "all" not in problem.graph:
        return _derive_all(args, problem)
    derivation = derive(problem.graph, args.wrt, args.of, values=problem.numeric_values,
                        max_paths=args.max_paths)
    matrix = None
    if args.matrix:
        from .numeric.matrix import matrix_form

        if problem.network is None:
            raise UsageError("derive --matrix: the matrix form needs a layered network "
                             "([network] in the problem file)")
        matrix = matrix_form(problem.network, derivation)
    # An update w+ = w - eta dL/dw is shown only for the gradient of the loss by a parameter.
    updatable = (derivation.of == problem.graph.output
                 and problem.graph.node(derivation.wrt).kind == "parameter")
    rate = problem.learning_rate if updatable else None
    options = {"strategy": args.simplify, "learning_rate": rate, "matrix": matrix}
    if args.format == "json":
        text = to_json(derivation_data(derivation, args.simplify, rate, matrix))
    elif args.format == "latex":
        text = _derive_latex(args, problem, derivation, options)
    elif args.format == "markdown":
        from .render.markdown import derivation_markdown

        text = derivation_markdown(derivation, title=problem.title, source=problem.source,
                                   **options)
    else:
        text = derivation_text(derivation, title=problem.title, **options)
    _emit(text, args.output)
    return EXIT_OK


def _derive_latex(args: argparse.Namespace, problem: Problem, derivation: Any,
                  options: dict[str, Any]) -> str:
    """``derive --format latex``: a body to include, or with ``--standalone`` a .tex file."""
    from .render.latex import derivation_latex, latex_document

    if not args.standalone:
        return derivation_latex(derivation, title=problem.title, **options)
    figure = ""
    if args.figure:
        from .draw.tikz import tikz_picture

        figure = tikz_picture(derivation)
    title = problem.title or f"d{derivation.of}/d{derivation.wrt}"
    return latex_document(derivation_latex(derivation, **options), title=title,
                          source=problem.source, figure=figure,
                          packages=("tikz",) if figure else ())


def _paths(args: argparse.Namespace) -> int:
    from .calculus.paths import count_paths
    from .calculus.streaming import STREAM_LIMIT, iter_path_terms, longest_path_text

    problem = load_problem(args.file)
    graph, values = problem.graph, problem.numeric_values
    count = count_paths(graph, args.wrt, args.of)
    if count <= args.max_paths:  # derive every term: the usual listing
        derivation = derive(graph, args.wrt, args.of, values=values, max_paths=args.max_paths)
        text = to_json(paths_data(derivation)) if args.format == "json" else paths_text(derivation)
        _emit(text, args.output)
        return EXIT_OK
    from .calculus.sweep import gradients
    from .render import streamed

    of = graph.output if args.of is None else args.of
    limit = STREAM_LIMIT if args.stream_limit is None else args.stream_limit
    if count > limit:  # too many to list: the count and the factored (adjoint) form
        grads = gradients(graph, of, values, wrt=[args.wrt])
        if args.format == "json":
            text = to_json(streamed.factored_paths_data(grads, wrt=args.wrt, count=count))
        else:
            text = streamed.factored_paths_text(grads, wrt=args.wrt, count=count, limit=limit)
        _emit(text, args.output)
        return EXIT_OK
    terms = iter_path_terms(graph, args.wrt, of, values=values)
    if args.format == "json":
        data = streamed.streamed_paths_data(terms, of=of, wrt=args.wrt, count=count)
        _emit(to_json(data), args.output)
        return EXIT_OK
    width = longest_path_text(graph, args.wrt, of)
    _emit(streamed.streamed_paths_lines(terms, of=of, wrt=args.wrt, count=count, width=width),
          args.output)
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from .render.verify import verify_data, verify_text

    problem = load_problem(args.file)
    values, randomised = values_to_check(problem.graph, problem.values, seed=RANDOM_SEED)
    names = problem.network.parameter_names() if problem.network else problem.graph.parameters
    if not names:  # a graph with no parameters: check every input instead
        names = problem.graph.kind_of("input")
    checks = gradient_check(problem.graph, values, network=problem.network, wrt=names,
                            composed=not args.no_composed)
    if args.format == "json":
        _emit(to_json(verify_data(problem.path, checks, randomised)), args.output)
    else:
        _emit(verify_text(problem.title or problem.path, checks, randomised), args.output)
    return EXIT_OK if all(c.agrees for c in checks) else EXIT_FAILED


def _check(args: argparse.Namespace) -> int:
    """``check FILE|DIR ...``: verdicts and diagnoses for every claim (docs/checking.md).

    Exit status: 0 every claim of every file correct; 2 nothing could be checked (bad
    arguments, or every file is bad input or has only claims that cannot be judged: for one
    file: "bad input"); 1 otherwise (an incorrect claim, or, among several files, a file
    that is bad input: it is reported as an error row and the other files are still checked).
    """
    import os

    from .check import report as reports
    from .check.batch import check_sources, collect_sources

    sources = collect_sources(args.files)
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    checks = check_sources(sources, jobs)
    if len(sources) == 1 and args.files[0] == sources[0]:
        report = checks[0].report
        if report is None:
            raise SymbackpropError(checks[0].error)
        text = (to_json(reports.check_data(report)) if args.format == "json" else
                reports.check_markdown(report) if args.format == "markdown" else
                reports.check_text(report))
    else:
        text = (to_json(reports.batch_data(checks)) if args.format == "json" else
                reports.batch_markdown(checks) if args.format == "markdown" else
                reports.batch_text(checks))
    _emit(text, args.output)
    if all(c.status == "correct" for c in checks):
        return EXIT_OK
    nothing_judged = all(c.report is None or c.report.errors == len(c.report.results)
                         for c in checks)
    return EXIT_BAD_INPUT if nothing_judged else EXIT_FAILED


def _draw(args: argparse.Namespace) -> int:
    from .draw.figure import FORMATS, render

    fmt = args.format or FilePath(args.output).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UsageError(f"{args.output}: cannot tell the picture format from the extension; "
                         f"allowed: .{', .'.join(FORMATS)} (or say --format)")
    if args.output == "-" and fmt not in ("tex", "dot"):
        raise UsageError(f"{fmt} is binary: write it to a file with -o OUT.{fmt} (only tex and "
                         "dot go to stdout)")
    problem = load_problem(args.file)
    derivation = derive(problem.graph, args.wrt, args.of, values=problem.numeric_values,
                        max_paths=args.max_paths)
    picture = render(derivation, fmt, title=problem.title or None,
                     edge_labels=args.edge_labels, before_surgery=args.before_surgery,
                     parameters=args.parameters)
    _emit(picture, args.output)
    return EXIT_OK


def _codegen(args: argparse.Namespace) -> int:
    """``codegen``: the source of a numeric gradient function (docs/reference/cli.md)."""
    from .codegen.gradient import generate

    problem = load_problem(args.file)
    wrt = [w for group in args.wrt or () for w in group.split(",") if w]
    everything = not wrt or (wrt == ["all"] and "all" not in problem.graph)
    code = generate(problem, None if everything else wrt, args.target, name=args.name)
    if code.header is None:
        _emit(code.source, args.output)
    elif args.output in (None, "-"):
        _emit(f"/* ---- {code.name}.h ---- */\n{code.header}\n/* ---- {code.name}.c ---- */\n"
              f"{code.source}", None)
    else:  # OUT.c and the header OUT.h beside it
        source = FilePath(args.output)
        header = source.with_suffix(".h")
        _emit(code.source.replace(f'#include "{code.name}.h"', f'#include "{header.name}"'),
              str(source))
        _emit(code.header, str(header))
    return EXIT_OK


def _examples(args: argparse.Namespace) -> int:
    examples = bundled_examples()
    if args.format == "json":
        _emit(to_json(examples_data(examples)), None)
        return EXIT_OK
    width = max(map(len, examples))
    _emit("\n".join(f"{name:<{width}}  {title}" for name, title in examples.items()), None)
    return EXIT_OK


# -- the parser -------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``symbackprop`` command.

    Examples
    --------
    >>> args = build_parser().parse_args(["paths", "branching_graph", "--wrt", "b"])
    >>> args.command, args.file, args.wrt
    ('paths', 'branching_graph', 'b')
    """
    parser = _Parser(prog="symbackprop",
                     description="Derive backpropagation symbolically and show the work.")
    parser.add_argument("--version", action="version", version=f"symbackprop {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    derive_p = commands.add_parser("derive", help="the step-by-step derivation of dL/dW")
    _add_file(derive_p)
    _add_wrt(derive_p)
    derive_p.add_argument("--format", default="text",
                          type=_formats(("text", "latex", "markdown", "json")),
                          help="text (default), latex, markdown or json")
    derive_p.add_argument("--simplify", default="textbook", type=_formats(STRATEGIES),
                          help=f"simplification strategy: {', '.join(STRATEGIES)}")
    derive_p.add_argument("--matrix", action="store_true",
                          help="add the vectorised (matrix) form of the recursion, with numbers "
                               "(layered networks)")
    derive_p.add_argument("--standalone", action="store_true",
                          help="with --format latex: a complete .tex file for pdflatex")
    derive_p.add_argument("--figure", action="store_true",
                          help="with --format latex --standalone: include a picture of the "
                               "graph with every path highlighted (needs the LaTeX package "
                               "tikz)")
    derive_p.add_argument("-o", "--output", metavar="OUT", help="write to OUT, not stdout")
    derive_p.set_defaults(run=_derive)

    paths_p = commands.add_parser("paths", help="the paths from W to L, with factors and values")
    _add_file(paths_p)
    _add_wrt(paths_p)
    paths_p.add_argument("--format", default="text", type=_formats(("text", "json")))
    paths_p.add_argument("--stream-limit", type=int, default=None, metavar="N",
                         help="past --max-paths, stream the listing up to N paths (default "
                              "200,000); past N show the count and the factored form")
    paths_p.add_argument("-o", "--output", metavar="OUT")
    paths_p.set_defaults(run=_paths)

    verify_p = commands.add_parser(
        "verify", help="path sums vs sympy.diff vs numerical backprop vs finite differences")
    _add_file(verify_p)
    verify_p.add_argument("--format", default="text", type=_formats(("text", "json")))
    verify_p.add_argument("--no-composed", action="store_true",
                          help="skip sympy.diff of the composed loss (slow for deep networks)")
    verify_p.add_argument("-o", "--output", metavar="OUT")
    verify_p.set_defaults(run=_verify)

    check_p = commands.add_parser(
        "check", help="judge the claims of problem files: verdicts, right values, diagnoses")
    check_p.add_argument("files", nargs="+", metavar="FILE|DIR",
                         help="problem files, folders of them (searched recursively), or "
                              "bundled examples' names")
    check_p.add_argument("--format", default="text",
                         type=_formats(("text", "markdown", "json")),
                         help="text (default), markdown or json")
    check_p.add_argument("--jobs", type=int, default=None, metavar="N",
                         help="check N files at once (default: the number of CPUs)")
    check_p.add_argument("-o", "--output", metavar="OUT", help="write to OUT, not stdout")
    check_p.set_defaults(run=_check)

    draw_p = commands.add_parser(
        "draw", help="the graph with its weight nodes, every path from W to L in its own colour")
    _add_file(draw_p)
    _add_wrt(draw_p)
    draw_p.add_argument("-o", "--output", metavar="OUT", required=True,
                        help="OUT.png, .svg, .pdf (need the draw extra), .tex (TikZ) or .dot "
                             "(Graphviz); '-' writes tex or dot to stdout")
    draw_p.add_argument("--format", default=None,
                        type=_formats(("png", "svg", "pdf", "tex", "dot")),
                        help="png, svg, pdf, tex or dot (default: from OUT's extension)")
    draw_p.add_argument("--before-surgery", action="store_true",
                        help="draw the usual network picture instead: weights on the edges")
    draw_p.add_argument("--edge-labels", default=None, type=_formats(("formula", "value")),
                        help="label each edge on a path with its local partial: formula or value")
    draw_p.add_argument("--parameters", default="all", type=_formats(("all", "wrt")),
                        help="all (default) or wrt: draw only W's node, the other weights "
                             "folded into their neurons")
    draw_p.set_defaults(run=_draw)

    codegen_p = commands.add_parser("codegen", help="source code of a numeric gradient function")
    _add_file(codegen_p)
    codegen_p.add_argument("--wrt", action="append", metavar="W",
                           help="a node to differentiate with respect to (repeat, or W1,W2; "
                                "default: every parameter)")
    codegen_p.add_argument("--target", default="numpy",
                           type=_formats(("numpy", "python", "jax", "c")),
                           help="numpy (default: layer-wise for networks, vectorised), python "
                                "(plain math), jax (jit-able), c (with a header)")
    codegen_p.add_argument("--name", default="gradient", help="the function's name")
    codegen_p.add_argument("-o", "--output", metavar="OUT",
                           help="write to OUT (for c: OUT and the header beside it, OUT.h)")
    codegen_p.set_defaults(run=_codegen)

    examples_p = commands.add_parser("examples", help="list the bundled example problems")
    examples_p.add_argument("--format", default="text", type=_formats(("text", "json")))
    examples_p.set_defaults(run=_examples)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Examples
    --------
    >>> main(["paths", "branching_graph", "--wrt", "b"])
    2 paths from b to e
      1. b → c → e    ∂e/∂c · ∂c/∂b = d · 1 = 2 · 1 = 2
      2. b → d → e    ∂e/∂d · ∂d/∂b = c · 1 = 3 · 1 = 3
         total = 5
    0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return EXIT_BAD_INPUT
        return int(args.run(args))
    except SymbackpropError as err:
        if debug:
            raise
        print(f"symbackprop: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except RecursionError:
        if debug:
            raise
        print("symbackprop: error: the input is nested too deeply", file=sys.stderr)
        return EXIT_BAD_INPUT
