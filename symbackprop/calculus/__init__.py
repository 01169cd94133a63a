"""The calculus: paths from a node to the loss, the chain rule along them, every gradient at once.

- :mod:`~symbackprop.calculus.paths`: paths counted by dynamic programming, then enumerated;
- :mod:`~symbackprop.calculus.terms`: the parts of a derivation (factors, terms, the factored
  form, the adjoints), plain data;
- :mod:`~symbackprop.calculus.adjoints`: the symbolic reverse sweep, one adjoint definition per
  node, that both :func:`derive` and :func:`gradients` walk;
- :mod:`~symbackprop.calculus.derivation`: :func:`derive` and the :class:`Derivation` it returns
  (terms in chain-rule order, the factored form, the adjoint form);
- :mod:`~symbackprop.calculus.views`: the registry through which a :class:`Derivation` finds
  its displays and picture (filled by :mod:`symbackprop.render` and :mod:`symbackprop.draw`);
- :mod:`~symbackprop.calculus.sweep`: all parameters' gradients in one reverse sweep;
- :mod:`~symbackprop.calculus.streaming`: path listings streamed past the derivation's limit;
- :mod:`~symbackprop.calculus.simplify`: named simplification strategies;
- :mod:`~symbackprop.calculus.equality`: deciding whether two expressions are the same function.

May import :mod:`symbackprop.graph` and :mod:`symbackprop.rules`; never a renderer, a picture or
the checker (they take a :class:`Derivation`; it knows nothing of them).
"""

from __future__ import annotations

from .derivation import Adjoint, Derivation, Factor, Group, Term, derive
from .equality import equivalent
from .paths import DEFAULT_PATH_LIMIT, Path, count_paths, iter_paths
from .sweep import Gradients, gradients

__all__ = [
    "DEFAULT_PATH_LIMIT",
    "Adjoint",
    "Derivation",
    "Factor",
    "Gradients",
    "Group",
    "Path",
    "Term",
    "count_paths",
    "derive",
    "equivalent",
    "gradients",
    "iter_paths",
]
