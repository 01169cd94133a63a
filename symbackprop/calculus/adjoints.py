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

__all__ = ["adjoint_sweep"]


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
    delta: dict[str, sympy.Expr] = {of: sympy.S.One}
    value: dict[str, Any] = {of: 1.0}
    for node in reversed(graph.order):
        if node not in children or node == of:
            continue
        contributions = tuple(
            (_factor(graph, node, child, evaluate), child) for child in children[node])
        products = [product(f.expression, delta[c]) for f, c in contributions]
        expression = products[0] if len(products) == 1 else total(products)
        if evaluate is not None:
            value[node] = add(f.value * value[c] for f, c in contributions)
        stand_in = None if name is None else name(node)
        yield Adjoint(node, contributions, expression, value.get(node), stand_in)
        delta[node] = expression if stand_in is None else stand_in


def _factor(graph: ComputationGraph, node: str, child: str,
            evaluate: Callable[[sympy.Expr], Any] | None) -> Factor:
    partial = graph.local_partial(node, child)
    return Factor(child, node, partial, None if evaluate is None else evaluate(partial))
