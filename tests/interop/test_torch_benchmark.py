"""benchmarks/from_torch.py runs end to end on its small models, and the gradients it times
agree with autograd's (it exits otherwise); the timings are for running it by hand.  In a
child process, as users run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import require_module

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "from_torch.py"


def test_the_benchmark_runs_on_small_models() -> None:
    require_module("torch")
    run = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--rounds", "1"],
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr
    rows = run.stdout.splitlines()
    assert rows[0].split()[-3:] == ["s", "autograd", "s"]
    assert [row.split(",")[0] for row in rows[1:]] == ["CNN", "LSTM", "transformer block"]
