"""``symbackprop grade``."""

from __future__ import annotations

import argparse

from ..errors import UsageError
from .common import EXIT_FAILED, EXIT_OK, emit, formats

__all__ = ["register"]

FORMATS = ("text", "markdown", "json", "csv", "gradescope")


def _grade(args: argparse.Namespace) -> int:
    """``grade DIR SUBMISSIONS...``: every answer judged against the keys of DIR; exit 1 when
    a submission could not be graded (it is an error row), else 0."""
    import os

    from ..course import reports
    from ..course.gradescope import gradescope_results
    from ..course.grading import class_grades, grade_all, load_keys
    from ..course.submissions import read_submissions
    from ..render.jsontext import to_json

    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    keys = load_keys(args.folder)  # a folder without keys is bad input, before any submission
    grades = grade_all(read_submissions(args.submissions), args.folder, jobs)
    if args.format != "gradescope":  # a class: everyone on the roster, who handed in or not
        grades = class_grades(grades, keys)
    if args.format == "gradescope":
        if len(grades) != 1:
            raise UsageError(f"--format gradescope grades one submission, as Gradescope's "
                             f"autograder runs; these hold {len(grades)}")
        text = to_json(gradescope_results(grades[0]))
    else:
        text = (to_json(reports.grades_data(grades)) if args.format == "json" else
                reports.grades_csv(grades) if args.format == "csv" else
                reports.grades_markdown(grades) if args.format == "markdown" else
                reports.grades_text(grades))
    emit(text, args.output)
    return EXIT_FAILED if any(g.error for g in grades) else EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``grade`` command to the parser's sub-commands.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> args = parse_with(register, ["grade", "out", "answers.csv", "--format", "csv"])
    >>> args.run.__name__, args.folder, args.submissions
    ('_grade', 'out', ['answers.csv'])
    """
    p = commands.add_parser(
        "grade", help="grade answers-only submissions against the answer keys of variants")
    p.add_argument("folder", metavar="DIR",
                   help="the folder symbackprop variants wrote (DIR/key/<id>.json, DIR/<id>.toml)")
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                   help="answers: a file per student (.toml, .yaml, .json: variant = \"<id>\" "
                        "and [answers]), a class CSV (student,question,answer), or folders")
    p.add_argument("--format", default="text", type=formats(FORMATS),
                   help="text (default), markdown, json, csv (the gradebook) or gradescope "
                        "(the results.json of one submission)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="grade in N processes (default: the number of CPUs)")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT, not stdout")
    p.set_defaults(run=_grade)
