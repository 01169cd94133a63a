"""Two views, one truth: a tensor problem lowered to the scalar graph.

Every entry of every float tensor is a scalar node named ``W1[2,3]`` (0-based, numpy's
order) with its tensor's kind, each computed entry defined by the operations' forward code run
on symbols (elementwise functions kept as the textbook writes them); the lowered graph's
forward pass equals the tensor graph's, and the scalar engine's gradients, gathered back into
tensors, equal the tensor engine's for every example (at a small shape of the examples too large
to lower) to a relative 1e-10 with a floor of 1e-12 times the largest entry of the loss's
gradients.  Above its limits the lowering is refused, before anything is built, with a message
that says how to raise them and that the tensor view needs none.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy
from tensor_cases import DATA, EXAMPLE_FILES, load_tensor, lowerable

from symbackprop.calculus.derivation import derive
from symbackprop.calculus.sweep import gradients
from symbackprop.calculus.tensor_derivation import tensor_derive
from symbackprop.calculus.tensor_sweep import tensor_gradients
from symbackprop.codegen.gradient import compile_gradient
from symbackprop.errors import GraphError, SpecError
from symbackprop.graph import tensor_lowering
from symbackprop.graph.computation import ComputationGraph
from symbackprop.graph.node import Node
from symbackprop.graph.tensor import TensorNode
from symbackprop.graph.tensor_build import build_tensor_graph
from symbackprop.graph.tensor_lowering import lower, lowering_size
from symbackprop.naming import entry_name, split_entry_name, symbol
from symbackprop.spec.lowered import lowered_problem
from symbackprop.spec.problems import load_problem_text

MLP = EXAMPLE_FILES["mlp"]


def close(got: np.ndarray, expected: np.ndarray, what: str, scale: float) -> None:
    """The acceptance tolerance: relative 1e-10, floor 1e-12 x the loss's largest gradient."""
    assert got.shape == expected.shape, what
    floor = 1e-12 * max(float(np.max(np.abs(expected), initial=0.0)), scale)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=floor, err_msg=what)


# -- names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("tensor", "index", "name"), [
    ("W1", (2, 3), "W1[2,3]"), ("b", (0,), "b[0]"), ("L", (), "L"), ("Y.mu", (0, 1), "Y.mu[0,1]"),
    ("X", (1, 0, 2), "X[1,0,2]")])
def test_an_entry_name_is_the_tensor_and_its_index(tensor: str, index: tuple[int, ...],
                                                   name: str) -> None:
    assert entry_name(tensor, index) == name
    if index:
        assert split_entry_name(name) == (tensor, index)
        assert split_entry_name(name.replace(",", ", ")) == (tensor, index)


@pytest.mark.parametrize("name", ["W1", "W1[]", "W1[-1]", "W1[1.5]", "1W[0]", "W1[0]x", "W[a]"])
def test_other_names_are_not_entry_names(name: str) -> None:
    assert split_entry_name(name) is None


def test_no_name_read_from_a_file_can_take_an_entrys_form() -> None:
    with pytest.raises(GraphError, match="not a valid node name"):
        ComputationGraph.from_definitions({"L": "2*x"}, inputs=["W1[2,3]"], output="L")
    with pytest.raises(GraphError, match="node 'h\\[0\\]' is not a valid node name"):
        load_problem_text('[graph]\noutput = "L"\ninputs = ["x"]\n[graph.nodes]\n'
                          '"h[0]" = "2*x"\nL = "x"\n')
    graph = ComputationGraph([Node("W1[2,3]", "parameter"),
                              Node("L", "loss", 2 * symbol("W1[2,3]"))], "L")
    assert graph.parents("L") == ["W1[2,3]"]
    assert graph.node("W1[2,3]").latex == "W1_{2,3}"


# -- the lowered graph ---------------------------------------------------------------------------

def test_every_entry_is_a_node_of_its_tensors_kind() -> None:
    problem = load_tensor(MLP)
    lowering = lower(problem.graph, problem.values)
    graph = lowering.graph
    # X, W1, b1, W2, b2, Z1 and H1, Z2, L
    assert len(graph) == lowering_size(problem.graph).nodes == 12 + 15 + 5 + 15 + 3 + 40 + 12 + 1
    for tensor, node in problem.graph.nodes.items():
        if node.dtype == "int":
            assert tensor not in lowering.entries and f"{tensor}[0]" not in graph
            continue
        names = lowering.entries[tensor]
        assert names.shape == node.shape
        assert {graph.node(str(name)).kind for name in names.flat} == {node.kind}
    assert graph.output == "L" and graph.node("L").kind == "loss"
    assert set(graph.parameters) == {str(n) for t in ("W1", "W2", "b1", "b2")
                                     for n in lowering.entries[t].flat}
    assert lowering.values["X[1,2]"] == problem.values["X"][1, 2]
    assert lowering.values["W1[2,3]"] == problem.values["W1"][2, 3]
    assert "Z1[0,0]" not in lowering.values


def test_a_definition_is_the_forward_code_on_the_parents_entries() -> None:
    problem = load_tensor(MLP)
    graph = lower(problem.graph, problem.values).graph
    s = symbol
    expected = sum(s(f"X[1,{k}]") * s(f"W1[{k},2]") for k in range(3)) + s("b1[2]")
    assert sympy.expand(graph.node("Z1[1,2]").definition - expected) == 0
    assert graph.node("H1[1,2]").definition == sympy.tanh(s("Z1[1,2]"))
    assert graph.parents("Z2[3,0]") == sorted(
        [f"H1[3,{k}]" for k in range(5)] + [f"W2[{k},0]" for k in range(5)] + ["b2[0]"],
        key=graph.order.index)


def test_local_partials_read_as_a_textbook_writes_them() -> None:
    graph = build_tensor_graph(
        [TensorNode("z", "input", (2,)), TensorNode("w", "parameter", (2,))],
        {"h": "sigmoid(w * z)", "t": "tanh(h)", "L": "sum(t)"}, "L")
    lowered = lower(graph).graph
    h, t = symbol("h[1]"), symbol("t[1]")
    assert lowered.local_partial("h[1]", "t[1]") == 1 - t**2
    assert sympy.simplify(lowered.local_partial("w[1]", "h[1]") - symbol("z[1]") * h * (1 - h)) == 0


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_the_lowered_forward_pass_equals_the_tensor_forward_pass(name: str) -> None:
    problem = load_tensor(lowerable(EXAMPLE_FILES[name]))
    lowering = lower(problem.graph, problem.values)
    scalar = lowering.graph.forward(lowering.values)
    tensor = problem.graph.forward(problem.values)
    for tensor_name in lowering.entries:
        got = lowering.gather(scalar, tensor_name)
        np.testing.assert_allclose(got, tensor[tensor_name], rtol=1e-12, atol=1e-14,
                                   err_msg=tensor_name)


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_the_scalar_engine_on_the_lowered_graph_equals_the_tensor_engine(name: str) -> None:
    problem = load_tensor(lowerable(EXAMPLE_FILES[name]))
    expected = tensor_gradients(problem.graph, problem.values).gradients
    lowering = lower(problem.graph, problem.values)
    entries = [str(e) for p in problem.graph.parameters for e in lowering.entries[p].flat]
    scalar = gradients(lowering.graph, values=lowering.values, wrt=entries).gradient_values
    assert scalar is not None and set(scalar) == set(entries)
    got = {p: lowering.gather(scalar, p) for p in problem.graph.parameters}
    assert set(got) == set(expected) == set(problem.graph.parameters)
    scale = max(float(np.max(np.abs(g))) for g in expected.values())
    for parameter, gradient in expected.items():
        close(got[parameter], gradient, f"{name}: d{problem.graph.output}/d{parameter}", scale)


@pytest.mark.parametrize("path", sorted(DATA.glob("*_small.toml")), ids=lambda p: p.stem)
def test_a_small_variant_is_the_same_example(path: Path) -> None:
    name = path.stem.removesuffix("_small")
    assert name in EXAMPLE_FILES, f"{path.name} is the small shape of no example"
    small, full = load_tensor(path), load_tensor(EXAMPLE_FILES[name])
    assert lowering_size(full.graph).refusal(name) is not None, (
        f"{name} lowers at its own shape: it needs no small variant")
    assert {n: (node.kind, len(node.shape)) for n, node in small.graph.nodes.items()} == {
        n: (node.kind, len(node.shape)) for n, node in full.graph.nodes.items()}
    assert small.graph.digraph.edges == full.graph.digraph.edges


# -- limits --------------------------------------------------------------------------------------

def test_a_large_problem_is_refused_before_anything_is_built(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    problem = load_tensor(EXAMPLE_FILES["mlp_784"])

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the lowering started")

    monkeypatch.setattr(tensor_lowering, "evaluate", never)
    with pytest.raises(SpecError) as refused:
        lower(problem.graph, problem.values, where="mlp_784.toml")
    message = str(refused.value)
    assert message.startswith("mlp_784.toml: lowered to scalars: 287,115 scalar nodes, more "
                              "than the limit of 2,000")
    assert "SYMBACKPROP_MAX_LOWERED_NODES" in message
    assert "the tensor view needs no lowering" in message


@pytest.mark.parametrize(("variable", "value", "refused"), [
    ("SYMBACKPROP_MAX_LOWERED_NODES", "102", "103 scalar nodes"),
    ("SYMBACKPROP_MAX_LOWERED_READS", "1000", "1,508 reads"),
    ("SYMBACKPROP_MAX_LOWERED_NODES", "103", None),
])
def test_each_limit_is_read_when_it_is_checked(monkeypatch: pytest.MonkeyPatch, variable: str,
                                               value: str, refused: str | None) -> None:
    problem = load_tensor(MLP)
    monkeypatch.setenv(variable, value)
    if refused is None:
        assert len(lower(problem.graph, problem.values).graph) == 103
        return
    with pytest.raises(SpecError, match=refused) as error:
        lower(problem.graph, problem.values)
    assert variable in str(error.value)


def test_an_integer_tensor_needs_its_values() -> None:
    problem = load_tensor(MLP)
    values = {k: v for k, v in problem.values.items() if k != "y"}
    with pytest.raises(SpecError, match="no value for the integer tensor y"):
        lower(problem.graph, values)


# -- the entry view ------------------------------------------------------------------------------

def test_derive_of_one_entry_on_the_lowered_problem_is_that_entry_of_the_gradient() -> None:
    tensor = load_tensor(MLP)
    problem = lowered_problem(tensor)
    assert (problem.title, problem.path, problem.learning_rate) == (
        tensor.title, tensor.path, tensor.learning_rate)
    gradient = tensor_derive(tensor.graph, "W1", values=tensor.values).gradient
    assert gradient is not None
    for index in [(2, 3), (0, 0), (1, 4)]:
        d = derive(problem.graph, entry_name("W1", index), values=problem.values)
        assert d.path_count == 4 * 3  # through each row's Z1, H1 and every class's Z2
        assert d.value == pytest.approx(gradient[index], rel=1e-12)
        assert {term.path.nodes[0] for term in d.terms} == {entry_name("W1", index)}


def test_generated_code_of_a_lowered_graph_names_entries_as_identifiers() -> None:
    tensor = load_tensor(MLP)
    problem = lowered_problem(tensor)
    function = compile_gradient(problem, wrt=["W1[2,3]", "b2[1]"], target="numpy")
    assert "W1_2_3" in function.source and "W1[2,3]," not in function.source.split('"""')[-1]
    assert function.outputs == ("W1[2,3]", "b2[1]")
    got = function(*(problem.values[a] for a in function.arguments))
    gradients = tensor_gradients(tensor.graph, tensor.values).gradients
    assert np.allclose(got, [gradients["W1"][2, 3], gradients["b2"][1]], rtol=1e-12)
