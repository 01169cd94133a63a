r"""The pieces a tensor-level page adds to the page model (:mod:`symbackprop.render.model`):
its formulas, tensor expressions with their operands' shapes (:class:`TensorFormula`), and its
left sides, an adjoint (:class:`Adjoint`), an edge's VJP (:class:`Vjp`) and a tensor itself
(:class:`Value`).  Format-free, as the rest of the model.

Examples
--------
>>> Adjoint("W1", share=True), Vjp("Z1", "H1"), Value("Z1")
(δW1 +=, VJP(Z1 → H1), Z1)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..rules.tensor.expr import TExpr

__all__ = ["Adjoint", "TensorFormula", "Value", "Vjp"]


@dataclass(frozen=True)
class Adjoint:
    """A tensor's adjoint ``δnode = ∂output/∂node`` (a tensor page); ``share``: the part one
    path adds to it (``δW1 +=``, a step of a :class:`Chain`); ``path``: path ``path``'s whole
    contribution to it.

    Examples
    --------
    >>> Adjoint("W1"), Adjoint("W1", share=True), Adjoint("W1", path=2)
    (δW1, δW1 +=, δW1 (path 2))
    """

    node: str
    share: bool = False
    path: int | None = None

    def __repr__(self) -> str:
        where = f" (path {self.path})" if self.path is not None else ""
        return f"δ{self.node}{' +=' if self.share else ''}{where}"


@dataclass(frozen=True)
class Vjp:
    """The vector-Jacobian product of the edge ``parent -> child`` applied to ``δchild``: the
    edge's share of ``δparent`` (a tensor page's local VJPs).

    Examples
    --------
    >>> Vjp("Z1", "H1")
    VJP(Z1 → H1)
    """

    parent: str
    child: str

    def __repr__(self) -> str:
        return f"VJP({self.parent} → {self.child})"


@dataclass(frozen=True)
class Value:
    """A tensor itself (a left side of the forward pass).

    Examples
    --------
    >>> Value("Z1")
    Z1
    """

    node: str

    def __repr__(self) -> str:
        return self.node


@dataclass(frozen=True)
class TensorFormula:
    """A tensor expression (IR): the sum of ``terms`` (one or more), and the ``operands``
    whose shapes are shown beside it (none: no shapes).  With no terms the formula is left
    out: it has ``omitted`` nodes of IR, too many to write.

    Examples
    --------
    >>> from symbackprop.rules.tensor.build import Builder
    >>> from symbackprop.rules.tensor.expr import Adj, Ref
    >>> X, dZ = Ref("X", (4, 3)), Adj("Z", (4, 5))
    >>> step = Builder().op("matmul", Builder().op("transpose", X), dZ)
    >>> TensorFormula((step,), (step.args[0], dZ))
    TensorFormula(X.T @ δZ; X.T (3, 4), δZ (4, 5))
    """

    terms: tuple[TExpr, ...]
    operands: tuple[TExpr, ...] = ()
    omitted: int = 0

    def __repr__(self) -> str:
        shown = " + ".join(map(str, self.terms)) or f"{self.omitted:,} nodes, left out"
        shapes = ", ".join(f"{o} {tuple(o.shape)}" for o in self.operands)
        return f"TensorFormula({shown}{'; ' + shapes if shapes else ''})"
