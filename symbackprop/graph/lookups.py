r"""Mappings over a graph's names whose entries are made when they are looked up: a graph of
134,000 weights (a [256, 256, 256, 10] network) answers for any name without making a symbol,
a node or a label for each.

Examples
--------
>>> from symbackprop.graph.network import LayeredNetwork
>>> graph = LayeredNetwork((2, 1), hidden=(), output="identity",
...                        loss="half_squared_error").build()
>>> print(graph.symbol_table()["w111"], graph.labels()["yhat1"])
w111 \hat{y}_{1}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, Protocol

import sympy

from ..naming import symbol
from .node import Node

__all__ = ["LazyNodes", "NameLabels", "SymbolLabels", "SymbolTable"]


class _Graph(Protocol):
    """What these mappings read of a graph: its names, in order."""

    constants: dict[str, float]

    @property
    def order(self) -> tuple[str, ...]: ...

    def __contains__(self, name: object) -> bool: ...

    def __len__(self) -> int: ...


class SymbolTable(Mapping[str, sympy.Symbol]):
    """A graph's node and constant symbols by name, each symbol made when it is looked up
    (:meth:`~symbackprop.graph.computation.ComputationGraph.symbol_table`).

    Examples
    --------
    >>> from symbackprop.graph.computation import ComputationGraph
    >>> g = ComputationGraph.from_definitions({"c": "a * k"}, inputs=["a"], parameters=["k"],
    ...                                       output="c")
    >>> table = SymbolTable(g)
    >>> table["k"], "b" in table, len(table)
    (k, False, 3)
    """

    def __init__(self, graph: _Graph) -> None:
        self._graph = graph

    def __getitem__(self, name: str) -> sympy.Symbol:
        if name in self._graph or name in self._graph.constants:
            return symbol(name)
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return name in self._graph or name in self._graph.constants

    def __iter__(self) -> Iterator[str]:
        yield from self._graph.order
        yield from self._graph.constants

    def __len__(self) -> int:
        return len(self._graph) + len(self._graph.constants)


class LazyNodes(Mapping[str, Node]):
    """A layered graph's nodes by name, each made on first access
    (:meth:`~symbackprop.graph.layered.LayeredGraph.node`).

    Examples
    --------
    >>> from symbackprop.graph.network import LayeredNetwork
    >>> graph = LayeredNetwork((2, 1), hidden=(), output="identity",
    ...                        loss="half_squared_error").build()
    >>> nodes = LazyNodes(graph, graph.node)
    >>> nodes["a11"], len(nodes), "w9" in nodes
    (Node('a11', hidden = w111*x1 + w112*x2), 8, False)
    """

    def __init__(self, graph: _Graph, make: Callable[[str], Node]) -> None:
        self._graph = graph
        self._make = make
        self._made: dict[str, Node] = {}

    def __getitem__(self, name: str) -> Node:
        found = self._made.get(name)
        if found is None:
            found = self._made[name] = self._make(name)
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._graph

    def __iter__(self) -> Iterator[str]:
        return iter(self._graph.order)

    def __len__(self) -> int:
        return len(self._graph)


class NameLabels(Mapping[str, str]):
    r"""Every node's LaTeX label by name, each computed when it is asked for
    (:meth:`~symbackprop.graph.layered.LayeredGraph.labels`).

    Examples
    --------
    >>> from symbackprop.graph.network import LayeredNetwork
    >>> graph = LayeredNetwork((2, 1), hidden=(), output="identity",
    ...                        loss="half_squared_error").build()
    >>> labels = NameLabels(graph, lambda name: graph.node(name).latex)
    >>> print(labels["w112"], labels["L"])
    w_{112} \mathcal{L}
    """

    def __init__(self, graph: _Graph, label: Callable[[str], str]) -> None:
        self._graph = graph
        self._label = label
        self._made: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        found = self._made.get(name)
        if found is None:
            if name not in self._graph:
                raise KeyError(name)
            found = self._made[name] = self._label(name)
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._graph

    def __iter__(self) -> Iterator[str]:
        return iter(self._graph.order)

    def __len__(self) -> int:
        return len(self._graph)


class SymbolLabels(MutableMapping[sympy.Symbol, str]):
    r"""``latex_names`` of a layered graph: a node symbol's label computed when asked for;
    entries set by the caller (adjoints' labels) kept apart
    (:meth:`~symbackprop.graph.layered.LayeredGraph.latex_names`).

    Examples
    --------
    >>> from symbackprop.graph.network import LayeredNetwork
    >>> from symbackprop.naming import symbol
    >>> graph = LayeredNetwork((2, 1), hidden=(), output="identity",
    ...                        loss="half_squared_error").build()
    >>> names = SymbolLabels(NameLabels(graph, lambda name: graph.node(name).latex))
    >>> names[symbol("delta_a11")] = r"\delta_{a_{11}}"
    >>> print(names[symbol("x1")], names[symbol("delta_a11")], len(names))
    x_{1} \delta_{a_{11}} 9
    """

    def __init__(self, labels: NameLabels) -> None:
        self._labels = labels
        self._set: dict[Any, str] = {}
        self._seen: dict[Any, str] = {}  # node symbols looked up
        self._extra = 0  # keys set that are not a node's symbol

    def __getitem__(self, key: Any) -> str:
        found = self._set.get(key)
        if found is None:
            found = self._seen.get(key)
        if found is None:
            if not self._labelled(key):
                raise KeyError(key)
            found = self._seen[key] = self._labels[key.name]
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._set or key in self._seen or self._labelled(key)

    def __setitem__(self, key: Any, label: str) -> None:
        if key not in self._set and not self._labelled(key):
            self._extra += 1
        self._set[key] = label

    def __delitem__(self, key: Any) -> None:
        del self._set[key]
        if not self._labelled(key):
            self._extra -= 1

    def _labelled(self, key: Any) -> bool:
        """Whether ``key`` is a node's symbol."""
        name = getattr(key, "name", None)
        return isinstance(name, str) and name in self._labels and symbol(name) == key

    def __iter__(self) -> Iterator[Any]:
        yield from (symbol(name) for name in self._labels if symbol(name) not in self._set)
        yield from self._set

    def __len__(self) -> int:
        return len(self._labels) + self._extra
