"""The computation graph: validation with errors that name the culprit, partials, values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sympy
from conftest import BUNDLED
from hypothesis import example, given, settings
from hypothesis import strategies as st

import symbackprop.graph.evaluation as evaluation_module
from symbackprop.errors import GraphError, SpecError
from symbackprop.graph import ComputationGraph, Node, direct_evaluator
from symbackprop.graph.evaluation import lambdify
from symbackprop.graph.network import LayeredNetwork
from symbackprop.naming import symbol
from symbackprop.rules.functions import leaky_relu, relu, sigmoid, softplus
from symbackprop.rules.registry import ACTIVATIONS, LOSSES, OUTPUT_ONLY
from symbackprop.spec import load_problem

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


@pytest.mark.parametrize("name", ["1a", "a-b", "__class__", "lambda", "a.b", ""])
def test_bad_names_rejected(name: str) -> None:
    with pytest.raises(GraphError, match="name"):
        ComputationGraph([Node(name, "input")], name)


@pytest.mark.parametrize("name", ["exp", "max", "pi", "e", "E", "I", "S", "N", "Q", "oo", "nan"])
def test_function_and_constant_names_are_names(name: str) -> None:
    # a formula tells a name from a call, and a declared name wins over a constant
    graph = ComputationGraph.from_definitions({"L": f"2*{name}"}, inputs=[name], output="L")
    assert graph.forward({name: 1.5})["L"] == 3.0


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


# -- forward: direct evaluation against lambdify, the way forward used to compute ------------
SEED = 20_261_122
BATCH = 5
# forward sums and multiplies in sympy's argument order, lambdify in its printed order: the
# two may differ by rounding, a few units in the last place of terms of size about 1.
PER_NODE = 1e-14
# The composed expressions regroup products and repeat subexpressions: more roundings apart.
COMPOSED = 1e-12


def _lambdified_forward(graph: ComputationGraph, values: dict[str, Any],
                        overrides: dict[str, float] | None = None) -> dict[str, Any]:
    """The reference: each node's whole definition lambdified and evaluated in order."""
    overrides = overrides or {}
    result = {n: v for n, v in graph.constants.items() if not np.isnan(v)}
    result.update({n: np.asarray(v, dtype=float) for n, v in values.items()})
    for name in graph.order:
        definition = graph.node(name).definition
        if name in overrides:
            result[name] = np.asarray(overrides[name], dtype=float)
        elif definition is not None:
            args = sorted(definition.free_symbols, key=str)
            result[name] = lambdify(args, definition)(*(result[str(a)] for a in args))
    return result


def _composed_forward(graph: ComputationGraph) -> Any:
    """The reference: each node's value in leaves only, lambdified whole (once), as a function
    of the values."""
    functions = {}
    for name in graph.order:
        expr = graph.composed(name)
        args = sorted(expr.free_symbols, key=str)
        functions[name] = ([str(a) for a in args], lambdify(args, expr))

    def forward(values: dict[str, Any]) -> dict[str, Any]:
        known = {n: v for n, v in graph.constants.items() if not np.isnan(v)}
        known.update(values)
        return {name: function(*(np.asarray(known[a], dtype=float) for a in args))
                for name, (args, function) in functions.items()}
    return forward


def _assert_agree(got: dict[str, Any], want: dict[str, Any], tolerance: float,
                  shape: tuple[int, ...]) -> None:
    assert got.keys() >= want.keys()
    for name, expected in want.items():
        value = got[name]
        if shape:
            assert isinstance(value, np.ndarray) and value.shape == shape, name
        else:
            assert type(value) is float, name
        np.testing.assert_allclose(value, expected, rtol=tolerance, atol=tolerance, err_msg=name)


def _random_values(graph: ComputationGraph, shape: tuple[int, ...], seed: int = SEED,
                   ) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    values: dict[str, Any] = {}
    for name in graph.missing_values({}):
        number = rng.uniform(-1.0, 1.0, shape)
        values[name] = number if shape else float(number)
    return values


@pytest.mark.parametrize("name", BUNDLED)
def test_forward_matches_lambdify_on_bundled_examples(name: str) -> None:
    problem = load_problem(name)
    graph, values = problem.graph, problem.values
    _assert_agree(graph.forward(values), _lambdified_forward(graph, values), PER_NODE, ())
    _assert_agree(graph.forward(values), _composed_forward(graph)(values), COMPOSED, ())
    batch = _random_values(graph, (BATCH,))
    _assert_agree(graph.forward(batch), _lambdified_forward(graph, batch), PER_NODE, (BATCH,))


def _network_cases() -> list[LayeredNetwork]:
    """Every output activation with every loss it is defined for (a log loss needs outputs in
    (0, 1)), the hidden activations and bias modes taken in turn."""
    hidden = list(ACTIVATIONS)
    biases = ("per_neuron", "none", "per_layer")
    cases = []
    for output in [*ACTIVATIONS, *OUTPUT_ONLY]:
        for loss in LOSSES:
            if "cross_entropy" in loss and output not in ("sigmoid", "softmax"):
                continue
            i = len(cases)
            cases.append(LayeredNetwork(
                (2, 3, 2, 2), (hidden[i % len(hidden)], hidden[(i + 1) % len(hidden)]),
                output, loss, bias=biases[i % len(biases)], slopes={2: 0.2}))
    return cases


NETWORKS = _network_cases()


def test_network_cases_cover_every_activation_and_loss() -> None:
    assert {h for n in NETWORKS for h in n.hidden} == set(ACTIVATIONS)
    assert {n.output for n in NETWORKS} == {*ACTIVATIONS, *OUTPUT_ONLY}
    assert {n.loss for n in NETWORKS} == set(LOSSES)


@pytest.mark.parametrize("network", NETWORKS,
                         ids=[f"{'-'.join(n.hidden)}-{n.output}-{n.loss}" for n in NETWORKS])
def test_forward_matches_lambdify_on_networks(network: LayeredNetwork) -> None:
    graph = network.build()
    composed = _composed_forward(graph)
    for shape in [(), (BATCH,)]:
        values = _random_values(graph, shape)
        got = graph.forward(values)
        _assert_agree(got, _lambdified_forward(graph, values), PER_NODE, shape)
        _assert_agree(got, composed(values), COMPOSED, shape)


def test_batch_is_every_scalar_forward_at_once() -> None:
    graph = NETWORKS[-1].build()
    batch = _random_values(graph, (BATCH,))
    together = graph.forward(batch)
    for k in range(BATCH):
        alone = graph.forward({name: float(v[k]) for name, v in batch.items()})
        # The same operations on the same numbers: equal up to numpy's vectorised functions.
        np.testing.assert_allclose([alone[name] for name in graph.order],
                                   [together[name][k] for name in graph.order],
                                   rtol=1e-15, atol=1e-15)


def test_overrides_replace_a_node_and_reach_only_its_descendants() -> None:
    graph = LayeredNetwork((2, 3, 2), ("tanh",), "softmax", "cross_entropy").build()
    values = _random_values(graph, ())
    plain = graph.forward(values)
    hidden = graph.forward(values, overrides={"h12": 0.25})
    assert hidden["h12"] == 0.25 and plain["h12"] != 0.25
    assert all(hidden[n] == plain[n] for n in ("a11", "a12", "a13", "h11", "h13"))
    assert hidden["a21"] != plain["a21"] and hidden["L"] != plain["L"]
    overrides = {"h12": 0.25, "x1": 3.0}  # a leaf too: its given value is replaced
    both = graph.forward(values, overrides=overrides)
    assert both["x1"] == 3.0 and both["h12"] == 0.25 and both["a11"] != plain["a11"]
    _assert_agree(both, _lambdified_forward(graph, values, overrides), PER_NODE, ())
    batch = _random_values(graph, (BATCH,))
    got = graph.forward(batch, overrides={"h12": 0.25})
    assert got["h12"] == 0.25
    _assert_agree({n: v for n, v in got.items() if n != "h12"},
                  {n: v for n, v in _lambdified_forward(graph, batch, {"h12": 0.25}).items()
                   if n != "h12"}, PER_NODE, (BATCH,))


def test_forward_constants_and_missing_values() -> None:
    x, k, m = symbol("x"), symbol("k"), symbol("m")
    graph = ComputationGraph([Node("x", "input"), Node("L", "loss", k * x + m)], "L",
                             constants={"k": 2.0, "m": float("nan")})
    with pytest.raises(SpecError, match="no value given for x, m"):
        graph.forward({})
    values = graph.forward({"x": 1.5, "m": 0.5})
    assert values == {"k": 2.0, "x": 1.5, "m": 0.5, "L": 3.5}
    exposed = LayeredNetwork((2, 2, 1), ("sigmoid",), "sigmoid", "half_squared_error").build(
        expose="w111")
    with pytest.raises(SpecError, match=r"no value given for .*w112"):
        exposed.forward({leaf: 0.5 for leaf in exposed.leaves})


def test_each_function_is_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A [3, 4, 4, 3] network applies sigmoid 8 times, exp 9 times and log 3 times: three
    compilations, whatever the number of nodes."""
    compiled: list[sympy.Expr] = []

    def counting(args: Any, expr: sympy.Expr, backend: str = "numpy") -> Any:
        compiled.append(expr)
        return lambdify(args, expr, backend)

    monkeypatch.setattr(evaluation_module, "_FUNCTION_CACHE", {})
    monkeypatch.setattr(evaluation_module, "lambdify", counting)
    graph = LayeredNetwork((3, 4, 4, 3), ("sigmoid", "sigmoid"), "softmax",
                           "cross_entropy").build()
    for shape in [(), (BATCH,)]:
        values = graph.forward(_random_values(graph, shape))
        assert np.all(np.isfinite(values["L"]))
    assert sorted(type(expr).__name__ for expr in compiled) == ["exp", "log", "sigmoid"]


# Exact arithmetic: powers of two and small integers make every sum, product and division by
# a symbol exact, so the direct evaluation must equal the rational value, bit for bit.
_X, _Y, _Z = symbol("x"), symbol("y"), symbol("z")
_POWERS = st.sampled_from([-4.0, -2.0, -1.0, -0.5, -0.25, 0.25, 0.5, 1.0, 2.0, 4.0])
_ATOMS = st.one_of(st.sampled_from([_X, _Y, _Z]), st.integers(-3, 3).map(sympy.Integer),
                   st.sampled_from([sympy.Rational(1, 2), sympy.Rational(-3, 4)]))


def _combine(children: st.SearchStrategy[sympy.Expr]) -> st.SearchStrategy[sympy.Expr]:
    return st.one_of(
        st.tuples(children, children).map(lambda p: p[0] + p[1]),
        st.tuples(children, children).map(lambda p: p[0] * p[1]),
        st.tuples(children, children).map(lambda p: p[0] - 2 * p[1]),
        st.tuples(children, st.integers(0, 3)).map(lambda p: p[0] ** p[1]),
        st.tuples(children, st.sampled_from([_X, _Y, _Z]), st.integers(-2, 2)).map(
            lambda p: p[0] / p[1] ** p[2]),
    )


_POLYNOMIALS = st.recursive(_ATOMS, _combine, max_leaves=8)
_FUNCTIONS = [sigmoid, sympy.tanh, sympy.exp, softplus, relu, sympy.Abs,
              lambda u: leaky_relu(u, sympy.Rational(1, 10)), lambda u: sympy.sqrt(u**2 + 1),
              lambda u: sympy.log(u**2 + 1), lambda u: sympy.Max(u, 0),
              lambda u: sympy.Piecewise((u, u > 0), (3 * u, True))]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(_POLYNOMIALS, st.sampled_from(_FUNCTIONS), st.tuples(_POWERS, _POWERS, _POWERS),
       st.integers(-2, 2))
@example(-2 * _X**3 + sympy.Rational(1, 4) - 1 / (2 * _Z), sympy.exp, (-4.0, 1.0, 2.0), 2)
def test_direct_evaluation_is_exact_and_matches_lambdify(
        expr: sympy.Expr, function: Any, point: tuple[float, ...], scale: int) -> None:
    names = dict(zip("xyz", point, strict=True))
    exact = expr.xreplace({s: sympy.Rational(names[s.name]) for s in (_X, _Y, _Z)})
    direct = direct_evaluator(expr)
    assert direct(names) == float(exact)
    batch = {n: np.array([v, -v, 2 * v]) for n, v in names.items()}
    lambdified = lambdify([_X, _Y, _Z], expr)
    assert np.array_equal(direct(batch) + np.zeros(3), lambdified(*batch.values()) + np.zeros(3))
    # A function of an exactly computed argument: the same numpy function on the same number.
    # exp of a large argument overflows to inf in both: compared, not warned about.
    applied = 2**scale * function(expr)
    with np.errstate(over="ignore", invalid="ignore"):
        want = lambdify([_X, _Y, _Z], applied)(*batch.values()) + np.zeros(3)
        got = direct_evaluator(applied)(batch) + np.zeros(3)
    assert np.array_equal(got, want, equal_nan=True)


_DAG_NAMES = ["a_1_2", "a_1_10", "a_2_1", "a10", "a2", "a02", "x", "x1", "X", "_y", "b01", "b1"]


@settings(max_examples=200, deadline=None)
@given(st.permutations(_DAG_NAMES), st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)),
                                             max_size=30))
def test_the_order_is_networkxs_natural_topological_sort(names: list[str],
                                                         pairs: list[tuple[int, int]]) -> None:
    """The graph's own heap walk gives exactly ``nx.lexicographical_topological_sort`` with
    the natural key (ties of equal keys, ``a2``/``a02``, in insertion order), and a cycle is
    refused as before."""
    import networkx as nx

    from symbackprop.graph.canonical import natural_topological_order as _natural_topological_order
    from symbackprop.naming import natural_key

    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    graph.add_edges_from((names[min(i, j)], names[max(i, j)]) for i, j in pairs if i != j)
    expected = tuple(nx.lexicographical_topological_sort(graph, key=natural_key))
    assert _natural_topological_order(graph) == expected
    if pairs and pairs[0][0] != pairs[0][1]:
        i, j = sorted(pairs[0])
        graph.add_edge(names[j], names[i])
        assert len(_natural_topological_order(graph)) < len(names)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(_DAG_NAMES), st.sampled_from(_DAG_NAMES), st.booleans())
def test_a_product_of_two_symbols_is_sympys_mul(left: str, right: str, real: bool) -> None:
    """:func:`product` made directly is ``sympy.Mul``'s expression, factors in its order."""
    from symbackprop.graph.canonical import product

    a = symbol(left)
    b = symbol(right) if real else sympy.Symbol(right)
    built, expected = product(a, b), sympy.Mul(a, b)
    assert built == expected and built.args == expected.args and str(built) == str(expected)
