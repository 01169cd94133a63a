"""The per-weight table of ``benchmarks/bench.py``: one weight's derivation, end to end.

For each shape and head, the first-layer, a middle and the last-layer weight (``w_1_1_1``, ...)
go through the command line as a user runs it: ``derive --wrt W`` in every format and
``paths --wrt W``, each in a fresh process (start-up, reading the file, building the graph and
writing the output all counted), with its wall time and peak memory (the process's own peak
resident set, ``VmHWM``).  Measured in the same run, the alternatives:

* ``written out``: ``derive --format json --max-terms`` past the path count, which writes the
  sum over paths, its simplified form and the leaves-only form that the default leaves out
  past 1,000 paths (capped);
* ``all``: ``derive --wrt all --format json``, every parameter from one reverse sweep;
* ``--version``: start-up alone.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("text", "latex", "markdown", "json")
MIN_CAP = 30.0
"""Seconds a run may take at least, whatever ``--cap`` says (it caps the written-out forms; a
usual run must finish)."""
EXTRA_SHAPES = [(32, 32, 32, 32, 10)]
"""Shapes measured per weight besides the standard ones (softmax/CE only)."""


def problem_text(layers: tuple[int, ...], output: str, loss: str, seed: int = 14) -> str:
    """A problem file for the network with random values (per-neuron biases)."""
    rng = random.Random(seed)

    def numbers(count: int) -> str:
        return "[" + ", ".join(f"{rng.uniform(-1, 1):.3f}" for _ in range(count)) + "]"

    target = [0] * layers[-1]
    target[min(2, layers[-1] - 1)] = 1
    lines = ['title = "per-weight benchmark"', "[network]", f"layers = {list(layers)}",
             'hidden = "sigmoid"', f'output = "{output}"', f'loss = "{loss}"',
             'bias = "per_neuron"', 'naming = "layer_to_from"', "[values]",
             f"x = {numbers(layers[0])}", f"y = {target}"]
    for layer in range(1, len(layers)):
        rows = ", ".join(numbers(layers[layer - 1]) for _ in range(layers[layer]))
        lines += [f"W{layer} = [{rows}]", f"b{layer} = {numbers(layers[layer])}"]
    return "\n".join(lines) + "\n"


LAUNCH = """
import os, runpy, sys
sys.argv = ["symbackprop", *sys.argv[1:]]
try:
    runpy.run_module("symbackprop", run_name="__main__", alter_sys=True)
finally:  # VmHWM: this process's peak resident set (ru_maxrss would count the parent's at fork)
    with open(os.environ["PEAK_RSS_FILE"], "w") as out:
        out.write(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
"""


def run(argv: list[str], cap: float) -> dict[str, Any]:
    """``symbackprop ARGV`` in a fresh process: seconds and peak RSS in MB; ``None`` seconds
    past ``cap`` (the process is killed then)."""
    with tempfile.NamedTemporaryFile(suffix=".rss") as peak:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PEAK_RSS_FILE": peak.name}
        start = time.perf_counter()
        try:
            subprocess.run([sys.executable, "-c", LAUNCH, *argv], env=env, timeout=cap,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except subprocess.TimeoutExpired:
            return {"seconds": None, "peak_rss_mb": None}
        elapsed = time.perf_counter() - start
        return {"seconds": elapsed, "peak_rss_mb": int(Path(peak.name).read_text()) / 1024}


def weights(network: Any) -> list[tuple[str, str]]:
    """``(where, name)`` of the first-layer, a middle and the last-layer weight."""
    depth = network.depth
    layers = sorted({1, (depth + 1) // 2, depth})
    where = {1: "first", depth: "last"}
    return [(where.get(layer, "middle"), network.weight_name(layer, 1, 1)) for layer in layers]


def measure(network: Any, head_files: tuple[str, str], cap: float) -> list[dict[str, Any]]:
    """Every per-weight row of one network (the file is written to a temporary folder)."""
    from symbackprop.calculus.paths import count_paths

    output, loss = head_files
    graph = network.build()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        problem = Path(folder) / "problem.toml"
        problem.write_text(problem_text(network.layers, output, loss), encoding="utf-8")
        sweep = run(["derive", str(problem), "--wrt", "all", "--format", "json"], cap)
        for where, weight in weights(network):
            count = count_paths(graph, weight)
            row: dict[str, Any] = {"shape": list(network.layers), "weight": weight,
                                   "where": where, "paths": count, "all": sweep}
            for fmt in FORMATS:
                row[fmt] = run(["derive", str(problem), "--wrt", weight, "--format", fmt], cap)
            row["paths_listing"] = run(["paths", str(problem), "--wrt", weight, "-o",
                                        str(Path(folder) / "paths.txt")], cap)
            row["written_out"] = run(["derive", str(problem), "--wrt", weight, "--format",
                                      "json", "--max-terms", str(count)], cap)
            rows.append(row)
    return rows


def startup(cap: float) -> dict[str, Any]:
    """``symbackprop --version``, the best of three."""
    runs = [run(["--version"], cap) for _ in range(3)]
    return min(runs, key=lambda r: r["seconds"] or float("inf"))


def _cell(result: dict[str, Any], cap: float) -> str:
    if result["seconds"] is None:
        return f"> {cap:.0f} s"
    return f"{result['seconds']:.2f} s {result['peak_rss_mb']:.0f} MB"


def table_rows(rows: list[dict[str, Any]], head: str, cap: float) -> list[list[str]]:
    """The printed rows: one per weight, every format, paths, the alternatives and ratios."""
    out = []
    for row in rows:
        json_s = row["json"]["seconds"]
        written, sweep = row["written_out"]["seconds"], row["all"]["seconds"]
        speedup = ("—" if json_s is None else f"> {cap / json_s:,.0f}x" if written is None
                   else f"{written / json_s:,.1f}x")
        out.append(["[" + ",".join(map(str, row["shape"])) + "]", head,
                    f"{row['where']} {row['weight']}", f"{row['paths']:,}",
                    *(_cell(row[fmt], cap) for fmt in FORMATS),
                    _cell(row["paths_listing"], cap), _cell(row["written_out"], cap), speedup,
                    _cell(row["all"], cap),
                    "—" if json_s is None or sweep is None else f"{json_s / sweep:.2f}"])
    return out


HEADER = ["shape", "head", "weight", "paths", *FORMATS, "paths listing", "written out (json)",
          "speed-up", "--wrt all (json)", "json/all"]


def section(networks: list[tuple[Any, str, tuple[str, str]]], cap: float) -> tuple[
        dict[str, Any], list[list[str]]]:
    """Measure every ``(network, head, (output, loss))``: the JSON record (rows and start-up)
    and the printed rows."""
    from bench import table  # the script's table writer (this module sits beside it)

    records, printed = [], []
    for network, head, activation_loss in networks:
        print(f"… per weight [{','.join(map(str, network.layers))}] {head}", file=sys.stderr,
              flush=True)
        rows = measure(network, activation_loss, cap)
        records += [{**row, "head": head} for row in rows]
        printed += table_rows(rows, head, cap)
    start = startup(cap)
    version = ("—" if start["seconds"] is None else
               f"{start['seconds']:.3f} s, {start['peak_rss_mb']:.0f} MB")
    text = (f"\nOne weight through the command line, end to end (fresh process each; time and "
            f"peak RSS; capped at {cap:.0f} s); `symbackprop --version`: {version}\n\n"
            + table(HEADER, printed))
    return {"rows": records, "version": start}, [[text]]
