"""The rules: formula text to sympy, the network functions, the activation and loss registry.

- :mod:`~symbackprop.rules.formula`: the safe formula parser (nothing is ever executed);
- :mod:`~symbackprop.rules.printing`: formula text from a sympy expression, which the parser
  reads back (for writing problem files);
- :mod:`~symbackprop.rules.functions`: ``sigmoid``, ``relu``, ``leaky_relu``, ``softplus`` as sympy
  functions, with their numeric twins;
- :mod:`~symbackprop.rules.registry`: one table of activations and losses with their textbook
  derivatives.

The lowest layer: it imports nothing of the package but :mod:`symbackprop.errors` and
:mod:`symbackprop.naming`.
"""

from __future__ import annotations

from .formula import FUNCTIONS, free_names, parse_formula
from .functions import leaky_relu, relu, sigmoid, softplus
from .registry import ACTIVATIONS, LOSSES, Activation, Loss, activation

__all__ = [
    "ACTIVATIONS",
    "FUNCTIONS",
    "LOSSES",
    "Activation",
    "Loss",
    "activation",
    "free_names",
    "leaky_relu",
    "parse_formula",
    "relu",
    "sigmoid",
    "softplus",
]
