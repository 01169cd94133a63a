"""The tensor level in torch (numeric/tensor_torch.py): every operation the VJPs build (the
backward-only ones too) computes in torch what it computes in numpy, and torch autograd
through a graph's forward pass is the torch oracle.  (Each forward operation and elementwise
function against torch's autograd: tests/tensor/test_tensor_ops.py, through the same table.)
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require_module

from symbackprop.errors import GraphError
from symbackprop.graph.tensor import TensorNode
from symbackprop.graph.tensor_build import build_tensor_graph
from symbackprop.rules.tensor.evaluate import evaluate
from symbackprop.rules.tensor.expr import Adj, Op, Ref, walk
from symbackprop.rules.tensor.grammar import parse_tensor_formula
from symbackprop.rules.tensor.registry import OPS
from symbackprop.rules.tensor.vjp import vjp

# formula, its tensors' shapes (an "i" name holds integers below 3)
FORMULAS = {
    "v @ W": {"v": (3,), "W": (3, 4)},
    "W @ v2": {"W": (3, 4), "v2": (4,)},
    "concat(A, B, axis=0)": {"A": (2, 3), "B": (1, 3)},
    "A[1]": {"A": (2, 3)},
    "A + b": {"A": (2, 3), "b": (3,)},
    "A * c": {"A": (2, 3), "c": (2, 1)},
    "sum(A, axis=1)": {"A": (2, 3)},
    "max(A, axis=1)": {"A": (2, 3)},
    "cross_entropy(A, i)": {"A": (2, 3), "i": (2,)},
    "nll(log_softmax(A), i)": {"A": (2, 3), "i": (2,)},
    "embedding(E, i2)": {"E": (4, 2), "i2": (2, 3)},
    "conv1d(x, w, stride=2, padding=1)": {"x": (2, 2, 7), "w": (3, 2, 3)},
    "conv2d(x4, w4)": {"x4": (1, 2, 4, 5), "w4": (2, 2, 2, 3)},
    "max_pool(x4, 2)": {"x4": (1, 2, 4, 5)},
    "avg_pool(x, 3, stride=2)": {"x": (2, 2, 7)},
    "relu(A) + abs(A)": {"A": (2, 3)},
    "layer_norm(A, b, b)": {"A": (2, 3), "b": (3,)},
}


def _arguments(shapes: dict[str, tuple[int, ...]],
               rng: np.random.Generator) -> tuple[dict[str, Ref], dict[str, np.ndarray]]:
    refs, values = {}, {}
    for name, shape in shapes.items():
        if name.startswith("i"):
            refs[name] = Ref(name, shape, "int")
            values[name] = rng.integers(0, 3, size=shape)
        else:
            refs[name] = Ref(name, shape)
            values[name] = rng.normal(size=shape)
    return refs, values


@pytest.mark.parametrize("formula", sorted(FORMULAS))
def test_every_vjp_computes_in_torch_what_it_computes_in_numpy(formula: str) -> None:
    require_module("torch")
    import torch

    from symbackprop.numeric.tensor_torch import torch_evaluate

    rng = np.random.default_rng(sorted(FORMULAS).index(formula))
    refs, values = _arguments(FORMULAS[formula], rng)
    expr = parse_tensor_formula(formula, refs)
    forward = evaluate(expr, values)
    tensors = {n: torch.tensor(v) for n, v in values.items()}
    np.testing.assert_allclose(torch_evaluate(expr, tensors).numpy(), forward, rtol=1e-12,
                               atol=1e-13)
    g = rng.normal(size=expr.shape)
    for name, ref in refs.items():
        if ref.dtype == "int":
            continue
        built = vjp(expr, name, Adj("Y", expr.shape), out=Ref("Y", expr.shape))
        assert built is not None
        expected = evaluate(built, {**values, "Y": forward}, {"Y": g})
        got = torch_evaluate(built, {**tensors, "Y": torch.tensor(forward)},
                             {"Y": torch.tensor(g)})
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-13,
                                   err_msg=f"d({formula})/d{name} = {built}")


def test_the_formulas_reach_every_backward_only_operation() -> None:
    rng = np.random.default_rng(0)
    built = set()
    for formula, shapes in FORMULAS.items():
        refs, _ = _arguments(shapes, rng)
        expr = parse_tensor_formula(formula, refs)
        for name, ref in refs.items():
            if ref.dtype != "int":
                found = vjp(expr, name, Adj("Y", expr.shape), out=Ref("Y", expr.shape))
                assert found is not None
                built |= {e.name for e in walk(found) if isinstance(e, Op)}
    assert {name for name, spec in OPS.items() if spec.backward_only} <= built


def test_torch_autograd_differentiates_with_respect_to_leaves() -> None:
    require_module("torch")
    from symbackprop.numeric.tensor_torch import torch_gradients

    graph = build_tensor_graph([TensorNode("w", "parameter", (2,))],
                               {"h": "exp(w)", "L": "sum(h)"}, "L")
    values = {"w": np.array([0.0, 1.0])}
    assert np.allclose(torch_gradients(graph, values)["w"], np.exp([0.0, 1.0]), rtol=1e-15)
    with pytest.raises(GraphError, match="'h' is not one"):
        torch_gradients(graph, values, ["h"])
