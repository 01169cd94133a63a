"""Grading answers-only submissions against an assignment's answer keys.

A submission is a student's answers only: a TOML, YAML or JSON file with ``variant = "<id>"``
and an ``[answers]`` table (question id, or what it asks, ``"dL/dw5"``, to the answer), or one
CSV for the class with the columns ``student,question,answer``.  Each answer is read as people
type it (:func:`symbackprop.check.reading.read_answer`: a Unicode minus, a decimal comma,
spaces between digit groups; the feedback says what was read when it differs) and judged
against the student's key (``DIR/key/<id>.json``, written by ``symbackprop variants``):

==============  ========================================================  ==================
verdict         when                                                      points
==============  ========================================================  ==================
``correct``     right to the digits the question asks for: rounded to     all
                them it is the right value so rounded, or it is within
                half a unit of its own last digit of it (a question with
                a ``tolerance``: within it)
``digits``      fewer digits than asked, but right to those: "give more   none
                digits"
``rounding``    within :data:`ROUNDING_FACTOR` units of the last asked    :data:`ROUNDING_CREDIT`
                digit (or tolerances), and no common mistake gives it     of them
                (the right method, an intermediate value rounded)
``incorrect``   anything else: the feedback names the mistake             none
``missing``     no answer                                                 none
``invalid``     not a number (or, for a formula question, not a formula)  none
==============  ========================================================  ==================

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
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path as FilePath
from typing import Any

import numpy as np

from ..check.judge import judge_number
from ..check.reading import read_answer, significant_digits
from ..errors import SpecError, SymbackpropError
from ..render.numbers import text_number
from ..spec.claims import printed_unit
from ..spec.quantity import Quantity

__all__ = ["ROUNDING_CREDIT", "ROUNDING_FACTOR", "VERDICTS", "Grade", "Mark", "Submission",
           "grade_all", "grade_submission", "load_keys", "more_digits"]

ROUNDING_FACTOR = 10.0
ROUNDING_CREDIT = 0.5
VERDICTS = ("correct", "digits", "rounding", "incorrect", "missing", "invalid")
MAX_KEY_BYTES = 2_000_000
_KEYS: dict[str, dict[str, Any]] = {}
"""The keys of each assignment folder, read once per process."""
_PROBLEMS: dict[str, Any] = {}
"""The students' problem files read so far (for the diagnoses of unexplained answers)."""


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
class Mark:
    """The verdict on one answer.

    Examples
    --------
    >>> Mark("q1", "dL/dw5", "0.0822", 0.0822, 0.08216704, "correct", 2.0, 2.0)
    Mark(q1: correct, 2 of 2)
    """

    question: str
    of: str
    answer: str | None
    value: float | None
    right: float
    verdict: str
    points: float
    max_points: float
    mistake: str | None = None
    feedback: str = ""

    def __repr__(self) -> str:
        return f"Mark({self.question}: {self.verdict}, {self.points:g} of {self.max_points:g})"


@dataclass(frozen=True)
class Grade:
    """One submission graded: a mark per question, or the error that stopped it.

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
        keys[str(data["variant"])] = data
    return keys


def more_digits(asked: int, read: str, given: int) -> str:
    """The feedback on an answer with fewer digits than asked that is right to those.

    Examples
    --------
    >>> more_digits(3, "0.85", 2)
    'Give more digits: the question asks for 3 significant digits; 0.85 agrees with the right \
value to 2.'
    """
    to = f"to {given}" if given else "at its own precision"
    return (f"Give more digits: the question asks for {asked} significant digits; {read} "
            f"agrees with the right value {to}.")


def _variant_problem(folder: FilePath, student: str) -> Any:
    from ..spec.problems import load_problem

    path = str(folder / f"{student}.toml")
    if path not in _PROBLEMS:
        _PROBLEMS[path] = load_problem(path)
    return _PROBLEMS[path]


def _diagnosed(folder: FilePath, student: str, question: Mapping[str, Any], value: float,
               tolerance: float) -> tuple[str | None, str]:
    """(mistake, feedback) from check's diagnosis of a wrong number."""
    from ..check.diagnose import diagnose_derivative, diagnose_update, diagnose_value
    from ..check.evidence import Scenario

    problem = _variant_problem(folder, student)
    scenario = Scenario.at_values(problem.graph, problem.values)
    claimed, tol = np.array([value]), np.array([tolerance])
    asked = Quantity(str(question["of"]), str(question["kind"]), str(question["target"]),
                     None if question.get("wrt") is None else str(question["wrt"]))
    if asked.kind == "value":
        diagnosis = diagnose_value(problem.graph, asked.target, claimed, tol, scenario)
    else:
        derivation = scenario.derivation(*asked.differentiated(problem.graph.output))
        if derivation is None:
            return None, "unexplained"
        diagnosis = (diagnose_update(derivation, float(problem.learning_rate or 0.0), claimed,
                                     tol, scenario) if asked.kind == "update" else
                     diagnose_derivative(derivation, claimed, tol, scenario))
    if not diagnosis.explained:
        return "unexplained", diagnosis.findings[0].message
    named = [f.mistake or f.kind for f in diagnosis.findings if f.kind != "wrong_gradient"]
    return "+".join(named) or "unexplained", diagnosis.text


def _formula_mark(folder: FilePath, student: str, question: Mapping[str, Any], text: str,
                  points: float) -> tuple[str, float, str | None, str]:
    """(verdict, points, mistake, feedback) of a formula answer, by check_problem."""
    from dataclasses import replace

    from ..check.claims import check_problem
    from ..spec.claims import read_claims

    problem = _variant_problem(folder, student)
    try:
        claims = read_claims([{"of": question["of"], "expression": text}], problem.graph,
                             f"{student}: {question['id']}", problem.learning_rate)
    except SpecError as err:
        return "invalid", 0.0, None, str(err)
    if claims[0].problem is not None:
        return "invalid", 0.0, None, claims[0].problem
    result = check_problem(replace(problem, claims=claims)).results[0]
    if result.verdict == "correct":
        return "correct", points, None, result.method
    if result.verdict == "error":
        return "invalid", 0.0, None, result.message
    named = [f.mistake or f.kind for f in result.findings]
    return "incorrect", 0.0, "+".join(named) or "unexplained", result.diagnosis_text


def _mark(folder: FilePath, student: str, question: Mapping[str, Any], text: str | None
          ) -> Mark:
    qid, of, points = str(question["id"]), str(question["of"]), float(question["points"])
    right, tolerance = float(question["value"]), float(question["tolerance"])
    digits = question.get("digits")  # None: the key's tolerance judges (set, or an old key)
    if text is None or not text.strip():
        return Mark(qid, of, None, None, right, "missing", 0.0, points, None, "No answer.")
    if question.get("answer") == "formula":
        verdict, got, mistake, feedback = _formula_mark(folder, student, question, text, points)
        return Mark(qid, of, text, None, right, verdict, got, points, mistake, feedback)
    reading = read_answer(text)
    mistakes = list(question.get("mistakes", ()))
    judged = None if reading.number is None else judge_number(
        reading.number, right, [(str(m["name"]), float(m["value"])) for m in mistakes],
        None if digits else tolerance, digits)
    if reading.number is None or judged is None or judged.kind == "unreadable":
        why = f": {reading.problem}." if reading.problem else "."
        return Mark(qid, of, text, None, right, "invalid", 0.0, points, None,
                    f"{text[:40]!r} is not a number{why}")
    value, unit = float(reading.number), float(judged.tolerance or tolerance)
    read = f"Read as {reading.text}. " if reading.changed else ""
    shown = text_number(right)
    if judged.kind == "right":
        return Mark(qid, of, text, value, right, "correct", points, points, None, read.strip())
    if judged.kind == "digits" and digits:
        return Mark(qid, of, text, value, right, "digits", 0.0, points, None, read + more_digits(
            int(digits), reading.text, significant_digits(reading.number)))
    if judged.kind == "mistake" and judged.index is not None:
        m = mistakes[judged.index]
        return Mark(qid, of, text, value, right, "incorrect", 0.0, points, str(m["name"]),
                    f"{read}{str(m['description'])[:1].upper()}{str(m['description'])[1:]}: "
                    f"that gives {text_number(float(m['value']))}. The right value is "
                    f"{shown}.")
    if abs(value - right) <= ROUNDING_FACTOR * unit:
        close = (f"not right to {digits} significant digits" if digits else
                 f"not within the tolerance {tolerance:g}")
        return Mark(qid, of, text, value, right, "rounding", ROUNDING_CREDIT * points, points,
                    None, f"{read}Close to the right value {shown}, but {close}: an "
                          "intermediate value rounded?")
    own = 0.5 * (printed_unit(reading.number) or 0.0)  # what the student's digits allow
    mistake, feedback = _diagnosed(folder, student, question, value,
                                   max(tolerance, own) if digits else tolerance)
    return Mark(qid, of, text, value, right, "incorrect", 0.0, points, mistake,
                f"{read}{feedback} The right value is {shown}.")


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
        marks = tuple(_mark(folder, submission.student, q, given.get(str(q["id"])))
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
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(partial(_grade_one, name), submissions, chunksize=chunk))
