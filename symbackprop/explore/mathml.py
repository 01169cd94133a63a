"""Formulas and node labels for the interactive page: MathML, which browsers render natively.

:func:`math_element` prints an expression in node symbols with sympy's presentation printer
(``yhat1`` shown as ŷ₁, as the LaTeX pages show it), tidied as the other outputs tidy it;
:func:`leibniz_math` is the partial ``∂of/∂wrt``; :func:`label_parts` splits a node's name into
the base and subscript the picture writes.  Node names are identifiers (the spec checks them),
and sympy's printer escapes every text it writes, so the markup carries no text of a file.

Examples
--------
>>> from symbackprop.naming import symbol
>>> yhat1 = symbol("yhat1")
>>> print(math_element(yhat1 * (1 - yhat1)))  # doctest: +NORMALIZE_WHITESPACE
<math><mrow><msub><mi>&#375;</mi><mi>1</mi></msub><mo>&InvisibleTimes;</mo><mrow><mo>(</mo>\
<mrow><mn>1</mn><mo>-</mo><msub><mi>&#375;</mi><mi>1</mi></msub></mrow><mo>)</mo></mrow></mrow></math>
>>> label_parts("yhat1"), label_parts("w_1_10_3"), label_parts("alpha")
(('ŷ', '1'), ('w', '1,10,3'), ('α', ''))
"""

from __future__ import annotations

import re
from typing import Any

import sympy
from sympy.printing.conventions import split_super_sub
from sympy.printing.mathml import MathMLPresentationPrinter
from sympy.printing.pretty.pretty_symbology import greek_unicode

from ..naming import symbol
from ..render.typeset import tidy

__all__ = ["label_parts", "leibniz_math", "math_element"]

_HAT = re.compile(r"yhat((?:_?\d+)+)\Z")


def _display_name(name: str) -> str:
    """The name sympy's printers split into base and subscripts: ``yhat1`` becomes ``ŷ1``."""
    match = _HAT.match(name)
    return f"ŷ{match.group(1)}" if match else name


class _Printer(MathMLPresentationPrinter):
    """sympy's presentation printer, with the layered network's outputs written ŷ and the
    positive terms of a sum first (as :mod:`symbackprop.render.typeset` prints them)."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        terms = super()._as_ordered_terms(expr, order=order)
        if isinstance(expr, sympy.Add):
            terms.sort(key=lambda t: bool(t.could_extract_minus_sign()))
        return terms

    def _print_Symbol(self, sym: sympy.Symbol, style: str = "plain") -> Any:
        shown = _display_name(sym.name)
        if shown != sym.name:
            sym = sympy.Symbol(shown)
        return super()._print_Symbol(sym, style)


def math_element(expr: sympy.Expr, *, bracket: bool = False) -> str:
    """``expr`` as a ``<math>`` element (presentation MathML), tidied as the text pages are;
    with ``bracket`` a sum is put in parentheses (a factor of a product).

    Examples
    --------
    >>> print(math_element(symbol("w5")))
    <math><msub><mi>w</mi><mi>5</mi></msub></math>
    >>> print(math_element(symbol("a") - 1, bracket=True))
    <math><mrow><mo>(</mo><mrow><mi>a</mi><mo>-</mo><mn>1</mn></mrow><mo>)</mo></mrow></math>
    """
    expr = tidy(sympy.sympify(expr))
    body = _Printer({}).doprint(expr)
    if bracket and isinstance(expr, sympy.Add):
        body = f"<mrow><mo>(</mo>{body}<mo>)</mo></mrow>"
    return f"<math>{body}</math>"


def leibniz_math(of: str, wrt: str) -> str:
    """``∂of/∂wrt`` as a ``<math>`` element.

    Examples
    --------
    >>> print(leibniz_math("L", "w5"))  # doctest: +NORMALIZE_WHITESPACE
    <math><mfrac><mrow><mo>&#8706;</mo><mi>L</mi></mrow><mrow><mo>&#8706;</mo><msub><mi>w</mi>\
<mi>5</mi></msub></mrow></mfrac></math>
    """
    printer = _Printer({})
    top, bottom = (printer.doprint(symbol(name)) for name in (of, wrt))
    return (f"<math><mfrac><mrow><mo>&#8706;</mo>{top}</mrow><mrow><mo>&#8706;</mo>{bottom}"
            "</mrow></mfrac></math>")


def label_parts(name: str) -> tuple[str, str]:
    """A node's label as the picture writes it: the base and the subscript (indices joined
    with commas), Greek names as letters.

    Examples
    --------
    >>> label_parts("h11"), label_parts("L"), label_parts("hidden_node")
    (('h', '11'), ('L', ''), ('hidden', 'node'))
    """
    base, _, subs = split_super_sub(_display_name(name))
    return greek_unicode.get(base, base), ",".join(greek_unicode.get(s, s) for s in subs)
