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
- :mod:`~symbackprop.calculus.equality`: deciding whether two expressions are the same function;
- :mod:`~symbackprop.calculus.options`: the limits and strategy names the command line offers
  (no sympy, so that ``--help`` starts at once).

The names below are imported from their modules on first use, so importing one light module
(:mod:`~symbackprop.calculus.views`, :mod:`~symbackprop.calculus.options`) does not import
sympy.

May import :mod:`symbackprop.graph` and :mod:`symbackprop.rules`; never a renderer, a picture or
the checker (they take a :class:`Derivation`; it knows nothing of them).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .derivation import Derivation, derive
    from .equality import equivalent
    from .options import DEFAULT_PATH_LIMIT
    from .paths import Path, count_paths, iter_paths
    from .sweep import Gradients, gradients
    from .terms import Adjoint, Factor, Group, Step, Term

_PUBLIC = {
    **dict.fromkeys(("Derivation", "derive"), "derivation"),
    **dict.fromkeys(("Adjoint", "Factor", "Group", "Step", "Term"), "terms"),
    "equivalent": "equality",
    "DEFAULT_PATH_LIMIT": "options",
    **dict.fromkeys(("Path", "count_paths", "iter_paths"), "paths"),
    **dict.fromkeys(("Gradients", "gradients"), "sweep"),
}

__all__ = [
    "DEFAULT_PATH_LIMIT",
    "Adjoint",
    "Derivation",
    "Factor",
    "Gradients",
    "Group",
    "Path",
    "Step",
    "Term",
    "count_paths",
    "derive",
    "equivalent",
    "gradients",
    "iter_paths",
]


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
