"""The ``[tensor]`` file format: every key, values and draws, the recurrence, the dispatch of
``load_problem``, and every error naming the file and the key."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from symbackprop.errors import FormulaError, GraphError, SpecError
from symbackprop.spec.problems import load_problem_text, problem_from_dict, scalar_problem
from symbackprop.spec.tensor import TensorProblem, tensor_problem_from_dict

BASE = """
title = "t"
[tensor]
output = "L"
seed = 7
[tensor.inputs]
X = { shape = [4, 3], draw = "normal" }
y = { shape = [4], dtype = "int", draw = { integers = 3 } }
[tensor.parameters]
W = { shape = [3, 3], draw = { normal = 0.5 } }
b = [0.1, 0.0, -0.1]
[tensor.nodes]
L = "cross_entropy(X @ W + b, y)"
"""


def tensor(text: str, name: str = "f.toml") -> TensorProblem:
    problem = load_problem_text(text, name=name)
    assert isinstance(problem, TensorProblem)
    return problem


def refused(text: str, error: type[Exception] = SpecError) -> str:
    with pytest.raises(error) as info:
        load_problem_text(text, name="f.toml")
    message = str(info.value)
    assert message.startswith("f.toml"), message
    return message


def test_a_tensor_file_loads_with_its_kinds_shapes_and_values() -> None:
    problem = tensor(BASE)
    graph = problem.graph
    assert [(n, graph.node(n).kind, graph.node(n).shape, graph.node(n).dtype)
            for n in ("X", "y", "W", "b", "L")] == [
        ("X", "input", (4, 3), "float"), ("y", "input", (4,), "int"),
        ("W", "parameter", (3, 3), "float"), ("b", "parameter", (3,), "float"),
        ("L", "loss", (), "float")]
    assert problem.values["y"].dtype.kind == "i" and set(problem.values["y"]) <= {0, 1, 2}
    np.testing.assert_array_equal(problem.values["b"], [0.1, 0.0, -0.1])
    assert problem.title == "t" and problem.seed == 7 and problem.has_values


def test_draws_are_reproducible_in_file_order_and_rounded_to_four_decimals() -> None:
    first, again = tensor(BASE), tensor(BASE)
    for name in ("X", "W", "y"):
        np.testing.assert_array_equal(first.values[name], again.values[name])
    rng = np.random.default_rng(7)  # the documented generator, in file order
    np.testing.assert_array_equal(first.values["X"], np.round(rng.normal(0, 1, (4, 3)), 4))
    np.testing.assert_array_equal(first.values["y"], rng.integers(0, 3, size=4))
    np.testing.assert_array_equal(first.values["W"], np.round(rng.normal(0, 0.5, (3, 3)), 4))
    other = tensor(BASE.replace("seed = 7", "seed = 8"))
    assert not np.array_equal(other.values["X"], first.values["X"])
    uniform = tensor(BASE.replace('draw = "normal"', "draw = { uniform = [2, 3] }"))
    assert ((uniform.values["X"] >= 2) & (uniform.values["X"] <= 3)).all()


def test_every_way_of_giving_a_tensor() -> None:
    problem = tensor("""
[tensor]
output = "L"
[tensor.inputs]
scalar = 2.5
vector = [1, 2]
table = { values = [[1, 2], [3, 4]] }
shaped = { shape = [2, 2], values = [[1, 2], [3, 4]] }
symbolic = { shape = [2] }
labels = { shape = [2], dtype = "int", values = [1, 0] }
[tensor.constants]
eps = 1e-5
[tensor.targets]
T = [0.5, 0.5]
[tensor.nodes]
L = "sum((table @ vector + symbolic + eps*scalar - T)**2) + sum(shaped) + sum(labels)"
""")
    assert problem.values["scalar"].shape == () and problem.graph.node("vector").shape == (2,)
    assert problem.graph.node("eps").kind == "constant"
    assert problem.graph.node("T").kind == "target"
    assert "symbolic" not in problem.values and not problem.has_values
    assert problem.numeric_values is None


def test_nodes_in_any_order_and_names_that_are_sympys_or_functions() -> None:
    problem = tensor("""
[tensor]
output = "L"
[tensor.inputs]
S = [1.0, 2.0]
E = [0.5, 0.5]
[tensor.parameters]
exp = [0.1, 0.2]
[tensor.nodes]
L = "sum(Q * e)"
Q = "exp(exp) * S + pi"
e = "E * N"
N = "2"
""")
    forward = problem.graph.forward(problem.values)
    expected = np.sum((np.exp([0.1, 0.2]) * [1.0, 2.0] + np.pi) * np.array([0.5, 0.5]) * 2)
    assert float(forward["L"]) == pytest.approx(expected)


def test_the_recurrence_expands_into_one_node_per_step() -> None:
    problem = tensor("""
[tensor]
output = "L"
[tensor.inputs]
X = { shape = [3, 2, 4], draw = "normal" }
h0 = { shape = [2, 5] }
[tensor.parameters]
Wxh = { shape = [4, 5] }
Whh = { shape = [5, 5] }
[tensor.recurrence]
steps = 3
[tensor.recurrence.nodes]
"x{t}" = "X[{t-1}]"
"h{t}" = "tanh(x{t} @ Wxh + h{t-1} @ Whh)"
[tensor.nodes]
L = "sum(h3)"
""")
    graph = problem.graph
    assert [n for n in graph.order if n[0] in "xh" and n[1:].isdigit()] == [
        "h0", "x1", "h1", "x2", "h2", "x3", "h3"]
    assert str(graph.node("h2").definition) == "tanh((h1 @ Whh) + (x2 @ Wxh))"
    assert str(graph.node("x3").definition) == "X[2]"


def test_claims_are_read_and_the_learning_rate_kept() -> None:
    problem = tensor("learning_rate = 0.5\n" + BASE + """
[[claims]]
of = "dL/dW"
value = [[0.1, 0.2, 0.3], [0, 0, 0], [1, 1, 1]]
""")
    assert problem.learning_rate == 0.5
    claim = problem.claims[0]
    assert (claim.of, claim.kind, claim.node, claim.shape) == ("dL/dW", "gradient", "W", (3, 3))
    assert claim.value is not None and claim.value[0] == Decimal("0.1")


def test_yaml_and_json_read_the_same() -> None:
    data = {"tensor": {"output": "L", "inputs": {"x": [1.0, 2.0]}, "nodes": {"L": "sum(x**2)"}}}
    from_json = load_problem_text(json.dumps(data), fmt="json", name="f.json")
    assert isinstance(from_json, TensorProblem)
    assert float(from_json.graph.forward(from_json.values)["L"]) == 5.0


def test_expand_in_the_file_or_by_the_caller() -> None:
    text = """
[tensor]
output = "L"
[tensor.inputs]
x = { shape = [4, 3], draw = "normal" }
[tensor.parameters]
g = { shape = [3], values = [1, 1, 1] }
c = { shape = [3], values = [0, 0, 0] }
[tensor.nodes]
L = "sum(tanh(layer_norm(x, g, c))**2)"
"""
    whole = tensor(text)
    assert not whole.expanded and len(whole.graph) == 4
    from symbackprop.spec.problems import _parse

    expanded = tensor_problem_from_dict(_parse(text, "toml", "f.toml"), name="f.toml",
                                        expand=True)
    assert expanded.expanded
    assert [n for n in expanded.graph.order if "." in n] == ["L.mu", "L.var", "L.xhat", "L.y"]
    a = float(whole.graph.forward(whole.values)["L"])
    assert float(expanded.graph.forward(expanded.values)["L"]) == pytest.approx(a, rel=1e-13)


def test_load_problem_reads_both_levels_and_scalar_problem_narrows() -> None:
    tensor = load_problem_text(BASE, name="f.toml")
    assert isinstance(tensor, TensorProblem)
    scalar = load_problem_text('[graph]\noutput = "y"\ninputs = ["x"]\n[graph.nodes]\ny = "2*x"\n',
                               name="s.toml")
    assert not isinstance(scalar, TensorProblem)
    assert scalar_problem(scalar, "codegen") is scalar
    with pytest.raises(SpecError) as caught:
        scalar_problem(tensor, "codegen")
    message = str(caught.value)
    assert message.startswith("f.toml: a tensor problem ([tensor]); codegen reads a [network] "
                              "or [graph] problem")
    assert "derive, paths, draw, verify" in message


def test_the_scalar_reader_refuses_a_tensor_file_naming_the_commands_that_read_it() -> None:
    from symbackprop.spec.problems import _parse

    with pytest.raises(SpecError) as caught:
        problem_from_dict(_parse(BASE, "toml", "f.toml"), name="f.toml")
    assert str(caught.value) == ("f.toml: a tensor problem ([tensor]); this needs a [network] or "
                                 "[graph] problem (the commands that read a tensor problem: "
                                 "derive, paths, draw, verify, check, explore, variants)")


@pytest.mark.parametrize(("change", "fragments"), [
    (("seed = 7", "seed = -1"), ["[tensor] seed", "at least 0"]),
    (('output = "L"', 'output = "Q"'), ["the output 'Q' is not a node"]),
    (("seed = 7", "seed = 7\nexpand = 1"), ["[tensor] expand", "true or false"]),
    (("seed = 7", "seed = 7\nsteps = 1"), ["[tensor]", "unknown key 'steps'"]),
    (('X = { shape = [4, 3], draw = "normal" }', 'X = { shape = [4, 3], draw = "gauss" }'),
     ["[tensor.inputs] X draw", "unknown draw"]),
    (('X = { shape = [4, 3], draw = "normal" }', 'X = { shape = [4, 3.0], draw = "normal" }'),
     ["[tensor.inputs] X shape", "whole numbers"]),
    (('X = { shape = [4, 3], draw = "normal" }', 'X = { shape = [4, 0], draw = "normal" }'),
     ["[tensor.inputs] X shape", "at least 1"]),
    (('X = { shape = [4, 3], draw = "normal" }', 'X = { shape = [2, 2], values = [1, 2] }'),
     ["[tensor.inputs] X", "shape [2, 2]", "shape [2]"]),
    (('X = { shape = [4, 3], draw = "normal" }', 'X = { values = [[1, 2], [3]] }'),
     ["[tensor.inputs] X values", "not rectangular"]),
    (('X = { shape = [4, 3], draw = "normal" }', 'X = { values = [[1, "a"]] }'),
     ["[tensor.inputs] X values", "must be a number"]),
    (('X = { shape = [4, 3], draw = "normal" }', 'X = { shape = [4, 3], colour = 1 }'),
     ["[tensor.inputs] X", "unknown key 'colour'"]),
    (("y = { shape = [4], dtype = \"int\", draw = { integers = 3 } }",
      "y = { shape = [4], dtype = \"int\", values = [0, 1.5, 1, 1] }"),
     ["[tensor.inputs] y values", "whole numbers"]),
    (("y = { shape = [4], dtype = \"int\", draw = { integers = 3 } }",
      "y = { shape = [4], dtype = \"int\", draw = \"normal\" }"),
     ["[tensor.inputs] y draw", "integers"]),
    (("y = { shape = [4], dtype = \"int\", draw = { integers = 3 } }",
      "y = { shape = [4], dtype = \"long\", draw = { integers = 3 } }"),
     ["[tensor.inputs] y", "dtype"]),
    (("b = [0.1, 0.0, -0.1]", "b = { shape = [3], dtype = \"int\", values = [1, 2, 3] }"),
     ["[tensor.parameters] b", "float"]),
    # numbers past what the dtype holds: an error naming the entry, not an OverflowError
    (("y = { shape = [4], dtype = \"int\", draw = { integers = 3 } }",
      "y = { shape = [4], dtype = \"int\", values = [0, 1, 1, 1180591620717411303424] }"),
     ["[tensor.inputs] y values", "whole numbers from -9223372036854775808", "1180591620717"]),
    (("b = [0.1, 0.0, -0.1]", "b = [0.1, 0.0, 1" + "0" * 400 + "]"),
     ["[tensor.parameters] b", "a float64 holds", "..."]),
    (('L = "cross_entropy(X @ W + b, y)"', 'L = "cross_entropy(X @ W + b, W)"'),
     ["[tensor.nodes] L", "cross_entropy", "(4, 3) and (3, 3)"]),
    (('L = "cross_entropy(X @ W + b, y)"', 'L = "X @ W"'), ["'L' has shape (4, 3)", "scalar"]),
    (('L = "cross_entropy(X @ W + b, y)"', 'L = "sum(M)"\nM = "L * 2"'), ["cycle"]),
    (('L = "cross_entropy(X @ W + b, y)"', 'L = "sum(W)"\nW = "X"'), ["'W'", "formula"]),
])
def test_errors_name_the_file_and_the_key(change: tuple[str, str], fragments: list[str]) -> None:
    old, new = change
    assert old in BASE
    message = refused(BASE.replace(old, new), Exception)
    for fragment in fragments:
        assert fragment in message, message


def test_recurrence_errors_name_their_table() -> None:
    text = BASE + '[tensor.recurrence]\nsteps = 2\n[tensor.recurrence.nodes]\n"h" = "X"\n'
    assert "[tensor.recurrence.nodes]" in refused(text)
    text = BASE + '[tensor.recurrence]\nsteps = 2\n[tensor.recurrence.nodes]\n"h{t}" = "{t+1}"\n'
    assert "only {t} and {t-1}" in refused(text)
    text = BASE + '[tensor.recurrence]\nsteps = 0\n'
    assert "[tensor.recurrence] steps" in refused(text)
    text = BASE + '[tensor.recurrence]\nsteps = 2\n[tensor.recurrence.nodes]\n"h{t}" = "q{t-1}"\n'
    message = refused(text, FormulaError)
    assert "[tensor.recurrence.nodes] h1" in message and "undefined name 'q0'" in message


def test_a_huge_shape_is_refused_before_anything_is_allocated() -> None:
    message = refused(BASE.replace('X = { shape = [4, 3], draw = "normal" }',
                                   'X = { shape = [100000, 100000], draw = "normal" }'))
    assert "SYMBACKPROP_MAX_TENSOR_ENTRIES" in message and "[tensor.inputs] X shape" in message
    message = refused(BASE.replace('X = { shape = [4, 3], draw = "normal" }',
                                   "X = { shape = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] }"))
    assert "SYMBACKPROP_MAX_TENSOR_RANK" in message


def test_the_graphs_total_entries_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMBACKPROP_MAX_TENSOR_GRAPH_ENTRIES", "20")
    with pytest.raises(SpecError, match="SYMBACKPROP_MAX_TENSOR_GRAPH_ENTRIES"):
        load_problem_text(BASE, name="f.toml")
    assert GraphError  # (the graph's own refusals are in test_tensor_graph.py)


@pytest.mark.parametrize("values, dtype", [
    ([[Decimal("0.1"), 2, -3.5], [Decimal("1e-300"), Decimal("4.25"), 7]], "float"),
    ([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], "int"),
    ([2**70, Decimal("1.5")], "float"),
    ([[1, True]], "float"),
    ([[1, 2], [3]], "float"),
    ([[1, 2], [3, [4]]], "float"),
    ([[1, Decimal("inf")]], "float"),
    ([[1, Decimal("NaN")]], "float"),
    ([[1.0, 2]], "int"),
    ([[1.5, 2]], "int"),
    ([[]], "float"),
    ([["1", 2]], "float"),
    (Decimal("2.5"), "float"),
])
def test_values_read_at_once_are_what_entry_by_entry_reads(values, dtype, monkeypatch) -> None:
    """A matrix of plain numbers is converted by one numpy call; every other list (a bool, a
    ragged or non-finite entry, a float in an int tensor) is read entry by entry as before,
    with the same result or the same error."""
    import importlib

    module = importlib.import_module("symbackprop.spec.tensor_values")

    def read() -> tuple[str, Any]:
        table = {"values": values, "dtype": dtype}
        try:
            found = module.read_tensor(table, "f.toml: [tensor.inputs] X", None)
        except SpecError as err:
            return "error", str(err)
        assert found.values is not None
        return found.dtype, (found.shape, found.values.dtype, found.values.tolist())

    at_once = read()
    monkeypatch.setattr(module, "_whole", lambda value, kind: ((), None))
    assert at_once == read()
