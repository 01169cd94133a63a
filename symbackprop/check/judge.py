"""How a number is judged: its tolerance, and right, a named mistake, wrong or unreadable.

One rule, used by ``check`` (a claim's number), ``grade`` (a student's answer against the key),
the interactive page (a typed answer) and the answer keys.  Text is read by
:func:`symbackprop.check.reading.read_answer` (a Unicode minus, a decimal comma, spaces between
digit groups); a number is then judged in one of two ways:

- **a claim's number, or an answer to a question without asked digits** (``digits=None``): it
  is *right* when within its tolerance of the true value: one unit in its last printed digit
  (``-0.029`` allows ``0.001``, :func:`tolerance_of`), unless a file sets ``tolerance``;
  allowed exactly up to :data:`SLACK` (floating-point noise).  A number that claims no digits
  was asked for, so the tolerance is what its own digits say.
- **an answer to a question that asks for** ``digits`` **significant digits**: it is *right*
  when, rounded to the asked digits (half up), it equals the true value so rounded, or, given
  with at least the asked digits, when it is within half a unit of its own last digit of the
  true value.  For 3 digits of 0.853542: ``0.854``, ``0.8535``, ``0.8536`` and ``0.853542``
  are right, ``0.853`` and ``0.855`` are not.  An answer given with fewer digits than asked
  that is the true value at its own precision (``0.85``) is ``digits``: "give more digits".

Else it is *a mistake*, the first of the predicted mistakes' values it matches by the same
rule (within the tolerance; or, with asked digits, within half a unit of its own last digit,
else rounded alike to the asked digits: a student who gives more digits is matched more
closely); else *wrong*.  Right wins, and names a mistake that matches too (the digits
cannot tell them apart), with one exception: a number that is exactly (within half a unit of
its last digit) the value of one of :data:`EXACT_MISTAKES` (an update's unchanged parameter,
``update_not_applied``) and not the true value at its own precision is that mistake, even
within the one-unit tolerance of the true value: ``0.8`` for an updated ``w = 0.8`` whose true
value is 0.853 is the old weight, not a rounding of the new one.  Text that is not a finite
number is *unreadable*.

Two copies of this rule run where symbackprop is not installed, and tests hold them equal to
it: the ``server.py`` of a PrairieLearn question (:mod:`symbackprop.course.pl_server`) and the
script of the interactive page (``symbackprop/explore/assets/explore.js``).

Examples
--------
>>> mistakes = [("sign", -0.08216704056)]
>>> judge_number("0.0821", 0.08216704056, mistakes)
Judgement(kind='right', mistake=None, tolerance=0.0001, index=None, read='0.0821')
>>> judge_number("-0.08217", 0.08216704056, mistakes).kind
'mistake'
>>> [judge_number(t, 0.853542, digits=3).kind for t in ("0.854", "0.8536", "0.85", "0.853")]
['right', 'right', 'digits', 'wrong']
>>> judge_number("0.08", 0.08216704056, mistakes, tolerance=1e-6).kind
'wrong'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

import numpy as np

from ..spec.claims import printed_unit
from .mistakes import NOT_UPDATED
from .reading import read_answer, significant_digits

__all__ = ["EXACT_MISTAKES", "JUDGEMENTS", "SLACK", "Judgement", "agrees", "asked_tolerance",
           "entry_tolerances", "judge_number", "rounded_alike", "tolerance_of", "within"]

SLACK = 1 + 1e-9
"""Tolerances are allowed exactly, up to floating-point noise."""
JUDGEMENTS = ("right", "digits", "mistake", "wrong", "unreadable", "unknown")
"""What :func:`judge_number` says; ``digits``: right at its own precision, but fewer digits
than asked; ``unknown``: there is no true value to judge against."""
EXACT_MISTAKES = (NOT_UPDATED.name,)
"""Mistakes whose value is a number of the problem itself (the parameter before its update):
an answer that is exactly that number is the mistake, even within the tolerance of the true
value (see the module's docstring)."""


def within(value: Any, target: Any, tolerance: Any) -> Any:
    """Whether ``value`` is within ``tolerance`` of ``target`` (up to :data:`SLACK`); floats,
    or numpy arrays compared element by element.

    Examples
    --------
    >>> within(0.1004, 0.1, 1e-3), within(0.1011, 0.1, 1e-3)
    (True, False)
    """
    return abs(value - target) <= tolerance * SLACK


def tolerance_of(number: Decimal | None, given: float | None = None) -> float | None:
    """The tolerance a printed number is judged with: ``given`` (a file's ``tolerance``) when
    there is one, else one unit in the number's last printed digit
    (:func:`symbackprop.spec.claims.printed_unit`); ``None`` when neither says.

    Examples
    --------
    >>> tolerance_of(Decimal("-0.029")), tolerance_of(Decimal("0.80"), given=1e-6)
    (0.001, 1e-06)
    >>> tolerance_of(None) is None
    True
    """
    if given is not None:
        return given
    return None if number is None else printed_unit(number)


def entry_tolerances(numbers: Sequence[Decimal], given: Any = None) -> np.ndarray:
    """Each number's tolerance by :func:`tolerance_of`, for a tensor judged entry by entry
    (with :func:`within` on the arrays): ``given`` (a number, or an array of one per entry)
    when there is one, else one unit in each number's own last printed digit.

    Examples
    --------
    >>> entry_tolerances([Decimal("0.25"), Decimal("-1.5"), Decimal("3")])
    array([0.01, 0.1 , 1.  ])
    >>> within(np.array([0.251, -1.6]), np.array([0.25, -1.52]),
    ...        entry_tolerances([Decimal("0.251"), Decimal("-1.6")]))
    array([ True,  True])
    """
    if given is not None:
        return np.broadcast_to(np.asarray(given, dtype=float), (len(numbers),)).copy()
    units = [tolerance_of(n) for n in numbers]
    return np.array([math.inf if u is None else u for u in units], dtype=float)


def asked_tolerance(right: float, digits: int, given: float | None = None) -> float:
    """The tolerance of a question that asks for ``digits`` significant digits of the right
    value ``right``: one unit in the last of them (``10^-digits`` for a right value of 0);
    ``given`` (the question's ``tolerance``) when there is one.

    Examples
    --------
    >>> asked_tolerance(0.0821670, 3), asked_tolerance(-12.5, 2), asked_tolerance(0.0, 3)
    (0.0001, 1.0, 0.001)
    >>> asked_tolerance(0.0821670, 3, given=0.01)
    0.01
    """
    if given is not None:
        return given
    if right == 0:
        return 10.0 ** -digits
    exponent = Decimal(repr(abs(right))).adjusted()
    return float(Decimal(1).scaleb(exponent - digits + 1))


def _exponent(value: float, digits: int) -> int:
    """The exponent of the last of ``digits`` significant digits of ``value`` (``-digits``
    for 0)."""
    if value == 0:
        return -digits
    return Decimal(repr(abs(value))).adjusted() - digits + 1


def _round(number: Decimal, exponent: int) -> Decimal | None:
    """``number`` rounded half up (away from 0) to a multiple of ``10^exponent``; ``None``
    when that would take more than 100,000 digits."""
    needed = max(1, number.adjusted() - exponent + 2)
    if needed > 100_000:
        return None
    with localcontext(prec=needed):
        try:
            return number.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
        except InvalidOperation:  # pragma: no cover (the precision is enough)
            return None


def rounded_alike(number: Decimal, value: float, digits: int) -> bool:
    """Whether ``number`` and ``value`` are equal when both are rounded (half up) to
    ``digits`` significant digits of ``value``.

    Examples
    --------
    >>> [rounded_alike(Decimal(t), 0.853542, 3) for t in ("0.8535", "0.85", "0.8544", "0.853")]
    [True, False, True, False]
    >>> rounded_alike(Decimal("0.100"), 0.0999996, 3)       # 0.0999996 rounds up to 0.1000
    True
    """
    exponent = _exponent(value, digits)
    mine = _round(number, exponent)
    return mine is not None and mine == _round(Decimal(repr(value)), exponent)


def _half(number: Decimal, value: float) -> bool:
    """Whether ``number`` is ``value`` at its own precision: within half a unit of its last
    digit."""
    unit = printed_unit(number)
    return unit is not None and bool(within(float(number), value, 0.5 * unit))


def agrees(number: Decimal, value: float, digits: int) -> bool:
    """Whether ``number``, an answer to a question asking for ``digits`` significant digits,
    is ``value``: rounded alike (:func:`rounded_alike`), or given with at least the asked
    digits and within half a unit of its own last digit.

    Examples
    --------
    >>> [agrees(Decimal(t), 0.853542, 3) for t in ("0.854", "0.8536", "0.853542", "0.85")]
    [True, True, True, False]
    """
    return rounded_alike(number, value, digits) or (
        significant_digits(number) >= digits and _half(number, value))


@dataclass(frozen=True)
class Judgement:
    """What :func:`judge_number` says of a number.

    Attributes
    ----------
    kind : str
        One of :data:`JUDGEMENTS`.
    mistake : str or None
        For ``mistake``, the mistake's name; for ``right`` (and ``digits``), a mistake that
        gives the same number to these digits (more digits are needed to tell them apart).
    tolerance : float or None
        The tolerance the number was judged with: one unit in its last digit, the file's
        tolerance, or with asked digits one unit in the last of them (``None`` when the
        number could not be read).
    index : int or None
        The position of that mistake in the list given (several may share a name: one per
        path left out).
    read : str or None
        The number read, in ASCII (``-0.853`` for ``−0,853``); ``None`` when none was.
    problem : str
        Why no number was read, when a reason is known.

    Examples
    --------
    >>> judge_number("0.0", 0.0032, [("sign", -0.0032)])        # right, but so is the mistake
    Judgement(kind='right', mistake='sign', tolerance=0.1, index=0, read='0.0')
    >>> judge_number("1,234", 1.234).problem[:9]
    'ambiguous'
    """

    kind: str
    mistake: str | None = None
    tolerance: float | None = None
    index: int | None = None
    read: str | None = None
    problem: str = field(default="", repr=False)


def _first(mistakes: Iterable[tuple[str, float]], match: Callable[[float], bool]
           ) -> tuple[int, str] | None:
    return next(((i, name) for i, (name, wrong) in enumerate(mistakes) if match(wrong)), None)


def judge_number(answer: str | Decimal, right: float | None,
                 mistakes: Iterable[tuple[str, float]] = (), tolerance: float | None = None,
                 digits: int | None = None) -> Judgement:
    """Judge ``answer`` (text, read by :func:`~symbackprop.check.reading.read_answer`, or a
    number as printed) against the true value ``right`` and the ``(name, value)`` of each
    predicted mistake, in order.

    Parameters
    ----------
    answer : str or Decimal
    right : float or None
        The true value; ``None`` when there is none (the verdict is ``unknown``).
    mistakes : iterable of (str, float)
    tolerance : float, optional
        The file's tolerance; without it, the answer's printed digits decide
        (:func:`tolerance_of`).  Not used with ``digits``.
    digits : int, optional
        The significant digits the question asks for; with them the rule of asked digits
        judges (see the module's docstring).

    Examples
    --------
    >>> judge_number("two", 0.08216704056).kind, judge_number("0.08", None).kind
    ('unreadable', 'unknown')
    >>> judge_number(Decimal("1e400"), 0.5, tolerance=0.1).kind     # not a finite float
    'unreadable'
    >>> judge_number("0.8", 0.853, [("update_not_applied", 0.8)]).kind  # the old weight
    'mistake'
    """
    if isinstance(answer, str):
        reading = read_answer(answer)
        number, read, problem = reading.number, reading.text, reading.problem
    else:
        number, read, problem = answer, str(answer), ""
    if number is None or not number.is_finite() or not math.isfinite(float(number)):
        return Judgement("unreadable", problem=problem)
    value = float(number)
    listed = list(mistakes)
    if digits is not None and right is not None:
        return _by_digits(number, right, listed, digits, read)
    allowed = tolerance_of(number, tolerance)
    if allowed is None:  # a finite number has a last digit: not reached
        return Judgement("unreadable")
    if right is None:
        return Judgement("unknown", tolerance=allowed, read=read)
    exact = None if _half(number, right) else next(  # the unchanged parameter, say
        ((i, name) for i, (name, wrong) in enumerate(listed)
         if name in EXACT_MISTAKES and _half(number, wrong)), None)
    also = exact or _first(listed, lambda wrong: bool(within(value, wrong, allowed)))
    index, name = also if also is not None else (None, None)
    if exact is None and within(value, right, allowed):
        return Judgement("right", name, allowed, index, read)
    if also is not None:
        return Judgement("mistake", name, allowed, index, read)
    return Judgement("wrong", tolerance=allowed, read=read)


def _by_digits(number: Decimal, right: float, mistakes: list[tuple[str, float]], digits: int,
               read: str | None) -> Judgement:
    """The verdict on an answer to a question asking for ``digits`` significant digits."""
    unit = float(Decimal(1).scaleb(_exponent(right, digits)))
    also = (_first(mistakes, lambda wrong: _half(number, wrong))  # at its own digits first
            or _first(mistakes, lambda wrong: rounded_alike(number, wrong, digits)))
    index, name = also if also is not None else (None, None)
    if agrees(number, right, digits):
        return Judgement("right", name, unit, index, read)
    if significant_digits(number) < digits and _half(number, right):
        return Judgement("digits", name, unit, index, read)
    if also is not None:
        return Judgement("mistake", name, unit, index, read)
    return Judgement("wrong", tolerance=unit, read=read)
