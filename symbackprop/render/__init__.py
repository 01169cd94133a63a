"""Presentation of derivations: text, JSON-ready data (and, later, LaTeX and Markdown).

Renderers read :class:`~symbackprop.derivation.Derivation` objects; they never differentiate.
"""

from __future__ import annotations

from .data import derivation_data, paths_data
from .text import derivation_text, paths_text

__all__ = ["derivation_data", "derivation_text", "paths_data", "paths_text"]
