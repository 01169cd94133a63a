"""``symbackprop grade``."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TYPE_CHECKING

from ..errors import SymbackpropError, UsageError
from .common import EXIT_FAILED, EXIT_OK, emit, formats

if TYPE_CHECKING:
    from ..course.binding import Submitter

__all__ = ["register"]

FORMATS = ("text", "markdown", "json", "csv", "gradescope", "wide", "canvas", "moodle")


def _grade(args: argparse.Namespace) -> int:
    """``grade DIR SUBMISSIONS...``: every answer judged against the keys of DIR; exit 1 when
    a submission could not be graded (it is an error row, or Gradescope's score 0), else 0."""
    import os
    import sys

    from ..course import reports
    from ..course.binding import GRADESCOPE_METADATA, bind, one_submission
    from ..course.gradebooks import GRADEBOOK_FORMATS, gradebook_csv
    from ..course.gradescope import gradescope_results
    from ..course.grading import class_grades, grade_all, load_keys
    from ..course.submissions import read_submissions
    from ..render.jsontext import to_json

    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    keys = load_keys(args.folder)  # a folder without keys is bad input, before any submission
    submissions = read_submissions(args.submissions)
    one = args.format == "gradescope" or args.student is not None or args.metadata is not None
    if one:  # one student's submission, bound to that student
        submissions = [one_submission(submissions)]
        submitter = _submitter(args, GRADESCOPE_METADATA)
        if isinstance(submitter, str):
            submissions = [replace(submissions[0], error=submitter)]
        elif submitter is not None:
            submissions = [bind(submissions[0], keys, submitter)]
    grades = grade_all(submissions, args.folder, jobs)
    if not one:  # a class: everyone on the roster, who handed in or not
        grades = class_grades(grades, keys)
    if args.format == "gradescope":
        text = to_json(gradescope_results(grades[0]))
    elif args.format in GRADEBOOK_FORMATS:  # the roster's rows: say what is not in them
        text = gradebook_csv(args.format, grades, keys)
        for grade in grades:
            if grade.error is not None and grade.student not in keys:
                print(f"symbackprop: not in the gradebook: {grade.error}", file=sys.stderr)
    else:
        text = (to_json(reports.grades_data(grades)) if args.format == "json" else
                reports.grades_csv(grades) if args.format == "csv" else
                reports.grades_markdown(grades) if args.format == "markdown" else
                reports.grades_text(grades))
    emit(text, args.output)
    return EXIT_FAILED if any(g.error for g in grades) else EXIT_OK


def _submitter(args: argparse.Namespace, default: str) -> Submitter | str | None:
    """Who handed the submission in: ``--student``, else Gradescope's metadata (``--metadata``,
    or its default path where it exists); ``None`` when nothing says; the error's text when
    the metadata cannot be read."""
    from pathlib import Path

    from ..course.binding import Submitter, read_metadata

    if args.student is not None:
        return Submitter(ids=(args.student,))
    path = args.metadata if args.metadata is not None else (
        default if args.format == "gradescope" and Path(default).is_file() else None)
    if path is None:
        return None
    try:
        return read_metadata(path)
    except SymbackpropError as err:
        return str(err)


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
                   help="text (default), markdown, json, csv (the gradebook, a row per answer), "
                        "gradescope (the results.json of one submission), or a row per "
                        "student of the roster: wide, canvas (Canvas's gradebook import) or "
                        "moodle (Moodle's grade import)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="grade in N processes (default: the number of CPUs)")
    p.add_argument("--metadata", metavar="FILE",
                   help="Gradescope's submission metadata, whose users the submission is bound "
                        "to (default, with --format gradescope: "
                        "/autograder/submission_metadata.json where it exists)")
    p.add_argument("--student", metavar="ID",
                   help="bind the one submission to this roster id: a file naming another "
                        "variant scores 0")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT, not stdout")
    p.set_defaults(run=_grade)
