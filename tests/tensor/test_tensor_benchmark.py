"""benchmarks/tensor_level.py runs end to end (a smoke run of one small case, every engine: the
timings themselves are for the script, not for tests) and refuses the lowering of a large
case by its size."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from conftest import require_module
from tensor_cases import ROOT

SCRIPT = ROOT / "benchmarks" / "tensor_level.py"


def test_a_small_case_runs_with_every_engine() -> None:
    require_module("torch")
    run = subprocess.run([sys.executable, str(SCRIPT), "--rounds", "1", "--case",
                          "mlp_784_small"], capture_output=True, text=True, timeout=600,
                         check=False)
    assert run.returncode == 0, run.stderr
    header, line = run.stdout.splitlines()[:2]
    assert header.split()[:4] == ["case", "tensor", "cold", "warm"]
    assert line.startswith("  the same MLP at a small shape")
    assert "refused" not in line and "\N{EM DASH}" not in line
    assert line.count("x") >= 2  # the ratios of torch and of the lowering


def test_a_large_case_is_refused_by_its_size() -> None:
    spec = importlib.util.spec_from_file_location("tensor_level", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tensor_level"] = module  # a NamedTuple's module must be importable
    spec.loader.exec_module(module)
    assert module.refusal(module.Case("", "mlp_784", "W1")) == "refused (287,115 nodes)"
    assert module.refusal(module.Case("", "mlp_784_small", "W1")) is None
