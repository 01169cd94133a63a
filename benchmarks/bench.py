"""symbackprop benchmarks: derivation at scale and generated-code speed, in one command.

    python benchmarks/bench.py [--quick] [--json out.json] [--cap SECONDS]
                               [--only derivation|runtime|grade|fastpaths] [--rounds N]
                               [--students N]
                               [--shapes 2,2,2 16,16,16,4 ...]

For each shape and head (softmax + cross-entropy; sigmoid + squared error; sigmoid hidden
layers; a bias per neuron) it measures, in the same run:

* derivation of every parameter's gradient: the reverse sweep with named adjoints
  (:func:`symbackprop.calculus.sweep.gradients`) against per-parameter path sums
  (:func:`symbackprop.calculus.derivation.derive`, one sympy product per path) and ``sympy.diff`` of
  the composed loss (:func:`symbackprop.numeric.oracles.composed_diff`).  The slow methods stop at a
  time cap; past it the table shows ``> cap`` and an estimate from timing one parameter of each
  layer (weights and biases apart) times the layer's count, marked ``est.``;
* peak memory of building the graph and sweeping it, in a fresh process (peak RSS, and the
  peak of Python allocations traced by tracemalloc);
* one weight end to end through the command line (:mod:`per_weight`): the first-layer, a middle
  and the last-layer weight through ``derive`` in every format and through ``paths``, with the
  path count, time and peak memory, against writing every form out and ``derive --wrt all``;
  and ``symbackprop --version``;
* the generated numpy gradient (layer-wise code) at batch 1 and 10,000 against a hand-written
  numpy backprop, the forward pass alone, torch autograd and jax.grad (float64, when installed),
  and the generated jax code;
* each fast path (the JSON writer, the evaluators) against the general way, on the work of a
  command that runs it (:mod:`fastpaths`).

and ``symbackprop grade`` on 500 answers-only submissions with one process and with two
(``benchmarks/grading.py``).

Every ratio is computed from times measured in this run. Times are the best of several repeats
(generated code: of three rounds, or ``--rounds``, in which every method is timed in turn).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np
import per_weight

from symbackprop.calculus.derivation import derive
from symbackprop.calculus.sweep import gradients
from symbackprop.codegen import compile_gradient
from symbackprop.graph.network import LayeredNetwork
from symbackprop.numeric.oracles import composed_diff

SHAPES = [(2, 2, 2), (4, 4, 2), (8, 8, 8, 2), (16, 16, 16, 4), (32, 32, 32, 10),
          (64, 64, 64, 10)]
QUICK_SHAPES = SHAPES[:4]
HEADS = {"softmax/CE": ("softmax", "cross_entropy"), "sigmoid/SE": ("sigmoid", "squared_error")}
BATCHES = (1, 10_000)
ROUNDS = 3
"""Timing rounds per case, every method in turn (the best of each is kept); ``--rounds``."""


def network_for(shape: tuple[int, ...], head: str) -> LayeredNetwork:
    output, loss = HEADS[head]
    return LayeredNetwork(shape, ("sigmoid",) * (len(shape) - 2), output, loss,
                          bias="per_neuron")


# -- derivation --------------------------------------------------------------------------------

class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def timed(function: Callable[[], Any], cap: float) -> float | None:
    """Seconds ``function`` took, or ``None`` if it ran past ``cap`` (interrupted)."""
    signal.signal(signal.SIGALRM, _alarm)
    # After the cap, again every second: an alarm raised where exceptions are ignored (jax's
    # garbage-collection hook) is followed by another.
    signal.setitimer(signal.ITIMER_REAL, cap, 1.0)
    start = time.perf_counter()
    try:
        function()
    except _Timeout:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    elapsed = time.perf_counter() - start
    return None if elapsed > cap else elapsed  # past the cap is past the cap


def _groups(network: LayeredNetwork) -> list[list[str]]:
    """Parameters by layer, weights and biases apart (within a group, costs are alike)."""
    groups = []
    for layer in range(1, network.depth + 1):
        groups.append([w for row in network.weight_matrix_names(layer) for w in row])
        groups.append([network.bias_name(layer, j) for j in range(1, network.layers[layer] + 1)])
    return [g for g in groups if g and g[0] is not None]


def per_parameter(network: LayeredNetwork, method: str, cap: float) -> dict[str, Any]:
    """Time ``method`` ("paths" or "diff") over every parameter, up to ``cap`` seconds; past
    it, estimate from one parameter per group."""
    graph = network.build()
    names = network.parameter_names()

    def one(name: str) -> None:
        if method == "paths":
            derive(graph, name, max_paths=10**12)
        else:
            composed_diff(graph, name)

    def all_of_them() -> None:
        for name in names:
            one(name)

    total = timed(all_of_them, cap)
    if total is not None:
        return {"seconds": total, "capped": False, "estimate": None, "lower_bound": False}
    estimate, lower_bound = 0.0, False
    # From the output layer back: a parameter costs more the further it is from the loss, so
    # once one sample runs past the cap, every group below it is counted at the cap (a bound).
    for group in reversed(_groups(network)):
        sample = None
        if not lower_bound:
            graph = network.build()  # nothing cached from the capped run
            sample = timed(lambda g=group: one(g[0]), cap)
        if sample is None:
            sample, lower_bound = cap, True
        estimate += sample * len(group)
    return {"seconds": None, "capped": True, "estimate": estimate, "lower_bound": lower_bound}


def sweep_time(network: LayeredNetwork, repeats: int) -> tuple[float, float]:
    """Best build time and best sweep time (a fresh graph each time: nothing cached)."""
    builds, sweeps = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        graph = network.build()
        builds.append(time.perf_counter() - start)
        start = time.perf_counter()
        gradients(graph, wrt=network.parameter_names())
        sweeps.append(time.perf_counter() - start)
    return min(builds), min(sweeps)


MEMORY_PROBE = """
import sys, tracemalloc
from symbackprop.graph.network import LayeredNetwork
from symbackprop.calculus.sweep import gradients
shape, output, loss = (sys.argv[1].split(), sys.argv[2], sys.argv[3])
network = LayeredNetwork(tuple(map(int, shape)), ("sigmoid",) * (len(shape) - 2), output, loss,
                         bias="per_neuron")
tracemalloc.start()
grads = gradients(network.build(), wrt=network.parameter_names())
peak = tracemalloc.get_traced_memory()[1]
# VmHWM: this process's peak resident set (ru_maxrss would count the parent's at fork)
status = open("/proc/self/status").read().split("VmHWM:")[1].split()
print(int(status[0]) * 1024, peak, len(grads))
"""


def memory(network: LayeredNetwork) -> dict[str, float]:
    """Peak RSS and traced peak (bytes) of building and sweeping, in a fresh process."""
    shape = " ".join(map(str, network.layers))
    result = subprocess.run([sys.executable, "-c", MEMORY_PROBE, shape, network.output,
                             network.loss], capture_output=True, text=True, check=True)
    rss, traced, _ = result.stdout.split()
    return {"peak_rss_mb": int(rss) / 2**20, "traced_peak_mb": int(traced) / 2**20}


# -- generated code ----------------------------------------------------------------------------

def data(network: LayeredNetwork, batch: int, seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    layers = network.layers
    arrays: dict[str, Any] = {"x": rng.normal(size=(batch, layers[0]))}
    if network.output == "softmax":
        arrays["y"] = np.eye(layers[-1])[rng.integers(0, layers[-1], size=batch)]
    else:
        arrays["y"] = rng.uniform(size=(batch, layers[-1]))
    for layer in range(1, network.depth + 1):
        fan_in = layers[layer - 1]
        arrays[f"W{layer}"] = rng.normal(scale=fan_in**-0.5, size=(layers[layer], fan_in))
        arrays[f"b{layer}"] = rng.normal(scale=0.1, size=layers[layer])
    return arrays


def _parameters(network: LayeredNetwork, arrays: dict[str, Any]) -> list[Any]:
    return [arrays[f"{k}{layer}"] for layer in range(1, network.depth + 1) for k in "Wb"]


def hand_forward(network: LayeredNetwork, x: Any, y: Any, *params: Any) -> float:
    """A hand-written numpy forward pass: the loss summed over the batch."""
    h = x
    for layer in range(1, network.depth + 1):
        a = h @ params[2 * layer - 2].T + params[2 * layer - 1]
        if layer < network.depth or network.output == "sigmoid":
            h = 0.5 * (1.0 + np.tanh(0.5 * a))
        else:
            e = np.exp(a - a.max(axis=1, keepdims=True))
            h = e / e.sum(axis=1, keepdims=True)
    if network.loss == "cross_entropy":
        return float(-(y * np.log(h)).sum())
    return float(((y - h) ** 2).sum())


def hand_backprop(network: LayeredNetwork, x: Any, y: Any, *params: Any) -> list[Any]:
    """A hand-written numpy backprop (the textbook matrix form), independent of codegen."""
    hs = [x]
    for layer in range(1, network.depth + 1):
        a = hs[-1] @ params[2 * layer - 2].T + params[2 * layer - 1]
        if layer < network.depth or network.output == "sigmoid":
            hs.append(0.5 * (1.0 + np.tanh(0.5 * a)))
        else:
            e = np.exp(a - a.max(axis=1, keepdims=True))
            hs.append(e / e.sum(axis=1, keepdims=True))
    yhat = hs[-1]
    # softmax with one-hot targets and cross-entropy; sigmoid with squared error
    delta = yhat - y if network.loss == "cross_entropy" else 2.0 * (yhat - y) * yhat * (1.0 - yhat)
    grads: list[Any] = []
    for layer in range(network.depth, 0, -1):
        grads[:0] = [delta.T @ hs[layer - 1], delta.sum(axis=0)]
        if layer > 1:
            h = hs[layer - 1]
            delta = (delta @ params[2 * layer - 2]) * h * (1.0 - h)
    return grads


def best(function: Callable[[], Any], budget: float = 0.1, repeats: int = 9) -> float:
    """Best time of one call, timeit-style: many short repeats of autoranged loops, so that on a
    shared machine some repeat falls in a quiet moment."""
    timer = timeit.Timer(function)
    loops, _ = timer.autorange()
    loops = max(1, int(loops * budget / 0.2))
    return min(timer.repeat(repeat=repeats, number=loops)) / loops


def torch_gradient(network: LayeredNetwork, arrays: dict[str, Any]) -> Callable[[], Any] | None:
    try:
        import torch
    except ImportError:
        return None
    x = torch.from_numpy(arrays["x"])
    y = torch.from_numpy(arrays["y"])
    params = [torch.from_numpy(p.copy()).requires_grad_() for p in _parameters(network, arrays)]

    def run() -> Any:
        h = x
        for layer in range(1, network.depth + 1):
            a = h @ params[2 * layer - 2].T + params[2 * layer - 1]
            if layer < network.depth or network.output == "sigmoid":
                h = torch.sigmoid(a)
            else:
                h = torch.softmax(a, dim=1)
        if network.loss == "cross_entropy":
            loss = -(y * torch.log(h)).sum()
        else:
            loss = ((y - h) ** 2).sum()
        return torch.autograd.grad(loss, params)

    return run


def jax_gradients(network: LayeredNetwork, arrays: dict[str, Any]) -> tuple[Any, Any] | None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    x, y = jnp.asarray(arrays["x"]), jnp.asarray(arrays["y"])
    params = [jnp.asarray(p) for p in _parameters(network, arrays)]

    def loss(params: list[Any]) -> Any:
        h = x
        for layer in range(1, network.depth + 1):
            a = h @ params[2 * layer - 2].T + params[2 * layer - 1]
            if layer < network.depth or network.output == "sigmoid":
                h = jax.nn.sigmoid(a)
            else:
                h = jax.nn.softmax(a, axis=1)
        if network.loss == "cross_entropy":
            return -(y * jnp.log(h)).sum()
        return ((y - h) ** 2).sum()

    grad = jax.jit(jax.grad(loss))
    generated = compile_gradient(network, target="jax")
    grad(params)[0].block_until_ready()  # compile before timing
    generated(x, y, *params)[0].block_until_ready()
    return (lambda: [g.block_until_ready() for g in grad(params)],
            lambda: [g.block_until_ready() for g in generated(x, y, *params)])


def matrix_products(network: LayeredNetwork, arrays: dict[str, Any],
                    library: str) -> Callable[[], Any] | None:
    """The matrix products of one gradient alone (forward ``h @ W.T``, backward ``delta.T @ h``
    and ``delta @ W``), on arrays of the layers' shapes, with numpy's BLAS as the generated code
    writes them (``W.T.copy()``) or with torch's as ``torch_gradient`` does: how much of a
    difference is the BLAS library's."""
    layers, batch = network.layers, len(arrays["x"])
    rng = np.random.default_rng(1)
    hs = [arrays["x"]] + [rng.uniform(size=(batch, n)) for n in layers[1:-1]]
    deltas = [rng.normal(size=(batch, n)) for n in layers[1:]]
    weights = [arrays[f"W{layer}"] for layer in range(1, network.depth + 1)]
    if library == "torch":
        try:
            import torch
        except ImportError:
            return None
        hs, deltas, weights = ([torch.from_numpy(a) for a in group]
                               for group in (hs, deltas, weights))

    def run() -> None:
        for layer, (h, delta, w) in enumerate(zip(hs, deltas, weights, strict=True)):
            h @ w.T if library == "torch" else h @ w.T.copy()
            delta.T @ h
            if layer:
                delta @ w

    return run


def runtime(network: LayeredNetwork, batch: int, rounds: int = ROUNDS,
            repeats: int = 5) -> dict[str, Any]:
    arrays = data(network, batch)
    params = _parameters(network, arrays)
    x, y = arrays["x"], arrays["y"]
    generated = compile_gradient(network)  # large batches in blocks, a thread per core
    one_call = compile_gradient(network, block_rows=0)  # the generated source, called once
    ours = generated(x, y, *params)
    theirs = hand_backprop(network, x, y, *params)
    scale = max(float(np.abs(t).max()) for t in theirs)
    agree = max(float(np.abs(o - t).max()) for o, t in zip(ours, theirs, strict=True)) / scale
    agree = max(agree, max(float(np.abs(o - t).max()) for o, t in zip(
        one_call(x, y, *params), theirs, strict=True)) / scale)
    methods: dict[str, Callable[[], Any] | None] = {
        "forward": lambda: hand_forward(network, x, y, *params),
        "hand_numpy": lambda: hand_backprop(network, x, y, *params),
        "generated_numpy": lambda: generated(x, y, *params),
        "generated_one_call": lambda: one_call(x, y, *params),
        "torch": torch_gradient(network, arrays),
        "jax_grad": None, "generated_jax": None,
        "products_numpy": matrix_products(network, arrays, "numpy"),
        "products_torch": matrix_products(network, arrays, "torch"),
    }
    jaxes = jax_gradients(network, arrays)
    if jaxes is not None:
        methods["jax_grad"], methods["generated_jax"] = jaxes
    # Rounds in turn, the best of each method kept: a busy moment of the machine then falls on
    # one round of every method rather than on all the repeats of one.
    times: dict[str, float | None] = {name: None for name in methods}
    for _ in range(rounds):
        for name, function in methods.items():
            if function is not None:
                seconds_ = best(function, repeats=repeats)
                times[name] = seconds_ if times[name] is None else min(times[name], seconds_)
    return {"batch": batch, "max_relative_difference": agree, **times}


# -- tables ------------------------------------------------------------------------------------

def seconds(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    return f"{value * 1e6:.1f} µs"


def products_ratio(row: dict[str, Any]) -> str:
    """The time of the gradient's matrix products with numpy's BLAS over torch's."""
    if row.get("products_torch") is None:
        return "—"
    return f"{row['products_numpy'] / row['products_torch']:.2f}"


def capped(result: dict[str, Any], cap: float) -> str:
    if not result["capped"]:
        return seconds(result["seconds"])
    bound = "≥ " if result["lower_bound"] else ""
    return f"> {cap:.0f} s (est. {bound}{seconds(result['estimate'])})"


def ratio(slow: dict[str, Any], fast: float, cap: float) -> str:
    if not slow["capped"]:
        return f"{slow['seconds'] / fast:,.0f}x"
    return f"> {cap / fast:,.0f}x (est. {slow['estimate'] / fast:,.0f}x)"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join([line, rule, *body])


PAGE_SHAPE = (8, 8, 8, 2)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def page_problem(shape: tuple[int, ...], folder: str) -> str:
    """A problem file of a softmax network of ``shape`` with fixed values, for the page."""
    lines = ['title = "page benchmark"', "learning_rate = 0.1", "[network]",
             f"layers = {list(shape)}", 'hidden = "sigmoid"', 'output = "softmax"',
             'loss = "cross_entropy"', "[values]",
             f"x = {[round(0.1 * k - 0.35, 2) for k in range(shape[0])]}",
             f"y = {[1] + [0] * (shape[-1] - 1)}"]
    for layer in range(1, len(shape)):
        rows = [[round(((7 * j + 3 * k + layer) % 11 - 5) / 10, 2) for k in range(shape[layer - 1])]
                for j in range(shape[layer])]
        lines.append(f"W{layer} = {rows}")
    path = os.path.join(folder, "page.toml")
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    return path


def page_timing(shape: tuple[int, ...], repeats: int) -> dict[str, Any]:
    """``symbackprop explore``'s page: its build time and size, and in chromium (when
    Playwright and chromium are installed) the time until it is interactive against the time
    the same browser takes to open an empty page."""
    import shutil
    import tempfile

    from symbackprop.explore import explore_page, explore_problem
    from symbackprop.spec import load_problem

    with tempfile.TemporaryDirectory() as folder:
        problem = load_problem(page_problem(shape, folder))
        start = time.perf_counter()
        page = explore_page(explore_problem(problem))
        row: dict[str, Any] = {"shape": list(shape), "build_seconds": time.perf_counter() - start,
                               "bytes": len(page.encode()), "ready_ms": None, "blank_ms": None}
        chromium = shutil.which("chromium")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            chromium = None
        if chromium is None:
            return row
        paths = {"page": os.path.join(folder, "page.html"),
                 "blank": os.path.join(folder, "blank.html")}
        for key, text in (("page", page), ("blank", "<!DOCTYPE html><p>blank</p>")):
            with open(paths[key], "w", encoding="utf-8") as out:
                out.write(text)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            tab = browser.new_page()
            ready, blank = [], []
            for _ in range(repeats):
                tab.goto("file://" + paths["page"])
                ready.append(float(tab.get_attribute(".sbp-explore", "data-ready") or "nan"))
                tab.goto("file://" + paths["blank"])
                blank.append(tab.evaluate("performance.getEntriesByType('navigation')[0]"
                                          ".loadEventEnd"))
            browser.close()
        row.update(ready_ms=min(ready), blank_ms=min(blank))
    return row


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(width) for width in text.split(","))
    except ValueError:
        shape = ()
    if len(shape) < 2 or min(shape) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a shape: give two or more layer widths >= 1, e.g. 2,2,2")
    return shape


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="shapes up to [16,16,16,4], a 10 s cap, fewer repeats")
    parser.add_argument("--json", metavar="OUT", help="also write every number to OUT")
    parser.add_argument("--cap", type=float, default=None,
                        help="seconds per slow derivation method and case (default 60; 10 quick)")
    parser.add_argument("--only", choices=("derivation", "perweight", "runtime", "grade", "page",
                                           "fastpaths"),
                        help="run one of the tables")
    parser.add_argument("--students", type=int, default=None,
                        help="submissions of the grading table (default 500; 100 quick)")
    parser.add_argument("--shapes", nargs="+", metavar="SHAPE", type=_shape,
                        help="layer widths to measure instead of the standard shapes, e.g. "
                             "--shapes 2,2,2 8,8,8,2")
    parser.add_argument("--rounds", type=int, default=ROUNDS,
                        help=f"timing rounds of the generated-code table, every method in turn "
                             f"(default {ROUNDS}; more on a busy machine)")
    args = parser.parse_args(argv)
    cap = args.cap if args.cap is not None else (10.0 if args.quick else 60.0)
    shapes = args.shapes or (QUICK_SHAPES if args.quick else SHAPES)
    repeats = 2 if args.quick else 3
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "numpy": np.__version__},
        "cap_seconds": cap, "rounds": args.rounds, "derivation": [], "runtime": [], "page": [],
        "fastpaths": [],
    }
    derivation_rows, runtime_rows, per_weight_networks = [], [], []
    for shape in shapes if args.only not in ("grade", "page", "fastpaths") else ():
        for head in HEADS:
            network = network_for(shape, head)
            name = "[" + ",".join(map(str, shape)) + "]"
            print(f"… {name} {head}", file=sys.stderr, flush=True)
            if args.only in (None, "perweight"):
                per_weight_networks.append((network, head, HEADS[head]))
            if args.only in (None, "derivation"):
                build, sweep = sweep_time(network, repeats)
                mem = memory(network)
                paths = per_parameter(network, "paths", cap)
                diff = per_parameter(network, "diff", cap)
                record = {"shape": list(shape), "head": head,
                          "parameters": len(network.parameter_names()), "build_seconds": build,
                          "sweep_seconds": sweep, **mem, "path_sums": paths,
                          "composed_diff": diff}
                results["derivation"].append(record)
                derivation_rows.append([
                    name, head, f"{record['parameters']:,}", seconds(build), seconds(sweep),
                    f"{mem['peak_rss_mb']:.0f} MB", capped(paths, cap), ratio(paths, sweep, cap),
                    capped(diff, cap), ratio(diff, sweep, cap)])
            for batch in BATCHES if args.only in (None, "runtime") else ():
                row = runtime(network, batch, args.rounds, repeats=2 if args.quick else 5)
                row.update(shape=list(shape), head=head)
                results["runtime"].append(row)
                gen = row["generated_numpy"]
                runtime_rows.append([
                    name, head, f"{batch:,}", seconds(row["forward"]), seconds(row["hand_numpy"]),
                    seconds(gen), seconds(row["generated_one_call"]),
                    f"{gen / row['hand_numpy']:.2f}", f"{gen / row['forward']:.2f}",
                    seconds(row["torch"]),
                    "—" if row["torch"] is None else f"{gen / row['torch']:.2f}",
                    seconds(row["jax_grad"]), seconds(row["generated_jax"]),
                    products_ratio(row), f"{row['max_relative_difference']:.0e}"])
    page_rows = []
    if args.only in (None, "page"):
        row = page_timing(PAGE_SHAPE, repeats)
        results["page"].append(row)
        ready = "—" if row["ready_ms"] is None else f"{row['ready_ms']:.0f} ms"
        blank = "—" if row["blank_ms"] is None else f"{row['blank_ms']:.0f} ms"
        page_rows.append(["[" + ",".join(map(str, PAGE_SHAPE)) + "]",
                          f"{row['bytes'] / 1e6:.2f} MB", seconds(row["build_seconds"]), ready,
                          blank, "—" if row["ready_ms"] is None
                          else f"{row['ready_ms'] / max(row['blank_ms'], 1):.1f}"])
    if per_weight_networks and not args.shapes and not args.quick:
        per_weight_networks += [(network_for(shape, "softmax/CE"), "softmax/CE",
                                 HEADS["softmax/CE"]) for shape in per_weight.EXTRA_SHAPES]
    if per_weight_networks:
        results["per_weight"], per_weight_text = per_weight.section(
            per_weight_networks, max(cap, per_weight.MIN_CAP))
    if derivation_rows:
        print("\nDerivation of every parameter's gradient (sweep = one reverse sweep with named "
              f"adjoints; slow methods capped at {cap:.0f} s)\n")
        print(table(["shape", "head", "params", "build graph", "sweep", "peak RSS",
                     "path sums", "sweep speed-up", "sympy.diff composed", "sweep speed-up"],
                    derivation_rows))
    if per_weight_networks:
        print(per_weight_text[0][0])
    if runtime_rows:
        print("\nGenerated numpy gradient (layer-wise code) against the forward pass, a "
              "hand-written numpy backprop, torch autograd and jax.grad (float64)\n")
        print(table(["shape", "head", "batch", "forward", "hand numpy", "generated",
                     "gen. 1 call", "gen/hand", "gen/fwd", "torch", "gen/torch", "jax.grad",
                     "gen. jax", "products np/torch", "max rel. diff"], runtime_rows))
    if args.only in (None, "grade"):
        from grading import grading_benchmark  # benchmarks/grading.py, beside this script

        count = args.students or (100 if args.quick else 500)
        results["grade"] = [grading_benchmark(count, worst) for worst in (False, True)]
        print(f"\nsymbackprop grade on {count} answers-only submissions, start-up included "
              "(typical: half right, 30 % common mistakes; worst: every answer diagnosed in "
              "full); target under 30 s\n")
        print(table(["answers", "submissions", "--jobs 1", "--jobs 2", "jobs 1 / jobs 2"], [[
            g["mix"], f"{g['submissions']}", seconds(g["jobs_1_seconds"]),
            seconds(g["jobs_2_seconds"]), f"{g['jobs_1_seconds'] / g['jobs_2_seconds']:.2f}"]
            for g in results["grade"]]))
    if page_rows:
        print("\nThe interactive page (symbackprop explore, softmax head): its size, build time, "
              "and the time until chromium has it interactive, against an empty page\n")
        print(table(["shape", "size", "build", "interactive", "empty page", "ratio"], page_rows))
    if args.only in (None, "fastpaths"):
        import fastpaths  # benchmarks/fastpaths.py, beside this script

        results["fastpaths"], text = fastpaths.section(args.shapes, args.quick, repeats)
        print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2)
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
