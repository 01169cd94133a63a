"""Every weight's and bias's gradient of a layered network at once, for the reverse sweep.

In the sweep (:func:`~symbackprop.calculus.sweep.gradients`) a parameter is a leaf with one
child or a few: its adjoint is ``(d a / d w) * delta_a`` summed over its children ``a``.  Made
one at a time, as every other adjoint is, that is a :class:`~symbackprop.calculus.terms.Factor`,
an :class:`~symbackprop.calculus.terms.Adjoint` and a sympy product per weight: 134,000 of each
for a [256, 256, 256, 10] network, more than the rest of its sweep.  For a
:class:`~symbackprop.graph.layered.LayeredGraph` the weights' gradients are instead

- their values, a layer's at once with numpy: ``0.0 + h_k * delta_j`` for the weight from ``k``
  to ``j`` (an outer product), a bias's its neurons' deltas added in order from ``0.0``: each
  the same float as the sweep's one-at-a-time sum, rounding for rounding;
- their expressions, each made when it is asked for (:class:`LeafGradients`).

Examples
--------
>>> from symbackprop.graph.network import LayeredNetwork
>>> graph = LayeredNetwork((2, 1), hidden=(), output="identity", loss="half_squared_error",
...                        bias="per_neuron").build()
>>> bulk, feeds = bulk_parameters(graph, ["w111", "w112", "b11", "x1"], "L")
>>> bulk, feeds
(['w111', 'w112', 'b11'], {'a11'})
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from ..graph.canonical import product
from ..graph.computation import ComputationGraph
from ..graph.layered import LayeredGraph
from ..graph.precision import is_precise
from ..naming import symbols
from .adjoints import definition

__all__ = ["LeafGradients", "bulk_parameters", "bulk_values"]


def bulk_parameters(graph: ComputationGraph, names: Sequence[str],
                    of: str) -> tuple[list[str], set[str]]:
    """The parameters among ``names`` whose gradients of ``of`` are made in bulk, and the
    nodes they feed (the sweep still computes those nodes' adjoints): the parameters of a
    layered graph, for its loss, in float64; none otherwise.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> bulk_parameters(load_problem("branching_graph").graph, ["a", "b"], "e")
    ([], set())
    """
    if not isinstance(graph, LayeredGraph) or of != graph.output or is_precise():
        return [], set()
    parameters = graph.parameter_set
    bulk = [name for name in names if name in parameters]
    if len(bulk) == len(parameters):  # every parameter: every pre-activation
        return bulk, set(graph.pre_activations())
    return bulk, {child for name in bulk for child in graph.children(name)}


class LeafGradients(Mapping[str, sympy.Expr]):
    """``d of / d p`` for each parameter ``p`` of ``names``, made when it is asked for: the
    sum over its children ``c`` of ``(d c / d p) * delta_c``, as the sweep writes a leaf's
    adjoint (:func:`~symbackprop.calculus.adjoints.definition`).

    Examples
    --------
    >>> from symbackprop.graph.network import LayeredNetwork
    >>> from symbackprop.naming import symbol
    >>> graph = LayeredNetwork((2, 1), hidden=(), output="identity",
    ...                        loss="half_squared_error", bias="per_neuron").build()
    >>> grads = LeafGradients(graph, ["w112", "b11"], lambda node: symbol("delta_" + node))
    >>> grads["w112"], grads["b11"], list(grads)
    (delta_a11*x2, delta_a11, ['w112', 'b11'])
    """

    def __init__(self, graph: ComputationGraph, names: Sequence[str],
                 stand_in: Callable[[str], sympy.Expr]) -> None:
        self._graph = graph
        self._names = names
        self._known = frozenset(names)
        self._stand_in = stand_in
        self._weights: dict[str, sympy.Expr] = {}
        self._layers: set[int] = set()

    def __getitem__(self, name: str) -> sympy.Expr:
        if name not in self._known:
            raise KeyError(name)
        found = self._weights.get(name)
        if found is None and isinstance(self._graph, LayeredGraph):
            layer = self._graph.weight_layer(name)
            if layer is not None and layer not in self._layers:
                self._layer(self._graph, layer)
                found = self._weights.get(name)
        if found is None:
            found = definition([(self._graph.local_partial(name, child), self._stand_in(child))
                                for child in self._graph.children(name)])
        return found

    def _layer(self, graph: LayeredGraph, layer: int) -> None:
        """Every weight's gradient of ``layer`` (``source * delta``, what :func:`definition`
        makes of its one child), a row at a time: a layer's are asked for together."""
        self._layers.add(layer)
        sources = symbols(graph.sources(layer))
        for row, pre in zip(graph.network.weight_rows(layer), graph.pre_activations(layer),
                            strict=True):
            delta = self._stand_in(pre)
            self._weights.update(zip(row, (product(source, delta) for source in sources),
                                     strict=True))

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def bulk_values(graph: LayeredGraph, names: Sequence[str], forward: Mapping[str, Any],
                deltas: Mapping[str, Any]) -> dict[str, float] | None:
    """The gradient value of each parameter of ``names``, from the forward values and the
    pre-activations' adjoint values ``deltas``; ``None`` where those are not all floats (a
    batch of points, many digits): then the sweep makes them one by one.

    Examples
    --------
    >>> from symbackprop.graph.network import LayeredNetwork
    >>> graph = LayeredNetwork((2, 1), hidden=(), output="identity",
    ...                        loss="half_squared_error", bias="per_layer").build()
    >>> bulk_values(graph, ["w112", "b1"], {"x1": 3.0, "x2": -1.0}, {"a11": 0.5})
    {'w112': -0.5, 'b1': 0.5}
    """
    network = graph.network
    found: dict[str, float] = {}
    for layer in range(1, network.depth + 1):
        rows = network.weight_rows(layer)
        sources, pre = graph.sources(layer), graph.pre_activations(layer)
        delta: list[float] = [deltas.get(a) for a in pre]  # type: ignore[misc]
        source: list[float] = [forward.get(s) for s in sources]  # type: ignore[misc]
        if not all(type(v) is float for v in (*delta, *source)):
            return None
        with np.errstate(all="ignore"):  # as Python's floats: inf and nan, no error
            grid = 0.0 + np.multiply.outer(np.array(delta), np.array(source))
        found.update(zip((w for row in rows for w in row), grid.ravel().tolist(), strict=True))
        biases = [network.bias_name(layer, j) for j in range(1, len(rows) + 1)]
        if network.bias == "per_neuron":
            found.update((b, 0.0 + 1.0 * d) for b, d in zip(biases, delta, strict=True)
                         if b is not None)
        elif network.bias == "per_layer" and biases[0] is not None:
            found[biases[0]] = sum((1.0 * d for d in delta), 0.0)
    return {name: found[name] for name in names}
