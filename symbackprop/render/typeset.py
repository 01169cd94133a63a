r"""Printing one sympy expression as a textbook writes it, for the LaTeX, Markdown and text pages.

* :func:`latex_expr` / :func:`text_expr`: one expression, printed through sympy's printers with
  the graph's node labels and three textbook habits: positive terms first in a sum
  (``\hat{y}_{1} - y_{1}``, not ``- y_{1} + \hat{y}_{1}``), a common numeric factor pulled out
  (``2 (\hat{y}_{1} - y_{1})``), and the terms of a sum in the natural order of their names
  (``yhat_2`` before ``yhat_10``; :func:`natural_terms`).
* :func:`leibniz`: Leibniz fractions (products of them are laid out by the pages, in path
  order: sympy would reorder a ``Mul``).
* :func:`math_structure`: an expression's structure for the line breaker of
  :mod:`symbackprop.render.breaking` (which knows nothing of sympy; its names are re-exported
  here).

Numbers are formatted by :mod:`symbackprop.render.numbers`.

Examples
--------
>>> from symbackprop.naming import symbol
>>> y1, yhat1 = symbol("y1"), symbol("yhat1")
>>> latex_expr(-2 * y1 + 2 * yhat1, {yhat1: r"\hat{y}_{1}"})
'2 \\left(\\hat{y}_{1} - y_{1}\\right)'
>>> text_expr(-2 * y1 + 2 * yhat1)
'2*(yhat1 - y1)'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from ..naming import natural_key
from .breaking import DOT, Atom, Group, Math, Seq, Sum

__all__ = [
    "latex_expr",
    "leibniz",
    "math_structure",
    "natural_forms",
    "natural_latex",
    "natural_str",
    "natural_terms",
    "plain_str",
    "text_expr",
    "tidy",
]


# -- printing one expression -------------------------------------------------------------------

def _positive_first(terms: list[Any]) -> list[Any]:
    return sorted(terms, key=lambda t: bool(t.could_extract_minus_sign()))


def _special_pair(expr: sympy.Add) -> list[Any] | None:
    """sympy's one exception to its term order (``1 - 2*x`` stays so): as
    :meth:`sympy.Expr.as_ordered_terms` spots it."""
    def key(x: Any) -> bool:
        return not isinstance(x, (sympy.Number, sympy.NumberSymbol))
    terms = sorted(sympy.Add.make_args(expr), key=key)
    if len(terms) == 2 and isinstance(terms[0], (sympy.Number, sympy.NumberSymbol)) and \
            isinstance(terms[1], sympy.Mul):
        factors = sorted(sympy.Mul.make_args(terms[1]), key=key)
        if len(factors) == 2 and isinstance(factors[0], sympy.Number) and \
                terms[0].is_positive and factors[0].is_negative:
            return terms
    return None


def natural_terms(expr: sympy.Add, order: Any = None) -> list[Any]:
    """The terms of ``expr`` in sympy's order (:meth:`sympy.Expr.as_ordered_terms`), but with
    the symbols among the generators (what the terms are monomials in) taken in the natural
    order of their names (:func:`symbackprop.naming.natural_key`) rather than sympy's string
    order.  Where the two orders agree (every network no wider than 9) this is sympy's order
    exactly; it costs what sympy's own ordering costs.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> total = symbol("yhat_10") + symbol("yhat_2") - 2 * symbol("yhat_1")
    >>> total.as_ordered_terms(), natural_terms(total)
    ([-2*yhat_1, yhat_10, yhat_2], [-2*yhat_1, yhat_2, yhat_10])
    """
    if order is not None:
        return list(expr.as_ordered_terms(order=order))
    special = _special_pair(expr)
    if special is not None:
        return special
    pairs, gens = expr.as_terms()
    if any(term.is_Order for term, _ in pairs):
        return list(expr.as_ordered_terms())
    # the symbols among the gens re-sorted in natural order, in the places symbols hold
    places = [i for i, gen in enumerate(gens) if isinstance(gen, sympy.Symbol)]
    natural = list(range(len(gens)))
    for place, i in zip(places, sorted(places, key=lambda i: natural_key(gens[i].name)),
                        strict=True):
        natural[place] = i
    if natural != sorted(natural):  # sympy's key on the monomials over the gens reordered
        pairs = [(term, (coeff, tuple(monom[i] for i in natural), nc))
                 for term, (coeff, monom, nc) in pairs]
    key, reverse = expr._parse_order(order)
    return [term for term, _ in sorted(pairs, key=key, reverse=reverse)]


class _NaturalStr(StrPrinter):
    """sympy's str printer, the terms of a sum in natural order."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        if isinstance(expr, sympy.Add) and (order or self.order) is None:
            return natural_terms(expr)
        return super()._as_ordered_terms(expr, order=order)


class _NaturalLatex(LatexPrinter):
    """sympy's LaTeX printer, the terms of a sum in natural order."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        if isinstance(expr, sympy.Add) and (order or self.order) is None:
            return natural_terms(expr)
        return super()._as_ordered_terms(expr, order=order)


class _TextbookLatex(_NaturalLatex):
    """sympy's LaTeX printer, with the terms of a sum in natural order, positive ones first."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        terms = super()._as_ordered_terms(expr, order=order)
        return _positive_first(terms) if isinstance(expr, sympy.Add) else terms


class _TextbookStr(_NaturalStr):
    """sympy's str printer, with the terms of a sum in natural order, positive ones first,
    and ``^`` for powers."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        terms = super()._as_ordered_terms(expr, order=order)
        return _positive_first(terms) if isinstance(expr, sympy.Add) else terms


def _symbol_pair(expr: sympy.Expr) -> tuple[sympy.Symbol, sympy.Symbol] | None:
    """The two factors of a product of two symbols (a weight's gradient ``h * delta``), in the
    order sympy's printers write them (``as_ordered_factors``: by sort key), or ``None``."""
    if type(expr) is sympy.Mul:
        args = expr.args
        if len(args) == 2:
            left, right = args
            if type(left) is sympy.Symbol and type(right) is sympy.Symbol:
                # the sort keys of two plain symbols differ in their names alone
                return (left, right) if left.name <= right.name else (right, left)
    if isinstance(expr, sympy.Mul) and len(expr.args) == 2 and all(
            isinstance(arg, sympy.Symbol) for arg in expr.args):
        left, right = sorted(expr.args, key=lambda arg: arg.sort_key())
        return left, right
    return None


def _pair_latex(pair: tuple[sympy.Symbol, sympy.Symbol],
                names: Mapping[sympy.Symbol, str]) -> str | None:
    """What sympy's LaTeX printer writes for the product of ``pair`` with labels ``names``:
    the two labels apart, when both have one and the second does not start with a digit
    (sympy puts a dot between two numbers); ``None`` otherwise."""
    left, right = names.get(pair[0]), names.get(pair[1])
    if left is None or right is None or right[:1].isdigit():
        return None
    return f"{left} {right}"


def plain_str(expr: sympy.Expr) -> str:
    """``str(expr)``, a plain symbol's name without a printer (a sweep prints thousands).

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> plain_str(symbol("h_1_1")), plain_str(symbol("h") * (1 - symbol("h")))
    ('h_1_1', 'h*(1 - h)')
    """
    return expr.name if type(expr) is sympy.Symbol else str(expr)


def _pair_sum_str(expr: sympy.Expr) -> str | None:
    """What :class:`_NaturalStr` prints for a sum of products of two plain symbols (an adjoint
    ``delta_h = sum_c w_c delta_c`` of a wide layer), or ``None`` for any other expression.

    Each term is a monomial of degree 2 with coefficient 1, so :func:`natural_terms` orders the
    terms by their two symbols' natural ranks, the lower rank first: among sets of equal size,
    sympy's descending lex order of exponent vectors is the ascending order of sorted rank
    tuples.  The ranks are the gens' order there: natural key, ties in sympy's (name) order.
    """
    if not isinstance(expr, sympy.Add):
        return None
    keyed = []
    symbols: set[sympy.Symbol] = set()
    for term in expr.args:
        if type(term) is not sympy.Mul or len(term.args) != 2:
            return None
        left, right = term.args
        if type(left) is not sympy.Symbol or type(right) is not sympy.Symbol:
            return None
        if right.name < left.name:
            left, right = right, left
        symbols.update((left, right))
        first, second = (natural_key(left.name), left.name), (natural_key(right.name), right.name)
        keyed.append(((first, second) if first <= second else (second, first),
                      f"{left.name}*{right.name}"))
    if len({s.name for s in symbols}) != len(symbols) or any(
            left[1] == right[1] for (left, right), _ in keyed):
        return None  # two symbols of one name: leave the order to sympy
    keyed.sort(key=lambda pair: pair[0])
    return " + ".join(text for _, text in keyed)


def natural_str(expr: sympy.Expr) -> str:
    """``str(expr)``, the terms of every sum in natural order (:func:`natural_terms`): what the
    JSON outputs and the formula columns print.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> total = symbol("w_1_10_1") + symbol("w_1_2_1")
    >>> str(total), natural_str(total), natural_str(symbol("a") + 2)
    ('w_1_10_1 + w_1_2_1', 'w_1_2_1 + w_1_10_1', 'a + 2')
    """
    pair = _symbol_pair(expr)
    if pair is not None:  # what the printer writes, thousands of times faster in a sweep
        return f"{pair[0].name}*{pair[1].name}"
    text = _pair_sum_str(expr)
    if text is not None:  # the same string, without sympy's O(n log n) sort on monomials
        return text
    return _NaturalStr().doprint(expr)


def natural_latex(expr: sympy.Expr, names: Mapping[sympy.Symbol, str] | None = None) -> str:
    r"""``sympy.latex(expr, symbol_names=names)``, the terms of every sum in natural order.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> natural_latex(symbol("x_10") + symbol("x_2"), {symbol("x_10"): "x_{10}"})
    'x_{2} + x_{10}'
    """
    if names is None:
        names = {}
    pair = _symbol_pair(expr)
    if pair is not None:
        text = _pair_latex(pair, names)
        if text is not None:
            return text
    return _NaturalLatex({"symbol_names": names}).doprint(expr)


def natural_forms(expr: sympy.Expr, names: Mapping[sympy.Symbol, str]) -> tuple[str, str]:
    r"""``(natural_str(expr), natural_latex(expr, names))``, looking at ``expr`` once (a sweep
    writes both for every parameter).

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> x, d = symbol("x_1"), symbol("delta_a_1")
    >>> natural_forms(x * d, {x: "x_{1}", d: r"\delta_{a_{1}}"})
    ('delta_a_1*x_1', '\\delta_{a_{1}} x_{1}')
    """
    pair = _symbol_pair(expr)
    if pair is None:
        return natural_str(expr), natural_latex(expr, names)
    text = f"{pair[0].name}*{pair[1].name}"
    return text, _pair_latex(pair, names) or natural_latex(expr, names)


def tidy(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with the common factor of a sum pulled out (``-2 y + 2 yhat`` becomes
    ``2 (yhat - y)``); the value is unchanged.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> y1, yhat1 = symbol("y1"), symbol("yhat1")
    >>> tidy(-2 * y1 + 2 * yhat1)
    2*(-y1 + yhat1)
    """
    if isinstance(expr, sympy.Add):
        return sympy.factor_terms(expr)
    if isinstance(expr, sympy.Mul):
        return sympy.Mul(*(tidy(a) for a in expr.args), evaluate=False) if any(
            isinstance(a, sympy.Add) for a in expr.args) else expr
    return expr


def latex_expr(expr: sympy.Expr, names: Mapping[sympy.Symbol, str] | None = None) -> str:
    r"""``expr`` in LaTeX, with node labels ``names`` (``graph.latex_names()``), tidied.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> graph = load_problem("mazur_2_2_2").graph
    >>> print(latex_expr(graph.local_partial("a21", "yhat1"), graph.latex_names()))
    \hat{y}_{1} \left(1 - \hat{y}_{1}\right)
    """
    return _TextbookLatex({"symbol_names": names or {}}).doprint(tidy(expr))


def text_expr(expr: sympy.Expr) -> str:
    """``expr`` as plain text in formula syntax (``*``, ``^``), tidied, positive terms first.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> h, y1, yhat1 = symbol("h11"), symbol("y1"), symbol("yhat1")
    >>> text_expr(h * (1 - h) * (-y1 + yhat1)), text_expr(yhat1**2)
    ('h11*(1 - h11)*(yhat1 - y1)', 'yhat1^2')
    """
    return _TextbookStr().doprint(tidy(expr)).replace("**", "^")


# -- Leibniz notation ------------------------------------------------------------------------------

def leibniz(of: str, wrt: str, names: Mapping[str, str]) -> str:
    r"""``\frac{\partial of}{\partial wrt}`` with the nodes' LaTeX labels ``names``.

    Examples
    --------
    >>> print(leibniz("L", "yhat1", {"L": r"\mathcal{L}", "yhat1": r"\hat{y}_{1}"}))
    \frac{\partial \mathcal{L}}{\partial \hat{y}_{1}}
    """
    return rf"\frac{{\partial {names[of]}}}{{\partial {names[wrt]}}}"


# -- the structure of an expression, for line breaking ------------------------------------------

def _plain(factor: sympy.Expr) -> bool:
    """Whether a factor juxtaposes safely: a symbol, or a symbol to a positive integer power."""
    if isinstance(factor, sympy.Symbol):
        return True
    return (isinstance(factor, sympy.Pow) and isinstance(factor.base, sympy.Symbol)
            and factor.exp.is_Integer and factor.exp > 0)


def math_structure(expr: sympy.Expr, names: Mapping[sympy.Symbol, str]) -> Math:
    r"""The structure of a sympy expression for :func:`breaklines`.

    A sum becomes a :class:`Sum` of its terms (positive first).  A product without
    denominators becomes a :class:`Seq`: its number and symbols juxtaposed in front
    (``2 h_{11} w_{3} y^{2}``, at most one power), then each other factor (a sum in
    parentheses, a function, another power) after a ``\cdot``.  Anything else is one
    :class:`Atom`.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> h, w, y = symbol("h11"), symbol("w5"), symbol("y1")
    >>> node = math_structure(2 * h * w * (h - y), {h: "h_{11}", w: "w_{5}", y: "y_{1}"})
    >>> node.items[0], node.sep
    (Atom(latex='2 h_{11} w_{5}'), '\\cdot')
    >>> from symbackprop.render.breaking import flat
    >>> print(flat(node))
    {2 h_{11} w_{5}} \cdot \left(h_{11} - y_{1}\right)
    """
    expr = tidy(expr)
    if isinstance(expr, sympy.Add):
        terms = _TextbookLatex()._as_ordered_terms(expr)
        return Sum(tuple((bool(t.could_extract_minus_sign()),
                          math_structure(-t if t.could_extract_minus_sign() else t, names))
                         for t in terms))
    if isinstance(expr, sympy.Mul) and not any(
            isinstance(a, sympy.Pow) and a.exp.is_negative for a in expr.args):
        coefficient, factors = expr.as_coeff_mul()
        if coefficient.is_Rational and not coefficient.is_Integer:
            return Atom(latex_expr(expr, names))
        if coefficient < 0:
            return Sum(((True, math_structure(-expr, names)),))
        # Symbols juxtapose (and at most one power after them: "x y z^{2}"); the rest gets dots.
        symbols = [f for f in factors if isinstance(f, sympy.Symbol)]
        powers = [f for f in factors if _plain(f) and not isinstance(f, sympy.Symbol)]
        rest = powers[1:] + [f for f in factors if not _plain(f)]
        head = " ".join(latex_expr(f, names) for f in [*symbols, *powers[:1]])
        if coefficient != 1:
            head = f"{latex_expr(coefficient)} {head}".strip()
        items: list[Math] = [Atom(head)] if head else []
        for factor in rest:
            if isinstance(factor, sympy.Add):
                items.append(Group(math_structure(factor, names)))
            else:
                items.append(Atom(latex_expr(factor, names)))
        return items[0] if len(items) == 1 else Seq(tuple(items), DOT)
    return Atom(latex_expr(expr, names))
