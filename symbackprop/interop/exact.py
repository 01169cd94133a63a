"""Numbers from a model made exact, as a problem file would read them.

A problem file's ``0.1`` is the exact decimal 1/10 (the formula parser reads numbers exactly);
a number taken from a model into a formula (a leaky ReLU's slope, a softplus's ``beta``, a
micrograd constant, a float in a sympy expression) is read the same way, from its shortest
decimal, so that an imported problem and the file it is written to are the same problem.

Examples
--------
>>> exact(0.1), exact(2.0), exact(-1)
(1/10, 2, -1)
"""

from __future__ import annotations

import math

import sympy

from ..errors import SpecError

__all__ = ["exact", "exact_floats"]


def exact(number: float, *, where: str = "number") -> sympy.Rational:
    """The exact rational of ``number``'s shortest decimal (``repr``).

    Examples
    --------
    >>> exact(0.01), exact(1e-05)
    (1/100, 1/100000)
    >>> exact(float("nan"), where="model[1].negative_slope")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: model[1].negative_slope: must be a finite number, got nan
    """
    value = float(number)
    if not math.isfinite(value):
        raise SpecError(f"{where}: must be a finite number, got {value}")
    if value == int(value) and abs(value) < 2**53:
        return sympy.Integer(int(value))
    return sympy.Rational(repr(value))


def exact_floats(expr: sympy.Expr, *, where: str = "expression") -> sympy.Expr:
    """``expr`` with every float replaced by :func:`exact` of it.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> exact_floats(0.5 * x + 0.25)
    x/2 + 1/4
    """
    floats = {f: exact(float(f), where=where) for f in expr.atoms(sympy.Float)}
    return expr.xreplace(floats) if floats else expr
