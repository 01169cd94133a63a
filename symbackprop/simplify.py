"""Named simplification strategies for a derivation's result.

``textbook`` (default)
    Keep node symbols (``h13 (1 - h13)``, ``yhat1``); pull common factors out of the sum.
``leaves``
    Write the result in inputs, targets and parameters only; pull out common factors.
``expand``
    Multiply everything out (node symbols).
``factor``
    Factor the node-symbol form as a polynomial (sympy ``factor``).
``full``
    ``sympy.simplify`` of the leaves-only form, only when that is small enough.

Examples
--------
>>> from symbackprop.network import LayeredNetwork
>>> from symbackprop.derivation import derive
>>> net = LayeredNetwork((1, 2, 1), hidden=("identity",), output="identity",
...                      loss="half_squared_error")
>>> d = derive(net.build(), "w111")
>>> simplify(d, "textbook")
w211*x1*(-y1 + yhat1)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy

from .errors import SymbackpropError

if TYPE_CHECKING:
    from .derivation import Derivation

__all__ = ["FULL_SIMPLIFY_LIMIT", "STRATEGIES", "simplify"]

FULL_SIMPLIFY_LIMIT = 400
"""``full`` refuses expressions with more operations than this (sympy.simplify is slow)."""

STRATEGIES = ("textbook", "leaves", "expand", "factor", "full")


def simplify(derivation: Derivation, strategy: str = "textbook") -> sympy.Expr:
    """The derivative of ``derivation`` simplified by ``strategy`` (one of :data:`STRATEGIES`)."""
    expr = derivation.expression
    if strategy == "textbook":
        return sympy.factor_terms(expr)
    if strategy == "leaves":
        return sympy.factor_terms(derivation.leaves)
    if strategy == "expand":
        return sympy.expand(expr)
    if strategy == "factor":
        return sympy.factor(expr)
    if strategy == "full":
        leaves = derivation.leaves
        ops = sympy.count_ops(leaves)
        if ops > FULL_SIMPLIFY_LIMIT:
            raise SymbackpropError(
                f"the leaves-only form has {ops} operations, more than {FULL_SIMPLIFY_LIMIT}; "
                "sympy.simplify would take too long: use 'textbook' or 'leaves'"
            )
        return sympy.simplify(leaves)
    raise SymbackpropError(f"unknown simplification {strategy!r}; allowed: "
                           f"{', '.join(STRATEGIES)}")
