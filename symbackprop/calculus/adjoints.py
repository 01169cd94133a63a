"""The symbolic reverse sweep: one adjoint per node, from the output back.

Backprop's recursion: the adjoint of a node ``n`` is ``delta_n = d of / d n`` = the sum over its
children ``c`` on a path to ``of`` of ``(d c / d n) * delta_c``.  :func:`adjoint_sweep` walks
the nodes in reverse topological order and takes one local partial per edge, so each adjoint is
defined after its children's: O(V + E), whatever the number of paths.  It makes the
:class:`~symbackprop.calculus.terms.Adjoint` objects of both views of the calculus:

- :func:`symbackprop.calculus.derivation.derive` writes each child's adjoint out in full (and so
  has the expression above the path limit);
- :func:`symbackprop.calculus.sweep.gradients` names each non-leaf adjoint ``delta_n``, so the
  definitions stay linear in size.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> graph = load_problem("branching_graph").graph         # c = a + b, d = b + 1, e = c * d
>>> for adjoint in adjoint_sweep(graph, set(graph.order), "e"):
...     print(adjoint.node, [child for _, child in adjoint.contributions], adjoint.expression)
d ['e'] c
c ['e'] d
b ['c', 'd'] c + d
a ['c'] d
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

import sympy

from ..graph import precision
from ..graph.canonical import product, total
from ..graph.computation import ComputationGraph
from .paths import children_on_paths
from .terms import Adjoint, Factor

__all__ = ["adjoint_sweep", "definition"]


def adjoint_sweep(
    graph: ComputationGraph,
    on_paths: Collection[str] | Mapping[str, Sequence[str]],
    of: str,
    name: Callable[[str], sympy.Symbol | None] | None = None,
    *,
    evaluate: Callable[[sympy.Expr], Any] | None = None,
    add: Callable[[Iterable[Any]], Any] = precision.fsum,
) -> Iterator[Adjoint]:
    """The adjoint of every node of ``on_paths`` but ``of``, in reverse topological order.

    Parameters
    ----------
    graph : ComputationGraph
    on_paths : collection of str, or mapping of str to sequence of str
        The nodes on some path to ``of`` that the sweep covers (``of`` included); or each such
        node with its children among them, in topological order
        (:func:`~symbackprop.calculus.paths.children_on_paths`), used as it is.
    of : str
        The node differentiated; its adjoint is 1 and is not yielded.
    name : callable, optional
        ``name(node)``: the symbol that stands for the node's adjoint in its parents'
        definitions (the adjoint's :attr:`~symbackprop.calculus.terms.Adjoint.symbol`), or
        ``None`` to write the definition out there (the default, for every node).
    evaluate : callable, optional
        ``evaluate(partial)``: a local partial's value.  With it every factor and adjoint gets
        a value; the adjoint's is ``add`` of each factor's value times its child's.
    add : callable
        How an adjoint's value sums its contributions (default: :func:`precision.fsum`).

    Yields
    ------
    Adjoint
        Its contributions are ``(d child / d node, child)`` for each child in ``on_paths``, in
        topological order; its expression the sum of ``(d child / d node) * delta_child``.

    Notes
    -----
    One local partial and one product per edge (:meth:`ComputationGraph.local_partial`).

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> from symbackprop.spec import load_problem
    >>> graph = load_problem("sigmoid_chain").graph
    >>> nodes = {"w3", "h21", "a31", "yhat1", "L"}              # the paths from w3 and h21
    >>> for adjoint in adjoint_sweep(graph, nodes, "L", name=lambda n: symbol("delta_" + n)):
    ...     print(adjoint.symbol, "=", adjoint.expression)
    delta_yhat1 = -2*y1 + 2*yhat1
    delta_a31 = delta_yhat1*yhat1*(1 - yhat1)
    delta_h21 = delta_a31*w3
    delta_w3 = delta_a31*h21
    >>> [adjoint.expression for adjoint in adjoint_sweep(graph, nodes, "L")][-1]
    h21*yhat1*(1 - yhat1)*(-2*y1 + 2*yhat1)
    """
    children = (on_paths if isinstance(on_paths, Mapping)
                else children_on_paths(graph, on_paths))
    definitions = _Definitions(of)
    value: dict[str, Any] = {of: 1.0}
    for node in reversed(list(children)):
        if node == of:
            continue
        contributions = tuple(
            (_factor(graph, node, child, evaluate), child) for child in children[node])
        if evaluate is not None:
            value[node] = add(f.value * value[c] for f, c in contributions)
        stand_in = None if name is None else name(node)
        made = definitions.add(node, contributions, stand_in)
        yield Adjoint(node, contributions, made, value.get(node), stand_in)


def definition(terms: Sequence[tuple[sympy.Expr, sympy.Expr]]) -> sympy.Expr:
    """An adjoint's definition from its ``(local partial, child's adjoint)`` pairs: the sum of
    their products, in sympy's canonical form.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> definition([(symbol("w2"), symbol("delta_b")), (symbol("w1"), symbol("delta_a"))])
    delta_a*w1 + delta_b*w2
    """
    products = [product(partial, delta) for partial, delta in terms]
    return products[0] if len(products) == 1 else total(products)


class _Definitions:
    """The adjoints' definitions of one sweep, each made when it is first asked for.

    A definition is the sum of each factor times its child's adjoint: the child's stand-in
    symbol where it has one, else the child's definition written out.  Written out, a node's
    definition holds every definition below it (an expression as large as the paths are many,
    built in O(E) but slow to build: 4,000 sympy products of large sums for one first-layer
    weight of a [256, 256, 256, 10] network), and a page past its limits never shows it: so
    nothing is built until it is asked for, and then every definition it needs in sweep order
    (no recursion, however long the paths).
    """

    def __init__(self, of: str) -> None:
        self._stands: dict[str, sympy.Expr] = {of: sympy.S.One}
        self._pending: list[tuple[str, tuple[tuple[Factor, str], ...], sympy.Symbol | None]] = []
        self._made: dict[int, sympy.Expr] = {}

    def add(self, node: str, contributions: tuple[tuple[Factor, str], ...],
            stand_in: sympy.Symbol | None) -> Callable[[], sympy.Expr]:
        """Register ``node``'s adjoint (its children's first); a function that makes its
        definition."""
        self._pending.append((node, contributions, stand_in))
        if stand_in is not None:
            self._stands[node] = stand_in
        index = len(self._pending) - 1
        return lambda: self._definition(index)

    def _definition(self, index: int) -> sympy.Expr:
        found = self._made.get(index)
        if found is not None:
            return found
        _, contributions, _ = self._pending[index]
        if any(child not in self._stands for _, child in contributions):
            for earlier in range(index):  # written out: the definitions below first
                if earlier not in self._made:
                    self._make(earlier)
        return self._make(index)

    def _make(self, index: int) -> sympy.Expr:
        node, contributions, stand_in = self._pending[index]
        made = self._made[index] = definition([(f.expression, self._stands[c])
                                               for f, c in contributions])
        if stand_in is None:
            self._stands[node] = made
        return made


def _factor(graph: ComputationGraph, node: str, child: str,
            evaluate: Callable[[sympy.Expr], Any] | None) -> Factor:
    partial = graph.local_partial(node, child)
    return Factor(child, node, partial, None if evaluate is None else evaluate(partial))
