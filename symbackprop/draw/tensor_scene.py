r"""The picture of a tensor-level derivation: the tensor graph (each node labelled with its name
and shape, parameters as boxes), each path from ``wrt`` to the loss in its own colour, as a
:class:`~symbackprop.draw.scene.Scene` that the writers of :mod:`symbackprop.draw` draw as they
draw a scalar graph's (TikZ, DOT, matplotlib), laid out by the general-graph layout of
:mod:`symbackprop.draw.layout`.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> scene = tensor_scene(derive(load_problem("tensor_batchnorm").graph, "x"))
>>> scene
Scene(dL/dx, 13 nodes, 3 highlighted paths)
>>> [(p.style.number, p.nodes[1]) for p in scene.paths]
[(1, 'Y.mu'), (2, 'Y.var'), (3, 'Y.xhat')]
>>> scene.layout.nodes["W"].shape, scene.latex["W"]
('box', 'W\\ (3{\\times}4)')
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, cast

import networkx as nx

from ..calculus.tensor_derivation import TensorDerivation
from ..errors import SymbackpropError
from ..graph.tensor import TensorGraph
from ..render.tensor_typeset import tensor_label
from .geometry import Edge, Layout
from .layout import graph_layout
from .scene import (
    MAX_COLOURED,
    UNION,
    PathStyle,
    Scene,
    ScenePath,
    _drawn_edges,
    _node_style,
    _route,
    _strokes,
    path_style,
)

if TYPE_CHECKING:
    from ..graph.computation import ComputationGraph

__all__ = ["shape_label", "tensor_layout", "tensor_scene"]


def shape_label(name: str, shape: tuple[int, ...]) -> str:
    r"""A tensor's label in a picture: its LaTeX name and its shape (mathtext reads it too).

    Examples
    --------
    >>> shape_label("W1", (3, 5)), shape_label("L", ())
    ('W_{1}\\ (3{\\times}5)', 'L')
    """
    label = tensor_label(name)
    if not shape:
        return label
    return label + r"\ (" + r"{\times}".join(map(str, shape)) + ")"


class _Node:
    """A tensor node as the layout reads a node: its kind and label, no layer."""

    __slots__ = ("kind", "latex")
    layer = None
    index = None

    def __init__(self, kind: str, latex: str) -> None:
        self.kind, self.latex = kind, latex


class _Drawn:
    """A tensor graph as the layout reads a graph (``order``, ``digraph``, ``nodes``,
    ``node()``, ``children()``): the general-graph layout draws it as it draws a scalar graph
    that is not a layered network."""

    def __init__(self, graph: TensorGraph) -> None:
        self.order = graph.order
        self.digraph: nx.DiGraph = graph.digraph
        self.nodes = {n: _Node(graph.node(n).kind, shape_label(n, graph.node(n).shape))
                      for n in graph.order}

    def node(self, name: str) -> _Node:
        return self.nodes[name]

    def children(self, name: str) -> Iterator[str]:
        return iter(self.digraph.successors(name))


def _unblocked(layout: Layout, edges: Collection[Edge], rounds: int = 12) -> Layout:
    """``layout`` with each node that one of ``edges`` (the paths') runs through moved off it,
    above or below the edge, wherever no label overlaps another and fewest of them are
    blocked, so that every path's stroke shows: batch norm's direct edge ``x -> Y.xhat``
    passes where the variance sits in the column between them."""
    for _ in range(rounds):
        blocked = [(e, n) for e, n in layout.blocked_edges() if e in edges]
        if not blocked:
            break
        (u, v), name = blocked[0]
        a, b, node = layout.nodes[u], layout.nodes[v], layout.nodes[name]
        t = 0.5 if a.x == b.x else min(max((node.x - a.x) / (b.x - a.x), 0.0), 1.0)
        under = a.y + t * (b.y - a.y)  # the edge's height at the node
        clear = node.height / 2 + 0.45
        moved = [replace(layout, nodes={**layout.nodes, name: replace(node, y=y)})
                 for y in (under - clear, under + clear, under - 2 * clear, under + 2 * clear)]
        layout = min(moved, key=lambda m: (len(m.overlapping_labels()),
                                           sum(e in edges for e, _ in m.blocked_edges())))
    return layout


def tensor_layout(graph: TensorGraph, edges: Collection[Edge] = ()) -> Layout:
    """Where each node of the tensor graph goes (the general-graph layout, each node labelled
    with its name and shape), with the nodes that one of ``edges`` (the paths') would run
    through moved off it: the one layout of a tensor graph, for ``draw`` and ``explore``.

    Raises
    ------
    SymbackpropError
        When the graph has too many nodes to draw.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> layout = tensor_layout(load_problem("tensor_mlp").graph)
    >>> layout.nodes["X"].x < layout.nodes["Z1"].x < layout.nodes["L"].x, len(layout.edges)
    (True, 9)
    """
    try:
        layout = graph_layout(cast("ComputationGraph", _Drawn(graph)))
    except ValueError as err:
        raise SymbackpropError(f"cannot draw {graph!r}: {err}") from None
    return _unblocked(layout, edges) if edges else layout


def tensor_scene(derivation: TensorDerivation, *, max_coloured: int = MAX_COLOURED) -> Scene:
    """What to draw for a tensor-level ``derivation``: every path from ``wrt`` to ``of`` in its
    own colour (up to ``max_coloured`` paths; past that, or past the listing limit, their union
    in one colour), the nodes on them outlined, ``wrt`` filled.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> tensor_scene(derive(load_problem("tensor_rnn").graph, "Whh")).path_count
    3
    """
    d = derivation
    layout = tensor_layout(d.graph, {(a.node, child) for a in d.adjoints
                                     for child, _ in a.contributions})
    edges = set(layout.edges)
    if d.terms is None or d.path_count > max_coloured:
        union = {(a.node, child) for a in d.adjoints for child, _ in a.contributions}
        drawn = tuple(sorted(_drawn_edges(layout, union) & edges))
        nodes = tuple(sorted({n for e in union for n in e}))
        paths: tuple[ScenePath, ...] = (ScenePath(PathStyle(0, UNION), nodes, drawn),)
    else:
        paths = tuple(ScenePath(path_style(k), term.path.nodes,
                                tuple(e for e in _route(layout, term.path.nodes) if e in edges))
                      for k, term in enumerate(d.terms, start=1))
    on_paths = {n for p in paths for n in p.nodes} | {d.wrt}
    styles = {name: _node_style(name, placed.role, name in on_paths, name == d.wrt)
              for name, placed in layout.nodes.items()}
    labels = {n: shape_label(n, d.graph.node(n).shape) for n in d.graph.order}
    return Scene(layout, d.of, d.wrt, d.path_count, None, paths, _strokes(layout, paths),
                 styles, (), "", labels)
