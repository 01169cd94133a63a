"""The forward pass of a layered network: each layer's pre-activations added with numpy.

:class:`~symbackprop.graph.evaluation.ForwardPass` evaluates each definition of a built graph
term by term, from its sympy expression: for a pre-activation ``a = b + sum_k w_k h_k`` of a
[256, 256, 256, 10] network, 134,000 products of Python floats behind as many compiled
closures.  :class:`LayeredForward` computes the same numbers from the weights as a matrix: the
products elementwise, then the sum column by column in the order of the built sum's terms
(sympy's canonical order of the sum, :func:`~symbackprop.graph.canonical.total`), starting from
the bias, each step one rounding as a Python ``+`` is.  IEEE arithmetic rounds each product
and each sum alike in numpy and in Python, so every value is the same float as
:class:`~symbackprop.graph.evaluation.ForwardPass` gives.  The activations and the loss, a few
nodes per neuron, go through the same compiled evaluators
(:func:`~symbackprop.graph.evaluation.direct_evaluator`) as there.

Values that are not all single numbers (a batch of points) and the many-digit arithmetic of
:func:`~symbackprop.graph.precision.stable` go to the general forward pass.

Examples
--------
>>> from symbackprop.graph.evaluation import ForwardPass
>>> from symbackprop.naming import symbol
>>> h = symbol("h")
>>> layer = Layer(weights=(("w1", "w2"),), sources=("x1", "x2"), pre=("a",), biases=(None,),
...               after=(("h", sympy.tanh(symbol("a"))),))
>>> forward = LayeredForward([layer], ["w1", "w2", "x1", "x2"], general=None)
>>> values = {"w1": 0.5, "w2": -1.0, "x1": 2.0, "x2": 0.25}
>>> forward(values)["a"]
0.75
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from ..errors import SpecError
from .evaluation import _UNDEFINED, Evaluator, ForwardPass, _as_float, _undefined, direct_evaluator
from .precision import is_precise

__all__ = ["Layer", "LayeredForward"]


@dataclass(frozen=True)
class Layer:
    """One layer of the forward pass.

    Attributes
    ----------
    weights : tuple of tuple of str
        Row ``j`` holds the weights into neuron ``j``, one per source.
    sources : tuple of str
        The nodes feeding the layer (inputs, or the activations before).
    pre : tuple of str
        The pre-activations, one per neuron.
    biases : tuple of (str or None)
        Each neuron's bias, if it has one.
    after : tuple of (str, sympy.Expr)
        The nodes computed from the pre-activations (the activations; after the last layer,
        the loss too), in topological order, with their definitions.

    Examples
    --------
    >>> layer = Layer(weights=(("w1", "w2"), ("w3", "w4")), sources=("x1", "x2"),
    ...               pre=("a1", "a2"), biases=(None, None), after=())
    >>> layer.term_order().tolist()
    [[0, 1], [0, 1]]
    """

    weights: tuple[tuple[str, ...], ...]
    sources: tuple[str, ...]
    pre: tuple[str, ...]
    biases: tuple[str | None, ...]
    after: tuple[tuple[str, sympy.Expr], ...]

    def term_order(self) -> np.ndarray:
        """For each neuron, its sources in the order of its sum's terms: sympy's canonical
        order, which sorts a product of two symbols by its two names, the smaller first
        (:func:`~symbackprop.graph.canonical.total`)."""
        sources = self.sources
        orders = []
        for row in self.weights:
            if min(row) > max(sources):  # a weight after its source in each product: h*w
                order = sorted(range(len(row)), key=sources.__getitem__)
            elif max(row) < min(sources):  # w*x
                order = sorted(range(len(row)), key=row.__getitem__)
            else:
                order = sorted(range(len(row)), key=_PairKey(row, sources))
            orders.append(order)
        return np.array(orders, dtype=np.intp).reshape(len(self.weights), len(sources))


@dataclass(frozen=True)
class _PairKey:
    """The sort key of term ``k``, ``weights[k] * sources[k]``: its two names in order."""

    weights: tuple[str, ...]
    sources: tuple[str, ...]

    def __call__(self, k: int) -> tuple[str, str]:
        pair = (self.weights[k], self.sources[k])
        return pair if pair[0] < pair[1] else (pair[1], pair[0])


class LayeredForward:
    """Every node's value from the leaves' (as :class:`ForwardPass` gives it), a layer at a
    time.

    Parameters
    ----------
    layers : sequence of Layer
    leaves : sequence of str
        Every leaf, in topological order (for the message naming missing values).
    general : callable
        Returns the general :class:`ForwardPass` over every definition, made when first
        needed (a batch, many digits).

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> layer = Layer(weights=(("w1",),), sources=("x",), pre=("a",), biases=("b",),
    ...               after=(("h", 2 * symbol("a")),))
    >>> forward = LayeredForward([layer], ["b", "w1", "x"], general=None)
    >>> forward.missing({"x": 1.0}), forward({"b": 0.5, "w1": 3.0, "x": 2.0})["h"]
    (['b', 'w1'], 13.0)
    """

    def __init__(self, layers: Sequence[Layer], leaves: Sequence[str],
                 general: Callable[[], ForwardPass] | None) -> None:
        self._layers = tuple(layers)
        self._leaves = tuple(leaves)
        self._leaf_set = frozenset(self._leaves)
        self._general = general
        self._orders: list[np.ndarray] | None = None
        self._evaluators: dict[str, Evaluator] = {}

    def missing(self, values: Mapping[str, Any]) -> list[str]:
        """Leaves that ``values`` does not give."""
        return [name for name in self._leaves if name not in values]

    def __call__(self, values: Mapping[str, Any],
                 overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        overrides = overrides or {}
        if is_precise():
            return self._general_pass(values, overrides)
        missing = self.missing(values)
        if missing:
            raise SpecError(f"no value given for {', '.join(missing)}")
        result = {name: v if type(v) is float else _as_float(v) for name, v in values.items()}
        leaf_overrides = {name: _as_float(v) for name, v in overrides.items()
                          if name in self._leaf_set}
        if not all(type(v) is float for v in (*result.values(), *leaf_overrides.values())):
            return self._general_pass(values, overrides)  # a batch of points
        result.update(leaf_overrides)
        if self._orders is None:
            self._orders = [layer.term_order() for layer in self._layers]
        with np.errstate(all="ignore"):
            for layer, order in zip(self._layers, self._orders, strict=True):
                self._layer(layer, order, result, overrides)
        return result

    def _general_pass(self, values: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[
            str, Any]:
        if self._general is None:
            raise SpecError("this forward pass takes single numbers only")
        return self._general()(values, overrides)

    def _layer(self, layer: Layer, order: np.ndarray, result: dict[str, Any],
               overrides: Mapping[str, Any]) -> None:
        weights = np.array([[result[w] for w in row] for row in layer.weights], dtype=float)
        sources = np.array([result[s] for s in layer.sources], dtype=float)
        products = np.take_along_axis(weights, order, axis=1) * sources[order]
        if layer.biases[0] is not None:
            total, first = np.array([result[b or ""] for b in layer.biases], dtype=float), 0
        else:
            total, first = products[:, 0], 1
        for column in range(first, products.shape[1]):
            total = total + products[:, column]
        for name, value in zip(layer.pre, total.tolist(), strict=True):
            result[name] = _as_float(overrides[name]) if name in overrides else value
        for name, definition in layer.after:
            if name in overrides:
                result[name] = _as_float(overrides[name])
                continue
            evaluator = self._evaluators.get(name)
            if evaluator is None:
                evaluator = self._evaluators[name] = direct_evaluator(definition)
            try:
                result[name] = _as_float(evaluator(result))
            except _UNDEFINED as err:
                raise _undefined(f"node {name!r} = {definition}", err) from None
