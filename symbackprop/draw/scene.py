"""What to draw for a derivation, in inches, whatever the output: the :class:`Scene`.

A scene holds the nodes (placed by :mod:`symbackprop.draw.layout`), one stroke per edge and path
(paths that share an edge run side by side, each in its own colour), edge labels (numbers
written by :func:`value_latex`) and what the legend lists: :func:`derivation_scene`.  The
network alone, no path highlighted, is :func:`symbackprop.draw.plain.network_scene`.  The
writers only read it: :mod:`symbackprop.draw` (matplotlib), :mod:`symbackprop.draw.tikz` and
:mod:`symbackprop.draw.dot`; the words they share (title, legend rows, note) come from
:mod:`symbackprop.draw.captions`, which reads the scene.

Path colours follow the PadhAI notes (path 1 blue, 2 red, 3 pink, 4 green, ...), then cycle
with dash styles.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("mazur_2_2_2")
>>> scene = derivation_scene(derive(problem.graph, "w1", values=problem.values))
>>> [(p.style.number, p.style.colour) for p in scene.paths]
[(1, '#1f5fd1'), (2, '#d62728')]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sympy

from ..calculus.derivation import Derivation
from ..calculus.terms import Factor
from ..errors import SymbackpropError
from ..graph.computation import ComputationGraph
from ..render.numbers import FACTOR_DIGITS, latex_number, text_number
from .geometry import Box, Edge, Layout, Point, place_edge_labels, text_size
from .layout import cached_layout

__all__ = ["FILL", "MAX_COLOURED", "PALETTE", "EdgeLabel", "NodeStyle", "PathStyle", "Scene",
           "ScenePath", "Stroke", "derivation_scene", "path_style", "paths_by_edge",
           "picture_labels", "value_latex"]

PALETTE = ("#1f5fd1", "#d62728", "#e7298a", "#2ca02c", "#ff7f0e", "#7b3fbf", "#8c564b",
           "#17a2b8", "#808000")
"""Path colours: blue, red, pink, green (as in the PadhAI notes), then more."""
DASHES = ("solid", "dashed", "dotted", "dashdot")
MAX_COLOURED = 36
"""Above this many paths, every edge on some path is drawn in one colour instead."""
EDGE_LABELS = (None, "formula", "value")
PARAMETERS = ("all", "wrt")

EDGE_FONT = 8.5
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


@dataclass(frozen=True)
class PathStyle:
    """How one path is drawn: its number (from 1, in path order), colour and dash.

    Examples
    --------
    >>> path_style(1), path_style(10).dash                   # past the palette, dashes
    (PathStyle(number=1, colour='#1f5fd1', dash='solid'), 'dashed')
    """

    number: int
    colour: str
    dash: str = "solid"


@dataclass(frozen=True)
class ScenePath:
    """One path of the derivation as drawn: its graph nodes, the drawn edges it highlights and
    its value.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("branching_graph")
    >>> scene = derivation_scene(derive(problem.graph, "b", values=problem.values))
    >>> [(p.style.number, p.nodes, p.value) for p in scene.paths]
    [(1, ('b', 'c', 'e'), 2.0), (2, ('b', 'd', 'e'), 3.0)]
    """

    style: PathStyle
    nodes: tuple[str, ...]
    edges: tuple[Edge, ...]
    value: float | None = None


@dataclass(frozen=True)
class Stroke:
    """A straight line of the picture; ``path`` is the path number it belongs to (0 for the
    union of all paths, ``None`` for an edge on no path).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> scene = derivation_scene(derive(load_problem("branching_graph").graph, "b"))
    >>> [(s.colour, s.path) for s in scene.strokes if not s.arrow]     # a -> c is on no path
    [('#1f5fd1', 1), ('#d62728', 2), ('#1f5fd1', 1), ('#d62728', 2)]
    """

    start: Point
    end: Point
    colour: str
    width: float
    dash: str = "solid"
    arrow: bool = False
    path: int | None = None


@dataclass(frozen=True)
class NodeStyle:
    """How one node is drawn: fill, outline colour and width (pt), text colour.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> scene = derivation_scene(derive(load_problem("branching_graph").graph, "b"))
    >>> scene.styles["b"]                                    # the node differentiated by
    NodeStyle(fill='#f6b93b', line='#000000', width=2.0, text='#000000')
    """

    fill: str
    line: str
    width: float
    text: str = "#000000"


@dataclass(frozen=True)
class EdgeLabel:
    """A label on an edge of the picture: its text (LaTeX) and box, and whether it is
    emphasised (in the picture before surgery, the weight differentiated with respect to).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("branching_graph")
    >>> derivation = derive(problem.graph, "b", values=problem.values)
    >>> labels = derivation_scene(derivation, edge_labels="value").edge_labels
    >>> [(label.edge, label.text) for label in labels]       # each local partial's value
    [(('b', 'c'), '1'), (('b', 'd'), '1'), (('c', 'e'), '2'), (('d', 'e'), '3')]
    >>> picture = derivation_scene(derive(load_problem("mazur_2_2_2").graph, "w5"),
    ...                            before_surgery=True)
    >>> first = picture.edge_labels[0]
    >>> first.edge, first.text, first.emphasis
    (('h11', 'yhat1'), 'w_{5}', True)
    """

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

    @property
    def plain(self) -> bool:
        """Whether this is the network alone (:func:`symbackprop.draw.plain.network_scene`): no
        derivative, no path, no title."""
        return not self.wrt

    def bounds(self) -> Box:
        box = self.layout.bounds()
        for label in self.edge_labels:
            box = box.union(label.box)
        return box

    def __repr__(self) -> str:
        if self.plain:
            return f"Scene(the network, {len(self.layout.nodes)} nodes)"
        return (f"Scene(d{self.of}/d{self.wrt}, {len(self.layout.nodes)} nodes, "
                f"{len(self.paths)} highlighted paths)")


def value_latex(value: float | None) -> str:
    r"""A value to 4 significant digits, as LaTeX (``?`` for no value): the pictures' short
    form of :func:`symbackprop.render.numbers.latex_number`.

    Examples
    --------
    >>> value_latex(0.000438567), value_latex(1.5e-7), value_latex(None)
    ('0.0004386', '1.5 \\times 10^{-7}', '?')
    >>> value_latex(float("inf"))
    '\\text{inf}'
    """
    return latex_number(value, digits=FACTOR_DIGITS)


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


def paths_by_edge(paths: Iterable[ScenePath]) -> dict[Edge, list[ScenePath]]:
    """The highlighted paths through each drawn edge, in the order of ``paths``.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> scene = derivation_scene(derive(load_problem("mazur_2_2_2").graph, "w1"))
    >>> [p.style.number for p in paths_by_edge(scene.paths)[("w1", "a11")]]
    [1, 2]
    """
    through: dict[Edge, list[ScenePath]] = {}
    for path in paths:
        for edge in path.edges:
            through.setdefault(edge, []).append(path)
    return through


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
        the wiki page on backpropagation); the other weights stay folded into their neurons.
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
    layout = _placed(graph, tuple(hide), before_surgery, "draw a smaller network, or only the "
                     "weight differentiated (parameters='wrt')")
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


def _placed(graph: ComputationGraph, hide: tuple[str, ...], before_surgery: bool,
            hint: str) -> Layout:
    """The graph's layout (made once per graph), or an error saying what to draw instead."""
    try:
        return cached_layout(graph, hide=hide, before_surgery=before_surgery)
    except ValueError as err:
        raise SymbackpropError(f"cannot draw {graph!r}: {err}; {hint}") from None


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
        prefer: tuple[float, ...] = _ON_PICTURE
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
                texts[edge] = value_latex(factor.value)
                plain[edge] = text_number(factor.value, FACTOR_DIGITS)
        prefer = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78)
    else:
        return ()
    return _placed_labels(layout, texts, plain, emphasis, prefer)


_ON_PICTURE = (0.72, 0.62, 0.82, 0.52, 0.42, 0.32, 0.25)
"""Where along an edge of the picture before surgery its weight is written, by preference."""


def picture_labels(layout: Layout) -> tuple[EdgeLabel, ...]:
    """The weights of the picture before surgery, each on its edge, placed where no label
    overlaps another or a node (none emphasised).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.draw.layout import cached_layout
    >>> layout = cached_layout(load_problem("mazur_2_2_2").graph, before_surgery=True)
    >>> [(label.edge, label.text) for label in picture_labels(layout)][:2]
    [(('x1', 'h11'), 'w_{1}'), (('x1', 'h12'), 'w_{3}')]
    """
    return _placed_labels(layout, layout.edge_text, {}, set(), _ON_PICTURE)


def _placed_labels(layout: Layout, texts: Mapping[Edge, str], plain: Mapping[Edge, str],
                   emphasis: set[Edge], prefer: tuple[float, ...]) -> tuple[EdgeLabel, ...]:
    order = sorted(texts, key=lambda e: (e not in emphasis, layout.nodes[e[0]].x,
                                         -layout.nodes[e[0]].y))
    sizes = {e: _padded(text_size(texts[e], EDGE_FONT)) for e in order}
    avoid = [n.label_box for n in layout.nodes.values()]
    boxes = place_edge_labels(layout, sizes, prefer=prefer, avoid=avoid)
    return tuple(EdgeLabel(e, texts[e], boxes[e], e in emphasis, plain.get(e, ""))
                 for e in order)


def _padded(size: tuple[float, float]) -> tuple[float, float]:
    return size[0] + 0.06, size[1] + 0.03


def _strokes(layout: Layout, paths: tuple[ScenePath, ...]) -> tuple[Stroke, ...]:
    """Faded edges first, then each highlighted edge as parallel strokes and one arrowhead."""
    through = paths_by_edge(paths)
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

