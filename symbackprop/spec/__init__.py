"""Problem files in: TOML, YAML or JSON read, validated, and turned into a :class:`Problem`.

- :mod:`~symbackprop.spec.problems`: :class:`Problem`, :class:`Claim`, :func:`load_problem`;
- ``spec/examples/``: the bundled example problems.

May import :mod:`symbackprop.graph` and :mod:`symbackprop.rules` (and the foundation modules).
"""

from __future__ import annotations

from .problems import (
    Claim,
    Problem,
    bundled_examples,
    load_problem,
    load_problem_text,
    problem_from_dict,
)

__all__ = [
    "Claim", "Problem", "bundled_examples", "load_problem", "load_problem_text",
    "problem_from_dict",
]
