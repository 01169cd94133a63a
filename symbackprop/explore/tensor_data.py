"""What the interactive page of a tensor problem carries: for each parameter its tensor paths,
its derivation as ``derive`` prints it, its gradient and the gradients the tensor mistakes
give.

A :class:`TensorExploration` holds the derivations (one :class:`TensorChoice` a parameter, each
with the predictions of :class:`~symbackprop.check.tensor_predict.TensorPredictor`, in the
order a diagnosis prefers them); :func:`tensor_page_data` turns it into the plain data the
page's script (``assets/tensor.js``) reads: texts already printed (the derivation by
:func:`~symbackprop.render.text.derivation_text`, the gradient by the display rule of
:mod:`symbackprop.render.tensor_values`) and the floats a typed matrix is compared with, entry
by entry, by :func:`~symbackprop.check.tensor_check.judge_tensor`'s rule.

A gradient of more than :data:`MAX_TYPED_ENTRIES` entries is shown but not judged on the page
(nobody types it; ``symbackprop check`` judges a claim of any size), and a mistake's value of
more entries than that is not carried: the page stays small whatever the tensors' sizes.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> exploration = explore_tensor_problem(load_problem("tensor_mlp"), wrt="W1")
>>> exploration
TensorExploration(tensor_mlp (bundled example), 4 parameters, W1 chosen)
>>> choice = exploration.choice("W1")
>>> choice.derivation.path_count, choice.judged, choice.predictions[0].names
(1, True, ('softmax_diagonal',))
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..calculus.options import DEFAULT_PATH_LIMIT
from ..calculus.tensor_derivation import TensorDerivation, tensor_derive
from ..check.judge import SLACK
from ..check.tensor_predict import TensorPrediction, TensorPredictor
from ..graph.tensor import TensorGraph
from ..render.tensor_values import matrix_text
from ..render.text import derivation_text
from ..spec.tensor import TensorProblem
from .common import ExplorationBase, asked, offered

__all__ = ["MAX_TYPED_CHARACTERS", "MAX_TYPED_ENTRIES", "TensorChoice", "TensorExploration",
           "explore_tensor_problem", "tensor_explorable", "tensor_page_data"]

Edge = tuple[str, str]

MAX_TYPED_ENTRIES = 1_000
"""A gradient of more entries than this is shown but not judged on the page, and a mistake's
value of more entries is not carried."""
MAX_TYPED_CHARACTERS = 100_000
"""The longest answer the page reads."""


def tensor_explorable(graph: TensorGraph) -> list[str]:
    """The tensors the page offers to differentiate with respect to: the parameters, or for
    a graph without any the float leaves the output depends on.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> tensor_explorable(load_problem("tensor_mlp").graph)
    ['W1', 'W2', 'b1', 'b2']
    """
    return offered(graph, graph.output, lambda name: graph.node(name).dtype == "float")


@dataclass(frozen=True, eq=False)
class TensorChoice:
    """One parameter of the page: its derivation, the mistakes' gradients (``predictions``,
    empty when its gradient is not judged on the page) and the file's tolerance for its
    gradient (``None``: each typed entry's digits decide).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> choice = explore_tensor_problem(load_problem("tensor_mlp")).choice("b2")
    >>> choice, choice.tolerance
    (TensorChoice(dL/db2, 1 path, 42 mistakes), None)
    """

    derivation: TensorDerivation
    predictions: tuple[TensorPrediction, ...] = ()
    tolerance: float | None = None

    @property
    def judged(self) -> bool:
        """Whether a typed gradient is judged on the page (values known, not too large)."""
        gradient = self.derivation.gradient
        return gradient is not None and gradient.size <= MAX_TYPED_ENTRIES

    def __repr__(self) -> str:
        d = self.derivation
        plural = "path" if d.path_count == 1 else "paths"
        return (f"TensorChoice(d{d.of}/d{d.wrt}, {d.path_count:,} {plural}, "
                f"{len(self.predictions)} mistakes)")


@dataclass(frozen=True, eq=False, repr=False)
class TensorExploration(ExplorationBase[TensorGraph, TensorChoice]):
    """Everything the page of a tensor problem shows, before it is printed; the fields and
    :meth:`choice` are :class:`~symbackprop.explore.common.ExplorationBase`'s.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> exploration = explore_tensor_problem(load_problem("tensor_rnn"))
    >>> exploration.selected, exploration.of, len(exploration.choices)
    ('Whh', 'L', 5)
    """


def explore_tensor_problem(problem: TensorProblem, wrt: str | None = None, *,
                           of: str | None = None,
                           max_paths: int = DEFAULT_PATH_LIMIT) -> TensorExploration:
    """The page of a tensor problem file: every parameter (:func:`tensor_explorable`), ``wrt``
    (default: the first) chosen when the page opens.  The mistakes' gradients are those of
    the graph's loss: with ``of`` another node, the page judges no typed answer.

    Raises
    ------
    UsageError
        When ``wrt`` is not one of them, or no parameter has a path to ``of``.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> explore_tensor_problem(load_problem("tensor_mlp"), wrt="Z1")
    Traceback (most recent call last):
    ...
    symbackprop.errors.UsageError: explore --wrt Z1: not a parameter; allowed: W1, W2, b1, b2
    """
    graph = problem.graph
    names = asked(graph, graph.output, tensor_explorable(graph), wrt, of, every_of_output=True)
    target = graph.output if of is None else graph.node(of).name
    values = problem.values if problem.has_values else None
    derivations = [tensor_derive(graph, name, target, values, max_paths=max_paths)
                   for name in names]
    predictor = None
    if values is not None and target == graph.output:
        predictor = TensorPredictor(graph, derivations[0].values or graph.forward(values))
    tolerances = {c.node: c.tolerance for c in problem.claims
                  if c.kind == "gradient" and c.tolerance is not None}
    choices = []
    for d in derivations:
        choice = TensorChoice(d, (), tolerances.get(d.wrt))
        if predictor is not None and choice.judged:
            predictions = tuple(p for p in predictor.predictions(d.wrt)
                                if p.value.size <= MAX_TYPED_ENTRIES
                                and bool(np.all(np.isfinite(p.value))))
            choice = TensorChoice(d, predictions, choice.tolerance)
        choices.append(choice)
    return TensorExploration(graph, tuple(choices), wrt or names[0], problem.path or "",
                             problem.title, problem.source, problem.learning_rate, max_paths)


# -- the data the script reads --------------------------------------------------------------------

def _flat(value: np.ndarray) -> list[float]:
    return [float(x) for x in np.asarray(value, dtype=float).ravel()]


def _choice_data(exploration: TensorExploration, choice: TensorChoice,
                 index: dict[Edge, int]) -> dict[str, Any]:
    d = choice.derivation
    union = sorted({index[a.node, c] for a in d.adjoints for c, _ in a.contributions
                    if (a.node, c) in index})
    paths = routes = None
    if d.terms is not None:
        paths = [[index[e] for e in itertools.pairwise(t.path.nodes) if e in index]
                 for t in d.terms]
        routes = [" → ".join(t.path.nodes) for t in d.terms]
    gradient = d.gradient
    judged = (choice.judged and gradient is not None
              and bool(np.all(np.isfinite(gradient))))
    return {
        "name": d.wrt, "of": d.of, "shape": list(d.graph.node(d.wrt).shape),
        "count": d.path_count, "paths": paths, "routes": routes, "edges": union,
        "nodes": sorted({n for a in d.adjoints for n in (a.node, *(c for c, _ in
                                                               a.contributions))}),
        "derivation": derivation_text(d, learning_rate=exploration.learning_rate),
        "total": None if gradient is None else "\n".join(matrix_text(gradient)),
        "entries": int(np.prod(d.graph.node(d.wrt).shape, dtype=int)),
        "value": _flat(gradient) if judged and gradient is not None else None,
        "tolerance": choice.tolerance,
        "mistakes": [[list(p.names), p.text, list(p.value.shape), _flat(p.value)]
                     for p in choice.predictions] if judged else [],
    }


def tensor_page_data(exploration: TensorExploration, edges: Sequence[Edge],
                     geometry: Sequence[Sequence[float]]) -> dict[str, Any]:
    """The page's data (JSON-ready): the edges in ``edges`` order with their ``geometry`` (the
    SVG segment and the room beside it), and one entry a parameter: its paths (edge indices),
    routes, derivation text, gradient (printed, and flattened when judged) and each mistake
    as ``[names, diagnosis, shape, flattened value]``.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> exploration = explore_tensor_problem(load_problem("tensor_mlp"))
    >>> edges = list(exploration.graph.digraph.edges)
    >>> data = tensor_page_data(exploration, edges, [[0, 0, 1, 1, 5]] * len(edges))
    >>> b1 = data["choices"][2]
    >>> b1["name"], b1["shape"], b1["routes"], len(b1["value"])
    ('b1', [5], ['b1 → Z1 → H1 → Z2 → L'], 5)
    >>> b1["mistakes"][3][0], b1["mistakes"][3][2]
    (['bias_not_summed'], [4, 5])
    """
    index = {edge: i for i, edge in enumerate(edges)}
    edge_data = [{"from": u, "to": v, "geometry": list(shape)}
                 for (u, v), shape in zip(edges, geometry, strict=True)]
    return {"title": exploration.title, "of": exploration.of, "selected": exploration.selected,
            "limit": exploration.path_limit, "slack": SLACK, "typed": MAX_TYPED_ENTRIES,
            "characters": MAX_TYPED_CHARACTERS, "edges": edge_data,
            "choices": [_choice_data(exploration, c, index) for c in exploration.choices]}
