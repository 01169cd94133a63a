"""The benchmark script runs end to end, and the gradients it times agree (a smoke run on the
smallest shape; the timings themselves are for `python benchmarks/bench.py`, not for tests).

The script runs in a child process, as users run it: it imports torch and jax when they are
installed, which must not leak into the test process (jax warns at every later fork)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import require_module

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True,
                          timeout=600)


SECTIONS = ("derivation", "runtime", "perweight", "grade", "page", "fastpaths")


def test_smoke_run_of_the_smallest_shape(tmp_path):
    """Every table of the script, each section in its own run (two at a time: the sections are
    independent, and one run of all of them in turn is the slowest test of the suite)."""
    def section(name: str) -> tuple[str, dict]:
        out = tmp_path / f"{name}.json"
        run = _bench("--quick", "--shapes", "2,2,2", "--cap", "1", "--rounds", "1",
                     "--students", "20", "--only", name, "--json", str(out))
        assert run.returncode == 0, (name, run.stderr)
        return run.stdout, json.loads(out.read_text())

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(section, SECTIONS))
    stdout = "".join(text for text, _ in runs)
    results: dict = {}
    for _, part in runs:  # each run fills its own section; the others stay empty
        for key, value in part.items():
            if value or key not in results:
                results[key] = value
    run = subprocess.CompletedProcess([], 0, stdout, "")
    assert "sweep speed-up" in run.stdout and "gen/torch" in run.stdout
    assert "products np/torch" in run.stdout
    assert results["rounds"] == 1 and results["cap_seconds"] == 1
    assert [(row["shape"], row["head"]) for row in results["derivation"]] == [
        ([2, 2, 2], "softmax/CE"), ([2, 2, 2], "sigmoid/SE")]
    for row in results["derivation"]:
        assert row["parameters"] == 12
        assert row["sweep_seconds"] > 0 and row["peak_rss_mb"] > 0
    assert sorted((row["head"], row["batch"]) for row in results["runtime"]) == [
        ("sigmoid/SE", 1), ("sigmoid/SE", 10_000), ("softmax/CE", 1), ("softmax/CE", 10_000)]
    assert "symbackprop grade on 20 answers-only submissions" in run.stdout
    assert [(g["mix"], g["submissions"], g["answers"]) for g in results["grade"]] == [
        ("typical", 20, 80), ("worst", 20, 80)]
    for g in results["grade"]:
        assert g["jobs_1_seconds"] > 0 and g["jobs_2_seconds"] > 0
    assert set(results["grade"][1]["verdicts"]) == {"incorrect"}  # every answer diagnosed
    (page,) = results["page"]                  # the interactive page of an [8,8,8,2] network
    assert page["shape"] == [8, 8, 8, 2] and 0 < page["bytes"] < 2_000_000
    assert "interactive" in run.stdout
    per_weight = results["per_weight"]
    assert per_weight["version"]["seconds"] > 0
    assert [(row["head"], row["weight"], row["paths"]) for row in per_weight["rows"]] == [
        ("softmax/CE", "w111", 4), ("softmax/CE", "w211", 2),
        ("sigmoid/SE", "w111", 2), ("sigmoid/SE", "w211", 1)]
    for row in per_weight["rows"]:
        for timing in (row["text"], row["latex"], row["markdown"], row["json"],
                       row["paths_listing"], row["written_out"], row["all"]):
            assert timing["seconds"] > 0 and timing["peak_rss_mb"] > 10
    assert "One weight through the command line" in run.stdout
    assert "Fast paths against the general way" in run.stdout
    fast = results["fastpaths"]
    assert [row["fast_path"].rsplit(".", 1)[1] for row in fast] == [
        "to_json"] * 3 + ["direct_evaluator"] * 3 + ["evaluate_alike"] * 2 + ["number"] * 3
    for row in fast:
        assert row["fast_seconds"] > 0 and row["general_seconds"] > 0 and row["values"] > 0
        assert row["ratio"] == row["general_seconds"] / row["fast_seconds"]
    assert [row["differ"] for row in fast if row["general"] == "json.dumps"] == [0, 0, 0]
    for row in results["runtime"]:
        # the generated code (blocked and in one call) computes the hand-written backprop
        assert row["max_relative_difference"] < 1e-12
        assert row["generated_numpy"] > 0 and row["hand_numpy"] > 0 and row["forward"] > 0


def test_a_bad_shape_is_a_usage_error():
    run = _bench("--shapes", "2,x")
    assert run.returncode == 2
    assert "'2,x' is not a shape" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_variants_benchmark_runs_and_checks_what_it_times(tmp_path):
    """A small class through benchmarks/variants.py (this checkout only): both job counts are
    timed, wrote the same files (the script refuses otherwise), and the table gives the ratio."""
    script = BENCH.parent / "variants.py"
    out = tmp_path / "variants.json"
    run = subprocess.run([sys.executable, str(script), "--students", "45", "--before", "none",
                          "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    result = json.loads(out.read_text())
    assert [(row["code"], row["jobs"]) for row in result["rows"]] == [("after", 1), ("after", 2)]
    assert result["files"] == 3 * 45 + 1 and result["students"] == 45
    assert all(row["seconds"] > 0 and row["cpu_seconds"] > 0 for row in result["rows"])
    assert "--jobs 2 over --jobs 1" in run.stdout and "| after | 2 |" in run.stdout


def test_the_scale_benchmark_compares_with_torch_and_the_page_before(tmp_path):
    """benchmarks/scale.py on small shapes: derive --wrt all against the torch script (the
    same gradients), and explore's page for the code before and this checkout."""
    require_module("torch")
    out = tmp_path / "scale.json"
    run = subprocess.run([sys.executable, str(BENCH.parent / "scale.py"), "--quick",
                          "--repeats", "1", "--json", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    results = json.loads(out.read_text())
    (row,) = results["gradients"]
    assert row["shape"] == [8, 8, 4] and row["parameters"] == 8 * 8 + 8 + 4 * 8 + 4
    assert row["max_rel_diff"] < 1e-12
    assert row["derive"]["seconds"] > 0 and row["torch"]["peak_rss_mb"] > 10
    assert [r["code"] for r in results["page"]] == ["before (520e9ea)", "before (d1d9b19)",
                                                    "this checkout"]
    assert all(r["bytes"] > 10_000 and r["cpu_seconds"] > 0 for r in results["page"])
    oldest, before, after = results["page"]                 # the code before ran, not this one
    assert oldest["bytes"] > after["bytes"]
    # the same page data, made faster (the inlined script may change: one shared paths.js)
    assert before["data_sha256"] == after["data_sha256"]
    assert after["data_sha256"] != hashlib.sha256(b"").hexdigest()  # the data element found
    assert "time ratio" in run.stdout and "this checkout" in run.stdout
