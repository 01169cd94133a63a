"""Where each node of a picture goes: pure geometry in inches, no drawing library.

* A **layered network** (every node carries ``layer`` and ``index``) reads left to right like the
  textbook picture, every weight a small box beside the neuron it feeds:
  :func:`~symbackprop.draw.network_layout.layered_layout`, in
  :mod:`symbackprop.draw.network_layout` with
  :func:`~symbackprop.draw.network_layout.picture_layout`, the usual picture before surgery
  (neurons only, weights on edges).
* **Any other graph** is laid out here in columns by topological depth (a leaf one column before
  its first child), ordered within a column by the barycentre of its neighbours;
  :func:`graph_layout` picks the layout that fits a graph.

Every placed node carries the estimated box of its label
(:func:`~symbackprop.draw.geometry.text_size`, measured against matplotlib's mathtext, which is
wider than LaTeX's Computer Modern), so that a test can prove that no two labels overlap; the
boxes, placed nodes and their checks are in :mod:`symbackprop.draw.geometry`.

Examples
--------
>>> from symbackprop.graph.network import LayeredNetwork
>>> net = LayeredNetwork((2, 2, 1), hidden=("sigmoid",), output="sigmoid", loss="squared_error")
>>> layout = layered_layout(net.build())
>>> layout.kind, layout.nodes["w111"].shape, layout.nodes["a11"].shape
('layered', 'box', 'circle')
>>> layout.nodes["x1"].x < layout.nodes["a11"].x < layout.nodes["h11"].x < layout.nodes["L"].x
True
>>> layout.overlapping_labels(), layout.blocked_edges()
([], [])
"""

from __future__ import annotations

import weakref
from collections.abc import Collection
from dataclasses import replace

from ..graph.computation import ComputationGraph
from ..limits import MAX_DRAW_NODES
from .geometry import Layout, Placed, graph_edges, node_shapes
from .network_layout import layered_layout, network_roles, picture_layout

__all__ = ["cached_layout", "graph_layout"]

_CACHE: weakref.WeakKeyDictionary[ComputationGraph, dict[tuple[tuple[str, ...], bool], Layout]] \
    = weakref.WeakKeyDictionary()


def cached_layout(graph: ComputationGraph, *, hide: Collection[str] = (),
                  before_surgery: bool = False) -> Layout:
    """:func:`graph_layout` (or, ``before_surgery``, the usual picture:
    :func:`~symbackprop.draw.network_layout.picture_layout`), made once per graph: a graph does
    not change, and a course draws the same network for every student and question.

    Raises
    ------
    ValueError
        As :func:`graph_layout` does (too many nodes), or before surgery for a graph that is
        not a layered network.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> graph = load_problem("mazur_2_2_2").graph
    >>> cached_layout(graph) is cached_layout(graph), cached_layout(graph).kind
    (True, 'layered')
    """
    layouts = _CACHE.setdefault(graph, {})
    key = (tuple(hide), before_surgery)
    if key not in layouts:
        layouts[key] = picture_layout(graph) if before_surgery else graph_layout(graph, hide=hide)
    return layouts[key]


def graph_layout(graph: ComputationGraph, *, hide: Collection[str] = ()) -> Layout:
    """The layout of any graph: :func:`~symbackprop.draw.network_layout.layered_layout` for
    layered networks, otherwise columns by topological depth.

    Raises
    ------
    ValueError
        Above :data:`~symbackprop.limits.MAX_DRAW_NODES` nodes.

    Examples
    --------
    >>> g = ComputationGraph.from_definitions(
    ...     {"c": "a + b", "d": "b + 1", "e": "c * d"}, inputs=["a", "b"], output="e")
    >>> layout = graph_layout(g)
    >>> a, c, e = (layout.nodes[n] for n in "ace")
    >>> layout.kind, a.x < c.x < e.x, layout.nodes["b"].x == a.x
    ('general', True, True)
    """
    visible = [n for n in graph.order if n not in hide]
    if len(visible) > MAX_DRAW_NODES.value():
        raise ValueError(MAX_DRAW_NODES.message("the picture", len(visible), "nodes"))
    if network_roles(graph) is not None:
        return layered_layout(graph, hide=hide)
    digraph = graph.digraph.subgraph(visible)
    depth: dict[str, int] = {}
    for name in visible:
        depth[name] = 1 + max((depth[p] for p in digraph.predecessors(name)), default=-1)
    for name in reversed(visible):  # a leaf sits one column before its first child
        children = list(digraph.successors(name))
        if not list(digraph.predecessors(name)) and children:
            depth[name] = min(depth[c] for c in children) - 1
    columns: dict[int, list[str]] = {}
    for name in visible:
        columns.setdefault(depth[name], []).append(name)
    rank = {n: float(i) for members in columns.values() for i, n in enumerate(members)}
    for _ in range(4):  # barycentre sweeps
        for members in columns.values():
            def centre(n: str) -> float:
                near = list(digraph.predecessors(n)) + list(digraph.successors(n))
                return sum(rank[m] for m in near) / len(near) if near else rank[n]
            members.sort(key=lambda n: (centre(n), rank[n]))
            rank.update({n: float(i) for i, n in enumerate(members)})
    roles = {n: graph.node(n).kind for n in visible}
    shapes = node_shapes(graph, visible, roles)
    height = max(p.height for p in shapes.values())
    placed: dict[str, Placed] = {}
    x = 0.0
    for column in sorted(columns):
        members = columns[column]
        width = max(shapes[n].width for n in members)
        if placed:
            x += width / 2
        for i, name in enumerate(members):
            y = ((len(members) - 1) / 2 - i) * (height + 0.5)
            placed[name] = replace(shapes[name], x=x, y=y)
        x += width / 2 + max(1.0, 2.4 * height)
    return Layout(placed, graph_edges(graph, set(visible)), "general")
