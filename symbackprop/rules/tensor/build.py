"""Making IR: every :class:`~symbackprop.rules.tensor.expr.Op` and
:class:`~symbackprop.rules.tensor.expr.Map` the grammar and the VJPs build goes through a
:class:`Builder`, which validates it against the registry, computes its shape (refusing a
shape past the tensor limits before anything is allocated), and simplifies as it builds:

- an elementwise function of elementwise functions is one :class:`Map` (fused), its slots
  named canonically (``#0``, ``#1`` ... in order), a bare slot is its argument, and sympy
  collects the constants of the scalar expression (``δZ*1`` is ``δZ``);
- ``sum_to``, ``broadcast_to`` and ``reshape`` to the shape the argument has already are that
  argument, and a transpose of a transpose is one (or none);
- a constant factor of an argument an operation is linear in moves outside it
  (``(δY/4) @ Wᵀ`` is ``(δY @ Wᵀ)/4``), so constants collect on the outside.

Examples
--------
>>> from symbackprop.rules.tensor.expr import Ref
>>> b = Builder()
>>> X, W = Ref("X", (4, 3)), Ref("W", (3, 5))
>>> b.op("matmul", X, W)
Op(X @ W, (4, 5))
>>> b.ew(lambda x: 2 * x, b.ew(lambda x: x + 1, X))
Map(2*X + 2, (4, 3))
>>> b.op("sum_to", X, shape=(4, 3)) is X
True
>>> b.op("matmul", b.ew(lambda x: x / 4, X), W)
Map((X @ W)/4, (4, 5))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from ...limits import MAX_TENSOR_DIM, MAX_TENSOR_ENTRIES, MAX_TENSOR_RANK
from .expr import Adj, AttrValue, Map, Op, Ref, Shape, TExpr, format_shape, slot_symbol
from .opspec import ATTR_KINDS, Attr, ShapeError, broadcast_shapes
from .registry import OPS

__all__ = ["LAYOUT_OPS", "Builder", "check_shape"]

#: operations that move entries without computing: integer labels stay integers through them
LAYOUT_OPS = frozenset({"index", "reshape", "transpose", "concat", "slice"})


def check_shape(shape: Shape, where: str, what: str) -> None:
    """Refuse ``shape`` past :data:`~symbackprop.limits.MAX_TENSOR_RANK`,
    :data:`~symbackprop.limits.MAX_TENSOR_DIM` or
    :data:`~symbackprop.limits.MAX_TENSOR_ENTRIES`, from the shape alone (nothing is
    allocated): a ``SpecError`` naming ``where`` and ``what``.

    Examples
    --------
    >>> check_shape((64, 784), "f.toml: [tensor.inputs] X", "X")
    >>> check_shape((10**5, 10**5), "f.toml: [tensor.nodes] Z", "matmul")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f.toml: [tensor.nodes] Z: matmul has shape (100000, 100000): \
10,000,000,000 entries, more than the limit of 4,000,000 (entries of one tensor (a value in the \
file, a node, or any intermediate of a formula or of a gradient), checked from its shape before \
it is computed); to raise it, set SYMBACKPROP_MAX_TENSOR_ENTRIES
    """
    at = f"{where}: {what}" if where else what
    at += f" has shape {format_shape(shape)}"
    MAX_TENSOR_RANK.check(len(shape), at, "axes")
    for n in shape:
        MAX_TENSOR_DIM.check(n, at, "entries along one axis")
    MAX_TENSOR_ENTRIES.check(math.prod(shape), at, "entries")


class Builder:
    """Makes IR through the registry; ``where`` starts every error message (the node).

    Examples
    --------
    >>> from symbackprop.rules.tensor.expr import Ref
    >>> Builder("Z").op("matmul", Ref("X", (4, 3)), Ref("W", (5, 2)))
    Traceback (most recent call last):
        ...
    symbackprop.rules.tensor.opspec.ShapeError: Z: '@' (matmul) of shapes (4, 3) and (5, 2): \
the inner dimensions differ (3 and 5): A @ B needs A's last dimension equal to B's first (of \
its last two)
    """

    def __init__(self, where: str = "") -> None:
        self.where = where

    # -- operations --------------------------------------------------------------------------
    def op(self, name: str, *args: TExpr, **attrs: AttrValue) -> TExpr:
        """The operation ``name`` of the registry on ``args``, validated and simplified."""
        spec = OPS.get(name)
        if spec is None:
            raise ShapeError(self.where, f"unknown tensor operation {name!r}")
        count = len(spec.params)
        if (len(args) < 1) if spec.variadic else (len(args) != count):
            need = "at least 1" if spec.variadic else str(count)
            raise ShapeError(self.where, f"{name} takes {need} tensor argument(s), got "
                                         f"{len(args)}")
        values = self._attributes(name, spec.attrs, attrs)
        for param, arg in zip(spec.params, args, strict=False):
            if param in spec.int_params and arg.dtype != "int":
                raise ShapeError(self.where, f"{name}: {param} {arg} must hold integers "
                                             '(dtype = "int")')
        if spec.check is not None:
            spec.check(args, self.where)
        shape = spec.shape([a.shape for a in args], values, self.where)
        check_shape(shape, self.where, name)
        simpler = self._simplified(name, args, values, shape)
        if simpler is not None:
            return simpler
        for i in spec.linear:
            factor = _constant_factor(args[i])
            if factor is not None:
                inner = self.op(name, *args[:i], factor[1], *args[i + 1:], **attrs)
                return self.ew(lambda s, c=factor[0]: c * s, inner)
        int_out = name in LAYOUT_OPS and all(a.dtype == "int" for a in args)
        return Op(name, tuple(args), tuple(values.items()), shape, "int" if int_out else "float")

    def _attributes(self, name: str, allowed: Mapping[str, Attr],
                    given: Mapping[str, AttrValue]) -> dict[str, AttrValue]:
        values: dict[str, AttrValue] = {}
        for key in given:
            if key not in allowed:
                shown = ", ".join(allowed) or "none"
                raise ShapeError(self.where, f"{name}() has no attribute {key!r} (its "
                                             f"attributes: {shown})")
        for key, attr in allowed.items():
            if key not in given:
                if attr.required:
                    raise ShapeError(self.where, f"{name}() needs {key}=...")
                values[key] = attr.default
                continue
            value = given[key]
            if not _fits(attr, value):
                also = f" ({', '.join(attr.choices)})" if attr.choices else ""
                raise ShapeError(self.where, f"{name}(): {key}={value!r}: must be "
                                             f"{ATTR_KINDS[attr.kind]}{also}")
            values[key] = value
        return values

    def _simplified(self, name: str, args: Sequence[TExpr], attrs: Mapping[str, AttrValue],
                    shape: Shape) -> TExpr | None:
        first = args[0]
        if name in ("sum_to", "reshape") and first.shape == shape:
            return first
        if name == "broadcast_to" and first.shape == shape and not attrs["axes"]:
            return first
        if name == "transpose":
            perm = _permutation(attrs["axes"], len(first.shape))
            if isinstance(first, Op) and first.name == "transpose":
                inner = _permutation(first.attr("axes"), len(first.args[0].shape))
                perm = tuple(inner[p] for p in perm)
                first = first.args[0]
                if perm == tuple(range(len(perm))):
                    return first
                axes = None if perm == tuple(reversed(range(len(perm)))) else perm
                return self.op("transpose", first, axes=axes)
            if perm == tuple(range(len(perm))):
                return first
        return None

    def sum_to(self, expr: TExpr, shape: Shape) -> TExpr:
        """``expr`` summed down to ``shape`` (the unbroadcast); ``expr`` if it has it."""
        return self.op("sum_to", expr, shape=tuple(shape))

    # -- elementwise -------------------------------------------------------------------------
    def ew(self, function: Callable[..., Any], *args: TExpr, what: str = "elementwise") -> TExpr:
        """The elementwise function ``function`` (of one sympy symbol per argument) of
        ``args``, as one fused :class:`Map`; ``what`` names it in a message (``'+'``)."""
        slots = [_own_symbol(arg) or sympy.Dummy() for arg in args]
        return self.map(_sympy(function(*slots)), list(zip(slots, args, strict=True)), what)

    def map(self, expr: sympy.Expr, bindings: Sequence[tuple[sympy.Symbol, TExpr]],
            what: str = "elementwise") -> TExpr:
        """``expr`` over the slots of ``bindings``, fused, deduplicated and named canonically.

        The shape is the broadcast shape of every argument given, whether or not its slot
        survives sympy's simplification (``X - X`` keeps ``X``'s shape).
        """
        shape = broadcast_shapes([arg.shape for _, arg in bindings], self.where, what)
        check_shape(shape, self.where, "an elementwise expression" if what == "elementwise"
                    else repr(what))
        flat: list[tuple[sympy.Symbol, TExpr]] = []
        replace: dict[sympy.Symbol, sympy.Expr] = {}
        for slot, arg in bindings:
            if isinstance(arg, Map):
                fresh = {s: _own_symbol(a) or sympy.Dummy() for s, a in arg.bindings.items()}
                replace[slot] = arg.expr.xreplace(fresh)
                flat += [(fresh[s], a) for s, a in arg.bindings.items()]
            else:
                flat.append((slot, arg))
        expr = expr.xreplace(replace) if replace else expr
        canonical: dict[sympy.Symbol, sympy.Symbol] = {}
        chosen: dict[TExpr, sympy.Symbol] = {}
        for slot, arg in flat:
            own = _own_symbol(arg)
            target = own if own is not None else chosen.setdefault(arg, slot)
            if target is not slot:
                canonical[slot] = target
        expr = expr.xreplace(canonical) if canonical else expr
        used = expr.free_symbols
        kept: dict[sympy.Symbol, TExpr] = {}
        for slot, arg in flat:
            symbol = canonical.get(slot, slot)
            if symbol in used and symbol not in kept:
                kept[symbol] = arg
        numbering = {s: slot_symbol(i) for i, s in enumerate(
            s for s, a in kept.items() if _own_symbol(a) is None)}
        expr = expr.xreplace(numbering) if numbering else expr
        slots = tuple(numbering.get(s, s) for s in kept)
        arguments = tuple(kept.values())
        if expr.is_Symbol and len(arguments) == 1 and arguments[0].shape == shape:
            return arguments[0]
        return Map(expr, slots, arguments, shape)

    def add(self, *terms: TExpr) -> TExpr:
        """The elementwise sum of ``terms`` (one term is itself)."""
        if len(terms) == 1:
            return terms[0]
        return self.ew(lambda *s: sympy.Add(*s), *terms)


def _own_symbol(arg: TExpr) -> sympy.Symbol | None:
    """The symbol that always stands for ``arg`` in a Map (a node's or an adjoint's)."""
    return arg.symbol if isinstance(arg, Ref | Adj) else None


def _sympy(value: Any) -> sympy.Expr:
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"an elementwise function returned {type(value).__name__}")
    return sympy.Integer(value) if isinstance(value, int) else sympy.Float(value)


def _constant_factor(arg: TExpr) -> tuple[sympy.Expr, TExpr] | None:
    """``(c, x)`` when ``arg`` is the Map ``c * x`` for a number ``c`` other than 1."""
    if not isinstance(arg, Map) or len(arg.args) != 1:
        return None
    coefficient, rest = arg.expr.as_coeff_Mul()
    if rest != arg.slots[0] or coefficient == 1 or arg.shape != arg.args[0].shape:
        return None
    return coefficient, arg.args[0]


def _permutation(axes: AttrValue, rank: int) -> tuple[int, ...]:
    if axes is None:
        return tuple(reversed(range(rank)))
    assert isinstance(axes, tuple)
    return tuple(a % rank for a in axes)


def _fits(attr: Attr, value: AttrValue) -> bool:
    def whole(v: Any) -> bool:
        return isinstance(v, int | np.integer) and not isinstance(v, bool)

    kind = attr.kind
    if kind == "int":
        return whole(value)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "number":
        return not isinstance(value, bool) and isinstance(value, int | float)
    if kind == "mode":
        return value in attr.choices
    if kind in ("ints", "axis"):
        if value is None:
            return kind == "axis" or attr.default is None
        return whole(value) or (isinstance(value, tuple) and all(whole(v) for v in value))
    if kind in ("shape", "axes"):
        return (value is None and kind == "axes") or (
            isinstance(value, tuple) and all(whole(v) for v in value))
    return False
