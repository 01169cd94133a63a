"""A layered network's graph made as it is used (LayeredGraph) is the graph surgery builds, in
every answer it gives: order, nodes, edges, local partials, labels, sizes and every forward value
to the last bit; and the sweep's bulk gradients are the one-by-one sweep's."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import sympy

from symbackprop.calculus.sweep import gradients
from symbackprop.errors import GraphError
from symbackprop.graph.computation import ComputationGraph
from symbackprop.graph.layered import LayeredGraph
from symbackprop.graph.network import LayeredNetwork, surgery
from symbackprop.graph.precision import precise
from symbackprop.naming import symbol, symbols

SHAPES = [(1, 1), (2, 2, 2), (3, 4, 2), (11, 3, 2), (2, 12, 3, 2), (4, 3, 3, 3, 2), (12, 1)]
HEADS = [("softmax", "cross_entropy"), ("sigmoid", "squared_error"),
         ("identity", "half_squared_error")]
CASES = [(layers, hidden, output, loss, bias, naming)
         for i, layers in enumerate(SHAPES)
         for j, (output, loss) in enumerate(HEADS)
         for hidden in (("sigmoid", "tanh", "leaky_relu", "relu")[(i + j) % 4],)
         for bias in ("none", "per_neuron", "per_layer")
         for naming in ("layer_to_from", "flat")
         if not (output == "softmax" and layers[-1] < 2)]


def _network(layers, hidden, output, loss, bias, naming):
    return LayeredNetwork(layers, (hidden,) * (len(layers) - 2), output, loss, bias=bias,
                          naming=naming, slopes={1: 0.2})


def _ids(case):
    layers, hidden, output, _, bias, naming = case
    return f"{'-'.join(map(str, layers))}-{hidden}-{output}-{bias}-{naming}"


def _values(graph, seed=1):
    rng = random.Random(seed)
    return {name: rng.uniform(-2, 2) for name in graph.leaves}


def _same_float(a, b):
    return (a == b and math.copysign(1, a) == math.copysign(1, b)) or (
        math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_the_graph_made_as_used_is_the_built_graph(case):
    network = _network(*case)
    lazy, built = network.build(title="t"), surgery(network.picture(), title="t")
    assert isinstance(lazy, LayeredGraph) and type(built) is ComputationGraph
    assert lazy.order == built.order and repr(lazy) == repr(built) and len(lazy) == len(built)
    for kinds in (("parameter",), ("input", "target"), ("hidden",), ("output", "loss")):
        assert lazy.kind_of(*kinds) == built.kind_of(*kinds)
    assert lazy.leaves == built.leaves
    for name in built.order:
        a, b = lazy.node(name), built.node(name)
        assert (a.name, a.kind, a.latex, dict(a.textbook), a.layer, a.index) == (
            b.name, b.kind, b.latex, dict(b.textbook), b.layer, b.index)
        assert sympy.srepr(a.definition) == sympy.srepr(b.definition)
        assert lazy.parents(name) == built.parents(name)
        assert lazy.children(name) == built.children(name)
        assert lazy.position(name) == built.position(name)
        for parent in built.parents(name):  # the same expression, printed alike
            assert sympy.srepr(lazy.local_partial(parent, name)) == sympy.srepr(
                built.local_partial(parent, name))
    assert list(lazy.digraph.nodes) == list(built.digraph.nodes)
    assert list(lazy.digraph.edges) == list(built.digraph.edges)
    assert dict(lazy.labels()) == dict(built.labels())
    names = lazy.latex_names()
    assert len(names) == len(built.latex_names())
    assert all(names[s] == label for s, label in built.latex_names().items())
    assert lazy._tree_sizes() == built._tree_sizes()
    assert lazy.leaves_size(symbol("L")) == built.leaves_size(symbol("L"))


@pytest.mark.parametrize("case", CASES[::3], ids=[_ids(c) for c in CASES[::3]])
def test_the_forward_pass_gives_the_same_floats(case):
    network = _network(*case)
    lazy, built = network.build(), surgery(network.picture())
    values = _values(built)
    for overrides in (None, {built.order[-2]: 0.5}, {built.kind_of("hidden")[-1]: 0.25},
                      {built.leaves[0]: 3.0}):
        mine, theirs = lazy.forward(values, overrides), built.forward(values, overrides)
        assert list(mine) == list(theirs)
        assert all(_same_float(mine[k], theirs[k]) for k in theirs)
    batch = {name: np.array([v, -v]) for name, v in values.items()}
    mine, theirs = lazy.forward(batch), built.forward(batch)
    assert all(np.array_equal(mine[k], theirs[k]) for k in theirs)
    with precise():
        assert lazy.forward(values) == built.forward(values)
    assert lazy.missing_values({}) == built.missing_values({})


@pytest.mark.parametrize("case", CASES[1::4], ids=[_ids(c) for c in CASES[1::4]])
def test_bulk_gradients_are_the_one_by_one_sweep(case):
    network = _network(*case)
    lazy, built = network.build(), surgery(network.picture())
    values = _values(built, seed=2)
    wrt = network.parameter_names()
    mine, theirs = gradients(lazy, values=values, wrt=wrt), gradients(built, values=values,
                                                                      wrt=wrt)
    assert list(mine) == list(theirs) == wrt
    assert all(_same_float(mine.value(w), theirs.value(w)) for w in wrt)
    assert all(sympy.srepr(mine[w]) == sympy.srepr(theirs[w]) for w in wrt)
    assert [(a.node, a.value, a.expression) for a in mine.adjoints] == [
        (a.node, a.value, a.expression) for a in theirs.adjoints]
    some = wrt[::2] + built.kind_of("input")[:1]  # not every parameter, and an input
    mine, theirs = gradients(lazy, values=values, wrt=some), gradients(built, values=values,
                                                                       wrt=some)
    assert [mine.value(w) for w in some] == [theirs.value(w) for w in some]
    assert [mine[w] for w in some] == [theirs[w] for w in some]


def test_a_node_that_is_not_there():
    graph = LayeredNetwork((2, 2), hidden=(), output="identity",
                           loss="half_squared_error").build()
    assert "w111" in graph and "w9" not in graph and "w9" not in graph.symbol_table()
    with pytest.raises(GraphError, match=r"there is no node 'w11'; did you mean"):
        graph.node("w11")
    with pytest.raises(GraphError, match="there is no edge 'w111' -> 'a12'"):
        graph.local_partial("w111", "a12")
    with pytest.raises(GraphError, match="there is no node"):
        graph.children("nothing")


def test_symbols_in_bulk_are_sympys_symbols():
    made = symbols(["bulk_1", "bulk_2", "bulk_1"])
    reference = sympy.Symbol("bulk_2", real=True)
    assert made[0] is made[2] is symbol("bulk_1")
    assert made[1] == reference and hash(made[1]) == hash(reference)
    assert made[1].is_real and made[1].is_commutative and made[1].is_positive is None
    assert sympy.srepr(made[1]) == sympy.srepr(reference)
    assert sympy.diff(made[1] ** 2, reference) == 2 * reference
