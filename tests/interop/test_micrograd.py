"""from_micrograd against the arithmetic of a micrograd-style Value class written here.

The Value class follows micrograd's engine (``_prev`` a set, constants wrapped as leaves,
``a - b`` as ``a + (-b)``, ``a / b`` as ``a * b**-1``); the cases are micrograd's own
test_engine.py (test_sanity_check, test_more_ops) and the neuron of its first lecture.  Every
gradient symbackprop derives must equal ``.grad`` after ``backward()``, and every node's
forward value the value's ``.data``.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symbackprop.calculus.derivation import derive
from symbackprop.calculus.sweep import gradients
from symbackprop.errors import SpecError
from symbackprop.interop import from_micrograd
from symbackprop.interop.micrograd import micrograd_nodes
from symbackprop.spec import load_problem_text


class Value:
    """micrograd's scalar, its ops and backward (after karpathy/micrograd engine.py)."""

    def __init__(self, data: float, _children: tuple[Value, ...] = (), _op: str = "",
                 label: str = "") -> None:
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __add__(self, other: Any) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other: Any) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, other: float) -> Value:
        out = Value(self.data**other, (self,), f"**{other}")

        def _backward() -> None:
            self.grad += (other * self.data ** (other - 1)) * out.grad
        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(0.0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward() -> None:
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def tanh(self) -> Value:
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - out.data**2) * out.grad
        out._backward = _backward
        return out

    def exp(self) -> Value:
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def backward(self) -> None:
        topo: list[Value] = []
        visited: set[Value] = set()

        def build(v: Value) -> None:
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)
        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()

    def __neg__(self) -> Value:
        return self * -1

    def __radd__(self, other: Any) -> Value:
        return self + other

    def __sub__(self, other: Any) -> Value:
        return self + (-other)

    def __rsub__(self, other: Any) -> Value:
        return other + (-self)

    def __rmul__(self, other: Any) -> Value:
        return self * other

    def __truediv__(self, other: Any) -> Value:
        return self * other**-1

    def __rtruediv__(self, other: Any) -> Value:
        return other * self**-1


def agree(root: Value, parameters: list[Value] | None = None, inputs: tuple = ()) -> None:
    """symbackprop's gradient of every parameter is its ``.grad``; every node's value its
    ``.data``; and the problem survives a round trip through TOML."""
    problem = from_micrograd(root, parameters=parameters, inputs=inputs)
    root.backward()
    nodes = micrograd_nodes(root, parameters=parameters, inputs=inputs)
    forward = problem.graph.forward(problem.values)
    for name, value in nodes.items():
        assert forward[name] == pytest.approx(value.data, rel=1e-12, abs=1e-12), name
    wrt = problem.graph.parameters
    assert wrt
    sweep = gradients(problem.graph, values=problem.values, wrt=wrt)
    for name in wrt:
        assert sweep.value(name) == pytest.approx(nodes[name].grad, rel=1e-10, abs=1e-12), name
    again = load_problem_text(problem.to_toml())
    assert again.values == problem.values
    assert [(n.name, n.kind, n.definition) for n in again.graph.nodes.values()] == [
        (n.name, n.kind, n.definition) for n in problem.graph.nodes.values()]


def test_micrograd_sanity_check() -> None:
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    problem = from_micrograd(y, parameters=[x])
    assert derive(problem.graph, "v1", values=problem.values).value == 46.0
    agree(y, parameters=[x])
    assert (y.data, x.grad) == (-20.0, 46.0)


def test_micrograd_more_ops() -> None:
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    agree(g, parameters=[a, b])
    assert g.data == pytest.approx(24.70408163265306, rel=1e-12)
    assert (a.grad, b.grad) == pytest.approx((138.83381924198252, 645.5772594752186), rel=1e-12)


def test_the_lecture_neuron_keeps_its_labels() -> None:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.label = "o"
    problem = from_micrograd(o, inputs=[x1, x2])
    assert problem.graph.parameters == ["b", "w1", "w2"]
    assert problem.graph.kind_of("input") == ["x1", "x2"]
    assert problem.graph.output == "o"
    assert str(problem.graph.nodes["x1w1"].definition) == "w1*x1"
    agree(o, inputs=[x1, x2])
    assert (w1.grad, x2.grad, w2.grad) == pytest.approx((1.0, 0.5, 0.0))  # the lecture's


def test_a_plus_a_has_one_parent_in_micrograd() -> None:
    a = Value(1.5, label="a")
    problem = from_micrograd((a + a) * (a * a))
    assert str(problem.graph.nodes["v1"].definition) == "2*a"
    assert str(problem.graph.nodes["v2"].definition) == "a**2"
    agree((a + a) * (a * a))


def test_names_do_not_depend_on_ids() -> None:
    texts = set()
    for _ in range(5):
        x = Value(0.5)
        values = [Value(random.choice([1.0, 2.0])) * x for _ in range(4)]
        root = values[0] + values[1] * values[2] + values[3].tanh()
        nodes = micrograd_nodes(root, parameters=[x])
        texts.add(tuple((name, v._op, v.data) for name, v in nodes.items()))
    assert len({tuple(n for n, _, _ in t) for t in texts}) == 1


_OPS = ("+", "*", "-", "relu", "tanh", "pow2", "div", "exp")


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(_OPS), st.integers(0, 100), st.integers(0, 100)),
                min_size=1, max_size=12),
       st.lists(st.floats(-2, 2, allow_nan=False), min_size=2, max_size=3))
def test_random_value_graphs(program: list[tuple[str, int, int]], leaves: list[float]) -> None:
    parameters = [Value(v) for v in leaves]
    pool = list(parameters)
    for op, i, j in program:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        if op == "+":
            pool.append(a + b)
        elif op == "*":
            pool.append(a * b)
        elif op == "-":
            pool.append(a - b)
        elif op == "relu":
            pool.append(a.relu())
        elif op == "tanh":
            pool.append(a.tanh())
        elif op == "pow2":
            pool.append(a**2)
        elif op == "div":
            pool.append(a / (b * b + 1))
        elif abs(a.data) < 5:
            pool.append(a.exp())
    root = pool[-1] + 0  # a computed value, whatever the program did
    agree(root, parameters=parameters)


def test_errors_name_the_value_and_op() -> None:
    with pytest.raises(SpecError, match=r"needs \.data, \._prev and \._op; .* has no \.data"):
        from_micrograd(object())
    x = Value(1.0)
    odd = Value(2.0, (x,), "sinh")
    with pytest.raises(SpecError, match=r"unknown op 'sinh'.*'-' or '/' cannot be read"):
        from_micrograd(odd, parameters=[x])
    with pytest.raises(SpecError, match="no leaf to differentiate"):
        from_micrograd(Value(1.0) + 2.0)
    liar = Value(5.0, (x, Value(3.0)), "+")
    with pytest.raises(SpecError, match=r"node 'L'.*its parents give 4\.0, not its data 5\.0"):
        from_micrograd(liar, parameters=[x])
