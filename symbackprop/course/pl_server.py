"""The ``server.py`` of an exported PrairieLearn question (standard library only).

``symbackprop export prairielearn`` copies this module into the question folder with
:data:`VARIANTS` filled in: the precomputed variants, each with its numbers, its right answers,
the digits each question asks for, their tolerances and the values the common mistakes give.
PrairieLearn calls :func:`generate` when a student opens a variant, :func:`parse` after its
``pl-number-input`` elements have read the answers, and :func:`grade` after they have scored
them.  :func:`parse` reads each answer as symbackprop reads it (a Unicode minus, a decimal
comma, spaces between digit groups; the rule of :mod:`symbackprop.check.reading`), so that
what ``pl-number-input`` refuses is read too; :func:`grade` judges each answer by the rule of
``symbackprop grade`` (:mod:`symbackprop.check.judge`: right to the digits the question asks
for; too few digits; a named mistake; a near miss that no mistake explains, which earns
:data:`ROUNDING_CREDIT` of its points within :data:`ROUNDING_FACTOR` units of the last asked
digit; anything else) and writes the score and feedback, whatever the element's own tolerance
said.  The constants and the rule are repeated here because this file may not import
symbackprop; tests hold them equal to ``grade``'s on a grid of typed answers.  Nothing here
imports symbackprop, numpy or sympy, so the question runs on a PrairieLearn server as it is.

Examples
--------
>>> VARIANTS[:] = [{"values": [{"name": "x1", "value": "0.5"}],
...                 "answers": {"q1": {"value": 0.853542, "tolerance": 0.00001, "digits": 3,
...                                    "mistakes": [{"name": "update_sign", "value": 0.946542,
...                                                  "description": "the step's sign flipped"}]}}}]
>>> data = {"variant_seed": 7, "params": {}, "correct_answers": {}}
>>> generate(data)
>>> data["correct_answers"], data["params"]["tolerance"]
({'q1': 0.853542}, {'q1': 1e-05})
>>> data.update(raw_submitted_answers={"q1": "0,854"}, submitted_answers={"q1": None},
...             format_errors={"q1": "Invalid format."}, partial_scores={}, feedback={})
>>> parse(data)
>>> data["submitted_answers"], data["format_errors"]
({'q1': 0.854}, {})
>>> data["partial_scores"] = {"q1": {"score": 0}}
>>> grade(data)
>>> data["score"], data["feedback"]["q1"]
(1.0, 'Read as 0.854.')
>>> VARIANTS[:] = []
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

__all__ = ["ROUNDING_CREDIT", "ROUNDING_FACTOR", "SLACK", "VARIANTS", "generate", "grade",
           "judge", "parse", "read_answer", "verdict"]

ROUNDING_FACTOR = 10.0
"""An answer within this many units of the last asked digit (or tolerances), and no common
mistake, ..."""
ROUNDING_CREDIT = 0.5
"""... earns this fraction of its points (a rounding slip, not a wrong method)."""
SLACK = 1 + 1e-9
"""Tolerances are allowed exactly, up to floating-point noise (check's own slack)."""
MAX_ANSWER = 40
EXACT_MISTAKES = ("update_not_applied",)

VARIANTS: list[dict[str, Any]] = []  # filled in by symbackprop export prairielearn

# -- reading a number as people type it: symbackprop.check.reading ----------------------------

_AROUND = " \t\r\n\u00a0\u2009\u202f"
_NUMBER = re.compile(
    r"(?P<sign>[+\-\u2212\u2013]?)"
    r"(?P<mantissa>[0-9][0-9.,\u0020\u00a0\u2009\u202f]*|[.,][0-9][0-9\u0020\u00a0\u2009\u202f]*)"
    r"(?:(?P<e>[eE])(?P<esign>[+\-\u2212\u2013]?)(?P<exponent>[0-9]{1,4}))?\Z")
_POWER = re.compile("[x\u00d7*\u00b7][ \u00a0\u2009\u202f]*10[ \u00a0\u2009\u202f]*\\^")
_SPACE = re.compile("[\u0020\u00a0\u2009\u202f]")
_MINUS = "-\u2212\u2013"
_PROBLEMS = {
    "both": "both a decimal point and a comma: write one decimal point and no thousands "
            "separator, like 1234.5",
    "twice": "more than one decimal mark",
    "no decimals": "a decimal comma needs a digit after it",
    "groups": "a space may only separate groups of three digits, like 0.853 542",
    "power": "write a power of ten as an exponent: 2.5e-3 for 2.5 × 10^-3",
    "long": f"longer than {MAX_ANSWER} characters",
}


def _grouped(part: str, leading: bool) -> str | None:
    groups = _SPACE.split(part)
    if len(groups) == 1:
        return part
    inner = groups[1:] if leading else groups[:-1]
    edge = groups[0] if leading else groups[-1]
    if not 1 <= len(edge) <= 3 or any(len(g) != 3 for g in inner):
        return None
    return "".join(groups)


def _mantissa(mantissa: str) -> tuple[str, str]:
    points, commas = mantissa.count("."), mantissa.count(",")
    if points and commas:
        return "", _PROBLEMS["both"]
    if points > 1 or commas > 1:
        return "", _PROBLEMS["twice"]
    mark = "." if points else "," if commas else ""
    whole, _, fraction = mantissa.partition(mark) if mark else (mantissa, "", "")
    integer = _grouped(whole, True) if whole else ""
    decimals = _grouped(fraction, False) if fraction else ""
    if integer is None or decimals is None:
        return "", _PROBLEMS["groups"]
    if mark == ",":
        if not decimals:
            return "", _PROBLEMS["no decimals"]
        if len(decimals) == 3 and integer.strip("0") and not _SPACE.search(mantissa):
            return "", (f"ambiguous: a decimal comma ({integer}.{decimals}) or a thousands "
                        f"separator ({integer}{decimals})? Write {integer}.{decimals} or "
                        f"{integer}{decimals}")
    return integer + ("." + decimals if mark else ""), ""


def _sign(sign: str) -> str:
    return "-" if sign and sign in _MINUS else sign


def read_answer(typed: str) -> tuple[Decimal | None, str, str]:
    """``(number, its ASCII text, why not)`` of a typed answer.

    Examples
    --------
    >>> read_answer("−0,853")
    (Decimal('-0.853'), '-0.853', '')
    >>> read_answer("1,234")[2][:9]
    'ambiguous'
    """
    if len(typed) > MAX_ANSWER:
        return None, "", _PROBLEMS["long"]
    body = typed.strip(_AROUND)
    if _POWER.search(body):
        return None, "", _PROBLEMS["power"]
    match = _NUMBER.match(body)
    if match is None:
        return None, "", ""
    mantissa, why = _mantissa(match["mantissa"])
    if why:
        return None, "", why
    exponent = "" if match["e"] is None else match["e"] + _sign(match["esign"]) + match["exponent"]
    text = _sign(match["sign"]) + mantissa + exponent
    return Decimal(text), text, ""


# -- judging it: symbackprop.check.judge --------------------------------------------------------

def _within(value: float, target: float, tolerance: float) -> bool:
    return abs(value - target) <= tolerance * SLACK


def _unit(number: Decimal) -> float:
    exponent = number.as_tuple().exponent
    return float(Decimal(1).scaleb(exponent)) if isinstance(exponent, int) else math.nan


def _half(number: Decimal, value: float) -> bool:
    return _within(float(number), value, 0.5 * _unit(number))


def _significant(number: Decimal) -> int:
    digits = number.as_tuple().digits
    return 0 if not any(digits) else len(digits) - next(i for i, d in enumerate(digits) if d)


def _exponent(value: float, digits: int) -> int:
    return -digits if value == 0 else Decimal(repr(abs(value))).adjusted() - digits + 1


def _round(number: Decimal, exponent: int) -> Decimal | None:
    needed = max(1, number.adjusted() - exponent + 2)
    if needed > 100_000:
        return None
    with localcontext(prec=needed):
        try:
            return number.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
        except InvalidOperation:
            return None


def _alike(number: Decimal, value: float, digits: int) -> bool:
    exponent = _exponent(value, digits)
    mine = _round(number, exponent)
    return mine is not None and mine == _round(Decimal(repr(value)), exponent)


def _first(mistakes: list[dict[str, Any]], match: Any) -> int | None:
    return next((i for i, m in enumerate(mistakes) if match(float(m["value"]))), None)


def judge(number: Decimal, answer: dict[str, Any]) -> tuple[str, int | None, float]:
    """``(kind, index of the mistake, tolerance)`` of a number read, against an answer of
    :data:`VARIANTS` (``right``, ``digits``, ``mistake`` or ``wrong``).

    Examples
    --------
    >>> judge(Decimal("0.85"), {"value": 0.853542, "tolerance": 1e-5, "digits": 3,
    ...                         "mistakes": []})
    ('digits', None, 0.001)
    """
    right, digits, mistakes = float(answer["value"]), answer.get("digits"), answer["mistakes"]
    if digits:
        unit = float(Decimal(1).scaleb(_exponent(right, digits)))
        also = _first(mistakes, lambda wrong: _half(number, wrong))
        if also is None:
            also = _first(mistakes, lambda wrong: _alike(number, wrong, digits))
        if _alike(number, right, digits) or (_significant(number) >= digits
                                             and _half(number, right)):
            return "right", also, unit
        if _significant(number) < digits and _half(number, right):
            return "digits", also, unit
        return ("wrong" if also is None else "mistake"), also, unit
    allowed = float(answer["tolerance"])
    exact = None if _half(number, right) else next(
        (i for i, m in enumerate(mistakes)
         if m["name"] in EXACT_MISTAKES and _half(number, float(m["value"]))), None)
    also = exact if exact is not None else _first(
        mistakes, lambda wrong: _within(float(number), wrong, allowed))
    if exact is None and _within(float(number), right, allowed):
        return "right", also, allowed
    return ("wrong" if also is None else "mistake"), also, allowed


def verdict(name: str, typed: str, params: dict[str, Any]) -> dict[str, Any]:
    """What ``grade`` gives the answer ``typed`` to question ``name``: its ``kind`` (as
    ``symbackprop grade`` names it: ``correct``, ``digits``, ``incorrect``, ``rounding`` or
    ``invalid``), the ``mistake`` named, the ``score`` (0 to 1) and the ``feedback``.

    Examples
    --------
    >>> VARIANTS[:] = [{"values": [], "answers": {"q1": {"value": 1.0, "tolerance": 0.1,
    ...     "mistakes": [{"name": "sign", "value": -1.0, "description": "the sign flipped"}]}}}]
    >>> verdict("q1", "−1.0", {"variant": 0})["feedback"]
    'Read as -1.0. The sign flipped: that gives -1.'
    >>> VARIANTS[:] = []
    """
    answer = VARIANTS[int(params["variant"])]["answers"][name]
    number, text, why = read_answer(typed)
    if number is None or not number.is_finite() or not math.isfinite(float(number)):
        return {"kind": "invalid", "mistake": None, "score": 0.0,
                "feedback": f"{typed[:40]!r} is not a number" + (f": {why}." if why else ".")}
    kind, index, unit = judge(number, answer)
    read = f"Read as {text}. " if text != typed.strip(_AROUND) else ""
    right, digits = float(answer["value"]), answer.get("digits")
    if kind == "right":
        return {"kind": "correct", "mistake": None, "score": 1.0, "feedback": read.strip()}
    if kind == "digits":
        given = _significant(number)
        to = f"to {given}" if given else "at its own precision"
        return {"kind": "digits", "mistake": None, "score": 0.0, "feedback": (
            f"{read}Give more digits: the question asks for {digits} significant digits; "
            f"{text} agrees with the right value {to}.")}
    if kind == "mistake" and index is not None:
        mistake = answer["mistakes"][index]
        said = mistake["description"]
        return {"kind": "incorrect", "mistake": mistake["name"], "score": 0.0, "feedback": (
            f"{read}{said[:1].upper()}{said[1:]}: that gives {mistake['value']:.10g}.")}
    if abs(float(number) - right) <= ROUNDING_FACTOR * unit:  # no slack, as grade's band
        return {"kind": "rounding", "mistake": None, "score": ROUNDING_CREDIT, "feedback": (
            f"{read}Close, but not right to the digits asked: a rounding slip? "
            f"{ROUNDING_CREDIT:g} of the points.")}
    return {"kind": "incorrect", "mistake": None, "score": 0.0, "feedback": (
        f"{read}Not one of the common mistakes: work through the paths from the weight to the "
        "loss again.")}


# -- PrairieLearn's calls -----------------------------------------------------------------------

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


def _typed(data: dict[str, Any], name: str) -> str | None:
    """The answer as the student typed it (PrairieLearn keeps it in
    ``raw_submitted_answers``), else the element's parsed value."""
    raw = data.get("raw_submitted_answers", {}).get(name)
    if isinstance(raw, str):
        return raw
    submitted = data.get("submitted_answers", {}).get(name)
    return None if submitted is None else repr(submitted)


def parse(data: dict[str, Any]) -> None:
    """Read every answer as symbackprop reads it: one that ``pl-number-input`` could not read
    (``−0.853``, ``0,853``) is read, and one that it read but symbackprop does not (``1,234``)
    gets the reason as its format error.

    Examples
    --------
    >>> VARIANTS[:] = [{"values": [], "answers": {"q1": {"value": 1.0, "tolerance": 0.1,
    ...                                                  "mistakes": []}}}]
    >>> data = {"params": {"variant": 0}, "raw_submitted_answers": {"q1": "1,234"},
    ...         "submitted_answers": {"q1": 1234.0}, "format_errors": {}}
    >>> parse(data)
    >>> data["format_errors"]["q1"][:22]
    "'1,234' is not a numbe"
    >>> VARIANTS[:] = []
    """
    answers = VARIANTS[int(data["params"]["variant"])]["answers"]
    errors = data.setdefault("format_errors", {})
    for name in answers:
        typed = _typed(data, name)
        if typed is None or not typed.strip():
            continue
        number, _, why = read_answer(typed)
        if number is None or not number.is_finite() or not math.isfinite(float(number)):
            errors[name] = f"{typed[:40]!r} is not a number" + (f": {why}." if why else ".")
            continue
        data.setdefault("submitted_answers", {})[name] = float(number)
        errors.pop(name, None)


def grade(data: dict[str, Any]) -> None:
    """Judge every answer by symbackprop's rule (:func:`verdict`): set its score and feedback,
    and the question's ``score`` from the partial scores (weighted, as PrairieLearn weights
    them).

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
    scores = data.setdefault("partial_scores", {})
    answers = VARIANTS[int(data["params"]["variant"])]["answers"]
    for name in answers:
        typed = _typed(data, name)
        if typed is None or name in data.get("format_errors", {}):
            continue
        judged = verdict(name, typed, data["params"])
        score = scores.setdefault(name, {"score": 0})
        score["score"] = judged["score"]
        if judged["feedback"]:
            data.setdefault("feedback", {})[name] = judged["feedback"]
            score["feedback"] = judged["feedback"]
    if scores:  # as prairielearn.set_weighted_score_data does
        weights = {name: float(s.get("weight", 1)) for name, s in scores.items()}
        total = sum(weights.values()) or 1.0
        data["score"] = sum(float(s.get("score", 0)) * weights[name]
                            for name, s in scores.items()) / total
