"""PyTorch models read at the tensor level, in process: the cost of ``from_torch`` (trace, run
once, read every step into a formula, hold every node to torch's value) and of every
parameter's gradient from the problem, beside ``torch.autograd`` on the same model.

    python benchmarks/from_torch.py [--rounds N] [--quick]

The cases, in float64 (``--quick``: the same models, small):

- a CNN on MNIST-sized images: ``Conv2d(1, 8, 3, padding=1)``, ReLU, ``MaxPool2d(2)``,
  ``Conv2d(8, 16, 3, stride=2)``, ReLU, ``Flatten``, ``Linear(576, 10)``, cross-entropy, a
  batch of 16 images of 28 x 28;
- an LSTM over 12 time steps, batch 16, 8 features to a hidden state of 32, its last state
  read out by a ``Linear``, MSE;
- a transformer block: 4-head self-attention, residual and layer norm, a GELU feed-forward
  network (4 d), residual and layer norm, d = 64, 16 tokens, a batch of 4, MSE.

Each row: the seconds of ``from_torch``, of ``tensor_gradients`` on its problem (every
parameter, one sweep), and of autograd's ``backward`` (forward included), medians of the
rounds after a first one (``--quick``: of the rounds); the gradients are checked against
autograd's (relative 1e-9).  torch runs on one thread, as numpy does here.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any


def cases(torch: Any, quick: bool) -> dict[str, Callable[[], tuple[Any, Any, Any, Any]]]:
    """Each case: a function giving (model, x, y, loss), seeded."""
    nn = torch.nn
    images, side, steps, hidden, d, tokens = (2, 8, 3, 4, 8, 4) if quick else (
        16, 28, 12, 32, 64, 16)

    def cnn() -> tuple[Any, Any, Any, Any]:
        torch.manual_seed(0)
        flat = 16 * ((side // 2 - 3) // 2 + 1) ** 2
        model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(8, 16, 3, stride=2), nn.ReLU(), nn.Flatten(),
                              nn.Linear(flat, 10)).double()
        x = torch.randn(images, 1, side, side, dtype=torch.float64)
        return model, x, torch.randint(0, 10, (images,)), nn.CrossEntropyLoss()

    class Sequence(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm, self.fc = nn.LSTM(8, hidden), nn.Linear(hidden, 1)

        def forward(self, x: Any) -> Any:
            out, _ = self.lstm(x)
            return self.fc(out[-1])

    def lstm() -> tuple[Any, Any, Any, Any]:
        torch.manual_seed(1)
        x = torch.randn(steps, 16 if not quick else 2, 8, dtype=torch.float64)
        y = torch.randn(x.shape[1], 1, dtype=torch.float64)
        return Sequence().double(), x, y, nn.MSELoss()

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attention = nn.MultiheadAttention(d, 4, batch_first=True)
            self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

        def forward(self, x: Any) -> Any:
            a, _ = self.attention(x, x, x, need_weights=False)
            h = self.norm1(x + a)
            return self.norm2(h + self.ff(h))

    def transformer() -> tuple[Any, Any, Any, Any]:
        torch.manual_seed(2)
        batch = 2 if quick else 4
        x = torch.randn(batch, tokens, d, dtype=torch.float64)
        return Block().double(), x, torch.randn(batch, tokens, d, dtype=torch.float64), \
            nn.MSELoss()

    return {f"CNN, {images} images of {side}x{side}": cnn,
            f"LSTM, {steps} steps, hidden {hidden}": lstm,
            f"transformer block, d {d}, {tokens} tokens": transformer}


def run(torch: Any, make: Callable[[], tuple[Any, Any, Any, Any]]) -> tuple[float, float, float]:
    """Seconds of from_torch, of every gradient from the problem, of autograd; checked."""
    import numpy as np

    from symbackprop.calculus.tensor_sweep import tensor_gradients
    from symbackprop.interop import from_torch

    model, x, y, loss = make()
    start = time.perf_counter()
    problem = from_torch(model, x, y, loss=loss, level="tensor")
    read = time.perf_counter() - start
    start = time.perf_counter()
    gradients = tensor_gradients(problem.graph, problem.values).gradients
    ours = time.perf_counter() - start
    start = time.perf_counter()
    model.zero_grad()
    loss(model(x), y).backward()
    theirs = time.perf_counter() - start
    by_id = {id(p): p for p in model.parameters()}
    for name, tensor in _tensors(model, problem.origins, problem.graph.parameters).items():
        want = by_id[id(tensor)].grad.numpy()
        if not np.allclose(gradients[name], want, rtol=1e-9, atol=1e-12 * np.abs(want).max()):
            raise SystemExit(f"{name}: the gradient differs from autograd's")
    return read, ours, theirs


def _tensors(model: Any, origins: Any, parameters: list[str]) -> dict[str, Any]:
    """Each parameter of the problem, the model's tensor its origin names."""
    found = {}
    for name in parameters:
        path = origins[name].removeprefix("model").replace("[", ".").replace("]", "").strip(".")
        owner, _, attribute = path.rpartition(".")
        found[name] = getattr(model.get_submodule(owner) if owner else model, attribute)
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small models, for the tests")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)  # as symbackprop's numpy runs here; fair on a shared machine
    print(f"{'case':40} {'from_torch s':>13} {'gradients s':>12} {'autograd s':>11}")
    for label, make in cases(torch, args.quick).items():
        if not args.quick:  # a first round, not counted (lambdify's compilations)
            run(torch, make)
        rows = [run(torch, make) for _ in range(args.rounds)]
        read, ours, theirs = (statistics.median(column) for column in zip(*rows, strict=True))
        print(f"{label:40} {read:13.3f} {ours:12.3f} {theirs:11.4f}")


if __name__ == "__main__":
    main()
