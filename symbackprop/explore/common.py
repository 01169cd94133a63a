"""What the scalar and the tensor page hold alike: the graph, one choice a parameter (each
with its derivation), the parameter chosen when the page opens, and the file's names; and how
both find the parameters they offer (:func:`offered`) and check ``--wrt`` and ``--of``
(:func:`asked`).

:class:`ExplorationBase` is the common part of :class:`~symbackprop.explore.data.Exploration`
and :class:`~symbackprop.explore.tensor_data.TensorExploration`; each adds what its page
alone needs.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.explore.data import explore_problem
>>> exploration = explore_problem(load_problem("branching_graph"), wrt="b")
>>> isinstance(exploration, ExplorationBase), exploration.of, exploration.choice("b").derivation
(True, 'e', Derivation(de/db, 2 paths = 5))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import networkx as nx

from ..calculus.options import DEFAULT_PATH_LIMIT
from ..errors import UsageError
from ..graph.named import NamedGraph

__all__ = ["ExplorationBase", "asked", "offered"]

LISTED_NAMES = 24
"""The parameters a refused ``--wrt`` lists (then `...`)."""


def offered(graph: NamedGraph[Any], output: str,
            leaf: Callable[[str], bool] = lambda name: True) -> list[str]:
    """The nodes a page offers to differentiate ``output`` with respect to: the graph's
    parameters, or for a graph without any its leaves that ``output`` depends on (and that
    ``leaf`` accepts).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> graph = load_problem("branching_graph").graph
    >>> offered(graph, graph.output), offered(graph, graph.output, lambda name: name != "a")
    (['a', 'b'], ['b'])
    """
    if graph.parameters:
        return list(graph.parameters)
    upstream = nx.ancestors(graph.digraph, output)
    return [n for n in graph.leaves if n in upstream and leaf(n)]


def asked(graph: NamedGraph[Any], output: str, names: list[str], wrt: str | None,
          of: str | None, *, every_of_output: bool = False) -> list[str]:
    """The parameters of ``names`` the page derives: all of them, or with ``of`` (the node
    ``--of`` asks for) those it depends on; with ``every_of_output``, ``of`` naming
    ``output`` keeps them all.

    Raises
    ------
    UsageError
        When ``wrt`` is not one of ``names``, or none of them has a path to ``of``.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> graph = load_problem("branching_graph").graph
    >>> asked(graph, "e", ["a", "b"], "b", None), asked(graph, "e", ["a", "b"], None, "e")
    (['a', 'b'], ['a', 'b'])
    >>> asked(graph, "e", ["a", "b"], "c", None)
    Traceback (most recent call last):
    ...
    symbackprop.errors.UsageError: explore --wrt c: not a parameter; allowed: a, b
    >>> asked(graph, "e", ["a", "b"], None, "a")
    Traceback (most recent call last):
    ...
    symbackprop.errors.UsageError: explore --of a: no parameter has a path to a
    """
    if wrt is not None and wrt not in names:
        more = " ..." if len(names) > LISTED_NAMES else ""
        raise UsageError(f"explore --wrt {wrt}: not a parameter; allowed: "
                         f"{', '.join(names[:LISTED_NAMES])}{more}")
    if of is None:
        return names
    node = graph.node(of).name
    if every_of_output and node == output:
        return names
    upstream = nx.ancestors(graph.digraph, node)  # only what the node differentiated depends on
    names = [n for n in names if n in upstream]
    if not names:
        raise UsageError(f"explore --of {of}: no parameter has a path to {of}")
    return names


class _Derived(Protocol):
    @property
    def of(self) -> str: ...

    @property
    def wrt(self) -> str: ...


class _Choice(Protocol):
    @property
    def derivation(self) -> _Derived: ...


G = TypeVar("G")
C = TypeVar("C", bound=_Choice)


@dataclass(frozen=True, eq=False)
class ExplorationBase(Generic[G, C]):
    """A page's graph, its choices (one a parameter, in the page's order), the parameter
    ``selected`` when it opens, the file's ``name``, ``title`` and ``source``, its learning
    rate and the path limit of its derivations.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.explore.tensor_data import explore_tensor_problem
    >>> exploration = explore_tensor_problem(load_problem("tensor_mlp"))
    >>> exploration.choice("w9")
    Traceback (most recent call last):
    ...
    symbackprop.errors.UsageError: 'w9' is not a parameter of the page; allowed: W1, W2, b1, b2
    """

    graph: G = field(repr=False)
    choices: tuple[C, ...]
    selected: str
    name: str = ""
    title: str = ""
    source: str = ""
    learning_rate: float | None = None
    path_limit: int = DEFAULT_PATH_LIMIT

    @property
    def of(self) -> str:
        """The node differentiated: the output, unless the page was asked for another."""
        return self.choices[0].derivation.of

    def choice(self, name: str) -> C:
        """The choice of parameter ``name``.

        Raises
        ------
        UsageError
            When ``name`` is not a parameter of the page.
        """
        for choice in self.choices:
            if choice.derivation.wrt == name:
                return choice
        raise UsageError(f"{name!r} is not a parameter of the page; allowed: "
                         f"{', '.join(c.derivation.wrt for c in self.choices[:12])}")

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.name or self.title or 'graph'}, "
                f"{len(self.choices)} parameters, {self.selected} chosen)")
