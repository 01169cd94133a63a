"""The page's answer check, in Python: the rule its JavaScript applies to a typed number.

A typed answer is judged as ``symbackprop check`` judges a claimed number
(:mod:`symbackprop.check.claims`): it is right when it is within its tolerance of the true
value, the tolerance being one unit in its last typed digit (``-0.029`` allows ``0.001``,
:attr:`symbackprop.spec.claims.Claim.printed_tolerance`) unless the problem file sets one for
that derivative, allowed exactly up to :data:`symbackprop.check.evidence.SLACK`.  A wrong answer
that matches a precomputed mistake by the same rule is named.  The page's second box, the
parameter after one step (with a learning rate), is judged by the same rule against the
updated value and the mistakes of a step.  ``assets/explore.js`` does the
same in the browser; a browser test compares the two on a grid of answers, and this module with
:func:`symbackprop.check.check_problem` itself.

What may be typed: an optional sign, digits with an optional decimal point, an optional exponent
of at most :data:`MAX_EXPONENT_DIGITS` digits, spaces around; nothing else is read (no
expression is evaluated), and at most :data:`MAX_ANSWER` characters.

Examples
--------
>>> read_answer(" -0.029 ")
Answer(value=-0.029, tolerance=0.001)
>>> read_answer("2.5e-3"), read_answer("1/2")
(Answer(value=0.0025, tolerance=0.0001), None)
>>> judge_answer("0.0821", 0.08216704056, [("sign", -0.08216704056)])
Verdict(kind='right', mistake=None, tolerance=0.0001)
>>> judge_answer("-0.08217", 0.08216704056, [("sign", -0.08216704056)])
Verdict(kind='mistake', mistake='sign', tolerance=1e-05)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ..check.evidence import SLACK
from ..spec.claims import Claim

__all__ = ["MAX_ANSWER", "MAX_EXPONENT_DIGITS", "VERDICT_KINDS", "Answer", "Verdict",
           "judge_answer", "read_answer"]

MAX_ANSWER = 40
"""The longest answer read, in characters."""
MAX_EXPONENT_DIGITS = 4
"""The most digits of an exponent (``1e-9999``): past them a number is not read."""
VERDICT_KINDS = ("right", "mistake", "wrong", "unreadable", "unknown")
"""``unknown``: the page has no true value to judge against (the file gives no values)."""

# The same pattern as NUMBER in assets/explore.js: only ASCII digits and spaces.
_NUMBER = re.compile(r"[ \t\r\n]*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)"
                     rf"(?:[eE][+-]?[0-9]{{1,{MAX_EXPONENT_DIGITS}}})?[ \t\r\n]*\Z")


@dataclass(frozen=True)
class Answer:
    """A typed number and its tolerance (one unit in its last digit).

    Examples
    --------
    >>> read_answer("12")
    Answer(value=12.0, tolerance=1.0)
    """

    value: float
    tolerance: float


@dataclass(frozen=True)
class Verdict:
    """What the page says of an answer: ``kind`` one of :data:`VERDICT_KINDS`, the mistake's
    name for ``mistake`` (for a right answer: a mistake that gives the same number to the
    digits typed, so that more digits are needed to tell them apart), and the tolerance the
    answer was judged with.

    Examples
    --------
    >>> judge_answer("7", 0.5, [])
    Verdict(kind='wrong', mistake=None, tolerance=1.0)
    >>> judge_answer("0.0", 0.0032, [("sign", -0.0032)])      # right, but so is the mistake
    Verdict(kind='right', mistake='sign', tolerance=0.1)
    """

    kind: str
    mistake: str | None = None
    tolerance: float | None = None


def read_answer(text: str) -> Answer | None:
    """The number typed in ``text`` with its tolerance, or ``None`` if it is not a finite
    number in the allowed syntax (see the module docstring).

    Examples
    --------
    >>> read_answer(".5"), read_answer("5."), read_answer("1e400"), read_answer("0x10")
    (Answer(value=0.5, tolerance=0.1), Answer(value=5.0, tolerance=1.0), None, None)
    """
    if len(text) > MAX_ANSWER or not _NUMBER.match(text):
        return None
    typed = Decimal(text.strip(" \t\r\n"))
    tolerance = Claim("", "derivative", "", None, 0, value=typed).printed_tolerance
    value = float(typed)
    if tolerance is None or not math.isfinite(value):
        return None
    return Answer(value, tolerance)


def judge_answer(text: str, right: float | None, mistakes: Iterable[tuple[str, float]],
                 tolerance: float | None = None) -> Verdict:
    """Judge the typed ``text`` against the true value ``right`` and the ``(name, value)`` of
    each mistake, in order; ``tolerance`` is the file's own (it overrides the typed digits).

    Examples
    --------
    >>> judge_answer("0.08", 0.08216704056, [], tolerance=1e-6).kind
    'wrong'
    >>> judge_answer("two", 0.08216704056, []).kind, judge_answer("0.08", None, []).kind
    ('unreadable', 'unknown')
    """
    answer = read_answer(text)
    if answer is None:
        return Verdict("unreadable")
    allowed = answer.tolerance if tolerance is None else tolerance
    if right is None:
        return Verdict("unknown", tolerance=allowed)

    def close(value: float) -> bool:
        return abs(answer.value - value) <= allowed * SLACK

    also = next((name for name, value in mistakes if close(value)), None)
    if close(right):
        return Verdict("right", also, allowed)
    if also is not None:
        return Verdict("mistake", also, allowed)
    return Verdict("wrong", tolerance=allowed)
