"""Where each node of a picture goes: pure geometry in inches, no drawing library.

* A **layered network** (every node carries ``layer`` and ``index``) reads left to right like the
  textbook picture: inputs, then for each layer its pre-activations ``a`` and activations ``h``,
  then the loss.  Every weight and per-neuron bias is a small box fanned around the
  pre-activation it feeds (the surgery of seed 002 made visible), placed so that no box touches
  another box, a node or an edge; a bias shared by a layer sits below the layer before it, like
  the bias unit of the classic pictures; targets sit beside the loss.
* **Any other graph** is laid out in columns by topological depth (a leaf one column before its
  first child), ordered within a column by the barycentre of its neighbours.
* :func:`picture_layout` is the usual picture before surgery: neurons only, weights on edges.

Every placed node carries the estimated box of its label (:func:`text_size`, measured against
matplotlib's mathtext, which is wider than LaTeX's Computer Modern), so that a test can prove
that no two labels overlap.

Examples
--------
>>> from symbackprop.network import LayeredNetwork
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

import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace

import sympy

from .graph import ComputationGraph
from .naming import symbol

__all__ = ["NODE_FONT", "Box", "Layout", "Placed", "graph_layout", "layered_layout",
           "network_roles", "picture_layout", "place_edge_labels", "text_size"]

Point = tuple[float, float]
Edge = tuple[str, str]

NODE_FONT = 11.0
"""Font size (pt) of node labels; every size here is in inches."""
NOTE_FONT = 8.5
GAP = 0.1
"""The least clearance between a satellite box and anything else."""
REACH = 0.17
"""The length of a satellite's edge (its distance from the node it feeds)."""
SPREAD = 0.5
"""How far a narrow layer spreads towards the height of the tallest (0: not at all)."""
ATTEMPTS = 4
"""Layouts tried, each 12% more spacious, before satellites may sit on edges."""
MAX_NODES = 400
"""Above this many nodes a picture is unreadable: :func:`graph_layout` refuses."""

# -- text --------------------------------------------------------------------------------------

_COMMAND = re.compile(r"\\([A-Za-z]+)")
_WIDE = {"m": 1.0, "w": 0.85, "M": 1.05, "W": 1.05}


def text_size(latex: str, fontsize: float = NODE_FONT) -> tuple[float, float]:
    r"""An upper estimate of the (width, height) in inches of ``latex`` typeset in math mode.

    Calibrated on matplotlib's mathtext (DejaVu), which sets wider than Computer Modern, so the
    estimate also holds for the TikZ output.

    Examples
    --------
    >>> w, h = text_size("w_{131}")
    >>> 0.3 < w < 0.4 and 0.15 < h < 0.2
    True
    """
    em = fontsize / 72.0
    width, accent = _measure(latex, 1.0)
    levels = 2.2 if r"\frac" in latex else 1.05
    return width * em + 0.03, (levels + (0.2 if accent else 0.0)) * em + 0.02


def _measure(text: str, scale: float) -> tuple[float, bool]:
    width, accent, i = 0.0, False, 0
    while i < len(text):
        if text.startswith(r"\frac", i):
            top, i = _group(text, i + 5)
            bottom, i = _group(text, i)
            (top_w, top_a), (bottom_w, bottom_a) = (_measure(top, scale * 0.75),
                                                    _measure(bottom, scale * 0.75))
            width += max(top_w, bottom_w) + 0.2 * scale
            accent = accent or top_a or bottom_a
            continue
        char = text[i]
        if char == "\\":
            match = _COMMAND.match(text, i)
            if match is None:  # an escaped character: \{ \, \;
                width += 0.3 * scale
                i += 2
                continue
            name, i = match.group(1), match.end()
            if name in ("hat", "bar", "tilde", "vec", "dot", "widehat"):
                accent = True
            elif name in ("mathcal", "mathrm", "mathbf", "mathit", "operatorname", "text",
                          "left", "right", "displaystyle"):
                continue
            else:
                width += 0.75 * scale  # \alpha, \to, \partial, \cdot ...
        elif char in "_^":
            group, i = _group(text, i + 1)
            sub_width, sub_accent = _measure(group, scale * 0.7)
            width, accent = width + sub_width, accent or sub_accent
        elif char in "{} ":
            i += 1
        else:
            width += scale * (_WIDE.get(char, 0.75 if char.isupper() else 0.66) if char.isalnum()
                              else 0.35 if char in ",.;:'" else 0.8)
            i += 1
    return width, accent


def _group(text: str, start: int) -> tuple[str, int]:
    """The braced group (or single character or command) at ``start`` and the index after it."""
    if start >= len(text):
        return "", start
    if text[start] == "{":
        depth = 0
        for end in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                return text[start + 1:end], end + 1
        return text[start + 1:], len(text)
    match = _COMMAND.match(text, start)
    end = match.end() if match else start + 1
    return text[start:end], end


# -- geometry ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Box:
    """An axis-aligned box ``[x0, x1] x [y0, y1]`` in inches."""

    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def around(cls, x: float, y: float, width: float, height: float) -> Box:
        return cls(x - width / 2, y - height / 2, x + width / 2, y + height / 2)

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def grown(self, margin: float) -> Box:
        return Box(self.x0 - margin, self.y0 - margin, self.x1 + margin, self.y1 + margin)

    def union(self, other: Box) -> Box:
        return Box(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1),
                   max(self.y1, other.y1))

    def overlaps(self, other: Box) -> bool:
        """Whether the interiors meet (touching edges do not count)."""
        return (self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1
                and other.y0 < self.y1)

    def meets_segment(self, p: Point, q: Point) -> bool:
        """Whether the segment ``p``-``q`` passes through the box (Liang-Barsky clipping)."""
        t0, t1 = 0.0, 1.0
        for start, delta, low, high in ((p[0], q[0] - p[0], self.x0, self.x1),
                                        (p[1], q[1] - p[1], self.y0, self.y1)):
            if delta == 0:
                if not low < start < high:
                    return False
                continue
            ta, tb = sorted(((low - start) / delta, (high - start) / delta))
            t0, t1 = max(t0, ta), min(t1, tb)
            if t0 >= t1:
                return False
        return True


@dataclass(frozen=True)
class Placed:
    """One node of a picture: where it is, its outline and its label's box.

    ``shape`` is ``circle`` (``width == height`` is the diameter), ``box`` (weights, biases) or
    ``rounded`` (long labels).  ``role`` says what the node is in a network: ``input``,
    ``target``, ``parameter``, ``pre_activation``, ``activation``, ``output``, ``loss``, or for
    other graphs the node's kind.  ``note`` is a small label beside the node (a bias in the
    picture before surgery).
    """

    name: str
    role: str
    x: float
    y: float
    shape: str
    width: float
    height: float
    label: str
    label_size: tuple[float, float] = (0.0, 0.0)
    note: str = ""
    note_box: Box | None = None

    @property
    def outline(self) -> Box:
        return Box.around(self.x, self.y, self.width, self.height)

    @property
    def label_box(self) -> Box:
        return Box.around(self.x, self.y, *self.label_size)

    def exit_point(self, p: Point, q: Point) -> float:
        """The parameter ``t`` at which the segment from ``p`` (inside) to ``q`` leaves the
        outline."""
        dx, dy = q[0] - p[0], q[1] - p[1]
        if self.shape == "circle":
            r = self.width / 2
            fx, fy = p[0] - self.x, p[1] - self.y
            a, b, c = dx * dx + dy * dy, 2 * (fx * dx + fy * dy), fx * fx + fy * fy - r * r
            if a == 0:
                return 0.0
            return max(0.0, (-b + math.sqrt(max(b * b - 4 * a * c, 0.0))) / (2 * a))
        box = self.outline
        t = 1.0
        for start, delta, low, high in ((p[0], dx, box.x0, box.x1), (p[1], dy, box.y0, box.y1)):
            if delta:
                t = min(t, ((high if delta > 0 else low) - start) / delta)
        return max(t, 0.0)


@dataclass(frozen=True)
class Layout:
    """A placed picture: nodes, edges and (for the picture before surgery) edge texts.

    Attributes
    ----------
    kind : {"layered", "general", "picture"}
    edge_text : mapping
        Text written on an edge by the picture itself (the weight, before surgery).
    represents : mapping
        For the picture before surgery: each graph node drawn as (part of) another node, such as
        a pre-activation drawn inside its neuron.
    carried_by : mapping
        For the picture before surgery: each weight and the edge it labels.
    """

    nodes: Mapping[str, Placed]
    edges: tuple[Edge, ...]
    kind: str
    edge_text: Mapping[Edge, str] = field(default_factory=dict)
    represents: Mapping[str, str] = field(default_factory=dict)
    carried_by: Mapping[str, Edge] = field(default_factory=dict)

    def bounds(self) -> Box:
        """The box around every outline, label and note."""
        boxes = [b for n in self.nodes.values() for b in (n.outline, n.label_box, n.note_box)
                 if b is not None]
        result = boxes[0]
        for box in boxes[1:]:
            result = result.union(box)
        return result

    def segment(self, u: str, v: str, offset: float = 0.0) -> tuple[Point, Point]:
        """The edge ``u -> v`` between the outlines, shifted ``offset`` inches to its left."""
        a, b = self.nodes[u], self.nodes[v]
        dx, dy = b.x - a.x, b.y - a.y
        length = math.hypot(dx, dy) or 1.0
        nx_, ny_ = -dy / length * offset, dx / length * offset
        p, q = (a.x + nx_, a.y + ny_), (b.x + nx_, b.y + ny_)
        t0, t1 = a.exit_point(p, q), b.exit_point(q, p)
        return ((p[0] + t0 * (q[0] - p[0]), p[1] + t0 * (q[1] - p[1])),
                (q[0] + t1 * (p[0] - q[0]), q[1] + t1 * (p[1] - q[1])))

    def overlapping_labels(self) -> list[tuple[str, str]]:
        """Pairs of nodes whose labels, notes or outlines overlap (none in a good layout)."""
        items = []
        for name, node in self.nodes.items():
            items.append((name, node.label_box.union(node.outline)))
            if node.note_box is not None:
                items.append((name, node.note_box))
        return sorted({(a, b) for i, (a, box_a) in enumerate(items) for b, box_b in items[i + 1:]
                       if a != b and box_a.overlaps(box_b)})

    def blocked_edges(self) -> list[tuple[Edge, str]]:
        """Edges that pass through a node other than their ends."""
        return [((u, v), name) for u, v in self.edges for name, node in self.nodes.items()
                if name not in (u, v) and node.outline.grown(-0.02).meets_segment(
                    (self.nodes[u].x, self.nodes[u].y), (self.nodes[v].x, self.nodes[v].y))]


# -- roles of a layered network -----------------------------------------------------------------

def network_roles(graph: ComputationGraph) -> dict[str, str] | None:
    """The role of every node of a layered network's graph, or ``None`` for another graph.

    A defined node whose (non-parameter) parents lie in the layer before is a pre-activation;
    one whose parents lie in its own layer is an activation (``output`` in the last layer).

    Examples
    --------
    >>> from symbackprop.network import LayeredNetwork
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


# -- shapes ------------------------------------------------------------------------------------

def _shapes(graph: ComputationGraph, names: Iterable[str], roles: Mapping[str, str]) -> dict[
        str, Placed]:
    """Every node with its shape and size, at (0, 0)."""
    sizes = {n: text_size(graph.node(n).latex) for n in names}
    round_names = [n for n in sizes if roles[n] != "parameter"]
    widest = max((sizes[n][0] for n in round_names), default=0.0)
    diameter = max(0.42, widest + 0.12)
    box_width = max((sizes[n][0] for n in sizes if roles[n] == "parameter"), default=0.3) + 0.12
    placed = {}
    for name, size in sizes.items():
        if roles[name] == "parameter":
            shape, width, height = "box", box_width, size[1] + 0.1
        elif size[0] + 0.12 <= max(diameter, 0.62):
            shape, width, height = "circle", diameter, diameter
        else:
            shape, width, height = "rounded", size[0] + 0.2, size[1] + 0.16
        placed[name] = Placed(name, roles[name], 0.0, 0.0, shape, width, height,
                              graph.node(name).latex, size)
    return placed


# -- layered networks --------------------------------------------------------------------------

def layered_layout(graph: ComputationGraph, *, hide: Collection[str] = ()) -> Layout:
    """The textbook layout of a layered network's graph (see the module docstring).

    Parameters
    ----------
    graph : ComputationGraph
        Built by :meth:`symbackprop.network.LayeredNetwork.build` (nodes carry layer and index).
    hide : collection of str
        Nodes left out (for instance every weight but the one differentiated).

    Notes
    -----
    Places the S satellites (weights, biases, targets) one by one, checking each candidate
    against the E edges and N nodes: O(S * (E + N)) per attempt, with a few attempts at growing
    spacing until nothing touches.
    """
    roles = network_roles(graph)
    if roles is None:
        raise ValueError("layered_layout needs a layered network's graph (nodes with layer and "
                         "index); use graph_layout")
    names = [n for n in graph.order if n not in hide]
    shapes = _shapes(graph, names, roles)
    satellites, shared = _satellites(graph, names, roles)
    for attempt in range(ATTEMPTS):
        placed = _columns(graph, names, roles, shapes, shared, satellites, 1.12 ** attempt)
        edges = [(u, v) for u, v in graph.digraph.edges if u in placed and v in placed]
        result = _place_satellites(graph, placed, edges, satellites, shapes, strict=True)
        if result is not None:
            return Layout(result, _edges(graph, names), "layered")
    # crowded (wide softmax layers): the compact layout, satellites clear of each other only
    placed = _columns(graph, names, roles, shapes, shared, satellites, 1.0)
    edges = [(u, v) for u, v in graph.digraph.edges if u in placed and v in placed]
    result = _place_satellites(graph, placed, edges, satellites, shapes, strict=False)
    return Layout(result or placed, _edges(graph, names), "layered")


def _edges(graph: ComputationGraph, names: Collection[str]) -> tuple[Edge, ...]:
    return tuple((u, v) for u in graph.order if u in names for v in graph.children(u)
                 if v in names)


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
        if (role, node.layer) in xs:
            column[name] = xs[role, node.layer]  # type: ignore[index]
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
    segments = [((placed[u].x, placed[u].y), (placed[v].x, placed[v].y)) for u, v in edges]
    boxes = [(n, p.outline.grown(GAP)) for n, p in placed.items()]
    groups: dict[tuple[float, int], list[str]] = {}
    for centre, members in satellites.items():
        groups.setdefault((placed[centre].x, len(members)), []).append(centre)
    for key in sorted(groups):
        centres = sorted(groups[key], key=lambda c: -placed[c].y)
        attempts = [centres] + ([[c] for c in centres] if len(centres) > 1 else [])
        for group in attempts:
            trial_segments, trial_boxes = list(segments), list(boxes)
            spots = _fan(group, placed, satellites, shapes, trial_segments, trial_boxes, strict)
            if spots is not None:
                segments[:], boxes[:] = trial_segments, trial_boxes
                placed.update(spots)
                if group is centres:
                    break
            elif len(group) == 1:
                return None
    return placed


def _fan(centres: list[str], placed: Mapping[str, Placed], satellites: Mapping[str, list[str]],
         shapes: Mapping[str, Placed], segments: list[tuple[Point, Point]],
         boxes: list[tuple[str, Box]], strict: bool) -> dict[str, Placed] | None:
    """Satellites of ``centres`` placed with one common pattern of offsets, or ``None``."""
    shape = shapes[satellites[centres[0]][0]]
    offsets: list[tuple[float, float]] = []
    for _ in satellites[centres[0]]:
        for dx, dy in _candidates(placed[centres[0]], shape, strict):
            found = []
            for centre in centres:
                middle = placed[centre]
                others = [b for n, b in boxes if n != centre]
                box = Box.around(middle.x + dx, middle.y + dy, shape.width, shape.height)
                start = (middle.x + dx, middle.y + dy)
                if strict and not _free(box, start, (middle.x, middle.y), segments, others):
                    break
                if not strict and any(box.overlaps(b) for b in others):
                    break
                found.append((box, start, middle))
            if len(found) == len(centres):
                for box, start, middle in found:
                    boxes.append(("", box.grown(GAP)))
                    segments.append((start, (middle.x, middle.y)))
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
    scored = []
    extras = (0.0, 0.15, 0.3, 0.5, 0.75) + (() if strict else (1.0, 1.5, 2.0, 3.0, 4.5, 7.0))
    for degrees in range(-175, 180, 5):
        angle = math.radians(degrees)
        ux, uy = math.cos(angle), math.sin(angle)
        near = _clearance(centre, shape, ux, uy)
        for extra in extras:
            cost = extra + 0.6 * min(abs(degrees - 80), abs(degrees + 80)) / 90
            scored.append((cost, -degrees, (near + extra) * ux, (near + extra) * uy))
    scored.sort()
    return [(dx, dy) for _, _, dx, dy in scored]


def _free(box: Box, start: Point, end: Point, segments: list[tuple[Point, Point]],
          boxes: list[Box]) -> bool:
    """Whether ``box`` (a satellite at ``start`` with its edge to ``end``) touches nothing."""
    padded = box.grown(GAP / 2)
    if any(padded.overlaps(b) for b in boxes):
        return False
    if any(padded.meets_segment(p, q) for p, q in segments):
        return False
    # its own edge must not cross another satellite or node (the centre's box ends it)
    inner = [b.grown(-GAP - 0.01) for b in boxes]
    return not any(b.meets_segment(start, end) for b in inner
                   if not (b.x0 <= end[0] <= b.x1 and b.y0 <= end[1] <= b.y1))


def _clearance(centre: Placed, shape: Placed, ux: float, uy: float) -> float:
    """The least distance along ``(ux, uy)`` at which ``shape`` clears ``centre`` by GAP."""
    radius = max(centre.width, centre.height) / 2 + REACH
    low, high = 0.0, radius + shape.width + shape.height
    for _ in range(30):
        middle = (low + high) / 2
        box = Box.around(middle * ux, middle * uy, shape.width, shape.height)
        dx = max(box.x0, 0.0, -box.x1)
        dy = max(box.y0, 0.0, -box.y1)
        low, high = (low, middle) if math.hypot(dx, dy) >= radius else (middle, high)
    return high


# -- any graph ---------------------------------------------------------------------------------

def graph_layout(graph: ComputationGraph, *, hide: Collection[str] = ()) -> Layout:
    """The layout of any graph: :func:`layered_layout` for layered networks, otherwise columns
    by topological depth.

    Raises
    ------
    ValueError
        Above :data:`MAX_NODES` nodes.

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
    if len(visible) > MAX_NODES:
        raise ValueError(f"{len(visible)} nodes are too many to draw legibly (at most "
                         f"{MAX_NODES})")
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
    shapes = _shapes(graph, visible, roles)
    height = max(p.height for p in shapes.values())
    placed, x = {}, 0.0
    for column in sorted(columns):
        members = columns[column]
        width = max(shapes[n].width for n in members)
        if placed:
            x += width / 2
        for i, name in enumerate(members):
            y = ((len(members) - 1) / 2 - i) * (height + 0.5)
            placed[name] = replace(shapes[name], x=x, y=y)
        x += width / 2 + max(1.0, 2.4 * height)
    return Layout(placed, _edges(graph, set(visible)), "general")


# -- the picture before surgery ----------------------------------------------------------------

def picture_layout(graph: ComputationGraph) -> Layout:
    """The usual picture of a layered network: neurons as nodes, weights written on the edges,
    biases written beside their neurons; targets beside the loss.

    Examples
    --------
    >>> from symbackprop.network import LayeredNetwork
    >>> net = LayeredNetwork((2, 1), hidden=(), output="identity", loss="squared_error")
    >>> picture = picture_layout(net.build())
    >>> sorted(picture.nodes), picture.edge_text[("x2", "yhat1")], picture.carried_by["w112"]
    (['L', 'x1', 'x2', 'y1', 'yhat1'], 'w_{112}', ('x2', 'yhat1'))
    """
    roles = network_roles(graph)
    if roles is None:
        raise ValueError("the picture before surgery needs a layered network's graph")
    if len(graph) > MAX_NODES:
        raise ValueError(f"{len(graph)} nodes are too many to draw legibly (at most "
                         f"{MAX_NODES})")
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
    shapes = _shapes(graph, kept, picture_roles)
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


# -- labels on edges ---------------------------------------------------------------------------

def place_edge_labels(layout: Layout, sizes: Mapping[Edge, tuple[float, float]], *,
                      prefer: Iterable[float] = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78),
                      avoid: Iterable[Box] = ()) -> dict[Edge, Box]:
    """Boxes for labels on edges (``sizes``: edge -> (width, height)), each centred on its edge
    where it overlaps no node, no node label and no other edge label if it can.

    Edges are placed in the order given; a label that cannot avoid everything goes where it
    overlaps least.
    """
    taken = [n.outline.grown(0.03) for n in layout.nodes.values()]
    taken += [n.note_box for n in layout.nodes.values() if n.note_box is not None]
    taken += list(avoid)
    fractions = tuple(prefer)
    result: dict[Edge, Box] = {}
    for edge, (width, height) in sizes.items():
        (x0, y0), (x1, y1) = layout.segment(*edge)
        length = math.hypot(x1 - x0, y1 - y0) or 1.0
        # on the edge first; beside it (left, then right of its middle) when that clashes
        side = (abs((y1 - y0) / length) * width + abs((x1 - x0) / length) * height) / 2 + 0.05
        normal = (-(y1 - y0) / length * side, (x1 - x0) / length * side)
        spots = [(x0 + t * (x1 - x0), y0 + t * (y1 - y0)) for t in fractions]
        middle = ((x0 + x1) / 2, (y0 + y1) / 2)
        spots += [(middle[0] + k * normal[0], middle[1] + k * normal[1]) for k in (1, -1)]
        best: tuple[float, Box] | None = None
        for x, y in spots:
            box = Box.around(x, y, width, height)
            clash = sum(_overlap_area(box, other) for other in taken)
            if best is None or clash < best[0] - 1e-9:
                best = clash, box
            if clash == 0:
                break
        assert best is not None  # prefer is never empty
        result[edge] = best[1]
        taken.append(best[1].grown(0.02))
    return result


def _overlap_area(a: Box, b: Box) -> float:
    return max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0.0, min(a.y1, b.y1) - max(a.y0,
                                                                                      b.y0))
