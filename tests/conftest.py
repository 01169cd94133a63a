"""Shared fixtures: the zoo of graphs every oracle test runs over, and tool requirements."""

from __future__ import annotations

import os
import shutil

import pytest

from symbackprop.graph import ComputationGraph, Node
from symbackprop.graph.network import LayeredNetwork
from symbackprop.naming import symbol
from symbackprop.spec import bundled_examples, load_problem

REQUIRE_ALL = os.environ.get("SYMBACKPROP_REQUIRE_ALL") == "1"


def require_tool(name: str) -> str:
    """The path of an external tool; skip the test without it, unless CI requires it
    (``SYMBACKPROP_REQUIRE_ALL=1``), where a missing tool fails the test."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed"
        if REQUIRE_ALL:
            pytest.fail(f"{message}, and SYMBACKPROP_REQUIRE_ALL=1 requires it")
        pytest.skip(message)
    return path


def require_module(name: str) -> None:
    """Skip (or, with ``SYMBACKPROP_REQUIRE_ALL=1``, fail) when a Python module is missing."""
    try:
        __import__(name)
    except ImportError:
        if REQUIRE_ALL:
            pytest.fail(f"{name} is not installed, and SYMBACKPROP_REQUIRE_ALL=1 requires it")
        pytest.skip(f"{name} is not installed")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Under ``SYMBACKPROP_REQUIRE_ALL=1`` (CI) no test may skip: a skip is a failure."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = (
            f"skipped, but SYMBACKPROP_REQUIRE_ALL=1 allows no skip: {report.longrepr}")


BUNDLED = sorted(bundled_examples("scalar"))


def _diamond() -> ComputationGraph:
    """w reaches the loss through p directly and through q: two paths that rejoin."""
    x, w, p, q = (symbol(n) for n in ("x", "w", "p", "q"))
    return ComputationGraph([
        Node("x", "input"), Node("w", "parameter"),
        Node("p", "hidden", w * x), Node("q", "hidden", (w + x) ** 2),
        Node("L", "loss", p * q + p),
    ], "L")


def _shared_weight() -> ComputationGraph:
    """One weight used by two neurons (weight sharing, as in a convolution)."""
    x1, x2, w, h1, h2 = (symbol(n) for n in ("x1", "x2", "w", "h1", "h2"))
    from symbackprop.rules.functions import sigmoid

    return ComputationGraph([
        Node("x1", "input"), Node("x2", "input"), Node("w", "parameter"),
        Node("h1", "hidden", sigmoid(w * x1)), Node("h2", "hidden", sigmoid(w * x2)),
        Node("L", "loss", (h1 - h2) ** 2 + h1),
    ], "L")


def _skip_connection() -> ComputationGraph:
    """A residual connection: x feeds the loss both directly and through two layers."""
    import sympy

    x, w1, w2, h, g = (symbol(n) for n in ("x", "w1", "w2", "h", "g"))
    return ComputationGraph([
        Node("x", "input"), Node("w1", "parameter"), Node("w2", "parameter"),
        Node("h", "hidden", sympy.tanh(w1 * x)), Node("g", "hidden", w2 * h + x),
        Node("L", "loss", sympy.Rational(1, 2) * (g - 1) ** 2 + sympy.log(1 + h**2)),
    ], "L")


ZOO_GRAPHS = {
    "diamond": (_diamond, {"x": 0.7, "w": -1.3}),
    "shared_weight": (_shared_weight, {"x1": 0.4, "x2": -1.1, "w": 0.9}),
    "skip_connection": (_skip_connection, {"x": 0.6, "w1": 0.8, "w2": -0.5}),
}

ZOO_NETWORKS = {
    "tanh_relu_ce": LayeredNetwork((3, 3, 2, 3), ("tanh", "softplus"), "softmax",
                                   "cross_entropy", bias="per_neuron"),
    "leaky_bce": LayeredNetwork((2, 3, 1), ("leaky_relu",), "sigmoid", "binary_cross_entropy",
                                bias="per_layer", slopes={1: 0.2}),
    "mse_identity": LayeredNetwork((2, 2, 2), ("relu",), "identity", "mean_squared_error",
                                   bias="per_neuron", naming="flat"),
}


@pytest.fixture(params=BUNDLED)
def bundled(request: pytest.FixtureRequest):
    """Every bundled example problem."""
    return load_problem(request.param)
