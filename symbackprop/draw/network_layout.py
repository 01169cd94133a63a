"""Where each node of a layered network's picture goes: the textbook picture with its weight
nodes (:func:`layered_layout`) and the usual picture before surgery (:func:`picture_layout`).

* :func:`layered_layout` reads left to right like the textbook picture: inputs, then for each
  layer its pre-activations ``a`` and activations ``h``, then the loss.  Every weight and
  per-neuron bias is a small box fanned around the pre-activation it feeds (the surgery of the
  wiki page on backpropagation made visible), placed so that no box touches another box, a node
  or an edge; a bias shared by a layer sits below the layer before it, like the bias unit of the
  classic pictures; targets sit beside the loss.
* :func:`picture_layout`: neurons only, weights written on the edges, biases beside their
  neurons.

Both build on :mod:`symbackprop.draw.geometry`; :func:`symbackprop.draw.layout.graph_layout` picks
:func:`layered_layout` for a layered network's graph.

Examples
--------
>>> from symbackprop.graph.network import LayeredNetwork
>>> graph = LayeredNetwork((2, 1), hidden=(), output="sigmoid", loss="squared_error").build()
>>> layered, picture = layered_layout(graph), picture_layout(graph)
>>> layered.nodes["w112"].shape, "w112" in picture.nodes, picture.edge_text["x2", "yhat1"]
('box', False, 'w_{112}')
>>> layered.overlapping_labels(), picture.overlapping_labels()
([], [])
"""

from __future__ import annotations

import functools
import math
from collections.abc import Collection, Mapping
from dataclasses import replace

import sympy

from ..graph.computation import ComputationGraph
from ..limits import MAX_DRAW_NODES
from ..naming import symbol
from .geometry import (
    NOTE_FONT,
    Box,
    Edge,
    Layout,
    Placed,
    Point,
    graph_edges,
    node_shapes,
    text_size,
)
from .obstacles import Obstacles

__all__ = ["layered_layout", "network_roles", "picture_layout"]

GAP = 0.1
"""The least clearance between a satellite box and anything else."""
REACH = 0.17
"""The length of a satellite's edge (its distance from the node it feeds)."""
SPREAD = 0.5
"""How far a narrow layer spreads towards the height of the tallest (0: not at all)."""
ATTEMPTS = 4
"""Layouts tried, each 12% more spacious, before satellites may sit on edges."""
CELL = 0.5
"""The side of the grid cells in which placed boxes and edges are looked up."""

# -- roles of a layered network -----------------------------------------------------------------

def network_roles(graph: ComputationGraph) -> dict[str, str] | None:
    """The role of every node of a layered network's graph, or ``None`` for another graph.

    A defined node whose (non-parameter) parents lie in the layer before is a pre-activation;
    one whose parents lie in its own layer is an activation (``output`` in the last layer).

    Examples
    --------
    >>> from symbackprop.graph.network import LayeredNetwork
    >>> g = LayeredNetwork((1, 1), hidden=(), output="sigmoid", loss="squared_error").build()
    >>> roles = network_roles(g)
    >>> roles["a11"], roles["yhat1"], roles["w111"], roles["L"]
    ('pre_activation', 'output', 'parameter', 'loss')
    """
    nodes = graph.nodes
    if any(n.layer is None or n.index is None for n in nodes.values()):
        return None
    roles = {}
    for name, node in nodes.items():
        if node.is_leaf or node.kind == "loss":
            roles[name] = node.kind
            continue
        previous = [p for p in graph.parents(name) if nodes[p].kind != "parameter"
                    and nodes[p].layer != node.layer]
        if previous:
            roles[name] = "pre_activation"
        else:
            roles[name] = "output" if node.kind == "output" else "activation"
    return roles


def _weight_order(graph: ComputationGraph, parameter: str, child: str) -> tuple[int, int]:
    """Sort key of a parameter beside ``child``: weights by their source neuron, then biases."""
    definition = graph.node(child).definition
    for term in sympy.Add.make_args(definition):
        factors = sympy.Mul.make_args(term)
        if symbol(parameter) in factors and len(factors) > 1:
            others = [str(f) for f in factors if f != symbol(parameter)]
            if others and others[0] in graph:
                return 0, graph.node(others[0]).index or 0
    return 1, 0

# -- layered networks --------------------------------------------------------------------------

def layered_layout(graph: ComputationGraph, *, hide: Collection[str] = ()) -> Layout:
    """The textbook layout of a layered network's graph (see the module docstring).

    Parameters
    ----------
    graph : ComputationGraph
        Built by :meth:`symbackprop.graph.network.LayeredNetwork.build` (nodes carry layer and
        index).
    hide : collection of str
        Nodes left out (for instance every weight but the one differentiated).

    Notes
    -----
    Places the S satellites (weights, biases, targets) one by one, checking each candidate
    against the E edges and N nodes: O(S * (E + N)) per attempt, with a few attempts at growing
    spacing until nothing touches.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> graph = load_problem("mazur_2_2_2").graph
    >>> layout = layered_layout(graph, hide=[w for w in graph.parameters if w != "w5"])
    >>> layout.kind, [n for n, node in layout.nodes.items() if node.role == "parameter"]
    ('layered', ['w5'])
    >>> layout.nodes["a21"].x > layout.nodes["h11"].x, layout.overlapping_labels()
    (True, [])
    """
    roles = network_roles(graph)
    if roles is None:
        raise ValueError("layered_layout needs a layered network's graph (nodes with layer and "
                         "index); use graph_layout")
    names = [n for n in graph.order if n not in hide]
    shapes = node_shapes(graph, names, roles)
    satellites, shared = _satellites(graph, names, roles)
    for attempt in range(ATTEMPTS):
        placed = _columns(graph, names, roles, shapes, shared, satellites, 1.12 ** attempt)
        edges = [(u, v) for u, v in graph.digraph.edges if u in placed and v in placed]
        result = _place_satellites(graph, placed, edges, satellites, shapes, strict=True)
        if result is not None:
            return Layout(result, graph_edges(graph, names), "layered")
    # crowded (wide softmax layers): the compact layout, satellites clear of each other only
    placed = _columns(graph, names, roles, shapes, shared, satellites, 1.0)
    edges = [(u, v) for u, v in graph.digraph.edges if u in placed and v in placed]
    result = _place_satellites(graph, placed, edges, satellites, shapes, strict=False)
    return Layout(result or placed, graph_edges(graph, names), "layered")


def _satellites(graph: ComputationGraph, names: list[str], roles: Mapping[str, str]) -> tuple[
        dict[str, list[str]], dict[str, int]]:
    """Nodes placed beside another (centre -> satellites in reading order), and parameters
    shared by a whole layer (name -> that layer)."""
    visible = set(names)
    satellites: dict[str, list[str]] = {}
    shared = {}
    for name in names:
        if roles[name] not in ("parameter", "target"):
            continue
        children = [c for c in graph.children(name) if c in visible]
        if len(children) == 1:
            satellites.setdefault(children[0], []).append(name)
        elif children:
            shared[name] = graph.node(children[0]).layer or 1
    for centre, members in satellites.items():
        members.sort(key=lambda p: (*_weight_order(graph, p, centre), graph.order.index(p)))
    return satellites, shared


def _columns(graph: ComputationGraph, names: list[str], roles: Mapping[str, str],
             shapes: Mapping[str, Placed], shared: Mapping[str, int],
             satellites: Mapping[str, list[str]], grow: float) -> dict[str, Placed]:
    """The main nodes in their columns (inputs, a and h of each layer, loss), the shared
    biases below the layer before the one they feed."""
    diameter = max(p.height for p in shapes.values())
    fan = max((len(m) for m in satellites.values()), default=0)
    satellite = max((shapes[m[0]].height for m in satellites.values()), default=0.0)
    reach = diameter / 2 + REACH + satellite + GAP  # a neuron with satellites above it
    needed = 2 * reach if fan > 1 else reach + diameter / 2 + GAP
    spacing = max(1.0, 2.5 * diameter, needed) * grow
    fan_gap, step = 2.0 * grow, 1.45 * grow
    column: dict[str, float] = {}
    x = 0.0
    depth = max((graph.node(n).layer or 0 for n in names if roles[n] in ("activation",
                                                                          "output")), default=0)
    xs = {("input", 0): x}
    for layer in range(1, depth + 1):
        x += fan_gap
        xs["pre_activation", layer] = x
        # a softmax couples every a to every output: flatter diagonals leave room for weights
        coupled = max((len(graph.children(n)) for n in names if graph.node(n).layer == layer
                       and roles[n] == "pre_activation"), default=1)
        x += step * max(1.0, 0.55 * coupled)
        xs["activation", layer] = xs["output", layer] = x
    xs["loss", depth + 1] = x + step * 1.15
    for name in names:
        role, node = roles[name], graph.node(name)
        if node.layer is not None and (role, node.layer) in xs:
            column[name] = xs[role, node.layer]
    placed = {}
    tallest = max(list(column.values()).count(x_col) for x_col in column.values())
    for x_col in sorted(set(column.values())):
        members = sorted((n for n in column if column[n] == x_col),
                         key=lambda n: graph.node(n).index or 0)
        # a narrow layer spreads a little towards the height of the tallest
        spread = spacing * max(1.0, SPREAD * (tallest - 1) / max(len(members) - 1, 1))
        for rank, name in enumerate(members):
            y = ((len(members) - 1) / 2 - rank) * spread
            placed[name] = replace(shapes[name], x=x_col, y=y)
    for name, layer in shared.items():
        before = xs["input", 0] if layer == 1 else xs["activation", layer - 1]
        lowest = min((p.y for p in placed.values() if p.x == before), default=0.0)
        placed[name] = replace(shapes[name], x=before, y=lowest - 0.8 * spacing)
    return placed


def _place_satellites(graph: ComputationGraph, placed: dict[str, Placed], edges: list[Edge],
                      satellites: Mapping[str, list[str]], shapes: Mapping[str, Placed],
                      *, strict: bool) -> dict[str, Placed] | None:
    """Fan each centre's satellites around it, in reading order clockwise from the upper left,
    with one pattern for a whole column where one fits; ``None`` when some satellite finds no
    free place (in strict mode)."""
    placed = dict(placed)
    obstacles = Obstacles(cell=CELL)
    for u, v in edges:
        obstacles.add_segment((placed[u].x, placed[u].y), (placed[v].x, placed[v].y))
    for n, p in placed.items():
        obstacles.add_box(n, p.outline.grown(GAP))
    groups: dict[tuple[float, int], list[str]] = {}
    for centre, members in satellites.items():
        groups.setdefault((placed[centre].x, len(members)), []).append(centre)
    for key in sorted(groups):
        centres = sorted(groups[key], key=lambda c: -placed[c].y)
        attempts = [centres] + ([[c] for c in centres] if len(centres) > 1 else [])
        for group in attempts:
            mark = obstacles.mark()
            spots = _fan(group, placed, satellites, shapes, obstacles, strict)
            if spots is not None:
                placed.update(spots)
                if group is centres:
                    break
            else:
                obstacles.rollback(mark)
                if len(group) == 1:
                    return None
    return placed


def _fan(centres: list[str], placed: Mapping[str, Placed], satellites: Mapping[str, list[str]],
         shapes: Mapping[str, Placed], obstacles: Obstacles,
         strict: bool) -> dict[str, Placed] | None:
    """Satellites of ``centres`` placed with one common pattern of offsets (each one's box and
    edge added to ``obstacles``), or ``None``."""
    shape = shapes[satellites[centres[0]][0]]
    offsets: list[tuple[float, float]] = []
    for _ in satellites[centres[0]]:
        for dx, dy in _candidates(placed[centres[0]], shape, strict):
            found = []
            for centre in centres:
                middle = placed[centre]
                box = Box.around(middle.x + dx, middle.y + dy, shape.width, shape.height)
                start = (middle.x + dx, middle.y + dy)
                if strict and not _free(box, start, (middle.x, middle.y), obstacles, centre):
                    break
                if not strict and any(box.overlaps(b) for n, b in obstacles.boxes_near(box)
                                      if n != centre):
                    break
                found.append((box, start, middle))
            if len(found) == len(centres):
                for box, start, middle in found:
                    obstacles.add_box("", box.grown(GAP))
                    obstacles.add_segment(start, (middle.x, middle.y))
                offsets.append((dx, dy))
                break
        else:
            return None
    offsets.sort(key=lambda d: -math.atan2(d[1], d[0]))  # clockwise from the upper left
    return {name: replace(shapes[name], x=placed[centre].x + dx, y=placed[centre].y + dy)
            for centre in centres
            for name, (dx, dy) in zip(satellites[centre], offsets, strict=True)}


def _candidates(centre: Placed, shape: Placed, strict: bool = True) -> list[
        tuple[float, float]]:
    """Offsets around ``centre`` where a satellite clears it, best first: near the vertical
    (above or below), as close as can be (and, when not strict, as far out as it takes)."""
    return _offsets(max(centre.width, centre.height), shape.width, shape.height, strict)


@functools.lru_cache(maxsize=64)
def _offsets(size: float, width: float, height: float, strict: bool) -> list[
        tuple[float, float]]:
    """:func:`_candidates` for a centre of ``size`` and a satellite of ``width`` by ``height``
    (the same for every neuron of a picture: computed once)."""
    scored = []
    extras = (0.0, 0.15, 0.3, 0.5, 0.75) + (() if strict else (1.0, 1.5, 2.0, 3.0, 4.5, 7.0))
    for degrees in range(-175, 180, 5):
        angle = math.radians(degrees)
        ux, uy = math.cos(angle), math.sin(angle)
        near = _clearance(size, width, height, ux, uy)
        for extra in extras:
            cost = extra + 0.6 * min(abs(degrees - 80), abs(degrees + 80)) / 90
            scored.append((cost, -degrees, (near + extra) * ux, (near + extra) * uy))
    scored.sort()
    return [(dx, dy) for _, _, dx, dy in scored]


def _free(box: Box, start: Point, end: Point, obstacles: Obstacles, centre: str) -> bool:
    """Whether ``box`` (a satellite at ``start`` with its edge to ``end``) touches nothing
    (the box of ``centre`` aside)."""
    padded = box.grown(GAP / 2)
    if any(padded.overlaps(b) for n, b in obstacles.boxes_near(padded) if n != centre):
        return False
    if any(padded.meets_segment(p, q) for p, q in obstacles.segments_near(padded)):
        return False
    # its own edge must not cross another satellite or node (the centre's box ends it); a box
    # shrunk by ``shrink`` lies within the box grown by it, so the edge's extent grown by it
    # finds every box it could cross
    shrink = GAP + 0.01
    reach = Box(min(start[0], end[0]), min(start[1], end[1]), max(start[0], end[0]),
                max(start[1], end[1])).grown(shrink)
    inner = [b.grown(-shrink) for n, b in obstacles.boxes_near(reach) if n != centre]
    return not any(b.meets_segment(start, end) for b in inner
                   if not (b.x0 <= end[0] <= b.x1 and b.y0 <= end[1] <= b.y1))


def _clearance(size: float, width: float, height: float, ux: float, uy: float) -> float:
    """The least distance along ``(ux, uy)`` at which a ``width`` by ``height`` box clears a
    centre of ``size`` by GAP."""
    radius = size / 2 + REACH
    low, high = 0.0, radius + width + height
    for _ in range(30):
        middle = (low + high) / 2
        box = Box.around(middle * ux, middle * uy, width, height)
        dx = max(box.x0, 0.0, -box.x1)
        dy = max(box.y0, 0.0, -box.y1)
        low, high = (low, middle) if math.hypot(dx, dy) >= radius else (middle, high)
    return high


# -- the picture before surgery ----------------------------------------------------------------

def picture_layout(graph: ComputationGraph) -> Layout:
    """The usual picture of a layered network: neurons as nodes, weights written on the edges,
    biases written beside their neurons; targets beside the loss.

    Examples
    --------
    >>> from symbackprop.graph.network import LayeredNetwork
    >>> net = LayeredNetwork((2, 1), hidden=(), output="identity", loss="squared_error")
    >>> picture = picture_layout(net.build())
    >>> sorted(picture.nodes), picture.edge_text[("x2", "yhat1")], picture.carried_by["w112"]
    (['L', 'x1', 'x2', 'y1', 'yhat1'], 'w_{112}', ('x2', 'yhat1'))
    """
    roles = network_roles(graph)
    if roles is None:
        raise ValueError("the picture before surgery needs a layered network's graph")
    if len(graph) > MAX_DRAW_NODES.value():
        raise ValueError(MAX_DRAW_NODES.message("the picture", len(graph), "nodes"))
    latex = graph.latex_names()
    neurons = {n for n, r in roles.items() if r in ("input", "activation", "output", "loss",
                                                    "target")}
    represents, carried_by, edge_text = {}, {}, {}
    notes: dict[str, list[str]] = {}
    edges: list[Edge] = []
    activation = {(graph.node(n).layer, graph.node(n).index): n for n, r in roles.items()
                  if r in ("activation", "output")}
    for name, role in roles.items():
        if role != "pre_activation":
            continue
        neuron = activation[graph.node(name).layer, graph.node(name).index]
        represents[name] = neuron
        definition = graph.node(name).definition
        for term in sympy.Add.make_args(definition):
            sources = [str(f) for f in term.free_symbols if str(f) in neurons]
            rest = term.xreplace({symbol(s): 1 for s in sources})
            if sources:
                edges.append((sources[0], neuron))
                edge_text[sources[0], neuron] = sympy.latex(rest, symbol_names=latex)
                for weight in rest.free_symbols:
                    carried_by[str(weight)] = (sources[0], neuron)
            else:
                notes.setdefault(neuron, []).append(sympy.latex(term, symbol_names=latex))
    edges += [(u, v) for u in graph.order for v in graph.children(u)
              if roles[v] == "loss" and u in neurons]
    kept = [n for n in graph.order if n in neurons]
    picture_roles = {n: roles[n] for n in kept}
    shapes = node_shapes(graph, kept, picture_roles)
    placed: dict[str, Placed] = {}
    depth = max(graph.node(n).layer or 0 for n in kept if roles[n] != "target")
    diameter = max(p.height for p in shapes.values())
    spacing, gap = max(1.05, 2.3 * diameter), 2.6
    for layer in range(depth + 1):
        members = sorted((n for n in kept if graph.node(n).layer == layer
                          and roles[n] != "target"), key=lambda n: graph.node(n).index or 0)
        for rank, name in enumerate(members):
            y = ((len(members) - 1) / 2 - rank) * spacing
            text = "+".join(notes.get(name, []))
            note_box = None
            if text:
                w, h = text_size(text, NOTE_FONT)
                note_box = Box.around(layer * gap + diameter / 2 + w / 2 - 0.05,
                                      y - diameter / 2 - h / 2, w, h)
            placed[name] = replace(shapes[name], x=layer * gap, y=y, note=text,
                                   note_box=note_box)
    targets = [n for n in kept if roles[n] == "target"]
    if targets:
        loss_edges = [e for e in edges if e[1] in placed and e[0] in placed]
        result = _place_satellites(graph, placed, loss_edges, {graph.output: targets}, shapes,
                                   strict=False)
        placed = result or placed
        edges += [(t, graph.output) for t in targets]
    return Layout(placed, tuple(edges), "picture", edge_text, represents, carried_by)
