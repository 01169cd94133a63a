"""Tensor-level derivations against PyTorch autograd, and their structure.

Every parameter's gradient of every tensor example problem (the bundled ``tensor_*`` and the
benchmark-sized ones of examples/tensor/) equals
``torch.autograd`` on a forward pass written here independently in torch, in float64, to a
relative 1e-10 with an absolute floor of 1e-12 times the largest entry of that gradient; the
paths are the ones a textbook draws (batch norm's three, one per time step through an RNN's
shared weight, one through attention's softmax, a residual's shortcut, a tied weight's two
uses); the sum over the paths, the factored form and the one-sweep gradients agree.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Any

import numpy as np
import pytest
from conftest import require_module

from symbackprop.calculus.tensor_derivation import tensor_derive
from symbackprop.calculus.tensor_sweep import tensor_gradients
from symbackprop.errors import GraphError, NoPathError
from symbackprop.graph.tensor import TensorNode
from symbackprop.graph.tensor_build import build_tensor_graph
from symbackprop.spec.problems import bundled_examples, load_problem
from symbackprop.spec.tensor import TensorProblem

EXAMPLES = FilePath(__file__).resolve().parents[2] / "examples" / "tensor"
"""The benchmark-sized examples (the others are bundled, named tensor_*)."""
BUNDLED = FilePath(__file__).resolve().parents[2] / "symbackprop" / "spec" / "examples"


def load(name: str, **kwargs: Any) -> TensorProblem:
    local = EXAMPLES / f"{name}.toml"
    problem = load_problem(local if local.exists() else f"tensor_{name}")
    assert isinstance(problem, TensorProblem)
    return problem


def close(got: np.ndarray, expected: np.ndarray, what: str, scale: float = 0.0) -> None:
    """The acceptance tolerance: relative 1e-10, absolute floor 1e-12 x max|g|.

    ``scale``, when given, is the largest entry of every gradient of the same loss, and the
    floor is at least 1e-12 times it: a gradient that is zero in exact arithmetic (the
    ninja's b1, whose every effect batch norm removes) is rounding noise in both computations
    (1e-18 here), and a floor relative to that gradient alone would ask the noise to agree.
    """
    assert got.shape == expected.shape, what
    floor = 1e-12 * max(float(np.max(np.abs(expected), initial=0.0)), scale)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=floor, err_msg=what)


# -- the references, written in torch -----------------------------------------------------------

def _mlp(t: Any, v: dict[str, Any]) -> Any:
    F = t.nn.functional
    h1 = t.tanh(v["X"] @ v["W1"] + v["b1"])
    return F.cross_entropy(h1 @ v["W2"] + v["b2"], v["y"])


def _batchnorm(t: Any, v: dict[str, Any]) -> Any:
    F = t.nn.functional
    x = v["X"] @ v["W"]
    y = F.batch_norm(x, None, None, v["gamma"], v["beta"], training=True, eps=1e-5)
    return F.cross_entropy(t.tanh(y) @ v["W2"], v["y"])


def _rnn(t: Any, v: dict[str, Any]) -> Any:
    h = v["h0"]
    for step in range(3):
        h = t.tanh(v["X"][step] @ v["Wxh"] + h @ v["Whh"] + v["bh"])
    return t.nn.functional.cross_entropy(h @ v["Why"] + v["by"], v["y"])


def _attention(t: Any, v: dict[str, Any]) -> Any:
    q, k, w = v["X"] @ v["WQ"], v["X"] @ v["WK"], v["X"] @ v["WV"]
    a = t.softmax(q @ k.T / 2.0, dim=-1)
    return ((v["X"] + a @ w - v["T"]) ** 2).mean()


def _ninja(t: Any, v: dict[str, Any]) -> Any:
    emb = v["C"][v["Xb"]]
    hprebn = emb.view(32, -1) @ v["W1"] + v["b1"]
    bnmeani = hprebn.sum(0, keepdim=True) / 32
    bndiff = hprebn - bnmeani
    bnvar = (bndiff**2).sum(0, keepdim=True) / 31
    bnraw = bndiff * (bnvar + 1e-5) ** -0.5
    h = t.tanh(v["bngain"] * bnraw + v["bnbias"])
    logits = h @ v["W2"] + v["b2"]
    norm_logits = logits - logits.max(1, keepdim=True).values
    counts = norm_logits.exp()
    probs = counts * counts.sum(1, keepdim=True) ** -1
    return -probs.log()[range(32), v["Yb"]].mean()


def _mlp_784(t: Any, v: dict[str, Any]) -> Any:
    h1 = t.relu(v["X"] @ v["W1"] + v["b1"])
    return t.nn.functional.cross_entropy(h1 @ v["W2"] + v["b2"], v["y"])


def _transformer(t: Any, v: dict[str, Any]) -> Any:
    F = t.nn.functional
    x = v["X"]
    a = t.softmax((x @ v["WQ"]) @ (x @ v["WK"]).T / 8.0, dim=-1)
    n1 = F.layer_norm(x + a @ (x @ v["WV"]) @ v["WO"], (64,), v["g1"], v["c1"], eps=1e-5)
    f = F.gelu(n1 @ v["W1"] + v["b1"]) @ v["W2"] + v["b2"]
    n2 = F.layer_norm(n1 + f, (64,), v["g2"], v["c2"], eps=1e-5)
    return ((n2 - v["T"]) ** 2).mean()


def _mazur(t: Any, v: dict[str, Any]) -> Any:
    h1 = t.sigmoid(v["X"] @ v["W1"] + v["b1"])
    return ((t.sigmoid(h1 @ v["W2"] + v["b2"]) - v["Y"]) ** 2).sum() / 2


def _layernorm(t: Any, v: dict[str, Any]) -> Any:
    n = t.nn.functional.layer_norm(v["X"] @ v["W1"], (4,), v["gamma"], v["beta"], eps=1e-5)
    return ((n @ v["W2"] - v["T"]) ** 2).mean()


def _conv1d(t: Any, v: dict[str, Any]) -> Any:
    y = t.nn.functional.conv1d(v["x"], v["w"]) + v["b"]
    return ((t.tanh(y) - v["T"]) ** 2).mean()


REFERENCES: dict[str, Callable[[Any, dict[str, Any]], Any]] = {
    "mlp": _mlp, "batchnorm": _batchnorm, "rnn": _rnn, "attention": _attention,
    "ninja": _ninja, "mlp_784": _mlp_784, "transformer": _transformer, "mazur": _mazur,
    "layernorm": _layernorm, "conv1d": _conv1d, "assignment": _mlp,
}


def torch_gradients(problem: TensorProblem, reference: Callable[..., Any],
                    wrt: list[str]) -> tuple[float, dict[str, np.ndarray]]:
    import torch

    tensors = {}
    for name, value in problem.values.items():
        if value.dtype.kind == "i":
            tensors[name] = torch.tensor(value, dtype=torch.long)
        else:
            tensors[name] = torch.tensor(value, dtype=torch.float64, requires_grad=name in wrt)
    loss = reference(torch, tensors)
    grads = torch.autograd.grad(loss, [tensors[name] for name in wrt])
    return loss.detach().item(), {name: g.numpy() for name, g in zip(wrt, grads, strict=True)}


def test_every_example_has_a_reference() -> None:
    bundled = {name.removeprefix("tensor_") for name in bundled_examples("tensor")}
    assert bundled | {p.stem for p in EXAMPLES.glob("*.toml")} == set(REFERENCES)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_every_parameter_equals_torch_autograd(name: str) -> None:
    require_module("torch")
    problem = load(name)
    sweep = tensor_gradients(problem.graph, problem.values)
    loss, expected = torch_gradients(problem, REFERENCES[name], problem.graph.parameters)
    assert sweep.values is not None
    assert float(sweep.values[problem.graph.output]) == pytest.approx(loss, rel=1e-12)
    assert set(sweep.gradients) == set(problem.graph.parameters)
    scale = max(float(np.max(np.abs(g))) for g in expected.values())
    for parameter, gradient in sweep.gradients.items():
        close(gradient, expected[parameter], f"{name}: dL/d{parameter}", scale)


@pytest.mark.parametrize("name", ["mlp", "batchnorm", "rnn", "attention", "ninja"])
def test_the_paths_sum_to_the_factored_form_and_the_sweep(name: str) -> None:
    problem = load(name)
    sweep = tensor_gradients(problem.graph, problem.values)
    scale = max(float(np.max(np.abs(g))) for g in sweep.gradients.values())
    for parameter in problem.graph.parameters:
        d = tensor_derive(problem.graph, parameter, values=problem.values)
        assert d.terms is not None and len(d.terms) == d.path_count
        total = sum(term.value for term in d.terms)  # type: ignore[misc]
        close(np.asarray(total), sweep.gradients[parameter], f"{name}: paths of {parameter}",
              scale)
        close(d.gradient, sweep.gradients[parameter], f"{name}: adjoint of {parameter}", scale)
        for term in d.terms:
            assert term.value is not None and term.value.shape == problem.graph.node(
                parameter).shape
            assert [s.child for s in term.steps] == list(reversed(term.path.nodes[1:]))


def test_batch_norm_expanded_has_exactly_three_paths_from_its_input() -> None:
    problem = load("batchnorm")
    d = tensor_derive(problem.graph, "x", of="L", values=problem.values)
    assert d.terms is not None
    assert sorted(str(t.path) for t in d.terms) == [
        "x -> Y.mu -> Y.xhat -> Y -> H -> L",     # through the mean
        "x -> Y.var -> Y.xhat -> Y -> H -> L",    # through the variance
        "x -> Y.xhat -> Y -> H -> L",             # direct
    ]
    through_mean = next(t for t in d.terms if "Y.mu" in t.path.nodes)
    # chain-rule order, each step with its operands' shapes
    assert [(s.parent, s.child) for s in through_mean.steps] == [
        ("H", "L"), ("Y", "H"), ("Y.xhat", "Y"), ("Y.mu", "Y.xhat"), ("x", "Y.mu")]
    shapes = {(s.parent, s.child): (s.shape, [o.shape for o in s.operands])
              for s in through_mean.steps}
    assert shapes[("Y.mu", "Y.xhat")][0] == (4,)        # the mean: one per feature
    assert shapes[("x", "Y.mu")] == ((6, 4), [(6, 4)])
    # the mean's path contributes (nearly) nothing in total, but the chain is there
    whole = load("batchnorm")
    assert isinstance(whole, TensorProblem) and whole.expanded


def test_expanded_and_whole_batch_norm_give_the_same_gradients() -> None:
    text = (BUNDLED / "tensor_batchnorm.toml").read_text(encoding="utf-8")
    from symbackprop.spec.problems import load_problem_text

    expanded = load_problem_text(text, name="bn.toml")
    whole = load_problem_text(text.replace("expand = true", "expand = false"), name="bn.toml")
    assert isinstance(expanded, TensorProblem) and isinstance(whole, TensorProblem)
    assert "Y.xhat" in expanded.graph and "Y.xhat" not in whole.graph
    assert tensor_derive(whole.graph, "x", values=whole.values).path_count == 1
    a = tensor_gradients(expanded.graph, expanded.values).gradients
    b = tensor_gradients(whole.graph, whole.values).gradients
    for name in a:
        close(a[name], b[name], name)


def test_an_rnn_has_one_path_through_the_shared_weight_per_step() -> None:
    problem = load("rnn")
    d = tensor_derive(problem.graph, "Whh", values=problem.values)
    assert d.terms is not None
    assert [str(t.path) for t in d.terms] == [
        "Whh -> h1 -> h2 -> h3 -> L", "Whh -> h2 -> h3 -> L", "Whh -> h3 -> L"]
    assert d.terms[0].steps[-1].expression.shape == (5, 5)


def test_attention_has_one_path_from_the_query_weight_through_the_softmax() -> None:
    problem = load("attention")
    d = tensor_derive(problem.graph, "WQ", values=problem.values)
    assert [str(t.path) for t in d.terms or ()] == ["WQ -> Q -> S -> A -> O -> R -> L"]
    softmax_step = next(s for s in d.terms[0].steps if s.child == "A")  # type: ignore[index]
    assert "A" in softmax_step.expression.refs and "sum" in str(softmax_step.expression)


def test_a_residual_input_reaches_the_loss_directly_and_through_the_head() -> None:
    problem = load("attention")
    d = tensor_derive(problem.graph, "X", values=problem.values)
    paths = [str(t.path) for t in d.terms or ()]
    assert "X -> R -> L" in paths and len(paths) == 4  # direct, through Q, K and V
    require_module("torch")
    import torch

    x = torch.tensor(problem.values["X"], requires_grad=True)
    values = {k: torch.tensor(v) for k, v in problem.values.items() if k != "X"}
    (expected,) = torch.autograd.grad(_attention(torch, {**values, "X": x}), [x])
    close(d.gradient, expected.numpy(), "dL/dX")  # type: ignore[arg-type]


def test_a_tied_weight_has_a_path_for_each_use() -> None:
    graph = build_tensor_graph(
        [TensorNode("x", "input", (4, 3)), TensorNode("W", "parameter", (3, 2))],
        {"H": "tanh(x @ W)", "R": "H @ W.T", "L": "mean((R - x)**2)"}, "L")
    rng = np.random.default_rng(0)
    values = {"x": rng.normal(size=(4, 3)), "W": rng.normal(size=(3, 2))}
    d = tensor_derive(graph, "W", values=values)
    assert sorted(str(t.path) for t in d.terms or ()) == ["W -> H -> R -> L", "W -> R -> L"]
    require_module("torch")
    import torch

    w = torch.tensor(values["W"], requires_grad=True)
    x = torch.tensor(values["x"])
    loss = ((torch.tanh(x @ w) @ w.T - x) ** 2).mean()
    (expected,) = torch.autograd.grad(loss, [w])
    close(d.gradient, expected.numpy(), "dL/dW")  # type: ignore[arg-type]


def test_the_edges_vjps_are_the_textbooks() -> None:
    problem = load("mlp")
    graph = problem.graph
    assert str(graph.edge_vjp("W2", "Z2")) == "H1.T @ δZ2"
    assert str(graph.edge_vjp("H1", "Z2")) == "δZ2 @ W2.T"
    assert str(graph.edge_vjp("b2", "Z2")) == "sum_to(δZ2, shape=(3,))"
    assert str(graph.edge_vjp("Z1", "H1")) == "δH1*(1 - H1**2)"
    softmax_minus_onehot = str(graph.edge_vjp("Z2", "L"))
    assert "softmax(Z2" in softmax_minus_onehot and "onehot(y" in softmax_minus_onehot
    assert "/4" in softmax_minus_onehot  # the mean over the batch of 4


def test_a_derivation_without_numbers_has_the_algebra_only() -> None:
    problem = load("mlp")
    d = tensor_derive(problem.graph, "W1")
    assert d.gradient is None and d.values is None and d.terms is not None
    assert all(step.value is None for step in d.terms[0].steps)
    assert d.factored.expression.shape == (3, 5)


def test_past_the_path_limit_only_the_factored_form_is_kept() -> None:
    problem = load("rnn")
    d = tensor_derive(problem.graph, "Whh", values=problem.values, max_paths=2)
    assert d.terms is None and d.path_count == 3 and d.gradient is not None


def test_refusals() -> None:
    problem = load("mlp")
    with pytest.raises(GraphError, match="holds integers"):
        tensor_derive(problem.graph, "y")
    with pytest.raises(GraphError, match="Jacobian"):
        tensor_derive(problem.graph, "W1", of="Z2")
    apart = build_tensor_graph([TensorNode("a", "parameter", ()), TensorNode("b", "parameter", ())],
                               {"L": "a**2", "M": "b**2"}, "L")
    with pytest.raises(NoPathError, match="does not depend on"):
        tensor_derive(apart, "b")
    with pytest.raises(GraphError, match="there is no node 'W3'"):
        tensor_derive(problem.graph, "W3")
