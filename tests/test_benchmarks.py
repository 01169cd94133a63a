"""The benchmark script runs end to end, and the gradients it times agree (a smoke run on the
smallest shape; the timings themselves are for `python benchmarks/bench.py`, not for tests)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_smoke_run_of_the_smallest_shape(bench, tmp_path, capsys):
    out = tmp_path / "results.json"
    assert bench.main(["--quick", "--shapes", "2,2,2", "--cap", "1", "--rounds", "1",
                       "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "sweep speed-up" in printed and "gen/torch" in printed and "products np/torch" in printed
    results = json.loads(out.read_text())
    assert results["rounds"] == 1 and results["cap_seconds"] == 1
    assert [(row["shape"], row["head"]) for row in results["derivation"]] == [
        ([2, 2, 2], "softmax/CE"), ([2, 2, 2], "sigmoid/SE")]
    for row in results["derivation"]:
        assert row["parameters"] == 12
        assert row["sweep_seconds"] > 0 and row["peak_rss_mb"] > 0
    assert sorted((row["head"], row["batch"]) for row in results["runtime"]) == [
        ("sigmoid/SE", 1), ("sigmoid/SE", 10_000), ("softmax/CE", 1), ("softmax/CE", 10_000)]
    for row in results["runtime"]:
        # the generated code (blocked and in one call) computes the hand-written backprop
        assert row["max_relative_difference"] < 1e-12
        assert row["generated_numpy"] > 0 and row["hand_numpy"] > 0 and row["forward"] > 0


def test_a_bad_shape_is_a_usage_error(bench, capsys):
    with pytest.raises(SystemExit) as exit_:
        bench.main(["--shapes", "2,x"])
    assert exit_.value.code == 2
    assert "'2,x' is not a shape" in capsys.readouterr().err
