"""The tensor engine against its three oracles (numeric/tensor_oracles.py).

Every bundled tensor example: every parameter equals torch autograd in float64 (relative
1e-10, absolute floor 1e-12 times the largest entry of the loss's gradients) and, at a small
shape of the same example, finite differences by Ridders' method entry by entry (the lowered
scalar engine: tests/tensor/test_tensor_lowering.py).  Random small tensor graphs drawn from
the registry's operations (Hypothesis, derandomized): the tensor gradient, the lowered scalar
engine and torch agree.  The check itself: a wrong VJP is caught by every oracle and not by the
engine's own sum over paths; a large tensor's finite differences sample entries and a
direction that catches an error the sample misses; an oracle that cannot run says why.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest
from conftest import require_module
from hypothesis import given, settings
from hypothesis import strategies as st
from tensor_cases import EXAMPLE_FILES, load_tensor, lowerable

from symbackprop.calculus.tensor_sweep import tensor_gradients
from symbackprop.errors import SpecError, SymbackpropError
from symbackprop.graph.tensor import TensorGraph, TensorNode
from symbackprop.graph.tensor_build import build_tensor_graph
from symbackprop.numeric.tensor_differences import finite_difference_gradient
from symbackprop.numeric.tensor_oracles import (
    ORACLES,
    lowered_gradients,
    tensor_gradient_check,
    tensor_values_to_check,
)
from symbackprop.rules.tensor.build import Builder

MLP = EXAMPLE_FILES["mlp"]


def close(got: np.ndarray, expected: np.ndarray, what: str, scale: float) -> None:
    assert got.shape == expected.shape, what
    floor = 1e-12 * max(float(np.max(np.abs(expected), initial=0.0)), scale)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=floor, err_msg=what)


def _scale(gradients: dict[str, np.ndarray]) -> float:
    return max(float(np.max(np.abs(g), initial=0.0)) for g in gradients.values())


# -- every example -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_every_parameter_of_every_example_equals_torch_autograd(name: str) -> None:
    require_module("torch")
    from symbackprop.numeric.tensor_torch import torch_gradients

    problem = load_tensor(EXAMPLE_FILES[name])
    expected = torch_gradients(problem.graph, problem.values)
    got = tensor_gradients(problem.graph, problem.values).gradients
    assert set(got) == set(expected) == set(problem.graph.parameters)
    for parameter in got:
        close(got[parameter], expected[parameter], f"{name}: d/d{parameter}", _scale(expected))


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_every_entry_at_a_small_shape_equals_finite_differences(name: str) -> None:
    problem = load_tensor(lowerable(EXAMPLE_FILES[name]))
    sweep = tensor_gradients(problem.graph, problem.values).gradients
    for parameter, gradient in sweep.items():
        fd = finite_difference_gradient(problem.graph, problem.values, parameter)
        assert fd.checked == "every entry" and len(fd.entries) == gradient.size
        agrees, worst = fd.compare(gradient)
        assert agrees, (name, parameter, worst)


def test_the_lowered_oracle_gathers_every_entry_back() -> None:
    problem = load_tensor(MLP)
    got = lowered_gradients(problem.graph, problem.values, ["W2", "b1"])
    expected = tensor_gradients(problem.graph, problem.values).gradients
    assert list(got) == ["W2", "b1"]
    for name, gradient in got.items():
        close(gradient, expected[name], name, _scale(expected))


# -- random graphs -------------------------------------------------------------------------------

# each step reads one or two earlier (N, H) nodes P, Q and gives an (N, H) node
STEPS = ("tanh(P)", "sigmoid(P) * Q", "P @ M", "P + b", "softmax(P, axis=0)",
         "log_softmax(P)", "P - mean(P, axis=0, keepdims=True)", "layer_norm(P, g, b)",
         "batch_norm(P, g, b)", "P / sqrt(var(P, axis=1, keepdims=True) + 1)",
         "exp(-P**2) + Q", "gelu(P) - P * Q", "softplus(P) / (1 + Q**2)",
         "P * sum(Q, axis=1, keepdims=True)", "P @ transpose(Q) @ P / 4",
         "max(P, axis=1, keepdims=True) - P", "reshape(tanh(reshape(P, shape=(-1,))), "
         "shape=({n}, {h}))")
LOSSES = ("sum(P**2) / 2", "cross_entropy(P, y)", "mean(P * T)", "max(sum(P, axis=0))")


@st.composite
def tensor_graphs(draw: st.DrawFn) -> tuple[TensorGraph, dict[str, np.ndarray]]:
    """A graph of 1 to 4 steps over X (N, D) @ W (D, H), with shared parameters M, b, g."""
    n, d, h = draw(st.integers(2, 3)), draw(st.integers(1, 3)), draw(st.integers(2, 3))
    steps = draw(st.lists(st.sampled_from(STEPS), min_size=1, max_size=4))
    formulas = {"Z0": "X @ W"}
    for i, step in enumerate(steps, start=1):
        p = draw(st.integers(0, i - 1))
        q = draw(st.integers(0, i - 1))
        formulas[f"Z{i}"] = step.format(n=n, h=h).replace("P", f"Z{p}").replace("Q", f"Z{q}")
    formulas["L"] = draw(st.sampled_from(LOSSES)).replace("P", f"Z{len(steps)}")
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    shapes = {"X": (n, d), "W": (d, h), "M": (h, h), "b": (h,), "g": (h,), "T": (n, h)}
    leaves = [TensorNode(name, "parameter" if name in "WMbg" else "input", shape)
              for name, shape in shapes.items()]
    leaves.append(TensorNode("y", "input", (n,), "int"))
    values: dict[str, np.ndarray] = {name: rng.normal(size=shape)
                                     for name, shape in shapes.items()}
    values["y"] = rng.integers(0, h, size=n)
    used = {name for text in formulas.values() for name in (*shapes, "y") if name in text}
    leaves = [leaf for leaf in leaves if leaf.name in used]
    graph = build_tensor_graph(leaves, formulas, "L")
    return graph, {k: v for k, v in values.items() if k in used}


@settings(max_examples=25, deadline=None, derandomize=True)
@given(tensor_graphs())
def test_tensor_gradients_equal_the_lowered_scalar_engine_and_torch(
        case: tuple[TensorGraph, dict[str, np.ndarray]]) -> None:
    require_module("torch")
    from symbackprop.numeric.tensor_torch import torch_gradients

    graph, values = case
    got = tensor_gradients(graph, values).gradients
    by_torch = torch_gradients(graph, values, list(got))
    lowered = lowered_gradients(graph, values, list(got))
    scale = _scale(by_torch)
    for name, gradient in got.items():
        where = f"{graph.node('L')}: d/d{name}"
        close(gradient, by_torch[name], f"{where} (torch)", scale)
        close(lowered[name], by_torch[name], f"{where} (lowered)", scale)


# -- the check -----------------------------------------------------------------------------------

def test_every_oracle_agrees_on_an_example_in_the_stated_order() -> None:
    require_module("torch")
    problem = load_tensor(MLP)
    checks = tensor_gradient_check(problem.graph, problem.values)
    assert [c.wrt for c in checks] == problem.graph.parameters
    for check in checks:
        assert check.agrees
        assert [r.oracle for r in check.results] == list(ORACLES)
        assert all(r.status == "agrees" for r in check.results)
        assert all(r.max_rel_error is not None and r.max_rel_error < 1e-9
                   for r in check.results)


def test_a_wrong_vjp_is_caught_by_every_oracle_but_not_by_the_sum_over_paths(
        monkeypatch: pytest.MonkeyPatch) -> None:
    require_module("torch")
    problem = load_tensor(MLP)
    right = TensorGraph.edge_vjp
    build = Builder()

    def wrong(self: TensorGraph, parent: str, child: str) -> Any:
        found = right(self, parent, child)
        if (parent, child) == ("H1", "Z2"):  # a factor of 1.001 on δH1 = δZ2 W2ᵀ
            return build.ew(lambda v: v * 1.001, found)
        return found

    monkeypatch.setattr(TensorGraph, "edge_vjp", wrong)
    checks = {c.wrt: c for c in tensor_gradient_check(problem.graph, problem.values)}
    for name in ("W1", "b1"):  # below H1: wrong
        assert not checks[name].agrees
        statuses = {r.oracle: r.status for r in checks[name].results}
        assert statuses == {"path sum": "agrees", "lowered": "disagrees",
                            "torch": "disagrees", "finite differences": "disagrees"}
    assert checks["W2"].agrees and checks["b2"].agrees


def test_a_large_tensor_is_sampled_and_its_direction_catches_what_the_sample_misses() -> None:
    graph = build_tensor_graph([TensorNode("x", "input", (12,)), TensorNode("w", "parameter",
                                                                           (12, 12))],
                               {"L": "sum(tanh(w @ x))"}, "L")
    rng = np.random.default_rng(3)
    values = {"x": rng.normal(size=12), "w": rng.normal(size=(12, 12)) / 4}
    gradient = tensor_gradients(graph, values).gradients["w"]
    fd = finite_difference_gradient(graph, values, "w", seed=5, gradient=gradient)
    assert fd.checked == "8 entries and a direction" and fd.direction is not None
    assert np.unravel_index(int(np.argmax(np.abs(gradient))), gradient.shape) in fd.entries
    assert fd.compare(gradient)[0]
    unsampled = next(i for i in np.ndindex(12, 12) if i not in fd.entries)
    wrong = gradient.copy()
    wrong[unsampled] += 1e-3
    agrees, worst = fd.compare(wrong)
    assert not agrees
    assert worst == pytest.approx(abs(1e-3 * fd.direction[unsampled]), rel=1e-3)


def test_an_oracle_that_cannot_run_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = load_tensor(MLP)
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch fails
    [check] = tensor_gradient_check(problem.graph, problem.values, wrt=["b2"], lowering=False)
    assert check.agrees
    assert check.result("torch").reason == (
        "torch is not installed (pip install 'symbackprop[torch]')")
    assert check.result("lowered").reason == "not asked for"
    big = load_tensor(EXAMPLE_FILES["mlp_784"])
    [check] = tensor_gradient_check(big.graph, big.values, wrt=["b2"], where="mlp_784.toml")
    assert check.result("lowered").reason.startswith(
        "refused: 287,115 scalar nodes, more than the limit of 2,000")
    assert check.result("finite differences").checked == "every entry"  # b2 has 10
    assert check.agrees


def test_the_finite_differences_verify_would_take_are_bounded_first(
        monkeypatch: pytest.MonkeyPatch) -> None:
    problem = load_tensor(MLP)
    monkeypatch.setenv("SYMBACKPROP_MAX_TENSOR_VERIFY_WORK", "1000")
    with pytest.raises(SymbackpropError, match="SYMBACKPROP_MAX_TENSOR_VERIFY_WORK"):
        tensor_gradient_check(problem.graph, problem.values)


def test_leaves_without_values_are_drawn_but_labels_are_not() -> None:
    problem = load_tensor(MLP)
    values = {k: v for k, v in problem.values.items() if k not in ("W1", "b2")}
    checked, randomised = tensor_values_to_check(problem.graph, values, seed=4)
    assert randomised == ["W1", "b2"]
    assert checked["W1"].shape == (3, 5) and np.all((checked["W1"] >= 0.1) & (checked["W1"] <= 0.9))
    assert checked["X"] is problem.values["X"]
    with pytest.raises(SpecError, match="integer tensor 'y'"):
        tensor_values_to_check(problem.graph, {"X": problem.values["X"]}, seed=4)
