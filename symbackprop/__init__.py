"""symbackprop: derive backpropagation symbolically, path by path, and show the work.

The public API holds what a user types, in the order data flows through it:

- problem files: :func:`load_problem` (a file or a bundled example), :class:`Problem` (and
  :meth:`Problem.to_toml`), :func:`bundled_examples`;
- your own model: :func:`from_torch`, :func:`from_micrograd`, :func:`from_sympy`,
  :func:`from_networkx`;
- graphs: :class:`ComputationGraph`, :class:`LayeredNetwork`;
- paths and derivations: :func:`count_paths`, :func:`iter_paths`, :func:`derive` and its
  :class:`Derivation`, :func:`gradients` (every parameter in one reverse sweep) and its
  :class:`Gradients`;
- checking: :func:`check_problem` (a file's claims), :func:`gradient_check` (every gradient
  against the three oracles);
- numeric code: :func:`compile_gradient`;
- errors: :class:`SymbackpropError`, the base of every error symbackprop raises on purpose.

One level down are the parts: :mod:`symbackprop.calculus` (``Term``, ``Factor``, ``Group``,
``Adjoint``, ``Path``, ``Step``, ``equivalent``), :mod:`symbackprop.numeric` (the oracles:
``composed_diff``, ``matrix_backprop``, ``reverse_sweep``, ``finite_difference``),
:mod:`symbackprop.graph` (``Node``, ``surgery``), :mod:`symbackprop.spec` (``Claim``),
:mod:`symbackprop.rules` (``parse_formula``), :mod:`symbackprop.errors` (every error class);
docs/reference/api/index.md lists them all.

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
    from .calculus.derivation import Derivation, derive
    from .calculus.paths import count_paths, iter_paths
    from .calculus.sweep import Gradients, gradients
    from .check.claims import check_problem
    from .codegen.gradient import compile_gradient
    from .errors import SymbackpropError
    from .graph.computation import ComputationGraph
    from .graph.network import LayeredNetwork
    from .interop import from_micrograd, from_networkx, from_sympy, from_torch
    from .numeric.oracles import gradient_check
    from .spec.problems import Problem, bundled_examples, load_problem

#: Each public name and the module that defines it (imported on first access).
PUBLIC = {
    **dict.fromkeys(("Problem", "bundled_examples", "load_problem"), "spec.problems"),
    **dict.fromkeys(("from_micrograd", "from_networkx", "from_sympy", "from_torch"), "interop"),
    "ComputationGraph": "graph.computation",
    "LayeredNetwork": "graph.network",
    **dict.fromkeys(("Derivation", "derive"), "calculus.derivation"),
    **dict.fromkeys(("Gradients", "gradients"), "calculus.sweep"),
    **dict.fromkeys(("count_paths", "iter_paths"), "calculus.paths"),
    "check_problem": "check.claims",
    "gradient_check": "numeric.oracles",
    "compile_gradient": "codegen.gradient",
    "SymbackpropError": "errors",
}

SUBPACKAGES = ("calculus", "check", "cli", "codegen", "course", "draw", "explore", "graph",
               "interop", "numeric", "render", "rules", "spec")
"""The subpackages, attributes of the package as soon as they are asked for.  No public name
of the package is also the name of a subpackage or module (a function ``check`` would be
replaced by the module ``symbackprop.check`` as soon as that is imported)."""

__all__ = [
    "ComputationGraph",
    "Derivation",
    "Gradients",
    "LayeredNetwork",
    "Problem",
    "SymbackpropError",
    "__version__",
    "bundled_examples",
    "check_problem",
    "compile_gradient",
    "count_paths",
    "derive",
    "from_micrograd",
    "from_networkx",
    "from_sympy",
    "from_torch",
    "gradient_check",
    "gradients",
    "iter_paths",
    "load_problem",
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
