"""The tensor graph: validation, the paths protocol, the forward pass, composite expansion."""

from __future__ import annotations

import numpy as np
import pytest

from symbackprop.calculus.paths import count_paths, iter_paths, path_counts
from symbackprop.errors import DomainError, GraphError, SpecError
from symbackprop.graph.tensor import TensorGraph, TensorNode
from symbackprop.graph.tensor_build import build_tensor_graph, expand_composites
from symbackprop.rules.tensor.build import Builder
from symbackprop.rules.tensor.expr import Ref

X = TensorNode("X", "input", (4, 3))
W = TensorNode("W", "parameter", (3, 2))


def mlp() -> TensorGraph:
    return build_tensor_graph([X, W, TensorNode("y", "input", (4,), "int")],
                              {"Z": "X @ W", "H": "tanh(Z)", "L": "cross_entropy(H, y)"}, "L")


def test_the_paths_module_reads_a_tensor_graph_unchanged() -> None:
    graph = mlp()
    assert count_paths(graph, "W") == 1 and count_paths(graph, "X") == 1
    assert [str(p) for p in iter_paths(graph, "W")] == ["W -> Z -> H -> L"]
    assert path_counts(graph)["Z"] == 1
    assert graph.parents("Z") == ["W", "X"] and graph.children("H") == ["L"]
    assert graph.leaves == ["W", "X", "y"] and graph.kind_of("loss") == ["L"]


@pytest.mark.parametrize(("nodes", "output", "message"), [
    ([X, X], "X", "defined twice"),
    ([TensorNode("x y", "input", (2,))], "x y", "not a valid name"),
    ([TensorNode("lambda", "input", ())], "lambda", "not a valid name"),
    ([TensorNode("a", "weight", ())], "a", "kind 'weight'"),
    ([TensorNode("a", "hidden", ())], "a", "needs a definition"),
    ([TensorNode("W", "parameter", (2,), "int")], "W", "integer tensor"),
    ([X], "X", "shape (4, 3); it must be a scalar"),
    ([X], "Q", "not a node"),
    ([TensorNode("L", "loss", (), definition=Builder().op("sum", Ref("q", (2,))))], "L",
     "'q', which is not a node"),
    ([X, TensorNode("L", "loss", (), definition=Builder().op("sum", Ref("X", (3, 4))))], "L",
     "reads 'X' as (3, 4)"),
])
def test_a_bad_graph_is_refused_with_a_message(nodes: list[TensorNode], output: str,
                                               message: str) -> None:
    with pytest.raises(GraphError, match=message.replace("(", r"\(").replace(")", r"\)")):
        TensorGraph(nodes, output)


def test_the_forward_pass() -> None:
    graph = mlp()
    rng = np.random.default_rng(0)
    values = {"X": rng.normal(size=(4, 3)), "W": rng.normal(size=(3, 2)),
              "y": np.array([0, 1, 1, 0])}
    forward = graph.forward(values)
    np.testing.assert_allclose(forward["H"], np.tanh(values["X"] @ values["W"]))
    assert forward["y"].dtype.kind == "i" and forward["L"].shape == ()
    with pytest.raises(SpecError, match="no value for W"):
        graph.forward({"X": values["X"], "y": values["y"]})
    with pytest.raises(SpecError, match=r"'W' has shape \(2, 3\), not \(3, 2\)"):
        graph.forward({**values, "W": np.zeros((2, 3))})


def test_a_value_numpy_cannot_compute_names_the_node() -> None:
    graph = build_tensor_graph([TensorNode("x", "input", (2,))], {"L": "sum(log(x))"}, "L")
    with pytest.raises(DomainError, match="node 'L'"):
        graph.forward({"x": np.array([1.0, 0.0])})


def test_a_composite_inside_a_formula_gets_its_own_nodes() -> None:
    graph = build_tensor_graph(
        [TensorNode("x", "input", (4, 3)), TensorNode("g", "parameter", (3,)),
         TensorNode("c", "parameter", (3,))],
        {"L": "sum(tanh(batch_norm(x @ x.T @ x, g, c)) + layer_norm(x, g, c))"}, "L",
        expand=True)
    dotted = [n for n in graph.order if "." in n]
    assert set(dotted) == {"L.x", "L.mu", "L.var", "L.xhat", "L.y",
                           "L.n2.mu", "L.n2.var", "L.n2.xhat", "L.n2.y"}
    assert graph.node("L.mu").shape == (3,) and graph.node("L.n2.mu").shape == (4, 1)
    assert sorted(str(p) for p in iter_paths(graph, "L.x", "L.y")) == [
        "L.x -> L.mu -> L.xhat -> L.y", "L.x -> L.var -> L.xhat -> L.y", "L.x -> L.xhat -> L.y"]
    whole = build_tensor_graph(
        [TensorNode("x", "input", (4, 3)), TensorNode("g", "parameter", (3,)),
         TensorNode("c", "parameter", (3,))],
        {"L": "sum(tanh(batch_norm(x @ x.T @ x, g, c)) + layer_norm(x, g, c))"}, "L")
    rng = np.random.default_rng(1)
    values = {"x": rng.normal(size=(4, 3)), "g": rng.normal(size=3), "c": rng.normal(size=3)}
    assert float(graph.forward(values)["L"]) == pytest.approx(
        float(whole.forward(values)["L"]), rel=1e-12)


def test_expanding_a_graph_without_composites_changes_nothing() -> None:
    nodes = list(mlp().nodes.values())
    assert expand_composites(nodes) == nodes


def test_batch_norm_of_images_keeps_its_statistics_per_channel() -> None:
    graph = build_tensor_graph(
        [TensorNode("x", "input", (2, 3, 4, 4)), TensorNode("g", "parameter", (3, 1, 1)),
         TensorNode("c", "parameter", (3, 1, 1))],
        {"Y": "batch_norm(x, g, c)", "L": "mean(Y**2)"}, "L", expand=True)
    assert graph.node("Y.mu").shape == (1, 3, 1, 1)


def test_the_object_forward_of_a_whole_graph_is_its_scalar_formulas() -> None:
    """What the lowering to a scalar graph builds on: every node's entries as sympy formulas
    of the leaves' entries, equal to the numeric forward pass at the same numbers."""
    import sympy

    from symbackprop.rules.tensor.backend import OBJECT
    from symbackprop.spec.problems import load_problem
    from symbackprop.spec.tensor import TensorProblem

    problem = load_problem("tensor_mlp")
    assert isinstance(problem, TensorProblem)
    graph, values = problem.graph, problem.values
    symbols: dict[str, np.ndarray] = {}
    numbers: dict[sympy.Symbol, sympy.Float] = {}
    for name in graph.leaves:
        value = values[name]
        if graph.node(name).dtype == "int":
            symbols[name] = value
            continue
        entries = [sympy.Symbol(f"{name}[{i}]", real=True) for i in range(value.size)]
        symbols[name] = np.array(entries, dtype=object).reshape(value.shape)
        numbers.update(zip(entries, map(sympy.Float, value.ravel()), strict=True))
    lowered = graph.forward(symbols, backend=OBJECT)
    numeric = graph.forward(values)
    for name in ("Z1", "H1", "Z2", "L"):
        got = [float(entry.xreplace(numbers)) for entry in lowered[name].ravel()]
        np.testing.assert_allclose(got, numeric[name].ravel(), rtol=1e-12, err_msg=name)
