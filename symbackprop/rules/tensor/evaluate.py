"""Numbers for IR: :func:`evaluate` computes any expression (a forward definition or a VJP)
from the values of the nodes and adjoints it reads, in numpy float64, or on object arrays
of sympy expressions (``backend=OBJECT``, for the lowering to scalars).

A :class:`~symbackprop.rules.tensor.expr.Map` is compiled once per distinct scalar
expression (``sympy.lambdify`` with the package's numeric functions, dummified) and run on
whole arrays; an :class:`~symbackprop.rules.tensor.expr.Op` runs its registry forward pass.

Examples
--------
>>> import numpy as np
>>> from symbackprop.rules.tensor.build import Builder
>>> from symbackprop.rules.tensor.expr import Ref
>>> b = Builder()
>>> X, W = Ref("X", (2, 2)), Ref("W", (2, 2))
>>> H = b.ew(lambda z: z**2, b.op("matmul", X, W))
>>> evaluate(H, {"X": np.eye(2), "W": np.array([[1.0, 2.0], [3.0, 4.0]])})
array([[ 1.,  4.],
       [ 9., 16.]])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from ...errors import DomainError
from ..functions import numeric_namespace, shielded
from .backend import NUMPY, Backend
from .expr import Adj, Map, Op, Ref, TExpr, format_shape
from .registry import OPS

__all__ = ["evaluate", "evaluate_many"]

_COMPILED: dict[tuple[sympy.Expr, tuple[sympy.Symbol, ...]], Callable[..., Any]] = {}


def evaluate(expr: TExpr, values: Mapping[str, Any],
             adjoints: Mapping[str, Any] | None = None, *, backend: Backend = NUMPY) -> Any:
    """The value of ``expr``: an array of its shape.

    Parameters
    ----------
    expr : TExpr
    values : mapping of str to array
        The value of every node ``expr`` reads (:class:`Ref`).
    adjoints : mapping of str to array, optional
        The value of every adjoint ``expr`` reads (:class:`Adj`).
    backend : Backend
        :data:`~symbackprop.rules.tensor.backend.NUMPY` (float64) or
        :data:`~symbackprop.rules.tensor.backend.OBJECT` (arrays of sympy expressions).

    Raises
    ------
    DomainError
        If numpy's arithmetic gives an infinite or undefined number (a log of 0, an overflow).

    Notes
    -----
    Each distinct subexpression is computed once per call (equal subtrees are one).

    Examples
    --------
    >>> import numpy as np, sympy
    >>> from symbackprop.rules.tensor.backend import OBJECT
    >>> from symbackprop.rules.tensor.build import Builder
    >>> from symbackprop.rules.tensor.expr import Ref
    >>> s = Builder().op("sum", Ref("x", (2,)))
    >>> a, c = sympy.symbols("a c")
    >>> evaluate(s, {"x": np.array([a, c], dtype=object)}, backend=OBJECT)
    array(a + c, dtype=object)
    """
    return evaluate_many([expr], values, adjoints, backend=backend)[0]


def evaluate_many(exprs: Sequence[TExpr], values: Mapping[str, Any],
                  adjoints: Mapping[str, Any] | None = None, *,
                  backend: Backend = NUMPY) -> list[Any]:
    """The values of several expressions that may share subexpressions, each computed once.

    Examples
    --------
    >>> import numpy as np
    >>> from symbackprop.rules.tensor.build import Builder
    >>> from symbackprop.rules.tensor.expr import Ref
    >>> b, x = Builder(), Ref("x", (3,))
    >>> p = b.op("softmax", x)
    >>> total, first = evaluate_many([b.op("sum", p), b.op("index", p, indices=(0,))],
    ...                              {"x": np.zeros(3)})
    >>> float(total), round(float(first), 4)
    (1.0, 0.3333)
    """
    run = _Run(values, adjoints or {}, backend)
    with np.errstate(divide="raise", over="raise", invalid="raise", under="ignore"):
        try:
            return [run(expr) for expr in exprs]
        except FloatingPointError as err:
            raise DomainError(f"{run.current}: numpy cannot compute it at these values "
                              f"({err})") from None  # str() only now: it is not cheap


class _Run:
    def __init__(self, values: Mapping[str, Any], adjoints: Mapping[str, Any],
                 backend: Backend) -> None:
        self.values, self.adjoints, self.backend = values, adjoints, backend
        self.memo: dict[TExpr, Any] = {}
        self.current: TExpr | None = None

    def __call__(self, expr: TExpr) -> Any:
        found = self.memo.get(expr)
        if found is None:
            found = self.memo[expr] = self._compute(expr)
        return found

    def _compute(self, expr: TExpr) -> Any:
        if isinstance(expr, Ref):
            return self._given(self.values, expr.name, expr.shape, "node")
        if isinstance(expr, Adj):
            return self._given(self.adjoints, expr.name, expr.shape, "adjoint")
        args = [self(arg) for arg in expr.args]
        self.current = expr
        if isinstance(expr, Op):
            value = OPS[expr.name].forward(self.backend, args, expr.attributes)
        else:
            value = self._map(expr, args)
        value = self.backend.asarray(value)
        if value.shape != expr.shape:
            value = np.broadcast_to(value, expr.shape).copy()
        return value

    def _given(self, table: Mapping[str, Any], name: str, shape: tuple[int, ...],
               what: str) -> Any:
        if name not in table:
            raise KeyError(f"no value for the {what} {name!r}")
        value = table[name]
        if np.shape(value) != shape:
            raise ValueError(f"the value of the {what} {name!r} has shape "
                             f"{format_shape(np.shape(value))}, not {format_shape(shape)}")
        return value

    def _map(self, expr: Map, args: list[Any]) -> Any:
        if self.backend.is_numeric:
            function = _compiled(expr.expr, expr.slots)
            arrays = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in args))
            return function(*arrays)
        if not args:
            return np.asarray(expr.expr, dtype=object)
        substitute = np.frompyfunc(lambda *entries: expr.expr.xreplace(
            dict(zip(expr.slots, entries, strict=True))), len(args), 1)
        return substitute(*(np.asarray(a, dtype=object) for a in args))


def _compiled(expr: sympy.Expr, slots: tuple[sympy.Symbol, ...]) -> Callable[..., Any]:
    key = (expr, slots)
    found = _COMPILED.get(key)
    if found is None:
        args, safe = shielded(slots, expr)
        found = _COMPILED[key] = sympy.lambdify(args, safe, modules=numeric_namespace(),
                                                dummify=True)
    return found
