"""Presentation of derivations: text, LaTeX, Markdown, the matrix form, JSON-ready data.

Renderers read :class:`~symbackprop.calculus.derivation.Derivation` objects; they never
differentiate and run no numeric sweep (the matrix form's numbers come from
:mod:`symbackprop.numeric`); every number is formatted by :mod:`symbackprop.render.numbers`.

May import :mod:`symbackprop.numeric`, :mod:`symbackprop.calculus`, :mod:`symbackprop.graph`,
:mod:`symbackprop.rules` and the foundation (:mod:`symbackprop.errors`,
:mod:`symbackprop.naming`, :mod:`symbackprop._version`).
"""

from __future__ import annotations

from ..calculus.views import register_view
from .data import derivation_data, paths_data
from .gradients import gradients_math
from .latex import derivation_latex, derivation_math, latex_document, latex_page
from .markdown import derivation_markdown
from .matrix import matrix_data, matrix_text
from .text import derivation_text, paths_text

register_view("latex", derivation_math)
register_view("markdown", derivation_markdown)
register_view("gradients", gradients_math)

__all__ = [
    "derivation_data",
    "derivation_latex",
    "derivation_markdown",
    "derivation_math",
    "derivation_text",
    "latex_document",
    "latex_page",
    "matrix_data",
    "matrix_text",
    "paths_data",
    "paths_text",
]
