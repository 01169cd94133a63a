"""The one evaluation module: its three ways in agree, and each caller gets the one it had."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy
from conftest import BUNDLED

from symbackprop.errors import FormulaError, GraphError, SpecError
from symbackprop.graph import ComputationGraph
from symbackprop.graph.evaluation import ForwardPass, at_points, evaluate, number
from symbackprop.naming import symbol
from symbackprop.spec import load_problem


def _walked(expr: sympy.Expr, values: dict[str, float]) -> float:
    """The arithmetic ``number`` promises, written out: sums from 0.0, products from 1.0."""
    if expr.is_Symbol:
        return values[expr.name]
    if expr.is_Number:
        return float(expr)
    if expr.is_Add:
        return sum((_walked(arg, values) for arg in expr.args), 0.0)
    if expr.is_Mul:
        return math.prod((_walked(arg, values) for arg in expr.args), start=1.0)
    if expr.is_Pow and expr.exp.is_Integer:
        return _walked(expr.base, values) ** int(expr.exp)
    return evaluate(expr, values)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_local_partial_by_number_agrees_with_lambdify(name: str) -> None:
    problem = load_problem(name)
    graph = problem.graph
    if not problem.has_values:
        pytest.skip("no values in the file")
    values = graph.forward(problem.values)
    for child in graph.order:
        for parent in graph.parents(child):
            partial = graph.local_partial(parent, child)
            walked = number(partial, values)
            assert walked == _walked(partial, values)
            whole = evaluate(partial, values)
            assert math.isclose(walked, whole, rel_tol=1e-12, abs_tol=1e-15), (parent, child)


def test_the_forward_pass_is_the_graphs_and_names_what_is_missing() -> None:
    k, x = symbol("k"), symbol("x")
    forward = ForwardPass([("x", None), ("z", None), ("y", k * x)], {"k": float("nan")})
    assert forward.missing({"x": 1.0}) == ["z", "k"]
    with pytest.raises(SpecError, match=r"no value given for z, k"):
        forward({"x": 1.0})
    assert forward({"x": 2.0, "z": 0.0, "k": 3.0})["y"] == 6.0
    graph = ComputationGraph.from_definitions({"y": "3*x"}, inputs=["x"], output="y")
    assert graph.missing_values({}) == ["x"]


def test_points_are_a_fresh_array_of_the_points() -> None:
    x = symbol("x")
    values = {"x": np.array([1.0, 2.0, 3.0])}
    shared = at_points(x, values, 3)
    shared[0] = 99.0
    assert values["x"][0] == 1.0
    assert at_points(sympy.Integer(2), {}, 4).tolist() == [2.0] * 4
    with np.errstate(all="raise"):  # silenced inside: a random point may overflow
        assert at_points(sympy.exp(x), {"x": np.array([1e4])}, 1)[0] == np.inf
    with pytest.raises(SpecError, match=r"no value for 'x'"):
        evaluate(x + 1, {})


def test_formulas_are_checked_whole_first_and_errors_say_where() -> None:
    # "zz" is not a node and the formula ends early: the grammar error is the one reported
    with pytest.raises(FormulaError, match=r"^f.toml: \[graph.nodes\] y: in formula 'zz \+'"):
        ComputationGraph.from_definitions({"y": "zz +"}, inputs=["x"], output="y",
                                          where="f.toml: [graph.nodes]")
    with pytest.raises(FormulaError, match=r"^node 'y': .*'zz'"):
        ComputationGraph.from_definitions({"y": "zz"}, inputs=["x"], output="y")
    with pytest.raises(GraphError, match=r"'x' is listed as both input and target"):
        ComputationGraph.from_definitions({"y": "x"}, inputs=["x"], targets=["x"], output="y")
