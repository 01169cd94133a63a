"""Tensor-level cost, in process: it grows with the number of tensor operations, not with the
tensors' sizes (issue 28's figures).

    python benchmarks/tensor_level.py [--rounds N]

Each case is timed from reading its file (examples/tensor/, or the bundled tensor_ninja) to
the numbers: the first round
in a fresh interpreter (cold: every elementwise expression compiled by lambdify once), then
the median of the next rounds (warm).

- ``derive --wrt W1`` with numbers of the 784-256-10 MLP on a batch of 64 (mlp_784.toml);
- every gradient of the backprop-ninja MLP, batch 32, hidden 200 (the bundled tensor_ninja);
- every gradient of a one-head transformer block, d = 64, 16 tokens (transformer.toml).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "tensor"
CASES = {
    "mlp 784-256-10, batch 64: tensor_derive W1": ("mlp_784.toml", "W1"),
    "ninja MLP, batch 32, hidden 200: every gradient": ("tensor_ninja", None),
    "transformer block, d 64, 16 tokens: every gradient": ("transformer.toml", None),
}


def run_once(file: str, wrt: str | None) -> float:
    """Seconds from reading the file to the gradient(s)."""
    from symbackprop.calculus.tensor_derivation import tensor_derive
    from symbackprop.calculus.tensor_sweep import tensor_gradients
    from symbackprop.spec.problems import load_problem
    from symbackprop.spec.tensor import TensorProblem

    start = time.perf_counter()
    local = EXAMPLES / file
    problem = load_problem(local if local.exists() else file)
    assert isinstance(problem, TensorProblem)
    if wrt is None:
        grads = tensor_gradients(problem.graph, problem.values).gradients
        assert set(grads) == set(problem.graph.parameters)
    else:
        assert tensor_derive(problem.graph, wrt, values=problem.values).gradient is not None
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--case", help=argparse.SUPPRESS)  # one cold run, in a child
    args = parser.parse_args()
    if args.case:
        file, _, wrt = args.case.partition(":")
        print(run_once(file, wrt or None))
        return
    print(f"{'case':58} {'cold s':>8} {'warm s':>8}")
    for label, (file, wrt) in CASES.items():
        child = subprocess.run([sys.executable, __file__, "--case", f"{file}:{wrt or ''}"],
                               capture_output=True, text=True, check=True)
        cold = float(child.stdout.strip())
        run_once(file, wrt)
        warm = statistics.median(run_once(file, wrt) for _ in range(args.rounds))
        print(f"{label:58} {cold:8.3f} {warm:8.3f}")


if __name__ == "__main__":
    main()
