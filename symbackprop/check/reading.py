"""Reading a number as people type it: the one reader of every answer and claim typed by hand.

:func:`read_answer` reads what a student types, or copies from a PDF, or a spreadsheet in a
decimal-comma locale writes, and says what it read:

- a sign: ``-``, ``+``, the Unicode minus ``−`` (U+2212, which symbackprop's own PDFs print) or
  an en dash ``–`` (U+2013) as a leading sign, and the same in an exponent;
- digits with one decimal point, or one decimal comma when that is unambiguous (``1,5``,
  ``-0,853``, ``12,3456``); ``1,234`` (exactly three digits after a single comma, and another
  digit than 0 before it) could be 1.234 or 1234, and is refused with a message saying so;
- spaces between groups of three digits (``0.853 542``, ``1 234,5``): a space, a no-break
  space (U+00A0), a thin space (U+2009) or a narrow no-break space (U+202F);
- an exponent ``e`` or ``E`` of at most :data:`MAX_EXPONENT_DIGITS` digits (``2.5e-3``);
  ``2.5×10^-3`` is refused with the way to write it;
- spaces (and tabs, line breaks) around, at most :data:`MAX_ANSWER` characters.

Nothing is evaluated: ``1/2``, ``0x10``, ``1_000`` and other digits than ASCII's are not
numbers.  The number keeps the digits as typed (``0,850`` is ``Decimal('0.850')``), since the
judge (:mod:`symbackprop.check.judge`) reads its precision from them.  The same reader runs in
the interactive page's script and in a PrairieLearn question's ``server.py``; tests hold them
equal.

Examples
--------
>>> read_answer("−0,853")
Reading('−0,853' read as -0.853)
>>> read_answer("1,234").problem
'ambiguous: a decimal comma (1.234) or a thousands separator (1234)? Write 1.234 or 1234'
>>> read_number(" -0.029 "), read_number("0.853 542"), read_number("1/2")
(Decimal('-0.029'), Decimal('0.853542'), None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["GROUP_SPACES", "MAX_ANSWER", "MAX_EXPONENT_DIGITS", "MINUS_SIGNS", "Reading",
           "read_answer", "read_number", "significant_digits"]

MAX_ANSWER = 40
"""The longest answer :func:`read_answer` reads, in characters."""
MAX_EXPONENT_DIGITS = 4
"""The most digits of an exponent (``1e-9999``): past them a number is not read."""
MINUS_SIGNS = "-\u2212\u2013"
"""What is read as a minus sign: ASCII's, the Unicode minus, an en dash."""
GROUP_SPACES = " \u00a0\u2009\u202f"
"""What may separate groups of three digits: a space, a no-break, thin or narrow no-break
space."""

_AROUND = " \t\r\n\u00a0\u2009\u202f"
# The same patterns as in explore/assets/explore.js and course/pl_server.py.
_NUMBER = re.compile(
    r"(?P<sign>[+\-\u2212\u2013]?)"
    r"(?P<mantissa>[0-9][0-9.,\u0020\u00a0\u2009\u202f]*|[.,][0-9][0-9\u0020\u00a0\u2009\u202f]*)"
    rf"(?:(?P<e>[eE])(?P<esign>[+\-\u2212\u2013]?)(?P<exponent>[0-9]{{1,{MAX_EXPONENT_DIGITS}}}))?"
    r"\Z")
_POWER = re.compile("[x\u00d7*\u00b7][ \u00a0\u2009\u202f]*10[ \u00a0\u2009\u202f]*\\^")
_SPACE = re.compile("[\u0020\u00a0\u2009\u202f]")

AMBIGUOUS = "ambiguous: a decimal comma ({a}.{b}) or a thousands separator ({a}{b})? Write " \
            "{a}.{b} or {a}{b}"
BOTH_MARKS = "both a decimal point and a comma: write one decimal point and no thousands " \
             "separator, like 1234.5"
MARKS_TWICE = "more than one decimal mark"
NO_DECIMALS = "a decimal comma needs a digit after it"
GROUPS = "a space may only separate groups of three digits, like 0.853 542"
POWER = "write a power of ten as an exponent: 2.5e-3 for 2.5 × 10^-3"
TOO_LONG = f"longer than {MAX_ANSWER} characters"


@dataclass(frozen=True)
class Reading:
    """What :func:`read_answer` read of a typed answer.

    Attributes
    ----------
    typed : str
        The answer as typed.
    number : Decimal or None
        The number, its digits kept; ``None`` when none was read.
    text : str
        The number in ASCII (``-0.853`` for ``−0,853``); empty when none was read.
    problem : str
        Why no number was read, when a reason is known (an ambiguous comma, say).

    Examples
    --------
    >>> read_answer("0.5").changed, read_answer("−0.5").changed, read_answer(" 0.5 ").changed
    (False, True, False)
    """

    typed: str
    number: Decimal | None
    text: str = ""
    problem: str = ""

    @property
    def changed(self) -> bool:
        """Whether what was read differs from what was typed (spaces around aside): then a
        verdict says what was read ("read as -0.853")."""
        return self.number is not None and self.text != self.typed.strip(_AROUND)

    def __repr__(self) -> str:
        if self.number is None:
            return f"Reading({self.typed!r}: not a number{': ' if self.problem else ''}" \
                   f"{self.problem})"
        return f"Reading({self.typed!r} read as {self.text})"


def _grouped(part: str, leading: bool) -> str | None:
    """``part``'s digits when its spaces separate groups of three (the first group of an
    integer part, the last of a fraction, may be shorter), else ``None``."""
    groups = _SPACE.split(part)
    if len(groups) == 1:
        return part
    inner = groups[1:] if leading else groups[:-1]
    edge = groups[0] if leading else groups[-1]
    if not 1 <= len(edge) <= 3 or any(len(g) != 3 for g in inner):
        return None
    return "".join(groups)


def _mantissa(mantissa: str) -> tuple[str, str]:
    """``(ASCII mantissa, "")``, or ``("", why)`` when the marks or spaces do not read."""
    points, commas = mantissa.count("."), mantissa.count(",")
    if points and commas:
        return "", BOTH_MARKS
    if points > 1 or commas > 1:
        return "", MARKS_TWICE
    mark = "." if points else "," if commas else ""
    whole, _, fraction = mantissa.partition(mark) if mark else (mantissa, "", "")
    spaced = bool(_SPACE.search(mantissa))
    integer = _grouped(whole, leading=True) if whole else ""
    decimals = _grouped(fraction, leading=False) if fraction else ""
    if integer is None or decimals is None:
        return "", GROUPS
    if mark == ",":
        if not decimals:
            return "", NO_DECIMALS
        if len(decimals) == 3 and integer.strip("0") and not spaced:
            return "", AMBIGUOUS.format(a=integer, b=decimals)
    return integer + ("." + decimals if mark else ""), ""


def _sign(sign: str) -> str:
    return "-" if sign and sign in MINUS_SIGNS else sign


def read_answer(typed: str) -> Reading:
    """Read ``typed`` as a number (see the module's docstring for what is read).

    Examples
    --------
    >>> [read_answer(t).text for t in ("–0.5", "1,5", "0,850", "1 234,5", "2.5E−3", ".5")]
    ['-0.5', '1.5', '0.850', '1234.5', '2.5E-3', '.5']
    >>> read_answer("2.5×10^-3").problem
    'write a power of ten as an exponent: 2.5e-3 for 2.5 × 10^-3'
    >>> read_answer("0.85 3542").problem
    'a space may only separate groups of three digits, like 0.853 542'
    >>> read_answer("1.2.3").problem
    'more than one decimal mark'
    """
    if len(typed) > MAX_ANSWER:
        return Reading(typed, None, problem=TOO_LONG)
    body = typed.strip(_AROUND)
    if _POWER.search(body):
        return Reading(typed, None, problem=POWER)
    match = _NUMBER.match(body)
    if match is None:
        return Reading(typed, None)
    mantissa, why = _mantissa(match["mantissa"])
    if why:
        return Reading(typed, None, problem=why)
    exponent = "" if match["e"] is None else match["e"] + _sign(match["esign"]) + match["exponent"]
    text = _sign(match["sign"]) + mantissa + exponent
    return Reading(typed, Decimal(text), text)


def read_number(typed: str) -> Decimal | None:
    """The number ``typed`` holds (:func:`read_answer`), or ``None``.

    Examples
    --------
    >>> read_number("5."), read_number("1e99999"), read_number("0x10")
    (Decimal('5'), None, None)
    """
    return read_answer(typed).number


def significant_digits(number: Decimal) -> int:
    """How many significant digits ``number`` is written with (trailing zeros count, leading
    zeros do not; 0 for a zero).

    Examples
    --------
    >>> [significant_digits(Decimal(t)) for t in ("0.0850", "850", "8.5e2", "0.00", "-1.20")]
    [3, 3, 2, 0, 3]
    """
    digits = number.as_tuple().digits
    if not any(digits):
        return 0
    return len(digits) - next(i for i, d in enumerate(digits) if d)
