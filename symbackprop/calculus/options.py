"""The limits and names the command line offers, importable without sympy.

``symbackprop --help`` shows the default path limit and the simplification strategies; these
constants live here, apart from the modules that use them (which import sympy and re-export
them), so that building the argument parser imports nothing heavy.

Examples
--------
>>> DEFAULT_PATH_LIMIT, STREAM_LIMIT
(10000, 200000)
>>> STRATEGIES
('textbook', 'leaves', 'expand', 'factor', 'full')
"""

from __future__ import annotations

__all__ = ["DEFAULT_PATH_LIMIT", "FULL_SIMPLIFY_LIMIT", "STRATEGIES", "STRATEGY_DESCRIPTIONS",
           "STREAM_LIMIT"]

DEFAULT_PATH_LIMIT = 10_000
"""How many paths :func:`~symbackprop.calculus.paths.iter_paths` enumerates before it refuses
(and :func:`~symbackprop.calculus.derivation.derive` lists before it keeps the factored form)."""

STREAM_LIMIT = 200_000
"""``symbackprop paths`` lists (streams) up to this many paths; past it, the factored form."""

FULL_SIMPLIFY_LIMIT = 400
"""``full`` refuses expressions with more operations than this (sympy.simplify is slow)."""

STRATEGY_DESCRIPTIONS = {
    "textbook": "node symbols, shared factors pulled out, one term per output delta",
    "leaves": "inputs, targets and parameters only, grouped as in textbook",
    "expand": "everything multiplied out (node symbols)",
    "factor": "sympy.factor of the node-symbol form",
    "full": f"sympy.simplify of the leaves-only form (up to {FULL_SIMPLIFY_LIMIT} operations)",
}
"""Each simplification strategy (:mod:`symbackprop.calculus.simplify`) in a few words."""

STRATEGIES = tuple(STRATEGY_DESCRIPTIONS)
"""The names of the simplification strategies, the default first."""
