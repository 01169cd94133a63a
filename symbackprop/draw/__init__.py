"""Pictures of a derivation: the graph with its weight nodes, every path in its own colour.

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
from ..errors import MissingExtraError
from .captions import LEGEND_FONT
from .dot import dot_source, scene_dot
from .figure import FORMATS, MATH_FONT, MATH_SCALE, draw_derivation, render, scene_figure
from .scene import (
    ARROW,
    DASHES,
    EDGE_FONT,
    EDGE_LABELS,
    FADED,
    FILL,
    MAX_COLOURED,
    PALETTE,
    PARAMETERS,
    PATH_GAP,
    PATH_WIDTH,
    UNION,
    WRT_FILL,
    EdgeLabel,
    NodeStyle,
    PathStyle,
    Scene,
    ScenePath,
    Stroke,
    derivation_scene,
    path_style,
)
from .tikz import scene_tikz, tikz_document, tikz_picture

register_view("figure", draw_derivation)

# The names the drawing module had before it became this subpackage stay importable from here.
__all__ = [
    "ARROW", "DASHES", "EDGE_FONT", "EDGE_LABELS", "FADED", "FILL", "FORMATS", "LEGEND_FONT",
    "MATH_FONT", "MATH_SCALE", "MAX_COLOURED", "PALETTE", "PARAMETERS", "PATH_GAP", "PATH_WIDTH",
    "UNION", "WRT_FILL", "EdgeLabel", "MissingExtraError", "NodeStyle", "PathStyle", "Scene",
    "ScenePath", "Stroke", "derivation_scene", "dot_source", "draw_derivation", "path_style",
    "render", "scene_dot", "scene_figure", "scene_tikz", "tikz_document", "tikz_picture",
]
