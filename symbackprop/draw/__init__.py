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
from .figure import (
    FORMATS,
    MAX_COLOURED,
    PALETTE,
    MissingExtraError,
    Scene,
    derivation_scene,
    dot_source,
    draw_derivation,
    render,
    tikz_document,
    tikz_picture,
)

register_view("figure", draw_derivation)

__all__ = [
    "FORMATS",
    "MAX_COLOURED",
    "PALETTE",
    "MissingExtraError",
    "Scene",
    "derivation_scene",
    "dot_source",
    "draw_derivation",
    "render",
    "tikz_document",
    "tikz_picture",
]
