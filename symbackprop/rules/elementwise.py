r"""More elementwise functions as sympy functions, with their numeric twins: ``gelu`` (exact,
through :math:`\operatorname{erf}`), ``gelu_tanh`` (the tanh approximation), ``elu``, and the
robust losses of a residual, ``huber`` and ``smooth_l1``.

As for ``sigmoid`` (:mod:`symbackprop.rules.functions`), each class's ``fdiff`` is the
derivative a textbook writes (``elu'(x) = elu(x) + α`` for :math:`x \le 0`; Huber's is the
residual clipped to :math:`\pm\delta`), proven equal to sympy's ``diff`` of the function's
definition by a test.  :data:`NUMPY_TWINS`, :data:`MATH_TWINS` and :data:`MPMATH_TWINS` are
their numeric implementations, which :func:`symbackprop.rules.functions.numeric_namespace`
hands to ``lambdify`` (with ``erf``, which numpy lacks).

Examples
--------
>>> import sympy
>>> x = sympy.Symbol("x", real=True)
>>> gelu(x).diff(x)
sqrt(2)*x*exp(-x**2/2)/(2*sqrt(pi)) + erf(sqrt(2)*x/2)/2 + 1/2
>>> elu(x, 1).diff(x)
Piecewise((1, x > 0), (elu(x, 1) + 1, True))
>>> float(huber(sympy.Float(3.0), 1))
2.5
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

__all__ = ["MATH_TWINS", "MPMATH_TWINS", "NUMPY_TWINS", "elu", "gelu", "gelu_tanh", "huber",
           "smooth_l1"]

_C = sympy.Rational(44715, 10**6)  # gelu_tanh's cubic coefficient
_K = sympy.sqrt(2 / sympy.pi)


class _Elementwise(sympy.Function):
    """What the functions share: real, evaluated numerically through their definition."""

    is_real = True
    latex_name = ""

    def definition(self) -> sympy.Expr:
        raise NotImplementedError

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        return self.definition()._eval_evalf(prec)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        args = ", ".join(printer._print(arg) for arg in self.args[1:])
        sub = f"_{{{args}}}" if args else ""
        body = (rf"\operatorname{{{self.latex_name}}}{sub}"
                rf"\left({printer._print(self.args[0])}\right)")
        return rf"{body}^{{{exp}}}" if exp else body


class gelu(_Elementwise):
    r"""The Gaussian error linear unit :math:`x\,\Phi(x) = \frac{x}{2}(1 +
    \operatorname{erf}(x/\sqrt2))`; its derivative is :math:`\Phi(x) + x\,\varphi(x)`.

    Examples
    --------
    >>> import sympy
    >>> gelu(0), round(float(gelu(sympy.Float(1.0))), 6)
    (0, 0.841345)
    """

    latex_name = "GELU"

    @classmethod
    def eval(cls, x: sympy.Expr) -> sympy.Expr | None:
        return sympy.S.Zero if x.is_zero else None

    def definition(self) -> sympy.Expr:
        x = self.args[0]
        return x / 2 * (1 + sympy.erf(x / sympy.sqrt(2)))

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        if argindex != 1:
            raise sympy.ArgumentIndexError(self, argindex)
        x = self.args[0]
        return (1 + sympy.erf(x / sympy.sqrt(2))) / 2 + x * sympy.exp(-x**2 / 2) / sympy.sqrt(
            2 * sympy.pi)

    def _eval_rewrite_as_erf(self, x: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return self.definition()


class gelu_tanh(_Elementwise):
    r"""GELU's tanh approximation :math:`\frac{x}{2}(1 + \tanh(\sqrt{2/\pi}\,(x +
    0.044715\,x^3)))`.

    Examples
    --------
    >>> import sympy
    >>> round(float(gelu_tanh(sympy.Float(1.0))), 6)
    0.841192
    """

    latex_name = "GELU_{tanh}"

    @classmethod
    def eval(cls, x: sympy.Expr) -> sympy.Expr | None:
        return sympy.S.Zero if x.is_zero else None

    def definition(self) -> sympy.Expr:
        x = self.args[0]
        return x / 2 * (1 + sympy.tanh(_K * (x + _C * x**3)))

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        if argindex != 1:
            raise sympy.ArgumentIndexError(self, argindex)
        x = self.args[0]
        t = sympy.tanh(_K * (x + _C * x**3))
        return (1 + t) / 2 + x * (1 - t**2) * _K * (1 + 3 * _C * x**2) / 2

    def _eval_rewrite_as_tanh(self, x: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return self.definition()


class elu(_Elementwise):
    r"""The exponential linear unit: :math:`x` for :math:`x > 0`, else
    :math:`\alpha(e^x - 1)`; its derivative there is :math:`\operatorname{elu}(x) + \alpha`.

    Examples
    --------
    >>> elu(2, 1), elu(0, 1)
    (2, 0)
    """

    nargs = 2
    latex_name = "ELU"

    @classmethod
    def eval(cls, x: sympy.Expr, alpha: sympy.Expr) -> sympy.Expr | None:
        if x.is_positive:
            return x
        if x.is_zero:
            return sympy.S.Zero
        if x.is_negative and x.is_number and alpha.is_number:
            return alpha * (sympy.exp(x) - 1)
        return None

    def definition(self) -> sympy.Expr:
        x, alpha = self.args
        return sympy.Piecewise((x, x > 0), (alpha * (sympy.exp(x) - 1), True))

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        x, alpha = self.args
        if argindex == 1:
            return sympy.Piecewise((1, x > 0), (self + alpha, True))
        if argindex == 2:
            return sympy.Piecewise((0, x > 0), (sympy.exp(x) - 1, True))
        raise sympy.ArgumentIndexError(self, argindex)

    def _eval_rewrite_as_Piecewise(self, x: sympy.Expr, alpha: sympy.Expr, **kw: Any) -> Any:
        return self.definition()


class huber(_Elementwise):
    r"""The Huber loss of a residual :math:`r`: :math:`r^2/2` for :math:`|r| \le \delta`,
    else :math:`\delta(|r| - \delta/2)`; its derivative is :math:`r` clipped to
    :math:`[-\delta, \delta]`.

    Examples
    --------
    >>> huber(1, 2), huber(3, 1)
    (1/2, 5/2)
    """

    nargs = 2
    latex_name = "Huber"

    @classmethod
    def eval(cls, r: sympy.Expr, delta: sympy.Expr) -> sympy.Expr | None:
        if r.is_number and delta.is_number:
            return sympy.Piecewise((r**2 / 2, abs(r) <= delta),
                                   (delta * (abs(r) - delta / 2), True))
        return None

    def definition(self) -> sympy.Expr:
        r, delta = self.args
        return sympy.Piecewise((r**2 / 2, sympy.Abs(r) <= delta),
                               (delta * (sympy.Abs(r) - delta / 2), True))

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        r, delta = self.args
        if argindex == 1:
            return sympy.Piecewise((r, sympy.Abs(r) <= delta), (delta * sympy.sign(r), True))
        if argindex == 2:
            return sympy.Piecewise((0, sympy.Abs(r) <= delta), (sympy.Abs(r) - delta, True))
        raise sympy.ArgumentIndexError(self, argindex)

    def _eval_rewrite_as_Piecewise(self, r: sympy.Expr, delta: sympy.Expr, **kw: Any) -> Any:
        return self.definition()


class smooth_l1(_Elementwise):
    r"""The smooth L1 loss of a residual: :math:`r^2/(2\beta)` for :math:`|r| < \beta`, else
    :math:`|r| - \beta/2` (PyTorch's ``smooth_l1_loss``); its derivative is :math:`r/\beta`
    clipped to :math:`[-1, 1]`.

    Examples
    --------
    >>> smooth_l1(1, 2), smooth_l1(3, 1)
    (1/4, 5/2)
    """

    nargs = 2
    latex_name = "smooth_{L1}"

    @classmethod
    def eval(cls, r: sympy.Expr, beta: sympy.Expr) -> sympy.Expr | None:
        if r.is_number and beta.is_number:
            return sympy.Piecewise((r**2 / (2 * beta), abs(r) < beta),
                                   (abs(r) - beta / 2, True))
        return None

    def definition(self) -> sympy.Expr:
        r, beta = self.args
        return sympy.Piecewise((r**2 / (2 * beta), sympy.Abs(r) < beta),
                               (sympy.Abs(r) - beta / 2, True))

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        r, beta = self.args
        if argindex == 1:
            return sympy.Piecewise((r / beta, sympy.Abs(r) < beta), (sympy.sign(r), True))
        if argindex == 2:
            return sympy.Piecewise((-r**2 / (2 * beta**2), sympy.Abs(r) < beta),
                                   (-sympy.S.Half, True))
        raise sympy.ArgumentIndexError(self, argindex)

    def _eval_rewrite_as_Piecewise(self, r: sympy.Expr, beta: sympy.Expr, **kw: Any) -> Any:
        return self.definition()


# -- numeric twins -------------------------------------------------------------------------------

_np_erf = np.vectorize(math.erf, otypes=[float])
_K_FLOAT = math.sqrt(2 / math.pi)


def _np_gelu(x: Any) -> Any:
    x = np.asarray(x, dtype=float)
    return 0.5 * x * (1.0 + _np_erf(x / math.sqrt(2.0)))


def _np_gelu_tanh(x: Any) -> Any:
    x = np.asarray(x, dtype=float)
    return 0.5 * x * (1.0 + np.tanh(_K_FLOAT * (x + 0.044715 * x**3)))


def _np_elu(x: Any, alpha: Any) -> Any:
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _np_huber(r: Any, delta: Any) -> Any:
    a = np.abs(np.asarray(r, dtype=float))
    return np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta))


def _np_smooth_l1(r: Any, beta: Any) -> Any:
    a = np.abs(np.asarray(r, dtype=float))
    return np.where(a < beta, 0.5 * a**2 / beta, a - 0.5 * beta)


def _math_huber(r: float, delta: float) -> float:
    return 0.5 * r * r if abs(r) <= delta else delta * (abs(r) - 0.5 * delta)


def _math_smooth_l1(r: float, beta: float) -> float:
    return 0.5 * r * r / beta if abs(r) < beta else abs(r) - 0.5 * beta


NUMPY_TWINS: dict[str, Callable[..., Any]] = {
    "erf": _np_erf,
    "gelu": _np_gelu,
    "gelu_tanh": _np_gelu_tanh,
    "elu": _np_elu,
    "huber": _np_huber,
    "smooth_l1": _np_smooth_l1,
}
"""numpy implementations, keyed by the name sympy prints."""

MATH_TWINS: dict[str, Callable[..., Any]] = {
    "gelu": lambda x: 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0))),
    "gelu_tanh": lambda x: 0.5 * x * (1.0 + math.tanh(_K_FLOAT * (x + 0.044715 * x**3))),
    "elu": lambda x, alpha: x if x > 0 else alpha * math.expm1(x),
    "huber": _math_huber,
    "smooth_l1": _math_smooth_l1,
}
"""Plain-Python implementations (``math.erf`` is the standard library's own)."""


def _mp(name: str) -> Callable[..., Any]:
    def run(*args: Any) -> Any:
        import mpmath

        if name == "gelu":
            return args[0] / 2 * (1 + mpmath.erf(args[0] / mpmath.sqrt(2)))
        if name == "gelu_tanh":
            x = args[0]
            return x / 2 * (1 + mpmath.tanh(mpmath.sqrt(2 / mpmath.pi) * (x + 0.044715 * x**3)))
        if name == "elu":
            return args[0] if args[0] > 0 else args[1] * mpmath.expm1(args[0])
        if name == "huber":
            return _math_huber(*args)
        return _math_smooth_l1(*args)
    return run


MPMATH_TWINS: dict[str, Callable[..., Any]] = {
    name: _mp(name) for name in ("gelu", "gelu_tanh", "elu", "huber", "smooth_l1")}
"""mpmath implementations, for evaluation at many digits."""
