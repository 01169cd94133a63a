"""Generated numeric gradient functions: numpy, JAX, plain Python and C source, meant to be read.

- :mod:`~symbackprop.codegen.gradient`: :func:`generate` and :func:`compile_gradient`;
- :mod:`~symbackprop.codegen.layered`: layer-wise matrix code for layered networks, with the
  in-place helpers of :mod:`~symbackprop.codegen.numpy_helpers` written beside it;
- :mod:`~symbackprop.codegen.nodewise`: straight-line code from one reverse sweep, for any graph;
- :mod:`~symbackprop.codegen.printers`: sympy's code printers with the project's functions;
- :mod:`~symbackprop.codegen.blocks`: large batches cut into blocks, run on every core.

May import :mod:`symbackprop.calculus`, :mod:`symbackprop.graph` and :mod:`symbackprop.rules`.
"""

from __future__ import annotations

from .gradient import GradientFunction, compile_gradient, generate
from .nodewise import CSE_LIMIT
from .printers import TARGETS

__all__ = [
    "CSE_LIMIT",
    "TARGETS",
    "GradientFunction",
    "compile_gradient",
    "generate",
]
