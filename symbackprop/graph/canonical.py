"""Sums and products of symbols built directly in sympy's canonical form, and the graph's
node order computed directly.

sympy's ``Add`` and ``Mul`` flatten their arguments and sort them with ``Basic.compare``; for
the shapes a layered network is made of (a weight times an activation, a sum of such products
and a bias, an adjoint's sum of weights times deltas) the result is known in advance, and
building it directly costs a fraction of the general constructors.  Each function here returns
exactly the expression sympy would (arguments in the same order: printing depends on it) and
hands every other shape to sympy.  :func:`natural_topological_order` is networkx's
lexicographical topological sort with the natural key, on integer ranks.

Examples
--------
>>> from symbackprop.naming import symbol
>>> w, h, b = symbol("w_2_1_1"), symbol("h_1_1"), symbol("b_2_1")
>>> total([product(w, h), b]) == sympy.Add(sympy.Mul(w, h), b)
True
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Any

import sympy
from sympy.core.basic import _args_sortkey

from ..naming import natural_key

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["natural_topological_order", "product", "total"]


def product(left: sympy.Expr, right: sympy.Expr) -> sympy.Expr:
    """``left * right``, the same expression as sympy's ``Mul``, made directly for two distinct
    symbols (a weight times an activation, an activation times a delta): their canonical
    product is the two sorted by sympy's own argument order, and a general ``Mul`` costs
    several times more (a [64, 64, 64, 10] network makes 8,832 of them, its sweep as many).

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> w, h = symbol("w_2_1_1"), symbol("h_1_1")
    >>> product(w, h), product(w, h) == sympy.Mul(w, h), product(2, h)
    (h_1_1*w_2_1_1, True, 2*h_1_1)
    """
    if type(left) is sympy.Symbol and type(right) is sympy.Symbol and left.name != right.name \
            and left._assumptions0 == right._assumptions0:
        # Basic.compare of two such symbols is the order of their names
        pair = (left, right) if left.name < right.name else (right, left)
        return sympy.Mul._from_args(pair, True)
    if isinstance(left, sympy.Symbol) and isinstance(right, sympy.Symbol) and left != right:
        return sympy.Mul._from_args(sorted((left, right), key=_args_sortkey), True)
    return sympy.Mul(left, right)


def total(terms: list[sympy.Expr]) -> sympy.Expr:
    """``sympy.Add(*terms)`` for distinct products of two symbols and lone symbols (a
    pre-activation ``sum_k w_k h_k + b``, an adjoint ``sum_c w_c delta_c``), made directly: no
    two such terms combine and none is a number, so sympy's canonical sum is the terms sorted
    by its own argument order (``Basic.compare``, which for these reduces to a key on names),
    and the general ``Add`` costs several times more (a [64, 64, 64, 10] network has 138 such
    sums of up to 65 terms in its graph and 128 more in its sweep).  Anything else goes
    through ``Add``.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> w, h, b = symbol("w_2_1_1"), symbol("h_1_1"), symbol("b_2_1")
    >>> total([w * h, b]), total([w * h, b]).args == sympy.Add(w * h, b).args
    (b_2_1 + h_1_1*w_2_1_1, True)
    """
    keys = _order_keys(terms) if len(terms) > 1 else None
    if keys is not None:
        order = sorted(range(len(terms)), key=keys.__getitem__)
        return sympy.Add._from_args([terms[i] for i in order], True)
    return sympy.Add(*terms)


def _order_keys(terms: list[sympy.Expr]) -> list[tuple[int, tuple[str, ...]]] | None:
    """Keys in ``Basic.compare``'s order for distinct plain symbols and products of two, all
    with the same assumptions (a Symbol before a Mul, then the names: a Mul's args are its
    sorted factors), or ``None`` for any other terms."""
    keys: list[tuple[int, tuple[str, ...]]] = []
    assumptions: set[tuple[Any, ...]] = set()
    for term in terms:
        if type(term) is sympy.Symbol:
            keys.append((0, (term.name,)))
            assumptions.add(term._assumptions0)
        elif type(term) is sympy.Mul and len(term.args) == 2 and all(
                type(arg) is sympy.Symbol for arg in term.args):
            keys.append((1, tuple(arg.name for arg in term.args)))
            assumptions.update(arg._assumptions0 for arg in term.args)
        else:
            return None
    return keys if len(assumptions) == 1 and len(set(keys)) == len(keys) else None


def natural_topological_order(graph: nx.DiGraph) -> tuple[str, ...]:
    """``nx.lexicographical_topological_sort(graph, key=natural_key)``, the nodes of a cycle
    left out (so a short result means a cycle).

    The same heap walk (Kahn's algorithm, the ready node of least key first), with each node's
    key ``(natural_key(name), position in graph)`` replaced by its rank in that order: integers
    compare faster than tuples of tuples, and a [64, 64, 64, 10] network has 9,321 nodes.

    Examples
    --------
    >>> import networkx as nx
    >>> graph = nx.DiGraph([("x_10", "a"), ("x_2", "a"), ("b", "a")])
    >>> natural_topological_order(graph)
    ('b', 'x_2', 'x_10', 'a')
    """
    ranked = sorted(enumerate(graph), key=lambda pair: (natural_key(pair[1]), pair[0]))
    rank = {name: i for i, (_, name) in enumerate(ranked)}
    names = [name for _, name in ranked]
    waiting = {v: d for v, d in graph.in_degree() if d > 0}
    ready = [rank[v] for v, d in graph.in_degree() if d == 0]
    heapq.heapify(ready)
    successors = graph.succ
    order = []
    while ready:
        node = names[heapq.heappop(ready)]
        order.append(node)
        for child in successors[node]:
            waiting[child] -= 1
            if not waiting[child]:
                del waiting[child]
                heapq.heappush(ready, rank[child])
    return tuple(order)
