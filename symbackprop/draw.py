r"""Pictures of a derivation: the graph with its weight nodes and every path highlighted.

A :class:`Scene` says what to draw, in inches, whatever the output: the nodes (placed by
:mod:`symbackprop.layout`), one stroke per edge and path (paths that share an edge run side by
side, each in its own colour), edge labels and a legend.  Three writers read it:

* :func:`draw_derivation`: a matplotlib figure (PNG, SVG, PDF; shown inline in Jupyter). matplotlib
  is imported only here, and a missing one raises :class:`MissingExtraError` naming the extra.
* :func:`tikz_picture` / :func:`tikz_document`: TikZ (needs only ``\usepackage{tikz}``).
* :func:`dot_source`: Graphviz DOT (``dot -Tpng``, or ``neato -n2 -Tpng`` for this layout).

Path colours follow the notes of seed 001 (path 1 blue, 2 red, 3 pink, 4 green, ...), then cycle
with dash styles.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.derivation import derive
>>> problem = load_problem("mazur_2_2_2")
>>> scene = derivation_scene(derive(problem.graph, "w1", values=problem.values))
>>> [(p.style.number, p.style.colour) for p in scene.paths]
[(1, '#1f5fd1'), (2, '#d62728')]
>>> tikz_picture(derive(problem.graph, "w1")).splitlines()[0]
'\\begin{tikzpicture}[x=1in, y=1in, >=stealth, line cap=round]'
"""

from __future__ import annotations

import html
import io
import itertools
import math
import re
import textwrap
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sympy

from .derivation import Derivation, Factor
from .errors import SymbackpropError
from .layout import (
    NODE_FONT,
    NOTE_FONT,
    Box,
    Edge,
    Layout,
    Point,
    graph_layout,
    picture_layout,
    place_edge_labels,
    text_size,
)

__all__ = ["FORMATS", "MAX_COLOURED", "PALETTE", "MissingExtraError", "Scene",
           "derivation_scene", "dot_source", "draw_derivation", "render", "tikz_document",
           "tikz_picture"]

PALETTE = ("#1f5fd1", "#d62728", "#e7298a", "#2ca02c", "#ff7f0e", "#7b3fbf", "#8c564b",
           "#17a2b8", "#808000")
"""Path colours: blue, red, pink, green (as in the notes of seed 001), then more."""
DASHES = ("solid", "dashed", "dotted", "dashdot")
MAX_COLOURED = 36
"""Above this many paths, every edge on some path is drawn in one colour instead."""
FORMATS = ("png", "svg", "pdf", "tex", "dot")
EDGE_LABELS = (None, "formula", "value")
PARAMETERS = ("all", "wrt")

EDGE_FONT = 8.5
LEGEND_FONT = 9.5
PATH_WIDTH = 1.7
"""Width (pt) of a path's stroke; strokes sharing an edge sit PATH_GAP inches apart."""
PATH_GAP = 0.034
ARROW = 0.085
FADED = "#c9c9c9"
UNION = "#1f5fd1"

FILL = {"input": "#e6e6e6", "target": "#e6e6e6", "parameter": "#fde8b0", "constant": "#f2f2f2",
        "pre_activation": "#ffffff", "activation": "#dcecfb", "output": "#d6f0d6",
        "loss": "#f9d6d5", "hidden": "#ffffff"}
WRT_FILL = "#f6b93b"


class MissingExtraError(SymbackpropError):
    """An optional dependency is not installed; the message names the extra to install.

    Examples
    --------
    >>> issubclass(MissingExtraError, SymbackpropError)
    True
    """


@dataclass(frozen=True)
class PathStyle:
    number: int
    colour: str
    dash: str = "solid"


@dataclass(frozen=True)
class ScenePath:
    """One path of the derivation as drawn: its graph nodes, the drawn edges it highlights and
    its value."""

    style: PathStyle
    nodes: tuple[str, ...]
    edges: tuple[Edge, ...]
    value: float | None = None


@dataclass(frozen=True)
class Stroke:
    """A straight line of the picture; ``path`` is the path number it belongs to (0 for the
    union of all paths, ``None`` for an edge on no path)."""

    start: Point
    end: Point
    colour: str
    width: float
    dash: str = "solid"
    arrow: bool = False
    path: int | None = None


@dataclass(frozen=True)
class NodeStyle:
    fill: str
    line: str
    width: float
    text: str = "#000000"


@dataclass(frozen=True)
class EdgeLabel:
    edge: Edge
    text: str
    box: Box
    emphasis: bool = False
    plain: str = ""
    """The label as plain text (for Graphviz), where it differs from the LaTeX."""


@dataclass(frozen=True)
class Scene:
    """Everything a writer needs, in inches (see the module docstring).

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> scene = derivation_scene(derive(load_problem("padhai_4_4_2").graph, "w131"))
    >>> scene
    Scene(dL/dw131, 43 nodes, 4 highlighted paths)
    """

    layout: Layout
    of: str
    wrt: str
    path_count: int
    value: float | None
    paths: tuple[ScenePath, ...]
    strokes: tuple[Stroke, ...]
    styles: Mapping[str, NodeStyle]
    edge_labels: tuple[EdgeLabel, ...] = ()
    note: str = ""
    latex: Mapping[str, str] = field(default_factory=dict)

    @property
    def coloured(self) -> bool:
        """Whether every path has its own colour (else the union of the paths is drawn)."""
        return len(self.paths) == self.path_count

    def bounds(self) -> Box:
        box = self.layout.bounds()
        for label in self.edge_labels:
            box = box.union(label.box)
        return box

    def __repr__(self) -> str:
        return (f"Scene(d{self.of}/d{self.wrt}, {len(self.layout.nodes)} nodes, "
                f"{len(self.paths)} highlighted paths)")


def path_style(number: int) -> PathStyle:
    """The colour and dash of path ``number`` (1-based).

    Examples
    --------
    >>> path_style(3), path_style(10).dash
    (PathStyle(number=3, colour='#e7298a', dash='solid'), 'dashed')
    """
    index = number - 1
    return PathStyle(number, PALETTE[index % len(PALETTE)],
                     DASHES[(index // len(PALETTE)) % len(DASHES)])


# -- the scene ---------------------------------------------------------------------------------

def derivation_scene(derivation: Derivation, *, edge_labels: str | None = None,
                     before_surgery: bool = False, parameters: str = "all",
                     max_coloured: int = MAX_COLOURED) -> Scene:
    """What to draw for ``derivation`` (every writer starts here).

    Parameters
    ----------
    derivation : Derivation
    edge_labels : {None, "formula", "value"}
        Label each edge on a path with its local partial, as a formula or as a number.
    before_surgery : bool
        Draw the usual picture instead: neurons only, weights written on the edges.
    parameters : {"all", "wrt"}
        ``wrt`` draws only the parameter differentiated with respect to (the smaller picture of
        seed 002); the other weights stay folded into their neurons.
    max_coloured : int
        Up to this many paths each get a colour; above it, their union is drawn in one colour.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> scene = derivation_scene(derive(problem.graph, "w1", values=problem.values))
    >>> scene
    Scene(dL/dw1, 23 nodes, 2 highlighted paths)
    """
    _check_options(derivation, edge_labels, before_surgery, parameters)
    graph = derivation.graph
    hide = [p for p in graph.parameters if p != derivation.wrt] if parameters == "wrt" else []
    try:
        layout = picture_layout(graph) if before_surgery else graph_layout(graph, hide=hide)
    except ValueError as err:
        raise SymbackpropError(f"cannot draw {graph!r}: {err}; draw a smaller network, or "
                               "only the weight differentiated (parameters='wrt')") from None
    paths = _scene_paths(derivation, layout, max_coloured)
    on_paths = {n for p in paths for n in p.nodes} | {derivation.wrt}
    if derivation.terms is None:
        on_paths |= {a.node for a in derivation.adjoints}
    styles = {name: _node_style(name, placed.role, name in on_paths or layout.represents.get(
        name) in on_paths, name == derivation.wrt) for name, placed in layout.nodes.items()}
    labels = _edge_labels(derivation, layout, paths, edge_labels)
    routes = {p.edges for p in paths}
    note = ""
    if before_surgery and derivation.wrt in layout.carried_by:
        note = ("Before surgery the weight is a label on an edge, not a node.")
        if len(routes) < len(paths):
            note += (f" The {len(paths)} paths follow only {len(routes)} routes here: paths "
                     "that differ inside a neuron (a softmax couples its outputs) coincide.")
    return Scene(layout, derivation.of, derivation.wrt, derivation.path_count, derivation.value,
                 paths, _strokes(layout, paths), styles, labels, note,
                 {n: graph.node(n).latex for n in graph.order})


def _check_options(derivation: Derivation, edge_labels: str | None, before_surgery: bool,
                   parameters: str) -> None:
    if edge_labels not in EDGE_LABELS:
        raise SymbackpropError(f"unknown edge labels {edge_labels!r}; allowed: formula, value")
    if parameters not in PARAMETERS:
        raise SymbackpropError(f"unknown parameters {parameters!r}; allowed: all, wrt")
    if before_surgery and edge_labels is not None:
        raise SymbackpropError("edge labels cannot be combined with the picture before "
                               "surgery: that picture labels its edges with the weights")
    if edge_labels == "value" and derivation.values is None:
        missing = ", ".join(derivation.graph.missing_values({})[:6])
        raise SymbackpropError(f"edge labels 'value' need numbers, and the problem gives no "
                               f"value for some leaves (such as {missing})")


def _scene_paths(derivation: Derivation, layout: Layout, max_coloured: int) -> tuple[
        ScenePath, ...]:
    edges = set(layout.edges)
    if derivation.terms is None or derivation.path_count > max_coloured:
        union = {(f.wrt, f.of) for a in derivation.adjoints for f, _ in a.contributions}
        drawn = tuple(sorted(_drawn_edges(layout, union) & edges))
        nodes = tuple(sorted({n for e in union for n in e}))
        return (ScenePath(PathStyle(0, UNION), nodes, drawn, derivation.value),)
    return tuple(ScenePath(path_style(k), term.path.nodes,
                           tuple(e for e in _route(layout, term.path.nodes) if e in edges),
                           term.value) for k, term in enumerate(derivation.terms, start=1))


def _drawn_edges(layout: Layout, graph_edges: Iterable[Edge]) -> set[Edge]:
    result = set()
    for u, v in graph_edges:
        result |= set(_route(layout, (u, v)))
    return result


def _route(layout: Layout, nodes: Iterable[str]) -> list[Edge]:
    """The drawn edges along a path of the graph (before surgery: neurons, and the edge that
    carries a weight)."""
    if layout.kind != "picture":
        nodes = tuple(nodes)
        return list(itertools.pairwise(nodes))
    route: list[str] = []
    for node in nodes:
        if node in layout.nodes:
            route.append(node)
        elif node in layout.carried_by:
            route += layout.carried_by[node]
    route = [n for i, n in enumerate(route) if i == 0 or n != route[i - 1]]
    drawn = set(layout.edges)
    return [e for e in itertools.pairwise(route) if e in drawn]


def _node_style(name: str, role: str, on_path: bool, wrt: bool) -> NodeStyle:
    fill = FILL.get(role, "#ffffff")
    if wrt:
        return NodeStyle(WRT_FILL, "#000000", 2.0)
    if on_path:
        return NodeStyle(fill, "#222222", 1.2)
    return NodeStyle(fill, "#9a9a9a", 0.8, "#555555")


def _edge_factors(derivation: Derivation) -> dict[Edge, Factor]:
    return {(f.wrt, f.of): f for a in derivation.adjoints for f, _ in a.contributions}


def _edge_labels(derivation: Derivation, layout: Layout, paths: tuple[ScenePath, ...],
                 mode: str | None) -> tuple[EdgeLabel, ...]:
    texts: dict[Edge, str] = {}
    plain: dict[Edge, str] = {}
    emphasis: set[Edge] = set()
    if layout.kind == "picture":
        texts = dict(layout.edge_text)
        if derivation.wrt in layout.carried_by:
            emphasis.add(layout.carried_by[derivation.wrt])
        prefer: tuple[float, ...] = (0.72, 0.62, 0.82, 0.52, 0.42, 0.32, 0.25)
    elif mode is not None:
        names = derivation.graph.latex_names()
        factors = _edge_factors(derivation)
        for edge in dict.fromkeys(e for p in paths for e in p.edges):
            factor = factors.get(edge)
            if factor is None:
                continue
            if mode == "formula":
                texts[edge] = sympy.latex(factor.expression, symbol_names=names)
                plain[edge] = str(factor.expression)
            else:
                texts[edge], plain[edge] = _number(factor.value), f"{factor.value:.4g}"
        prefer = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78)
    else:
        return ()
    order = sorted(texts, key=lambda e: (e not in emphasis, layout.nodes[e[0]].x,
                                         -layout.nodes[e[0]].y))
    sizes = {e: _padded(text_size(texts[e], EDGE_FONT)) for e in order}
    avoid = [n.label_box for n in layout.nodes.values()]
    boxes = place_edge_labels(layout, sizes, prefer=prefer, avoid=avoid)
    return tuple(EdgeLabel(e, texts[e], boxes[e], e in emphasis, plain.get(e, ""))
                 for e in order)


def _padded(size: tuple[float, float]) -> tuple[float, float]:
    return size[0] + 0.06, size[1] + 0.03


def _number(value: float | None) -> str:
    """A value to 4 significant digits, as LaTeX."""
    if value is None:
        return "?"
    text = f"{value:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def _strokes(layout: Layout, paths: tuple[ScenePath, ...]) -> tuple[Stroke, ...]:
    """Faded edges first, then each highlighted edge as parallel strokes and one arrowhead."""
    through: dict[Edge, list[ScenePath]] = {}
    for path in paths:
        for edge in path.edges:
            through.setdefault(edge, []).append(path)
    faded, bright = [], []
    for edge in layout.edges:
        users = through.get(edge, [])
        if not users:
            start, end = layout.segment(*edge)
            faded.append(Stroke(start, end, FADED, 0.8, arrow=True))
            continue
        # a bundle stays within the smaller end node, thinning its strokes if it must
        ends = [layout.nodes[n] for n in edge]
        room = 0.7 * min(min(n.width, n.height) for n in ends)
        gap = min(PATH_GAP, room / max(len(users) - 1, 1))
        width = min(PATH_WIDTH, gap * 72 * 0.75) if len(users) > 1 else PATH_WIDTH
        for i, path in enumerate(users):
            offset = (i - (len(users) - 1) / 2) * gap
            start, end = _shortened(*layout.segment(*edge, offset=offset), ARROW)
            bright.append(Stroke(start, end, path.style.colour, width, path.style.dash,
                                 path=path.style.number))
        start, end = layout.segment(*edge)
        colour = users[0].style.colour if len(users) == 1 else "#333333"
        head = _shortened(end, start, max(math.dist(start, end) - ARROW * 1.6, 0.0))
        bright.append(Stroke(head[1], end, colour, 1.0, arrow=True))
    return tuple(faded + bright)


def _shortened(start: Point, end: Point, by: float) -> tuple[Point, Point]:
    """The segment with ``by`` inches cut from its end."""
    length = math.dist(start, end)
    if length <= by or length == 0:
        return start, start
    t = (length - by) / length
    return start, (start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1]))


# -- texts shared by the writers ---------------------------------------------------------------

def _title_math(scene: Scene) -> str:
    return rf"\partial {scene.latex[scene.of]} / \partial {scene.latex[scene.wrt]}"


def _title_text(scene: Scene) -> str:
    plural = "path" if scene.path_count == 1 else "paths"
    text = f"{scene.path_count:,} {plural}"
    if not scene.coloured:
        text += " (too many to colour one by one: their union is drawn)"
    return text


def _chain(scene: Scene, path: ScenePath) -> str:
    if path.style.number == 0:
        return rf"\text{{every edge from }} {scene.latex[scene.wrt]} \text{{ to }} " \
               rf"{scene.latex[scene.of]}"
    return r" \to ".join(scene.latex[n] for n in path.nodes)


def _legend_size(scene: Scene) -> tuple[float, float]:
    rows = [text_size(_chain(scene, p) + "= -0.0000000", LEGEND_FONT)[0] for p in scene.paths]
    width = 0.75 + max(rows, default=0.0)
    height = 0.27 * len(scene.paths) + 0.22 * len(_note_lines(scene)) + 0.15
    return width, height


def _note_lines(scene: Scene) -> list[str]:
    """The note, wrapped to the width of the picture."""
    if not scene.note:
        return []
    columns = max(60, int(scene.layout.bounds().width / 0.075))
    return textwrap.wrap(scene.note, columns)


# -- matplotlib --------------------------------------------------------------------------------

def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise MissingExtraError(
            "drawing PNG, SVG or PDF needs matplotlib: pip install 'symbackprop[draw]' "
            "(TikZ .tex and Graphviz .dot need nothing extra)") from None
    return matplotlib


@cache
def _figure_class() -> type:
    """A matplotlib Figure that shows itself inline in Jupyter without pyplot."""
    from matplotlib.figure import Figure

    class DerivationFigure(Figure):
        """A matplotlib figure of a derivation (shown inline in Jupyter)."""

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=110)
            return buffer.getvalue()

    return DerivationFigure


def draw_derivation(derivation: Derivation, *, edge_labels: str | None = None,
                    before_surgery: bool = False, parameters: str = "all",
                    max_coloured: int = MAX_COLOURED) -> Any:
    """A matplotlib figure of ``derivation``'s graph with every path highlighted.

    Options as for :func:`derivation_scene`.  The figure is not registered with pyplot (no
    global state); save it with ``figure.savefig(...)``.  Needs the ``draw`` extra.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> figure = draw_derivation(derive(problem.graph, "w1", values=problem.values))
    >>> figure.savefig(io.BytesIO(), format="svg")   # or a file name; Jupyter shows it inline
    """
    _matplotlib()
    scene = derivation_scene(derivation, edge_labels=edge_labels, before_surgery=before_surgery,
                             parameters=parameters, max_coloured=max_coloured)
    return scene_figure(scene)


MATH_FONT = "cm"
"""matplotlib's math font: Computer Modern, as in the TikZ output and the textbooks."""
MATH_SCALE = 12 / 11
"""Computer Modern sets narrower than the (DejaVu) size estimates of the layout: drawn this much
larger it still fits inside the estimated label boxes (a test checks it)."""


@cache
def _mathtext_ok(text: str) -> bool:
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(f"${text}$", prop=FontProperties(math_fontfamily=MATH_FONT))
    except (ValueError, OSError):
        return False
    return True


_SIMPLE_LABEL = re.compile(r"(\\hat\{\w\}|\\mathcal\{\w\}|[A-Za-z]+)(_\{[\w,]+\})?\Z")


def _mpl_text(latex: str, fallback: str) -> str:
    """``latex`` as mathtext, or ``fallback`` as plain text where mathtext cannot typeset it."""
    if latex and (_SIMPLE_LABEL.match(latex) or _mathtext_ok(latex)):
        return f"${latex}$"
    return fallback.replace("$", r"\$")


def _text(ax: Any, x: float, y: float, text: str, **options: Any) -> Any:
    return ax.text(x, y, text, math_fontfamily=MATH_FONT, **options)


def scene_figure(scene: Scene) -> Any:
    """Draw a :class:`Scene` with matplotlib; each path's artists carry ``gid="path-K"``."""
    _matplotlib()
    from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle

    box = scene.bounds()
    legend_w, legend_h = _legend_size(scene)
    margin = 0.3
    width = max(box.width, legend_w) + 2 * margin
    height = box.height + legend_h + 0.55 + 2 * margin
    figure = _figure_class()(figsize=(width, height), dpi=100)
    ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    x0, top = box.x0 - margin, box.y1 + 0.55 + margin
    ax.set_xlim(x0, x0 + width)
    ax.set_ylim(top - height, top)
    ax.set_axis_off()
    dashes = {"solid": "-", "dashed": "--", "dotted": ":", "dashdot": "-."}
    for stroke in scene.strokes:
        gid = None if stroke.path is None else f"path-{stroke.path}"
        if stroke.arrow:
            arrow = FancyArrowPatch(stroke.start, stroke.end, arrowstyle="-|>",
                                    mutation_scale=8 if stroke.path is None else 10,
                                    color=stroke.colour, lw=stroke.width, shrinkA=0, shrinkB=0,
                                    zorder=2 if stroke.path is None else 2.5)
            ax.add_patch(arrow)
        else:
            (line,) = ax.plot([stroke.start[0], stroke.end[0]], [stroke.start[1], stroke.end[1]],
                              color=stroke.colour, lw=stroke.width, ls=dashes[stroke.dash],
                              solid_capstyle="butt", dash_capstyle="butt", zorder=2.2)
            line.set_gid(gid)
    for name, node in scene.layout.nodes.items():
        style = scene.styles[name]
        common = {"facecolor": style.fill, "edgecolor": style.line, "lw": style.width,
                  "zorder": 3}
        if node.shape == "circle":
            patch: Any = Circle((node.x, node.y), node.width / 2, **common)
        elif node.shape == "box":
            patch = Rectangle((node.x - node.width / 2, node.y - node.height / 2), node.width,
                              node.height, **common)
        else:
            patch = FancyBboxPatch((node.x - node.width / 2, node.y - node.height / 2),
                                   node.width, node.height,
                                   boxstyle="round,pad=0,rounding_size=0.1", **common)
        patch.set_gid(f"node-{name}")
        ax.add_patch(patch)
        _text(ax, node.x, node.y, _mpl_text(node.label, name), ha="center", va="center",
              fontsize=NODE_FONT * MATH_SCALE, color=style.text, zorder=4, gid=f"label-{name}")
        if node.note and node.note_box is not None:
            _text(ax, node.note_box.x0 + node.note_box.width / 2,
                    node.note_box.y0 + node.note_box.height / 2, _mpl_text(node.note, node.note),
                    ha="center", va="center", fontsize=NOTE_FONT * MATH_SCALE, color="#444444",
                  zorder=4)
    for label in scene.edge_labels:
        _text(ax, (label.box.x0 + label.box.x1) / 2, (label.box.y0 + label.box.y1) / 2,
                _mpl_text(label.text, label.text), ha="center", va="center",
                fontsize=EDGE_FONT * MATH_SCALE,
                zorder=5, color="#222222",
                bbox={"boxstyle": "round,pad=0.12,rounding_size=0.15",
                      "fc": WRT_FILL if label.emphasis else "white",
                      "ec": "#000000" if label.emphasis else "none",
                      "alpha": 1.0 if label.emphasis else 0.88, "lw": 0.8})
    title = f"${_title_math(scene)}$: {_title_text(scene)}"
    if scene.value is not None:
        title += f", sum = {scene.value:.6g}"
    _text(ax, x0 + margin, top - margin, title, ha="left", va="top", fontsize=12.5)
    y = box.y0 - 0.2
    for path in scene.paths:
        y -= 0.27
        ax.plot([x0 + margin, x0 + margin + 0.4], [y, y], color=path.style.colour, lw=2.4,
                ls=dashes[path.style.dash], solid_capstyle="butt",
                gid=f"legend-{path.style.number}")
        number = "" if path.style.number == 0 else f"{path.style.number}:  "
        value = "" if path.value is None else f"   = {path.value:.6g}"
        _text(ax, x0 + margin + 0.5, y, number + f"${_chain(scene, path)}$" + value,
                ha="left", va="center", fontsize=LEGEND_FONT)
    y -= 0.1
    for line in _note_lines(scene):
        y -= 0.22
        _text(ax, x0 + margin, y, line, ha="left", va="center", fontsize=LEGEND_FONT - 0.5,
                color="#444444", style="italic")
    return figure


def render(derivation: Derivation, fmt: str, *, title: str | None = None,
           **options: Any) -> bytes | str:
    """``derivation`` drawn in ``fmt`` (one of :data:`FORMATS`): bytes for png, svg and pdf
    (needs matplotlib), text for tex (a standalone document, ``title`` in a comment) and dot.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> d = derive(load_problem("mazur_2_2_2").graph, "w5")
    >>> render(d, "dot").startswith("digraph"), render(d, "png")[:4]     # png needs matplotlib
    (True, b'\\x89PNG')
    """
    if fmt == "tex":
        return tikz_document(derivation, title=title, **options)
    if fmt == "dot":
        return dot_source(derivation, **options)
    if fmt not in FORMATS:
        raise SymbackpropError(f"unknown picture format {fmt!r}; allowed: {', '.join(FORMATS)}")
    matplotlib = _matplotlib()
    figure = draw_derivation(derivation, **options)
    buffer = io.BytesIO()
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}
    with matplotlib.rc_context({"svg.hashsalt": "symbackprop", "svg.fonttype": "path"}):
        figure.savefig(buffer, format=fmt, dpi=150, metadata=metadata[fmt])
    return buffer.getvalue()


# -- TikZ --------------------------------------------------------------------------------------

_TIKZ_DASH = {"solid": "solid", "dashed": "dashed", "dotted": "dotted", "dashdot": "dash dot"}


def tikz_picture(derivation: Derivation, *, edge_labels: str | None = None,
                 before_surgery: bool = False, parameters: str = "all",
                 max_coloured: int = MAX_COLOURED, scale: float = 1.0,
                 legend: bool = True) -> str:
    r"""A ``tikzpicture`` of ``derivation``'s graph with every path highlighted.

    Needs only ``\usepackage{tikz}`` (no TikZ library, no matplotlib).  ``scale`` shrinks the
    whole picture, text included (for a page narrower than the picture).  Other options as for
    :func:`derivation_scene`.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> picture = tikz_picture(derive(load_problem("mazur_2_2_2").graph, "w5"), scale=0.65)
    >>> picture.startswith(r"\begin{tikzpicture}"), picture.rstrip().endswith(r"\end{tikzpicture}")
    (True, True)
    """
    scene = derivation_scene(derivation, edge_labels=edge_labels, before_surgery=before_surgery,
                             parameters=parameters, max_coloured=max_coloured)
    return scene_tikz(scene, scale=scale, legend=legend)


def tikz_document(derivation: Derivation, *, title: str | None = None, **options: Any) -> str:
    r"""A standalone LaTeX document (``article``, a page the size of the picture) holding
    :func:`tikz_picture`; compiles with ``pdflatex`` given TeX Live's ``pgf``.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> document = tikz_document(derive(load_problem("mazur_2_2_2").graph, "w5"))
    >>> document.splitlines()[0], r"\usepackage{tikz}" in document
    ('\\documentclass{article}', True)
    """
    scene = derivation_scene(derivation, **{k: v for k, v in options.items()
                                            if k not in ("scale", "legend")})
    picture = scene_tikz(scene, scale=options.get("scale", 1.0),
                         legend=options.get("legend", True))
    box = scene.bounds()
    legend_w, legend_h = _legend_size(scene)
    scale = options.get("scale", 1.0)
    width = (max(box.width, legend_w) + 0.5) * scale + 0.6
    height = (box.height + legend_h + 0.8) * scale + 0.6
    heading = f"% {_latex_escape(title)}\n" if title else ""
    return (
        "\\documentclass{article}\n"
        f"{heading}"
        "\\usepackage{amsmath}\n"
        "\\usepackage{tikz}\n"
        f"\\usepackage[paperwidth={width:.2f}in,paperheight={height:.2f}in,"
        "margin=0.3in]{geometry}\n"
        "\\pagestyle{empty}\n"
        "\\begin{document}\n"
        "\\noindent\n"
        f"{picture}\n"
        "\\end{document}\n"
    )


def _latex_escape(text: str) -> str:
    special = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
               "#": r"\#", "%": r"\%", "_": r"\_", "^": r"\^{}", "~": r"\~{}"}
    return "".join(special.get(c, c) for c in text)


def _tikz_colours(scene: Scene) -> dict[str, str]:
    used = {s.colour for s in scene.strokes} | {FADED, WRT_FILL, "#ffffff", "#000000"}
    used |= {c for st in scene.styles.values() for c in (st.fill, st.line, st.text)}
    used |= {p.style.colour for p in scene.paths}
    return {c: f"sbp{c[1:].upper()}" for c in sorted(used)}


def scene_tikz(scene: Scene, *, scale: float = 1.0, legend: bool = True) -> str:
    """Write a :class:`Scene` as a ``tikzpicture`` environment."""
    colours = _tikz_colours(scene)
    options = "x=1in, y=1in, >=stealth, line cap=round"
    if scale != 1.0:
        options += f", scale={scale:g}, every node/.append style={{transform shape}}"
    lines = [f"\\begin{{tikzpicture}}[{options}]"]
    lines += [f"\\definecolor{{{name}}}{{HTML}}{{{hex_[1:].upper()}}}"
              for hex_, name in colours.items()]

    def at(point: Point) -> str:
        return f"({point[0]:.3f},{point[1]:.3f})"

    for stroke in scene.strokes:
        tip = "->, " if stroke.arrow else ""
        comment = "" if stroke.path is None else f" % path {stroke.path}"
        lines.append(f"\\draw[{tip}draw={colours[stroke.colour]}, line width={stroke.width:g}pt, "
                     f"{_TIKZ_DASH[stroke.dash]}] {at(stroke.start)} -- {at(stroke.end)};"
                     f"{comment}")
    for name, node in scene.layout.nodes.items():
        style = scene.styles[name]
        if node.shape == "circle":
            shape = f"circle, minimum size={node.width:.3f}in"
        else:
            shape = (f"rectangle, minimum width={node.width:.3f}in, "
                     f"minimum height={node.height:.3f}in")
            if node.shape == "rounded":
                shape += ", rounded corners=4pt"
        lines.append(f"\\node[{shape}, inner sep=0pt, draw={colours[style.line]}, "
                     f"fill={colours[style.fill]}, text={colours[style.text]}, "
                     f"line width={style.width:g}pt] ({_tikz_name(name)}) at "
                     f"{at((node.x, node.y))} {{${node.label}$}};")
        if node.note and node.note_box is not None:
            centre = ((node.note_box.x0 + node.note_box.x1) / 2,
                      (node.note_box.y0 + node.note_box.y1) / 2)
            lines.append(f"\\node[font=\\footnotesize, text=sbp444444] at {at(centre)} "
                         f"{{${node.note}$}};")
    for label in scene.edge_labels:
        centre = ((label.box.x0 + label.box.x1) / 2, (label.box.y0 + label.box.y1) / 2)
        fill = colours[WRT_FILL] if label.emphasis else colours["#ffffff"]
        lines.append(f"\\node[font=\\scriptsize, fill={fill}, fill opacity=0.9, "
                     f"text opacity=1, inner sep=1pt] at {at(centre)} {{${label.text}$}};")
    box = scene.bounds()
    title = f"${_title_math(scene)}$: {_title_text(scene)}"
    if scene.value is not None:
        title += f", sum ${_number(scene.value)}$"
    lines.append(f"\\node[anchor=south west, inner sep=0pt] at {at((box.x0, box.y1 + 0.25))} "
                 f"{{{title}}};")
    if legend:
        y = box.y0 - 0.2
        for path in scene.paths:
            y -= 0.27
            lines.append(f"\\draw[draw={colours[path.style.colour]}, line width=2.2pt, "
                         f"{_TIKZ_DASH[path.style.dash]}] {at((box.x0, y))} -- "
                         f"{at((box.x0 + 0.4, y))};")
            number = "" if path.style.number == 0 else f"{path.style.number}: "
            value = "" if path.value is None else rf"\quad ${{}}= {_number(path.value)}$"
            lines.append(f"\\node[anchor=west, font=\\small] at {at((box.x0 + 0.5, y))} "
                         f"{{{number}${_chain(scene, path)}${value}}};")
        if scene.note:
            width = max(box.width, 4.0)
            lines.append(f"\\node[anchor=north west, text width={width:.2f}in, "
                         f"font=\\footnotesize\\itshape] at {at((box.x0, y - 0.2))} "
                         f"{{{_latex_escape(scene.note)}}};")
    lines.append("\\end{tikzpicture}")
    return "\n".join(lines)


def _tikz_name(name: str) -> str:
    return "n-" + name.replace("_", "-")


# -- Graphviz DOT ------------------------------------------------------------------------------

def dot_source(derivation: Derivation, *, edge_labels: str | None = None,
               before_surgery: bool = False, parameters: str = "all",
               max_coloured: int = MAX_COLOURED) -> str:
    """Graphviz DOT text of ``derivation``'s graph with every path highlighted.

    Edges shared by several paths get one colour per path (``color="c1:c2"``, drawn side by
    side).  Every node is pinned where :mod:`symbackprop.layout` puts it (``pos``, in inches)
    and the graph asks for the ``neato`` engine, which keeps pinned nodes: ``dot -Tpng FILE.dot``
    draws the same picture as the other formats.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> dot = dot_source(derive(load_problem("mazur_2_2_2").graph, "w5"))
    >>> dot.splitlines()[0]
    'digraph "dL/dw5" {'
    """
    scene = derivation_scene(derivation, edge_labels=edge_labels, before_surgery=before_surgery,
                             parameters=parameters, max_coloured=max_coloured)
    return scene_dot(scene)


def scene_dot(scene: Scene) -> str:
    """Write a :class:`Scene` as Graphviz DOT."""
    layout = scene.layout
    lines = [f"digraph {_dot_id(f'd{scene.of}/d{scene.wrt}')} {{",
             "  // symbackprop's own layout: every node is pinned (pos, in inches) and the neato",
             "  // engine keeps it, so plain `dot -Tpng FILE.dot` draws this picture",
             f"  graph [layout=neato, fontname=\"Helvetica\", labelloc=b, labeljust=l, "
             f"label=<{_dot_legend(scene)}>];",
             "  node [fontname=\"Helvetica\", fontsize=11, style=filled];",
             "  edge [arrowsize=0.6];"]
    shapes = {"circle": "circle", "box": "box", "rounded": "box"}
    for name, node in layout.nodes.items():
        style = scene.styles[name]
        attrs = {"shape": shapes[node.shape], "fillcolor": style.fill, "color": style.line,
                 "fontcolor": style.text, "penwidth": f"{style.width:g}",
                 "width": f"{node.width:.2f}", "height": f"{node.height:.2f}", "fixedsize": "true",
                 "pos": f"{node.x:.3f},{node.y:.3f}!"}
        if node.shape == "rounded":
            attrs["style"] = "\"filled,rounded\""
        text = ", ".join(f"{k}={_dot_value(v)}" for k, v in attrs.items())
        lines.append(f"  {_dot_id(name)} [{text}, label=<{_html(node.label, name)}>];")
    through: dict[Edge, list[ScenePath]] = {}
    for path in scene.paths:
        for edge in path.edges:
            through.setdefault(edge, []).append(path)
    for k, label in enumerate(scene.edge_labels, start=1):
        x, y = (label.box.x0 + label.box.x1) / 2, (label.box.y0 + label.box.y1) / 2
        text = html.escape(label.plain) if label.plain else _html(label.text, label.text)
        fill = WRT_FILL if label.emphasis else "#ffffff"
        lines.append(f"  {_dot_id(f'label {k}')} [shape=box, style=filled, penwidth=0, "
                     f"margin=0.02, width=0, height=0, fontsize=9, fillcolor={_dot_id(fill)}, "
                     f"pos=\"{x:.3f},{y:.3f}!\", label=<{text}>];")
    for u, v in layout.edges:
        users = through.get((u, v), [])
        if users:
            attrs = {"color": ":".join(p.style.colour for p in users), "penwidth": "1.8"}
            dashes = {p.style.dash for p in users}
            if len(dashes) == 1 and "solid" not in dashes:
                attrs["style"] = {"dashed": "dashed", "dotted": "dotted"}.get(dashes.pop(),
                                                                              "dashed")
        else:
            attrs = {"color": FADED, "penwidth": "0.8"}
        text = ", ".join(f"{k}={_dot_value(val)}" for k, val in attrs.items())
        lines.append(f"  {_dot_id(u)} -> {_dot_id(v)} [{text}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_value(value: str) -> str:
    return value if re.fullmatch(r"[\w.]+|\"[^\"]*\"", value) else _dot_id(value)


_HTML_LABEL = re.compile(r"(\\hat\{(?P<hat>\w)\}|\\mathcal\{(?P<cal>\w)\}|\\(?P<greek>[a-zA-Z]+)"
                         r"|(?P<stem>[A-Za-z]+))(?:_\{(?P<sub>[\w,]+)\})?\Z")


def _html(latex: str, fallback: str) -> str:
    """A Graphviz HTML label for the simple LaTeX labels of nodes (``w_{131}``,
    ``\\hat{y}_{1}``, ``\\alpha``); anything else is written as ``fallback`` in plain text."""
    match = _HTML_LABEL.match(latex)
    if match is None:
        return html.escape(fallback)
    if match["hat"]:
        stem = match["hat"] + "\u0302"
    elif match["cal"]:
        stem = f"<I>{match['cal']}</I>"
    elif match["greek"]:
        try:
            stem = unicodedata.lookup(f"GREEK SMALL LETTER {match['greek'].upper()}")
        except KeyError:
            return html.escape(fallback)
    else:
        stem = match["stem"]
    return stem + (f"<SUB>{match['sub']}</SUB>" if match["sub"] else "")


def _dot_legend(scene: Scene) -> str:
    rows = []
    for path in scene.paths:
        number = "all" if path.style.number == 0 else str(path.style.number)
        if path.style.number == 0:
            chain = f"every edge from {_html(scene.latex[scene.wrt], scene.wrt)} to " \
                    f"{_html(scene.latex[scene.of], scene.of)}"
        else:
            chain = " &#8594; ".join(_html(scene.latex[n], n) for n in path.nodes)
        value = "" if path.value is None else f" = {path.value:.6g}"
        rows.append(f'<TR><TD ALIGN="LEFT"><FONT COLOR="{path.style.colour}">&#9473;&#9473; '
                    f'{number}</FONT></TD><TD ALIGN="LEFT">{chain}{value}</TD></TR>')
    title = (f"&#8706;{_html(scene.latex[scene.of], scene.of)}/&#8706;"
             f"{_html(scene.latex[scene.wrt], scene.wrt)}: {html.escape(_title_text(scene))}")
    if scene.value is not None:
        title += f", sum = {scene.value:.6g}"
    note = f'<TR><TD COLSPAN="2" ALIGN="LEFT"><I>{html.escape(scene.note)}</I></TD></TR>' \
        if scene.note else ""
    return (f'<TABLE BORDER="0" CELLSPACING="2"><TR><TD COLSPAN="2" ALIGN="LEFT">{title}</TD>'
            f'</TR>{"".join(rows)}{note}</TABLE>')
