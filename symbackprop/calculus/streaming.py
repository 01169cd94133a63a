"""Per-weight path listings at scale: paths streamed with precomputed factor values.

:func:`symbackprop.calculus.derivation.derive` builds every path's term before showing any; fine up
to its path limit.  Past it, a listing is still useful up to some hundreds of thousands of paths
(a first-layer weight of a [16, 16, 16, 4] softmax network has 16 * 16 * 4 * 4 = 4,096; of a
[64, 64, 64, 10] one, 64 * 64 * 10 * 10 = 409,600).  :func:`iter_path_terms` computes each
edge's local partial and its value once, then walks the paths depth first (the walk of
:func:`~symbackprop.calculus.paths.iter_paths`, :func:`~symbackprop.calculus.paths.walk_paths`,
which says how much of each path the one before shared) and yields each as a
:class:`~symbackprop.calculus.terms.Term` whose factors are those shared objects and whose
value is a running product: no sympy product per path, O(1) work per path beyond its length.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> problem = load_problem("branching_graph")
>>> [(t.path.nodes, t.value) for t in iter_path_terms(problem.graph, "b",
...                                                   values=problem.values)]
[(('b', 'c', 'e'), 2.0), (('b', 'd', 'e'), 3.0)]
>>> longest_path_text(problem.graph, "b")
9
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload

from ..graph import evaluation, precision
from ..graph.computation import ComputationGraph
from .paths import Path, find_paths, walk_paths
from .terms import Factor, Term

__all__ = ["PathTerms", "iter_path_terms", "longest_path_text"]


ARROW = " → "


def iter_path_terms(graph: ComputationGraph, wrt: str, of: str | None = None, *,
                    values: Mapping[str, float] | None = None) -> Iterator[Term]:
    """Every path from ``wrt`` to ``of`` (default: the output) as a :class:`Term`, in the order
    of :func:`symbackprop.calculus.paths.iter_paths`, without a limit.

    Each edge's :class:`Factor` (local partial, and its value when ``values`` are given) is
    made once and shared by every path through the edge; a path's value is the product of its
    factor values in path order, as :func:`~symbackprop.calculus.derivation.derive` computes it.

    Raises
    ------
    NoPathError
        If ``of`` does not depend on ``wrt``.
    DomainError
        If a node or a local partial cannot be evaluated at ``values``.

    Both are raised by the call, before the first path: the factors are made first, and the
    paths then walked lazily.

    Notes
    -----
    O(V + E) to prepare; then O(length) per path, the depth-first walk reusing the prefix.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> first, second = iter_path_terms(problem.graph, "w1", values=problem.values)
    >>> second.path, round(second.value, 12)
    (Path(w1 -> a11 -> h11 -> a22 -> yhat2 -> L), -0.000229828287)
    >>> first.factors[0] is second.factors[0]              # da11/dw1, made once
    True
    """
    paths = find_paths(graph, wrt, of)
    edges = [(parent, child) for parent, kids in paths.children.items() for child in kids]
    numbers = None if values is None else _edge_values(graph, edges, values)
    factors = {(parent, child): Factor(child, parent, graph.local_partial(parent, child),
                                       None if numbers is None else float(numbers[parent, child]))
               for parent, child in edges}
    return _walk(paths.children, factors, numbers, wrt, paths.target)


def _walk(children: Mapping[str, Sequence[str]], factors: Mapping[tuple[str, str], Factor],
          numbers: Mapping[tuple[str, str], Any] | None, wrt: str, of: str,
          rounded: bool = True) -> Iterator[Term]:
    """Each path's term, its value the product of ``numbers`` along it from ``1.0`` in path
    order (``None`` where a number is), as a float when ``rounded``."""
    if wrt == of:
        yield Term(Path((wrt,)), (), None if numbers is None else 1.0)
        return
    chain: list[Factor] = []
    products: list[Any] = [None if numbers is None else 1.0]
    for nodes, shared in walk_paths(children, wrt, of):
        del chain[shared - 1:], products[shared:]  # keep the prefix shared with the last path
        for edge in zip(nodes[shared - 1:], nodes[shared:], strict=False):
            chain.append(factors[edge])
            before = products[-1]
            number = None if before is None or numbers is None else numbers[edge]
            products.append(None if number is None else before * number)
        value = products[-1]
        yield Term(Path(nodes), tuple(chain), value if value is None or not rounded
                   else float(value))


class PathTerms(Sequence[Term]):
    """A derivation's terms, one per path, made as they are read: every path walked again
    each time (:func:`~symbackprop.calculus.paths.walk_paths`), its factors the shared
    :class:`Factor` of each edge, its value their product along the path.  Past
    :data:`~symbackprop.calculus.derivation.TERMS_KEPT` paths a derivation holds its terms so,
    in memory flat in the path count.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> problem = load_problem("branching_graph")
    >>> d = derive(problem.graph, "b", values=problem.values)
    >>> factors = {(f.wrt, f.of): f for a in d.adjoints for f, _ in a.contributions}
    >>> terms = PathTerms({"b": ("c", "d"), "c": ("e",), "d": ("e",), "e": ()}, factors,
    ...                   "b", "e", 2)
    >>> terms, terms[1:], list(terms) == list(d.terms)
    (PathTerms(2 paths from b), (Term(b -> d -> e = 3),), True)
    """

    def __init__(self, children: Mapping[str, Sequence[str]],
                 factors: Mapping[tuple[str, str], Factor], wrt: str, of: str,
                 count: int) -> None:
        self._children, self._factors = children, factors
        self._wrt, self._of, self._count = wrt, of, count
        known = all(f.value is not None for f in factors.values())
        self._numbers = {edge: f.value for edge, f in factors.items()} if known else None

    def __iter__(self) -> Iterator[Term]:
        return _walk(self._children, self._factors, self._numbers, self._wrt, self._of,
                     rounded=False)

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Term: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Term, ...]: ...

    def __getitem__(self, index: int | slice) -> Term | tuple[Term, ...]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            if step < 0:
                return tuple(self)[index]
            return tuple(itertools.islice(self, start, stop, step))
        position = index + self._count if index < 0 else index
        if not 0 <= position < self._count:
            raise IndexError(f"path {index} of {self._count:,}")
        return next(itertools.islice(self, position, None))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PathTerms | tuple):
            return len(self) == len(other) and all(
                a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PathTerms({self._count:,} paths from {self._wrt})"


def _edge_values(graph: ComputationGraph, edges: list[tuple[str, str]],
                 values: Mapping[str, float]) -> dict[tuple[str, str], Any]:
    """Each edge's local partial at ``values``: floats, or where float64 cannot hold one (a
    probability underflowing to 0 makes ``-y/yhat`` infinite) mpmath numbers, unrounded, so
    that a path's product is finite where the derivative is (``precision.stable``)."""
    def compute() -> dict[tuple[str, str], Any]:
        forward = graph.forward(values)
        return {edge: evaluation.number(graph.local_partial(*edge), forward) for edge in edges}
    return precision.stable(compute, dict.values, rounded=False)


def longest_path_text(graph: ComputationGraph, wrt: str, of: str | None = None) -> int:
    """The length of the longest ``a → b → ...`` text of a path from ``wrt`` to ``of``, by
    dynamic programming (so a listing can align its columns before it starts).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> graph = load_problem("mazur_2_2_2").graph
    >>> longest_path_text(graph, "w1"), len("w1 → a11 → h11 → a21 → yhat1 → L")
    (32, 32)
    """
    paths = find_paths(graph, wrt, of)
    children, of = paths.children, paths.target
    longest: dict[str, int] = {}
    for name in reversed(list(children)):  # reverse topological order
        if name == of:
            longest[name] = len(name)
        else:
            longest[name] = len(name) + len(ARROW) + max(longest[c] for c in children[name])
    return longest[wrt]
