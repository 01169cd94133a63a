"""TensorProblem.to_toml: a tensor problem written as a [tensor] file reads back as itself.

The formulas are printed from IR (spec/tensor_writing.py) and checked to read back as the same
IR; these tests load what was written and compare the graphs, the values (exactly, dtype
included) and the gradients, over the bundled tensor examples and formulas using every
operation and elementwise function a formula may call.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from symbackprop.calculus.tensor_sweep import tensor_gradients
from symbackprop.errors import SpecError
from symbackprop.graph.tensor import TensorNode
from symbackprop.graph.tensor_build import build_tensor_graph
from symbackprop.rules.tensor.build import Builder
from symbackprop.rules.tensor.expr import Adj, Ref
from symbackprop.rules.tensor.grammar import parse_tensor_formula
from symbackprop.spec.problems import load_problem, load_problem_text
from symbackprop.spec.tensor import TensorProblem, tensor_problem_from_dict
from symbackprop.spec.tensor_claims import TensorClaim
from symbackprop.spec.tensor_writing import _key, tensor_formula_text, tensor_problem_toml

EXAMPLES = Path(__file__).parents[2] / "examples" / "tensor"
BUNDLED = Path(__file__).parents[2] / "symbackprop" / "spec" / "examples"


def example(name: str) -> Path:
    """The file of a tensor example: bundled as tensor_NAME, or in examples/tensor/."""
    bundled = BUNDLED / f"tensor_{name}.toml"
    return bundled if bundled.exists() else EXAMPLES / f"{name}.toml"


# batchnorm.toml is expanded (Y.mu ...: refused below); mlp_784.toml writes 2 MB of numbers
WRITABLE = ["attention", "conv1d", "layernorm", "mazur", "mlp", "ninja", "rnn", "transformer"]


def assert_same_problem(again: TensorProblem, problem: TensorProblem) -> None:
    def nodes(p: TensorProblem) -> list[tuple[object, ...]]:
        return [(n.name, n.kind, n.shape, n.dtype, None if n.definition is None else
                 _key(n.definition)) for n in p.graph.nodes.values()]

    assert nodes(again) == nodes(problem)
    assert again.graph.output == problem.graph.output
    assert again.values.keys() == problem.values.keys()
    for name, value in problem.values.items():
        assert again.values[name].dtype == value.dtype, name
        assert np.array_equal(again.values[name], value), name
    assert (again.title, again.source, again.description, again.learning_rate) == (
        problem.title, problem.source, problem.description, problem.learning_rate)


@pytest.mark.parametrize("name", WRITABLE)
def test_every_example_reads_back_as_itself(name: str) -> None:
    problem = load_problem(example(name))
    assert isinstance(problem, TensorProblem)
    text = problem.to_toml()
    again = load_problem_text(text)
    assert isinstance(again, TensorProblem)
    assert_same_problem(again, problem)
    if name != "transformer":  # its gradients are the benchmark's; the graph is the same
        ours, theirs = (tensor_gradients(p.graph, p.values).gradients for p in (problem, again))
        assert ours.keys() == theirs.keys()
        assert all(np.array_equal(ours[k], theirs[k]) for k in ours)


# Each formula over X (4, 3), W (3, 5), b (5,), M (4, 5), T (2, 3, 4, 4), K (2, 3, 2, 2),
# S (2, 3, 6), F (3, 3, 2), v (3,), idx (4,) int, lab (4,) int, C (6, 3)
FORMULAS = [
    "X @ W + b", "-(X @ W) + b", "2*(X @ W)/3 - b", "(X @ W)**2", "1/(X @ W + 3)",
    "X.T @ M", "X @ W @ W.T @ X.T", "X[1] * 2 - sigmoid(X)[0]", "T[1, 2]",
    "exp(X) + log(abs(X) + 1) + sqrt(X**2 + 1) + sin(X) + cos(X) + tan(X/9)",
    "tanh(X) + sigmoid(X) + relu(X) + leaky_relu(X, 0.2) + softplus(X) + erf(X)",
    "gelu(X) + gelu_tanh(X) + elu(X) + elu(X, 0.5) + silu(X)",
    "huber(X) + huber(X, delta=0.5) + smooth_l1(X, beta=2) + maximum(X, 0) + minimum(X, v)",
    "pi*X + e**X", "X**-1 + 2**X", "-X**2",
    "sum(X) + mean(X, axis=0)[1] + max(X, axis=1, keepdims=True)[0, 0]",
    "var(X, axis=0, keepdims=True, ddof=1) * var(X)",
    "softmax(X, axis=0) + log_softmax(X)", "layer_norm(X, v, v, eps=0.001)",
    "batch_norm(X, v, 1)", "embedding(C, idx)[0] + 1",
    "concat(X, X @ W, axis=1)[0]", "reshape(X, shape=(3, 4)) @ X",
    "transpose(T, axes=(0, 2, 1, 3))", "conv2d(T, K, stride=2, padding=1)",
    "conv1d(S, F, stride=(2,))", "max_pool(T, 2) + avg_pool(T, (2, 2), stride=2)",
    "dropout(X, X, 0.25)",
]
SHAPES = {"X": (4, 3), "W": (3, 5), "b": (5,), "M": (4, 5), "T": (2, 3, 4, 4),
          "K": (2, 3, 2, 2), "S": (2, 3, 6), "F": (3, 3, 2), "v": (3,), "C": (6, 3)}
NAMES = {**{n: Ref(n, s) for n, s in SHAPES.items()}, "idx": Ref("idx", (4,), "int"),
         "lab": Ref("lab", (4,), "int")}


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_formula_of_every_operation_reads_back(formula: str) -> None:
    expr = parse_tensor_formula(formula, NAMES)
    text = tensor_formula_text(expr, NAMES)
    assert _key(parse_tensor_formula(text, NAMES)) == _key(expr)


def test_losses_and_labels_read_back() -> None:
    for formula in ("cross_entropy(X, lab)", "cross_entropy(X, softmax(X), reduction=sum)",
                    "nll(log_softmax(X), lab, reduction=sum)",
                    "cross_entropy(X, lab, reduction=none)"):
        expr = parse_tensor_formula(formula, NAMES)
        assert _key(parse_tensor_formula(tensor_formula_text(expr, NAMES), NAMES)) == _key(expr)


def test_what_a_formula_cannot_hold_is_refused_by_node() -> None:
    build = Builder()
    x = Ref("x", (3,))
    with pytest.raises(SpecError, match=r"node 'g': cannot write the operation 'sum_to'"):
        tensor_formula_text(build.op("sum_to", Ref("z", (2, 3)), shape=(3,)),
                            {"z": Ref("z", (2, 3))}, where="node 'g'")
    with pytest.raises(SpecError, match="cannot write the adjoint δx"):
        tensor_formula_text(build.ew(lambda a, d: a * d, x, Adj("x", (3,))), {"x": x})
    problem = load_problem(example("batchnorm"))
    with pytest.raises(SpecError, match=r"node 'BN\.mu'|node '\w+\.mu'"):
        problem.to_toml()


def test_values_are_written_exactly_with_their_dtype_and_origins_as_comments() -> None:
    graph = build_tensor_graph(
        [TensorNode("X", "input", (2, 2)), TensorNode("y", "target", (2,), "int"),
         TensorNode("W", "parameter", (2, 3)), TensorNode("s", "constant", ()),
         TensorNode("free", "input", (3,))],
        {"L": "cross_entropy(X @ W * s, y) + sum(free)"}, "L")
    values = {"X": np.array([[0.1 + 0.2, -1e-300], [1 / 3, 2.5e17]]), "y": np.array([2, 0]),
              "W": np.arange(6.0).reshape(2, 3) / 7, "s": np.array(0.5)}
    text = tensor_problem_toml(graph, values, title="t", learning_rate=0.1,
                               origins={"W": "model.fc.weight", "X": "x"},
                               claims=[TensorClaim("dL/dW", "gradient", "W", 1,
                                                   (Decimal("1.5"),), ())])
    data = tomllib.loads(text)
    assert data["tensor"]["inputs"]["free"] == {"shape": [3]}
    assert text.startswith("# Where the numbers come from:\n#   W  model.fc.weight\n#   X  x\n")
    again = tensor_problem_from_dict(tomllib.loads(text), name="again")
    assert again.values.keys() == values.keys() and again.claims[0].of == "dL/dW"
    for name, value in values.items():
        assert np.array_equal(again.values[name], value)
        assert again.values[name].dtype == (int if name == "y" else float)
    assert again.learning_rate == 0.1
