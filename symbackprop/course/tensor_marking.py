"""Judging one matrix answer against a tensor question of an answer key.

An answer to a tensor question is nested lists of numbers written as JSON (``[[1, 2.5],
[3, 4]]``; a TOML, YAML or JSON submission's nested lists are written so too, their digits
as typed).  It is read by :func:`read_matrix` with ``json.loads`` only (never ``eval`` or
``ast.literal_eval``: Python's tuples, ``.5`` and ``NaN`` are refused) and judged by
:func:`symbackprop.check.tensor_check.judge_tensor`, the judge of ``check``: right when every
entry is within its tolerance of the key's (one unit in the last asked digit of that entry),
else named by the mistake whose tensor it is (the predictions of
:class:`~symbackprop.check.tensor_predict.TensorPredictor` at the student's values, read
from ``DIR/<id>.toml``), or explained by its shape ("you gave 5×3; dL/dW1 is 3×5: a
transpose?").  The verdicts and points are a scalar answer's
(:mod:`symbackprop.course.grading`): ``correct`` earns the question's points, a diagnosed
mistake none, entries right only to fewer digits than asked ``digits`` (none: "give more
digits"), a tensor of the right shape that no mistake gives but whose every entry is within
:data:`~symbackprop.course.marking.ROUNDING_FACTOR` tolerances ``rounding`` (half); there is
no partial credit per entry.

Examples
--------
>>> question = {"id": "q1", "of": "dL/db", "kind": "gradient", "node": "b", "points": 2,
...             "shape": [2], "value": [0.25, -1.5], "tolerance": [0.001, 0.01],
...             "mistakes": []}
>>> mark_tensor_answer(".", "s01", question, "[0.25, -1.50]")
Mark(q1: correct, 2 of 2)
>>> print(mark_tensor_answer(".", "s01", question, "[0.25, (1.5)]").feedback)
'[0.25, (1.5)]' is not a matrix (not JSON (line 1, column 8: Expecting value)): write nested \
lists of numbers in JSON, such as [[1, 2.5], [3, 4]].
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path as FilePath
from typing import Any

import numpy as np

from ..check.judge import entry_tolerances
from ..check.tensor_check import judge_tensor
from ..check.tensor_predict import TensorPredictor
from ..errors import SpecError
from ..spec.tensor import TensorProblem
from ..spec.tensor_claims import TensorClaim, nested_numbers
from .marking import ROUNDING_CREDIT, ROUNDING_FACTOR, Mark

__all__ = ["MAX_SHOWN", "mark_tensor_answer", "read_matrix"]

MAX_SHOWN = 30
"""The right tensor is shown in the feedback when it has at most this many entries."""
_PREDICTORS: dict[str, TensorPredictor] = {}
"""The predictors of the students' problem files read so far."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def read_matrix(text: str, where: str = "the answer") -> tuple[tuple[Decimal, ...],
                                                                tuple[int, ...]]:
    """The numbers (as written) and shape of a matrix answer: nested lists in JSON.

    Raises
    ------
    SpecError
        For text that is not JSON (Python's syntax included), ``NaN`` or ``Infinity``, ragged
        lists, or anything but numbers.

    Examples
    --------
    >>> read_matrix("[[1, 2.50], [3, -4e-3]]")
    ((Decimal('1'), Decimal('2.50'), Decimal('3'), Decimal('-0.004')), (2, 2))
    >>> read_matrix("[[1, 2], (3, 4)]")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: the answer: not JSON (line 1, column 10: Expecting value)
    >>> read_matrix("[NaN, 1]")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: the answer: NaN is not a number
    """
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=Decimal,
                          parse_constant=_refuse_constant)
    except json.JSONDecodeError as err:
        raise SpecError(f"{where}: not JSON (line {err.lineno}, column {err.colno}: "
                        f"{err.msg})") from None
    except ValueError as err:
        raise SpecError(f"{where}: {err}") from None
    if isinstance(data, Decimal):
        data = Decimal(text.strip())  # the digits as written (JSON reads -0.0040 alike)
    return nested_numbers(data, where)


def _predictor(folder: FilePath, stem: str) -> TensorPredictor | None:
    """The mistakes' predictions at the student's values (``DIR/<stem>.toml``)."""
    from ..spec.problems import load_problem

    path = str(folder / f"{stem}.toml")
    if path not in _PREDICTORS:
        problem = load_problem(path)
        if not isinstance(problem, TensorProblem):
            raise SpecError(f"{path}: not a tensor problem, but its key asks for tensors")
        with np.errstate(all="ignore"):
            _PREDICTORS[path] = TensorPredictor(problem.graph,
                                                problem.graph.forward(problem.values))
    return _PREDICTORS[path]


def _shown(value: np.ndarray) -> str:
    if value.size > MAX_SHOWN:
        return ""
    text = json.dumps(np.vectorize(lambda v: float(f"{v:.4g}"), otypes=[float])(value)
                      .tolist())
    return f" The right value is {text}."


def mark_tensor_answer(folder: str | FilePath, student: str, question: Mapping[str, Any],
                       text: str | None, *, file: str | None = None) -> Mark:
    """The verdict on ``text``, the matrix answer of ``student`` to the tensor ``question``
    (an entry of the key's ``questions``, with its ``shape``); ``folder`` holds the student's
    problem file (``<file>.toml``), read to name a wrong answer's mistake.

    Examples
    --------
    >>> question = {"id": "q2", "of": "H", "kind": "value", "node": "H", "points": 1,
    ...             "shape": [1, 2], "value": [[0.5, 0.25]], "tolerance": [[1e-3, 1e-4]]}
    >>> mark = mark_tensor_answer(".", "s01", question, "[[0.5, 0.25]]")
    >>> mark.verdict, mark.value, mark.right
    ('correct', [[0.5, 0.25]], [[0.5, 0.25]])
    >>> print(mark_tensor_answer(".", "s01", question, "[0.5, 0.25]").feedback)
    You gave 2; H is 1×2. The right value is [[0.5, 0.25]].
    """
    folder = FilePath(folder)
    stem = student if file is None else file
    qid, of, points = str(question["id"]), str(question["of"]), float(question["points"])
    right = np.asarray(question["value"], dtype=float).reshape(tuple(question["shape"]))
    tolerance = np.asarray(question["tolerance"], dtype=float).reshape(right.shape)
    right_list = right.tolist()
    if text is None or not text.strip():
        return Mark(qid, of, None, None, right_list, "missing", 0.0, points, None, "No answer.")
    try:
        numbers, shape = read_matrix(text)
    except SpecError as err:
        why = str(err).removeprefix("the answer: ")
        return Mark(qid, of, text, None, right_list, "invalid", 0.0, points, None,
                    f"{text[:40]!r} is not a matrix ({why}): write nested lists of numbers "
                    "in JSON, such as [[1, 2.5], [3, 4]].")
    claim = TensorClaim(of, str(question.get("kind", "gradient")),
                        str(question.get("node", of)), 1, numbers, shape)
    given = np.array([float(n) for n in numbers]).reshape(shape)
    same = shape == right.shape
    if same:
        result = judge_tensor(claim, right, None, tolerance=tolerance.ravel())
        if result.verdict == "correct":
            return Mark(qid, of, text, given.tolist(), right_list, "correct", points, points)
        if judge_tensor(claim, right, None).verdict == "correct":  # to its own digits
            return Mark(qid, of, text, given.tolist(), right_list, "digits", 0.0, points, None,
                        f"Give more digits: the question asks for {question.get('digits')} "
                        "significant digits of each entry; these entries agree with the "
                        "right ones only to the digits written.")
    predictor = _predictor(folder, stem) if claim.kind == "gradient" else None
    # A mistake is matched to the digits the student wrote, as a scalar answer's is (a
    # mistake's entries may be larger than the right ones, and so rounded more coarsely).
    own = entry_tolerances(numbers)
    result = judge_tensor(claim, right, predictor,
                          tolerance=np.maximum(tolerance.ravel(), own) if same else None)
    shown = _shown(right)
    kind = result.kinds[0] if result.kinds else "unexplained"
    if kind == "unexplained" and bool(np.all(np.abs(given - right)
                                             <= ROUNDING_FACTOR * tolerance)):
        return Mark(qid, of, text, given.tolist(), right_list, "rounding",
                    ROUNDING_CREDIT * points, points, None,
                    f"{result.off} of {given.size} entries are close to the right ones but "
                    "not right to the digits asked: an intermediate value rounded?" + shown)
    diagnosis = result.diagnosis
    if kind == "shape" or (predictor is None and not same):
        diagnosis = diagnosis.removesuffix(" No mistake of the registry gives these numbers.")
    mistake = "+".join(result.kinds) or "unexplained"
    return Mark(qid, of, text, given.tolist(), right_list, "incorrect", 0.0, points, mistake,
                diagnosis[:1].upper() + diagnosis[1:] + shown)
