"""The tensor examples the oracle tests run over, wherever they are kept (examples/tensor/mlp.toml
and a bundled tensor_mlp are both ``mlp``), and their small-shape variants
(tests/tensor/data/NAME_small.toml) for the examples too large to lower to scalars."""

from __future__ import annotations

import tomllib
from pathlib import Path

from symbackprop.graph.tensor_lowering import lowering_size
from symbackprop.spec.problems import load_problem as load_either
from symbackprop.spec.tensor import TensorProblem

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
PLACES = (ROOT / "examples" / "tensor", ROOT / "symbackprop" / "spec" / "examples")


def tensor_example_files() -> dict[str, Path]:
    """Every ``[tensor]`` problem file of the examples folder and of the bundled examples
    (searched recursively), by name without a ``tensor_`` prefix; a name found in both places
    once."""
    found: dict[str, Path] = {}
    for place in PLACES:
        for path in sorted(place.rglob("*.toml")) if place.is_dir() else []:
            if "tensor" in tomllib.loads(path.read_text(encoding="utf-8")):
                found.setdefault(path.stem.removeprefix("tensor_"), path)
    return found


EXAMPLE_FILES = tensor_example_files()


def load_tensor(path: Path) -> TensorProblem:
    problem = load_either(path)
    assert isinstance(problem, TensorProblem), path
    return problem


def lowerable(path: Path) -> Path:
    """``path`` if its problem lowers to scalars within the limits, else its small variant
    (which must exist, and lower)."""
    problem = load_tensor(path)
    if lowering_size(problem.graph).refusal(path.name) is None:
        return path
    small = DATA / f"{path.stem.removeprefix('tensor_')}_small.toml"
    assert small.is_file(), (f"{path.name} is too large to lower to scalars: write a variant "
                             f"at a small shape, {small.relative_to(ROOT)}")
    return small
