"""Generate a numeric gradient function, check it, and time it on a batch.

``compile_gradient`` writes numpy code for the gradient of the 4-4-2 softmax network of the
PadhAI notes (layer by layer, one line per delta; print ``grad.source`` to read it), loads it, and
calls it. The script checks it against the symbolic sum over paths of every weight and against
central finite differences, then times it on a batch of examples.

Run:  python examples/numeric_gradient.py   (`symbackprop codegen padhai_4_4_2` prints the code)
"""

from __future__ import annotations

import sys
import timeit

import numpy as np

from symbackprop import compile_gradient, derive, load_problem
from symbackprop.numeric import finite_difference

BATCH = 1_000


def main() -> int:
    problem = load_problem("padhai_4_4_2")
    grad = compile_gradient(problem)  # numpy, layer-wise: gradient(x, y, W1, W2) -> (dW1, dW2)
    print(f"generated: {grad.code.name}{grad.arguments} -> d/d{grad.outputs}, "
          f"{len(grad.source.splitlines())} lines of numpy")

    # 1. The generated function, at the file's values, against the path sums and finite differences.
    numeric = grad.from_values(problem.values)
    worst_paths = worst_fd = 0.0
    for weight, value in numeric.items():
        by_paths = derive(problem.graph, weight, values=problem.values).value
        by_fd = finite_difference(problem.graph, problem.values, weight)
        worst_paths = max(worst_paths, abs(value - by_paths))
        worst_fd = max(worst_fd, abs(value - by_fd))
    print(f"{len(numeric)} gradients agree with the path sums to {worst_paths:.1e} "
          f"and with finite differences to {worst_fd:.1e}")
    print(f"dL/dw212 = {numeric['w212']:.10f}, dL/dw131 = {numeric['w131']:.10f}")
    if worst_paths > 1e-12 or worst_fd > 1e-8:
        print("the generated gradient disagrees", file=sys.stderr)
        return 1

    # 2. A batch: one example per row; the result is the gradient summed over the batch.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, 4))
    y = np.eye(2)[rng.integers(0, 2, size=BATCH)]  # one-hot targets
    W1 = rng.normal(size=(4, 4))
    W2 = rng.normal(size=(2, 4))
    dW1, dW2 = grad(x, y, W1, W2)
    one_by_one = sum(grad(x[i], y[i], W1, W2)[1] for i in range(5))
    first_five = grad(x[:5], y[:5], W1, W2)[1]
    print(f"batch of {BATCH}: dW1 {dW1.shape}, dW2 {dW2.shape}; a batch of 5 equals the sum of "
          f"its examples: {np.allclose(first_five, one_by_one)}")

    runs = 200
    seconds = timeit.timeit(lambda: grad(x, y, W1, W2), number=runs) / runs
    print(f"time: {seconds * 1e6:.0f} µs per batch, {seconds / BATCH * 1e9:.0f} ns per example")
    return 0


if __name__ == "__main__":
    sys.exit(main())
