"""Numbers: the independent oracles every symbolic gradient is checked against.

- :mod:`~symbackprop.numeric.oracles`: ``sympy.diff`` of the composed loss, the numerical
  backprop (matrix form for layered networks, a reverse sweep for any graph), central finite
  differences, and :func:`gradient_check`, which compares them all.
- :mod:`~symbackprop.numeric.layered`: the one layered numpy backprop (every layer's vectors
  and deltas), which :func:`matrix_backprop` and the matrix form both read.
- :mod:`~symbackprop.numeric.matrix`: the matrix form of one weight's gradient
  (:func:`~symbackprop.numeric.matrix.matrix_form`), its numbers and its symbolic check.
- :mod:`~symbackprop.numeric.tensor_oracles`: the tensor level's oracles (the lowered scalar
  engine, torch autograd, finite differences) and :func:`tensor_gradient_check`;
  :mod:`~symbackprop.numeric.tensor_torch`: every tensor operation in torch, for autograd;
  :mod:`~symbackprop.numeric.tensor_differences`: a tensor's finite differences.

The oracles and the layered sweep are independent of the symbolic path machinery by design:
they are the correctness check of it.

May import :mod:`symbackprop.calculus`, :mod:`symbackprop.graph` and :mod:`symbackprop.rules`.
"""

from __future__ import annotations

from .layered import LayeredSweep, layered_sweep
from .matrix import LayerStep, MatrixForm, matrix_form
from .oracles import (
    GradientCheck,
    composed_diff,
    finite_difference,
    gradient_check,
    matrix_backprop,
    reverse_sweep,
)
from .tensor_oracles import TensorGradientCheck, tensor_gradient_check

__all__ = [
    "GradientCheck", "LayerStep", "LayeredSweep", "MatrixForm", "TensorGradientCheck",
    "composed_diff", "finite_difference", "gradient_check", "layered_sweep", "matrix_backprop",
    "matrix_form", "reverse_sweep", "tensor_gradient_check",
]
