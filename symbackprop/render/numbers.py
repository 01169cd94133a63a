r"""Numbers as every page, table, picture and report shows them: one family of formatters.

The renderers, the check reports and diagnoses, and the pictures (labels, legends, titles)
print numbers through :func:`text_number` (plain text), :func:`latex_number` (LaTeX),
:func:`latex_factor` (a LaTeX factor of a product), :func:`decimal_number` (ten decimals) or
:func:`percent`.  The precision depends on where a number stands, and only there.  (The
``repr`` of the calculus and numeric objects prints ``.10g`` itself: those layers sit below
this one.)

========================  ==========================================================  ======
constant                  where                                                       digits
========================  ==========================================================  ======
:data:`VALUE_DIGITS`      a value read or copied on its own: a path's value, a total,     10
                          a delta, a local partial, a matrix entry, the text pages
:data:`DISPLAY_DIGITS`    a number beside a formula in display math (LaTeX rows, the       6
                          value column of the local partials), a picture's legend and
                          title, a layer's vector in the text matrix form, a diagnosis
                          (short enough to read in a sentence, long enough to tell two
                          candidates apart)
:data:`FACTOR_DIGITS`     one factor of a product of many (a path's product of local       4
                          partials, a matrix cell, a picture's edge label): short, so
                          that the product fits a line
:data:`CHECK_DIGITS`      the oracles side by side in ``verify`` (they agree to 1e-8         12
                          relative: two more digits than the pages show the difference)
:data:`DECIMALS`          a right value in a check report: fixed decimals, so that a        10
                          column of values lines up and a student can compare digits
========================  ==========================================================  ======

A missing value (``None``) prints as ``?`` (``—`` in reports and the verify table).  No value
prints as ``-0``: a negative zero, or a negative number that rounds to zero at the precision
shown, prints without its sign (``0``, ``0.0``).

Examples
--------
>>> text_number(0.08216704056423078), latex_number(1.5e-7), latex_factor(-0.25)
('0.08216704056', '1.5 \\times 10^{-7}', '(-0.25)')
>>> decimal_number(0.17691845), percent(0.4)
('0.1769184500', '40.0')
"""

from __future__ import annotations

import math

__all__ = [
    "CHECK_DIGITS",
    "DECIMALS",
    "DISPLAY_DIGITS",
    "EMPTY_PRODUCT",
    "FACTOR_DIGITS",
    "VALUE_DIGITS",
    "decimal_number",
    "latex_factor",
    "latex_number",
    "percent",
    "text_number",
]

VALUE_DIGITS = 10
"""Significant digits of a value read on its own."""
DISPLAY_DIGITS = 6
"""Significant digits of a number beside a formula, in a vector or in a sentence."""
FACTOR_DIGITS = 4
"""Significant digits of one factor of a product, a matrix cell or a picture's label."""
CHECK_DIGITS = 12
"""Significant digits of the oracles compared in ``verify``."""
DECIMALS = 10
"""Decimals of a right value in a check report."""
EMPTY_PRODUCT = "1"
"""What the product of no local partials reads, in every format: the path of one node
(``d of / d of``)."""


def _unsigned_zero(text: str) -> str:
    """``text`` without a minus sign when it shows zero (``-0``, ``-0.0``, ``-0e+00``)."""
    if text.startswith("-") and not text.strip("-0.e+").strip():
        return text[1:]
    return text


def text_number(value: float | None, digits: int = VALUE_DIGITS, missing: str = "?") -> str:
    """``value`` to ``digits`` significant digits (``missing`` when unknown).

    Examples
    --------
    >>> text_number(0.08216704056423078), text_number(0.08216704056423078, 4), text_number(None)
    ('0.08216704056', '0.08217', '?')
    >>> text_number(None, missing="—"), text_number(5.0), text_number(-0.0)
    ('—', '5', '0')
    """
    return missing if value is None else _unsigned_zero(f"{value:.{digits}g}")


def latex_number(value: float | None, digits: int = DISPLAY_DIGITS) -> str:
    r"""``value`` to ``digits`` significant digits in LaTeX (``1.5 \times 10^{-7}``).

    Examples
    --------
    >>> print(latex_number(0.08216704056423078), latex_number(2.5e-12), latex_number(None))
    0.082167 2.5 \times 10^{-12} ?
    >>> print(latex_number(float("inf")))
    \text{inf}
    """
    if value is None:
        return "?"
    if not math.isfinite(value):
        return r"\text{" + str(value) + "}"
    text = _unsigned_zero(f"{value:.{digits}g}")
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def latex_factor(value: float | None, digits: int = FACTOR_DIGITS) -> str:
    r"""``value`` as a factor of a product in LaTeX: a negative number in parentheses.

    Examples
    --------
    >>> print(latex_factor(-0.03809823652), latex_factor(0.5932699921, 6))
    (-0.0381) 0.59327
    """
    text = latex_number(value, digits)
    return f"({text})" if text.startswith("-") else text


def decimal_number(value: float | None) -> str:
    """``value`` with :data:`DECIMALS` decimals (``0.1769184530``), or that many significant
    digits where the decimals would hide them (below 1e-3, from 1e7); ``—`` when unknown.

    Examples
    --------
    >>> decimal_number(0.17691845), decimal_number(1.23e-7), decimal_number(None)
    ('0.1769184500', '1.23e-07', '—')
    """
    if value is None:
        return "—"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return _unsigned_zero(f"{value:.{DECIMALS}f}")
    return f"{value:.{DECIMALS}g}"


def percent(share: float) -> str:
    """A share (a fraction of a total) in per cent, one decimal, without the sign.

    Examples
    --------
    >>> percent(0.4), percent(1.524), percent(-0.5238), percent(-0.0001)
    ('40.0', '152.4', '-52.4', '0.0')
    """
    return _unsigned_zero(f"{100 * share:.1f}")
