r"""What every layout is built from, in inches: text sizes, boxes, placed nodes and their shapes.

* :func:`text_size` estimates the box of a LaTeX label (measured against matplotlib's mathtext,
  which is wider than LaTeX's Computer Modern), so that a test can prove that no two labels
  overlap.
* :class:`Box`, :class:`Placed` (a node with its outline and label box) and :class:`Layout` (a
  placed picture, with the checks :meth:`Layout.overlapping_labels` and
  :meth:`Layout.blocked_edges`).
* :func:`node_shapes` sizes a graph's nodes to their labels; :func:`place_edge_labels` puts
  labels on a layout's edges where they overlap nothing.

Where the nodes go is decided by :mod:`symbackprop.draw.layout` (any graph) and
:mod:`symbackprop.draw.network_layout` (layered networks).

Examples
--------
>>> text_size("w_{131}") > text_size("w_{1}")
True
>>> Box(0, 0, 1, 1).overlaps(Box(0.5, 0.5, 2, 2)), Box(0, 0, 1, 1).overlaps(Box(1, 0, 2, 1))
(True, False)
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from ..graph.computation import ComputationGraph
from ..limits import MAX_DRAW_NODES

__all__ = ["MAX_NODES", "NODE_FONT", "NOTE_FONT", "Box", "Edge", "Layout", "Placed", "Point",
           "graph_edges", "node_shapes", "place_edge_labels", "text_size"]

Point = tuple[float, float]
Edge = tuple[str, str]

NODE_FONT = 11.0
"""Font size (pt) of node labels; every size here is in inches."""
NOTE_FONT = 8.5
MAX_NODES = MAX_DRAW_NODES.default
"""Above this many nodes a picture is unreadable: the layouts refuse (the default of
:data:`symbackprop.limits.MAX_DRAW_NODES`, which the environment may raise)."""

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


# -- boxes and placed nodes -------------------------------------------------------------------

@dataclass(frozen=True)
class Box:
    """An axis-aligned box ``[x0, x1] x [y0, y1]`` in inches.

    Examples
    --------
    >>> box = Box.around(1.0, 0.0, 2.0, 1.0)                 # centre (1, 0), 2 wide, 1 high
    >>> box, box.width
    (Box(x0=0.0, y0=-0.5, x1=2.0, y1=0.5), 2.0)
    >>> box.grown(0.5)
    Box(x0=-0.5, y0=-1.0, x1=2.5, y1=1.0)
    >>> box.overlaps(Box(2.0, 0.0, 3.0, 1.0))                # touching is not overlapping
    False
    """

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

    Examples
    --------
    >>> from symbackprop.draw.layout import graph_layout
    >>> from symbackprop.spec import load_problem
    >>> node = graph_layout(load_problem("branching_graph").graph).nodes["c"]
    >>> node.role, node.shape, node.width, node.label
    ('hidden', 'circle', 0.42, 'c')
    >>> node.label_box.width < node.outline.width            # the label fits in the circle
    True
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

    Examples
    --------
    >>> from symbackprop.draw.layout import graph_layout
    >>> from symbackprop.spec import load_problem
    >>> layout = graph_layout(load_problem("branching_graph").graph)
    >>> layout.kind, layout.edges
    ('general', (('a', 'c'), ('b', 'c'), ('b', 'd'), ('c', 'e'), ('d', 'e')))
    >>> layout.overlapping_labels(), layout.blocked_edges()
    ([], [])
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


# -- a graph's nodes and edges ----------------------------------------------------------------

def node_shapes(graph: ComputationGraph, names: Iterable[str],
                roles: Mapping[str, str]) -> dict[str, Placed]:
    """Every node of ``names`` with its shape and size, at (0, 0): parameters are boxes as
    wide as the widest parameter label; other nodes are circles of one diameter, or rounded
    boxes for labels too long for a circle.

    Examples
    --------
    >>> from symbackprop.graph.network import LayeredNetwork
    >>> g = LayeredNetwork((1, 1), hidden=(), output="sigmoid", loss="squared_error").build()
    >>> shapes = node_shapes(g, g.order, {n: g.node(n).kind for n in g.order})
    >>> shapes["w111"].shape, shapes["x1"].shape, (shapes["x1"].x, shapes["x1"].y)
    ('box', 'circle', (0.0, 0.0))
    """
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


def graph_edges(graph: ComputationGraph, names: Collection[str]) -> tuple[Edge, ...]:
    """The edges of ``graph`` between nodes of ``names``, in topological order.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> graph_edges(load_problem("branching_graph").graph, {"a", "b", "c"})
    (('a', 'c'), ('b', 'c'))
    """
    return tuple((u, v) for u in graph.order if u in names for v in graph.children(u)
                 if v in names)



# -- labels on edges ---------------------------------------------------------------------------

def place_edge_labels(layout: Layout, sizes: Mapping[Edge, tuple[float, float]], *,
                      prefer: Iterable[float] = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78),
                      avoid: Iterable[Box] = ()) -> dict[Edge, Box]:
    """Boxes for labels on edges (``sizes``: edge -> (width, height)), each centred on its edge
    where it overlaps no node, no node label and no other edge label if it can.

    Edges are placed in the order given; a label that cannot avoid everything goes where it
    overlaps least.

    Examples
    --------
    >>> from symbackprop.draw.layout import graph_layout
    >>> from symbackprop.spec import load_problem
    >>> layout = graph_layout(load_problem("branching_graph").graph)
    >>> boxes = place_edge_labels(layout, {("a", "c"): (0.3, 0.15), ("b", "c"): (0.3, 0.15)})
    >>> boxes["a", "c"].overlaps(boxes["b", "c"])
    False
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
