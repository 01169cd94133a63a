"""Pictures of a derivation: the graph with its weight nodes, every path in its own colour; and
of the network alone, no path highlighted (:func:`network_tikz`, :func:`draw_network`).

- :mod:`~symbackprop.draw.geometry`, :mod:`~symbackprop.draw.layout`,
  :mod:`~symbackprop.draw.network_layout`: where each node goes, in inches;
- :mod:`~symbackprop.draw.scene`: what to draw, whatever the output;
  :mod:`~symbackprop.draw.captions`: the words around it;
- :mod:`~symbackprop.draw.figure` (matplotlib: PNG, SVG, PDF), :mod:`~symbackprop.draw.tikz`,
  :mod:`~symbackprop.draw.dot`: the writers.

May import :mod:`symbackprop.render` (for typesetting), :mod:`symbackprop.calculus` and
:mod:`symbackprop.graph`.
"""

from __future__ import annotations

from ..calculus.views import register_view
from .dot import dot_source, scene_dot
from .figure import (
    FORMATS,
    MATH_FONT,
    MATH_SCALE,
    draw_derivation,
    draw_network,
    render,
    render_network,
    scene_figure,
)
from .tikz import network_tikz, scene_tikz, tikz_document, tikz_picture

register_view("figure", draw_derivation)

# Every writer's entry point, importable from the package (each is documented in its module).
__all__ = [
    "FORMATS", "MATH_FONT", "MATH_SCALE", "dot_source", "draw_derivation", "draw_network",
    "network_tikz", "render", "render_network", "scene_dot", "scene_figure", "scene_tikz",
    "tikz_document", "tikz_picture",
]
