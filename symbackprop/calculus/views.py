"""Views of a derivation that live in higher layers, found through a registry.

A :class:`~symbackprop.calculus.derivation.Derivation` is plain data: it knows nothing of
renderers or pictures, which import it.  Its conveniences (Jupyter's ``_repr_latex_`` and
``_repr_markdown_``, and :meth:`~symbackprop.calculus.derivation.Derivation.draw`) look the
function up here by kind; the layers that provide them register it when they are imported:

- ``"latex"``: :func:`symbackprop.render.latex.derivation_math`, and ``"markdown"``:
  :func:`symbackprop.render.markdown.derivation_markdown` (registered by
  :mod:`symbackprop.render`);
- ``"figure"``: :func:`symbackprop.draw.figure.draw_derivation` (registered by
  :mod:`symbackprop.draw`);
- ``"html"`` (Jupyter's ``_repr_html_``): :func:`symbackprop.explore.page.derivation_html`,
  the interactive page (registered by :mod:`symbackprop.explore`).

``import symbackprop`` imports neither (it stays light): it registers a *loader*
(:func:`symbackprop.load_views`, see :func:`register_loader`) that imports them, and
:func:`view` calls every loader once, the first time it is asked for a kind that nobody has
registered yet.  So ``d._repr_latex_()`` and ``d.draw()`` work after a bare
``import symbackprop``, and nothing here imports a higher layer.

Examples
--------
>>> import symbackprop
>>> view("latex").__name__, view("markdown").__name__, view("figure").__name__
('derivation_math', 'derivation_markdown', 'draw_derivation')
>>> view("html").__name__
'derivation_html'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import SymbackpropError

__all__ = ["KINDS", "register_loader", "register_view", "view"]

KINDS = ("latex", "markdown", "figure", "gradients", "html")
"""The kinds of view a derivation delegates to."""

_VIEWS: dict[str, Callable[..., Any]] = {}
_LOADERS: list[Callable[[], None]] = []


def _known(kind: str) -> str:
    if kind not in KINDS:
        raise SymbackpropError(f"unknown kind of view {kind!r}; allowed: {', '.join(KINDS)}")
    return kind


def register_view(kind: str, function: Callable[..., Any]) -> None:
    """Make ``function(derivation, **options)`` the view of ``kind`` (one of :data:`KINDS`),
    replacing any registered before.

    Raises
    ------
    SymbackpropError
        For an unknown kind.

    Examples
    --------
    >>> import symbackprop
    >>> from symbackprop.render.latex import derivation_math
    >>> register_view("latex", derivation_math)      # what symbackprop.render does
    >>> view("latex") is derivation_math
    True
    >>> register_view("svg", derivation_math)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    symbackprop.errors.SymbackpropError: unknown kind of view 'svg'; allowed: latex, ...
    """
    _VIEWS[_known(kind)] = function


def register_loader(loader: Callable[[], None]) -> None:
    """Have :func:`view` call ``loader()`` (once) when it is asked for a kind not registered
    yet: ``loader`` imports the layers that register their views.  :mod:`symbackprop`
    registers :func:`symbackprop.load_views`.

    Examples
    --------
    >>> saved, calls = dict(_VIEWS), []
    >>> _VIEWS.clear()                                    # as if nothing were registered
    >>> register_loader(lambda: calls.append("loaded"))
    >>> _ = view("latex"), view("latex")
    >>> calls                                             # called once
    ['loaded']
    >>> _VIEWS.update(saved)
    """
    if loader not in _LOADERS:
        _LOADERS.append(loader)


def view(kind: str) -> Callable[..., Any] | None:
    """The function registered for ``kind`` (one of :data:`KINDS`), or ``None``.

    Raises
    ------
    SymbackpropError
        For an unknown kind.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> d = derive(load_problem("branching_graph").graph, "a")
    >>> print(view("markdown")(d).splitlines()[0])
    ## The derivative $\\partial e / \\partial a$
    """
    if _known(kind) not in _VIEWS:
        while _LOADERS:  # each loader once, whatever it registers
            _LOADERS.pop(0)()
    return _VIEWS.get(kind)
