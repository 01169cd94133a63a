r"""Pictures of a derivation: the graph with its weight nodes and every path highlighted.

Every picture starts from the derivation's :class:`~symbackprop.draw.scene.Scene` (what to draw,
in inches: :mod:`symbackprop.draw.scene`, laid out by :mod:`symbackprop.draw.layout`).  Three
writers read it; each is importable from :mod:`symbackprop.draw`:

* :func:`draw_derivation`: a matplotlib figure (PNG, SVG, PDF; shown inline in Jupyter), the one
  this module draws. matplotlib is imported only here, and a missing one raises
  :class:`MissingExtraError` naming the extra.
* :func:`~symbackprop.draw.tikz.tikz_picture` / :func:`~symbackprop.draw.tikz.tikz_document`:
  TikZ (needs only ``\usepackage{tikz}``), in :mod:`symbackprop.draw.tikz`.
* :func:`~symbackprop.draw.dot.dot_source`: Graphviz DOT (``dot -Tpng``, or ``neato -n2 -Tpng`` for
  this layout), in :mod:`symbackprop.draw.dot`.

:func:`render` gives any of the :data:`FORMATS` as bytes or text (what ``symbackprop draw``
writes).  :func:`draw_network` and :func:`render_network` draw the network alone (no path
highlighted: :func:`~symbackprop.draw.scene.network_scene`).

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> derivation = derive(load_problem("mazur_2_2_2").graph, "w1")
>>> [render(derivation, fmt).splitlines()[0] for fmt in ("dot", "tex")]
['digraph "dL/dw1" {', '\\documentclass{article}']
>>> from symbackprop.draw import tikz_picture                # each writer is importable there
>>> tikz_picture(derivation).splitlines()[0]
'\\begin{tikzpicture}[x=1in, y=1in, >=stealth, line cap=round]'
"""

from __future__ import annotations

import io
import re
from functools import cache
from typing import Any

from ..calculus.derivation import Derivation
from ..errors import MissingExtraError, SymbackpropError
from ..graph.computation import ComputationGraph
from ..render.numbers import DISPLAY_DIGITS, text_number
from .captions import LEGEND_FONT, legend_size, note_lines, path_chain, title_math, title_text
from .dot import dot_source, scene_dot
from .geometry import NODE_FONT, NOTE_FONT
from .plain import network_scene
from .scene import (
    EDGE_FONT,
    MAX_COLOURED,
    WRT_FILL,
    Scene,
    derivation_scene,
)
from .tikz import scene_document, tikz_document

__all__ = ["FORMATS", "MATH_FONT", "MATH_SCALE", "NETWORK_FORMATS", "draw_derivation",
           "draw_network", "render", "render_network", "render_scene", "scene_figure"]

FORMATS = ("png", "svg", "pdf", "tex", "dot")
NETWORK_FORMATS = ("png", "svg", "pdf", "tex")
"""The formats of :func:`render_network`."""


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


def draw_network(graph: ComputationGraph) -> Any:
    """A matplotlib figure of the network alone (:func:`network_scene`): each weight and bias a
    box with its name, no path highlighted.  Needs the ``draw`` extra.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> figure = draw_network(load_problem("mazur_2_2_2").graph)
    >>> sorted(a.get_gid() for a in figure.axes[0].get_children()
    ...        if (a.get_gid() or "").startswith("path-"))
    []
    """
    _matplotlib()
    return scene_figure(network_scene(graph))


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
    """Draw a :class:`Scene` with matplotlib; each path's artists carry ``gid="path-K"``.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("branching_graph")
    >>> figure = scene_figure(derivation_scene(derive(problem.graph, "b", values=problem.values)))
    >>> artists = figure.axes[0].get_children()
    >>> sorted({a.get_gid() for a in artists if (a.get_gid() or "").startswith("path-")})
    ['path-1', 'path-2']
    """
    _matplotlib()
    from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle

    box = scene.bounds()
    legend_w, legend_h = legend_size(scene)
    margin = 0.3
    heading = 0.0 if scene.plain else 0.55  # the title's band
    width = max(box.width, legend_w) + 2 * margin
    height = box.height + legend_h + heading + 2 * margin
    figure = _figure_class()(figsize=(width, height), dpi=100)
    ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    x0, top = box.x0 - margin, box.y1 + heading + margin
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
        common: dict[str, Any] = {"facecolor": style.fill, "edgecolor": style.line,
                                  "lw": style.width, "zorder": 3}
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
    if not scene.plain:
        title = f"${title_math(scene)}$: {title_text(scene)}"
        if scene.value is not None:
            title += f", sum = {text_number(scene.value, DISPLAY_DIGITS)}"
        _text(ax, x0 + margin, top - margin, title, ha="left", va="top", fontsize=12.5)
    y = box.y0 - 0.2
    for path in scene.paths:
        y -= 0.27
        ax.plot([x0 + margin, x0 + margin + 0.4], [y, y], color=path.style.colour, lw=2.4,
                ls=dashes[path.style.dash], solid_capstyle="butt",
                gid=f"legend-{path.style.number}")
        number = "" if path.style.number == 0 else f"{path.style.number}:  "
        value = "" if path.value is None else f"   = {text_number(path.value, DISPLAY_DIGITS)}"
        _text(ax, x0 + margin + 0.5, y, number + f"${path_chain(scene, path)}$" + value,
                ha="left", va="center", fontsize=LEGEND_FONT)
    y -= 0.1
    for line in note_lines(scene):
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
    return _saved(draw_derivation(derivation, **options), fmt)


def render_network(graph: ComputationGraph, fmt: str, *, title: str | None = None
                   ) -> bytes | str:
    """The network alone (:func:`draw_network`) in ``fmt`` (one of :data:`NETWORK_FORMATS`):
    bytes for png, svg and pdf (needs matplotlib), text for tex (``title`` in a comment).

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> render_network(load_problem("mazur_2_2_2").graph, "svg")[:5]
    b'<?xml'
    """
    if fmt not in NETWORK_FORMATS:
        raise SymbackpropError(f"unknown picture format {fmt!r} for a network; allowed: "
                               f"{', '.join(NETWORK_FORMATS)}")
    if fmt == "tex":
        return scene_document(network_scene(graph), title=title, legend=False)
    return _saved(draw_network(graph), fmt)


def render_scene(scene: Scene, fmt: str, *, title: str | None = None) -> bytes | str:
    """A :class:`Scene` drawn in ``fmt`` (one of :data:`FORMATS`), as :func:`render` draws a
    derivation's (a tensor-level derivation's scene:
    :func:`~symbackprop.draw.tensor_scene.tensor_scene`).

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.draw.tensor_scene import tensor_scene
    >>> scene = tensor_scene(derive(load_problem("tensor_mlp").graph, "W1"))
    >>> render_scene(scene, "dot").startswith("digraph"), render_scene(scene, "png")[:4]
    (True, b'\\x89PNG')
    """
    if fmt == "tex":
        return scene_document(scene, title=title)
    if fmt == "dot":
        return scene_dot(scene)
    if fmt not in FORMATS:
        raise SymbackpropError(f"unknown picture format {fmt!r}; allowed: {', '.join(FORMATS)}")
    return _saved(scene_figure(scene), fmt)


def _saved(figure: Any, fmt: str) -> bytes:
    """A figure's bytes in ``fmt``, the same in every run (no date, no random ids)."""
    matplotlib = _matplotlib()
    buffer = io.BytesIO()
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}
    with matplotlib.rc_context({"svg.hashsalt": "symbackprop", "svg.fonttype": "path"}):
        figure.savefig(buffer, format=fmt, dpi=150, metadata=metadata[fmt])
    return buffer.getvalue()
