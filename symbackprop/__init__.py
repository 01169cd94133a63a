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

Examples
--------
>>> import symbackprop
>>> problem = symbackprop.load_problem("mazur_2_2_2")
>>> symbackprop.derive(problem.graph, "w5", values=problem.values)
Derivation(dL/dw5, 1 path = 0.08216704056)
"""

from __future__ import annotations

from types import ModuleType

from . import _moved

# symbackprop.render, symbackprop.draw and symbackprop.explore register the derivation's views
# (its Jupyter displays and Derivation.draw, see symbackprop.calculus.views) when imported;
# matplotlib stays lazy.
from . import draw as draw
from . import explore as explore
from . import render as render
from ._version import __version__
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

_moved.install()  # the flat layout's import paths, for one release


def __getattr__(name: str) -> ModuleType:
    """``symbackprop.oracles`` and the other modules of the flat layout, for one release."""
    return _moved.attribute(name)
