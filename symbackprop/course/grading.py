"""Grading answers-only submissions against an assignment's answer keys.

A submission is a student's answers only: a TOML, YAML or JSON file with ``variant = "<id>"``
and an ``[answers]`` table (question id, or what it asks, ``"dL/dw5"``, to the answer), or one
CSV for the class with the columns ``student,question,answer``.  Each answer is read as people
type it (:func:`symbackprop.check.reading.read_answer`: a Unicode minus, a decimal comma,
spaces between digit groups; the feedback says what was read when it differs) and judged
against the student's key (``DIR/key/<id>.json``, written by ``symbackprop variants``):

=================  ========================================================  ======
verdict            when                                                      points
=================  ========================================================  ======
``correct``        right to the digits the question asks for: rounded to     all
                   them it is the right value so rounded, or it is within
                   half a unit of its own last digit of it (a question with
                   a ``tolerance``: within it)
``digits``         fewer digits than asked, but right to those: "give more   none
                   digits"
``rounding``       within 10 units of the last asked digit (or               half
                   tolerances), and no common mistake gives it (the right
                   method, an intermediate value rounded)
``incorrect``      anything else: the feedback names the mistake             none
``missing``        no answer                                                 none
``invalid``        not a number (or, for a formula question, not a formula)  none
``not_submitted``  a roster student who handed nothing in (the class's       none
                   gradebook lists everyone)
=================  ========================================================  ======

Numbers are judged by :func:`symbackprop.check.judge_number` with the question's asked digits
(the key's ``digits``; a key without them, or a question with a ``tolerance``, is judged by
the key's tolerance, the rule ``check`` applies to a claim).  A wrong number that is, to its
own digits, one of the key's mistaken values is that mistake (the key's values are those
:func:`symbackprop.check.mistaken_values` predicts, which ``check``'s diagnosis names as those
mistakes); any other wrong number, and every formula, is diagnosed by ``check`` itself
(:func:`~symbackprop.check.diagnose.diagnose_derivative`, ``_update``, ``_value``, or
:func:`~symbackprop.check.check_problem` for a formula) at the student's values, read from
``DIR/<id>.toml``.  A question answered twice is graded on the last answer, and a note says
so.  A submission that cannot be read, or names no known variant, is one error row; it never
stops the others.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from symbackprop.course.files import assignment_files
>>> from symbackprop.course.roster import numbered
>>> folder = Path(tempfile.mkdtemp())
>>> for name, text in assignment_files("assignment_2_2_2", numbered(1), seed=1).items():
...     (folder / name).parent.mkdir(exist_ok=True)
...     _ = (folder / name).write_text(text)
>>> keys = load_keys(folder)
>>> right = {q["id"]: repr(q["value"]) for q in keys["s01"]["questions"]}
>>> grade = grade_submission(Submission("s01", "answers.toml", right), folder, keys)
>>> grade, [m.verdict for m in grade.marks]
(Grade('s01': 8 of 8 points), ['correct', 'correct', 'correct', 'correct'])
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path as FilePath
from typing import Any

from ..errors import SpecError, SymbackpropError
from .marking import Mark, mark_answer
from .tensor_marking import mark_tensor_answer
from .workers import worker_pool

__all__ = ["Grade", "Submission", "class_grades", "grade_all", "grade_submission", "load_keys",
           "not_submitted"]

MAX_KEY_BYTES = 2_000_000
_KEYS: dict[str, dict[str, Any]] = {}
"""The keys of each assignment folder, read once per process."""


@dataclass(frozen=True)
class Submission:
    """One student's answers as read (question id or ``of`` to the answer's text), or why
    they could not be read.

    Examples
    --------
    >>> Submission("s01", "s01.toml", {"q1": "0.0822"})
    Submission('s01' from 's01.toml', 1 answers)
    """

    student: str
    source: str
    answers: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        what = f"error: {self.error}" if self.error else f"{len(self.answers)} answers"
        return f"Submission({self.student!r} from {self.source!r}, {what})"


@dataclass(frozen=True)
class Grade:
    """One submission graded: a mark per question, or the error that stopped it; or a student
    of the roster who handed nothing in (``submitted`` false, every mark ``not_submitted``).

    Examples
    --------
    >>> Grade("s01", "x.toml", error="x.toml: not valid TOML")
    Grade('s01': error)
    """

    student: str
    source: str
    marks: tuple[Mark, ...] = ()
    error: str | None = None
    name: str = ""
    notes: tuple[str, ...] = ()
    submitted: bool = True

    @property
    def score(self) -> float:
        return sum(m.points for m in self.marks)

    @property
    def max_score(self) -> float:
        return sum(m.max_points for m in self.marks)

    def __repr__(self) -> str:
        if self.error:
            return f"Grade({self.student!r}: error)"
        return f"Grade({self.student!r}: {self.score:g} of {self.max_score:g} points)"


def load_keys(folder: str | FilePath) -> dict[str, dict[str, Any]]:
    """The answer keys of an assignment folder (``DIR/key/*.json``), by student id.

    Raises
    ------
    SpecError
        For a folder without keys, or a key that is not one.

    Examples
    --------
    >>> load_keys("no-such-folder")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: no-such-folder: no answer keys (key/<id>.json); write them \
with `symbackprop variants TEMPLATE -o DIR`
    """
    keys_dir = FilePath(folder) / "key"
    paths = sorted(keys_dir.glob("*.json")) if keys_dir.is_dir() else []
    if not paths:
        raise SpecError(f"{folder}: no answer keys (key/<id>.json); write them with "
                        "`symbackprop variants TEMPLATE -o DIR`")
    keys = {}
    for path in paths:
        try:
            if path.stat().st_size > MAX_KEY_BYTES:
                raise SpecError(f"{path}: larger than {MAX_KEY_BYTES:,} bytes")
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise SpecError(f"{path}: not an answer key ({err})") from None
        if not isinstance(data, dict) or data.get("format") != "symbackprop answer key":
            raise SpecError(f"{path}: not an answer key written by symbackprop variants")
        if not isinstance(data.get("variant"), str):
            raise SpecError(f"{path}: not an answer key: no \"variant\" (the student's id)")
        file = data.get("file", data["variant"])
        if not isinstance(file, str) or not file or file[0] == "." or "/" in file or "\\" in file:
            raise SpecError(f"{path}: not an answer key: \"file\" must be a file name")
        keys[data["variant"]] = data
    return keys


def _given(submission: Submission, lookup: Mapping[str, Mapping[str, Any]]
           ) -> tuple[dict[str, str], list[str]]:
    """The answer to each question (by id; of two answers to one question, the last), and the
    notes: answers to unknown questions, questions answered more than once."""
    notes = list(submission.notes)
    notes += [f"answer to unknown question {k!r} ignored" for k in submission.answers
              if k not in lookup]
    given: dict[str, str] = {}
    keys: dict[str, list[str]] = {}
    for k, v in submission.answers.items():
        if k in lookup:
            qid = str(lookup[k]["id"])
            given[qid] = v
            keys.setdefault(qid, []).append(k)
    for qid, used in keys.items():
        if len(used) > 1:
            notes.append(f"{qid} answered {len(used)} times ({', '.join(map(repr, used))}); "
                         f"the last answer ({used[-1]!r}) is graded")
    return given, notes


def grade_submission(submission: Submission, folder: str | FilePath,
                     keys: Mapping[str, Mapping[str, Any]]) -> Grade:
    """Grade one submission against its key; a bad one gives an error :class:`Grade`.

    Examples
    --------
    >>> grade_submission(Submission("nobody", "x.toml", {}), ".", {})
    Grade('nobody': error)
    """
    if submission.error is not None:
        return Grade(submission.student, submission.source, error=submission.error)
    key = keys.get(submission.student)
    if key is None:
        return Grade(submission.student, submission.source, error=(
            f"{submission.source}: no variant {submission.student!r} in the answer keys"))
    folder = FilePath(folder)
    try:
        questions = list(key["questions"])
        lookup = {str(q["id"]): q for q in questions} | {str(q["of"]): q for q in questions}
        given, notes = _given(submission, lookup)
        file = str(key.get("file", submission.student))
        marks = tuple((mark_tensor_answer if "shape" in q else mark_answer)(
            folder, submission.student, q, given.get(str(q["id"])), file=file)
            for q in questions)
    except SymbackpropError as err:
        return Grade(submission.student, submission.source, error=str(err))
    except Exception as err:  # one submission's bug must not lose the class's grades
        return Grade(submission.student, submission.source, error=(
            f"{submission.source}: internal error while grading ({type(err).__name__}: "
            f"{err}); please report it"))
    return Grade(submission.student, submission.source, marks, name=str(key.get("name", "")),
                 notes=tuple(notes))


def _grade_one(folder: str, submission: Submission) -> Grade:
    if submission.error is not None:
        return grade_submission(submission, folder, {})
    if folder not in _KEYS:
        _KEYS[folder] = load_keys(folder)
    return grade_submission(submission, folder, _KEYS[folder])


def grade_all(submissions: Sequence[Submission], folder: str | FilePath, jobs: int = 1
              ) -> list[Grade]:
    """:func:`grade_submission` for each submission, in order; in ``jobs`` worker processes
    when ``jobs > 1`` (the keys are read once, before the workers start).

    Examples
    --------
    >>> grade_all([Submission("s01", "x.csv", error="x.csv row 2: no answer column")], ".")
    [Grade('s01': error)]
    """
    name = str(folder)
    if any(s.error is None for s in submissions):
        _KEYS[name] = load_keys(folder)  # read (and checked) here; forked workers inherit it
    jobs = max(1, min(jobs, len(submissions)))
    if jobs == 1:
        return [_grade_one(name, s) for s in submissions]
    from ..check import diagnose  # noqa: F401  (imported once here, inherited by the workers)

    chunk = max(1, len(submissions) // (4 * jobs))
    with worker_pool(jobs) as pool:
        return list(pool.map(partial(_grade_one, name), submissions, chunksize=chunk))


def not_submitted(key: Mapping[str, Any]) -> Grade:
    """The grade of a roster student who handed nothing in: every question ``not_submitted``,
    no points.

    Examples
    --------
    >>> key = {"variant": "s07", "name": "Ana", "questions": [
    ...     {"id": "q1", "of": "dL/dw5", "value": 0.08, "points": 2}]}
    >>> grade = not_submitted(key)
    >>> grade, grade.submitted, [m.verdict for m in grade.marks]
    (Grade('s07': 0 of 2 points), False, ['not_submitted'])
    """
    marks = tuple(Mark(str(q["id"]), str(q["of"]), None, None,
                       q["value"] if "shape" in q else float(q["value"]),
                       "not_submitted", 0.0, float(q["points"]), None, "Not submitted.")
                  for q in key["questions"])
    return Grade(str(key["variant"]), "", marks, name=str(key.get("name", "")),
                 notes=("not submitted",), submitted=False)


def class_grades(grades: Sequence[Grade], keys: Mapping[str, Mapping[str, Any]]
                 ) -> list[Grade]:
    """The class's gradebook: the grades, in order, a grade whose variant more than one
    submission claims noting which (a copied file, or a student who handed in twice: the
    variants cannot tell), then every student of the roster (the keys) that no submission
    names, :func:`not_submitted`.

    Examples
    --------
    >>> keys = {v: {"variant": v, "name": "", "questions": []} for v in ("s01", "s02", "s03")}
    >>> book = class_grades([Grade("s01", "a.toml"), Grade("s01", "b.toml")], keys)
    >>> [(g.student, g.source, g.submitted) for g in book]
    [('s01', 'a.toml', True), ('s01', 'b.toml', True), ('s02', '', False), ('s03', '', False)]
    >>> book[0].notes
    ("variant 's01' is claimed by 2 submissions (a.toml, b.toml)",)
    """
    claimed: dict[str, list[str]] = {}
    for grade in grades:
        if grade.error is None:
            claimed.setdefault(grade.student, []).append(grade.source)
    book = []
    for grade in grades:
        sources = claimed.get(grade.student, [])
        if grade.error is None and len(sources) > 1:
            grade = replace(grade, notes=(*grade.notes, (
                f"variant {grade.student!r} is claimed by {len(sources)} submissions "
                f"({', '.join(sources)})")))
        book.append(grade)
    named = {grade.student for grade in grades}
    return book + [not_submitted(key) for sid, key in keys.items() if sid not in named]
