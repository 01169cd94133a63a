"""symbackprop: derive backpropagation symbolically, path by path, and show the work.

The public API, in the order data flows through it:

- problem files: :func:`load_problem`, :class:`Problem`, :class:`Claim`,
  :func:`bundled_examples`, :func:`parse_formula`;
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

from importlib.metadata import PackageNotFoundError, version

# Defined before the submodules are imported: some of them (cli, codegen) read it.
try:
    __version__ = version("symbackprop")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

from .check import check_problem
from .codegen import compile_gradient
from .derivation import Adjoint, Derivation, Factor, Group, Term, derive
from .equality import equivalent
from .errors import (
    FormulaError,
    GraphError,
    NoPathError,
    PathLimitError,
    SpecError,
    SymbackpropError,
)
from .formula import parse_formula
from .graph import ComputationGraph, Node
from .network import LayeredNetwork, surgery
from .oracles import (
    composed_diff,
    finite_difference,
    gradient_check,
    matrix_backprop,
    reverse_sweep,
)
from .paths import Path, count_paths, iter_paths
from .spec import Claim, Problem, bundled_examples, load_problem
from .sweep import gradients

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
    "gradient_check",
    "gradients",
    "iter_paths",
    "load_problem",
    "matrix_backprop",
    "parse_formula",
    "reverse_sweep",
    "surgery",
]
