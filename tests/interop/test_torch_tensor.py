"""from_torch at the tensor level against torch.autograd in float64.

The issue's fifteen models (each refused before the tensor level), then the rest of what the
tensor level reads (recurrences batched and batch-first and stacked, multi-head attention,
scaled dot-product attention, a CNN, embeddings, concatenation, Dropout in both modes, batch
norm in eval mode and in 2-D, every loss with each reduction, functional losses and one's own
loss function): every parameter's gradient from the problem equals autograd's (relative 1e-10,
floor 1e-12 times the largest gradient entry, tests/interop/torch_zoo.py), and so does the
problem written by to_toml() and read back.  Then the refusals: each names the module, the
operation and the route, and holds no fx node text.  Without torch these tests skip, and under
SYMBACKPROP_REQUIRE_ALL=1 (CI) they fail instead (tests/conftest.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import require_module
from torch_zoo import FX_TEXT, ISSUE_MODELS, issue_models, matches_autograd

from symbackprop.errors import SpecError
from symbackprop.interop import from_torch
from symbackprop.spec import Problem
from symbackprop.spec.tensor import TensorProblem


@pytest.fixture
def torch() -> Any:
    require_module("torch")
    import torch

    return torch


@pytest.mark.parametrize("name", ISSUE_MODELS)
def test_the_issues_models_match_autograd(torch: Any, name: str) -> None:
    model, x, y, loss = dict(issue_models(torch))[name]()
    problem = from_torch(model, x, y, loss=loss)
    matches_autograd(torch, problem, model, x, y, loss)


def test_the_issues_models_are_named_as_a_textbook_names_them(torch: Any) -> None:
    made = dict(issue_models(torch))
    model, x, y, loss = made["rnn-3-steps"]()
    problem = from_torch(model, x, y, loss=loss)
    assert problem.origins["Whh1"] == "model.rnn.weight_hh_l0"
    assert problem.origins["W1"] == "model.fc.weight" and problem.origins["X"] == "x"
    assert [n for n in problem.graph.order if n.startswith("h")] == ["h0", "h1", "h2", "h3"]
    assert problem.graph.parents("Z1") == ["W1", "b1", "h3"]  # out[-1] is the last state
    model, x, y, loss = made["tied-autoencoder"]()
    problem = from_torch(model, x, y, loss=loss)
    assert problem.graph.parameters == ["W"] and len(problem.graph.children("W")) == 2
    model, x, y, loss = made["residual"]()
    problem = from_torch(model, x, y, loss=loss)
    assert problem.graph.children("X") == ["Z1", "R1"]  # through the layer, and around it


def sequence_model(torch: Any, kind: str, *, batch_first: bool = False, layers: int = 1,
                   every_step: bool = False) -> Any:
    nn = torch.nn

    class Sequence(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = getattr(nn, kind)(2, 3, num_layers=layers, batch_first=batch_first)
            self.fc = nn.Linear(3, 2)

        def forward(self, x: Any) -> Any:
            out, _ = self.rnn(x)
            if every_step:
                return self.fc(out).sum(dim=0)
            return self.fc(out[:, -1, :] if batch_first else out[-1])

    return Sequence().double()


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("shape", ["time-first", "batch-first", "two-layers-every-step"])
def test_recurrences_unroll_over_time(torch: Any, kind: str, shape: str) -> None:
    torch.manual_seed(len(kind) + len(shape))
    model = sequence_model(torch, kind, batch_first=shape == "batch-first",
                           layers=2 if shape.startswith("two") else 1,
                           every_step=shape.endswith("every-step"))
    x = torch.randn((4, 3, 2) if shape == "batch-first" else (3, 4, 2), dtype=torch.float64)
    y = torch.randn(4, 2, dtype=torch.float64)
    problem = from_torch(model, x, y, loss=torch.nn.MSELoss())
    matches_autograd(torch, problem, model, x, y, torch.nn.MSELoss(), each=False)
    states = [n for n in problem.graph.order if n.startswith("h") and n[1:2].isdigit()]
    assert len(states) == (8 if shape.startswith("two") else 4)  # h0 .. h3 a layer


def test_multi_head_attention_and_its_weights(torch: Any) -> None:
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, batch_first: bool) -> None:
            super().__init__()
            self.attention = nn.MultiheadAttention(4, 2, batch_first=batch_first)
            self.norm, self.fc = nn.LayerNorm(4), nn.Linear(4, 1)

        def forward(self, x: Any) -> Any:
            out, weights = self.attention(x, x, x)
            return self.fc(self.norm(out + x)).squeeze(-1) + weights.sum()

    for batch_first, shape in ((False, (3, 2, 4)), (True, (2, 3, 4)), (False, (3, 4))):
        torch.manual_seed(7)
        model = Block(batch_first).double()
        x = torch.randn(*shape, dtype=torch.float64)
        y = torch.randn(*shape[:-1], dtype=torch.float64)
        problem = from_torch(model, x, y, loss=nn.MSELoss())
        matches_autograd(torch, problem, model, x, y, nn.MSELoss(), each=False)
        assert {"Wq1", "Wk1", "Wv1", "A1", "Abar1"} <= set(problem.graph.order)
        assert problem.origins["Win1"] == "model.attention.in_proj_weight"


def test_scaled_dot_product_attention_with_a_causal_mask(torch: Any) -> None:
    nn, functional = torch.nn, torch.nn.functional

    class Head(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.q, self.k, self.v = nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 4)

        def forward(self, x: Any) -> Any:
            return functional.scaled_dot_product_attention(self.q(x), self.k(x), self.v(x),
                                                           is_causal=True)

    torch.manual_seed(8)
    model, x = Head().double(), torch.randn(2, 3, 4, dtype=torch.float64)
    y = torch.randn(2, 3, 4, dtype=torch.float64)
    problem = from_torch(model, x, y, loss=nn.MSELoss())
    matches_autograd(torch, problem, model, x, y, nn.MSELoss())
    mask = problem.values["Amask1"]
    assert mask[0, 0, 1] == -1e9 and mask[0, 1, 0] == 0.0  # a later token is not attended


def other_models(torch: Any) -> dict[str, Any]:
    """More of what the tensor level reads: id -> make() giving (model, x, y, loss, masks)."""
    nn, functional = torch.nn, torch.nn.functional

    def draw(*shape: int) -> Any:
        return torch.randn(*shape, dtype=torch.float64)

    class CNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 2, 3, padding=1)
            self.pool = nn.MaxPool2d(2)
            self.conv2 = nn.Conv2d(2, 2, 2, stride=2)
            self.fc = nn.Linear(2, 3)

        def forward(self, x: Any) -> Any:
            h = self.pool(functional.relu(self.conv1(x)))
            return self.fc(torch.flatten(torch.tanh(self.conv2(h)), 1))

    class Embedded(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding, self.fc = nn.Embedding(5, 3), nn.Linear(6, 4)

        def forward(self, idx: Any) -> Any:
            e = self.embedding(idx)
            return self.fc(e.view(e.shape[0], -1))

    class Branches(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b, self.fc = nn.Linear(2, 2), nn.Linear(2, 3), nn.Linear(5, 2)

        def forward(self, x: Any) -> Any:
            both = torch.cat([functional.elu(self.a(x)), functional.silu(self.b(x))], dim=1)
            return self.fc(both) * 0.5 - x.mean()

    class Dropped(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.drop, self.b = nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 2)

        def forward(self, x: Any) -> Any:
            return self.b(self.drop(torch.relu(self.a(x))))

    def eval_mode(model: Any) -> Any:
        model.train()
        model(draw(5, *next(model.parameters()).shape[1:]))  # running statistics
        return model.eval()

    mlp = lambda: nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 2)).double()  # noqa: E731
    made: dict[str, Any] = {
        "cnn-cross-entropy": lambda: (CNN().double(), draw(2, 1, 4, 4), torch.tensor([0, 2]),
                                      nn.CrossEntropyLoss(), None),
        "embedding-cross-entropy-sum": lambda: (
            Embedded().double(), torch.tensor([[0, 4], [2, 2], [3, 1]]),
            torch.tensor([3, 0, 1]), nn.CrossEntropyLoss(reduction="sum"), None),
        "concat-probabilities": lambda: (Branches().double(), draw(3, 2),
                                         torch.softmax(draw(3, 2), 1), nn.CrossEntropyLoss(),
                                         None),
        "dropout-eval": lambda: (Dropped().double().eval(), draw(3, 3), draw(3, 2),
                                 nn.MSELoss(), None),
        "dropout-mask": lambda: (Dropped().double(), draw(3, 3), draw(3, 2), nn.MSELoss(),
                                 {"drop": (torch.rand(3, 4) > 0.5).double()}),
        "batchnorm-eval": lambda: (eval_mode(nn.Sequential(
            nn.Linear(2, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 2)).double()),
            draw(3, 2), draw(3, 2), nn.MSELoss(), None),
        "batchnorm2d": lambda: (nn.Sequential(
            nn.Conv2d(1, 2, 2), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 1)).double(),
            draw(3, 1, 3, 3), draw(3, 1), nn.MSELoss(), None),
        "F.mse_loss": lambda: (mlp(), draw(4, 3), draw(4, 2), functional.mse_loss, None),
        "own-loss-function": lambda: (mlp(), draw(4, 3), draw(4, 2),
                                      lambda out, t: ((out - t) ** 2).sum() / 2, None),
        "label-smoothing": lambda: (mlp(), draw(4, 3), torch.tensor([0, 1, 1, 0]),
                                    nn.CrossEntropyLoss(label_smoothing=0.1), None),
    }
    for reduction in ("mean", "sum"):
        made[f"nll-{reduction}"] = lambda r=reduction: (
            nn.Sequential(mlp(), nn.LogSoftmax(dim=1)), draw(4, 3), torch.tensor([0, 1, 1, 0]),
            nn.NLLLoss(reduction=r), None)
        made[f"bce-{reduction}"] = lambda r=reduction: (
            nn.Sequential(mlp(), nn.Sigmoid()), draw(4, 3),
            torch.rand(4, 2, dtype=torch.float64), nn.BCELoss(reduction=r), None)
        made[f"bce-logits-{reduction}"] = lambda r=reduction: (
            mlp(), draw(4, 3), torch.rand(4, 2, dtype=torch.float64),
            nn.BCEWithLogitsLoss(reduction=r, pos_weight=torch.tensor(
                [2.0, 0.5], dtype=torch.float64)), None)
        made[f"cross-entropy-{reduction}"] = lambda r=reduction: (
            mlp(), draw(4, 3), torch.tensor([1, 0, 1, 1]), nn.CrossEntropyLoss(reduction=r),
            None)
        for loss in ("MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss"):
            made[f"{loss}-{reduction}"] = lambda r=reduction, name=loss: (
                mlp(), draw(4, 3), 2 * draw(4, 2), getattr(nn, name)(reduction=r), None)
    return made


OTHER_MODELS = [
    "cnn-cross-entropy", "embedding-cross-entropy-sum", "concat-probabilities", "dropout-eval",
    "dropout-mask", "batchnorm-eval", "batchnorm2d", "F.mse_loss", "own-loss-function",
    "label-smoothing",
    *(f"{loss}-{r}" for r in ("mean", "sum") for loss in (
        "nll", "bce", "bce-logits", "cross-entropy", "MSELoss", "L1Loss", "HuberLoss",
        "SmoothL1Loss")),
]


@pytest.mark.parametrize("name", OTHER_MODELS)
def test_what_the_tensor_level_reads_matches_autograd(torch: Any, name: str) -> None:
    torch.manual_seed(sum(map(ord, name)))
    model, x, y, loss, masks = other_models(torch)[name]()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    problem = from_torch(model, x, y, loss=loss, masks=masks)
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())  # unchanged
    matches_autograd(torch, problem, model, x, y, loss, masks=masks, each=False)


def test_the_level_is_chosen_as_documented(torch: Any) -> None:
    nn = torch.nn
    torch.manual_seed(0)
    chain = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1)).double()
    x, y = torch.randn(2, dtype=torch.float64), torch.randn(1, dtype=torch.float64)
    assert isinstance(from_torch(chain, x, y, loss=nn.MSELoss()), Problem)
    tensor = from_torch(chain, x, y, loss=nn.MSELoss(), level="tensor")
    assert isinstance(tensor, TensorProblem) and tensor.graph.parameters == [
        "W1", "W2", "b1", "b2"]
    matches_autograd(torch, tensor, chain, x, y, nn.MSELoss())
    batch = torch.randn(3, 2, dtype=torch.float64)
    assert isinstance(from_torch(chain, batch, torch.randn(3, 1, dtype=torch.float64),
                                 loss=nn.MSELoss()), TensorProblem)
    with pytest.raises(SpecError, match="batch of 3 samples"):
        from_torch(chain, batch, batch, loss=nn.MSELoss(), level="scalar")
    with pytest.raises(ValueError, match="'matrix' is not a level"):
        from_torch(chain, x, y, loss=nn.MSELoss(), level="matrix")


def test_a_float32_model_is_read_as_stored_and_checked_loosely(torch: Any) -> None:
    nn = torch.nn
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 2))
    x, y = torch.randn(4, 3), torch.randn(4, 2)
    problem = from_torch(model, x, y, loss=nn.MSELoss())
    assert np.array_equal(problem.values["W1"], model[0].weight.detach().double().numpy())
    assert problem.values["W1"].dtype == np.float64


def test_the_problem_file_names_where_each_tensor_comes_from(torch: Any) -> None:
    model, x, y, loss = dict(issue_models(torch))["batchnorm-training"]()
    text = from_torch(model, x, y, loss=loss).to_toml()
    assert "#   gamma1  model[1].weight" in text
    assert 'N1 = "batch_norm(Z1, gamma1, beta1)"' in text
    assert 'L = "mean((Z2 - y)**2)"' in text


# -- refusals ---------------------------------------------------------------------------------

def refusal(torch: Any, case: str) -> tuple[Any, tuple[str, ...]]:
    """A model from_torch refuses, and what its message must name (module, operation)."""
    nn = torch.nn

    class Branching(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x: Any) -> Any:
            h = self.lin(x)
            if h.sum() > 0:
                return h
            return -h

    class InPlace(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x: Any) -> Any:
            h = self.lin(x)
            g = h * 2
            h.add_(1)
            return g + h

    class Doubled(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x * 2

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            return grad * 2

    class Custom(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x: Any) -> Any:
            return Doubled.apply(self.lin(x))

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.act = nn.Hardswish()

        def forward(self, x: Any) -> Any:
            return self.act(x)

    class Unsupported(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.block, self.fc = Block(), nn.Linear(2, 2)

        def forward(self, x: Any) -> Any:
            return self.fc(self.block(x))

    class Cumulative(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x: Any) -> Any:
            return torch.cumsum(self.fc(x), dim=1)

    cases = {
        "data-dependent control flow": (Branching(), ("model (Branching)", "if h.sum() > 0",
                                                      "control flow")),
        "in-place operation": (InPlace(), ("model (InPlace)", "h.add_(1)", ".add_()")),
        "custom autograd.Function": (Custom(), ("model (Custom)", "Doubled.apply",
                                                "autograd.Function Doubled")),
        "unsupported module": (Unsupported(), ("model.block.act", "Hardswish")),
        "unsupported function": (Cumulative(), ("model (Cumulative)", "torch.cumsum")),
    }
    return cases[case]


@pytest.mark.parametrize("case", ["data-dependent control flow", "in-place operation",
                                  "custom autograd.Function", "unsupported module",
                                  "unsupported function"])
def test_each_refusal_names_the_module_the_operation_and_the_route(torch: Any,
                                                                   case: str) -> None:
    model, named = refusal(torch, case)
    x, y = torch.randn(3, 2, dtype=torch.float64), torch.randn(3, 2, dtype=torch.float64)
    with pytest.raises(SpecError) as refused:
        from_torch(model.double(), x, y, loss=torch.nn.MSELoss())
    message = str(refused.value)
    for part in named:
        assert part in message, (part, message)
    assert "as a tensor formula" in message and "[tensor.nodes]" in message  # the route
    assert not any(text in message for text in FX_TEXT), message
    assert isinstance(refused.value, ValueError)


def test_dropout_in_training_mode_needs_its_mask(torch: Any) -> None:
    nn = torch.nn
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5)).double()
    x = torch.randn(3, 2, dtype=torch.float64)
    with pytest.raises(SpecError, match=r"model\[1\] \(Dropout\) drops at random") as refused:
        from_torch(model, x, x, loss=nn.MSELoss())
    assert "masks=" in str(refused.value) and "model.eval()" in str(refused.value)
    with pytest.raises(SpecError, match=r"mask of shape \(2, 2\)"):
        from_torch(model, x, x, loss=nn.MSELoss(), masks={"1": torch.ones(2, 2)})


def test_an_in_place_step_on_a_value_nothing_else_reads_is_read(torch: Any) -> None:
    nn = torch.nn
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(inplace=True), nn.Linear(3, 1)).double()
    x, y = torch.randn(3, 2, dtype=torch.float64), torch.randn(3, 1, dtype=torch.float64)
    matches_autograd(torch, from_torch(model, x, y, loss=nn.MSELoss()), model, x, y,
                     nn.MSELoss())
