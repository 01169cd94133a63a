"""Text for a terminal, the pieces every text output shares: lines of at most 100 columns.

Structure is written with Unicode (``∂``, ``·``, ``→``, ``δ``, ``η``); single formulas keep
the problem-file formula syntax (``2*(yhat1 - y1)``, ``h13*(1 - h13)``) so that they can be
copied into a claim.  :func:`leibniz` writes a partial, :data:`number` a value,
:func:`step_text` one step of gradient descent, :func:`collected_text` and :func:`group_text` a
result and the factored form on one line, and :func:`wrap` and :func:`sum_lines` fit lines to
:data:`WIDTH`.  The derivation page (:mod:`symbackprop.render.text`), the path listings
(:mod:`symbackprop.render.streamed`) and the gradients (:mod:`symbackprop.render.gradients`)
are written with them.

Examples
--------
>>> print(leibniz("L", "w5"), number(0.08216704056423078))
∂L/∂w5 0.08216704056
>>> print(step_text(Step("w1", 0.5, 0.15, 0.0004385677345), "L"))
w1+ = w1 − η ∂L/∂w1 = 0.15 − 0.5 · 0.0004385677345 = 0.1497807161
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy

from ..calculus.simplify import Collected
from ..calculus.terms import Group, Step
from .numbers import text_number
from .parts import Product, collected_layout
from .typeset import text_expr

__all__ = ["WIDTH", "collected_text", "columns", "group_text", "leibniz", "number", "step_text",
           "sum_lines", "wrap"]

WIDTH = 100
"""Lines are at most this wide (a single unbreakable token may be longer)."""

number = text_number
"""A value to 10 significant digits: :func:`symbackprop.render.numbers.text_number`."""


def leibniz(of: str, wrt: str) -> str:
    """The partial derivative ``∂of/∂wrt`` in Leibniz notation, as text.

    Examples
    --------
    >>> leibniz("L", "w5")
    '∂L/∂w5'
    """
    return f"∂{of}/∂{wrt}"


def step_text(step: Step[float], of: str) -> str:
    """One step of gradient descent with its numbers, on one line.

    Examples
    --------
    >>> print(step_text(Step("w1", 0.5, 0.15, 0.0004385677345), "L"))
    w1+ = w1 − η ∂L/∂w1 = 0.15 − 0.5 · 0.0004385677345 = 0.1497807161
    """
    w = step.parameter
    return (f"{w}+ = {w} − η {leibniz(of, w)} = {number(step.before)} − "
            f"{number(step.learning_rate)} · {number(step.gradient)} = {number(step.after)}")


def wrap(text: str, indent: int) -> str:
    """``text`` in lines of at most :data:`WIDTH`, continuation lines indented by ``indent``;
    a line breaks at the least nested space in its second half, before a ``+`` or ``-`` if it
    can (between the terms of a sum, then the factors of a product, rather than inside a
    parenthesis).

    Examples
    --------
    >>> print(wrap("y = " + "(a + b) * " * 12 + "c", 4))
    y = (a + b) * (a + b) * (a + b) * (a + b) * (a + b) * (a + b) * (a + b) * (a + b) * (a + b) *
        (a + b) * (a + b) * (a + b) * c
    """
    lines, rest = [], text
    while len(rest) > WIDTH:
        depth, best, best_key = 0, -1, (10**9, 1)
        for i, char in enumerate(rest[:WIDTH + 1]):
            if char in "([":
                depth += 1
            elif char in ")]":
                depth -= 1
            elif char == " " and i >= WIDTH // 2 and i > indent:
                key = (depth, 0 if rest[i + 1:i + 3] in ("+ ", "- ") else 1)
                if key <= best_key:  # least nested, before a sign if possible, then last
                    best, best_key = i, key
        if best < 0:  # no space to break at: the rest of the first word stays whole
            best = rest.find(" ", WIDTH)
            if best < 0:
                break
        lines.append(rest[:best].rstrip())
        rest = " " * indent + rest[best:].lstrip()
    return "\n".join([*lines, rest])


def sum_lines(head: str, terms: Sequence[str]) -> list[str]:
    """``head = t1`` then ``+ t2`` ... aligned under the first term, each wrapped.

    Examples
    --------
    >>> for line in sum_lines("  ∂e/∂b", ["∂e/∂c · ∂c/∂b", "∂e/∂d · ∂d/∂b"]):
    ...     print(line)
      ∂e/∂b = ∂e/∂c · ∂c/∂b
            + ∂e/∂d · ∂d/∂b
    """
    pad = " " * (len(head) + 1)
    out = []
    for i, term in enumerate(terms):
        line = f"{head} = {term}" if i == 0 else f"{pad}+ {term}"
        out.append(wrap(line, len(pad) + 4))
    return out


def group_text(group: Group) -> str:
    """The factored form on one line: each factor once, the branches of a fork in parentheses.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> print(group_text(derive(load_problem("branching_graph").graph, "b").factored))
    (∂c/∂b · ∂e/∂c + ∂d/∂b · ∂e/∂d)
    """
    parts = []
    for factor, sub in group.branches:
        inner = group_text(sub)
        parts.append(leibniz(factor.of, factor.wrt) + ("" if not inner else " · " + inner))
    if len(parts) > 1:
        return "(" + " + ".join(parts) + ")"
    return parts[0] if parts else ""


def _factor_text(expr: sympy.Expr) -> str:
    text = text_expr(expr)
    return f"({text})" if isinstance(expr, sympy.Add) else text


def _product_text(product: Product, tail: Sequence[str] = ()) -> str:
    items = [_factor_text(f) for f in product.factors] + list(tail)
    body = " · ".join(items)
    if product.coefficient != 1 or not items:
        return f"{product.coefficient} · {body}" if items else str(product.coefficient)
    return body


def _signed_join(parts: Sequence[tuple[bool, str]]) -> str:
    out = ""
    for i, (negative, text) in enumerate(parts):
        if i == 0:
            out = f"-{text}" if negative else text
        else:
            out += f" - {text}" if negative else f" + {text}"
    return out


def collected_text(grouped: Collected) -> str:
    """A :class:`~symbackprop.calculus.simplify.Collected` form on one line: numeric factors in
    front, the shared factors (path order), then one term per output delta, each times the sum over
    its paths; factors (one local partial each) separated by ``·``.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> from symbackprop.calculus.simplify import collected
    >>> graph = load_problem("linear_2_2_2_2").graph
    >>> print(collected_text(collected(derive(graph, "w111"))))
    x1 · [(yhat1 - y1) · (w311 · w211 + w312 · w221) + (yhat2 - y2) · (w321 · w211 + w322 · w221)]
    """
    layout = collected_layout(grouped)
    tail = []
    if layout.terms:
        terms = []
        for negative, product, inner in layout.terms:
            if inner is None:
                terms.append((negative, _product_text(product)))
                continue
            paths = _signed_join([(n, _product_text(p)) for n, p in inner])
            terms.append((negative, _product_text(product, [f"({paths})"])))
        body = _signed_join(terms)
        wrap = len(terms) > 1 and layout.scaled
        tail = [f"[{body}]" if wrap else body]
    text = _product_text(layout.front, tail)
    return f"-{text}" if layout.negative else text


def columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    r"""``header`` and ``rows`` as lines of left-aligned columns, two spaces apart, each as wide
    as its widest cell (a line's trailing spaces dropped).

    Examples
    --------
    >>> print("\n".join(columns(["wrt", "value"], [["w5", "0.08"], ["w11", "-1"]])))
    wrt  value
    w5   0.08
    w11  -1
    """
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in [header, *rows]]
