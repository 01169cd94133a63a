"""Neural-network functions as sympy functions, with their numeric twins.

``sigmoid``, ``relu``, ``leaky_relu``, ``softplus`` and ``silu`` are sympy ``Function`` classes
so that a derivative reads the way a textbook writes it (``sigmoid(a)*(1 - sigmoid(a))``, not a
quotient of exponentials) and prints as ``\\sigma(a)``; ``gelu``, ``gelu_tanh``, ``elu``,
``huber`` and ``smooth_l1`` are in :mod:`symbackprop.rules.elementwise`.
:data:`NUMPY_FUNCTIONS` and :data:`MATH_FUNCTIONS` map every function sympy may print for our
expressions (those, and ``erf``) to a numerically stable implementation;
:func:`numeric_namespace` hands them to ``lambdify``.

Examples
--------
>>> import sympy
>>> a = sympy.Symbol("a", real=True)
>>> sympy.diff(sigmoid(a), a)
(1 - sigmoid(a))*sigmoid(a)
>>> sympy.diff(softplus(a), a)
sigmoid(a)
>>> float(sigmoid(sympy.Float(0.0)))
0.5
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy

from .elementwise import MATH_TWINS, MPMATH_TWINS, NUMPY_TWINS

__all__ = [
    "MATH_FUNCTIONS",
    "MPMATH_FUNCTIONS",
    "NUMPY_FUNCTIONS",
    "leaky_relu",
    "numeric_namespace",
    "relu",
    "shielded",
    "sigmoid",
    "silu",
    "softplus",
]


class sigmoid(sympy.Function):
    r"""The logistic function :math:`\sigma(x) = 1/(1 + e^{-x})`.

    Examples
    --------
    >>> import sympy
    >>> a = sympy.Symbol("a", real=True)
    >>> sigmoid(0), sigmoid(a).diff(a)
    (1/2, (1 - sigmoid(a))*sigmoid(a))
    """

    is_real = True

    @classmethod
    def eval(cls, x: sympy.Expr) -> sympy.Expr | None:
        if x.is_zero:
            return sympy.Rational(1, 2)
        if x.is_Float:
            return sympy.Float(_math_sigmoid(float(x)), precision=x._prec)
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        if argindex != 1:
            raise sympy.ArgumentIndexError(self, argindex)
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, x: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-x))

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        return (1 / (1 + sympy.exp(-self.args[0])))._eval_evalf(prec)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        body = rf"\sigma\left({printer._print(self.args[0])}\right)"
        return rf"{body}^{{{exp}}}" if exp else body


class relu(sympy.Function):
    r"""The rectifier :math:`\max(0, x)`; its derivative at 0 is taken to be 0.

    Examples
    --------
    >>> import sympy
    >>> a = sympy.Symbol("a", real=True)
    >>> relu(-2), relu(3), relu(a).diff(a)
    (0, 3, Heaviside(a, 0))
    """

    is_real = True

    @classmethod
    def eval(cls, x: sympy.Expr) -> sympy.Expr | None:
        if x.is_nonnegative:
            return x
        if x.is_negative:
            return sympy.S.Zero
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        if argindex != 1:
            raise sympy.ArgumentIndexError(self, argindex)
        return sympy.Heaviside(self.args[0], 0)

    def _eval_rewrite_as_Max(self, x: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return sympy.Max(0, x)

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        return sympy.Max(0, self.args[0])._eval_evalf(prec)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        body = rf"\operatorname{{ReLU}}\left({printer._print(self.args[0])}\right)"
        return rf"{body}^{{{exp}}}" if exp else body


class leaky_relu(sympy.Function):
    r"""The leaky rectifier: :math:`x` for :math:`x > 0`, else ``slope``:math:`\cdot x`.

    Examples
    --------
    >>> import sympy
    >>> leaky_relu(-2, sympy.Rational(1, 10)), leaky_relu(3, sympy.Rational(1, 10))
    (-1/5, 3)
    """

    nargs = 2
    is_real = True

    @classmethod
    def eval(cls, x: sympy.Expr, slope: sympy.Expr) -> sympy.Expr | None:
        if x.is_positive:
            return x
        if x.is_nonpositive:
            return slope * x
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        x, slope = self.args
        if argindex == 1:
            return sympy.Piecewise((1, x > 0), (slope, True))
        if argindex == 2:
            return sympy.Piecewise((0, x > 0), (x, True))
        raise sympy.ArgumentIndexError(self, argindex)

    def _eval_rewrite_as_Piecewise(self, x: sympy.Expr, slope: sympy.Expr, **kw: Any) -> Any:
        return sympy.Piecewise((x, x > 0), (slope * x, True))

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        x, slope = self.args
        return sympy.Piecewise((x, x > 0), (slope * x, True))._eval_evalf(prec)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        x, slope = (printer._print(arg) for arg in self.args)
        body = rf"\operatorname{{LeakyReLU}}_{{{slope}}}\left({x}\right)"
        return rf"{body}^{{{exp}}}" if exp else body


class softplus(sympy.Function):
    r"""The smooth rectifier :math:`\log(1 + e^{x})`, whose derivative is :math:`\sigma(x)`.

    Examples
    --------
    >>> import sympy
    >>> a = sympy.Symbol("a", real=True)
    >>> softplus(a).diff(a)
    sigmoid(a)
    """

    is_real = True

    @classmethod
    def eval(cls, x: sympy.Expr) -> sympy.Expr | None:
        if x.is_Float:
            return sympy.Float(_math_softplus(float(x)), precision=x._prec)
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        if argindex != 1:
            raise sympy.ArgumentIndexError(self, argindex)
        return sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, x: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return sympy.log(1 + sympy.exp(x))

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        return sympy.log(1 + sympy.exp(self.args[0]))._eval_evalf(prec)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        body = rf"\operatorname{{softplus}}\left({printer._print(self.args[0])}\right)"
        return rf"{body}^{{{exp}}}" if exp else body


class silu(sympy.Function):
    r"""The sigmoid linear unit (swish) :math:`x\,\sigma(x)`; its derivative is
    :math:`\sigma(x)(1 + x(1 - \sigma(x)))`.

    Examples
    --------
    >>> import sympy
    >>> a = sympy.Symbol("a", real=True)
    >>> silu(0), silu(a).diff(a)
    (0, (a*(1 - sigmoid(a)) + 1)*sigmoid(a))
    """

    is_real = True

    @classmethod
    def eval(cls, x: sympy.Expr) -> sympy.Expr | None:
        if x.is_zero:
            return sympy.S.Zero
        if x.is_Float:
            return sympy.Float(float(x) * _math_sigmoid(float(x)), precision=x._prec)
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        if argindex != 1:
            raise sympy.ArgumentIndexError(self, argindex)
        x = self.args[0]
        return sigmoid(x) * (1 + x * (1 - sigmoid(x)))

    def _eval_rewrite_as_exp(self, x: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return x / (1 + sympy.exp(-x))

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        return (self.args[0] / (1 + sympy.exp(-self.args[0])))._eval_evalf(prec)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        body = rf"\operatorname{{SiLU}}\left({printer._print(self.args[0])}\right)"
        return rf"{body}^{{{exp}}}" if exp else body


def _math_sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _math_softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _math_heaviside(x: float, at_zero: float = 0.0) -> float:
    return 1.0 if x > 0 else (at_zero if x == 0 else 0.0)


def _np_sigmoid(x: Any) -> Any:
    # 0.5 * (1 + tanh(x / 2)) equals the logistic function and never overflows.
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def _np_leaky_relu(x: Any, slope: Any) -> Any:
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, slope * x)


NUMPY_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sigmoid": _np_sigmoid,
    "relu": lambda x: np.maximum(np.asarray(x, dtype=float), 0.0),
    "leaky_relu": _np_leaky_relu,
    "softplus": lambda x: np.logaddexp(0.0, np.asarray(x, dtype=float)),
    "silu": lambda x: np.asarray(x, dtype=float) * _np_sigmoid(x),
    **NUMPY_TWINS,
}
"""numpy implementations of the functions above, keyed by the name sympy prints."""

MATH_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sigmoid": _math_sigmoid,
    "relu": lambda x: max(x, 0.0),
    "leaky_relu": lambda x, slope: x if x > 0 else slope * x,
    "softplus": _math_softplus,
    "silu": lambda x: x * _math_sigmoid(x),
    "Heaviside": _math_heaviside,
    **MATH_TWINS,
}
"""Plain-Python (``math``) implementations, for scalar code with no numpy."""


def _mp_sigmoid(x: Any) -> Any:
    import mpmath
    return 1 / (1 + mpmath.exp(-x))


def _mp_softplus(x: Any) -> Any:
    import mpmath
    return mpmath.log1p(mpmath.exp(x))


MPMATH_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sigmoid": _mp_sigmoid,
    "relu": lambda x: x if x > 0 else 0 * x,
    "leaky_relu": lambda x, slope: x if x > 0 else slope * x,
    "softplus": _mp_softplus,
    "silu": lambda x: x * _mp_sigmoid(x),
    "Heaviside": _math_heaviside,
    **MPMATH_TWINS,
}
"""mpmath implementations, for evaluation at many digits (mpmath's exponents are unbounded:
``sigmoid(-1000)`` is about ``5e-435``, not 0)."""


_NUMPY_DEFAULTS: dict[str, Any] = {"I": 1j, "Heaviside": np.heaviside}
"""What ``lambdify``'s ``"numpy"`` namespace adds to numpy's own names (``I`` and its one
translation, ``Heaviside``)."""


def numeric_namespace(backend: str = "numpy") -> list[Any]:
    """The ``modules`` argument for :func:`sympy.lambdify` that knows our functions.

    For numpy it names the module itself, not the string ``"numpy"``: lambdify then prints
    the same NumPy code and takes numpy's functions from the module, where the string makes it
    run ``from numpy import *`` on first use, which imports numpy's lazily loaded submodules
    (``f2py``, ``testing``, ``ma``...: about 60 ms of every command that evaluates).

    Parameters
    ----------
    backend : {"numpy", "math", "mpmath"}
        Vectorised numpy code, scalar code using only the standard library, or scalar code
        at mpmath's working precision.

    Examples
    --------
    >>> import sympy
    >>> a = sympy.Symbol("a", real=True)
    >>> f = sympy.lambdify([a], sigmoid(a), modules=numeric_namespace())
    >>> [round(float(v), 6) for v in f([-1000.0, 0.0, 1000.0])]
    [0.0, 0.5, 1.0]
    """
    if backend == "numpy":
        return [NUMPY_FUNCTIONS, _NUMPY_DEFAULTS, np]
    if backend == "math":
        return [MATH_FUNCTIONS, "math"]
    if backend == "mpmath":
        return [MPMATH_FUNCTIONS, "mpmath"]
    raise ValueError(f"unknown numeric backend {backend!r}; allowed: 'numpy', 'math', 'mpmath'")


_NAMESPACE_NAMES: dict[str, frozenset[str]] = {}


def _namespace_names(backend: str) -> frozenset[str]:
    """Every name the code ``lambdify`` writes for ``backend`` may read."""
    found = _NAMESPACE_NAMES.get(backend)
    if found is None:
        import builtins
        import importlib

        names = set(dir(builtins)) | {"builtins", "range", "numpy", "math", "mpmath"}
        for entry in numeric_namespace(backend):
            if isinstance(entry, dict):
                names |= set(entry)
            else:
                module = importlib.import_module(entry) if isinstance(entry, str) else entry
                names |= set(dir(module))
        found = _NAMESPACE_NAMES[backend] = frozenset(names)
    return found


def shielded(args: Sequence[sympy.Symbol], expr: sympy.Expr,
             backend: str = "numpy") -> tuple[list[sympy.Symbol], sympy.Expr]:
    """``args`` and ``expr`` with every symbol named like something the lambdified code reads
    (a function ``exp``, ``sigmoid``, ``abs``, a constant ``e``...) renamed to a dummy.

    :func:`sympy.lambdify` puts every symbol of its expression into the namespace of the code
    it writes, under the symbol's name, *over* the function of that name, and calls functions
    by their bare names (``exp(x)``), so a node called ``exp`` or ``sigmoid`` would make its
    code call a symbol; dummifying the arguments does not prevent it.  Names that clash with
    nothing are left alone, so the code written for them is what it always was.

    Examples
    --------
    >>> import sympy
    >>> node = sympy.Symbol("exp", real=True)
    >>> args, expr = shielded([node], sympy.exp(node))
    >>> args[0] == node, float(sympy.lambdify(args, expr, modules=numeric_namespace())(0.0))
    (False, 1.0)
    >>> a = sympy.Symbol("a")
    >>> shielded([a], a + 1) == ([a], a + 1)
    True
    """
    names = _namespace_names(backend)
    clashing = {s: sympy.Dummy() for s in expr.free_symbols | set(args)
                if isinstance(s, sympy.Symbol) and s.name in names}
    if not clashing:
        return list(args), expr
    return [clashing.get(a, a) for a in args], expr.xreplace(clashing)

