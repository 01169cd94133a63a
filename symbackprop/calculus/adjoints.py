"""The symbolic reverse sweep: one adjoint definition per node, from the output back.

Backprop's recursion: the adjoint of a node ``n`` is ``delta_n = d of / d n`` = the sum over its
children ``c`` on a path to ``of`` of ``(d c / d n) * delta_c``.  :func:`adjoint_sweep` walks
the nodes in reverse topological order and takes one local partial per edge, so each adjoint is
defined after its children's: O(V + E), whatever the number of paths.  Both views of the
calculus are built on it:

- :func:`symbackprop.calculus.derivation.derive` writes each child's adjoint out in full (its
  :class:`~symbackprop.calculus.terms.Adjoint` objects, and the expression above the path
  limit);
- :func:`symbackprop.calculus.sweep.gradients` names each non-leaf adjoint ``delta_n`` (its
  :class:`~symbackprop.calculus.sweep.AdjointDefinition` objects), so the definitions stay
  linear in size.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> graph = load_problem("branching_graph").graph         # c = a + b, d = b + 1, e = c * d
>>> for node, contributions, expression in adjoint_sweep(graph, set(graph.order), "e"):
...     print(node, [child for child, _ in contributions], expression)
d ['e'] c
c ['e'] d
b ['c', 'd'] c + d
a ['c'] d
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator

import sympy

from ..graph.computation import ComputationGraph, product, total
from .paths import children_on_paths

__all__ = ["adjoint_sweep"]


def adjoint_sweep(
    graph: ComputationGraph,
    on_paths: Collection[str],
    of: str,
    name: Callable[[str], sympy.Symbol | None] | None = None,
) -> Iterator[tuple[str, tuple[tuple[str, sympy.Expr], ...], sympy.Expr]]:
    """Every node of ``on_paths`` but ``of``, in reverse topological order, with its adjoint's
    definition: ``(node, contributions, expression)``.

    Parameters
    ----------
    graph : ComputationGraph
    on_paths : collection of str
        The nodes on some path to ``of`` that the sweep covers (``of`` included).
    of : str
        The node differentiated; its adjoint is 1 and is not yielded.
    name : callable, optional
        ``name(node)``: the symbol that stands for the node's adjoint in its parents'
        definitions, or ``None`` to write the definition out there (the default, for every
        node).

    Yields
    ------
    node : str
    contributions : tuple of (str, sympy.Expr)
        ``(child, d child / d node)`` for each child in ``on_paths``, in topological order.
    expression : sympy.Expr
        The sum of ``(d child / d node) * delta_child``.

    Notes
    -----
    One local partial and one product per edge (:meth:`ComputationGraph.local_partial`).

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> from symbackprop.spec import load_problem
    >>> graph = load_problem("sigmoid_chain").graph
    >>> nodes = {"w3", "h21", "a31", "yhat1", "L"}              # the paths from w3 and h21
    >>> for node, _, expression in adjoint_sweep(graph, nodes, "L",
    ...                                          name=lambda n: symbol("delta_" + n)):
    ...     print(node, expression)
    yhat1 -2*y1 + 2*yhat1
    a31 delta_yhat1*yhat1*(1 - yhat1)
    h21 delta_a31*w3
    w3 delta_a31*h21
    >>> [expression for node, _, expression in adjoint_sweep(graph, nodes, "L")][-1]
    h21*yhat1*(1 - yhat1)*(-2*y1 + 2*yhat1)
    """
    children = children_on_paths(graph, on_paths)
    delta: dict[str, sympy.Expr] = {of: sympy.S.One}
    for node in reversed(graph.order):
        if node not in on_paths or node == of:
            continue
        contributions = tuple((c, graph.local_partial(node, c)) for c in children[node])
        products = [product(partial, delta[c]) for c, partial in contributions]
        expression = products[0] if len(products) == 1 else total(products)
        yield node, contributions, expression
        stand_in = None if name is None else name(node)
        delta[node] = expression if stand_in is None else stand_in
