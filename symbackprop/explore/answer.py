"""The page's answer check: a typed number judged as ``symbackprop check`` judges a claimed one.

The rule is :mod:`symbackprop.check.judge`'s (one rule for ``check``, ``grade`` and this
page): a typed answer is right when it is within its tolerance of the true value, the
tolerance being one unit in its last typed digit (``-0.029`` allows ``0.001``) unless the
problem file sets one for that derivative, allowed exactly up to
:data:`symbackprop.check.judge.SLACK`; a wrong answer that matches a precomputed mistake by
the same rule is named.  The page's second box, the parameter after one step (with a learning
rate), is judged by the same rule against the updated value and the mistakes of a step.
``assets/explore.js`` applies the rule in the browser; a browser test compares it with
:func:`judge_answer` on a grid of answers.

What may be typed is what :func:`symbackprop.check.judge.read_number` reads: an optional sign,
digits with an optional decimal point, an optional exponent of at most
:data:`~symbackprop.check.judge.MAX_EXPONENT_DIGITS` digits, spaces around; nothing else (no
expression is evaluated), and at most :data:`~symbackprop.check.judge.MAX_ANSWER` characters.

Examples
--------
>>> read_answer(" -0.029 ")
Answer(value=-0.029, tolerance=0.001)
>>> read_answer("2.5e-3"), read_answer("1/2")
(Answer(value=0.0025, tolerance=0.0001), None)
>>> judge_answer("-0.08217", 0.08216704056, [("sign", -0.08216704056)])
Judgement(kind='mistake', mistake='sign', tolerance=1e-05, index=0)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..check.judge import (
    JUDGEMENTS,
    MAX_ANSWER,
    MAX_EXPONENT_DIGITS,
    Judgement,
    judge_number,
    read_number,
)

__all__ = ["MAX_ANSWER", "MAX_EXPONENT_DIGITS", "VERDICT_KINDS", "Answer", "Verdict",
           "judge_answer", "read_answer"]

VERDICT_KINDS = JUDGEMENTS
"""What the page says of an answer (:data:`symbackprop.check.judge.JUDGEMENTS`)."""

Verdict = Judgement
"""What the page says of an answer: :class:`symbackprop.check.judge.Judgement`."""

judge_answer = judge_number
"""The page's judge: :func:`symbackprop.check.judge.judge_number` of the typed text."""


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


def read_answer(text: str) -> Answer | None:
    """The number typed in ``text`` with its tolerance, or ``None`` if it is not a finite
    number in the allowed syntax (see the module docstring).

    Examples
    --------
    >>> read_answer(".5"), read_answer("5."), read_answer("1e400"), read_answer("0x10")
    (Answer(value=0.5, tolerance=0.1), Answer(value=5.0, tolerance=1.0), None, None)
    """
    typed = read_number(text)
    judged = None if typed is None else judge_number(typed, None)  # no true value: 'unknown'
    if typed is None or judged is None or judged.tolerance is None:  # or 'unreadable'
        return None
    return Answer(float(typed), judged.tolerance)
