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

__all__ = ["DEFAULT_PATH_LIMIT", "EXPRESSION_LIMIT", "FULL_SIMPLIFY_LIMIT", "LEAVES_BUILD_LIMIT",
           "STRATEGIES", "STRATEGY_DESCRIPTIONS", "STREAM_LIMIT"]

DEFAULT_PATH_LIMIT = 10_000
"""How many paths :func:`~symbackprop.calculus.paths.iter_paths` enumerates before it refuses
(and :func:`~symbackprop.calculus.derivation.derive` lists before it keeps the factored form)."""

STREAM_LIMIT = 200_000
"""``symbackprop paths`` lists (streams) up to this many paths; past it, the factored form."""

EXPRESSION_LIMIT = 1_000
"""The sum over paths written out as one formula (``expression`` in JSON), its simplified forms
and the leaves-only form are written only for a derivation with at most this many paths
(``derive --max-terms N`` raises it).  Past it each page and the JSON leave them out with a
line saying so: printing a sum of 6,400 products (a first-layer weight of a [64, 64, 64, 10]
softmax network) takes sympy longer than the whole derivation, and nobody reads it, while the
deltas and the listed paths still give every part of it.  The path count is known before
anything is built, so nothing is built to decide."""

LEAVES_BUILD_LIMIT = 50_000
"""The leaves-only form is built (and then measured exactly) only when its estimated size
(:attr:`~symbackprop.calculus.derivation.Derivation.leaves_size`, nodes of its expression tree,
made without building it) is at most this; past it, it counts as too large to write out.  Ten
times the exact measure's limit (:data:`~symbackprop.calculus.simplify.COUNT_LIMIT`), so that
whatever that measure would accept is built; the leaves-only form of the last-layer weight of a
[64, 64, 64, 10] softmax network has some 10^8 nodes."""

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
