"""How a number is judged: its tolerance, and right, a named mistake, wrong or unreadable.

One rule, used by ``check`` (a claim's number), ``grade`` (a student's answer against the key),
the interactive page (a typed answer) and the answer keys:

- **the tolerance** (:func:`tolerance_of`): one unit in the number's last printed digit
  (``-0.029`` allows ``0.001``), unless a file sets ``tolerance``; a question that asks for
  ``digits`` significant digits allows one unit in the last of them of the right value
  (:func:`asked_tolerance`, written into the answer key);
- **the verdict** (:func:`judge_number`): *right* when the number is within its tolerance of
  the true value, allowed exactly up to :data:`SLACK` (floating-point noise); else *a mistake*,
  the first of the predicted mistakes' values it is within the tolerance of; else *wrong*.  Text
  that is not a finite number in the plain syntax of :func:`read_number` is *unreadable*.

Two copies of this rule run where symbackprop is not installed, and tests hold them equal to
it: the ``server.py`` of a PrairieLearn question (:mod:`symbackprop.course.pl_server`) and the
script of the interactive page (``symbackprop/explore/assets/explore.js``).

Examples
--------
>>> mistakes = [("sign", -0.08216704056)]
>>> judge_number("0.0821", 0.08216704056, mistakes)
Judgement(kind='right', mistake=None, tolerance=0.0001, index=None)
>>> judge_number("-0.08217", 0.08216704056, mistakes)
Judgement(kind='mistake', mistake='sign', tolerance=1e-05, index=0)
>>> judge_number("0.08", 0.08216704056, mistakes, tolerance=1e-6).kind
'wrong'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..spec.claims import printed_unit

__all__ = ["JUDGEMENTS", "MAX_ANSWER", "MAX_EXPONENT_DIGITS", "SLACK", "Judgement",
           "asked_tolerance", "judge_number", "read_number", "tolerance_of", "within"]

SLACK = 1 + 1e-9
"""Tolerances are allowed exactly, up to floating-point noise."""
JUDGEMENTS = ("right", "mistake", "wrong", "unreadable", "unknown")
"""What :func:`judge_number` says; ``unknown``: there is no true value to judge against."""
MAX_ANSWER = 40
"""The longest answer :func:`read_number` reads, in characters."""
MAX_EXPONENT_DIGITS = 4
"""The most digits of an exponent (``1e-9999``): past them a number is not read."""

# The same pattern as NUMBER in explore/assets/explore.js: only ASCII digits and spaces.
_NUMBER = re.compile(r"[ \t\r\n]*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)"
                     rf"(?:[eE][+-]?[0-9]{{1,{MAX_EXPONENT_DIGITS}}})?[ \t\r\n]*\Z")


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


def read_number(text: str) -> Decimal | None:
    """The number ``text`` holds, as printed (its digits kept), or ``None`` if it is not one.

    What is read: an optional sign, digits with an optional decimal point, an optional
    exponent of at most :data:`MAX_EXPONENT_DIGITS` digits, spaces around; nothing else (no
    expression is evaluated), and at most :data:`MAX_ANSWER` characters.

    Examples
    --------
    >>> read_number(" -0.029 "), read_number(".5"), read_number("5.")
    (Decimal('-0.029'), Decimal('0.5'), Decimal('5'))
    >>> read_number("1/2"), read_number("0x10"), read_number("1e99999")
    (None, None, None)
    """
    if len(text) > MAX_ANSWER or not _NUMBER.match(text):
        return None
    return Decimal(text.strip(" \t\r\n"))


@dataclass(frozen=True)
class Judgement:
    """What :func:`judge_number` says of a number.

    Attributes
    ----------
    kind : str
        One of :data:`JUDGEMENTS`.
    mistake : str or None
        For ``mistake``, the mistake's name; for ``right``, a mistake that gives the same
        number within the tolerance (more digits are needed to tell them apart).
    tolerance : float or None
        The tolerance the number was judged with (``None`` when it could not be read).
    index : int or None
        The position of that mistake in the list given (several may share a name: one per
        path left out).

    Examples
    --------
    >>> judge_number("0.0", 0.0032, [("sign", -0.0032)])        # right, but so is the mistake
    Judgement(kind='right', mistake='sign', tolerance=0.1, index=0)
    """

    kind: str
    mistake: str | None = None
    tolerance: float | None = None
    index: int | None = None


def judge_number(answer: str | Decimal, right: float | None,
                 mistakes: Iterable[tuple[str, float]] = (), tolerance: float | None = None
                 ) -> Judgement:
    """Judge ``answer`` (text, read by :func:`read_number`, or a number as printed) against
    the true value ``right`` and the ``(name, value)`` of each predicted mistake, in order.

    Parameters
    ----------
    answer : str or Decimal
    right : float or None
        The true value; ``None`` when there is none (the verdict is ``unknown``).
    mistakes : iterable of (str, float)
    tolerance : float, optional
        The file's (or the key's) tolerance; without it, the answer's printed digits decide
        (:func:`tolerance_of`).

    Examples
    --------
    >>> judge_number("two", 0.08216704056).kind, judge_number("0.08", None).kind
    ('unreadable', 'unknown')
    >>> judge_number(Decimal("1e400"), 0.5, tolerance=0.1).kind     # not a finite float
    'unreadable'
    """
    number = read_number(answer) if isinstance(answer, str) else answer
    if number is None or not number.is_finite() or not math.isfinite(float(number)):
        return Judgement("unreadable")
    value = float(number)
    allowed = tolerance_of(number, tolerance)
    if allowed is None:  # a finite number has a last digit: not reached
        return Judgement("unreadable")
    if right is None:
        return Judgement("unknown", tolerance=allowed)
    also = next(((i, name) for i, (name, wrong) in enumerate(mistakes)
                 if within(value, wrong, allowed)), None)
    index, name = also if also is not None else (None, None)
    if within(value, right, allowed):
        return Judgement("right", name, allowed, index)
    if also is not None:
        return Judgement("mistake", name, allowed, index)
    return Judgement("wrong", tolerance=allowed)
