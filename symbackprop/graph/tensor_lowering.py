"""Two views, one truth: a small tensor graph lowered to the scalar graph.

Every entry of every float tensor becomes a scalar node named by the tensor and its index,
0-based in numpy's order (``W1[2,3]``, :func:`symbackprop.naming.entry_name`; a scalar tensor
keeps its name, so the loss is ``L`` in both views).  A computed entry's definition is its
tensor's definition run on object arrays of its parents' entry symbols
(:func:`~symbackprop.rules.tensor.evaluate.evaluate` with
:data:`~symbackprop.rules.tensor.backend.OBJECT`: the same code of each operation as the numeric
forward pass), so ``Z1 = X @ W1 + b1`` gives ``Z1[0,1] = X[0,0]*W1[0,1] + ... + b1[1]`` and an
elementwise function keeps its textbook form (``H1[0,1] = tanh(Z1[0,1])``, whose local partial
the scalar engine writes ``1 - H1[0,1]**2``).  Each node keeps its tensor's kind (the entries of
a parameter are parameters).  Integer tensors (labels, indices) are not nodes: their values
decide which entries a definition reads, so the lowering needs them.

The lowered graph is the scalar engine's input: every path of one entry (``derive --wrt
'W1[2,3]'``), and, gathered back into tensors, every gradient, an oracle of the tensor
engine that shares nothing with its VJP registry.  Its size grows with the entries, so it is
refused above :data:`~symbackprop.limits.MAX_LOWERED_NODES` scalar nodes and a bound of
:data:`~symbackprop.limits.MAX_LOWERED_READS` edges, both counted from the shapes before
anything is built (:func:`lowering_size`); the tensor view needs no lowering.  The number of
paths is no limit of its own: the scalar engine counts them by dynamic programming and lists
them only under its path limit.

Examples
--------
>>> from symbackprop.graph.tensor import TensorNode
>>> from symbackprop.graph.tensor_build import build_tensor_graph
>>> graph = build_tensor_graph(
...     [TensorNode("x", "input", (2,)), TensorNode("W", "parameter", (2, 2))],
...     {"h": "tanh(x @ W)", "L": "sum(h**2)"}, "L")
>>> lowered = lower(graph, {"x": np.array([1.0, 2.0]), "W": np.eye(2)})
>>> lowered.graph
ComputationGraph(9 nodes, 10 edges, output='L')
>>> lowered.graph.node("h[1]"), lowered.graph.node("W[0,1]").kind
(Node('h[1]', hidden = tanh(W[0,1]*x[0] + W[1,1]*x[1])), 'parameter')
>>> lowered.entries["W"]
array([['W[0,0]', 'W[0,1]'],
       ['W[1,0]', 'W[1,1]']], dtype=object)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import sympy

from ..errors import SpecError
from ..limits import MAX_LOWERED_NODES, MAX_LOWERED_READS
from ..naming import entry_name, symbol
from ..rules.tensor.backend import OBJECT
from ..rules.tensor.evaluate import evaluate
from .computation import ComputationGraph
from .node import Node
from .tensor import TensorGraph

__all__ = ["Lowering", "LoweringSize", "entry_names", "lower", "lowering_size"]

NO_LOWERING_NEEDED = ("the tensor view needs no lowering: derive, paths and verify work on the "
                      "tensors themselves")
"""What a refusal adds to the limit's message."""


class Lowering(NamedTuple):
    """A tensor graph lowered to scalars: the scalar graph, the values of its leaves, and each
    float tensor's entry names.

    Attributes
    ----------
    graph : ComputationGraph
    values : dict of str to float
        Each leaf entry's value, for the tensors that have values.
    entries : mapping of str to numpy object array
        Each float tensor's entry names, in its shape (``entries["W1"][2, 3] == "W1[2,3]"``).

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("w", "parameter", (3,))], {"L": "sum(w**2)"}, "L")
    >>> scalar_graph, values, entries = lower(graph, {"w": np.array([1.0, 2.0, 3.0])})
    >>> values, list(entries)
    ({'w[0]': 1.0, 'w[1]': 2.0, 'w[2]': 3.0}, ['w', 'L'])
    """

    graph: ComputationGraph
    values: dict[str, float]
    entries: Mapping[str, np.ndarray]

    def gather(self, numbers: Mapping[str, float], tensor: str) -> np.ndarray:
        """``numbers`` (by entry name, such as a scalar gradient of every entry) of the
        entries of ``tensor``, as an array of its shape.

        Examples
        --------
        >>> from symbackprop.graph.tensor import TensorNode
        >>> from symbackprop.graph.tensor_build import build_tensor_graph
        >>> graph = build_tensor_graph([TensorNode("w", "parameter", (2,))], {"L": "sum(w)"},
        ...                            "L")
        >>> lower(graph).gather({"w[0]": 0.5, "w[1]": -1.0}, "w")
        array([ 0.5, -1. ])
        """
        names = self.entries[tensor]
        flat = [float(numbers[name]) for name in names.flat]
        return np.array(flat, dtype=float).reshape(names.shape)


@dataclass(frozen=True)
class LoweringSize:
    """How large a tensor graph's lowering would be, from its shapes alone.

    Attributes
    ----------
    nodes : int
        Scalar nodes: the entries of every float tensor.
    reads : int
        A bound on the scalar edges: each computed float tensor's entries times the entries of
        the float tensors its definition reads, summed (a matrix product's entry reads one
        row and one column, not every entry, so the edges are fewer).

    Examples
    --------
    >>> LoweringSize(nodes=103, reads=2_000).refusal("mlp.toml") is None
    True
    """

    nodes: int
    reads: int

    def refusal(self, where: str) -> str | None:
        """The message that refuses the lowering (``where`` names the problem), or ``None``
        when it is within both limits.

        Examples
        --------
        >>> print(LoweringSize(nodes=250_000, reads=10**9).refusal("mlp_784.toml"))
        ... # doctest: +NORMALIZE_WHITESPACE
        mlp_784.toml: lowered to scalars: 250,000 scalar nodes, more than the limit of 2,000
        (scalar nodes of a tensor problem lowered to scalars (one per entry of every float
        tensor), counted from the shapes before the lowering); to raise it, set
        SYMBACKPROP_MAX_LOWERED_NODES; the tensor view needs no lowering: derive, paths and
        verify work on the tensors themselves
        """
        place = f"{where}: lowered to scalars"
        for limit, amount, what in ((MAX_LOWERED_NODES, self.nodes, "scalar nodes"),
                                    (MAX_LOWERED_READS, self.reads, "reads (a bound on the "
                                                                    "edges)")):
            if amount > limit.value():
                return f"{limit.message(place, amount, what)}; {NO_LOWERING_NEEDED}"
        return None


def lowering_size(graph: TensorGraph) -> LoweringSize:
    """The size of ``graph``'s lowering (:class:`LoweringSize`), from its shapes.

    Notes
    -----
    O(V + E) arithmetic on the shapes; nothing is allocated.

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph(
    ...     [TensorNode("X", "input", (4, 3)), TensorNode("W", "parameter", (3, 2))],
    ...     {"Z": "X @ W", "L": "sum(Z)"}, "L")
    >>> lowering_size(graph)           # 12 + 6 + 8 + 1 nodes; 8 x (12 + 6) + 1 x 8 reads
    LoweringSize(nodes=27, reads=152)
    """
    floats = {name: node for name, node in graph.nodes.items() if node.dtype != "int"}
    reads = 0
    for name, node in floats.items():
        if node.definition is not None:
            reads += node.size * sum(floats[p].size for p in graph.parents(name) if p in floats)
    return LoweringSize(sum(node.size for node in floats.values()), reads)


def entry_names(name: str, shape: tuple[int, ...]) -> np.ndarray:
    """The entry names of a tensor, as an object array of its shape.

    Examples
    --------
    >>> entry_names("b", (3,)), entry_names("L", ())
    (array(['b[0]', 'b[1]', 'b[2]'], dtype=object), array('L', dtype=object))
    """
    names = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        names[index] = entry_name(name, index)
    return names


def lower(graph: TensorGraph, values: Mapping[str, Any] | None = None, *,
          where: str = "") -> Lowering:
    """``graph`` as a scalar :class:`~symbackprop.graph.computation.ComputationGraph` (the
    module's scheme), with the values of the leaf entries ``values`` gives.

    Parameters
    ----------
    graph : TensorGraph
    values : mapping of str to array, optional
        Leaf tensors' values; every integer leaf needs one (labels decide what is read).
    where : str
        What a message names (the problem file); by default the graph's title.

    Raises
    ------
    SpecError
        Above :data:`~symbackprop.limits.MAX_LOWERED_NODES` or
        :data:`~symbackprop.limits.MAX_LOWERED_READS` (before anything is built; the message
        says how to raise the limit, and that the tensor view needs no lowering), or when an
        integer leaf has no value.

    Notes
    -----
    One object-array evaluation of each definition: O(reads) sympy operations at most.

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph(
    ...     [TensorNode("z", "input", (2,)), TensorNode("y", "input", (), "int")],
    ...     {"L": "cross_entropy(z, y)"}, "L")
    >>> lower(graph, {"y": np.array(1)}).graph.node("L").definition
    -z[1] + log(exp(z[0]) + exp(z[1]))
    >>> lower(graph)
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: the tensor graph: lowered to scalars: no value for the \
integer tensor y (labels and indices decide which entries are read)
    """
    values = values or {}
    where = where or graph.title or "the tensor graph"
    refusal = lowering_size(graph).refusal(where)
    if refusal is not None:
        raise SpecError(refusal)
    arrays: dict[str, np.ndarray] = {}
    entries: dict[str, np.ndarray] = {}
    nodes: list[Node] = []
    scalar_values: dict[str, float] = {}
    for name, node in graph.nodes.items():
        reads = {} if node.definition is None else {p: arrays[p] for p in graph.parents(name)}
        if node.dtype == "int":
            arrays[name] = _integers(name, node.definition, reads, values, where)
            continue
        names = entries[name] = entry_names(name, node.shape)
        if node.definition is None:
            nodes += [Node(entry, node.kind) for entry in names.flat]
            if name in values:
                given = np.asarray(values[name], dtype=float)
                scalar_values.update(zip(names.flat, map(float, given.flat), strict=True))
        else:
            defined = evaluate(node.definition, reads, backend=OBJECT)
            kind = "loss" if name == graph.output else node.kind
            nodes += [Node(entry, kind, sympy.sympify(value))
                      for entry, value in zip(names.flat, np.asarray(defined).flat, strict=True)]
        arrays[name] = _symbols(names)
    lowered = ComputationGraph(nodes, graph.output, title=graph.title)
    return Lowering(lowered, scalar_values, entries)


def _symbols(names: np.ndarray) -> np.ndarray:
    result = np.empty(names.shape, dtype=object)
    for index in np.ndindex(*names.shape):
        result[index] = symbol(str(names[index]))
    return result


def _integers(name: str, definition: Any, reads: Mapping[str, np.ndarray],
              values: Mapping[str, Any], where: str) -> np.ndarray:
    """An integer tensor's value: given, or computed (by numpy) from the integers it reads."""
    if definition is None:
        if name not in values:
            raise SpecError(f"{where}: lowered to scalars: no value for the integer tensor "
                            f"{name} (labels and indices decide which entries are read)")
        return np.asarray(values[name], dtype=int)
    return np.asarray(evaluate(definition, reads), dtype=int)
