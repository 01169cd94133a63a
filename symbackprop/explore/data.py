"""What the interactive page carries: for each parameter its paths, deltas, total, update and
the values of the common mistakes, and for each edge its local partial.

An :class:`Exploration` holds the derivations (one :class:`Choice` a parameter, each with its
precomputed mistakes); :func:`page_data` turns it into the plain data the page's script reads
(strings already printed by :mod:`symbackprop.render.numbers`, as ``derive`` prints them, and
the floats the answer check compares).  Nothing in it is code: the script only shows the
strings as text and compares numbers.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> exploration = explore_problem(load_problem("mazur_2_2_2"), wrt="w1")
>>> exploration
Exploration(mazur_2_2_2 (bundled example), 10 parameters, w1 chosen)
>>> choice = exploration.choice("w1")
>>> choice.derivation.path_count, choice.update
(2, Step(w1+ = 0.15 - 0.5 * 0.0004385677345 = 0.1497807161))
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from ..calculus.derivation import Derivation, derive
from ..calculus.options import DEFAULT_PATH_LIMIT
from ..calculus.terms import Adjoint, Step
from ..check import MistakenValue, Predictor
from ..check.judge import SLACK
from ..draw.geometry import MAX_NODES
from ..errors import SymbackpropError
from ..graph.computation import ComputationGraph
from ..graph.network import LayeredNetwork
from ..render.numbers import FACTOR_DIGITS, text_number
from ..render.plaintext import step_text
from ..render.typeset import text_expr
from ..spec.problems import Problem
from .common import ExplorationBase, asked, offered

__all__ = ["LISTED_PATHS", "Choice", "Exploration", "edge_partials", "expand_page_data",
           "explorable", "explore_derivation", "explore_problem", "page_data"]

Edge = tuple[str, str]

LISTED_PATHS = 200
"""The paths of a parameter the page lists, each with its value (every path is drawn; past
these the page says how many more there are, and carries no value for them)."""


def explorable(graph: ComputationGraph, network: LayeredNetwork | None = None) -> list[str]:
    """The nodes the page offers to differentiate with respect to: the parameters (a
    layered ``network``'s layer by layer), or for a graph without any the leaves the output
    depends on.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> explorable(load_problem("branching_graph").graph)
    ['a', 'b']
    >>> explorable(load_problem("sigmoid_chain").graph)
    ['w1', 'w2', 'w3']
    """
    if network is not None:
        return [n for n in network.parameter_names() if n in graph]
    return offered(graph, graph.output)


@dataclass(frozen=True)
class Choice:
    """One parameter of the page: its derivation, the mistakes a student may make, the file's
    tolerance for its derivative (``None``: the typed digits decide) and its gradient-descent
    step when the file has a learning rate, with the values the common mistakes
    of that step give (:func:`~symbackprop.check.mistaken_values` with the learning rate) and
    the file's tolerance for the updated value.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> choice = explore_problem(load_problem("branching_graph")).choices[1]
    >>> choice.derivation, choice.tolerance, choice.update
    (Derivation(de/db, 2 paths = 5), None, None)
    """

    derivation: Derivation
    mistakes: tuple[MistakenValue, ...] = ()
    tolerance: float | None = None
    update: Step[float] | None = None
    update_mistakes: tuple[MistakenValue, ...] = ()
    update_tolerance: float | None = None


@dataclass(frozen=True, repr=False)
class Exploration(ExplorationBase[ComputationGraph, Choice]):
    """Everything the page shows, before it is printed (see the module docstring); the
    fields and :meth:`choice` are :class:`~symbackprop.explore.common.ExplorationBase`'s.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> exploration = explore_problem(load_problem("padhai_4_4_2"))
    >>> exploration.selected, exploration.learning_rate, len(exploration.choices)
    ('w111', 1.0, 24)
    """

    @property
    def values(self) -> Mapping[str, float] | None:
        """Every node's value (the forward pass), when the file gives numbers."""
        return self.choices[0].derivation.values


def _choice(derivation: Derivation, learning_rate: float | None,
            tolerance: float | None, update_tolerance: float | None = None,
            predictor: Predictor | None = None) -> Choice:
    """One parameter's entry; ``predictor`` shares the work of predicting the mistakes with
    the page's other parameters."""
    step = derivation.step(learning_rate)
    mistakes: tuple[MistakenValue, ...] = ()
    step_mistakes: tuple[MistakenValue, ...] = ()
    if derivation.values is not None and derivation.value is not None:
        predicted = (predictor or Predictor()).predict(
            derivation, learning_rate=None if step is None else step.learning_rate)
        mistakes = tuple(m for m in predicted.derivative if math.isfinite(m.value))
        step_mistakes = tuple(m for m in predicted.update or () if math.isfinite(m.value))
    return Choice(derivation, mistakes, tolerance, step, step_mistakes,
                  update_tolerance if step is not None else None)


def explore_problem(problem: Problem, wrt: str | None = None, *, of: str | None = None,
                    max_paths: int = DEFAULT_PATH_LIMIT) -> Exploration:
    """The page of a problem file: every parameter (see :func:`explorable`), ``wrt`` (default:
    the first) chosen when the page opens.

    Raises
    ------
    UsageError
        When ``wrt`` is not one of them.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> explore_problem(load_problem("mazur_2_2_2"), wrt="h11")
    Traceback (most recent call last):
    ...
    symbackprop.errors.UsageError: explore --wrt h11: not a parameter; allowed: w1, w2, w3, w4, \
b1, w5, w6, w7, w8, b2
    """
    graph = problem.graph
    if len(graph.order) > MAX_NODES:  # refused before every parameter is derived
        raise SymbackpropError(f"{problem.path or 'the problem'}: {len(graph.order):,} nodes are "
                               f"too many to draw legibly on the page (at most {MAX_NODES})")
    names = asked(graph, graph.output, explorable(graph, problem.network), wrt, of)
    target = graph.output if of is None else of
    tolerances = {c.wrt: c.tolerance for c in problem.claims
                  if c.kind == "derivative" and c.target == target and c.tolerance is not None}
    step_tolerances = {c.target: c.tolerance for c in problem.claims
                       if c.kind == "update" and c.tolerance is not None}
    values = problem.numeric_values
    predictor = Predictor()
    choices = tuple(_choice(derive(graph, name, of, values=values, max_paths=max_paths),
                            problem.learning_rate, tolerances.get(name),
                            step_tolerances.get(name), predictor) for name in names)
    return Exploration(graph, choices, wrt or names[0], problem.path or "", problem.title,
                       problem.source, problem.learning_rate, max_paths)


def explore_derivation(derivation: Derivation, *, learning_rate: float | None = None,
                       title: str = "") -> Exploration:
    """A page of one derivation (the Jupyter view): its parameter only.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> explore_derivation(derive(problem.graph, "w5", values=problem.values))
    Exploration(graph, 1 parameters, w5 chosen)
    """
    return Exploration(derivation.graph, (_choice(derivation, learning_rate, None),),
                       derivation.wrt, title=title, learning_rate=learning_rate)


# -- the data the script reads --------------------------------------------------------------------

def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _delta_rule(of: str, adjoint: Adjoint) -> str:
    """``δ_n = ∂c/∂n · δ_c + ...`` as ``derive`` writes it."""
    rule = " + ".join(f"∂{f.of}/∂{f.wrt}" + ("" if c == of else f" · δ_{c}")
                      for f, c in adjoint.contributions)
    value = "" if adjoint.value is None else f" = {text_number(adjoint.value)}"
    return f"δ_{adjoint.node} = {rule}{value}"


def edge_partials(exploration: Exploration, edges: Sequence[Edge]
                  ) -> list[tuple[sympy.Expr, float | None]]:
    """The local partial of each edge ``(u, v)`` (``∂v/∂u``) with its value: the derivations'
    own factors, and for an edge on none of their paths the graph's.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> exploration = explore_problem(load_problem("branching_graph"))    # e = c * d
    >>> edge_partials(exploration, [("c", "e"), ("d", "e")])
    [(d, 2.0), (c, 3.0)]
    """
    graph = exploration.graph
    factors = {(f.wrt, f.of): f for c in exploration.choices for a in c.derivation.adjoints
               for f, _ in a.contributions}
    values = exploration.values
    partials: list[tuple[sympy.Expr, float | None]] = []
    for u, v in edges:
        factor = factors.get((u, v))
        if factor is not None:
            partials.append((factor.expression, factor.value))
            continue
        expr = graph.local_partial(u, v)
        value = None if values is None else float(graph.evaluate(sympy.sympify(expr), values))
        partials.append((expr, value))
    return partials


def _text(texts: dict[str, int], text: str) -> int:
    """The index of ``text`` in the page's table of texts (added on first use)."""
    return texts.setdefault(text, len(texts))


def _choice_data(choice: Choice, edges: Sequence[Edge], index: Mapping[Edge, int],
                 deltas: dict[str, str], texts: dict[str, int]) -> dict[str, Any]:
    d = choice.derivation
    union = sorted({index[f.wrt, f.of] for a in d.adjoints for f, _ in a.contributions
                    if (f.wrt, f.of) in index})
    paths: list[list[Any]] | None = None
    routes: dict[int, str] | None = None  # the paths a mistake leaves out, written out
    values = None
    if d.terms is not None:
        paths, routes = [], {}
        left_out = {m.path for m in (*choice.mistakes, *choice.update_mistakes)
                    if m.path is not None}
        values = [text_number(t.value) for t in d.terms[:LISTED_PATHS]]
        before: list[int] = []
        for i, t in enumerate(d.terms):  # each path's edges after those shared with the one before
            path_edges = t.path.edges
            on = [k for k in map(index.get, path_edges) if k is not None]
            shared, common = 0, min(len(on), len(before))
            while shared < common and on[shared] == before[shared]:
                shared += 1
            row: list[Any] = [shared, *on[shared:]]
            if len(on) != len(path_edges):  # the route is not the edges' own
                row.append(list(t.path.nodes))
            paths.append(row)
            if i in left_out:
                routes[i] = str(t.path)
            before = on
    for adjoint in d.adjoints:
        if adjoint.node != d.of and adjoint.node not in deltas:
            deltas[adjoint.node] = _delta_rule(d.of, adjoint)
    step = None if choice.update is None else step_text(choice.update, d.of)
    return {
        "name": d.wrt, "of": d.of, "count": d.path_count, "paths": paths, "values": values,
        "edges": union,
        "nodes": sorted({n for e in union for n in edges[e]} | {d.wrt}),
        "deltas": [a.node for a in d.adjoints if a.node != d.of],
        "total": None if d.value is None else text_number(d.value),
        "value": _finite(d.value), "update": step, "tolerance": choice.tolerance,
        "mistakes": _mistakes_data(choice.mistakes, routes, texts),
        "updated": None if choice.update is None else {
            "value": _finite(choice.update.after), "total": text_number(choice.update.after),
            "tolerance": choice.update_tolerance,
            "mistakes": _mistakes_data(choice.update_mistakes, routes, texts)},
    }


def _mistakes_data(mistakes: Sequence[MistakenValue], routes: Mapping[int, str] | None,
                   texts: dict[str, int]) -> list[list[Any]]:
    """Each mistake as ``[name, description, value, path, templated]``: the name and the
    description indices in the page's table of texts; a description that names the mistake's
    path (a path left out) stored once for every path, with ``{path}`` where the route goes
    (``templated`` 1); ``routes`` holds each such path written out, by its index."""
    rows: list[list[Any]] = []
    for m in mistakes:
        description, templated = m.description, 0
        if (m.path is not None and routes is not None and "{path}" not in description
                and description.count(routes[m.path]) == 1):
            description, templated = description.replace(routes[m.path], "{path}"), 1
        rows.append([_text(texts, m.name), _text(texts, description), m.value, m.path,
                     templated])
    return rows


def expand_page_data(data: dict[str, Any]) -> dict[str, Any]:
    """The page's data as its script reads it (``explore.js``'s ``expand``): each path as
    ``{"value", "edges", "nodes"}`` and each mistake as ``{"name", "description", "value",
    "path"}``, from the compact rows :func:`page_data` writes (a path as the number of edges
    it shares with the path before, its other edges, and its nodes where they are not the
    edges' own; the values of the first :data:`LISTED_PATHS` paths apart; a mistake as in
    :func:`_mistakes_data`).  Changes ``data``
    in place and returns it.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> exploration = explore_problem(load_problem("branching_graph"))
    >>> edges = [("a", "c"), ("b", "c"), ("b", "d"), ("c", "e"), ("d", "e")]
    >>> data = page_data(exploration, edges, [[0, 0, 1, 1, 5]] * 5)
    >>> data["choices"][1]["paths"], data["choices"][1]["values"]
    ([[0, 1, 3], [0, 2, 4]], ['2', '3'])
    >>> data["choices"][1]["mistakes"][0]
    [4, 5, 3.0, 0, 1]
    >>> choice = expand_page_data(data)["choices"][1]
    >>> choice["paths"][0]
    {'value': '2', 'edges': [1, 3], 'nodes': ['b', 'c', 'e']}
    >>> choice["mistakes"][0]
    {'name': 'missing_path', 'description': 'the path b -> c -> e left out', 'value': 3.0, \
'path': 0}
    """
    texts, edges = data["texts"], data["edges"]

    def path(row: list[Any], before: list[int], value: str | None) -> dict[str, Any]:
        routed = bool(row) and isinstance(row[-1], list)
        on = before[:row[0]] + row[1:-1 if routed else None]
        nodes = row[-1] if routed else (
            [edges[on[0]]["from"]] + [edges[e]["to"] for e in on] if on else [])
        return {"value": value, "edges": on, "nodes": nodes}

    for choice in data["choices"]:
        values = choice.pop("values")
        if choice["paths"] is not None:
            paths: list[dict[str, Any]] = []
            for k, row in enumerate(choice["paths"]):
                paths.append(path(row, paths[-1]["edges"] if paths else [],
                                  values[k] if k < len(values) else None))
            choice["paths"] = paths

        def mistake(row: list[Any], choice: dict[str, Any] = choice) -> dict[str, Any]:
            description = texts[row[1]]
            if row[4]:
                description = description.replace(
                    "{path}", " -> ".join(choice["paths"][row[3]]["nodes"]))
            return {"name": texts[row[0]], "description": description, "value": row[2],
                    "path": row[3]}

        choice["mistakes"] = [mistake(row) for row in choice["mistakes"]]
        if choice["updated"] is not None:
            choice["updated"]["mistakes"] = [mistake(r) for r in choice["updated"]["mistakes"]]
    return data


def page_data(exploration: Exploration, edges: Sequence[Edge],
              geometry: Sequence[Sequence[float]]) -> dict[str, Any]:
    """The page's data (JSON-ready): the edges in ``edges`` order, each with its local partial
    (as text), its value and its ``geometry`` (the SVG segment and the room beside it for
    parallel strokes), and one entry a parameter.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> exploration = explore_problem(load_problem("branching_graph"))
    >>> edges = [("a", "c"), ("b", "c"), ("b", "d"), ("c", "e"), ("d", "e")]
    >>> data = page_data(exploration, edges, [[0, 0, 1, 1, 5]] * 5)
    >>> data["edges"][3]["partial"], data["edges"][3]["value"]
    ('d', '2')
    >>> [(c["name"], c["count"], c["total"]) for c in data["choices"]]
    [('a', 1, '2'), ('b', 2, '5')]
    """
    index = {edge: i for i, edge in enumerate(edges)}
    edge_data = []
    for (u, v), (expr, value), shape in zip(edges, edge_partials(exploration, edges), geometry,
                                            strict=True):
        edge_data.append({"from": u, "to": v, "partial": text_expr(expr),
                          "value": text_number(value),
                          "factor": text_number(value, FACTOR_DIGITS),
                          "geometry": list(shape)})
    deltas: dict[str, str] = {}
    texts: dict[str, int] = {}
    choices = [_choice_data(c, edges, index, deltas, texts) for c in exploration.choices]
    return {"title": exploration.title, "of": exploration.of, "selected": exploration.selected,
            "limit": exploration.path_limit, "rows": LISTED_PATHS, "slack": SLACK,
            "rate": _finite(exploration.learning_rate), "edges": edge_data, "deltas": deltas,
            "choices": choices, "texts": list(texts)}
