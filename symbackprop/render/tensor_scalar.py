r"""The scalar expression of an elementwise map (a :class:`~symbackprop.rules.tensor.expr.Map`)
in textbook notation, text or LaTeX: each slot printed as the tensor it stands for, ``⊙``
(``\odot``) between two tensors of a product, a scalar (a number, a tensor of shape ``()``)
beside them, ``/`` (``\frac``) for a quotient, ``√``, ``²``, ``σ``, ``1[x > 0]`` (the step
function), ``|x|``, the cases of a piecewise function.

:func:`print_scalar` is what :mod:`symbackprop.render.tensor_typeset` calls for a map; the
precedence levels are that module's.

Examples
--------
>>> import sympy
>>> h, d = sympy.symbols("H δH")
>>> slots = {h: Scalar("H", 4), d: Scalar("δH", 4, adjoint=True)}
>>> print_scalar(d * (1 - h**2), slots, False, str)
('δH ⊙ (1 − H²)', 1)
>>> print_scalar(d * (1 - h**2), {h: Scalar("H", 4), d: Scalar(r"\delta_{H}", 4)}, True, str)
('\\delta_{H} \\odot \\left(1 - H^{2}\\right)', 1)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy

__all__ = ["Scalar", "print_scalar"]

SUM, PRODUCT, MATMUL, POWER, ATOM = range(5)

_SUPERSCRIPTS = dict(zip("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹", strict=True))
_FUNCTIONS = {"exp": r"\exp", "log": r"\log", "tanh": r"\tanh", "sin": r"\sin",
              "cos": r"\cos", "tan": r"\tan", "sinh": r"\sinh", "cosh": r"\cosh",
              "sigmoid": r"\sigma", "Max": r"\max", "Min": r"\min"}
_TEXT_NAMES = {"sigmoid": "σ", "Max": "max", "Min": "min"}
_RELATIONS = {">": ">", ">=": r"\geq", "<": "<", "<=": r"\leq", "==": "=", "!=": r"\neq"}
_TEXT_RELATIONS = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠"}


@dataclass(frozen=True)
class Scalar:
    """A slot of a map as printed: its ``text``, the precedence ``level`` of that text, and
    whether it is a scalar (shape ``()``: written beside a product's tensors, not ``⊙``) or an
    adjoint (written first in a product, as ``δH ⊙ H ⊙ (1 − H)``).

    Examples
    --------
    >>> Scalar("δL", 4, scalar=True).scalar
    True
    """

    text: str
    level: int
    scalar: bool = False
    adjoint: bool = False


def print_scalar(expr: sympy.Expr, slots: Mapping[sympy.Symbol, Scalar], latex: bool,
                 number: Callable[[float], str]) -> tuple[str, int]:
    """``expr`` (a map's scalar expression over its slot symbols ``slots``) printed, with its
    precedence level; ``number`` prints a floating-point constant.

    Examples
    --------
    >>> import sympy
    >>> x, g = sympy.symbols("x g")
    >>> slots = {x: Scalar("x", 4), g: Scalar("δL", 4, scalar=True)}
    >>> print_scalar(2 * g * (x - 1) / 6, slots, False, str)
    ('δL (x − 1) / 3', 1)
    >>> print(print_scalar(g * sympy.Heaviside(x, 0), slots, True, str)[0])
    δL \\mathbf{1}\\left[x > 0\\right]
    """
    return _Scalars(slots, latex, number).show(sympy.factor_terms(expr))[:2]


class _Scalars:
    def __init__(self, slots: Mapping[sympy.Symbol, Scalar], latex: bool,
                 number: Callable[[float], str]) -> None:
        self.slots, self.latex, self.number = slots, latex, number
        self.minus = "-" if latex else "−"

    def paren(self, text: str) -> str:
        return rf"\left({text}\right)" if self.latex else f"({text})"

    def at_least(self, expr: sympy.Expr, level: int) -> str:
        text, own, _ = self.show(expr)
        return text if own >= level else self.paren(text)

    def is_scalar(self, expr: sympy.Expr) -> bool:
        return all(self.slots[s].scalar for s in expr.free_symbols if s in self.slots)

    def show(self, expr: sympy.Expr) -> tuple[str, int, bool]:
        """(text, level, scalar)."""
        if isinstance(expr, sympy.Symbol):
            slot = self.slots.get(expr)
            if slot is None:
                return str(expr), ATOM, True
            return slot.text, slot.level, slot.scalar
        if isinstance(expr, sympy.Number | sympy.NumberSymbol):
            return (*self._number(expr), True)
        scalar = self.is_scalar(expr)
        if isinstance(expr, sympy.Add):
            return self._add(expr), SUM, scalar
        if isinstance(expr, sympy.Mul) or (isinstance(expr, sympy.Pow) and
                                           expr.exp.is_negative):
            return (*self._mul(expr), scalar)
        if isinstance(expr, sympy.Pow):
            return self._power(expr), POWER, scalar
        if isinstance(expr, sympy.Piecewise):
            return self._piecewise(expr), ATOM, scalar
        if isinstance(expr, sympy.core.relational.Relational):
            return self._relation(expr), SUM, scalar
        if isinstance(expr, sympy.Function | sympy.Abs):
            return self._function(expr), ATOM, scalar
        return str(expr), ATOM, scalar

    def _number(self, value: sympy.Expr) -> tuple[str, int]:
        if value is sympy.pi:
            return (r"\pi" if self.latex else "π"), ATOM
        if value is sympy.E:
            return "e", ATOM
        sign = self.minus if value.is_negative else ""
        size = -value if value.is_negative else value
        if isinstance(size, sympy.Integer):
            return f"{sign}{size}", ATOM if not sign else PRODUCT
        if isinstance(size, sympy.Rational) and not _decimal(size.q):
            if self.latex:
                return rf"{sign}\frac{{{size.p}}}{{{size.q}}}", ATOM if not sign else PRODUCT
            return f"{sign}{size.p}/{size.q}", PRODUCT
        return f"{sign}{self.number(float(size))}", ATOM if not sign else PRODUCT

    def _add(self, expr: sympy.Add) -> str:
        terms = sorted(expr.as_ordered_terms(), key=lambda t: bool(t.could_extract_minus_sign()))
        text = ""
        for i, term in enumerate(terms):
            negative = bool(term.could_extract_minus_sign())
            body = self.at_least(-term if negative else term, PRODUCT)
            if i == 0:
                text = f"{self.minus}{body}" if negative else body
            else:
                text += f" {self.minus if negative else '+'} {body}"
        return text

    def _mul(self, expr: sympy.Expr) -> tuple[str, int]:
        coefficient, rest = expr.as_coeff_Mul()
        factors = list(sympy.Mul.make_args(rest)) if rest != 1 else []
        sign = ""
        if coefficient.is_negative:
            sign, coefficient = self.minus, -coefficient
        top: list[sympy.Expr] = []
        bottom: list[sympy.Expr] = []
        for factor in factors:
            if isinstance(factor, sympy.Pow) and factor.exp.is_negative:
                bottom.append(factor.base ** -factor.exp)
            else:
                top.append(factor)
        up, down = sympy.Integer(1), sympy.Integer(1)
        if isinstance(coefficient, sympy.Rational) and not _decimal(coefficient.q):
            up, down = sympy.Integer(coefficient.p), sympy.Integer(coefficient.q)
        else:
            up = coefficient
        numerator, level = self._product(up, top)
        if down == 1 and not bottom:
            return sign + numerator, PRODUCT if sign or level < ATOM else level
        denominator, below = self._product(down, bottom)
        if self.latex:
            return rf"{sign}\frac{{{numerator}}}{{{denominator}}}", PRODUCT if sign else ATOM
        if level < PRODUCT:
            numerator = self.paren(numerator)
        if below < POWER:
            denominator = self.paren(denominator)
        return f"{sign}{numerator} / {denominator}", PRODUCT

    def _product(self, coefficient: sympy.Expr, factors: list[sympy.Expr]) -> tuple[str, int]:
        """Numbers and scalars side by side, then the tensors joined by ``⊙``."""
        if not factors:
            return self._number(coefficient)
        if coefficient == 1 and len(factors) == 1:
            text, level, _ = self.show(factors[0])
            return text, level
        beside = [] if coefficient == 1 else [self._number(coefficient)[0]]
        tensors: list[str] = []
        for factor in sorted(factors, key=lambda f: not self._is_adjoint(f)):
            shown = self.at_least(factor, POWER)
            (beside if self.is_scalar(factor) else tensors).append(shown)
        odot = r" \odot " if self.latex else " ⊙ "
        parts = [" ".join(beside)] if beside else []
        if tensors:
            parts.append(odot.join(tensors))
        return " ".join(parts), PRODUCT

    def _is_adjoint(self, factor: sympy.Expr) -> bool:
        slot = self.slots.get(factor) if isinstance(factor, sympy.Symbol) else None
        return slot is not None and slot.adjoint

    def _power(self, expr: sympy.Pow) -> str:
        base, exponent = expr.base, expr.exp
        if exponent == sympy.Rational(1, 2):
            inner = self.show(base)[0]
            if self.latex:
                return rf"\sqrt{{{inner}}}"
            return "√" + (inner if self.show(base)[1] >= ATOM else self.paren(inner))
        shown = self.at_least(base, ATOM)
        if self.latex:
            power = (str(exponent) if exponent.is_Integer else
                     f"{exponent.p}/{exponent.q}" if exponent.is_Rational else
                     self.show(exponent)[0])
            return f"{shown}^{{{power}}}"
        if exponent.is_Integer and 0 <= exponent <= 9:
            return shown + _SUPERSCRIPTS[str(exponent)]
        power = f"{exponent.p}/{exponent.q}" if exponent.is_Rational else \
            self.at_least(exponent, ATOM)
        return f"{shown}^({power})" if exponent.is_Rational else f"{shown}^{power}"

    def _function(self, expr: sympy.Expr) -> str:
        name = type(expr).__name__
        args = expr.args
        if name == "Heaviside":
            return self._step(args[0])
        if name == "Abs":
            inner = self.show(args[0])[0]
            return rf"\left|{inner}\right|" if self.latex else f"|{inner}|"
        inner = ", ".join(self.show(a)[0] for a in args)
        if self.latex:
            head = _FUNCTIONS.get(name, r"\operatorname{" + name.replace("_", r"\_") + "}")
            return f"{head}{self.paren(inner)}"
        return f"{_TEXT_NAMES.get(name, name)}({inner})"

    def _step(self, argument: sympy.Expr) -> str:
        """Heaviside's step, written as the indicator ``1[a > b]``."""
        terms = sympy.Add.make_args(argument)
        negative = [t for t in terms if t.could_extract_minus_sign()]
        if len(terms) == 2 and len(negative) == 1:
            left = next(t for t in terms if t is not negative[0])
            test = f"{self.show(left)[0]} > {self.show(-negative[0])[0]}"
        else:
            test = f"{self.show(argument)[0]} > 0"
        return rf"\mathbf{{1}}\left[{test}\right]" if self.latex else f"1[{test}]"

    def _relation(self, expr: sympy.Expr) -> str:
        op = expr.rel_op
        shown = _RELATIONS[op] if self.latex else _TEXT_RELATIONS.get(op, op)
        return f"{self.show(expr.lhs)[0]} {shown} {self.show(expr.rhs)[0]}"

    def _piecewise(self, expr: sympy.Piecewise) -> str:
        pieces = []
        for value, condition in expr.args:
            shown = self.show(value)[0]
            test = None if condition is sympy.true else self.show(condition)[0]
            pieces.append((shown, test))
        if self.latex:
            rows = [rf"{v} & {t}" if t is not None else rf"{v} & \text{{otherwise}}"
                    for v, t in pieces]
            return r"\begin{cases} " + r" \\ ".join(rows) + r" \end{cases}"
        text = " else ".join(f"{v} if {t}" if t is not None else v for v, t in pieces)
        return f"({text})"


def _decimal(denominator: int) -> bool:
    """Whether a fraction of this denominator reads better as a decimal (``1e-05``)."""
    return denominator > 100 and 10 ** (len(str(denominator)) - 1) == denominator
