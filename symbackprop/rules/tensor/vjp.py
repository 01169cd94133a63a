"""Symbolic reverse mode over one IR expression: the vector-Jacobian product of a node's
definition with respect to one of the nodes it reads, in textbook form.

:func:`vjp` walks the definition from its root, handing each operation's output adjoint to
the registry's textbook VJP of each argument that reads the node (``δA = δY Bᵀ`` ...), and
each elementwise function's to sympy: the partial derivative of its scalar expression with
respect to the slot, with the node's own definition written as the node (so ``H = tanh(Z)``
gives ``δZ = δH*(1 - H**2)`` and ``P = sigmoid(Z)`` gives ``δP*P*(1 - P)``), summed back to
the argument's shape where it was broadcast (a bias's ``δb = 1ᵀ δZ``).  Every piece goes
through the :class:`~symbackprop.rules.tensor.build.Builder`, which simplifies as it builds
(identity ``sum_to``, ``⊙ 1``, constants collected outside).

Examples
--------
>>> from symbackprop.rules.tensor.expr import Adj, Ref
>>> from symbackprop.rules.tensor.grammar import parse_tensor_formula
>>> names = {"X": Ref("X", (4, 3)), "W": Ref("W", (3, 5)), "b": Ref("b", (5,))}
>>> Z = parse_tensor_formula("X @ W + b", names)
>>> g = Adj("Z", (4, 5))
>>> vjp(Z, "W", g), vjp(Z, "X", g), vjp(Z, "b", g)
(Op(X.T @ δZ, (3, 5)), Op(δZ @ W.T, (4, 3)), Op(sum_to(δZ, shape=(5,)), (5,)))
>>> H = parse_tensor_formula("tanh(Z)", {"Z": Ref("Z", (4, 5))})
>>> vjp(H, "Z", Adj("H", (4, 5)), out=Ref("H", (4, 5)))
Map(δH*(1 - H**2), (4, 5))
"""

from __future__ import annotations

import sympy

from ...errors import GraphError
from .build import Builder
from .expr import Adj, Map, Op, Ref, TExpr, slot_symbol
from .registry import OPS

__all__ = ["vjp"]


def vjp(definition: TExpr, wrt: str, adjoint: TExpr, out: Ref | None = None,
        builder: Builder | None = None) -> TExpr | None:
    """The VJP of ``definition`` with respect to the node ``wrt`` applied to ``adjoint`` (the
    adjoint of the definition's value): ``δwrt``'s contribution through it, an IR expression
    of ``wrt``'s shape, linear in ``adjoint``; ``None`` if the definition does not read
    ``wrt``.

    Parameters
    ----------
    definition : TExpr
        A node's definition (IR over ``Ref`` s of its parents).
    wrt : str
        The parent.
    adjoint : TExpr
        What the definition's output adjoint is: ``Adj(node)`` for an edge's VJP, or any
        expression of the definition's shape (a path's chain feeds in the adjoint before it).
    out : Ref, optional
        The node the definition defines: its textbook VJP names the node's own value
        (``P`` for ``P = softmax(Z)``, ``H`` in ``1 - H**2``) rather than recomputing it.

    Raises
    ------
    GraphError
        If ``wrt`` is read only through an argument that has no gradient (integer labels).

    Notes
    -----
    One walk of the definition's tree: O(its size) builder calls, each O(1) but sympy's
    ``diff`` of an elementwise expression.

    Examples
    --------
    >>> from symbackprop.rules.tensor.expr import Adj, Ref
    >>> from symbackprop.rules.tensor.grammar import parse_tensor_formula
    >>> x = Ref("x", (3,))
    >>> vjp(parse_tensor_formula("x * sum(x)", {"x": x}), "x", Adj("y", (3,)))
    Map(broadcast_to(sum_to(x*δy, shape=()), shape=(3,), axes=(0,)) + sum(x)*δy, (3,))
    """
    build = builder or Builder()
    terms = list(_back(build, definition, wrt, adjoint, out))
    if not terms:
        return None
    return build.add(*terms)


def _back(build: Builder, expr: TExpr, wrt: str, g: TExpr, out: Ref | None) -> list[TExpr]:
    """Every contribution to ``δwrt`` of ``expr`` whose output adjoint is ``g``; ``out`` is
    the node ``expr`` defines (only at the root)."""
    if wrt not in expr.refs:
        return []
    if isinstance(expr, Ref):
        return [g]
    if isinstance(expr, Map):
        return _back_map(build, expr, wrt, g, out)
    assert isinstance(expr, Op)
    spec = OPS[expr.name]
    found = []
    attrs = expr.attributes
    for i, arg in enumerate(expr.args):
        if wrt not in arg.refs:
            continue
        rule = spec.vjp(i)
        if rule is None:
            param = spec.params[min(i, len(spec.params) - 1)]
            raise GraphError(f"{expr}: {expr.name}'s argument {param} ({arg}) has no gradient, "
                             f"so {wrt} cannot be differentiated through it")
        contribution = rule(build, expr.args, attrs, out if out is not None else expr, g)
        found += _back(build, arg, wrt, contribution, None)
    return found


def _back_map(build: Builder, expr: Map, wrt: str, g: TExpr, out: Ref | None) -> list[TExpr]:
    found = []
    own = out.symbol if out is not None else None
    for slot, arg in expr.bindings.items():
        if wrt not in arg.refs:
            continue
        partial = sympy.diff(expr.expr, slot)
        if own is not None and not partial.is_Atom:
            partial = partial.xreplace({expr.expr: own})
        if partial == 0:
            continue
        bindings = dict(expr.bindings)
        g_slot = g.symbol if isinstance(g, Ref | Adj) else slot_symbol(len(bindings))
        bindings[g_slot] = g
        if own is not None and out is not None:
            bindings[own] = out
        local = build.map(g_slot * partial, list(bindings.items()))
        found += _back(build, arg, wrt, build.sum_to(local, arg.shape), None)
    return found
