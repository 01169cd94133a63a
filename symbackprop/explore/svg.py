"""The picture of the interactive page: the draw layer's layout written as inline SVG.

The nodes go where :func:`symbackprop.draw.layout.graph_layout` puts them (a layered network
left to right, every weight a small box beside the neuron it feeds); this module only writes
them, with the hooks the page's script and its tests use:

- each node is ``<g class="sbp-node" data-name="NAME">``; a node that can be chosen (a
  parameter) also has ``data-node="NAME"``, ``tabindex="0"`` and ``role="button"``;
- each edge is ``<g class="sbp-edge" data-edge="INDEX">`` with a ``<title>`` (its local partial
  and value) and a wide transparent line to hover;
- :func:`edge_geometry` gives the script each edge's segment and the room beside it;
- the paths of the chosen parameter are drawn by the script (``assets/paths.js``) into
  ``<g class="sbp-overlays">`` (``data-path="NUMBER"``, class ``highlighted``).

Every text is escaped once, here, with :func:`html.escape` (quotes included).

Examples
--------
>>> from symbackprop.draw.layout import graph_layout
>>> from symbackprop.spec import load_problem
>>> layout = graph_layout(load_problem("branching_graph").graph)
>>> svg = picture_svg(layout, Canvas.of(layout), selectable={"a", "b"})
>>> svg.count('data-node="'), svg.count('class="sbp-edge"')
(2, 5)
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from ..draw.geometry import Layout, Placed, Point
from ..draw.scene import FILL
from .mathml import label_parts

__all__ = ["MARGIN", "SCALE", "Canvas", "edge_geometry", "picture_svg"]

SCALE = 72.0
"""SVG units per inch of the layout (a point of the layout's fonts is one unit)."""
MARGIN = 0.25
"""Inches of room around the picture."""
_FONT = 11.0


@dataclass(frozen=True)
class Canvas:
    """The SVG's coordinates: the layout's inches (y up) to SVG units (y down).

    Examples
    --------
    >>> from symbackprop.draw.layout import graph_layout
    >>> from symbackprop.spec import load_problem
    >>> layout = graph_layout(load_problem("branching_graph").graph)
    >>> canvas = Canvas.of(layout)
    >>> canvas.point((layout.bounds().x0, layout.bounds().y1))   # the top left corner
    (18.0, 18.0)
    """

    x0: float
    y1: float
    width: float
    height: float

    @classmethod
    def of(cls, layout: Layout) -> Canvas:
        box = layout.bounds()
        return cls(box.x0, box.y1, (box.width + 2 * MARGIN) * SCALE,
                   (box.height + 2 * MARGIN) * SCALE)

    def point(self, point: Point) -> tuple[float, float]:
        """A layout point in SVG units, rounded to 0.01."""
        x, y = point
        return (round((x - self.x0 + MARGIN) * SCALE, 2), round((self.y1 - y + MARGIN) * SCALE, 2))

    def length(self, inches: float) -> float:
        return round(inches * SCALE, 2)


def edge_geometry(layout: Layout, canvas: Canvas) -> list[list[float]]:
    """Each edge of ``layout`` (in ``layout.edges`` order) as the page's script draws its
    paths: ``[x1, y1, x2, y2, room]``, its segment in SVG units and the room beside it for
    paths drawn side by side (0.7 of the smaller end's smaller side).

    Examples
    --------
    >>> from symbackprop.draw.layout import graph_layout
    >>> from symbackprop.spec import load_problem
    >>> layout = graph_layout(load_problem("branching_graph").graph)
    >>> geometry = edge_geometry(layout, Canvas.of(layout))
    >>> len(geometry) == len(layout.edges), all(len(g) == 5 and g[4] > 0 for g in geometry)
    (True, True)
    """
    geometry = []
    for u, v in layout.edges:
        (x1, y1), (x2, y2) = (canvas.point(p) for p in layout.segment(u, v))
        ends = [layout.nodes[n] for n in (u, v)]
        room = canvas.length(0.7 * min(min(n.width, n.height) for n in ends))
        geometry.append([x1, y1, x2, y2, room])
    return geometry


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def _node(node: Placed, canvas: Canvas, title: str, selectable: bool,
          caption: str | None = None) -> str:
    x, y = canvas.point((node.x, node.y))
    w, h = canvas.length(node.width), canvas.length(node.height)
    fill = FILL.get(node.role, "#ffffff")
    name = _attr(node.name)
    hooks = f'data-name="{name}"'
    if selectable:
        hooks += (f' data-node="{name}" tabindex="0" role="button" aria-pressed="false"'
                  f' aria-label="{_attr("choose " + node.name)}"')
    if node.shape == "circle":
        shape = f'<circle cx="{x}" cy="{y}" r="{round(w / 2, 2)}" fill="{fill}"/>'
    else:
        radius = round(min(w, h) / 2, 2) if node.shape == "rounded" else 2
        shape = (f'<rect x="{round(x - w / 2, 2)}" y="{round(y - h / 2, 2)}" width="{w}" '
                 f'height="{h}" rx="{radius}" fill="{fill}"/>')
    base, sub = label_parts(node.name) if caption is None else (caption, "")
    size = _FONT if node.shape != "box" else _FONT * 0.85
    label = _attr(base)
    if sub:
        label += f'<tspan dy="{round(size * 0.3, 2)}" font-size="{round(size * 0.7, 2)}">'
        label += f"{_attr(sub)}</tspan>"
    text = (f'<text x="{x}" y="{round(y + size * 0.35, 2)}" font-size="{size}" '
            f'text-anchor="middle">{label}</text>')
    role = _attr(node.role)
    return (f'<g class="sbp-node sbp-{role}" {hooks}><title>{_attr(title)}</title>{shape}'
            f"{text}</g>")


def picture_svg(layout: Layout, canvas: Canvas, *, selectable: Collection[str] = (),
                node_titles: Mapping[str, str] | None = None,
                edge_titles: Sequence[str] = (),
                captions: Mapping[str, str] | None = None) -> str:
    """The inline ``<svg>`` of ``layout``: its edges (in ``layout.edges`` order, each with its
    title from ``edge_titles``), an empty group for the paths, and its nodes, each labelled
    with its name (base and subscript) or with its text in ``captions`` (a tensor's name
    and shape).

    Examples
    --------
    >>> from symbackprop.draw.layout import graph_layout
    >>> from symbackprop.spec import load_problem
    >>> layout = graph_layout(load_problem("branching_graph").graph)
    >>> svg = picture_svg(layout, Canvas.of(layout), node_titles={"a": 'a = "2" <b>'})
    >>> '<title>a = &quot;2&quot; &lt;b&gt;</title>' in svg
    True
    """
    titles = node_titles or {}
    edges = []
    for index, (u, v) in enumerate(layout.edges):
        (x1, y1), (x2, y2) = (canvas.point(p) for p in layout.segment(u, v))
        title = edge_titles[index] if index < len(edge_titles) else f"{u} → {v}"
        line = f'x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"'
        edges.append(f'<g class="sbp-edge" data-edge="{index}"><title>{_attr(title)}</title>'
                     f'<line class="sbp-line" {line} marker-end="url(#sbp-arrow)"/>'
                     f'<line class="sbp-hit" {line}/></g>')
    shown = captions or {}
    nodes = [_node(node, canvas, titles.get(name, name), name in selectable, shown.get(name))
             for name, node in layout.nodes.items()]
    width, height = round(canvas.width, 2), round(canvas.height, 2)
    return (f'<svg class="sbp-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
            f'{height}" width="{width}" height="{height}" role="group" '
            'aria-label="the computation graph after surgery">'
            '<defs><marker id="sbp-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
            'markerWidth="6" markerHeight="6" orient="auto-start-reverse">'
            '<path d="M0,0L10,5L0,10z" fill="#8a8a8a"/></marker></defs>'
            f'<g class="sbp-edges">{"".join(edges)}</g><g class="sbp-overlays"></g>'
            f'<g class="sbp-nodes">{"".join(nodes)}</g></svg>')
