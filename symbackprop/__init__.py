"""symbackprop: derive backpropagation symbolically, path by path, and show the work.

The public API, in the order data flows through it:

- problem files: :func:`load_problem`, :class:`Problem` (and :meth:`Problem.to_toml`),
  :class:`Claim`, :func:`bundled_examples`, :func:`parse_formula`;
- your own model: :func:`from_torch`, :func:`from_micrograd`, :func:`from_sympy`,
  :func:`from_networkx`;
- graphs: :class:`ComputationGraph`, :class:`Node`, :class:`LayeredNetwork`, :func:`surgery`;
- paths and derivations: :func:`count_paths`, :func:`iter_paths`, :class:`Path`,
  :func:`derive`, :class:`Derivation`, :class:`Term`, :class:`Factor`, :class:`Group`,
  :class:`Adjoint`, :func:`gradients` (all parameters in one reverse sweep);
- oracles: :func:`composed_diff`, :func:`matrix_backprop`, :func:`reverse_sweep`,
  :func:`finite_difference`, :func:`gradient_check`, :func:`equivalent`;
- checking claims: :func:`check_problem`;
- numeric code: :func:`compile_gradient`.

``import symbackprop`` is instant: it imports neither sympy nor numpy.  Each public name is
imported from its module on first use (:data:`PUBLIC`), and the displays of a derivation
(Jupyter's ``_repr_latex_`` and ``_repr_html_``, :meth:`Derivation.draw`) are found when first
asked for: the package registers :func:`load_views` with :mod:`symbackprop.calculus.views`,
which calls it once when a kind of view is not registered yet.

Examples
--------
>>> import symbackprop
>>> problem = symbackprop.load_problem("mazur_2_2_2")
>>> symbackprop.derive(problem.graph, "w5", values=problem.values)
Derivation(dL/dw5, 1 path = 0.08216704056)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .calculus.views import register_loader

if TYPE_CHECKING:  # what the lazy names are, for mypy and editors
    from .calculus.derivation import Adjoint, Derivation, Factor, Group, Term, derive
    from .calculus.equality import equivalent
    from .calculus.paths import Path, count_paths, iter_paths
    from .calculus.sweep import gradients
    from .check.claims import check_problem
    from .codegen.gradient import compile_gradient
    from .errors import (
        FormulaError,
        GraphError,
        NoPathError,
        PathLimitError,
        SpecError,
        SymbackpropError,
    )
    from .graph.computation import ComputationGraph
    from .graph.network import LayeredNetwork, surgery
    from .graph.node import Node
    from .interop import from_micrograd, from_networkx, from_sympy, from_torch
    from .numeric.oracles import (
        composed_diff,
        finite_difference,
        gradient_check,
        matrix_backprop,
        reverse_sweep,
    )
    from .rules.formula import parse_formula
    from .spec.problems import Claim, Problem, bundled_examples, load_problem

#: Each public name and the module that defines it (imported on first access).
PUBLIC = {
    **dict.fromkeys(("Adjoint", "Derivation", "Factor", "Group", "Term", "derive"),
                    "calculus.derivation"),
    "equivalent": "calculus.equality",
    **dict.fromkeys(("Path", "count_paths", "iter_paths"), "calculus.paths"),
    "gradients": "calculus.sweep",
    "check_problem": "check.claims",
    "compile_gradient": "codegen.gradient",
    **dict.fromkeys(("FormulaError", "GraphError", "NoPathError", "PathLimitError", "SpecError",
                     "SymbackpropError"), "errors"),
    "ComputationGraph": "graph.computation",
    **dict.fromkeys(("LayeredNetwork", "surgery"), "graph.network"),
    "Node": "graph.node",
    **dict.fromkeys(("from_micrograd", "from_networkx", "from_sympy", "from_torch"), "interop"),
    **dict.fromkeys(("composed_diff", "finite_difference", "gradient_check", "matrix_backprop",
                     "reverse_sweep"), "numeric.oracles"),
    "parse_formula": "rules.formula",
    **dict.fromkeys(("Claim", "Problem", "bundled_examples", "load_problem"), "spec.problems"),
}

SUBPACKAGES = ("calculus", "check", "cli", "codegen", "course", "draw", "explore", "graph",
               "interop", "numeric", "render", "rules", "spec")
"""The subpackages, attributes of the package as soon as they are asked for."""

__all__ = [
    "Adjoint",
    "Claim",
    "ComputationGraph",
    "Derivation",
    "Factor",
    "FormulaError",
    "GraphError",
    "Group",
    "LayeredNetwork",
    "NoPathError",
    "Node",
    "Path",
    "PathLimitError",
    "Problem",
    "SpecError",
    "SymbackpropError",
    "Term",
    "__version__",
    "bundled_examples",
    "check_problem",
    "compile_gradient",
    "composed_diff",
    "count_paths",
    "derive",
    "equivalent",
    "finite_difference",
    "from_micrograd",
    "from_networkx",
    "from_sympy",
    "from_torch",
    "gradient_check",
    "gradients",
    "iter_paths",
    "load_problem",
    "matrix_backprop",
    "parse_formula",
    "reverse_sweep",
    "surgery",
]


def load_views() -> None:
    """Import the subpackages that register a derivation's views (see
    :mod:`symbackprop.calculus.views`): :mod:`symbackprop.render` (``latex``, ``markdown``,
    ``gradients``), :mod:`symbackprop.draw` (``figure``; matplotlib stays lazy) and
    :mod:`symbackprop.explore` (``html``).  A new provider of views is one more import here.

    Examples
    --------
    >>> load_views()
    >>> from symbackprop.calculus.views import view
    >>> view("figure").__name__
    'draw_derivation'
    """
    from . import draw as draw
    from . import explore as explore
    from . import render as render


register_loader(load_views)


def __getattr__(name: str) -> Any:
    """A public name, imported from its module (:data:`PUBLIC`) on first access, or a
    subpackage (:data:`SUBPACKAGES`)."""
    if name in PUBLIC:
        value = getattr(importlib.import_module(f"{__name__}.{PUBLIC[name]}"), name)
        globals()[name] = value  # found directly from now on
        return value
    if name in SUBPACKAGES:  # symbackprop.render without an import of it
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
