"""Paths from a node to the output: counted first, enumerated only when that is sane.

The number of paths from a first-layer weight to the loss is the product of the widths of the
layers after it, so enumeration is exponential in depth.  :func:`count_paths` counts them by
dynamic programming in O(V + E); :func:`iter_paths` enumerates them (depth first,
:func:`walk_paths`) only below a limit, and raises :class:`~symbackprop.errors.PathLimitError`
above it.

Examples
--------
>>> import networkx as nx
>>> from symbackprop.graph import ComputationGraph, Node
>>> from symbackprop.naming import symbol
>>> a, b = symbol("a"), symbol("b")
>>> g = ComputationGraph([Node("a", "input"), Node("b", "hidden", 2 * a),
...                       Node("c", "hidden", a + b), Node("e", "loss", symbol("c") * b)], "e")
>>> count_paths(g, "a")
3
>>> [p.nodes for p in iter_paths(g, "a")]
[('a', 'b', 'c', 'e'), ('a', 'b', 'e'), ('a', 'c', 'e')]
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from ..errors import NoPathError, PathLimitError
from ..limits import MAX_LISTED_PATHS
from .options import DEFAULT_PATH_LIMIT

__all__ = [
    "Path",
    "PathGraph",
    "PathSet",
    "check_listing",
    "children_on_paths",
    "count_paths",
    "find_paths",
    "iter_paths",
    "on_paths",
    "path_counts",
    "relevant",
    "walk_paths",
]


class PathGraph(Protocol):
    """What the functions of this module read of a graph: its networkx ``digraph``, its
    ``output``, its topological ``order`` and a name's ``position`` in it, a ``node`` by name
    (raising on an unknown name) and a node's ``children`` in that order.  A scalar
    :class:`~symbackprop.graph.computation.ComputationGraph` and a
    :class:`~symbackprop.graph.tensor.TensorGraph` are both one.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> graph: PathGraph = load_problem("tensor_mlp").graph
    >>> count_paths(graph, "b1"), graph.children("b1")
    (1, ['Z1'])
    """

    output: str

    @property
    def digraph(self) -> Any: ...

    @property
    def order(self) -> tuple[str, ...]: ...

    def position(self, name: str) -> int: ...

    def node(self, name: str) -> object: ...

    def children(self, name: str) -> list[str]: ...


@dataclass(frozen=True)
class Path:
    """A path in the forward direction, from the node differentiated with respect to (first)
    to the node differentiated (last).

    Examples
    --------
    >>> path = Path(("w5", "a21", "yhat1", "L"))
    >>> str(path), len(path)
    ('w5 -> a21 -> yhat1 -> L', 4)
    >>> path.edges
    (('w5', 'a21'), ('a21', 'yhat1'), ('yhat1', 'L'))
    """

    nodes: tuple[str, ...]

    @property
    def edges(self) -> tuple[tuple[str, str], ...]:
        """``(parent, child)`` pairs, in path order."""
        return tuple(zip(self.nodes, self.nodes[1:], strict=False))

    def __len__(self) -> int:
        return len(self.nodes)

    def __str__(self) -> str:
        return " -> ".join(self.nodes)

    def __repr__(self) -> str:
        return f"Path({self})"


def on_paths(graph: PathGraph, sources: Iterable[str], of: str) -> set[str]:
    """The nodes on some path from any of ``sources`` to ``of``.

    Notes
    -----
    O(V + E) of the nodes below ``sources`` (one search down, then one pass back up over what
    it found), however large the rest of the graph.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> graph = load_problem("mazur_2_2_2").graph
    >>> sorted(on_paths(graph, ["w5", "w7"], "L"))
    ['L', 'a21', 'a22', 'w5', 'w7', 'yhat1', 'yhat2']
    """
    children: dict[str, list[str]] = {}
    stack = list(sources)
    while stack:
        name = stack.pop()
        if name not in children:
            children[name] = graph.children(name)
            stack.extend(children[name])
    if of not in children:
        return set()
    reach = {of}
    for name in sorted(children, key=graph.position, reverse=True):
        if any(child in reach for child in children[name]):
            reach.add(name)
    return reach


def relevant(graph: PathGraph, source: str, target: str | None = None) -> set[str]:
    """The nodes on some path from ``source`` to ``target`` (default: the output).

    Raises :class:`NoPathError` when there is none.

    Notes
    -----
    O(V + E): one descendants and one ancestors search.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> graph = load_problem("branching_graph").graph     # c = a + b, d = b + 1, e = c * d
    >>> sorted(relevant(graph, "a")), sorted(relevant(graph, "b"))
    (['a', 'c', 'e'], ['b', 'c', 'd', 'e'])
    """
    target = graph.output if target is None else target
    graph.node(source)
    graph.node(target)
    if source == target:
        return {source}
    nodes = on_paths(graph, [source], target)
    if target not in nodes:
        raise NoPathError(
            f"{target} does not depend on {source}: there is no path from {source!r} to "
            f"{target!r}, so d{target}/d{source} = 0"
        )
    return nodes


def path_counts(graph: PathGraph, target: str | None = None) -> dict[str, int]:
    """For every node, the number of paths from it to ``target`` (default: the output).

    Notes
    -----
    Dynamic programming in reverse topological order: O(V + E), whatever the count.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> path_counts(load_problem("branching_graph").graph)
    {'e': 1, 'd': 1, 'c': 1, 'b': 2, 'a': 1}
    """
    target = graph.output if target is None else target
    graph.node(target)
    counts: dict[str, int] = {}
    for name in reversed(graph.order):
        counts[name] = 1 if name == target else sum(counts[c] for c in graph.children(name))
    return counts


def count_paths(graph: PathGraph, source: str, target: str | None = None) -> int:
    """The number of paths from ``source`` to ``target`` (default: the output), in O(V + E) of
    the nodes below ``source``; 0 when there is none.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> graph = load_problem("padhai_4_4_2").graph
    >>> count_paths(graph, "w212"), count_paths(graph, "w131"), count_paths(graph, "h13", "a21")
    (2, 4, 1)
    >>> count_paths(graph, "a21", "h13")
    0
    """
    graph.node(source)
    if target is None:
        target = graph.output
    else:
        graph.node(target)  # an unknown name is an error naming close matches
    nodes = on_paths(graph, [source], target)
    if not nodes:
        return 0
    return PathSet(source, target, children_on_paths(graph, nodes)).count


def check_listing(count: int, source: str, target: str) -> None:
    """Refuse to list ``count`` paths from ``source`` to ``target`` one by one when they are
    more than :data:`~symbackprop.limits.MAX_LISTED_PATHS`: checked from the count, before any
    is listed (``derive`` and ``paths`` with ``--max-paths`` or ``--stream-limit`` raised past
    a wide and deep network's billions of paths).

    Raises
    ------
    PathLimitError
        Naming the count, the limit and how to raise it.

    Examples
    --------
    >>> check_listing(4, "w131", "L")
    >>> check_listing(8 ** 10, "w111", "L")
    Traceback (most recent call last):
    ...
    symbackprop.errors.PathLimitError: dL/dw111: 1,073,741,824 paths to list, more than the \
limit of 500,000 (paths listed one by one, asked for with --max-paths or --stream-limit at or \
above their count, checked from the count before any is listed; with the options' defaults the \
count and the factored form are shown instead); to raise it, set SYMBACKPROP_MAX_LISTED_PATHS
    """
    MAX_LISTED_PATHS.check(count, f"d{target}/d{source}", "paths to list", PathLimitError)


def iter_paths(
    graph: PathGraph,
    source: str,
    target: str | None = None,
    *,
    limit: int | None = DEFAULT_PATH_LIMIT,
) -> Iterator[Path]:
    """Every path from ``source`` to ``target`` (default: the output), in a stable order.

    Paths are ordered by their nodes' positions in the graph's topological order (so the path
    through ``yhat1`` comes before the one through ``yhat2``).

    Raises
    ------
    NoPathError
        If ``target`` does not depend on ``source``.
    PathLimitError
        If there are more than ``limit`` paths (counted first, in O(V + E)).

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> graph = load_problem("mazur_2_2_2").graph
    >>> for path in iter_paths(graph, "w1"):
    ...     print(path)
    w1 -> a11 -> h11 -> a21 -> yhat1 -> L
    w1 -> a11 -> h11 -> a22 -> yhat2 -> L
    """
    paths = find_paths(graph, source, target)
    if limit is not None and paths.count > limit:
        raise PathLimitError(
            f"there are {paths.count:,} paths from {source!r} to {paths.target!r}, more than the "
            f"limit of {limit:,}; the factored (backprop) form groups them all without listing "
            "them"
        )
    yield from paths


@dataclass(frozen=True)
class PathSet:
    """The paths from ``source`` to ``target``, found but not listed: each node on them with
    its children among them, in topological order.  Counting the paths, listing them and the
    reverse sweep over them read it, so a derivation finds it once (:func:`find_paths`).

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> paths = find_paths(load_problem("branching_graph").graph, "b")
    >>> paths
    PathSet(b -> e, 2 paths)
    >>> paths.children
    {'b': ('c', 'd'), 'c': ('e',), 'd': ('e',), 'e': ()}
    >>> [str(path) for path in paths]
    ['b -> c -> e', 'b -> d -> e']
    """

    source: str
    target: str
    children: Mapping[str, tuple[str, ...]]

    @cached_property
    def count(self) -> int:
        """How many paths there are, by dynamic programming over :attr:`children`: O(V + E)
        of the nodes and edges on the paths, whatever the count."""
        counts: dict[str, int] = {}
        for name in reversed(list(self.children)):
            counts[name] = 1 if name == self.target else sum(
                counts[c] for c in self.children[name])
        return counts[self.source]

    def __iter__(self) -> Iterator[Path]:
        """Every path, depth first (:func:`walk_paths`), in the order of :func:`iter_paths`."""
        for nodes, _ in walk_paths(self.children, self.source, self.target):
            yield Path(nodes)

    def __repr__(self) -> str:
        plural = "path" if self.count == 1 else "paths"
        return f"PathSet({self.source} -> {self.target}, {self.count:,} {plural})"


def find_paths(graph: PathGraph, source: str, target: str | None = None) -> PathSet:
    """The paths from ``source`` to ``target`` (default: the output), found in O(V + E) and
    not listed.

    Raises
    ------
    NoPathError
        If ``target`` does not depend on ``source``.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> graph = load_problem("padhai_4_4_2").graph
    >>> find_paths(graph, "w131").count == count_paths(graph, "w131")
    True

    Notes
    -----
    Found once per graph, source and target, then looked up.
    """
    target = graph.output if target is None else target
    found = _FOUND.setdefault(graph, {})
    if (source, target) not in found:
        found[source, target] = PathSet(source, target,
                                        children_on_paths(graph, relevant(graph, source, target)))
    return found[source, target]


_FOUND: weakref.WeakKeyDictionary[PathGraph, dict[tuple[str, str], PathSet]] = \
    weakref.WeakKeyDictionary()
"""Each graph's path sets, found once (a graph does not change; a course derives the same
derivatives at every student's numbers)."""


def children_on_paths(graph: PathGraph,
                      on_paths: Collection[str]) -> dict[str, tuple[str, ...]]:
    """For each node of ``on_paths``, its children in ``on_paths``; both in topological order.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> graph = load_problem("branching_graph").graph     # c = a + b, d = b + 1, e = c * d
    >>> children_on_paths(graph, relevant(graph, "b"))
    {'b': ('c', 'd'), 'c': ('e',), 'd': ('e',), 'e': ()}
    """
    return {name: tuple(c for c in graph.children(name) if c in on_paths)
            for name in sorted(on_paths, key=graph.position)}


def walk_paths(children: Mapping[str, Sequence[str]], source: str,
               target: str) -> Iterator[tuple[tuple[str, ...], int]]:
    """Every path from ``source`` to ``target`` through ``children`` (node -> its children on
    the paths, :func:`children_on_paths`), depth first: ``(nodes, shared)``, where ``shared``
    counts the leading nodes the path has in common with the one before (1, the source, for
    the first), so a caller can keep what it computed along that prefix.

    With children in topological order the paths come sorted by their nodes' positions in it:
    the order of :func:`iter_paths`.  Every node of ``children`` must lie on a path to
    ``target``.

    Notes
    -----
    O(length) per path; the walk keeps one stack of pending children.

    Examples
    --------
    >>> list(walk_paths({"a": ["b", "c"], "b": ["c"], "c": ["e"], "e": []}, "a", "e"))
    [(('a', 'b', 'c', 'e'), 1), (('a', 'c', 'e'), 1)]
    >>> [shared for _, shared in walk_paths({"a": ["b"], "b": ["c", "d"], "c": ["e"],
    ...                                      "d": ["e"]}, "a", "e")]
    [1, 2]
    >>> list(walk_paths({"e": []}, "e", "e"))
    [(('e',), 1)]
    """
    if source == target:
        yield (source,), 1
        return
    nodes = [source]
    pending = [iter(children[source])]
    shared = 1
    while pending:
        child = next(pending[-1], None)
        if child is None:
            pending.pop()
            nodes.pop()
            shared = min(shared, len(nodes))
        elif child == target:
            yield (*nodes, child), shared
            shared = len(nodes)
        else:
            nodes.append(child)
            pending.append(iter(children[child]))
