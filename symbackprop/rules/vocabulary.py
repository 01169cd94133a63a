"""The functions and constants formulas may use, for the scalar grammar
(:mod:`symbackprop.rules.formula`) and the tensor grammar
(:mod:`symbackprop.rules.tensor.grammar`) alike.

Examples
--------
>>> FUNCTIONS["elu"][1:], DEFAULTS["elu"], CONSTANTS["pi"]
((1, 2), (1,), pi)
>>> ALLOWED_FUNCTIONS[:4]
('abs', 'cos', 'elu', 'erf')
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping

import sympy

from .elementwise import elu, gelu, gelu_tanh, huber, smooth_l1
from .functions import leaky_relu, relu, sigmoid, silu, softplus

__all__ = ["ALLOWED_FUNCTIONS", "CONSTANTS", "DEFAULTS", "FUNCTIONS"]

#: name -> (sympy callable, least number of arguments, most arguments or None for no limit)
FUNCTIONS: Mapping[str, tuple[Callable[..., sympy.Expr], int, int | None]] = types.MappingProxyType(
    {
        "exp": (sympy.exp, 1, 1),
        "log": (sympy.log, 1, 1),
        "sqrt": (sympy.sqrt, 1, 1),
        "abs": (sympy.Abs, 1, 1),
        "sin": (sympy.sin, 1, 1),
        "cos": (sympy.cos, 1, 1),
        "tan": (sympy.tan, 1, 1),
        "tanh": (sympy.tanh, 1, 1),
        "sigmoid": (sigmoid, 1, 1),
        "relu": (relu, 1, 1),
        "leaky_relu": (leaky_relu, 2, 2),
        "softplus": (softplus, 1, 1),
        "max": (sympy.Max, 2, None),
        "min": (sympy.Min, 2, None),
        "erf": (sympy.erf, 1, 1),
        "gelu": (gelu, 1, 1),
        "gelu_tanh": (gelu_tanh, 1, 1),
        "elu": (elu, 1, 2),
        "silu": (silu, 1, 1),
        "huber": (huber, 1, 2),
        "smooth_l1": (smooth_l1, 1, 2),
    }
)
#: the trailing arguments a call may leave out: ``elu(x)`` is ``elu(x, 1)``
DEFAULTS: Mapping[str, tuple[sympy.Expr, ...]] = types.MappingProxyType(
    {"elu": (sympy.S.One,), "huber": (sympy.S.One,), "smooth_l1": (sympy.S.One,)})
#: the constants a bare name stands for, unless a node (or symbol) of that name is declared
CONSTANTS: Mapping[str, sympy.Expr] = types.MappingProxyType({"pi": sympy.pi, "e": sympy.E})
#: The function names, sorted, for documentation and error messages.
ALLOWED_FUNCTIONS: tuple[str, ...] = tuple(sorted(FUNCTIONS))
