"""The computation graph: validation with errors that name the culprit, partials, values."""

from __future__ import annotations

import pytest
import sympy

from symbackprop.errors import GraphError, SpecError
from symbackprop.functions import sigmoid
from symbackprop.graph import ComputationGraph, Node
from symbackprop.naming import symbol

a, b, c = symbol("a"), symbol("b"), symbol("c")


def test_edges_follow_definitions() -> None:
    g = ComputationGraph([Node("a", "input"), Node("b", "parameter"),
                          Node("c", "hidden", a * b), Node("L", "loss", c + a)], "L")
    assert set(g.digraph.edges) == {("a", "c"), ("b", "c"), ("c", "L"), ("a", "L")}
    assert g.parents("L") == ["a", "c"]
    assert g.parameters == ["b"]
    assert g.leaves == ["a", "b"]


def test_cycle_is_named() -> None:
    with pytest.raises(GraphError, match=r"cycle: .*c -> .*d|cycle: .*d -> .*c"):
        ComputationGraph([Node("a", "input"), Node("c", "hidden", a + symbol("d")),
                          Node("d", "loss", c * 2)], "d")


def test_undefined_symbol_is_named_with_suggestion() -> None:
    with pytest.raises(GraphError, match=r"node 'c'.*uses 'bb'.*did you mean 'b'"):
        ComputationGraph([Node("a", "input"), Node("b", "input"),
                          Node("c", "loss", a + symbol("bb"))], "c")


@pytest.mark.parametrize("name", ["1a", "a-b", "__class__", "lambda", "exp", "a.b", ""])
def test_bad_names_rejected(name: str) -> None:
    with pytest.raises(GraphError, match="name"):
        ComputationGraph([Node(name, "input")], name)


def test_kind_must_match_definition() -> None:
    with pytest.raises(GraphError, match="kind 'input' needs no definition"):
        ComputationGraph([Node("a", "input", b)], "a")
    with pytest.raises(GraphError, match="kind 'hidden' needs a definition"):
        ComputationGraph([Node("a", "hidden")], "a")
    with pytest.raises(GraphError, match="allowed: input"):
        ComputationGraph([Node("a", "weight")], "a")


def test_duplicate_and_missing_output() -> None:
    with pytest.raises(GraphError, match="defined twice"):
        ComputationGraph([Node("a", "input"), Node("a", "input")], "a")
    with pytest.raises(GraphError, match="output 'z' is not a node"):
        ComputationGraph([Node("a", "input")], "z")


def test_local_partial_is_textbook() -> None:
    g = ComputationGraph([Node("a", "input"), Node("h", "hidden", sigmoid(a)),
                          Node("e", "hidden", sympy.exp(symbol("h"))),
                          Node("L", "loss", sympy.tanh(symbol("e")))], "L")
    h, e, L = symbol("h"), symbol("e"), symbol("L")
    assert g.local_partial("a", "h") == h * (1 - h)
    assert g.local_partial("h", "e") == e
    assert g.local_partial("e", "L") == 1 - L**2
    with pytest.raises(GraphError, match="no edge"):
        g.local_partial("a", "L")


def test_composed_and_forward() -> None:
    g = ComputationGraph([Node("a", "input"), Node("b", "input"),
                          Node("c", "hidden", a * b), Node("L", "loss", c + a)], "L")
    assert sympy.expand(g.composed("L") - (a * b + a)) == 0
    values = g.forward({"a": 2.0, "b": 3.0})
    assert values == {"a": 2.0, "b": 3.0, "c": 6.0, "L": 8.0}
    batch = g.forward({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    assert batch["L"].tolist() == [4.0, 10.0]
    assert g.forward({"a": 2.0, "b": 3.0}, overrides={"c": 1.0})["L"] == 3.0
    with pytest.raises(SpecError, match="no value given for b"):
        g.forward({"a": 1.0})


def test_node_names_cannot_shadow_numeric_functions() -> None:
    # Names are dummified when lambdified, so a node called like a numpy function still works.
    sin, cos = symbol("sinh_"), symbol("cosh_")
    g = ComputationGraph([Node("sinh_", "input"), Node("cosh_", "loss", 2 * sin)], "cosh_")
    assert g.forward({"sinh_": 1.5})["cosh_"] == 3.0
    assert cos not in g.composed("cosh_").free_symbols


def test_unknown_node_suggests() -> None:
    g = ComputationGraph([Node("w131", "parameter"), Node("L", "loss", 2 * symbol("w131"))],
                         "L")
    with pytest.raises(GraphError, match="did you mean 'w131'"):
        g.node("w13")
