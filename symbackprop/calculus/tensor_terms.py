"""The parts of a tensor derivation: one edge's VJP in a path's chain, a path's contribution,
a node's adjoint.  Plain frozen data, made by
:func:`~symbackprop.calculus.tensor_derivation.tensor_derive` and
:func:`~symbackprop.calculus.tensor_sweep.tensor_gradients`, read by whatever shows or checks
them.

Every expression is IR (:mod:`symbackprop.rules.tensor.expr`); every value a numpy array of
its node's shape (``None`` when the derivation had no numbers).  A ``repr`` shows a large
array by its shape and its Frobenius norm.

Examples
--------
>>> import numpy as np
>>> from symbackprop.rules.tensor.expr import Adj, Ref
>>> from symbackprop.rules.tensor.build import Builder
>>> step = VJPStep("W", "Z", Builder().op("matmul", Builder().op("transpose", Ref("X", (4, 3))),
...                                      Adj("Z", (4, 2))), np.ones((3, 2)))
>>> step, [str(o) for o in step.operands]
(VJPStep(δW += X.T @ δZ: (3, 2) = (3, 4)(4, 2)), ['X.T', 'δZ'])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..rules.tensor.expr import Map, Op, Shape, TExpr, format_shape
from .paths import Path

__all__ = ["TensorAdjoint", "TensorTerm", "VJPStep", "describe_value"]


def describe_value(value: np.ndarray | None) -> str:
    """A value as a ``repr`` shows it: a scalar's number, else its shape and Frobenius norm.

    Examples
    --------
    >>> describe_value(np.array(0.25)), describe_value(np.full((2, 2), 0.5)), describe_value(None)
    ('0.25', '(2, 2), ‖·‖ = 1', 'no value')
    """
    if value is None:
        return "no value"
    if value.shape == ():
        return f"{float(value):.10g}"
    return f"{format_shape(value.shape)}, ‖·‖ = {float(np.linalg.norm(value)):.10g}"


@dataclass(frozen=True, eq=False)
class VJPStep:
    """One edge ``parent -> child`` of a path, backwards: the VJP that takes ``δchild`` to
    ``parent``'s share, and (with numbers) this path's partial adjoint at ``parent``, the
    chain applied from the output down to here.

    Attributes
    ----------
    parent, child : str
    expression : TExpr
        The edge's VJP, an IR expression of ``parent``'s shape linear in ``δchild``
        (:meth:`symbackprop.graph.tensor.TensorGraph.edge_vjp`).
    value : numpy array or None

    Examples
    --------
    >>> from symbackprop.rules.tensor.expr import Adj
    >>> VJPStep("H", "L", Adj("L", ())).shape
    ()
    """

    parent: str
    child: str
    expression: TExpr
    value: np.ndarray | None = None

    @property
    def shape(self) -> Shape:
        """The parent's shape (the VJP's)."""
        return self.expression.shape

    @property
    def operands(self) -> tuple[TExpr, ...]:
        """The operands of the VJP's outermost operation (each with its ``shape``): ``Xᵀ``
        and ``δZ`` of ``Xᵀ δZ``; the expression itself when it is a node or an adjoint."""
        if isinstance(self.expression, Op | Map):
            return self.expression.args
        return (self.expression,)

    def __repr__(self) -> str:
        shapes = "".join(format_shape(o.shape) for o in self.operands)
        return (f"VJPStep(δ{self.parent} += {self.expression}: {format_shape(self.shape)} = "
                f"{shapes})")


@dataclass(frozen=True, eq=False)
class TensorTerm:
    """One path's contribution to the gradient: its VJP steps in chain-rule order (the
    output end first) and, with numbers, the chain applied to ``δL = 1``, a tensor of
    ``wrt``'s shape.

    Examples
    --------
    >>> from symbackprop.rules.tensor.expr import Adj
    >>> TensorTerm(Path(("H", "L")), (VJPStep("H", "L", Adj("L", ())),), np.array(2.0))
    TensorTerm(H -> L = 2)
    """

    path: Path
    steps: tuple[VJPStep, ...]
    value: np.ndarray | None = None

    def __repr__(self) -> str:
        value = "" if self.value is None else f" = {describe_value(self.value)}"
        return f"TensorTerm({self.path}{value})"


@dataclass(frozen=True, eq=False)
class TensorAdjoint:
    """The adjoint of one node, ``δnode = d of / d node``, defined once from its children's:
    the sum over each child ``c`` on a path to ``of`` of the edge's VJP applied to ``δc``.

    Attributes
    ----------
    node : str
    contributions : tuple of (str, TExpr)
        ``(c, VJP_{node -> c}(δc))`` for each child on a path, in topological order; none for
        ``of``, whose adjoint is 1.
    expression : TExpr
        Their sum (an IR expression over the children's adjoints).
    value : numpy array or None

    Examples
    --------
    >>> from symbackprop.rules.tensor.expr import Adj
    >>> TensorAdjoint("H", (("L", Adj("L", ())),), Adj("L", ()), np.array(1.0))
    TensorAdjoint(δH = δL = 1)
    """

    node: str
    contributions: tuple[tuple[str, TExpr], ...]
    expression: TExpr
    value: np.ndarray | None = None

    @property
    def shape(self) -> Shape:
        return self.expression.shape

    def __repr__(self) -> str:
        value = "" if self.value is None else f" = {describe_value(self.value)}"
        return f"TensorAdjoint(δ{self.node} = {self.expression}{value})"
