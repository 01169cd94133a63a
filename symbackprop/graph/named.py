"""What a graph of named nodes answers, whatever its nodes hold: a node by name, its parents
and children in the graph's topological order, the nodes of a kind.  The scalar
:class:`~symbackprop.graph.computation.ComputationGraph` and the
:class:`~symbackprop.graph.tensor.TensorGraph` are both one (the protocol
:class:`~symbackprop.calculus.paths.PathGraph` reads).

Examples
--------
>>> from symbackprop import load_problem
>>> graph = load_problem("branching_graph").graph
>>> isinstance(graph, NamedGraph), graph.children("b"), graph.position("e")
(True, ['c', 'd'], 4)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from ..errors import GraphError
from .node import suggest

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["NamedGraph"]


class _Named(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def is_leaf(self) -> bool: ...


N = TypeVar("N", bound=_Named)


class NamedGraph(Generic[N]):
    """The lookups of a DAG of named nodes.  A subclass sets ``_nodes`` (every node by name),
    ``_graph`` (the networkx DAG of their names), ``_order`` (a topological order) and
    ``_position`` (each name's place in it) when it is built.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> graph = load_problem("tensor_mlp").graph
    >>> graph.parents("Z1"), graph.kind_of("input", "target"), graph.parameters
    (['W1', 'X', 'b1'], ['X', 'y'], ['W1', 'W2', 'b1', 'b2'])
    """

    _nodes: Mapping[str, N]
    _graph: nx.DiGraph
    _order: tuple[str, ...]
    _position: Mapping[str, int]

    @property
    def digraph(self) -> nx.DiGraph:
        """A read-only view of the underlying networkx graph (node names only)."""
        return self._graph.copy(as_view=True)

    @property
    def nodes(self) -> dict[str, N]:
        """Every node by name, in topological order (leaves first)."""
        return {name: self._nodes[name] for name in self._order}

    @property
    def order(self) -> tuple[str, ...]:
        """Node names in a deterministic topological order (ties in natural order)."""
        return self._order

    def position(self, name: str) -> int:
        """The place of node ``name`` in :attr:`order` (``KeyError`` for no node)."""
        return self._position[name]

    def node(self, name: str) -> N:
        """The node called ``name``; :class:`GraphError` naming close matches if there is none."""
        try:
            return self._nodes[name]
        except KeyError:
            raise GraphError(f"there is no node {name!r}{suggest(name, self._nodes)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def parents(self, name: str) -> list[str]:
        return sorted(self._graph.predecessors(self.node(name).name),
                      key=self._position.__getitem__)

    def children(self, name: str) -> list[str]:
        return sorted(self._graph.successors(self.node(name).name),
                      key=self._position.__getitem__)

    def kind_of(self, *kinds: str) -> list[str]:
        """Names of the nodes of the given kinds, in topological order."""
        return [name for name in self._order if self._nodes[name].kind in kinds]

    @property
    def leaves(self) -> list[str]:
        return [name for name in self._order if self._nodes[name].is_leaf]

    @property
    def parameters(self) -> list[str]:
        return self.kind_of("parameter")
