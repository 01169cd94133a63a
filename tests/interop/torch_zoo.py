"""PyTorch models for the tensor-level from_torch tests, and the comparison with autograd.

The models are built in float64 as a course would build them.  ``matches_autograd`` runs
``tensor_derive`` (the tensor level's ``derive``) for every parameter of the problem and
compares it with ``torch.autograd`` by the tensor-level issue's tolerance: relative 1e-10 with
an absolute floor of 1e-12 times the largest gradient entry.  The floor's scale is the largest
entry of every parameter's gradient together, not of each alone: a gradient that is zero in
exact arithmetic (a bias before batch norm) is round-off on both sides, about 1e-17, which no
floor relative to itself can hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from symbackprop.calculus.tensor_derivation import tensor_derive
from symbackprop.calculus.tensor_sweep import tensor_gradients
from symbackprop.spec.problems import load_problem_text
from symbackprop.spec.tensor import TensorProblem

RELATIVE, FLOOR = 1e-10, 1e-12
# fx's own text for a node (``%add : [num_users=1] = call_function[...]``) that no message of
# from_torch may hold
FX_TEXT = ("%", "call_function", "call_module", "call_method", "get_attr", "placeholder",
           "num_users")


def tensor_of(model: Any, origin: str) -> Any:
    """The tensor an origin names (``model.blocks[0].fc.weight``)."""
    path = origin.removeprefix("model").replace("[", ".").replace("]", "").strip(".")
    module_path, _, attribute = path.rpartition(".")
    owner = model.get_submodule(module_path) if module_path else model
    return getattr(owner, attribute)


def autograd(torch: Any, model: Any, x: Any, y: Any, loss: Any,
             masks: Mapping[str, Any] | None = None) -> float:
    """Run ``loss(model(x), y).backward()`` (each given Dropout mask applied); the loss."""
    handles = []
    for name, mask in (masks or {}).items():
        module = model.get_submodule(name)
        handles.append(module.register_forward_hook(
            lambda m, args, out, mask=mask: args[0] * mask / (1 - m.p)))
    model.zero_grad()
    inputs = x if isinstance(x, tuple) else (x,)
    value = loss(model(*inputs), y)
    value.backward()
    for handle in handles:
        handle.remove()
    return float(value.item())


def close(got: np.ndarray, want: np.ndarray, scale: float) -> bool:
    return bool(np.all(np.abs(got - want) <= RELATIVE * np.abs(want) + FLOOR * scale))


def matches_autograd(torch: Any, problem: Any, model: Any, x: Any, y: Any, loss: Any, *,
                     masks: Mapping[str, Any] | None = None, each: bool = True) -> None:
    """Every parameter's gradient from the problem equals autograd's; so does the loss, and
    the problem written by to_toml() and read back gives the same gradients.  ``each``: one
    ``tensor_derive`` a parameter (else every gradient from one sweep)."""
    assert isinstance(problem, TensorProblem), type(problem)
    expected = autograd(torch, model, x, y, loss, masks)
    values = problem.graph.forward(problem.values)
    assert float(values["L"]) == _approx(expected)
    parameters = problem.graph.parameters
    tensors = {name: tensor_of(model, problem.origins[name]) for name in parameters}
    assert {id(t) for t in tensors.values()} == {id(p) for p in model.parameters()
                                                if p.requires_grad}
    wanted = {name: t.grad.detach().numpy() if t.grad is not None else np.zeros(t.shape)
              for name, t in tensors.items()}
    scale = max(float(np.max(np.abs(g))) for g in wanted.values())
    swept = tensor_gradients(problem.graph, problem.values).gradients
    for name in parameters:
        assert np.array_equal(problem.values[name], tensors[name].detach().numpy())
        got = tensor_derive(problem.graph, name, values=problem.values).gradient if each \
            else swept[name]
        assert got is not None and close(got, wanted[name], scale), (name, got, wanted[name])
    again = load_problem_text(problem.to_toml())
    assert isinstance(again, TensorProblem)
    for name, gradient in tensor_gradients(again.graph, again.values).gradients.items():
        assert close(gradient, wanted[name], scale), name


def _approx(expected: float) -> Any:
    import pytest

    return pytest.approx(expected, rel=1e-12, abs=1e-300)


def issue_models(torch: Any) -> Iterator[tuple[str, Callable[[], tuple[Any, ...]]]]:
    """The fifteen models of the issue, each ``(id, make)``; ``make()`` gives ``(model, x, y,
    loss)``, seeded."""
    nn = torch.nn

    def draw(*shape: int) -> Any:
        return torch.randn(*shape, dtype=torch.float64)

    class RNNReadout(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn, self.fc = nn.RNN(2, 2), nn.Linear(2, 1)

        def forward(self, x: Any) -> Any:
            out, _ = self.rnn(x)
            return self.fc(out[-1])

    class LSTMReadout(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm, self.fc = nn.LSTM(1, 1), nn.Linear(1, 1)

        def forward(self, x: Any) -> Any:
            out, (_h, _c) = self.lstm(x)
            return self.fc(out[-1])

    class Attention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attention = nn.MultiheadAttention(2, 1)

        def forward(self, x: Any) -> Any:
            out, _ = self.attention(x, x, x)
            return out

    class Residual(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x: Any) -> Any:
            return x + torch.relu(self.lin(x))

    class TiedAutoencoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.W = nn.Parameter(torch.randn(2, 3, dtype=torch.float64))

        def forward(self, x: Any) -> Any:
            return torch.sigmoid(x @ self.W.t()) @ self.W

    def two_two_two(activation: Any) -> Any:
        return nn.Sequential(nn.Linear(2, 2), activation, nn.Linear(2, 2)).double()

    def make(build: Callable[[], tuple[Any, ...]], seed: int) -> Callable[[], tuple[Any, ...]]:
        def made() -> tuple[Any, ...]:
            torch.manual_seed(seed)
            return build()
        return made

    yield "rnn-3-steps", make(lambda: (RNNReadout().double(), draw(3, 2), draw(1),
                                       nn.MSELoss()), 1)
    yield "lstm-2-steps", make(lambda: (LSTMReadout().double(), draw(2, 1), draw(1),
                                        nn.MSELoss()), 2)
    yield "conv1d-flatten-linear", make(lambda: (
        nn.Sequential(nn.Conv1d(1, 1, 2), nn.Flatten(), nn.Linear(3, 1)).double(),
        draw(3, 1, 4), draw(3, 1), nn.MSELoss()), 3)
    yield "batchnorm-training", make(lambda: (
        nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Sigmoid(),
                      nn.Linear(3, 1)).double(), draw(3, 2), draw(3, 1), nn.MSELoss()), 4)
    yield "layernorm", make(lambda: (
        nn.Sequential(nn.Linear(2, 3), nn.LayerNorm(3), nn.Linear(3, 1)).double(),
        draw(3, 2), draw(3, 1), nn.MSELoss()), 5)
    yield "attention-2-tokens", make(lambda: (Attention().double(), draw(2, 2), draw(2, 2),
                                              nn.MSELoss()), 6)
    for seed, (name, activation) in enumerate((
            ("elu", lambda: nn.ELU()), ("gelu", lambda: nn.GELU()),
            ("gelu-tanh", lambda: nn.GELU(approximate="tanh")), ("silu", lambda: nn.SiLU())),
            7):
        yield f"2-2-2-{name}", make(lambda a=activation: (two_two_two(a()), draw(2), draw(2),
                                                          nn.MSELoss()), seed)
    yield "huber", make(lambda: (two_two_two(nn.Tanh()), draw(3, 2), 2 * draw(3, 2),
                                 nn.HuberLoss(delta=0.5)), 11)
    yield "smooth-l1", make(lambda: (two_two_two(nn.Tanh()), draw(3, 2), 2 * draw(3, 2),
                                     nn.SmoothL1Loss(beta=0.5)), 12)
    yield "mlp-mini-batch-mse", make(lambda: (
        nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2)).double(), draw(3, 2),
        draw(3, 2), nn.MSELoss()), 13)
    yield "residual", make(lambda: (Residual().double(), draw(3, 2), draw(3, 2),
                                    nn.MSELoss()), 14)
    def autoencoder() -> tuple[Any, ...]:
        x = draw(3, 3)
        return TiedAutoencoder(), x, x.clone(), nn.MSELoss()

    yield "tied-autoencoder", make(autoencoder, 15)


ISSUE_MODELS = ("rnn-3-steps", "lstm-2-steps", "conv1d-flatten-linear", "batchnorm-training",
                "layernorm", "attention-2-tokens", "2-2-2-elu", "2-2-2-gelu", "2-2-2-gelu-tanh",
                "2-2-2-silu", "huber", "smooth-l1", "mlp-mini-batch-mse", "residual",
                "tied-autoencoder")
