"""What the scalar and the tensor page hold alike: the graph, one choice a parameter (each
with its derivation), the parameter chosen when the page opens, and the file's names.

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

from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from ..calculus.options import DEFAULT_PATH_LIMIT
from ..errors import UsageError

__all__ = ["ExplorationBase"]


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
