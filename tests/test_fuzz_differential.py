"""Differential fuzzing: ``derive`` on random formula graphs against an independent autodiff.

Hypothesis builds a random DAG of formulas over ``+ - * / **``, ``exp``, ``log``, ``tanh``,
``sigmoid``, ``relu`` and ``softplus``, with values, and writes it as a general-graph problem
file (SPEC.md 1b).  For every parameter the value of ``symbackprop.calculus.derive`` must agree
with

(a) a reverse-mode autodiff written here: a tape over Python floats built from the same random
    structure, with each operation's derivative written by hand (no sympy, nothing of
    symbackprop's), to 1e-8 relative;
(b) central differences of this file's own float forward pass, Richardson-extrapolated.

Values stay in the functions' domains, away from their edges, by construction: while the graph
is built its values are computed, and an operation whose operand is out of its domain (a
logarithm or a positive-base power of less than 0.5, a divisor within 0.5 of zero, relu within
1e-3 of its kink, an ``exp`` of more than 5) or whose value would exceed 10 in magnitude is
replaced by ``tanh`` of its first operand.  Every node value is then at most 10 in magnitude
and every local partial at most about 40.

Tolerances.  (a) Both sides compute the gradient as a sum over paths of products of local
partials in float64; each product is exact to a few ulps, but a sum whose terms cancel has an
absolute error of up to about (terms) · eps · (the sum of their magnitudes).  The floor is
therefore ``1e-13 · G``, where ``G`` is the same reverse sweep with every local partial
replaced by its absolute value (the sum of the paths' magnitudes): about 500 eps of it.
(b) A central difference with step ``h`` has rounding error ~ eps · |f| / h; with
``h = 1e-4 · max(1, |w|)`` and one Richardson step (truncation O(h^4) ~ 1e-16) that is about
1e-12 · |f|, so finite differences get 1e-7 relative to ``max(|g|, |f|, G, 1)``.

The normal run tries 200 graphs (well under a minute); ``python -m pytest -m slow`` runs the
3,000-graph version.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbackprop.calculus import derive
from symbackprop.errors import NoPathError
from symbackprop.spec.problems import load_problem_text

RELATIVE = 1e-8
CANCELLATION = 1e-13
FD_RELATIVE = 1e-7
BOUND = 10.0

UNARY = ("exp", "log", "tanh", "sigmoid", "relu", "softplus", "square", "cube")
BINARY = ("+", "-", "*", "/", "pow")


@dataclass(frozen=True)
class Op:
    """One node: ``kind`` applied to the named operands (``exponent`` for square and cube)."""

    name: str
    kind: str
    operands: tuple[str, ...]


def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))


def _apply(kind: str, args: list[float]) -> float:
    a = args[0]
    b = args[1] if len(args) > 1 else 0.0
    return {
        "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
        "pow": lambda: a ** b, "exp": lambda: math.exp(a), "log": lambda: math.log(a),
        "tanh": lambda: math.tanh(a), "sigmoid": lambda: _sigmoid(a),
        "relu": lambda: max(a, 0.0), "softplus": lambda: math.log1p(math.exp(-abs(a))) +
        max(a, 0.0), "square": lambda: a ** 2, "cube": lambda: a ** 3,
    }[kind]()


def _partials(kind: str, args: list[float], value: float) -> list[float]:
    """d value / d each operand, by hand."""
    a = args[0]
    b = args[1] if len(args) > 1 else 0.0
    return {
        "+": lambda: [1.0, 1.0], "-": lambda: [1.0, -1.0], "*": lambda: [b, a],
        "/": lambda: [1.0 / b, -a / (b * b)],
        "pow": lambda: [b * a ** (b - 1.0), value * math.log(a)],
        "exp": lambda: [value], "log": lambda: [1.0 / a], "tanh": lambda: [1.0 - value * value],
        "sigmoid": lambda: [value * (1.0 - value)], "relu": lambda: [1.0 if a > 0 else 0.0],
        "softplus": lambda: [_sigmoid(a)], "square": lambda: [2.0 * a],
        "cube": lambda: [3.0 * a * a],
    }[kind]()


def _in_domain(kind: str, args: list[float]) -> bool:
    a = args[0]
    b = args[1] if len(args) > 1 else 1.0
    if kind in ("log", "pow") and a < 0.5:
        return False
    if kind == "/" and abs(b) < 0.5:
        return False
    if kind == "relu" and abs(a) < 1e-3:
        return False
    if kind == "exp" and a > 5.0:
        return False
    return abs(_apply(kind, args)) <= BOUND


def _formula(op: Op) -> str:
    a = op.operands[0]
    if op.kind in ("+", "-", "*", "/"):
        return f"{a} {op.kind} {op.operands[1]}"
    if op.kind == "pow":
        return f"{a}**{op.operands[1]}"
    if op.kind == "square":
        return f"{a}**2"
    if op.kind == "cube":
        return f"{a}**3"
    return f"{op.kind}({a})"


@dataclass(frozen=True)
class Graph:
    """A random formula DAG: its leaves' values and its operations in topological order; the
    output ``out`` sums every value nothing else uses, so every leaf reaches it."""

    inputs: dict[str, float]
    parameters: dict[str, float]
    ops: tuple[Op, ...]

    def forward(self, leaves: dict[str, float]) -> dict[str, float]:
        values = dict(leaves)
        for op in self.ops:
            values[op.name] = _apply(op.kind, [values[n] for n in op.operands]) \
                if op.kind != "sum" else math.fsum(values[n] for n in op.operands)
        return values

    def leaves(self) -> dict[str, float]:
        return {**self.inputs, **self.parameters}

    def reverse(self, absolute: bool = False) -> dict[str, float]:
        """The tape's reverse sweep: d out / d every name (with ``absolute``, every local
        partial taken by its magnitude: the sum of the paths' magnitudes)."""
        values = self.forward(self.leaves())
        adjoint = dict.fromkeys(values, 0.0)
        adjoint["out"] = 1.0
        for op in reversed(self.ops):
            args = [values[n] for n in op.operands]
            partials = [1.0] * len(args) if op.kind == "sum" else _partials(
                op.kind, args, values[op.name])
            for name, partial in zip(op.operands, partials, strict=True):
                adjoint[name] += adjoint[op.name] * (abs(partial) if absolute else partial)
        return adjoint

    def toml(self) -> str:
        lines = ['title = "fuzz"', "", "[graph]", 'output = "out"', "", "[graph.inputs]"]
        lines += [f"{k} = {v!r}" for k, v in self.inputs.items()]
        lines += ["", "[graph.parameters]"]
        lines += [f"{k} = {v!r}" for k, v in self.parameters.items()]
        lines += ["", "[graph.nodes]"]
        for op in self.ops:
            text = " + ".join(op.operands) if op.kind == "sum" else _formula(op)
            lines.append(f'{op.name} = "{text}"')
        return "\n".join(lines) + "\n"


leaf_value = st.floats(-2.0, 2.0, allow_nan=False).filter(lambda v: abs(v) > 0.05).map(
    lambda v: round(v, 6))


@st.composite
def graphs(draw: st.DrawFn) -> Graph:
    inputs = {f"x{i}": draw(leaf_value) for i in range(1, draw(st.integers(1, 2)) + 1)}
    parameters = {f"w{i}": draw(leaf_value) for i in range(1, draw(st.integers(1, 3)) + 1)}
    values = {**inputs, **parameters}
    ops: list[Op] = []
    used: set[str] = set()
    for i in range(1, draw(st.integers(1, 8)) + 1):
        names = sorted(values)
        kind = draw(st.sampled_from(UNARY + BINARY))
        arity = 2 if kind in BINARY else 1
        operands = tuple(draw(st.sampled_from(names)) for _ in range(arity))
        args = [values[n] for n in operands]
        if not _in_domain(kind, args):
            kind, operands, args = "tanh", operands[:1], args[:1]
        op = Op(f"n{i}", kind, operands)
        values[op.name] = _apply(kind, args)
        used.update(operands)
        ops.append(op)
    dangling = tuple(n for n in values if n not in used)
    ops.append(Op("out", "sum", dangling))
    return Graph(inputs, parameters, tuple(ops))


def _central(graph: Graph, name: str) -> float:
    leaves = graph.leaves()
    x = leaves[name]
    h = 1e-4 * max(1.0, abs(x))

    def f(at: float) -> float:
        return graph.forward({**leaves, name: at})["out"]

    def d(width: float) -> float:
        return (f(x + width) - f(x - width)) / (2.0 * width)
    return (4.0 * d(h / 2.0) - d(h)) / 3.0


def _check(graph: Graph) -> None:
    problem = load_problem_text(graph.toml(), name="fuzz.toml")
    exact = graph.reverse()
    magnitude = graph.reverse(absolute=True)
    loss = abs(graph.forward(graph.leaves())["out"])
    for name in graph.parameters:
        want, scale = exact[name], magnitude[name]
        try:
            got = derive(problem.graph, name, values=problem.values).value
        except NoPathError:
            # sympy cancelled every use of the parameter (w1 - w1 is 0): the tape's sum of
            # paths must cancel too
            got = 0.0
        assert got is not None and math.isfinite(got), (name, got, graph.toml())
        assert abs(got - want) <= RELATIVE * abs(want) + CANCELLATION * scale, \
            f"d out/d{name}: derive {got!r}, tape {want!r}\n{graph.toml()}"
        fd = _central(graph, name)
        assert abs(fd - want) <= FD_RELATIVE * max(abs(want), loss, scale, 1.0), \
            f"d out/d{name}: finite differences {fd!r}, tape {want!r}\n{graph.toml()}"


def test_the_tape_is_right_on_a_known_graph() -> None:
    """out = x1 * w1 + exp(w1): d/dw1 = x1 + exp(w1), by the tape and by derive."""
    graph = Graph({"x1": 2.0}, {"w1": 0.5}, (
        Op("n1", "*", ("x1", "w1")), Op("n2", "exp", ("w1",)), Op("out", "sum", ("n1", "n2"))))
    assert graph.reverse()["w1"] == pytest.approx(2.0 + math.exp(0.5), rel=1e-15)
    assert 'n2 = "exp(w1)"' in graph.toml()
    _check(graph)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_derive_agrees_with_an_independent_autodiff(graph: Graph) -> None:
    _check(graph)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_derive_agrees_with_an_independent_autodiff_thousands(graph: Graph) -> None:
    _check(graph)
