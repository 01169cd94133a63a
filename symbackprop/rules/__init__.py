"""The rules: formula text to sympy, the network functions, the activation and loss registry.

- :mod:`~symbackprop.rules.formula`: the safe formula parser (nothing is ever executed);
- :mod:`~symbackprop.rules.lexing`: the tokenizer and the error messages it shares with the
  matrix grammar;
- :mod:`~symbackprop.rules.vocabulary`: the functions and constants formulas may use;
- :mod:`~symbackprop.rules.printing`: formula text from a sympy expression, which the parser
  reads back (for writing problem files);
- :mod:`~symbackprop.rules.functions`: ``sigmoid``, ``relu``, ``leaky_relu``, ``softplus``,
  ``silu`` as sympy functions, with their numeric twins (and those of
  :mod:`~symbackprop.rules.elementwise`: ``gelu``, ``gelu_tanh``, ``elu``, ``huber``,
  ``smooth_l1``);
- :mod:`~symbackprop.rules.registry`: one table of activations and losses with their textbook
  derivatives;
- :mod:`~symbackprop.rules.tensor`: the tensor level's IR, matrix grammar and registry of
  operations with their textbook VJPs;
- :mod:`~symbackprop.rules.lexing`: the one tokenizer and error messages both formula grammars
  share.

The lowest layer of the mathematics: it imports nothing of the package but
:mod:`symbackprop.limits`, :mod:`symbackprop.errors` and :mod:`symbackprop.naming`.
"""

from __future__ import annotations

from .formula import free_names, parse_formula
from .functions import leaky_relu, relu, sigmoid, softplus
from .registry import ACTIVATIONS, LOSSES, Activation, Loss, activation
from .vocabulary import FUNCTIONS

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
