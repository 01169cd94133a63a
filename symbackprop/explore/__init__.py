"""The interactive page: click a weight, its paths light up, the derivation and an answer checked.

- :mod:`~symbackprop.explore.data`: what the page carries (an :class:`Exploration`: each
  parameter's derivation and the values of its common mistakes);
- :mod:`~symbackprop.explore.common`: what both pages hold alike (the base of both
  explorations);
- :mod:`~symbackprop.explore.svg`: the picture, the draw layer's layout as inline SVG;
- :mod:`~symbackprop.explore.mathml`: formulas as MathML;
- :mod:`~symbackprop.explore.page`: the page itself, one HTML file that requests nothing, and
  its Jupyter display (the ``"html"`` view of a derivation, registered here);
- :mod:`~symbackprop.explore.tensor_data` and :mod:`~symbackprop.explore.tensor_page`: the
  page of a tensor problem (the tensor graph, its paths, each parameter's derivation, a typed
  matrix judged entry by entry).

The page's answer boxes judge a typed number by :mod:`symbackprop.check.judge`'s rule
(``assets/explore.js`` applies it in the browser; a browser test compares the two); what both
pages' scripts share (the lit paths, choosing a parameter) is ``assets/paths.js``.

May import :mod:`symbackprop.check` (the mistakes and the judge), :mod:`symbackprop.draw`
(the layout), :mod:`symbackprop.render`, :mod:`symbackprop.calculus`, :mod:`symbackprop.spec`
and :mod:`symbackprop.graph`.
"""

from __future__ import annotations

from ..calculus.views import register_view
from .data import (
    Choice,
    Exploration,
    expand_page_data,
    explorable,
    explore_derivation,
    explore_problem,
    page_data,
)
from .page import derivation_html, explore_fragment, explore_page, script_json
from .tensor_data import TensorChoice, TensorExploration, explore_tensor_problem, tensor_page_data
from .tensor_page import explore_tensor_page

register_view("html", derivation_html)

__all__ = [
    "Choice",
    "Exploration",
    "TensorChoice",
    "TensorExploration",
    "derivation_html",
    "expand_page_data",
    "explorable",
    "explore_derivation",
    "explore_fragment",
    "explore_page",
    "explore_problem",
    "explore_tensor_page",
    "explore_tensor_problem",
    "page_data",
    "script_json",
    "tensor_page_data",
]
