"""Tensor-level cost: it grows with the number of tensor operations, not with the tensors' sizes
(issue 28's figures), beside torch autograd and beside the scalar engine on the lowered graph,
in one table measured in one run.

    python benchmarks/tensor_level.py [--rounds N] [--case NAME ...]

The cases (each file found in examples/tensor/ or among the bundled examples as tensor_NAME):

- ``derive --wrt W1`` with numbers of the 784-256-10 MLP on a batch of 64 (mlp_784);
- every gradient of the backprop-ninja MLP, batch 32, hidden 200 (ninja);
- every gradient of a one-head transformer block, d = 64, 16 tokens (transformer);
- the same three at a small shape (tests/tensor/data/NAME_small.toml), where the lowering runs.

Each engine is timed from reading the file to the numbers, in process: the first round in a
fresh interpreter (cold: symbackprop, and torch for its column, imported before the clock
starts; the tensor engine compiles each elementwise expression by lambdify once), then the
median of the next rounds (warm; the lowering's of at most two). ``tensor`` is the engine
(``tensor_derive`` for one parameter, ``tensor_gradients`` for all), ``torch`` autograd in
float64 on the same graph (``numeric.tensor_torch``; ``—`` without torch), ``lowered`` the
scalar engine on the graph lowered to one node per entry
(``numeric.tensor_oracles.lowered_gradients``; "refused" above its limits, with the size it
would have). ``ratio`` is each warm time over the tensor engine's. ``cli`` is the command end
to end in a fresh process (``symbackprop derive FILE --wrt W1 --format json``, ``--wrt all``
for every gradient: interpreter start and imports included), or ``n/a`` while ``derive`` does
not read tensor problems. Every engine's gradients are checked equal to the tensor engine's
(relative 1e-10, floor 1e-12 x the largest entry) before a row is printed.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "tensor"
BUNDLED = ROOT / "symbackprop" / "spec" / "examples"
SMALL = ROOT / "tests" / "tensor" / "data"
ENGINES = ("tensor", "torch", "lowered")


class Case(NamedTuple):
    label: str
    name: str  # examples/tensor/NAME.toml, bundled tensor_NAME, or SMALL/NAME.toml
    wrt: str | None  # None: every gradient


CASES = (
    Case("mlp 784-256-10, batch 64: dL/dW1", "mlp_784", "W1"),
    Case("ninja MLP, batch 32, hidden 200: every gradient", "ninja", None),
    Case("transformer block, d 64, 16 tokens: every gradient", "transformer", None),
    Case("  the same MLP at a small shape", "mlp_784_small", "W1"),
    Case("  the same ninja MLP at a small shape", "ninja_small", None),
    Case("  the same transformer block at a small shape", "transformer_small", None),
)


def example_file(name: str) -> Path:
    """Where the example ``name`` is kept."""
    for path in (EXAMPLES / f"{name}.toml", BUNDLED / f"tensor_{name}.toml",
                 SMALL / f"{name}.toml"):
        if path.is_file():
            return path
    raise SystemExit(f"no tensor example {name!r}")


def load(path: Path) -> Any:
    """The tensor problem of ``path``."""
    from symbackprop.spec.problems import load_problem
    from symbackprop.spec.tensor import TensorProblem

    problem = load_problem(path)
    assert isinstance(problem, TensorProblem), path
    return problem


def refusal(case: Case) -> str | None:
    """``refused (N nodes)`` when the case is too large to lower, else ``None``."""
    from symbackprop.graph.tensor_lowering import lowering_size

    size = lowering_size(load(example_file(case.name)).graph)
    if size.refusal(case.name) is None:
        return None
    return f"refused ({size.nodes:,} nodes)"


def gradients(engine: str, case: Case) -> tuple[float, dict[str, np.ndarray]]:
    """Seconds from reading the case's file to its gradient(s) by ``engine``, and them."""
    from symbackprop.calculus.tensor_derivation import tensor_derive
    from symbackprop.calculus.tensor_sweep import tensor_gradients
    from symbackprop.numeric.tensor_oracles import lowered_gradients
    from symbackprop.numeric.tensor_torch import torch_gradients

    start = time.perf_counter()
    problem = load(example_file(case.name))
    graph, values = problem.graph, problem.values
    names = [case.wrt] if case.wrt else list(graph.parameters)
    if engine == "tensor" and case.wrt:
        found = {case.wrt: tensor_derive(graph, case.wrt, values=values).gradient}
    elif engine == "tensor":
        found = dict(tensor_gradients(graph, values).gradients)
    elif engine == "torch":
        found = torch_gradients(graph, values, names)
    else:
        found = lowered_gradients(graph, values, names, where=case.name)
    seconds = time.perf_counter() - start
    assert set(found) == set(names), (engine, case.name)
    return seconds, {n: np.asarray(g, dtype=float) for n, g in found.items()}


def cold(engine: str, case: Case) -> float:
    """The first round in a fresh interpreter."""
    child = subprocess.run([sys.executable, __file__, "--cold", f"{engine}:{case.name}:"
                            f"{case.wrt or ''}"], capture_output=True, text=True, check=True)
    return float(child.stdout.strip())


def cli(case: Case) -> str:
    """``derive`` end to end in a fresh process, or ``n/a`` when it does not read the file."""
    argv = [sys.executable, "-m", "symbackprop", "derive", str(example_file(case.name)),
            "--wrt", case.wrt or "all", "--format", "json"]
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    return f"{seconds:.3f}" if done.returncode == 0 else "n/a"


def agree(found: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> bool:
    scale = max(float(np.max(np.abs(g), initial=0.0)) for g in expected.values())
    return all(np.allclose(found[n], g, rtol=1e-10, atol=1e-12 * scale)
               for n, g in expected.items())


def row(case: Case, rounds: int) -> list[str]:
    """The case's cells: tensor cold and warm, cli, then torch's and the lowering's warm time
    and ratio."""
    cells, warm, reference = [], {}, None
    refused = refusal(case)
    for engine in ENGINES:
        if engine == "lowered" and refused:
            cells += [refused, ""]
            continue
        if engine == "torch" and importlib.util.find_spec("torch") is None:
            cells += ["\N{EM DASH}", ""]  # pip install 'symbackprop[torch]'
            continue
        first = cold(engine, case)
        times = []
        for _ in range(min(rounds, 2) if engine == "lowered" else rounds):
            seconds, found = gradients(engine, case)
            times.append(seconds)
        warm[engine] = statistics.median(times)
        if reference is None:
            reference = found
        elif not agree(found, reference):
            raise SystemExit(f"{case.name}: {engine}'s gradients differ from the tensor engine's")
        if engine == "tensor":
            cells += [f"{first:.3f}", f"{warm[engine]:.3f}", cli(case)]
        else:
            cells += [f"{first:.3f} / {warm[engine]:.3f}",
                      f"{warm[engine] / warm['tensor']:.1f}x"]
    return cells


HEADER = ("case", "tensor cold", "warm", "cli", "torch cold / warm", "ratio",
          "lowered cold / warm", "ratio")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--case", action="append", choices=[c.name for c in CASES],
                        help="only these cases (by file name; repeatable)")
    parser.add_argument("--cold", help=argparse.SUPPRESS)  # ENGINE:NAME:WRT, in a child
    args = parser.parse_args()
    if args.cold:
        engine, name, wrt = args.cold.split(":")
        if engine == "torch":
            import torch  # noqa: F401  (its import is not the engine's cost)
        print(gradients(engine, Case("", name, wrt or None))[0])
        return
    rows = [HEADER]
    for case in CASES:
        if args.case and case.name not in args.case:
            continue
        rows.append((case.label, *row(case, args.rounds)))
        print(case.label, "done", file=sys.stderr, flush=True)
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    for r in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip())
    print("seconds from reading the file to the gradients; ratio: warm time over the tensor "
          "engine's warm time")


if __name__ == "__main__":
    main()
