"""Layered (fully connected) networks, and the surgery that makes their weights nodes.

The usual picture of a network has neurons as nodes and weights on the edges
(:meth:`LayeredNetwork.picture`).  Differentiating with respect to a weight needs the weight to
be a node, so :func:`surgery` rewrites that picture as a computation graph: each weight and bias
becomes a parameter node feeding its neuron, and each neuron splits into its pre-activation
``a`` and its activation ``h`` (the wiki page on backpropagation's surgery; the Q&A thread's "linear
nodes plus activation nodes").
With ``expose=`` only one chosen weight becomes a node and the others are folded in as
constants: the smaller picture that is enough for one derivative.

Examples
--------
>>> net = LayeredNetwork((2, 2, 2), hidden=("sigmoid",), output="sigmoid",
...                      loss="half_squared_error", bias="per_layer", naming="flat")
>>> net.parameter_names()
['w1', 'w2', 'w3', 'w4', 'b1', 'w5', 'w6', 'w7', 'w8', 'b2']
>>> g = net.build()
>>> g.parents("a21")
['b2', 'w5', 'w6', 'h11', 'h12']
>>> g.local_partial("a11", "h11")
h11*(1 - h11)
>>> small = net.build(expose="w5")
>>> small.parameters, sorted(small.constants)[:3]
(['w5'], ['b1', 'b2', 'w1'])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import GraphError, SpecError
from ..limits import MAX_LAYERS, MAX_PARAMETERS, MAX_WIDTH
from ..naming import LOSS, LayerNaming
from ..rules.registry import (
    ACTIVATION_ALIASES,
    ACTIVATIONS,
    LOSS_ALIASES,
    LOSS_LOOKALIKES,
    LOSSES,
    OUTPUT_ONLY,
)
from .computation import ComputationGraph
from .layered import LayeredGraph
from .neurons import activation_nodes, loss_node, pre_activation_node
from .node import Node, suggest

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["BIAS_MODES", "NAMINGS", "LayeredNetwork", "surgery"]

BIAS_MODES = ("none", "per_neuron", "per_layer")
NAMINGS = ("layer_to_from", "flat")


@dataclass(frozen=True)
class LayeredNetwork:
    """A fully connected feed-forward network (docs/reference/problem-files.md).

    Parameters
    ----------
    layers : sequence of int
        Widths: inputs, hidden layers..., outputs.
    hidden : sequence of str
        The activation of each hidden layer (one name per hidden layer).
    output : str
        The activation of the output layer (``softmax`` allowed here only).
    loss : str
        A loss from :data:`symbackprop.rules.registry.LOSSES`.
    bias : {"none", "per_neuron", "per_layer"}
    naming : {"layer_to_from", "flat"}
    slopes : mapping of int to float, optional
        The ``leaky_relu`` slope of a layer (1-based), where not the default 0.01.

    Examples
    --------
    >>> net = LayeredNetwork((4, 4, 2), hidden=("sigmoid",), output="softmax",
    ...                      loss="squared_error")
    >>> net.weight_name(2, 1, 2), net.neuron_name(1, 3), net.neuron_name(2, 1)
    ('w212', 'h13', 'yhat1')
    >>> net.build()
    ComputationGraph(43 nodes, 60 edges, output='L')
    """

    layers: tuple[int, ...]
    hidden: tuple[str, ...]
    output: str
    loss: str
    bias: str = "none"
    naming: str = "layer_to_from"
    slopes: Mapping[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(int(w) for w in self.layers))
        hidden = tuple(ACTIVATION_ALIASES.get(a, a) for a in self.hidden)
        object.__setattr__(self, "hidden", hidden)
        object.__setattr__(self, "output", ACTIVATION_ALIASES.get(self.output, self.output))
        object.__setattr__(self, "loss", LOSS_ALIASES.get(self.loss, self.loss))
        if len(self.layers) < 2:
            raise SpecError("a network needs at least 2 layers (inputs and outputs)")
        shown = str(list(self.layers[:12]))[:-1] + (", ...]" if len(self.layers) > 12 else "]")
        MAX_LAYERS.check(len(self.layers), f"layers {shown}", "layers")
        if min(self.layers) < 1:
            raise SpecError(f"layers {shown}: every layer needs at least 1 neuron")
        MAX_WIDTH.check(max(self.layers), f"layers {shown}", "neurons in the widest layer")
        if len(hidden) != len(self.layers) - 2:
            raise SpecError(
                f"{len(self.layers) - 2} hidden layer(s) need as many hidden activations, "
                f"got {len(hidden)}"
            )
        for name in hidden:
            if name not in ACTIVATIONS:
                raise SpecError(
                    f"unknown hidden activation {name!r}; allowed: {', '.join(ACTIVATIONS)} "
                    f"(aliases: {', '.join(ACTIVATION_ALIASES)}); softmax is for the output "
                    "layer only"
                )
        if self.output not in ACTIVATIONS and self.output not in OUTPUT_ONLY:
            raise SpecError(f"unknown output activation {self.output!r}; allowed: "
                            f"{', '.join([*ACTIVATIONS, *OUTPUT_ONLY])}")
        if self.output == "softmax" and self.layers[-1] < 2:
            raise SpecError("a softmax output needs at least 2 outputs (over one output it is "
                            "the constant 1); use sigmoid for a single output")
        if self.loss not in LOSSES:
            why = LOSS_LOOKALIKES.get(self.loss.lower())
            raise SpecError(f"unknown loss {self.loss!r}; allowed: {', '.join(LOSSES)} (aliases: "
                            f"{', '.join(LOSS_ALIASES)})" + (f"; {why}" if why else ""))
        if self.bias not in BIAS_MODES:
            raise SpecError(f"unknown bias {self.bias!r}; allowed: {', '.join(BIAS_MODES)}")
        if self.naming not in NAMINGS:
            raise SpecError(f"unknown naming {self.naming!r}; allowed: {', '.join(NAMINGS)}")
        weights = sum(a * b for a, b in zip(self.layers[:-1], self.layers[1:], strict=True))
        biases = {"none": 0, "per_layer": self.depth, "per_neuron": sum(self.layers[1:])}
        MAX_PARAMETERS.check(weights + biases[self.bias], f"layers {shown}",
                             "weights and biases")

    # -- names -----------------------------------------------------------------------------
    @property
    def depth(self) -> int:
        """The number of weight layers."""
        return len(self.layers) - 1

    @cached_property
    def names(self) -> LayerNaming:
        """The network's :class:`~symbackprop.naming.LayerNaming`, made once (every name asks)."""
        return LayerNaming(max(max(self.layers), self.depth), flat=self.naming == "flat")

    def activation_name(self, layer: int) -> str:
        """The activation of ``layer`` (1-based; the last layer is the output)."""
        return self.output if layer == self.depth else self.hidden[layer - 1]

    def weight_name(self, layer: int, j: int, k: int) -> str:
        """The weight to neuron ``j`` of ``layer`` from neuron ``k`` of the layer before."""
        before = sum(self.layers[i] * self.layers[i - 1] for i in range(1, layer))
        return self.names.weight(layer, j, k, number=before + (j - 1) * self.layers[layer - 1] + k)

    @cached_property
    def _weight_matrices(self) -> tuple[tuple[tuple[str, ...], ...], ...]:
        """Every layer's weight names (:meth:`weight_matrix_names`), made once and in bulk: the
        picture, the values, the parameter list and the matrices all ask (134,000 names at
        [256, 256, 256, 10])."""
        matrices, before = [], 0
        for layer in range(1, self.depth + 1):
            rows, columns = self.layers[layer], self.layers[layer - 1]
            names = self.names.weight_rows(layer, rows, columns, before=before)
            matrices.append(tuple(map(tuple, names)))
            before += rows * columns
        return tuple(matrices)

    def weight_rows(self, layer: int) -> tuple[tuple[str, ...], ...]:
        """``W{layer}`` as names, made once: row ``j - 1`` holds the weights into neuron ``j``.

        Examples
        --------
        >>> LayeredNetwork((2, 1), hidden=(), output="identity", loss="half_squared_error",
        ...                naming="flat").weight_rows(1)
        (('w1', 'w2'),)
        """
        return self._weight_matrices[layer - 1]

    def bias_name(self, layer: int, j: int) -> str | None:
        """The bias of neuron ``j`` of ``layer``, or ``None`` without biases."""
        if self.bias == "none":
            return None
        if self.bias == "per_layer":
            return self.names.bias(layer)
        number = sum(self.layers[1:layer]) + j
        return self.names.bias(layer, j, number=number)

    def neuron_name(self, layer: int, j: int) -> str:
        """The activation node of neuron ``j`` of ``layer`` (``yhat`` for the last layer)."""
        if layer == 0:
            return self.names.input(j)
        return self.names.output(j) if layer == self.depth else self.names.activation(layer, j)

    def weight_matrix_names(self, layer: int) -> list[list[str]]:
        """``W{layer}`` as names: row ``j`` to neuron ``j``, column ``k`` from neuron ``k``."""
        return [list(row) for row in self._weight_matrices[layer - 1]]

    def parameter_names(self) -> list[str]:
        """Every weight and bias, layer by layer (weights, then that layer's biases)."""
        return list(self._parameter_names)

    @cached_property
    def _parameter_names(self) -> tuple[str, ...]:
        names: list[str] = []
        for layer in range(1, self.depth + 1):
            names += [w for row in self._weight_matrices[layer - 1] for w in row]
            biases = (self.bias_name(layer, j) for j in range(1, self.layers[layer] + 1))
            names += [b for b in biases if b is not None]
        return tuple(dict.fromkeys(names))  # a bias per layer is named by each of its neurons

    # -- pictures and graphs ---------------------------------------------------------------
    def picture(self) -> nx.DiGraph:
        """The usual network picture: neurons as nodes, weights as edge labels.

        Node attributes: ``layer``, ``index``, ``role`` (``input``, ``neuron``, ``loss``), and
        for neurons ``activation`` and ``bias`` (a name or ``None``); edge attribute ``weight``.
        The graph attribute ``network`` is this object.
        """
        import networkx as nx

        picture = nx.DiGraph(network=self)
        before: list[str] = []
        for layer, width in enumerate(self.layers):
            neurons = [self.neuron_name(layer, j) for j in range(1, width + 1)]
            for j, neuron in enumerate(neurons, start=1):
                attrs: dict[str, Any] = {"layer": layer, "index": j}
                if layer == 0:
                    attrs["role"] = "input"
                else:
                    attrs.update(role="neuron", activation=self.activation_name(layer),
                                 bias=self.bias_name(layer, j))
                picture.add_node(neuron, **attrs)
                if layer > 0:
                    row = self._weight_matrices[layer - 1][j - 1]
                    picture.add_edges_from((source, neuron, {"weight": weight})
                                           for source, weight in zip(before, row, strict=True))
            before = neurons
        picture.add_node(LOSS, role="loss", layer=self.depth + 1, index=1, loss=self.loss)
        for j in range(1, self.layers[-1] + 1):
            picture.add_edge(self.neuron_name(self.depth, j), LOSS)
        return picture

    def build(self, *, expose: str | None = None, title: str = "") -> ComputationGraph:
        """The computation graph after :func:`surgery` on :meth:`picture`: every weight and
        bias a node, or with ``expose`` only that one.

        Every weight a node, it is a :class:`~symbackprop.graph.layered.LayeredGraph`: the same
        graph, made as it is used.
        """
        if expose is None:
            return LayeredGraph(self, title=title)
        return surgery(self.picture(), expose=expose, title=title)

    # -- numbers ---------------------------------------------------------------------------
    def values_from_arrays(self, arrays: Mapping[str, Any], *, where: str = "values") -> dict[
            str, float]:
        """Leaf values from ``x``, ``y``, ``W{l}`` and ``b{l}`` arrays
        (docs/reference/problem-files.md)."""
        values: dict[str, float] = {}
        for key, array in arrays.items():
            values.update(self._unpack(key, array, where))
        return values

    def array_keys(self) -> list[str]:
        """The keys accepted by :meth:`values_from_arrays`."""
        keys = ["x", "y"] + [f"W{i}" for i in range(1, self.depth + 1)]
        if self.bias != "none":
            keys += [f"b{i}" for i in range(1, self.depth + 1)]
        return keys

    def _unpack(self, key: str, array: Any, where: str) -> dict[str, float]:
        names = self.names
        if key == "x":
            expected: Any = [names.input(k) for k in range(1, self.layers[0] + 1)]
        elif key == "y":
            expected = [names.target(j) for j in range(1, self.layers[-1] + 1)]
        elif key.startswith("W") and key[1:].isdigit() and 1 <= int(key[1:]) <= self.depth:
            expected = self.weight_matrix_names(int(key[1:]))
        elif (key.startswith("b") and key[1:].isdigit() and 1 <= int(key[1:]) <= self.depth
              and self.bias != "none"):
            layer = int(key[1:])
            if self.bias == "per_layer":
                expected = self.bias_name(layer, 1)
            else:
                expected = [self.bias_name(layer, j) for j in range(1, self.layers[layer] + 1)]
        else:
            raise SpecError(f"{where}: unknown array {key!r}; allowed: "
                            f"{', '.join(self.array_keys())}")
        try:
            numbers = np.asarray(array, dtype=float)
        except (TypeError, ValueError):
            raise SpecError(f"{where}: {key} must be numbers, got {array!r}") from None
        shape = np.shape(np.asarray(expected, dtype=object))
        if numbers.shape != shape:
            raise SpecError(
                f"{where}: {key} has shape {list(numbers.shape)}, expected {list(shape)}"
                + (" (row j holds the weights into neuron j)" if key.startswith("W") else "")
            )
        return dict(zip(np.ravel(np.asarray(expected, dtype=object)).tolist(),
                        numbers.ravel().tolist(), strict=True))


def surgery(picture: nx.DiGraph, *, expose: str | None = None, title: str = "") -> (
        ComputationGraph):
    """Rewrite the usual network picture as a computation graph with weight nodes.

    Every edge weight ``w`` of ``picture`` becomes a parameter node ``w -> a`` feeding the
    pre-activation ``a`` of its target neuron, every bias likewise, and every neuron splits into
    ``a = sum_k w_k h_k + b`` and ``h = f(a)``.  Targets ``y_j`` and the loss node complete it.

    Parameters
    ----------
    picture : networkx.DiGraph
        As made by :meth:`LayeredNetwork.picture`.
    expose : str, optional
        Make only this weight (or bias) a node; every other weight and bias is folded into its
        neuron as a constant (:attr:`ComputationGraph.constants`).

    Notes
    -----
    O(V + E) in the size of the picture.

    Examples
    --------
    >>> net = LayeredNetwork((2, 2, 2), hidden=("sigmoid",), output="sigmoid",
    ...                      loss="half_squared_error", naming="flat")
    >>> picture = net.picture()                 # weights on the edges
    >>> picture.edges["h11", "yhat1"]
    {'weight': 'w5'}
    >>> graph = surgery(picture)                # weights as nodes
    >>> graph.parents("a21"), graph.local_partial("w5", "a21")
    (['w5', 'w6', 'h11', 'h12'], h11)
    """
    network: LayeredNetwork = picture.graph["network"]
    names = network.names
    parameters = set(network.parameter_names())
    if expose is not None and expose not in parameters:
        raise GraphError(f"cannot expose {expose!r}: it is not a weight or bias of this "
                         f"network{suggest(expose, parameters)}")
    exposed = parameters if expose is None else {expose}
    nodes: list[Node] = []
    added: set[str] = set()

    def parameter(name: str, layer: int, index: int) -> None:
        if name in exposed and name not in added:
            nodes.append(Node(name, "parameter", layer=layer, index=index))
            added.add(name)

    for name, data in picture.nodes(data=True):
        if data["role"] == "input":
            nodes.append(Node(name, "input", layer=0, index=data["index"]))
    depth = network.depth
    for layer in range(1, depth + 1):
        pre = []
        for j in range(1, network.layers[layer] + 1):
            neuron = network.neuron_name(layer, j)
            data = picture.nodes[neuron]
            sources = sorted(picture.predecessors(neuron), key=lambda n: picture.nodes[n]["index"])
            weights = [picture.edges[source, neuron]["weight"] for source in sources]
            for weight in weights:
                parameter(weight, layer, j)
            if data["bias"] is not None:
                parameter(data["bias"], layer, j)
            a_name = names.pre_activation(layer, j)
            pre.append(a_name)
            nodes.append(pre_activation_node(a_name, weights, sources, data["bias"], layer=layer,
                                             j=j))
        nodes += activation_nodes(data["activation"], network.slopes.get(layer), pre,
                                  [network.neuron_name(layer, j) for j in range(1, len(pre) + 1)],
                                  "output" if layer == depth else "hidden", layer)
    width = network.layers[-1]
    ys = [names.target(j) for j in range(1, width + 1)]
    yhats = [network.neuron_name(depth, j) for j in range(1, width + 1)]
    nodes += [Node(y, "target", layer=depth + 1, index=j) for j, y in enumerate(ys, 1)]
    nodes.append(loss_node(picture.nodes[LOSS]["loss"], ys, yhats, layer=depth + 1))
    constants = {name: float("nan") for name in sorted(parameters - exposed)}
    return ComputationGraph(nodes, LOSS, constants=constants, title=title)


def matrices(network: LayeredNetwork, values: Mapping[str, float]) -> dict[str, np.ndarray]:
    """``x``, ``y``, ``W{l}`` and ``b{l}`` (per neuron, zeros without biases) as arrays.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> arrays = matrices(problem.network, problem.values)
    >>> arrays["x"], arrays["b1"]
    (array([0.05, 0.1 ]), array([0.35, 0.35]))
    >>> arrays["W2"]
    array([[0.4 , 0.45],
           [0.5 , 0.55]])
    """
    arrays = {
        "x": np.array([values[network.neuron_name(0, k)] for k in range(1, network.layers[0] + 1)]),
        "y": np.array([values[network.names.target(j)] for j in range(1, network.layers[-1] + 1)]),
    }
    for layer in range(1, network.depth + 1):
        names = network.weight_matrix_names(layer)
        arrays[f"W{layer}"] = np.array([[values[n] for n in row] for row in names])
        biases = [network.bias_name(layer, j) for j in range(1, network.layers[layer] + 1)]
        arrays[f"b{layer}"] = np.array([0.0 if b is None else values[b] for b in biases])
    return arrays


