"""The ``server.py`` of an exported PrairieLearn question (standard library only).

``symbackprop export prairielearn`` copies this module into the question folder with
:data:`VARIANTS` filled in: the precomputed variants, each with its numbers, its right answers,
their tolerances and the values the common mistakes give.  PrairieLearn calls
:func:`generate` when a student opens a variant and :func:`grade` after its
``pl-number-input`` elements have scored the answers; :func:`grade` adds the diagnosis of a
wrong answer as feedback, and gives an answer that no common mistake explains but that lies within
:data:`ROUNDING_FACTOR` times the tolerance :data:`ROUNDING_CREDIT` of its points, as
``symbackprop grade`` does (the constants are :mod:`symbackprop.course.grading`'s, repeated here
because this file may not import it; a test keeps them equal).  Nothing here imports
symbackprop, numpy or sympy, so the question runs on a PrairieLearn server as it is.

Examples
--------
>>> VARIANTS[:] = [{"values": [{"name": "x1", "value": "0.5"}],
...                 "answers": {"q1": {"value": 0.25, "tolerance": 0.001, "mistakes": [
...                     {"name": "sign", "value": -0.25, "description": "the sign flipped"}]}}}]
>>> data = {"variant_seed": 7, "params": {}, "correct_answers": {}}
>>> generate(data)
>>> data["correct_answers"], data["params"]["tolerance"]
({'q1': 0.25}, {'q1': 0.001})
>>> data.update(submitted_answers={"q1": -0.25}, partial_scores={"q1": {"score": 0}},
...             feedback={})
>>> grade(data)
>>> data["feedback"]["q1"]
'The sign flipped: that gives -0.25.'
>>> VARIANTS[:] = []
"""

from __future__ import annotations

from typing import Any

__all__ = ["ROUNDING_CREDIT", "ROUNDING_FACTOR", "SLACK", "VARIANTS", "generate", "grade",
           "mistake_for"]

ROUNDING_FACTOR = 10.0
"""An answer within this many tolerances of the right value, and no common mistake, ..."""
ROUNDING_CREDIT = 0.5
"""... earns this fraction of its points (a rounding slip, not a wrong method)."""
SLACK = 1 + 1e-9
"""Tolerances are allowed exactly, up to floating-point noise (check's own slack)."""

VARIANTS: list[dict[str, Any]] = []  # filled in by symbackprop export prairielearn


def generate(data: dict[str, Any]) -> None:
    """Choose a variant from PrairieLearn's ``variant_seed``; set its numbers (``params``) and
    the right answers (``correct_answers``).

    Examples
    --------
    >>> VARIANTS[:] = [{"values": [], "answers": {"q1": {"value": 1.0, "tolerance": 0.1,
    ...                                                  "mistakes": []}}}] * 3
    >>> data = {"variant_seed": 5, "params": {}, "correct_answers": {}}
    >>> generate(data)
    >>> data["params"]["variant"]
    2
    >>> VARIANTS[:] = []
    """
    index = int(data.get("variant_seed", 0)) % len(VARIANTS)
    variant = VARIANTS[index]
    data["params"]["variant"] = index
    data["params"]["values"] = variant["values"]
    data["params"]["tolerance"] = {q: a["tolerance"] for q, a in variant["answers"].items()}
    for name, answer in variant["answers"].items():
        data["correct_answers"][name] = answer["value"]


def mistake_for(name: str, submitted: Any, params: dict[str, Any]) -> dict[str, Any] | None:
    """The common mistake whose value is within the tolerance of a submitted answer.

    Examples
    --------
    >>> VARIANTS[:] = [{"values": [], "answers": {"q1": {"value": 1.0, "tolerance": 0.1,
    ...     "mistakes": [{"name": "sign", "value": -1.0, "description": "the sign flipped"}]}}}]
    >>> mistake_for("q1", -1.05, {"variant": 0})["name"], mistake_for("q1", 3, {"variant": 0})
    ('sign', None)
    >>> VARIANTS[:] = []
    """
    try:
        value = float(submitted)
    except (TypeError, ValueError):
        return None
    answer = VARIANTS[int(params["variant"])]["answers"].get(name)
    if answer is None:
        return None
    for mistake in answer["mistakes"]:
        if abs(value - mistake["value"]) <= answer["tolerance"] * SLACK:
            return mistake
    return None


def grade(data: dict[str, Any]) -> None:
    """Add feedback to each wrong answer: the mistake it comes from, when one does; give the
    rounding credit to an answer close to the right one that no mistake explains, and set the
    question's ``score`` from the partial scores (weighted, as PrairieLearn weights them).

    Examples
    --------
    >>> VARIANTS[:] = [{"values": [], "answers": {"q1": {"value": 1.0, "tolerance": 0.1,
    ...                                                  "mistakes": []}}}]
    >>> data = {"params": {"variant": 0}, "submitted_answers": {"q1": 5.0},
    ...         "partial_scores": {"q1": {"score": 0}}, "feedback": {}}
    >>> grade(data)
    >>> data["feedback"]["q1"]
    'Not one of the common mistakes: work through the paths from the weight to the loss again.'
    >>> data.update(submitted_answers={"q1": 1.5}, partial_scores={"q1": {"score": 0}})
    >>> grade(data)
    >>> data["partial_scores"]["q1"]["score"], data["score"]
    (0.5, 0.5)
    >>> VARIANTS[:] = []
    """
    scores = data.get("partial_scores", {})
    for name, score in scores.items():
        if score.get("score", 0) >= 1:
            continue
        submitted = data.get("submitted_answers", {}).get(name)
        mistake = mistake_for(name, submitted, data["params"])
        if mistake is not None:
            text = mistake["description"]
            message = f"{text[:1].upper()}{text[1:]}: that gives {mistake['value']:.6g}."
        elif _close(name, submitted, data["params"]):
            score["score"] = max(score.get("score", 0), ROUNDING_CREDIT)
            message = ("Close, but not within the tolerance: a rounding slip? "
                       f"{ROUNDING_CREDIT:g} of the points.")
        else:
            message = ("Not one of the common mistakes: work through the paths from the "
                       "weight to the loss again.")
        data.setdefault("feedback", {})[name] = message
        score["feedback"] = message
    if scores:  # as prairielearn.set_weighted_score_data does
        weights = {name: float(s.get("weight", 1)) for name, s in scores.items()}
        total = sum(weights.values()) or 1.0
        data["score"] = sum(float(s.get("score", 0)) * weights[name]
                            for name, s in scores.items()) / total


def _close(name: str, submitted: Any, params: dict[str, Any]) -> bool:
    try:
        value = float(submitted)
    except (TypeError, ValueError):
        return False
    answer = VARIANTS[int(params["variant"])]["answers"].get(name)
    # as course.grading judges it: the rounding band has no slack of its own
    return answer is not None and (abs(value - answer["value"])
                                   <= ROUNDING_FACTOR * answer["tolerance"])
