"""Layered networks: the names of the problem-file reference, surgery from the usual picture,
values from arrays."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symbackprop.errors import GraphError, SpecError
from symbackprop.graph.network import LayeredNetwork, matrices, surgery
from symbackprop.naming import symbol


def net(**kw) -> LayeredNetwork:
    base = {"layers": (4, 4, 2), "hidden": ("sigmoid",), "output": "softmax",
            "loss": "squared_error"}
    return LayeredNetwork(**{**base, **kw})


def test_spec_names_layer_to_from() -> None:
    g = net().build()
    for name in ["x1", "x4", "y1", "y2", "a11", "a22", "h13", "yhat1", "yhat2", "L", "w131",
                 "w212", "w144", "w224"]:
        assert name in g
    for name in ["a23", "h21", "x5", "w215"]:
        assert name not in g
    assert g.node("w212").kind == "parameter"
    assert g.node("x3").kind == "input" and g.node("y2").kind == "target"
    assert g.node("yhat1").kind == "output" and g.node("L").kind == "loss"
    assert g.node("h13").latex == "h_{13}" and g.node("yhat1").latex == r"\hat{y}_{1}"
    assert g.node("L").latex == r"\mathcal{L}"


def test_flat_names_follow_classic_numbering() -> None:
    classic = LayeredNetwork((2, 2, 2), ("sigmoid",), "sigmoid", "half_squared_error",
                             bias="per_neuron", naming="flat")
    # w1: h1 <- x1, w2: h1 <- x2, w3: h2 <- x1, w4: h2 <- x2, then w5..w8 in layer 2.
    assert classic.weight_matrix_names(1) == [["w1", "w2"], ["w3", "w4"]]
    assert classic.weight_matrix_names(2) == [["w5", "w6"], ["w7", "w8"]]
    assert [classic.bias_name(1, 1), classic.bias_name(1, 2), classic.bias_name(2, 2)] == [
        "b1", "b2", "b4"]
    g = classic.build()
    assert g.parents("a21") == ["b3", "w5", "w6", "h11", "h12"]


def test_wide_networks_join_indices_everywhere() -> None:
    wide = LayeredNetwork((12, 3, 2), ("tanh",), "sigmoid", "squared_error", bias="per_neuron")
    g = wide.build()
    for name in ["x_12", "w_1_3_12", "a_1_3", "h_1_2", "b_2_1", "yhat_2", "y_1"]:
        assert name in g
    assert g.node("w_1_3_12").latex == "w_{1,3,12}"
    assert "x12" not in g


def test_per_layer_bias_is_shared() -> None:
    g = net(bias="per_layer").build()
    assert g.children("b1") == ["a11", "a12", "a13", "a14"]
    assert g.parameters.count("b1") == 1


def test_surgery_turns_every_edge_weight_into_a_node() -> None:
    network = net(bias="per_neuron")
    picture = network.picture()
    weights = {data["weight"] for _, _, data in picture.edges(data=True) if "weight" in data}
    assert len(weights) == 4 * 4 + 4 * 2
    g = surgery(picture)
    assert set(g.parameters) == weights | {f"b{layer}{j}" for layer, w in ((1, 4), (2, 2))
                                           for j in range(1, w + 1)}
    for u, _, data in picture.edges(data=True):
        if "weight" in data:
            target = g.children(data["weight"])
            assert len(target) == 1 and target[0].startswith("a")
            assert symbol(data["weight"]) * symbol(u) in g.node(target[0]).definition.args


def test_expose_one_weight() -> None:
    network = net()
    small = network.build(expose="w131")
    assert small.parameters == ["w131"]
    assert len(small.constants) == 4 * 4 + 4 * 2 - 1
    assert "w212" in small.constants and "w212" not in small
    full = network.build()
    assert len(small) == len(full) - (4 * 4 + 4 * 2 - 1)
    with pytest.raises(GraphError, match="cannot expose 'w999'"):
        network.build(expose="w999")


def test_softmax_textbook_partials() -> None:
    g = net().build()
    y1, y2 = symbol("yhat1"), symbol("yhat2")
    assert g.local_partial("a21", "yhat1") == y1 * (1 - y1)
    assert g.local_partial("a22", "yhat1") == -y1 * y2
    assert sympy.expand(g.local_partial("yhat1", "L") - (2 * y1 - 2 * symbol("y1"))) == 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"layers": (4,)}, "at least 2 layers"),
    ({"layers": (4, 0, 2)}, "every layer needs at least 1 neuron"),
    ({"layers": (4, 1025, 2)}, "1,025 neurons in the widest layer, more than the limit of 1,024"),
    ({"layers": (300, 300, 300)}, "180,000 weights and biases, more than the limit of 150,000"),
    ({"hidden": ("softmax",)}, "softmax is for the output layer only"),
    ({"hidden": ("sigmoid", "tanh")}, "1 hidden layer"),
    ({"output": "sigmod"}, "unknown output activation 'sigmod'"),
    ({"loss": "l2"}, "unknown loss 'l2'; allowed: squared_error"),
    ({"bias": "yes"}, "unknown bias 'yes'"),
    ({"naming": "fancy"}, "unknown naming 'fancy'"),
    ({"layers": (4, 1), "hidden": ()}, "softmax output needs at least 2 outputs"),
])
def test_invalid_networks(kwargs: dict, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        net(**kwargs)


def test_values_from_arrays_and_back() -> None:
    network = net(bias="per_neuron")
    arrays = {"x": [2, 5, 3, 3], "y": [1, 0], "W1": [[0.1 * (j + k) for k in range(4)]
                                                     for j in range(4)],
              "W2": [[1, 2, 3, 4], [5, 6, 7, 8]], "b1": [0, 1, 2, 3], "b2": [9, 8]}
    values = network.values_from_arrays(arrays)
    assert values["w212"] == 2 and values["w224"] == 8 and values["b22"] == 8
    assert values["x3"] == 3 and values["y1"] == 1
    back = matrices(network, values)
    assert back["W2"].tolist() == arrays["W2"] and back["b1"].tolist() == arrays["b1"]


@pytest.mark.parametrize(("key", "array", "message"), [
    ("W1", [[1, 2], [3, 4]], r"W1 has shape \[2, 2\], expected \[4, 4\]"),
    ("x", [1, 2, 3], r"x has shape \[3\], expected \[4\]"),
    ("W3", [[1]], "unknown array 'W3'"),
    ("b1", [1, 2, 3, 4], "unknown array 'b1'"),
    ("W2", [["a", "b", "c", "d"], [1, 2, 3, 4]], "must be numbers"),
])
def test_bad_arrays_are_named(key: str, array: object, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        net().values_from_arrays({key: array}, where="f.toml: [values]")


_TERM_NAMES = ["x_1", "x_10", "x_2", "h_1_2", "h_1_10", "w_2_1_10", "w_2_10_1", "w_2_2_1", "b_2",
               "b_10", "a", "B", "_c"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_TERM_NAMES).map(lambda n: (n,)),
                          st.tuples(st.sampled_from(_TERM_NAMES), st.sampled_from(_TERM_NAMES))),
                min_size=1, max_size=10),
       st.booleans())
def test_a_pre_activation_sum_is_sympys_canonical_sum(names: list[tuple[str, ...]],
                                                      plain: bool) -> None:
    """The direct construction of a pre-activation sum gives exactly ``sympy.Add``'s
    expression, arguments in the same order (printing depends on it), for any terms: distinct
    symbols and products of two, and the shapes it leaves to ``Add`` (repeats, squares, a
    symbol with other assumptions)."""
    from symbackprop.graph.canonical import total as _sum

    def make(name: str) -> sympy.Symbol:
        return symbol(name) if plain or name != "a" else sympy.Symbol(name)

    terms = [sympy.Mul(*map(make, term)) for term in names]
    built, expected = _sum(terms), sympy.Add(*terms)
    assert built == expected and built.args == expected.args
    assert str(built) == str(expected) and sympy.srepr(built) == sympy.srepr(expected)
