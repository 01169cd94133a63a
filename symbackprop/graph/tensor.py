"""The tensor graph: a networkx DAG whose nodes are named tensors, each computed node defined by
an IR expression (:mod:`symbackprop.rules.tensor.expr`) over its parents.

The same small protocol as :class:`~symbackprop.graph.computation.ComputationGraph` where
paths are concerned (``digraph``, ``output``, ``node()``, ``order``, ``children()``,
``parents()``), so :mod:`symbackprop.calculus.paths` counts and lists the paths of a tensor
graph unchanged.  Weights and biases are nodes (parameters), as in the scalar engine; the
local "partial" of an edge ``parent -> child`` is a vector-Jacobian product,
:meth:`TensorGraph.edge_vjp`, linear in the child's adjoint ``δchild``.

Examples
--------
>>> from symbackprop.graph.tensor_build import build_tensor_graph
>>> graph = build_tensor_graph(
...     [TensorNode("X", "input", (4, 3)), TensorNode("W", "parameter", (3, 2)),
...      TensorNode("y", "input", (4,), "int")],
...     {"Z": "X @ W", "L": "cross_entropy(Z, y)"}, "L")
>>> graph
TensorGraph(5 nodes, 4 edges, output='L')
>>> graph.node("Z"), graph.edge_vjp("W", "Z")
(TensorNode('Z', hidden (4, 2) = X @ W), Op(X.T @ δZ, (3, 2)))
"""

from __future__ import annotations

import keyword
import math
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
import numpy as np

from ..errors import DomainError, GraphError, SpecError
from ..limits import MAX_TENSOR_GRAPH_ENTRIES
from ..naming import is_identifier
from ..rules.tensor.backend import NUMPY, Backend
from ..rules.tensor.build import Builder
from ..rules.tensor.evaluate import evaluate
from ..rules.tensor.expr import Adj, Ref, Shape, TExpr, format_shape, walk
from ..rules.tensor.vjp import vjp
from .canonical import natural_topological_order
from .named import NamedGraph
from .node import LEAF_KINDS, NODE_KINDS, suggest

__all__ = ["TensorGraph", "TensorNode", "check_tensor_name"]


def check_tensor_name(name: str, what: str = "node", *, dotted: bool = False) -> None:
    """Raise :class:`GraphError` unless ``name`` may name a tensor node: an identifier, not a
    Python keyword; with ``dotted``, identifiers joined by dots (the names composite expansion
    gives, ``Y.mu``, which no name in a file can take).

    Examples
    --------
    >>> check_tensor_name("W1"), check_tensor_name("Y.xhat", dotted=True)
    (None, None)
    >>> check_tensor_name("Y.xhat")
    Traceback (most recent call last):
        ...
    symbackprop.errors.GraphError: node 'Y.xhat' is not a valid name: use ASCII letters, \
digits and underscores, starting with a letter (no '__', no Python keywords)
    """
    parts = name.split(".") if dotted else [name]
    if not all(is_identifier(p) and not keyword.iskeyword(p) for p in parts):
        raise GraphError(f"{what} {name!r} is not a valid name: use ASCII letters, digits and "
                         "underscores, starting with a letter (no '__', no Python keywords)")


class TensorNode:
    """One named tensor: a leaf (``input``, ``target``, ``parameter``, ``constant``) or a
    computed node (``hidden``, ``output``, ``loss``) with its definition.

    Examples
    --------
    >>> TensorNode("W1", "parameter", (3, 5))
    TensorNode('W1', parameter (3, 5))
    >>> TensorNode("y", "input", (4,), "int").ref
    Ref(y, (4,))
    """

    __slots__ = ("definition", "dtype", "kind", "name", "shape")

    def __init__(self, name: str, kind: str, shape: Shape, dtype: str = "float",
                 definition: TExpr | None = None) -> None:
        self.name, self.kind, self.shape = name, kind, tuple(shape)
        self.dtype, self.definition = dtype, definition

    @property
    def is_leaf(self) -> bool:
        return self.definition is None

    @property
    def ref(self) -> Ref:
        """The node's value in IR."""
        return Ref(self.name, self.shape, self.dtype)

    @property
    def adjoint(self) -> Adj:
        """The node's adjoint ``δname`` in IR."""
        return Adj(self.name, self.shape)

    @property
    def size(self) -> int:
        """Its number of entries."""
        return math.prod(self.shape)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TensorNode) and (
            self.name, self.kind, self.shape, self.dtype, self.definition) == (
            other.name, other.kind, other.shape, other.dtype, other.definition)

    def __hash__(self) -> int:
        return hash((self.name, self.kind, self.shape))

    def __repr__(self) -> str:
        body = "" if self.definition is None else f" = {self.definition}"
        dtype = " int" if self.dtype == "int" else ""
        return f"TensorNode({self.name!r}, {self.kind}{dtype} {format_shape(self.shape)}{body})"


class TensorGraph(NamedGraph[TensorNode]):
    """A validated DAG of :class:`TensorNode` objects with one scalar output (the loss).

    Parameters
    ----------
    nodes : iterable of TensorNode
        Every node; each definition reads its parents as :class:`Ref` s of their shapes.
    output : str
        The node differentiated (a scalar).
    title : str, optional

    Raises
    ------
    GraphError
        A name given twice or invalid, an unknown kind, a definition that reads an unknown node
        or one of another shape, an integer parameter, a cycle, or an output that is not a
        scalar.
    SpecError
        More entries in all the nodes together than
        :data:`~symbackprop.limits.MAX_TENSOR_GRAPH_ENTRIES` (before anything is computed).

    Notes
    -----
    Construction is O(V + E) plus a walk of each definition's IR.

    Examples
    --------
    >>> from symbackprop.rules.tensor.expr import Ref
    >>> from symbackprop.rules.tensor.build import Builder
    >>> x, w = TensorNode("x", "input", (3,)), TensorNode("w", "parameter", (3,))
    >>> L = TensorNode("L", "loss", (), definition=Builder().op("matmul", x.ref, w.ref))
    >>> graph = TensorGraph([x, w, L], "L")
    >>> graph.order, graph.parameters, graph.children("w")
    (('w', 'x', 'L'), ['w'], ['L'])
    """

    def __init__(self, nodes: Iterable[TensorNode], output: str, *, title: str = "") -> None:
        self.title = title
        self._nodes: dict[str, TensorNode] = {}
        for node in nodes:
            self._check(node)
        self._graph = nx.DiGraph()
        self._graph.add_nodes_from(self._nodes)
        for node in self._nodes.values():
            for parent in self._parents_of(node):
                self._graph.add_edge(parent, node.name)
        if output not in self._nodes:
            raise GraphError(f"the output {output!r} is not a node{suggest(output, self._nodes)}")
        if self._nodes[output].shape != ():
            raise GraphError(f"the output {output!r} has shape "
                             f"{format_shape(self._nodes[output].shape)}; it must be a scalar "
                             "(the loss), for example mean(...) or sum(...) of it")
        self.output = output
        self._order: tuple[str, ...] = natural_topological_order(self._graph)
        if len(self._order) < len(self._nodes):
            cycle = nx.find_cycle(self._graph)
            names = " -> ".join([u for u, _ in cycle] + [cycle[0][0]])
            raise GraphError(f"the nodes form a cycle: {names}; a computation graph is acyclic")
        self._position = {name: i for i, name in enumerate(self._order)}
        total = sum(node.size for node in self._nodes.values())
        MAX_TENSOR_GRAPH_ENTRIES.check(total, "the tensor graph", "entries in its nodes")
        self._vjps: dict[tuple[str, str], TExpr] = {}
        self._builder = Builder()

    def _check(self, node: TensorNode) -> None:
        check_tensor_name(node.name, dotted=True)
        if node.name in self._nodes:
            raise GraphError(f"node {node.name!r} is defined twice")
        if node.kind not in NODE_KINDS:
            raise GraphError(f"node {node.name!r} has kind {node.kind!r}; allowed: "
                             f"{', '.join(NODE_KINDS)}")
        if (node.definition is None) != (node.kind in LEAF_KINDS):
            need = "no definition" if node.kind in LEAF_KINDS else "a definition"
            raise GraphError(f"node {node.name!r} of kind {node.kind!r} needs {need}")
        if node.dtype not in ("float", "int"):
            raise GraphError(f"node {node.name!r} has dtype {node.dtype!r}; allowed: float, int")
        if node.dtype == "int" and node.kind == "parameter":
            raise GraphError(f"parameter {node.name!r} is an integer tensor; gradient descent "
                             "updates floats")
        if node.definition is not None and node.definition.shape != node.shape:
            found = format_shape(node.definition.shape)
            raise GraphError(f"node {node.name!r} has shape {format_shape(node.shape)} but its "
                             f"definition {node.definition} has {found}")
        self._nodes[node.name] = node

    def _parents_of(self, node: TensorNode) -> list[str]:
        if node.definition is None:
            return []
        parents = []
        for part in walk(node.definition):
            if isinstance(part, Adj):
                raise GraphError(f"the definition of node {node.name!r} reads an adjoint")
            if not isinstance(part, Ref) or part.name in parents:
                continue
            known = self._nodes.get(part.name)
            if known is None:
                raise GraphError(f"the definition of node {node.name!r} ({node.definition}) "
                                 f"uses {part.name!r}, which is not a node"
                                 f"{suggest(part.name, self._nodes)}")
            if (known.shape, known.dtype) != (part.shape, part.dtype):
                raise GraphError(f"the definition of node {node.name!r} reads {part.name!r} as "
                                 f"{format_shape(part.shape)} {part.dtype}, but it is "
                                 f"{format_shape(known.shape)} {known.dtype}")
            parents.append(part.name)
        return parents

    # -- structure (the rest of it: graph.named.NamedGraph) -----------------------------------
    @property
    def entries(self) -> int:
        """The entries of every node together."""
        return sum(node.size for node in self._nodes.values())

    def __repr__(self) -> str:
        return (f"TensorGraph({len(self._nodes)} nodes, {self._graph.number_of_edges()} edges, "
                f"output={self.output!r})")

    # -- calculus ----------------------------------------------------------------------------
    def edge_vjp(self, parent: str, child: str) -> TExpr:
        """The VJP of the edge ``parent -> child``: ``parent``'s share of ``δparent``, an IR
        expression of ``parent``'s shape linear in ``δchild``, in textbook form
        (:func:`symbackprop.rules.tensor.vjp.vjp`, simplified as it is built).

        Raises
        ------
        GraphError
            If there is no such edge, or the child reads the parent only where it has no
            gradient (integer labels).

        Examples
        --------
        >>> from symbackprop.graph.tensor_build import build_tensor_graph
        >>> graph = build_tensor_graph(
        ...     [TensorNode("Z", "input", (2, 3))], {"H": "sigmoid(Z)", "L": "sum(H)"}, "L")
        >>> graph.edge_vjp("Z", "H"), graph.edge_vjp("H", "L")
        (Map(H*δH*(1 - H), (2, 3)), Op(broadcast_to(δL, shape=(2, 3), axes=(0, 1)), (2, 3)))
        """
        key = (parent, child)
        found = self._vjps.get(key)
        if found is None:
            if not self._graph.has_edge(parent, child):
                raise GraphError(f"there is no edge {parent!r} -> {child!r}")
            node = self._nodes[child]
            assert node.definition is not None  # an edge ends at a defined node
            built = vjp(node.definition, parent, node.adjoint, out=node.ref,
                        builder=self._builder)
            if built is None:
                raise GraphError(f"{child!r} does not read {parent!r}")
            found = self._vjps[key] = built
        return found

    # -- numbers -----------------------------------------------------------------------------
    def missing_values(self, values: Mapping[str, Any]) -> list[str]:
        """The leaves that ``values`` does not give.

        Examples
        --------
        >>> TensorGraph([TensorNode("x", "input", ())], "x").missing_values({})
        ['x']
        """
        return [name for name in self.leaves if name not in values]

    def forward(self, values: Mapping[str, Any], *,
                backend: Backend = NUMPY) -> dict[str, np.ndarray]:
        """Every node's value (numpy; float64, or integers for integer leaves), given the
        leaves'.  With ``backend=OBJECT`` (:mod:`symbackprop.rules.tensor.backend`) the float
        leaves are object arrays of sympy expressions (an entry's symbol, for the lowering to
        a scalar graph) and so is every computed node, by the same operations' code.

        Raises
        ------
        SpecError
            Naming the leaves ``values`` does not give, or a value of the wrong shape.
        symbackprop.errors.DomainError
            If a definition cannot be computed at these values (a log of 0, an overflow).

        Examples
        --------
        >>> import numpy as np
        >>> from symbackprop.graph.tensor_build import build_tensor_graph
        >>> graph = build_tensor_graph([TensorNode("x", "input", (2,))], {"L": "sum(x**2)"}, "L")
        >>> graph.forward({"x": np.array([3.0, 4.0])})["L"]
        array(25.)
        >>> import sympy
        >>> from symbackprop.rules.tensor.backend import OBJECT
        >>> entries = np.array(sympy.symbols("x0 x1"), dtype=object)
        >>> graph.forward({"x": entries}, backend=OBJECT)["L"]
        array(x0**2 + x1**2, dtype=object)
        """
        missing = self.missing_values(values)
        if missing:
            raise SpecError(f"no value for {', '.join(missing)}")
        numeric = backend.is_numeric
        result: dict[str, np.ndarray] = {}
        for name in self._order:
            node = self._nodes[name]
            if node.definition is None:
                kind = int if node.dtype == "int" else float if numeric else object
                value = np.asarray(values[name], dtype=kind)
                if value.shape != node.shape:
                    raise SpecError(f"the value of {name!r} has shape "
                                    f"{format_shape(value.shape)}, not {format_shape(node.shape)}")
                result[name] = value
            else:
                try:
                    computed = evaluate(node.definition, result, backend=backend)
                except DomainError as err:
                    raise DomainError(f"node {name!r} = {node.definition}: {err}") from None
                result[name] = np.asarray(computed, dtype=float if numeric else object)
        return result
