"""The new elementwise functions (gelu, gelu_tanh, elu, silu, huber, smooth_l1, erf) and the
names a node may now take.

Each function's textbook derivative (its ``fdiff``) equals sympy's ``diff`` of its definition,
for every argument; its numeric twins (numpy, math, mpmath) equal PyTorch's function; the
scalar grammar reads them (and ``pi``, ``e``); a node may be called ``E``, ``I``, ``S``,
``N``, ``Q``, ``pi``, ``e``, ``exp`` ... and every stage works with it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy
from conftest import require_module

from symbackprop.calculus.derivation import derive
from symbackprop.numeric.oracles import gradient_check
from symbackprop.rules.elementwise import elu, gelu, gelu_tanh, huber, smooth_l1
from symbackprop.rules.formula import parse_formula
from symbackprop.rules.functions import (
    MATH_FUNCTIONS,
    MPMATH_FUNCTIONS,
    NUMPY_FUNCTIONS,
    numeric_namespace,
    shielded,
    silu,
)
from symbackprop.spec import load_problem_text

X = sympy.Symbol("x", real=True)
P = sympy.Symbol("p", positive=True)
POINTS = [-2.7, -1.0, -0.31, 0.0, 0.42, 1.3, 3.1]

# name -> (the function of x and its parameter p, the definition it stands for)
FUNCTIONS = {
    "gelu": (lambda x, p: gelu(x), lambda x, p: x / 2 * (1 + sympy.erf(x / sympy.sqrt(2)))),
    "gelu_tanh": (lambda x, p: gelu_tanh(x), lambda x, p: x / 2 * (1 + sympy.tanh(
        sympy.sqrt(2 / sympy.pi) * (x + sympy.Rational(44715, 10**6) * x**3)))),
    "silu": (lambda x, p: silu(x), lambda x, p: x / (1 + sympy.exp(-x))),
    "elu": (lambda x, p: elu(x, p), lambda x, p: sympy.Piecewise(
        (x, x > 0), (p * (sympy.exp(x) - 1), True))),
    "huber": (lambda x, p: huber(x, p), lambda x, p: sympy.Piecewise(
        (x**2 / 2, sympy.Abs(x) <= p), (p * (sympy.Abs(x) - p / 2), True))),
    "smooth_l1": (lambda x, p: smooth_l1(x, p), lambda x, p: sympy.Piecewise(
        (x**2 / (2 * p), sympy.Abs(x) < p), (sympy.Abs(x) - p / 2, True))),
}
PARAMETER = 0.75


def _at(expr: sympy.Expr, x: float) -> float:
    return float(expr.subs({X: x, P: PARAMETER}).evalf(30))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_the_textbook_derivative_is_sympys_derivative_of_the_definition(name: str) -> None:
    function, definition = FUNCTIONS[name]
    for wrt in (X, P):
        textbook = sympy.diff(function(X, P), wrt)
        reference = sympy.diff(definition(X, P), wrt)
        for x in POINTS:
            if name in ("huber", "smooth_l1") and abs(abs(x) - PARAMETER) < 1e-9:
                continue  # the kink
            assert _at(textbook, x) == pytest.approx(_at(reference, x), rel=1e-12, abs=1e-14)
    # and the function is its definition
    for x in POINTS:
        assert _at(function(X, P), x) == pytest.approx(_at(definition(X, P), x), rel=1e-13,
                                                       abs=1e-15)


def _torch(name: str, x: object) -> np.ndarray:
    require_module("torch")
    import torch

    t = torch.tensor(x, dtype=torch.float64)
    functional = torch.nn.functional
    result = {
        "gelu": lambda: functional.gelu(t),
        "gelu_tanh": lambda: functional.gelu(t, approximate="tanh"),
        "silu": lambda: functional.silu(t),
        "elu": lambda: functional.elu(t, alpha=PARAMETER),
        "huber": lambda: functional.huber_loss(t, torch.zeros_like(t), reduction="none",
                                               delta=PARAMETER),
        "smooth_l1": lambda: functional.smooth_l1_loss(t, torch.zeros_like(t), reduction="none",
                                                       beta=PARAMETER),
        "erf": lambda: torch.erf(t),
    }[name]()
    return result.numpy()


@pytest.mark.parametrize("name", [*sorted(FUNCTIONS), "erf"])
def test_the_numeric_twins_equal_torch(name: str) -> None:
    x = np.array(POINTS)
    expected = _torch(name, x)
    args = () if name in ("gelu", "gelu_tanh", "silu", "erf") else (PARAMETER,)
    np.testing.assert_allclose(NUMPY_FUNCTIONS[name](x, *args), expected, rtol=1e-14, atol=1e-15)
    scalar = MATH_FUNCTIONS.get(name, math.erf)
    np.testing.assert_allclose([scalar(v, *args) for v in POINTS], expected, rtol=1e-14,
                               atol=1e-15)
    if name != "erf":
        import mpmath

        with mpmath.workdps(30):
            many = [float(MPMATH_FUNCTIONS[name](mpmath.mpf(v), *args)) for v in POINTS]
        np.testing.assert_allclose(many, expected, rtol=1e-14, atol=1e-15)


def test_lambdify_of_a_derivative_runs_with_the_numeric_namespace() -> None:
    for name, (function, _) in FUNCTIONS.items():
        derivative = sympy.diff(function(X, sympy.Float(PARAMETER)), X)
        compiled = sympy.lambdify([X], derivative, modules=numeric_namespace())
        values = compiled(np.array(POINTS))
        reference = [_at(derivative, x) for x in POINTS]
        np.testing.assert_allclose(values, reference, rtol=1e-12, atol=1e-14, err_msg=name)


def test_the_scalar_grammar_reads_the_functions_and_the_constants() -> None:
    a, e = sympy.symbols("a e", real=True)
    assert parse_formula("elu(a)", {"a": a}) == elu(a, 1)
    assert parse_formula("huber(a, 2) + smooth_l1(a)", {"a": a}) == huber(a, 2) + smooth_l1(a, 1)
    assert parse_formula("gelu(a) + gelu_tanh(a) + silu(a) + erf(a)", {"a": a}) == (
        gelu(a) + gelu_tanh(a) + silu(a) + sympy.erf(a))
    assert parse_formula("pi*e*a", {"a": a}) == sympy.pi * sympy.E * a
    assert parse_formula("pi*e*a", {"a": a, "e": e}) == sympy.pi * e * a  # a declared name wins


def test_shielded_renames_only_the_names_that_clash() -> None:
    exp, w = sympy.Symbol("exp", real=True), sympy.Symbol("w", real=True)
    args, expr = shielded([exp, w], sympy.exp(exp) * w)
    assert args[1] is w and args[0] != exp and expr == sympy.exp(args[0]) * w
    compiled = sympy.lambdify(args, expr, modules=numeric_namespace())
    assert compiled(0.0, 3.0) == 3.0


NAMED = """
title = "nodes named like sympy's and the grammar's names"
[graph]
output = "L"
[graph.inputs]
x = 1.5
y = 0.25
[graph.parameters]
E = 0.5
I = -0.3
S = 0.2
N = 0.7
Q = 1.1
pi = 0.4
oo = 0.9
nan = 0.3
zoo = -0.6
exp = 0.8
sigmoid = 0.35
[graph.nodes]
e = "E*x + I + exp*sigmoid"
max = "sigmoid(S*e + N) + exp(e) + max(e, sigmoid)"
gamma = "tanh(Q*max + pi) + oo*nan"
L = "(zoo*gamma - y)^2"
"""


def test_nodes_may_take_sympys_names_function_names_and_constant_names() -> None:
    problem = load_problem_text(NAMED, name="named.toml")
    assert {"E", "I", "S", "N", "Q", "pi", "e", "exp", "max", "sigmoid"} <= set(
        problem.graph.nodes)
    checks = gradient_check(problem.graph, problem.values)
    assert checks and all(check.agrees for check in checks)
    for wrt in ("E", "pi", "exp", "sigmoid", "zoo"):
        d = derive(problem.graph, wrt, values=problem.values)
        assert d.value == pytest.approx(next(c for c in checks if c.wrt == wrt).finite_difference,
                                        rel=1e-7)
    again = load_problem_text(problem.to_toml(), name="again.toml")
    assert again.graph.forward(again.values)["L"] == problem.graph.forward(problem.values)["L"]
