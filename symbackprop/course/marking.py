"""Judging one answer against its question in an answer key: its verdict, points and feedback.

:func:`mark_answer` is what ``symbackprop grade`` does with each answer (see
:mod:`symbackprop.course.grading` for the verdicts): it reads the text as people type it
(:func:`symbackprop.check.reading.read_answer`), judges the number by
:func:`symbackprop.check.judge.judge_number` with the question's asked digits (or the key's
tolerance), names the key's mistake it is, gives a near miss the rounding credit, and has any
other wrong number, and every formula, diagnosed by ``check`` at the student's values
(``DIR/<id>.toml``).

Examples
--------
>>> question = {"id": "q3", "of": "w1+", "kind": "update", "points": 2, "value": 0.853542,
...             "tolerance": 1e-05, "digits": 3, "mistakes": []}
>>> [mark_answer(".", "s01", question, t).verdict for t in ("0.854", "0,8535", "0.85")]
['correct', 'correct', 'digits']
>>> print(mark_answer(".", "s01", question, "0.85").feedback)
Give more digits: the question asks for 3 significant digits; 0.85 agrees with the right value \
to 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

import numpy as np

from ..check.judge import judge_number
from ..check.reading import read_answer, significant_digits
from ..errors import SpecError
from ..render.numbers import text_number
from ..spec.claims import printed_unit
from ..spec.quantity import Quantity

__all__ = ["ROUNDING_CREDIT", "ROUNDING_FACTOR", "VERDICTS", "Mark", "mark_answer",
           "more_digits"]

ROUNDING_FACTOR = 10.0
"""A wrong answer within this many units of the last asked digit (or tolerances) that no
common mistake gives ..."""
ROUNDING_CREDIT = 0.5
"""... earns this fraction of its points (the right method, an intermediate value rounded)."""
VERDICTS = ("correct", "digits", "rounding", "incorrect", "missing", "invalid", "not_submitted")
"""A :class:`Mark`'s verdicts (``not_submitted``: a roster student who handed nothing in)."""
_PROBLEMS: dict[str, Any] = {}
"""The students' problem files read so far (for the diagnoses of unexplained answers)."""


@dataclass(frozen=True)
class Mark:
    """The verdict on one answer.

    ``value`` and ``right`` are nested lists for a tensor question
    (:mod:`symbackprop.course.tensor_marking`).

    Examples
    --------
    >>> Mark("q1", "dL/dw5", "0.0822", 0.0822, 0.08216704, "correct", 2.0, 2.0)
    Mark(q1: correct, 2 of 2)
    """

    question: str
    of: str
    answer: str | None
    value: float | list[Any] | None
    right: float | list[Any]
    verdict: str
    points: float
    max_points: float
    mistake: str | None = None
    feedback: str = ""

    def __repr__(self) -> str:
        return f"Mark({self.question}: {self.verdict}, {self.points:g} of {self.max_points:g})"


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


def _diagnosed(folder: FilePath, stem: str, question: Mapping[str, Any], value: float,
               tolerance: float) -> tuple[str | None, str]:
    """(mistake, feedback) from check's diagnosis of a wrong number."""
    from ..check.diagnose import diagnose_derivative, diagnose_update, diagnose_value
    from ..check.evidence import Scenario

    problem = _variant_problem(folder, stem)
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
                  points: float, stem: str) -> tuple[str, float, str | None, str]:
    """(verdict, points, mistake, feedback) of a formula answer, by check_problem."""
    from dataclasses import replace

    from ..check.claims import check_problem
    from ..spec.claims import read_claims

    problem = _variant_problem(folder, stem)
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


def mark_answer(folder: str | FilePath, student: str, question: Mapping[str, Any],
                text: str | None, *, file: str | None = None) -> Mark:
    """The verdict on ``text``, the answer of ``student`` to ``question`` (an entry of the
    key's ``questions``); ``folder`` holds the student's problem file (``<file>.toml``, by
    default ``<student>.toml``), read only to diagnose a wrong answer that no mistake of the
    key explains.

    Examples
    --------
    >>> question = {"id": "q1", "of": "dL/dw5", "points": 2, "value": 0.0822, "tolerance": 1e-4,
    ...             "digits": 3, "mistakes": [{"name": "sign", "value": -0.0822,
    ...                                        "description": "the sign flipped"}]}
    >>> mark_answer(".", "s01", question, "−0.0822").feedback
    'Read as -0.0822. The sign flipped: that gives -0.0822. The right value is 0.0822.'
    """
    folder = FilePath(folder)
    stem = student if file is None else file
    qid, of, points = str(question["id"]), str(question["of"]), float(question["points"])
    right, tolerance = float(question["value"]), float(question["tolerance"])
    digits = question.get("digits")  # None: the key's tolerance judges (set, or an old key)
    if text is None or not text.strip():
        return Mark(qid, of, None, None, right, "missing", 0.0, points, None, "No answer.")
    if question.get("answer") == "formula":
        verdict, got, mistake, feedback = _formula_mark(folder, student, question, text, points,
                                                          stem)
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
    mistake, feedback = _diagnosed(folder, stem, question, value,
                                   max(tolerance, own) if digits else tolerance)
    return Mark(qid, of, text, value, right, "incorrect", 0.0, points, mistake,
                f"{read}{feedback} The right value is {shown}.")


