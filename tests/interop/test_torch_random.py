"""Random PyTorch models read at the tensor level, against torch.autograd.

A Hypothesis strategy draws a plan: a stem ``Linear`` to a width ``d``, then up to four steps
among a ``Linear`` (with or without bias), one used again (a shared weight), its weight used
untransposed (a tied weight), an activation as a module or as a function, layer norm, batch
norm (training mode; each over 3 entries, not 2, whose gradient is round-off alone), a
residual ``h + act(lin(h))``, a concatenation of two branches merged
by a ``Linear``, and arithmetic with a constant or a mean; then a head and a loss (MSE, Huber,
SmoothL1, L1, cross-entropy with class indices, BCE with logits) with ``mean`` or ``sum``
reduction, on a mini-batch.  The model is built in float64 from a seed, traced by
``torch.fx`` (its forward loops over the plan, which is Python data), and every parameter's
gradient from the problem must equal autograd's within relative 1e-10 (floor 1e-12 times the
largest gradient entry; tests/interop/torch_zoo.py), before and after ``to_toml()``.

The normal run tries 100 models; ``python -m pytest -m slow`` tries 1000.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from conftest import require_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch_zoo import matches_autograd

from symbackprop.interop import from_torch

ACTIVATIONS = ("tanh", "sigmoid", "relu", "elu", "gelu", "gelu_tanh", "silu", "softplus",
               "leaky_relu")
LOSSES = ("MSELoss", "HuberLoss", "SmoothL1Loss", "L1Loss", "CrossEntropyLoss",
          "BCEWithLogitsLoss")


@dataclass(frozen=True)
class Plan:
    """What to build: the input width, the hidden width, the batch, the steps, the loss."""

    inputs: int
    width: int
    batch: int
    outputs: int
    steps: tuple[tuple[Any, ...], ...]
    loss: str
    reduction: str
    seed: int


@st.composite
def plans(draw: Any) -> Plan:
    linears = 0  # Linear(d, d) layers made so far (the stem is number 0)
    steps: list[tuple[Any, ...]] = []
    width, batch = draw(st.integers(2, 3)), draw(st.integers(2, 3))
    # a norm over 2 entries maps every input to -1 and 1 (up to eps): its gradient is eps's
    # effect alone, a difference of O(1) terms that round-off dominates in any float64 code
    norms = [name for name, size in (("layer", width), ("batch", batch)) if size > 2]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("linear", "reuse", "tied", "act", "act_module", "norm",
                                     "residual", "concat", "arithmetic")))
        if kind == "linear":
            steps.append(("linear", draw(st.booleans())))
            linears += 1
        elif kind in ("reuse", "tied"):
            steps.append((kind, draw(st.integers(0, linears))))
        elif kind in ("act", "act_module", "arithmetic"):
            steps.append((kind, draw(st.sampled_from(
                ACTIVATIONS if kind != "arithmetic" else ("scale", "center", "square")))))
        elif kind == "norm":
            if norms:
                steps.append(("norm", draw(st.sampled_from(norms))))
        elif kind == "residual":
            steps.append(("residual", draw(st.integers(0, linears)),
                          draw(st.sampled_from(ACTIVATIONS))))
        else:
            steps.append(("concat", draw(st.integers(0, linears)), draw(st.sampled_from(
                ACTIVATIONS))))
    return Plan(inputs=draw(st.integers(1, 3)), width=width, batch=batch,
                outputs=draw(st.integers(1, 3)),
                steps=tuple(steps), loss=draw(st.sampled_from(LOSSES)),
                reduction=draw(st.sampled_from(("mean", "sum"))),
                seed=draw(st.integers(0, 2**16)))


def activation(torch: Any, name: str, h: Any) -> Any:
    functional = torch.nn.functional
    if name == "gelu_tanh":
        return functional.gelu(h, approximate="tanh")
    if name in ("tanh", "sigmoid", "relu"):
        return getattr(torch, name)(h)
    return getattr(functional, name)(h)


def module_of(torch: Any, name: str) -> Any:
    nn = torch.nn
    return {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "relu": nn.ReLU, "elu": nn.ELU,
            "gelu": nn.GELU, "gelu_tanh": lambda: nn.GELU(approximate="tanh"),
            "silu": nn.SiLU, "softplus": nn.Softplus, "leaky_relu": nn.LeakyReLU}[name]()


def build(torch: Any, plan: Plan) -> tuple[Any, Any, Any, Any]:
    """The model, its input, its target and its loss, drawn from ``plan.seed``."""
    nn = torch.nn
    d = plan.width
    torch.manual_seed(plan.seed)

    class Random(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem, self.head = nn.Linear(plan.inputs, d), nn.Linear(d, plan.outputs)
            self.blocks = nn.ModuleList()  # every module of the steps, in order of first use
            self.uses: list[tuple[Any, ...]] = []  # a step: (kind, block, block, extra)
            squares = [0] if plan.inputs == d else []  # the Linear(d, d) layers (-1: stem)

            def add(module: Any) -> int:
                self.blocks.append(module)
                return len(self.blocks) - 1

            def square(i: int, bias: bool = True) -> int:  # the i-th Linear(d, d) so far,
                if not squares:                                # or a new one
                    squares.append(add(nn.Linear(d, d, bias=bias)) + 1)
                return squares[min(i, len(squares) - 1)] - 1

            for kind, *rest in plan.steps:
                if kind == "linear":
                    squares.append(add(nn.Linear(d, d, bias=rest[0])) + 1)
                    self.uses.append((kind, squares[-1] - 1, None, None))
                elif kind in ("reuse", "tied"):  # tied: a new layer's bias would be unused
                    self.uses.append((kind, square(rest[0], kind == "reuse"), None, None))
                elif kind == "residual":
                    self.uses.append((kind, square(rest[0]), None, rest[1]))
                elif kind == "concat":
                    layer = square(rest[0])
                    self.uses.append((kind, layer, add(nn.Linear(2 * d, d)), rest[1]))
                elif kind == "act_module":
                    self.uses.append((kind, add(module_of(torch, rest[0])), None, None))
                elif kind == "norm":
                    self.uses.append((kind, add(nn.LayerNorm(d) if rest[0] == "layer"
                                                else nn.BatchNorm1d(d)), None, None))
                else:
                    self.uses.append((kind, None, None, rest[0]))

        def block(self, i: int) -> Any:
            return self.stem if i == -1 else self.blocks[i]

        def forward(self, x: Any) -> Any:
            h = self.stem(x)
            for kind, first, second, extra in self.uses:
                if kind in ("linear", "reuse", "act_module", "norm"):
                    h = self.block(first)(h)
                elif kind == "tied":
                    h = h @ self.block(first).weight
                elif kind == "residual":
                    h = h + activation(torch, extra, self.block(first)(h))
                elif kind == "concat":
                    both = torch.cat([self.block(first)(h), activation(torch, extra, h)], dim=1)
                    h = self.block(second)(both)
                elif kind == "act":
                    h = activation(torch, extra, h)
                elif extra == "scale":
                    h = 0.5 * h - 1.0
                elif extra == "center":
                    h = h - h.mean()
                else:
                    h = h * h
            return self.head(h)

    model = Random().double()
    x = torch.randn(plan.batch, plan.inputs, dtype=torch.float64)
    if plan.loss == "CrossEntropyLoss":
        y = torch.randint(0, plan.outputs, (plan.batch,))
    elif plan.loss == "BCEWithLogitsLoss":
        y = torch.rand(plan.batch, plan.outputs, dtype=torch.float64)
    else:
        y = 2 * torch.randn(plan.batch, plan.outputs, dtype=torch.float64)
    loss = getattr(nn, plan.loss)(reduction=plan.reduction)
    return model, x, y, loss


def check(plan: Plan) -> None:
    require_module("torch")
    import torch

    model, x, y, loss = build(torch, plan)
    problem = from_torch(model, x, y, loss=loss, level="tensor")
    matches_autograd(torch, problem, model, x, y, loss, each=False)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_random_models_match_autograd(plan: Plan) -> None:
    check(plan)


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_random_models_match_autograd_thousand(plan: Plan) -> None:
    check(plan)
