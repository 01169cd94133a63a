"""``symbackprop check``."""

from __future__ import annotations

import argparse

from ..errors import SymbackpropError, UsageError
from .common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, emit, formats

__all__ = ["register"]


def _check(args: argparse.Namespace) -> int:
    """``check FILE|DIR ...``: verdicts and diagnoses for every claim (docs/checking.md).

    Exit status: 0 every claim of every file correct; 2 nothing could be checked (bad
    arguments, or every file is bad input or has only claims that cannot be judged: for one
    file: "bad input"); 1 otherwise (an incorrect claim, or, among several files, a file
    that is bad input: it is reported as an error row and the other files are still checked).
    """
    import os

    from ..check import report as reports
    from ..check.batch import check_sources, collect_sources
    from ..render.jsontext import to_json

    if args.answers is not None:
        return _workbook(args)
    sources = collect_sources(args.files)
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    checks = check_sources(sources, jobs)
    if len(sources) == 1 and sources[0].folder is None:
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
    emit(text, args.output)
    if all(c.status == "correct" for c in checks):
        return EXIT_OK
    nothing_judged = all(c.report is None or c.report.errors == len(c.report.results)
                         for c in checks)
    return EXIT_BAD_INPUT if nothing_judged else EXIT_FAILED


def _workbook(args: argparse.Namespace) -> int:
    """``check FILE --answers ANSWERS``: a student's gradients of a tensor problem, step by
    step (docs/howto/check-vectorised.md).  Exit status 0 when every step is right, else 1."""
    from ..check.tensor_report import workbook_data, workbook_markdown, workbook_text
    from ..check.tensor_workbook import check_workbook, read_answers
    from ..render.jsontext import to_json
    from ..spec.problems import load_problem
    from ..spec.tensor import TensorProblem

    if len(args.files) != 1:
        raise UsageError("--answers checks one problem file: give exactly one FILE")
    problem = load_problem(args.files[0])
    if not isinstance(problem, TensorProblem):
        raise UsageError(f"{args.files[0]}: --answers checks a tensor problem ([tensor])")
    book = check_workbook(problem, read_answers(args.answers, problem), source=args.answers)
    text = (to_json(workbook_data(book)) if args.format == "json" else
            workbook_markdown(book) if args.format == "markdown" else workbook_text(book))
    emit(text, args.output)
    return EXIT_OK if book.status == "correct" else EXIT_FAILED


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``check`` command to the parser's sub-commands.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> parse_with(register, ["check", "a.toml"]).run.__name__
    '_check'
    """
    check_p = commands.add_parser(
        "check", help="judge the claims of problem files: verdicts, right values, diagnoses")
    check_p.add_argument("files", nargs="+", metavar="FILE|DIR",
                         help="problem files, folders of them (searched recursively), or "
                              "bundled examples' names")
    check_p.add_argument("--format", default="text",
                         type=formats(("text", "markdown", "json")),
                         help="text (default), markdown or json")
    check_p.add_argument("--jobs", type=int, default=None, metavar="N",
                         help="check N files at once (default: the number of CPUs)")
    check_p.add_argument("--answers", metavar="ANSWERS",
                         help="a student's gradients of a tensor problem (TOML, JSON, YAML or "
                              ".npz; keys dNAME or grad(NAME)), checked step by step")
    check_p.add_argument("-o", "--output", metavar="OUT", help="write to OUT, not stdout")
    check_p.set_defaults(run=_check)
