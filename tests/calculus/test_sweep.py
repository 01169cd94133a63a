"""The all-parameter reverse sweep, and path listings streamed at scale.

Every gradient of the sweep must equal the per-weight path view (:func:`derive`: same
expression once the named adjoints are substituted back, same value), the numerical reverse
sweep and, for layered networks, the matrix backprop.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import sympy
from conftest import BUNDLED, ZOO_GRAPHS, ZOO_NETWORKS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbackprop.calculus.derivation import derive
from symbackprop.calculus.paths import count_paths, iter_paths
from symbackprop.calculus.streaming import iter_path_terms, longest_path_text
from symbackprop.calculus.sweep import gradients
from symbackprop.cli import main
from symbackprop.errors import SpecError
from symbackprop.graph import ComputationGraph, Node
from symbackprop.graph.network import LayeredNetwork
from symbackprop.naming import symbol
from symbackprop.numeric.oracles import matrix_backprop, reverse_sweep
from symbackprop.render.gradients import gradients_data, gradients_text
from symbackprop.render.streamed import streamed_paths_lines
from symbackprop.render.text import paths_text
from symbackprop.rules.functions import sigmoid
from symbackprop.spec import load_problem

SEED = 20_261_122
EXACT = 1e-12


def _values(graph: ComputationGraph, given: dict[str, float] | None = None) -> dict[str, float]:
    """The given values, with seeded random ones for the leaves they leave out."""
    rng = np.random.default_rng(SEED)
    values = dict(given or {})
    for name in graph.missing_values(values):
        values[name] = float(rng.uniform(0.1, 0.9))
    return values


def _same(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Symbolically equal (expanded first: both are sums of products of local partials)."""
    difference = a - b
    return sympy.expand(difference) == 0 or sympy.simplify(difference) == 0


def _close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= EXACT * max(1.0, scale)


def _cases() -> list[tuple[str, ComputationGraph, dict[str, float], LayeredNetwork | None]]:
    cases = []
    for name in BUNDLED:
        problem = load_problem(name)
        cases.append((name, problem.graph, _values(problem.graph, problem.values),
                      problem.network))
    for name, (make, values) in ZOO_GRAPHS.items():
        cases.append((name, make(), dict(values), None))
    for name, network in ZOO_NETWORKS.items():
        graph = network.build()
        cases.append((name, graph, _values(graph), network))
    return cases


CASES = _cases()


@pytest.mark.parametrize(("name", "graph", "values", "network"), CASES,
                         ids=[c[0] for c in CASES])
def test_sweep_agrees_with_path_view_and_oracles(name, graph, values, network):
    grads = gradients(graph, values=values)
    numeric = reverse_sweep(graph, values)
    by_matrix = matrix_backprop(network, values) if network is not None else {}
    scale = max(abs(v) for v in grads.gradient_values.values())
    for wrt in grads:
        derivation = derive(graph, wrt, values=values)
        assert _same(grads.expanded(wrt), derivation.expression), wrt
        assert _close(grads.value(wrt), derivation.value, scale), wrt
        assert _close(grads.value(wrt), numeric[wrt], scale), wrt
        if wrt in by_matrix:
            assert _close(grads.value(wrt), by_matrix[wrt], scale), wrt


@pytest.mark.parametrize(("name", "graph", "values", "network"), CASES,
                         ids=[c[0] for c in CASES])
def test_adjoints_are_defined_once_before_use(name, graph, values, network):
    grads = gradients(graph)
    defined: set[sympy.Symbol] = set()
    names = [a.node for a in grads.adjoints]
    assert len(names) == len(set(names))
    for adjoint in grads.adjoints:
        used = adjoint.expression.free_symbols & set(grads.symbols.values())
        assert used <= defined, adjoint  # reverse topological: children first
        defined.add(adjoint.symbol)
        rebuilt = sympy.Add(*(factor.expression * (grads.symbols.get(child, 1))
                              for factor, child in adjoint.contributions))
        assert sympy.expand(rebuilt - adjoint.expression) == 0
    for wrt in grads:
        assert grads[wrt].free_symbols & set(grads.symbols.values()) <= defined


def test_adjoint_symbols_and_latex():
    problem = load_problem("padhai_4_4_2")
    grads = gradients(problem.graph)
    delta = grads.symbols["h13"]
    assert delta == symbol("delta_h13")
    assert grads.latex_names()[delta] == r"\delta_{h_{13}}"
    assert grads["w131"] == grads.symbols["a13"] * symbol("x1")
    assert r"\delta_{a_{13}}" in grads._repr_latex_()


def test_local_partials_of_wide_sums_match_diff_exactly():
    """The term-wise fast path of ``local_partial`` gives sympy's own ``diff``, structurally."""
    graphs = [case[1] for case in CASES] + [LayeredNetwork(
        (5, 6, 3), ("tanh",), "softmax", "cross_entropy", bias="per_layer").build()]
    for graph in graphs:
        for name, node in graph.nodes.items():
            for parent in graph.parents(name):
                if parent in node.textbook:
                    continue
                expected = sympy.diff(node.definition, symbol(parent)).xreplace(
                    {node.definition: node.symbol})
                assert sympy.srepr(graph.local_partial(parent, name)) == sympy.srepr(expected)


def test_wide_network_matches_matrix_backprop():
    network = LayeredNetwork((16, 16, 16, 4), ("sigmoid", "tanh"), "softmax", "cross_entropy",
                             bias="per_neuron")
    graph = network.build()
    values = _values(graph)
    grads = gradients(graph, values=values, wrt=network.parameter_names())
    assert len(grads) == 16 * 16 * 2 + 16 * 4 + 16 + 16 + 4
    expected = matrix_backprop(network, values)
    scale = max(map(abs, expected.values()))
    assert all(_close(grads.value(w), expected[w], scale) for w in grads)


def test_forward_takes_batches_and_names_what_is_missing():
    """The values the sweep starts from (tests/graph/test_graph.py checks ``forward`` against
    lambdify): floats, numpy batches, and the missing-value error."""
    graph = ZOO_NETWORKS["tanh_relu_ce"].build()
    values = _values(graph)
    fast = graph.forward(values)
    assert fast.keys() >= set(graph.order)
    assert all(type(fast[n]) is float for n in graph.order)
    batch = {name: np.array([v, v / 2]) for name, v in values.items()}
    halved = graph.forward({name: v / 2 for name, v in values.items()})
    np.testing.assert_allclose(graph.forward(batch)["L"], [fast["L"], halved["L"]],
                               rtol=1e-15, atol=1e-15)
    with pytest.raises(SpecError, match=r"no value given for .*x1"):
        graph.forward({})


def test_intermediate_wrt_unreachable_parameter_and_output():
    x, w, v, h = symbol("x"), symbol("w"), symbol("v"), symbol("h")
    graph = ComputationGraph([
        Node("x", "input"), Node("w", "parameter"), Node("v", "parameter"),
        Node("h", "hidden", sigmoid(w * x)), Node("u", "hidden", v * 2),
        Node("L", "loss", h**2),
    ], "L")
    grads = gradients(graph, values={"x": 0.5, "w": -0.3, "v": 1.0}, wrt=["h", "w", "v", "L"])
    assert grads["v"] == 0 and grads.value("v") == 0.0
    assert grads["L"] == 1 and grads.value("L") == 1.0
    assert sympy.simplify(grads.expanded("h") - 2 * h) == 0
    assert sympy.simplify(grads.expanded("w") - 2 * h * h * (1 - h) * x) == 0
    with pytest.raises(Exception, match="no gradient"):
        grads["x"]


def test_adjoint_names_avoid_existing_nodes():
    a, c = symbol("a"), symbol("c")
    graph = ComputationGraph([
        Node("a", "parameter"), Node("c", "hidden", 3 * a),
        Node("delta_c", "hidden", c**2), Node("L", "loss", symbol("delta_c") + c),
    ], "L")
    grads = gradients(graph, values={"a": 2.0})
    assert str(grads.symbols["c"]) not in graph
    assert grads.value("a") == pytest.approx(3 * (2 * 6 + 1))


# -- random graphs ----------------------------------------------------------------------------

@st.composite
def random_dags(draw: st.DrawFn) -> tuple[ComputationGraph, dict[str, float]]:
    """A small random DAG: two inputs, two parameters, hidden nodes of random operations."""
    leaves = ["x1", "x2", "p1", "p2"]
    names = list(leaves)
    nodes = [Node("x1", "input"), Node("x2", "input"), Node("p1", "parameter"),
             Node("p2", "parameter")]
    operations = [
        lambda s: sympy.Add(*s), lambda s: sympy.Mul(*s), lambda s: sigmoid(sympy.Add(*s)),
        lambda s: sympy.tanh(s[0]) * s[-1], lambda s: s[0] ** 2 + 3 * s[-1],
        lambda s: sympy.exp(s[0] / 4) - s[-1],
    ]
    for i in range(draw(st.integers(2, 6))):
        parents = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
        operation = draw(st.sampled_from(operations))
        name = f"n{i}"
        kind = "hidden"
        nodes.append(Node(name, kind, operation([symbol(p) for p in parents])))
        names.append(name)
    last = nodes[-1]
    nodes[-1] = Node(last.name, "loss", last.definition)
    values = {n: draw(st.floats(-1.5, 1.5, allow_nan=False)) for n in leaves}
    return ComputationGraph(nodes, last.name), values


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(random_dags())
def test_random_dags_agree_with_numeric_sweep_and_path_sums(case):
    graph, values = case
    grads = gradients(graph, values=values, wrt=["p1", "p2", "x1"])
    numeric = reverse_sweep(graph, values)
    scale = max(1.0, *(abs(numeric[w]) for w in grads))
    for wrt in grads:
        assert abs(grads.value(wrt) - numeric[wrt]) <= 1e-10 * scale
        expected = derive(graph, wrt).expression if count_paths(graph, wrt) else sympy.S.Zero
        point = {symbol(n): v for n, v in graph.forward(values).items()}
        assert abs(float((grads.expanded(wrt) - expected).xreplace(point))) <= 1e-10 * scale


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(
    widths=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    outputs=st.integers(2, 3),
    hidden=st.sampled_from(["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus"]),
    head=st.sampled_from([("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy"),
                          ("identity", "half_squared_error"), ("softmax", "squared_error"),
                          ("tanh", "mean_squared_error")]),
    bias=st.sampled_from(["none", "per_neuron", "per_layer"]),
    seed=st.integers(0, 2**16),
)
def test_random_networks_agree_with_matrix_backprop(widths, outputs, hidden, head, bias, seed):
    layers = (*widths, outputs)
    network = LayeredNetwork(layers, (hidden,) * (len(layers) - 2), head[0], head[1], bias=bias)
    graph = network.build()
    rng = np.random.default_rng(seed)
    values = {name: float(rng.normal()) for name in graph.leaves}
    grads = gradients(graph, values=values, wrt=network.parameter_names())
    expected = matrix_backprop(network, values)
    scale = max(1.0, *map(abs, expected.values()))
    assert all(abs(grads.value(w) - expected[w]) <= 1e-10 * scale for w in expected)


# -- streamed path listings -------------------------------------------------------------------

@pytest.mark.parametrize(("name", "graph", "values", "network"), CASES,
                         ids=[c[0] for c in CASES])
def test_streamed_terms_equal_derived_terms(name, graph, values, network):
    wrt = gradients(graph).wrt[0]
    derivation = derive(graph, wrt, values=values)
    streamed = list(iter_path_terms(graph, wrt, values=values))
    assert [t.path for t in streamed] == [t.path for t in derivation.terms]
    assert [t.path for t in streamed] == list(iter_paths(graph, wrt))
    for mine, theirs in zip(streamed, derivation.terms, strict=True):
        assert [(f.of, f.wrt, f.expression) for f in mine.factors] == [
            (f.of, f.wrt, f.expression) for f in theirs.factors]
        assert abs(mine.value - theirs.value) <= EXACT * max(1.0, abs(theirs.value))
    assert longest_path_text(graph, wrt) == max(len(" → ".join(t.path.nodes)) for t in streamed)


def test_the_path_of_one_node_has_the_streamed_value():
    """d of / d of: one path, no factors; its value is the float 1.0 with values (not the int
    ``math.prod(())``), and ``None`` without, in the derivation as in the streamed terms."""
    problem = load_problem("mazur_2_2_2")
    for values in (problem.values, None):
        [derived] = derive(problem.graph, "L", values=values).terms
        [streamed] = iter_path_terms(problem.graph, "L", values=values)
        assert derived.path.nodes == streamed.path.nodes == ("L",)
        assert derived.factors == streamed.factors == ()
        assert type(derived.value) is type(streamed.value)
        assert derived.value == streamed.value == (None if values is None else 1.0)


def test_streamed_lines_read_as_the_derived_listing():
    problem = load_problem("branching_graph")
    derivation = derive(problem.graph, "b", values=problem.values)
    lines = streamed_paths_lines(iter_path_terms(problem.graph, "b", values=problem.values),
                                 of="e", wrt="b", count=2, width=longest_path_text(
                                     problem.graph, "b"))
    assert "\n".join(lines) == paths_text(derivation)


def test_streaming_shares_one_factor_per_edge():
    network = LayeredNetwork((2, 3, 3, 2), ("sigmoid", "sigmoid"), "softmax", "cross_entropy")
    graph = network.build()
    terms = list(iter_path_terms(graph, "w111"))
    assert len(terms) == count_paths(graph, "w111") == 3 * 2 * 2
    assert len({id(f) for t in terms for f in t.factors}) < sum(len(t.factors) for t in terms)
    assert all(t.value is None for t in terms)


# -- the command line -------------------------------------------------------------------------

def test_cli_derive_all_text_and_json(capsys):
    assert main(["derive", "mazur_2_2_2", "--wrt", "all"]) == 0
    text = capsys.readouterr().out
    assert "δ_a21 = ∂yhat1/∂a21 · δ_yhat1" in text
    assert "∂L/∂w5 = ∂a21/∂w5 · δ_a21 = h11*δ_a21  = 0.08216704056" in text
    assert main(["derive", "mazur_2_2_2", "--wrt", "all", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["wrt"][:3] == ["w1", "w2", "w3"]
    by_name = {g["wrt"]: g for g in data["gradients"]}
    assert by_name["w5"]["value"] == pytest.approx(0.082167041, abs=1e-9)
    assert by_name["w5"]["expression"] == "delta_a21*h11"
    assert data["adjoints"][0]["latex"].startswith(r"\delta_{")


def test_gradients_renderers_without_values():
    grads = gradients(load_problem("sigmoid_chain").graph)
    text = gradients_text(grads)
    assert "=" in text and "  = " not in text  # no values to show
    data = gradients_data(grads)
    assert all(g["value"] is None for g in data["gradients"])
    assert [a["node"] for a in data["adjoints"]] == [a.node for a in grads.adjoints]


def test_cli_paths_streams_past_the_derivation_limit(capsys):
    network_file = "padhai_4_4_2"
    assert main(["paths", network_file, "--wrt", "w131"]) == 0
    derived = capsys.readouterr().out
    assert main(["paths", network_file, "--wrt", "w131", "--max-paths", "1"]) == 0
    streamed = capsys.readouterr().out
    listed = re.compile(r"^  \d+\. (.+?)  ", re.MULTILINE)
    assert listed.findall(streamed) == listed.findall(derived)
    assert len(listed.findall(streamed)) == 4
    assert streamed.splitlines()[0] == derived.splitlines()[0] == "4 paths from w131 to L"
    assert streamed.splitlines()[-1] == derived.splitlines()[-1]  # the same total
    assert main(["paths", network_file, "--wrt", "w131", "--max-paths", "1", "--format",
                 "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["streamed"] and data["path_count"] == 4 and len(data["paths"]) == 4


def test_cli_paths_shows_the_factored_form_past_the_streaming_limit(capsys):
    args = ["paths", "padhai_4_4_2", "--wrt", "w131", "--max-paths", "1", "--stream-limit", "2"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert text.startswith("4 paths from w131 to L")
    assert "more than 2: not listed" in text and "δ_a13 = ∂h13/∂a13 · δ_h13" in text
    assert main([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert not data["paths_listed"] and data["paths"] == []
    assert data["value"] == pytest.approx(derive(load_problem("padhai_4_4_2").graph, "w131",
                                                 values=load_problem("padhai_4_4_2").values)
                                          .value, rel=1e-12)
