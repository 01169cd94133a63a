"""The tensor level's rules: the IR, the matrix grammar, the registry of operations with their
textbook VJPs, and numbers for IR.

- :mod:`~symbackprop.rules.tensor.expr`: the IR, ``Ref`` (a node's value), ``Adj`` (its
  adjoint), ``Map`` (an elementwise function) and ``Op`` (an operation of the registry);
- :mod:`~symbackprop.rules.tensor.registry`: every operation, ``OPS``, each an
  :class:`~symbackprop.rules.tensor.opspec.OpSpec` (arguments, attributes, shape rule, forward
  pass, textbook VJP per argument, notation), from ``ops_linear``, ``ops_reduce``, ``ops_nn``
  and ``ops_conv``;
- :mod:`~symbackprop.rules.tensor.build`: the builder every IR node goes through (the
  registry's checks, shapes, the tensor limits, simplification);
- :mod:`~symbackprop.rules.tensor.syntax` and :mod:`~symbackprop.rules.tensor.grammar`: the
  safe matrix-formula parser, text to a syntax tree (:mod:`~symbackprop.rules.tensor.tree`)
  to IR;
- :mod:`~symbackprop.rules.tensor.vjp`: symbolic reverse mode over one definition;
- :mod:`~symbackprop.rules.tensor.evaluate`: numpy values of IR (or object arrays of sympy
  expressions, :mod:`~symbackprop.rules.tensor.backend`).

Part of :mod:`symbackprop.rules`: it imports nothing of the package but the rest of
``rules``, :mod:`symbackprop.errors`, :mod:`symbackprop.limits` and
:mod:`symbackprop.naming`.
"""

from __future__ import annotations

from .backend import NUMPY, OBJECT, Backend
from .build import Builder
from .evaluate import evaluate, evaluate_many
from .expr import Adj, Map, Op, Ref, Shape, TExpr, format_shape
from .grammar import TENSOR_CALLS, parse_tensor_formula, tensor_free_names
from .opspec import OpSpec, ShapeError
from .registry import OPS
from .vjp import vjp

__all__ = [
    "NUMPY", "OBJECT", "OPS", "TENSOR_CALLS", "Adj", "Backend", "Builder", "Map", "Op",
    "OpSpec", "Ref", "Shape", "ShapeError", "TExpr", "evaluate", "evaluate_many",
    "format_shape", "parse_tensor_formula", "tensor_free_names", "vjp",
]
