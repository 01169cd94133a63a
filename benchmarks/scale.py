"""Past 100k parameters: ``derive --wrt all --format json`` against torch autograd, and the
interactive page before and after, each a fresh process as a user runs it, in one run.

    python benchmarks/scale.py [--quick] [--repeats N] [--before REV ...] [--json out.json]
                               [--shapes 128,128,128,10 256,256,256,10] [--page 8,8,8,8,8,2]

* For each shape (default [128,128,128,10] and [256,256,256,10]; sigmoid hidden layers, a
  softmax output, the cross-entropy loss, a bias per neuron, random values; the problem file
  is written at run time): ``symbackprop derive FILE --wrt all --format json -o OUT`` against
  ``benchmarks/torch_grads.py FILE OUT`` (torch autograd in float64 reading the same file and
  writing every gradient as JSON), the two run in turn ``--repeats`` times, the best of each
  kept; the gradients of the two are compared (the largest difference relative to the
  largest gradient).
* ``symbackprop explore FILE -o PAGE`` of a ``--page`` network (default [8,8,8,8,8,2], the
  largest the page draws) for the code before (``--before REV ...``, each exported with
  ``git archive``; default :data:`BEFORE`) and this checkout, in turn: the time, CPU time,
  peak memory and the page's size.

Each row gives wall time, the CPU time and peak resident set of that process (``os.wait4``),
and the ratio of the times measured in this run.  ``--quick`` runs small shapes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TORCH = Path(__file__).resolve().parent / "torch_grads.py"
SHAPES = [(128, 128, 128, 10), (256, 256, 256, 10)]
PAGE = (8, 8, 8, 8, 8, 2)
QUICK_SHAPES, QUICK_PAGE = [(8, 8, 4)], (4, 4, 2)
BEFORE = ("520e9ea", "d1d9b19")
"""The code before, oldest first: before the page's work (issue 26, item 3: every parameter's
mistakes spelled out in the page), and before the mistakes were predicted without repeating
work (one scenario for the page, one sweep for pre-update order, the path search's tables
made when read; the same page)."""


def problem_text(shape: tuple[int, ...], seed: int = 0) -> str:
    """A problem file of a softmax network of ``shape`` with random values."""
    rng = np.random.default_rng(seed)

    def vector(values: np.ndarray) -> str:
        return "[" + ", ".join(repr(float(v)) for v in values) + "]"

    lines = ['title = "scale benchmark"', "learning_rate = 0.1", "[network]",
             f"layers = {list(shape)}", 'hidden = "sigmoid"', 'output = "softmax"',
             'loss = "cross_entropy"', 'bias = "per_neuron"', "[values]",
             "x = " + vector(rng.normal(size=shape[0])),
             "y = " + vector(np.eye(shape[-1])[0])]
    for k in range(1, len(shape)):
        weights = rng.normal(scale=shape[k - 1] ** -0.5, size=(shape[k], shape[k - 1]))
        lines.append(f"W{k} = [" + ", ".join(vector(row) for row in weights) + "]")
        lines.append(f"b{k} = " + vector(rng.normal(scale=0.1, size=shape[k])))
    return "\n".join(lines) + "\n"


def run(command: list[str], env: dict[str, str] | None = None,
        cwd: Path = ROOT) -> dict[str, float]:
    """One fresh process: wall seconds, CPU seconds and peak RSS (MB) of that process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=env, cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        assert process.stderr is not None
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()[-2000:]}")
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024}


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    return min(runs, key=lambda r: r["seconds"])


def _env(source: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(source)}


def gradients(shape: tuple[int, ...], repeats: int, folder: Path) -> dict[str, Any]:
    """``derive --wrt all --format json`` against the torch script, on one shape."""
    problem = folder / ("net_" + "_".join(map(str, shape)) + ".toml")
    problem.write_text(problem_text(shape), encoding="utf-8")
    ours, theirs = folder / "derive.json", folder / "torch.json"
    derive = [sys.executable, "-m", "symbackprop", "derive", str(problem), "--wrt", "all",
              "--format", "json", "-o", str(ours)]
    torch = [sys.executable, str(TORCH), str(problem), str(theirs)]
    runs: dict[str, list[dict[str, float]]] = {"derive": [], "torch": []}
    for _ in range(repeats):  # in turn, so that a busy moment falls on both
        runs["derive"].append(run(derive, _env(ROOT)))
        runs["torch"].append(run(torch))
    # the same order: layer by layer, a layer's weights row by row, then its biases
    derived = [g["value"] for g in json.loads(ours.read_text())["gradients"]]
    reference = list(json.loads(theirs.read_text()).values())
    if len(derived) != len(reference):
        raise SystemExit(f"{shape}: {len(derived)} gradients derived, torch {len(reference)}")
    scale = max(abs(v) for v in reference)
    difference = max(abs(a - b) for a, b in zip(derived, reference, strict=True)) / scale
    return {"shape": list(shape), "parameters": len(reference), "derive": best(runs["derive"]),
            "torch": best(runs["torch"]), "max_rel_diff": difference}


def _export(revision: str, folder: Path) -> Path:
    """The source tree of ``revision`` in ``folder`` (``git archive``), to import from."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / "before.tar"
    with open(archive, "wb") as out:
        made = subprocess.run(["git", "archive", revision], cwd=ROOT, stdout=out,
                              stderr=subprocess.PIPE)
    if made.returncode != 0:
        raise SystemExit(f"--before {revision}: git archive failed: {made.stderr.decode()}")
    source = folder / "before"
    with tarfile.open(archive) as tar:
        tar.extractall(source, filter="data")
    return source


def page(shape: tuple[int, ...], before: list[str], repeats: int,
         folder: Path) -> list[dict[str, Any]]:
    """``explore``'s page for each revision of the code before and this checkout, in turn."""
    problem = folder / "page.toml"
    problem.write_text(problem_text(shape), encoding="utf-8")
    sources = {f"before ({revision})": _export(revision, folder / revision)
               for revision in before}
    sources["this checkout"] = ROOT
    runs: dict[str, list[dict[str, float]]] = {code: [] for code in sources}
    sizes: dict[str, int] = {}
    data: dict[str, str] = {}
    for _ in range(repeats):
        for code, source in sources.items():
            out = folder / f"page{len(sizes)}.html"
            runs[code].append(run([sys.executable, "-m", "symbackprop", "explore", str(problem),
                                   "-o", str(out)], _env(source), cwd=source))  # -m: cwd first
            sizes[code] = out.stat().st_size
            data[code] = _page_data_digest(out.read_text(encoding="utf-8"))
    return [{"shape": list(shape), "code": code, **best(runs[code]), "bytes": sizes[code],
             "data_sha256": data[code]} for code in sources]


def _page_data_digest(page_text: str) -> str:
    """The SHA-256 of a page's data element (what the page shows, without its inlined script
    and style, which may change with the code while the page shows the same)."""
    found = re.search(r'<script type="application/json" id="data"[^>]*>(.*?)</script>',
                      page_text, re.S)
    return hashlib.sha256((found.group(1) if found else "").encode("utf-8")).hexdigest()


def _shape(text: str) -> tuple[int, ...]:
    return tuple(int(width) for width in text.split(","))


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True))
             for r in [header, ["-" * w for w in widths], *rows]]
    return "\n".join(lines)


def _cell(result: dict[str, float]) -> str:
    return (f"{result['seconds']:.2f} s ({result['cpu_seconds']:.2f} cpu) "
            f"{result['peak_rss_mb']:.0f} MB")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small shapes")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--before", nargs="+", default=list(BEFORE), metavar="REV",
                        help=f"the code before, git revisions (default {' '.join(BEFORE)}); "
                             "none: skip")
    parser.add_argument("--shapes", nargs="+", type=_shape, help="derive's networks")
    parser.add_argument("--page", type=_shape, help="explore's network")
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON")
    args = parser.parse_args(argv)
    shapes = args.shapes or (QUICK_SHAPES if args.quick else SHAPES)
    page_shape = args.page or (QUICK_PAGE if args.quick else PAGE)
    before = [] if args.before == ["none"] else args.before
    with tempfile.TemporaryDirectory() as work:
        results = {"gradients": [gradients(s, args.repeats, Path(work)) for s in shapes],
                   "page": page(page_shape, before, args.repeats, Path(work))}
    rows = [["[" + ",".join(map(str, r["shape"])) + "]", f"{r['parameters']:,}",
             _cell(r["derive"]), _cell(r["torch"]),
             f"{r['derive']['seconds'] / r['torch']['seconds']:.2f}x",
             f"{r['derive']['cpu_seconds'] / r['torch']['cpu_seconds']:.2f}x",
             f"{r['max_rel_diff']:.1e}"] for r in results["gradients"]]
    print("derive --wrt all --format json against torch autograd (float64) reading the same "
          f"file, best of {args.repeats}\n")
    print(table(["shape", "parameters", "derive", "torch", "time ratio", "cpu ratio",
                 "max rel. diff"], rows))
    first = results["page"][-1]
    rows = [["[" + ",".join(map(str, r["shape"])) + "]", r["code"], _cell(r),
             f"{r['bytes'] / 1e6:.2f} MB", f"{r['seconds'] / first['seconds']:.2f}x",
             f"{r['cpu_seconds'] / first['cpu_seconds']:.2f}x"] for r in results["page"]]
    print(f"\nsymbackprop explore, the page of every parameter, best of {args.repeats}\n")
    print(table(["shape", "code", "explore", "page", "time / this", "cpu / this"], rows))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
