"""Code printers for the generated gradient functions: numpy, jax, plain Python and C.

Each target is sympy's own printer for that language with the project's functions added in
numerically stable forms, from one table (:data:`STABLE_FORMS`) checked complete at import:

* ``sigmoid(a)`` is ``0.5 (1 + tanh(a / 2))``, equal to ``1 / (1 + e^{-a})`` and never
  overflowing (at ``a = -1000`` the textbook form computes ``e^{1000}``);
* ``softplus(a)`` is ``max(a, 0) + log1p(e^{-|a|})`` (``logaddexp(0, a)`` in numpy and jax);
* ``relu``, ``leaky_relu`` and ``Heaviside`` are comparisons, not ``Piecewise`` arrays.

Softmax is not a function here but a quotient of exponentials in the graph; :func:`stabilise`
rewrites ``exp(a_i) / sum_j exp(a_j)`` as ``exp(a_i - m) / sum_j exp(a_j - m)`` with
``m = max_j a_j``, which is the same number and never overflows.

Examples
--------
>>> from symbackprop.rules.functions import sigmoid
>>> from symbackprop.naming import symbol
>>> a = symbol("a")
>>> printer("numpy").doprint(sigmoid(a))
'0.5*(1.0 + np.tanh(0.5*a))'
>>> printer("c").doprint(sigmoid(a))
'0.5*(1.0 + tanh(0.5*a))'
>>> b = symbol("b")
>>> stabilise(sympy.exp(a) / (sympy.exp(a) + sympy.exp(b)))
exp(a - Max(a, b))/(exp(a - Max(a, b)) + exp(b - Max(a, b)))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy
from sympy.printing.c import C99CodePrinter
from sympy.printing.numpy import JaxPrinter, NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

__all__ = ["STABLE_FORMS", "TARGETS", "printer", "stabilise"]

TARGETS = ("numpy", "python", "jax", "c")
"""The code generation targets."""

STABLE_FORMS: dict[str, dict[str, str]] = {
    "sigmoid": {
        "numpy": "0.5*(1.0 + np.tanh(0.5*{0}))",
        "jax": "0.5*(1.0 + jnp.tanh(0.5*{0}))",
        "python": "0.5*(1.0 + math.tanh(0.5*{0}))",
        "c": "0.5*(1.0 + tanh(0.5*{0}))",
    },
    "softplus": {
        "numpy": "np.logaddexp(0.0, {0})",
        "jax": "jnp.logaddexp(0.0, {0})",
        "python": "(max({0}, 0.0) + math.log1p(math.exp(-abs({0}))))",
        "c": "(fmax({0}, 0.0) + log1p(exp(-fabs({0}))))",
    },
    "relu": {
        "numpy": "np.maximum({0}, 0.0)",
        "jax": "jnp.maximum({0}, 0.0)",
        "python": "max({0}, 0.0)",
        "c": "fmax({0}, 0.0)",
    },
    "leaky_relu": {
        "numpy": "np.where({0} > 0, {0}, {1}*{0})",
        "jax": "jnp.where({0} > 0, {0}, {1}*{0})",
        "python": "({0} if {0} > 0 else {1}*{0})",
        "c": "({0} > 0 ? {0} : {1}*{0})",
    },
    "Heaviside": {
        "numpy": "np.heaviside({0}, {1})",
        "jax": "jnp.heaviside({0}, {1})",
        "python": "(1.0 if {0} > 0 else (0.0 if {0} < 0 else {1}))",
        "c": "({0} > 0 ? 1.0 : ({0} < 0 ? 0.0 : {1}))",
    },
}
"""Numerically stable code for each function, per target; ``{i}`` is argument ``i``."""


def _check_forms() -> None:
    for function, forms in STABLE_FORMS.items():
        missing = set(TARGETS) - set(forms)
        if missing:
            raise RuntimeError(f"STABLE_FORMS[{function!r}] lacks {', '.join(sorted(missing))}")


_check_forms()


class _StableMixin:
    """Prints the functions of :data:`STABLE_FORMS` for the printer's ``target``."""

    target = ""
    _print: Callable[[Any], str]  # the sympy printer this is mixed into prints the arguments

    def _stable(self, expr: sympy.Expr) -> str:
        name = type(expr).__name__
        args = list(expr.args)
        if name == "Heaviside" and len(args) == 1:
            args.append(sympy.Rational(1, 2))
        printed = [self._argument(arg) for arg in args]
        return STABLE_FORMS[name][self.target].format(*printed)

    def _argument(self, arg: sympy.Expr) -> str:
        text = self._print(arg)
        return text if arg.is_Atom and not (arg.is_Number and arg < 0) else f"({text})"

    def _print_sigmoid(self, expr: sympy.Expr) -> str:
        return self._stable(expr)

    def _print_softplus(self, expr: sympy.Expr) -> str:
        return self._stable(expr)

    def _print_relu(self, expr: sympy.Expr) -> str:
        return self._stable(expr)

    def _print_leaky_relu(self, expr: sympy.Expr) -> str:
        return self._stable(expr)

    def _print_Heaviside(self, expr: sympy.Expr) -> str:
        return self._stable(expr)


class _ArrayMixin(_StableMixin):
    """Max and Min as nested element-wise calls (they broadcast, unlike a reduction), and the
    array module written by its short name (``np.``, ``jnp.``)."""

    module = ""
    short = ""

    def _module_format(self, fqn: str, register: bool = True) -> str:
        # the next class in the MRO is sympy's printer (untyped): mypy sees no _module_format
        text = super()._module_format(fqn, register)  # type: ignore[misc]
        prefix = self.module + "."
        return self.short + "." + text[len(prefix):] if text.startswith(prefix) else text

    def _nested(self, function: str, args: tuple[sympy.Expr, ...]) -> str:
        text = self._print(args[-1])
        for arg in reversed(args[:-1]):
            text = f"{self.short}.{function}({self._print(arg)}, {text})"
        return text

    def _print_Max(self, expr: sympy.Expr) -> str:
        return self._nested("maximum", expr.args)

    def _print_Piecewise(self, expr: sympy.Piecewise) -> str:
        pieces = list(expr.args)
        if pieces[-1].cond == sympy.true:
            text = self._print(pieces.pop().expr)
        else:
            text = f"{self.short}.nan"
        for piece in reversed(pieces):
            cond, value = (self._print(piece.cond), self._print(piece.expr))
            text = f"{self.short}.where({cond}, {value}, {text})"
        return text

    def _print_Min(self, expr: sympy.Expr) -> str:
        return self._nested("minimum", expr.args)


class NumpyCodePrinter(_ArrayMixin, NumPyPrinter):
    """sympy's NumPy printer, writing ``np.`` and the stable forms.

    Examples
    --------
    >>> from symbackprop.rules.functions import relu
    >>> from symbackprop.naming import symbol
    >>> a, b = symbol("a"), symbol("b")
    >>> NumpyCodePrinter().doprint(relu(a)), NumpyCodePrinter().doprint(sympy.Max(a, b, 0))
    ('np.maximum(a, 0.0)', 'np.maximum(0, np.maximum(a, b))')
    """

    target = "numpy"
    module = "numpy"
    short = "np"


class JaxCodePrinter(_ArrayMixin, JaxPrinter):
    """sympy's JAX printer, writing ``jnp.`` and the stable forms.

    Examples
    --------
    >>> from symbackprop.rules.functions import sigmoid
    >>> from symbackprop.naming import symbol
    >>> JaxCodePrinter().doprint(sigmoid(symbol("a")))
    '0.5*(1.0 + jnp.tanh(0.5*a))'
    """

    target = "jax"
    module = "jax.numpy"
    short = "jnp"


class MathCodePrinter(_StableMixin, PythonCodePrinter):
    """sympy's Python printer (the ``math`` module) with the stable forms.

    Examples
    --------
    >>> from symbackprop.rules.functions import softplus
    >>> from symbackprop.naming import symbol
    >>> MathCodePrinter().doprint(softplus(symbol("a")))
    '(max(a, 0.0) + math.log1p(math.exp(-abs(a))))'
    """

    target = "python"


class CCodePrinter(_StableMixin, C99CodePrinter):
    """sympy's C99 printer with the stable forms and one-line conditionals.

    Examples
    --------
    >>> from symbackprop.rules.functions import leaky_relu
    >>> from symbackprop.naming import symbol
    >>> a = symbol("a")
    >>> CCodePrinter().doprint(leaky_relu(a, sympy.Rational(1, 100)))
    '(a > 0 ? a : 1.0/100.0*a)'
    >>> CCodePrinter().doprint(sympy.Piecewise((a, a > 0), (0, True)))
    '((a > 0) ? (a) : (0))'
    """

    target = "c"

    def _print_Piecewise(self, expr: sympy.Piecewise) -> str:
        pieces = list(expr.args)
        text = "NAN"  # no condition held
        if pieces[-1].cond == sympy.true:
            text = self._print(pieces.pop().expr)
        for piece in reversed(pieces):
            text = f"(({self._print(piece.cond)}) ? ({self._print(piece.expr)}) : ({text}))"
        return text


_PRINTERS: dict[str, type[Any]] = {
    "numpy": NumpyCodePrinter,
    "jax": JaxCodePrinter,
    "python": MathCodePrinter,
    "c": CCodePrinter,
}


def printer(target: str) -> Any:
    """A code printer for ``target`` (one of :data:`TARGETS`).

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> printer("python").doprint(sympy.Max(symbol("a"), symbol("b")))
    'max(a, b)'
    """
    if target not in _PRINTERS:
        raise ValueError(f"unknown target {target!r}; allowed: {', '.join(TARGETS)}")
    settings = {"strict": False} if target == "c" else {}
    return _PRINTERS[target](settings)


def stabilise(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with every quotient of exponentials by a sum of exponentials,
    ``exp(u_1) ... exp(u_r) / (sum_j exp(v_j))^k``, shifted by ``m = max_j v_j``:
    ``exp(u_1 + ... + u_r - k m) / (sum_j exp(v_j - m))^k``, the same value without overflow.

    This covers a softmax (``r = k = 1``) and sympy's derivatives of one
    (``exp(2 a_1) / (e^{a_1} + e^{a_2})^2``); anything else is left as it is.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> a, b = symbol("a"), symbol("b")
    >>> stabilise(sympy.exp(2*a) / (sympy.exp(a) + sympy.exp(b))**2)
    exp(2*a - 2*Max(a, b))/(exp(a - Max(a, b)) + exp(b - Max(a, b)))**2
    >>> stabilise(sympy.exp(a) + 1)
    exp(a) + 1
    """
    if expr.is_Atom:
        return expr
    args = [stabilise(arg) for arg in expr.args]
    if isinstance(expr, sympy.Mul):
        shifted = _shift_softmax(args)
        if shifted is not None:
            return shifted
    return expr.func(*args) if args != list(expr.args) else expr


def _shift_softmax(factors: list[sympy.Expr]) -> sympy.Expr | None:
    for i, factor in enumerate(factors):
        if not (factor.is_Pow and factor.exp.is_Integer and factor.exp < 0
                and factor.base.is_Add):
            continue
        terms = factor.base.args
        if len(terms) < 2 or not all(isinstance(t, sympy.exp) for t in terms):
            continue
        others = factors[:i] + factors[i + 1:]
        numerators = [f for f in others if isinstance(f, sympy.exp)]
        if not numerators:
            continue
        power = -int(factor.exp)
        exponents = [t.args[0] for t in terms]
        peak = sympy.Max(*exponents)
        rest = [f for f in others if not isinstance(f, sympy.exp)]
        top = sympy.exp(sympy.Add(*(f.args[0] for f in numerators)) - power * peak)
        bottom = sympy.Add(*(sympy.exp(v - peak) for v in exponents))
        return sympy.Mul(*rest, top, sympy.Pow(bottom, -power))
    return None
