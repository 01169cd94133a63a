"""Does each fast path pay for its lines?  Each against the general way, in the same run.

    python benchmarks/fastpaths.py [--quick] [--shapes 2,2,2] [--json OUT]
    python benchmarks/bench.py --only fastpaths        # the same table, as a section

Two kinds of fast path, each timed on the work of a command that really runs it, against the
general way it would otherwise take:

* the JSON writer (:func:`symbackprop.render.jsontext.to_json`) against :func:`json.dumps` with
  ``indent=2`` (its reference, ``_standard_json``), on the data of ``derive --wrt all --format
  json`` of a [64, 64, 64, 10] network, of ``paths --wrt w_1_1_1 --format json`` of a
  [32, 32, 32, 32, 10] one (102,400 paths) and of ``derive --wrt w_1_1_1 --format json`` of a
  [16, 16, 16, 4] one (4,096 paths); the two texts must be the same;
* the evaluators of :mod:`symbackprop.graph.evaluation` against :func:`evaluate` (a whole
  expression lambdified, cached by expression): :func:`direct_evaluator` in the forward pass,
  :func:`evaluate_alike` for derive's local partials (past ``PATTERN_FROM`` nodes on the paths)
  and :func:`number` for the sweep's and the streamed listing's: the step alone, and for the
  last two the whole of it from reading the file (``derive`` and the sweep with
  ``evaluation.<fast path>`` replaced by ``evaluate``).  Each from cold caches (the compiled
  functions and sympy's), as a command starts, except where a command calls it again and again
  (warm).  ``differ`` counts the values that are not the same float: folding a fast path into
  the general one would change those printed digits.

Every softmax/cross-entropy network has sigmoid hidden layers and a bias per neuron, with the
random values of ``per_weight.problem_text``; softmax/CE, as the per-weight table.  Times are
the best of ``--repeats`` runs (a slow alternative stops repeating after 10 s).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import per_weight
from sympy.core.cache import clear_cache

from symbackprop.calculus import derivation
from symbackprop.calculus.paths import count_paths, find_paths, on_paths
from symbackprop.calculus.streaming import iter_path_terms
from symbackprop.calculus.sweep import gradients
from symbackprop.graph import evaluation
from symbackprop.render import derivation_data, streamed
from symbackprop.render.gradients import gradients_data
from symbackprop.render.jsontext import _standard_json, to_json
from symbackprop.spec import load_problem
from symbackprop.spec.problems import Problem

ALL_SHAPE = (64, 64, 64, 10)
LISTING_SHAPE = (32, 32, 32, 32, 10)
DERIVE_SHAPE = (16, 16, 16, 4)
QUICK_SHAPE = (16, 16, 16, 4)
BUDGET = 10.0
"""Seconds after which a measurement stops repeating (the general way can be slow)."""
POINTS = 1_000
"""Points of the batch forward pass (``check`` evaluates a claim at random points)."""


def shape_text(shape: Sequence[int]) -> str:
    return "[" + ",".join(map(str, shape)) + "]"


def problem(shape: tuple[int, ...], folder: str) -> Problem:
    path = Path(folder) / f"net_{'_'.join(map(str, shape))}.toml"
    path.write_text(per_weight.problem_text(shape, "softmax", "cross_entropy"), encoding="utf-8")
    return load_problem(str(path))


def first_weight(p: Problem) -> str:
    """The weight of the per-weight workloads: the first layer's (``w_1_1_1``), with the most
    paths."""
    assert p.network is not None  # the benchmark's own files are networks
    return p.network.weight_name(1, 1, 1)


def cold() -> None:
    """Forget every compiled function and sympy's cache, as a fresh command process starts."""
    for cache in (evaluation._LAMBDA_CACHE, evaluation._PATTERN_CACHE,
                  evaluation._FUNCTION_CACHE):
        cache.clear()
    clear_cache()


def best(function: Callable[[], Any], repeats: int, *, warm: bool = False) -> tuple[float, Any]:
    """The best time of ``repeats`` runs (fewer past :data:`BUDGET`) and the last result."""
    times: list[float] = []
    started = time.perf_counter()
    result = None
    for _ in range(repeats):
        if not warm:
            cold()
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
        if time.perf_counter() - started > BUDGET:
            break
    return min(times), result


def differing(fast: Sequence[Any], general: Sequence[Any]) -> int:
    """How many of the values are not the same float (arrays: any entry)."""
    return sum(not np.array_equal(a, b) for a, b in zip(fast, general, strict=True))


# -- the JSON writer ---------------------------------------------------------------------------

def json_rows(problems: dict[str, Problem], repeats: int) -> list[dict[str, Any]]:
    """``to_json`` against ``json.dumps(..., indent=2)`` on three commands' data."""
    def all_data() -> Any:
        p = problems["all"]
        wrt = p.network.parameter_names() if p.network is not None else None
        return gradients_data(gradients(p.graph, None, p.numeric_values, wrt=wrt))

    def listing_data() -> Any:
        p = problems["listing"]
        wrt = first_weight(p)
        terms = iter_path_terms(p.graph, wrt, values=p.numeric_values)
        data = streamed.streamed_paths_data(terms, of=p.graph.output, wrt=wrt,
                                            count=count_paths(p.graph, wrt))
        # the listing made whole (streamed, it is written once): both writers time the text
        data["paths"] = list(data["paths"])
        data["value"] = data["value"].make()
        return data

    def derive_data() -> Any:
        p = problems["derive"]
        d = derivation.derive(p.graph, first_weight(p), values=p.numeric_values)
        return derivation_data(d, learning_rate=p.learning_rate)

    workloads: list[tuple[str, Callable[[], Any]]] = [
        (f"derive --wrt all --format json, {_name(problems['all'])}", all_data),
        (f"paths --wrt {first_weight(problems['listing'])} --format json, "
         f"{_name(problems['listing'])}", listing_data),
        (f"derive --wrt {first_weight(problems['derive'])} --format json, "
         f"{_name(problems['derive'])}", derive_data),
    ]
    rows = []
    for workload, build in workloads:
        print(f"… JSON: {workload}", file=sys.stderr, flush=True)
        data = build()
        fast, text = best(lambda d=data: to_json(d), repeats, warm=True)
        general, reference = best(lambda d=data: _standard_json(d), repeats, warm=True)
        rows.append({"fast_path": "render.jsontext.to_json", "general": "json.dumps",
                     "workload": workload, "fast_seconds": fast, "general_seconds": general,
                     "values": len(text), "differ": int(text != reference)})
    return rows


def _name(p: Problem) -> str:
    assert p.network is not None
    return shape_text(p.network.layers)


# -- the evaluators ----------------------------------------------------------------------------

def _general_forward(definitions: Sequence[tuple[str, Any]], constants: dict[str, float],
                     values: dict[str, Any]) -> dict[str, Any]:
    """The forward pass with every definition lambdified whole (:func:`evaluation.evaluate`)."""
    result = {name: v for name, v in constants.items() if not np.isnan(v)}
    result.update(values)
    for name, definition in definitions:
        if definition is not None:
            result[name] = evaluation.evaluate(definition, result)
    return result


def _partials(graph: Any, children: dict[str, Sequence[str]]) -> list[Any]:
    return [graph.local_partial(parent, child) for parent, kids in children.items()
            for child in kids]


def _with(name: str, replacement: Callable[..., Any], run: Callable[[], Any]) -> Any:
    """``run()`` with ``evaluation.<name>`` replaced (the callers look it up at call time)."""
    original = getattr(evaluation, name)
    setattr(evaluation, name, replacement)
    try:
        return run()
    finally:
        setattr(evaluation, name, original)


def evaluator_rows(problems: dict[str, Problem], repeats: int) -> list[dict[str, Any]]:
    """Each evaluator against :func:`evaluation.evaluate` where a command calls it."""
    rows: list[dict[str, Any]] = []

    def row(fast_path: str, workload: str, fast: Callable[[], Any],
            general: Callable[[], Any], *, warm: bool = False,
            values: Callable[[Any], Sequence[Any]] = list) -> None:
        print(f"… {fast_path}: {workload}", file=sys.stderr, flush=True)
        fast_time, fast_result = best(fast, repeats, warm=warm)
        general_time, general_result = best(general, repeats, warm=warm)
        fast_values, general_values = values(fast_result), values(general_result)
        rows.append({"fast_path": f"graph.evaluation.{fast_path}", "general": "evaluate",
                     "workload": workload, "fast_seconds": fast_time,
                     "general_seconds": general_time, "values": len(fast_values),
                     "differ": differing(fast_values, general_values)})

    big = problems["all"]
    graph, leaves = big.graph, dict(big.numeric_values)
    name = _name(big)
    # every definition, as the graph's general forward pass takes them
    definitions = [(n, graph.node(n).definition) for n in graph.order]
    constants = graph.constants
    order = list(graph.order)

    def node_values(result: dict[str, Any]) -> list[Any]:
        return [result[n] for n in order]

    row("direct_evaluator", f"forward pass, every command, {name} (cold)",
        lambda: evaluation.ForwardPass(definitions, constants)(leaves),
        lambda: _general_forward(definitions, constants, leaves), values=node_values)
    compiled = evaluation.ForwardPass(definitions, constants)
    compiled(leaves)
    _general_forward(definitions, constants, leaves)  # compiled and cached: warm
    row("direct_evaluator", f"forward pass again, verify's finite differences, {name} (warm)",
        lambda: compiled(leaves), lambda: _general_forward(definitions, constants, leaves),
        warm=True, values=node_values)
    rng = np.random.default_rng(0)
    batch = {k: v + rng.normal(scale=0.01, size=POINTS) for k, v in leaves.items()}
    compiled(batch)
    _general_forward(definitions, constants, batch)
    row("direct_evaluator", f"forward pass at {POINTS:,} points, check's evidence, {name} "
        "(warm)", lambda: compiled(batch),
        lambda: _general_forward(definitions, constants, batch), warm=True, values=node_values)

    at = graph.forward(leaves)
    first = first_weight(big)
    partials = _partials(graph, find_paths(graph, first).children)
    row("evaluate_alike", f"derive --wrt {first}: {len(partials):,} local partials, {name}",
        lambda: [evaluation.evaluate_alike(e, at) for e in partials],
        lambda: [evaluation.evaluate(e, at) for e in partials])

    def derived() -> list[Any]:
        fresh = load_problem(str(big.path))  # nothing of the graph computed yet
        d = derivation.derive(fresh.graph, first, values=fresh.numeric_values)
        return [a.value for a in d.adjoints]

    row("evaluate_alike", f"derive --wrt {first}: the file read, the derivation, {name}",
        derived, lambda: _with("evaluate_alike", evaluation.evaluate, derived))
    swept = _partials(graph, _children(graph))
    row("number", f"derive --wrt all: {len(swept):,} local partials, {name}",
        lambda: [evaluation.number(e, at) for e in swept],
        lambda: [evaluation.evaluate(e, at) for e in swept])

    def sweep() -> list[Any]:
        fresh = load_problem(str(big.path))
        grads = gradients(fresh.graph, values=fresh.numeric_values)
        return [grads.value(w) for w in grads]

    row("number", f"derive --wrt all: the file read, the sweep, {name}", sweep,
        lambda: _with("number", evaluation.evaluate, sweep))
    listing = problems["listing"]
    lgraph = listing.graph
    lat = lgraph.forward(listing.numeric_values)
    edges = _partials(lgraph, find_paths(lgraph, first_weight(listing)).children)
    row("number", f"paths --wrt {first_weight(listing)}: {len(edges):,} local partials, "
        f"{_name(listing)}",
        lambda: [evaluation.number(e, lat) for e in edges],
        lambda: [evaluation.evaluate(e, lat) for e in edges])
    return rows


def _children(graph: Any) -> dict[str, Sequence[str]]:
    from symbackprop.calculus.paths import children_on_paths

    return children_on_paths(graph, on_paths(graph, graph.parameters, graph.output))


# -- the table ---------------------------------------------------------------------------------

def shapes_for(shapes: Sequence[tuple[int, ...]] | None, quick: bool) -> dict[str, tuple[int, ...]]:
    """The networks of the three kinds of workload: the standard ones, the quick one, or the
    first shape given."""
    if shapes:
        return dict.fromkeys(("all", "listing", "derive"), tuple(shapes[0]))
    if quick:
        return dict.fromkeys(("all", "listing", "derive"), QUICK_SHAPE)
    return {"all": ALL_SHAPE, "listing": LISTING_SHAPE, "derive": DERIVE_SHAPE}


def section(shapes: Sequence[tuple[int, ...]] | None, quick: bool,
            repeats: int) -> tuple[list[dict[str, Any]], str]:
    """Every row (the JSON record) and the printed table."""
    from bench import seconds, table  # the script's writers (this module sits beside it)

    chosen = shapes_for(shapes, quick)
    with tempfile.TemporaryDirectory() as folder:
        loaded = {shape: problem(shape, folder) for shape in set(chosen.values())}
        problems = {kind: loaded[shape] for kind, shape in chosen.items()}
        rows = json_rows(problems, repeats) + evaluator_rows(problems, repeats)
    for row in rows:
        row["ratio"] = row["general_seconds"] / row["fast_seconds"]
    printed = [[row["fast_path"], row["workload"], seconds(row["fast_seconds"]),
                f"{row['general']} {seconds(row['general_seconds'])}", f"{row['ratio']:,.2f}x",
                f"{row['differ']:,} of {row['values']:,}"
                if not row["fast_path"].endswith("to_json") else
                ("same text" if not row["differ"] else "DIFFERENT TEXT")]
               for row in rows]
    text = ("\nFast paths against the general way, on the work of a command (ratio = general / "
            "fast; differ: values not the same float)\n\n"
            + table(["fast path", "workload", "fast", "general", "ratio", "differ"], printed))
    return rows, text


def main(argv: list[str] | None = None) -> int:
    from bench import _shape

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"every workload on "
                        f"{shape_text(QUICK_SHAPE)}, fewer repeats")
    parser.add_argument("--shapes", nargs="+", type=_shape, metavar="SHAPE",
                        help="every workload on the first of these shapes instead")
    parser.add_argument("--repeats", type=int, default=None, help="runs of each (default 3; "
                        "2 quick)")
    parser.add_argument("--json", metavar="OUT", help="also write every row to OUT")
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 3)
    rows, text = section(args.shapes, args.quick, repeats)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"fastpaths": rows, "cpus": os.cpu_count()}, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
