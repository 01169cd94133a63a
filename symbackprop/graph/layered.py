"""The computation graph of a layered network, made where it is looked at.

:func:`~symbackprop.graph.network.surgery` makes every node of a network's graph at once: a
sympy symbol and a :class:`~symbackprop.graph.node.Node` per weight, a sum of ``width`` products
per pre-activation, a networkx edge per term.  A [256, 256, 256, 10] network has 134,000 weights:
15 s of building before the first derivative.  :class:`LayeredGraph` is the same graph (every
method answers as the built one does, node for node) whose structure is arithmetic on the
network's shape:

- names are made in bulk, as strings (:meth:`~symbackprop.naming.LayerNaming.weight_rows`); the
  topological order is known in closed form (biases, weights, inputs, then each layer's
  pre-activations and activations, the targets before the outputs, the loss last: what
  :func:`~symbackprop.graph.canonical.natural_topological_order` gives the built graph);
- a node is made when it is asked for (:meth:`~LayeredGraph.node`), a pre-activation's sum only
  then; the local partial of a pre-activation is read off the shape (``da/dh_k = w_k``,
  ``da/dw_k = h_k``, ``da/db = 1``), not differentiated;
- the forward pass adds each layer's products with numpy, column by column in the order of the
  built sum's terms (:class:`~symbackprop.graph.forward.LayeredForward`): the same floats.

The activations, the outputs and the loss (a few nodes per neuron) are made at once, as the
built graph makes them (:mod:`symbackprop.graph.neurons`); the networkx graph only for a caller
that asks for :attr:`~LayeredGraph.digraph`.

Examples
--------
>>> from symbackprop.graph.network import LayeredNetwork
>>> net = LayeredNetwork((2, 2, 1), hidden=("sigmoid",), output="identity",
...                      loss="half_squared_error")
>>> graph = net.build()
>>> graph, graph.parents("a21"), graph.local_partial("h11", "a21")
(ComputationGraph(16 nodes, 17 edges, output='L'), ['w211', 'w212', 'h11', 'h12'], w211)
>>> graph.order[:6]
('w111', 'w112', 'w121', 'w122', 'w211', 'w212')
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

import sympy

from ..errors import GraphError
from ..naming import LOSS, LayerNaming, default_latex, natural_key, symbol, symbols
from .computation import SIZE_CAP, ComputationGraph, _tree_size
from .evaluation import ForwardPass
from .forward import Layer, LayeredForward
from .lookups import LazyNodes, NameLabels, SymbolLabels
from .neurons import activation_nodes, loss_node, pre_activation_node
from .node import LEAF_KINDS, Node, suggest

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["LayeredGraph", "NetworkShape"]


class NetworkShape(Protocol):
    """What :class:`LayeredGraph` reads of a :class:`~symbackprop.graph.network.LayeredNetwork`.

    Examples
    --------
    >>> from symbackprop.graph.network import LayeredNetwork
    >>> shape: NetworkShape = LayeredNetwork((2, 1), hidden=(), output="identity",
    ...                                      loss="half_squared_error")
    >>> shape.depth, shape.weight_rows(1), shape.neuron_name(1, 1)
    (1, (('w111', 'w112'),), 'yhat1')
    """

    @property
    def layers(self) -> tuple[int, ...]: ...

    @property
    def loss(self) -> str: ...

    @property
    def bias(self) -> str: ...

    @property
    def slopes(self) -> Mapping[int, float]: ...

    @property
    def depth(self) -> int: ...

    @property
    def names(self) -> LayerNaming: ...

    def activation_name(self, layer: int) -> str: ...

    def bias_name(self, layer: int, j: int) -> str | None: ...

    def neuron_name(self, layer: int, j: int) -> str: ...

    def weight_rows(self, layer: int) -> tuple[tuple[str, ...], ...]: ...


@dataclass(frozen=True)
class _Segment:
    """A run of the topological order: ``names`` of one ``role`` (``bias``, ``weight``,
    ``input``, ``pre``, ``act``, ``target``, ``loss``) and ``kind``, in ``layer``."""

    start: int
    role: str
    kind: str
    layer: int
    names: tuple[str, ...]


class LayeredGraph(ComputationGraph):
    """The graph :func:`~symbackprop.graph.network.surgery` makes of ``network`` (every weight
    a node), made as it is used: see the module's description.

    Parameters
    ----------
    network : LayeredNetwork
    title : str, optional

    Notes
    -----
    O(parameters) string work to make (the names and the order); a node, its definition and
    its local partials on first use.  The forward pass is O(parameters) numpy arithmetic; the
    networkx graph (:attr:`digraph`), O(V + E) sympy and networkx work, only on demand.

    Examples
    --------
    >>> from symbackprop.graph.network import LayeredNetwork
    >>> net = LayeredNetwork((3, 2, 2), hidden=("tanh",), output="softmax",
    ...                      loss="cross_entropy", bias="per_layer")
    >>> graph = LayeredGraph(net)
    >>> graph.node("a11"), graph.children("b1"), graph.kind_of("target")
    (Node('a11', hidden = b1 + w111*x1 + w112*x2 + w113*x3), ['a11', 'a12'], ['y1', 'y2'])
    """

    def __init__(self, network: NetworkShape, *, title: str = "") -> None:
        self.network = network
        self.title = title
        self.constants: dict[str, float] = {}
        self.output = LOSS
        self._nodes = LazyNodes(self, self._make)
        self._partials: dict[tuple[str, str], sympy.Expr] = {}
        self._terms: dict[str, dict[sympy.Symbol, list[sympy.Expr]]] = {}
        self._symbols: dict[str, sympy.Symbol] = {}
        self._composed: dict[str, sympy.Expr] = {}
        self._composed_sizes: dict[sympy.Symbol, int] = {}
        self._columns_made: dict[tuple[int, int], list[sympy.Symbol]] = {}

    # -- the shape -------------------------------------------------------------------------
    @cached_property
    def _segments(self) -> tuple[_Segment, ...]:
        """The topological order, in runs of one role and layer."""
        net = self.network
        depth = net.depth
        runs: list[tuple[str, str, int, Sequence[str]]] = []
        if net.bias == "per_layer":
            runs.append(("bias", "parameter", 0, [net.names.bias(layer)
                                                  for layer in range(1, depth + 1)]))
        elif net.bias == "per_neuron":
            runs += [("bias", "parameter", layer, [net.bias_name(layer, j) or "" for j in range(
                1, net.layers[layer] + 1)]) for layer in range(1, depth + 1)]
        runs += [("weight", "parameter", layer,
                  [w for row in net.weight_rows(layer) for w in row])
                 for layer in range(1, depth + 1)]
        runs.append(("input", "input", 0, self._neurons(0)))
        for layer in range(1, depth + 1):
            runs.append(("pre", "hidden", layer, [net.names.pre_activation(layer, j)
                                                   for j in range(1, net.layers[layer] + 1)]))
            if layer == depth:
                runs.append(("target", "target", layer + 1,
                             [net.names.target(j) for j in range(1, net.layers[layer] + 1)]))
            runs.append(("act", "output" if layer == depth else "hidden", layer,
                         self._neurons(layer)))
        runs.append(("loss", "loss", depth + 1, [LOSS]))
        segments, start = [], 0
        for role, kind, layer, names in runs:
            segments.append(_Segment(start, role, kind, layer, tuple(names)))
            start += len(names)
        return tuple(segments)

    def _neurons(self, layer: int) -> list[str]:
        return [self.network.neuron_name(layer, j)
                for j in range(1, self.network.layers[layer] + 1)]

    @cached_property
    def _starts(self) -> list[int]:
        return [segment.start for segment in self._segments]

    @cached_property
    def _order(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(name for segment in self._segments for name in segment.names)

    @cached_property
    def _position(self) -> dict[str, int]:  # type: ignore[override]
        return {name: i for i, name in enumerate(self._order)}

    def _place(self, name: str) -> tuple[_Segment, int] | None:
        """The run ``name`` is in and its offset there, or ``None`` for no node."""
        position = self._position.get(name)
        if position is None:
            return None
        segment = self._segments[bisect.bisect_right(self._starts, position) - 1]
        return segment, position - segment.start

    @cached_property
    def _runs(self) -> dict[tuple[str, int], _Segment]:
        return {(segment.role, segment.layer): segment for segment in self._segments}

    def _run(self, role: str, layer: int) -> _Segment:
        return self._runs[role, layer]

    def sources(self, layer: int) -> tuple[str, ...]:
        """The nodes feeding ``layer`` (the inputs, or the activations of the layer before).

        Examples
        --------
        >>> from symbackprop import load_problem
        >>> graph = load_problem("mazur_2_2_2").graph
        >>> graph.sources(1), graph.sources(2), graph.pre_activations(2)
        (('x1', 'x2'), ('h11', 'h12'), ('a21', 'a22'))
        """
        return self._run("input", 0).names if layer == 1 else self._run("act", layer - 1).names

    def pre_activations(self, layer: int | None = None) -> tuple[str, ...]:
        """The pre-activations of ``layer``, or of every layer in order."""
        if layer is not None:
            return self._run("pre", layer).names
        return tuple(a for segment in self._segments if segment.role == "pre"
                     for a in segment.names)

    def weight_layer(self, name: str) -> int | None:
        """The layer of weight ``name``, or ``None`` when it is no weight."""
        place = self._place(name)
        return None if place is None or place[0].role != "weight" else place[0].layer

    @cached_property
    def parameter_set(self) -> frozenset[str]:
        """The weights and biases, as a set."""
        return frozenset(self.parameters)

    def _bias_of(self, layer: int, j: int) -> str | None:
        return self.network.bias_name(layer, j)

    # -- the nodes made at once: activations, outputs, loss --------------------------------
    @cached_property
    def _small(self) -> dict[str, Node]:
        """Every activation, output and the loss, made as surgery makes them."""
        net, nodes = self.network, {}
        for layer in range(1, net.depth + 1):
            kind = "output" if layer == net.depth else "hidden"
            for node in activation_nodes(net.activation_name(layer), net.slopes.get(layer),
                                         self._run("pre", layer).names,
                                         self._run("act", layer).names, kind, layer):
                nodes[node.name] = node
        nodes[LOSS] = loss_node(net.loss, self._run("target", net.depth + 1).names,
                                self._run("act", net.depth).names, layer=net.depth + 1)
        return nodes

    @cached_property
    def _small_edges(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """Parents and children through the activations' and the loss's definitions."""
        parents: dict[str, list[str]] = {}
        children: dict[str, list[str]] = {}
        for name, node in self._small.items():
            assert node.definition is not None  # the small nodes are all defined
            found = sorted((s.name for s in node.definition.free_symbols if s.name in self),
                           key=self._position.__getitem__)
            parents[name] = found
            for parent in found:
                children.setdefault(parent, []).append(name)
        for found in children.values():
            found.sort(key=self._position.__getitem__)
        return parents, children

    # -- structure -------------------------------------------------------------------------
    def node(self, name: str) -> Node:
        try:
            return self._nodes[name]
        except KeyError:
            raise GraphError(f"there is no node {name!r}{suggest(name, self._order)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._position

    def __len__(self) -> int:
        return len(self._order)

    def parents(self, name: str) -> list[str]:
        segment, offset = self._found(name)
        if segment.role == "pre":
            layer, j = segment.layer, offset + 1
            bias = self._bias_of(layer, j)
            return ([bias] if bias else []) + [*self.network.weight_rows(layer)[offset],
                                               *self.sources(layer)]
        if segment.role in ("act", "loss"):
            return list(self._small_edges[0][name])
        return []

    def children(self, name: str) -> list[str]:
        segment, offset = self._found(name)
        if segment.role == "weight":
            return [self._run("pre", segment.layer).names[offset // self._columns(segment.layer)]]
        if segment.role == "bias":
            layer = segment.layer or offset + 1
            pre = self._run("pre", layer).names
            return list(pre) if self.network.bias == "per_layer" else [pre[offset]]
        below = list(self._small_edges[1].get(name, ()))
        if segment.role == "input" or (segment.role == "act" and
                                       segment.layer < self.network.depth):
            return list(self._run("pre", segment.layer + 1).names) + below
        return below

    def _columns(self, layer: int) -> int:
        return self.network.layers[layer - 1]

    def _found(self, name: str) -> tuple[_Segment, int]:
        place = self._place(name)
        if place is None:
            self.node(name)  # the error naming close matches
            raise GraphError(f"there is no node {name!r}")
        return place

    def kind_of(self, *kinds: str) -> list[str]:
        return [name for segment in self._segments if segment.kind in kinds
                for name in segment.names]

    @property
    def leaves(self) -> list[str]:
        return self.kind_of(*LEAF_KINDS)

    def _has_edge(self, parent: str, child: str) -> bool:
        return child in self and parent in self and parent in self.parents(child)

    def latex_names(self) -> MutableMapping[sympy.Symbol, str]:
        return SymbolLabels(self._labels)

    def labels(self) -> Mapping[str, str]:
        return self._labels

    @cached_property
    def _labels(self) -> NameLabels:
        return NameLabels(self, lambda name: self._small[LOSS].latex if name == LOSS
                          else default_latex(name))

    def __repr__(self) -> str:
        net = self.network
        edges = sum(net.layers[layer] * (2 * net.layers[layer - 1] + (net.bias != "none"))
                    for layer in range(1, net.depth + 1))
        edges += sum(len(found) for found in self._small_edges[0].values())
        return f"ComputationGraph({len(self):,} nodes, {edges:,} edges, output={self.output!r})"

    # -- calculus --------------------------------------------------------------------------
    def local_partial(self, parent: str, child: str) -> sympy.Expr:
        """As :meth:`ComputationGraph.local_partial`; a pre-activation's read off the shape."""
        key = (parent, child)
        found = self._partials.get(key)
        if found is None:
            place = self._place(child)
            if place is None or place[0].role != "pre":
                return super().local_partial(parent, child)
            found = self._partials[key] = self._pre_partial(parent, child, place[0].layer,
                                                            place[1])
        return found

    def _pre_partial(self, parent: str, child: str, layer: int, row: int) -> sympy.Expr:
        """``d child / d parent`` for the pre-activation ``child`` (neuron ``row + 1``)."""
        place = self._place(parent)
        if place is not None:
            segment, offset = place
            columns = self._columns(layer)
            if segment.role == "weight" and segment.layer == layer and \
                    offset // columns == row:
                return symbol(self.sources(layer)[offset % columns])
            if (segment.role == "input" and layer == 1) or (
                    segment.role == "act" and segment.layer == layer - 1):
                return self._column(layer, offset)[row]
            if segment.role == "bias" and parent == self._bias_of(layer, row + 1):
                return sympy.S.One
        raise GraphError(f"there is no edge {parent!r} -> {child!r}")

    def _column(self, layer: int, k: int) -> list[sympy.Symbol]:
        """The symbols of the weights of ``layer`` from source ``k``, made together (a source's
        partials, one per weight, are asked for together)."""
        found = self._columns_made.get((layer, k))
        if found is None:
            found = self._columns_made[layer, k] = symbols(
                row[k] for row in self.network.weight_rows(layer))
        return found

    def _tree_sizes(self) -> dict[sympy.Symbol, int]:
        """As :meth:`ComputationGraph._tree_sizes`, a pre-activation's from its shape: one for
        the sum, two and the source's size for each product, one for the bias."""
        sizes: dict[sympy.Basic, int] = {}
        net = self.network
        for layer in range(1, net.depth + 1):
            bias = int(net.bias != "none")
            terms = [min(SIZE_CAP, 2 + sizes.get(symbol(s), 1)) for s in self.sources(layer)]
            size = min(SIZE_CAP, terms[0] if len(terms) + bias == 1 else 1 + sum(terms) + bias)
            for name in self._run("pre", layer).names:  # alike: sums of alike terms
                sizes[symbol(name)] = size
            for name in self._run("act", layer).names:
                sizes[symbol(name)] = _tree_size(self._small[name].definition, sizes, {})
        sizes[symbol(LOSS)] = _tree_size(self._small[LOSS].definition, sizes, {})
        return sizes

    # -- the built graph, on demand --------------------------------------------------------
    def _make(self, name: str) -> Node:
        """The node ``name`` as surgery makes it."""
        place = self._place(name)
        if place is None:
            raise KeyError(name)
        segment, offset = place
        if segment.role in ("act", "loss"):
            return self._small[name]
        if segment.role == "pre":
            layer = segment.layer
            return pre_activation_node(name, self.network.weight_rows(layer)[offset],
                                       self.sources(layer), self._bias_of(layer, offset + 1),
                                       layer=layer, j=offset + 1)
        if segment.role == "weight":
            return Node(name, "parameter", layer=segment.layer,
                        index=offset // self._columns(segment.layer) + 1)
        if segment.role == "bias":
            layer = segment.layer or offset + 1
            return Node(name, "parameter", layer=layer,
                        index=1 if segment.layer == 0 else offset + 1)
        return Node(name, segment.kind, layer=segment.layer, index=offset + 1)

    def _built_order(self) -> Iterator[str]:
        """The nodes in the order surgery lists them (the networkx graph's order)."""
        net, added = self.network, set()
        yield from self._run("input", 0).names
        for layer in range(1, net.depth + 1):
            for j, (pre, row) in enumerate(zip(self._run("pre", layer).names,
                                               net.weight_rows(layer), strict=True), start=1):
                bias = self._bias_of(layer, j)
                for parameter in (*row, *([bias] if bias else [])):
                    if parameter not in added:
                        added.add(parameter)
                        yield parameter
                yield pre
            yield from self._run("act", layer).names
        yield from self._run("target", net.depth + 1).names
        yield LOSS

    @cached_property
    def _graph(self) -> nx.DiGraph:
        import networkx as nx

        graph = nx.DiGraph()
        order = list(self._built_order())
        graph.add_nodes_from(order)
        for name in order:
            graph.add_edges_from((parent, name) for parent in sorted(
                self.parents(name), key=natural_key))
        return graph

    @cached_property
    def _forward(self) -> LayeredForward:  # type: ignore[override]
        net = self.network
        layers = []
        for layer in range(1, net.depth + 1):
            after = [(h, self._small[h].definition) for h in self._run("act", layer).names]
            if layer == net.depth:
                after.append((LOSS, self._small[LOSS].definition))
            pre = self._run("pre", layer).names
            layers.append(Layer(net.weight_rows(layer), self.sources(layer), pre,
                                tuple(self._bias_of(layer, j) for j in range(1, len(pre) + 1)),
                                tuple(after)))
        return LayeredForward(layers, self.leaves, self._general_forward)

    def _general_forward(self) -> ForwardPass:
        """The forward pass of every definition, as the built graph has it."""
        found: ForwardPass | None = self.__dict__.get("_general")
        if found is None:
            found = self.__dict__["_general"] = ForwardPass(
                [(name, self._nodes[name].definition) for name in self._order], self.constants)
        return found
