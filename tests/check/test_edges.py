"""The edge classifier reads a linear term's coefficient off the term, without differentiating:
the same answer as the derivative-based definition on every edge of every bundled example."""

from __future__ import annotations

import pytest
import sympy

from symbackprop.check.edges import _coefficient
from symbackprop.naming import symbol
from symbackprop.spec import bundled_examples, load_problem


def _by_derivative(definition: sympy.Expr, x: sympy.Symbol) -> sympy.Symbol | None:
    """The definition: ``d definition / dx`` when it is a symbol ``c`` and ``c * x`` a term."""
    coefficient = sympy.diff(definition, x)
    if isinstance(coefficient, sympy.Symbol) and \
            sympy.Mul(coefficient, x) in sympy.Add.make_args(definition):
        return coefficient
    return None


@pytest.mark.parametrize("name", sorted(bundled_examples("scalar")))
def test_coefficient_matches_the_derivative_on_every_bundled_edge(name: str) -> None:
    graph = load_problem(name).graph
    checked = 0
    for parent, child in graph.digraph.edges:
        definition = graph.node(child).definition
        if definition is None:
            continue
        x = symbol(parent)
        assert _coefficient(definition, x) == _by_derivative(definition, x), (parent, child)
        checked += 1
    assert checked > 0


X, Y, Z, B = sympy.symbols("x y z b")


@pytest.mark.parametrize("definition", [
    X * Y + B, X * Y + X * Z, X * Y + X * Y * Z, X**2 / 2, 2 * X, X, X + Y, X * Y, Y * Z + B,
    sympy.sin(X) * Y, X * Y + sympy.exp(Z), X * Y - X, -X * Y, X * (Y + Z), X * Y * Z,
])
def test_coefficient_matches_the_derivative_on_hand_made_terms(definition: sympy.Expr) -> None:
    assert _coefficient(definition, X) == _by_derivative(definition, X)


def test_coefficient_reads_a_weight() -> None:
    assert _coefficient(X * Y + X * Z + B, Y) == X
    assert _coefficient(X * Y + X * Z, X) is None
