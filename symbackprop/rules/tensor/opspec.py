"""What the registry holds for each operation, and the helpers its shape rules share.

An :class:`OpSpec` is one row of the registry (:data:`symbackprop.rules.tensor.registry.OPS`):
the operation's tensor arguments, its attributes (each an :class:`Attr`: kind and default,
validated; an unknown one is refused), its shape rule, its forward pass (one function for
numpy arrays and for object arrays of sympy expressions, given an array namespace,
:class:`~symbackprop.rules.tensor.backend.Backend`), its textbook vector-Jacobian product
per argument (a function of a :class:`Builder`, the arguments, the attributes, the output
and the output's adjoint, returning IR linear in that adjoint; ``None`` for an argument that
is not differentiable, such as integer labels), and its notation class for printers.

Notation classes (``OpSpec.notation``), for the textbook printers:

- ``"infix"``: ``A @ B``, printed by juxtaposition ``A B`` (``matmul``);
- ``"postfix"``: ``Xᵀ`` (``transpose`` with its default axes), ``X[i]`` (``index``);
- ``"reduction"``: a function with the reduced axes as a subscript: ``Σ_0 X``, ``mean_0 X``
  (``sum``, ``mean``, ``max``, ``var``), and ``sum_to``, printed ``1ᵀ δZ`` when it sums the
  leading axis of a matrix;
- ``"axis"``: a function with its axis as a subscript, ``softmax_1(Z)``;
- ``"call"``: a function of its arguments, attributes after a semicolon, ``conv2d(X, W; s=2)``.

Examples
--------
>>> broadcast_shapes([(4, 3), (3,)], "Z1", "+")
(4, 3)
>>> normalize_axes(-1, 2, "sum", "Z1"), normalize_axes(None, 3, "sum", "Z1")
((1,), (0, 1, 2))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import sympy

from ...errors import FormulaError
from .expr import AttrValue, Shape, TExpr, format_shape

__all__ = [
    "ATTR_KINDS",
    "Attr",
    "Builder",
    "OpSpec",
    "ShapeError",
    "Vjp",
    "broadcast_shapes",
    "normalize_axes",
    "reduced_shape",
]


class ShapeError(FormulaError):
    """An operation's operands do not fit: the message names where (the node), the operation
    and the shapes.  :attr:`problem` is the message without ``where``, for a caller that
    says where itself (the grammar adds the formula and the column).

    Examples
    --------
    >>> try:
    ...     broadcast_shapes([(4, 3), (4,)], "Z1", "+")
    ... except ShapeError as err:
    ...     print(err)
    Z1: '+' cannot broadcast shapes (4, 3) and (4,) (numpy's rule: trailing dimensions must be \
equal or 1)
    """

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
        self.where = where
        self.problem = problem


#: the kinds of attribute value, and what a message says each must be
ATTR_KINDS: Mapping[str, str] = {
    "int": "a whole number",
    "ints": "a whole number or a tuple of whole numbers such as (2, 2)",
    "axis": "an axis (a whole number, negative from the end), a tuple of axes, or None",
    "axes": "a tuple of axes such as (1, 0), or None",
    "number": "a number",
    "bool": "True or False",
    "shape": "a tuple of whole numbers such as (4, -1)",
    "mode": "one of the names listed",
}


@dataclass(frozen=True)
class Attr:
    """One attribute of an operation: its kind (:data:`ATTR_KINDS`), its default, and for a
    ``"mode"`` the names it may take.

    Examples
    --------
    >>> Attr("bool", False)
    Attr(bool = False)
    """

    kind: str
    default: AttrValue = None
    choices: tuple[str, ...] = ()
    required: bool = False

    def __repr__(self) -> str:
        return f"Attr({self.kind} = {self.default!r})"


@runtime_checkable
class Builder(Protocol):
    """What a VJP rule builds its IR with (:class:`symbackprop.rules.tensor.build.Builder`
    is the implementation); rules receive it rather than import it, so that the registry and
    the builder that reads the registry are not a cycle.

    Examples
    --------
    >>> from symbackprop.rules.tensor.build import Builder as Impl
    >>> isinstance(Impl(), Builder)
    True
    """

    def op(self, name: str, *args: TExpr, **attrs: AttrValue) -> TExpr: ...

    def ew(self, function: Callable[..., sympy.Expr], *args: TExpr,
           what: str = "elementwise") -> TExpr: ...

    def sum_to(self, expr: TExpr, shape: Shape) -> TExpr: ...

    def add(self, *terms: TExpr) -> TExpr: ...


Vjp = Callable[[Builder, tuple[TExpr, ...], Mapping[str, AttrValue], TExpr, TExpr], TExpr]
"""A textbook VJP for one argument: ``(builder, args, attrs, out, g) -> δarg``."""

ShapeRule = Callable[[Sequence[Shape], Mapping[str, AttrValue], str], Shape]
"""``(argument shapes, attributes, where) -> output shape``, or :class:`ShapeError`."""

Forward = Callable[[Any, Sequence[Any], Mapping[str, AttrValue]], Any]
"""``(array namespace, argument values, attributes) -> value``."""


@dataclass(frozen=True)
class OpSpec:
    """One operation of the registry.

    Attributes
    ----------
    name : str
    params : tuple of str
        The tensor arguments' names, in order (``("logits", "labels")``); ``variadic``: the
        last one repeats (``concat``).
    attrs : mapping of str to Attr
        The attributes, in the order they may also be given positionally after the tensors.
    shape : ShapeRule
    forward : Forward
    vjps : tuple of (Vjp or None)
        The textbook VJP of each argument; ``None`` where the argument is not differentiable.
    notation : str
        How printers write it (the module's list).
    summary : str
        One line for documentation and messages.
    linear : tuple of int
        The arguments in which the operation is linear (both of ``matmul``, the one of
        ``sum`` or ``reshape``): a scalar factor of such an argument may be taken out of the
        operation, which is how the builder collects constants.
    backward_only : bool
        Made only by VJPs (``sum_to``, ``onehot`` ...), never by a formula.
    variadic : callable or None
        For an operation of any number of arguments (``concat``): the VJP of argument ``i``,
        made for each ``i`` (``vjps`` is then empty).
    int_params : tuple of str
        The arguments that must hold integers (labels, indices).
    check : callable or None
        A check of the arguments beyond their shapes (``cross_entropy``: labels of a class
        index's shape must be integers), raising :class:`ShapeError`.

    Examples
    --------
    >>> from symbackprop.rules.tensor.registry import OPS
    >>> OPS["softmax"]
    OpSpec(softmax(x; axis=-1), axis)
    """

    name: str
    params: tuple[str, ...]
    attrs: Mapping[str, Attr]
    shape: ShapeRule
    forward: Forward
    vjps: tuple[Vjp | None, ...]
    notation: str = "call"
    summary: str = ""
    linear: tuple[int, ...] = ()
    backward_only: bool = False
    variadic: Callable[[int], Vjp] | None = None
    int_params: tuple[str, ...] = ()
    check: Callable[[Sequence[TExpr], str], None] | None = None

    def vjp(self, index: int) -> Vjp | None:
        """The VJP rule of argument ``index`` (``None``: not differentiable).

        Examples
        --------
        >>> from symbackprop.rules.tensor.registry import OPS
        >>> OPS["matmul"].vjp(0).__name__, OPS["nll"].vjp(1)
        ('_matmul_a', None)
        """
        if self.variadic is not None:
            return self.variadic(index)
        return self.vjps[index]

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v.default!r}" for k, v in self.attrs.items())
        rest = f"; {shown}" if shown else ""
        return f"OpSpec({self.name}({', '.join(self.params)}{rest}), {self.notation})"


def broadcast_shapes(shapes: Sequence[Shape], where: str, what: str) -> Shape:
    """numpy's broadcasting of ``shapes``, or :class:`ShapeError` naming ``where`` (the node)
    and ``what`` (the operation) and the shapes.

    Notes
    -----
    O(rank) arithmetic on the shapes; nothing is allocated.

    Examples
    --------
    >>> broadcast_shapes([(4, 1), (5,), ()], "Z", "+")
    (4, 5)
    """
    rank = max((len(s) for s in shapes), default=0)
    result = []
    for axis in range(rank):
        sizes = {s[len(s) - rank + axis] for s in shapes if len(s) - rank + axis >= 0}
        sizes.discard(1)
        if len(sizes) > 1:
            shown = " and ".join(format_shape(s) for s in shapes)
            raise ShapeError(where, f"{what!r} cannot broadcast shapes {shown} (numpy's rule: "
                             "trailing dimensions must be equal or 1)")
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def normalize_axes(axis: AttrValue, rank: int, op: str, where: str) -> tuple[int, ...]:
    """``axis`` (an int, a tuple of ints or ``None`` for every axis) as sorted non-negative
    axes of a tensor of ``rank``, or :class:`ShapeError`.

    Examples
    --------
    >>> normalize_axes((0, -1), 3, "mean", "Y")
    (0, 2)
    >>> normalize_axes(2, 2, "sum", "Y")
    Traceback (most recent call last):
        ...
    symbackprop.rules.tensor.opspec.ShapeError: Y: sum: axis 2 is out of range for a tensor of \
rank 2
    """
    if axis is None:
        return tuple(range(rank))
    axes = axis if isinstance(axis, tuple) else (axis,)
    found = []
    for a in axes:
        if not isinstance(a, int) or isinstance(a, bool) or not -rank <= a < rank:
            raise ShapeError(where, f"{op}: axis {a} is out of range for a tensor of rank "
                             f"{rank}")
        found.append(a % rank)
    if len(set(found)) < len(found):
        raise ShapeError(where, f"{op}: axis {axis} repeats an axis")
    return tuple(sorted(found))


def reduced_shape(shape: Shape, axes: tuple[int, ...], keepdims: bool) -> Shape:
    """``shape`` with ``axes`` reduced: dropped, or kept as 1 with ``keepdims``.

    Examples
    --------
    >>> reduced_shape((4, 3), (0,), False), reduced_shape((4, 3), (1,), True)
    ((3,), (4, 1))
    """
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)
