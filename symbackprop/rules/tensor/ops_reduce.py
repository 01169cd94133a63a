"""The registry's reductions: ``sum``, ``mean``, ``max``, ``var`` over axes, and the
backward-only ``sum_to`` (the unbroadcast: a bias's ``δb = 1ᵀ δZ``), ``broadcast_to`` and
``max_mask``.

Examples
--------
>>> [spec.name for spec in REDUCE_OPS]
['sum', 'mean', 'max', 'var', 'sum_to', 'broadcast_to', 'max_mask']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .expr import AttrValue, Shape, TExpr, format_shape
from .opspec import Attr, Builder, OpSpec, ShapeError, normalize_axes, reduced_shape

__all__ = ["REDUCE_OPS", "reduction_axes", "unbroadcast_axes"]

Attrs = Mapping[str, AttrValue]


def reduction_axes(attrs: Attrs, rank: int, op: str = "", where: str = "") -> tuple[int, ...]:
    """The axes a reduction's ``axis`` attribute names, non-negative and sorted.

    Examples
    --------
    >>> reduction_axes({"axis": -1}, 3), reduction_axes({"axis": None}, 2)
    ((2,), (0, 1))
    """
    return normalize_axes(attrs["axis"], rank, op, where)


def _entries(shape: Shape, axes: tuple[int, ...]) -> int:
    return math.prod(shape[a] for a in axes)


def _reduce_shape(op: str) -> Any:
    def rule(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
        (x,) = shapes
        axes = reduction_axes(attrs, len(x), op, where)
        if op in ("max", "mean", "var") and _entries(x, axes) == 0:
            raise ShapeError(where, f"{op} over no entries (shape {format_shape(x)})")
        if op == "var" and _entries(x, axes) <= int(attrs["ddof"]):  # type: ignore[arg-type]
            raise ShapeError(where, f"var with ddof={attrs['ddof']} over "
                             f"{_entries(x, axes)} entries")
        return reduced_shape(x, axes, bool(attrs["keepdims"]))
    return rule


def _sum(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    axes = reduction_axes(attrs, np.ndim(args[0]))
    return np.asarray(np.sum(args[0], axis=axes, keepdims=bool(attrs["keepdims"])))


def _mean(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    axes = reduction_axes(attrs, np.ndim(args[0]))
    total = np.sum(args[0], axis=axes, keepdims=bool(attrs["keepdims"]))
    return np.asarray(total / _entries(np.shape(args[0]), axes))


def _max(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    axes = reduction_axes(attrs, np.ndim(args[0]))
    return np.asarray(xp.max(args[0], axes, bool(attrs["keepdims"])))


def _var(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    x = args[0]
    axes = reduction_axes(attrs, np.ndim(x))
    count = _entries(np.shape(x), axes)
    centred = x - np.sum(x, axis=axes, keepdims=True) / count
    squares = np.sum(centred * centred, axis=axes, keepdims=bool(attrs["keepdims"]))
    return np.asarray(squares / (count - int(attrs["ddof"])))  # type: ignore[arg-type]


def _back(b: Builder, x: TExpr, attrs: Attrs, g: TExpr) -> TExpr:
    """``g`` (a reduction's output adjoint) spread back over ``x``'s shape."""
    axes = reduction_axes(attrs, len(x.shape))
    dropped = () if attrs["keepdims"] else axes
    return b.op("broadcast_to", g, shape=x.shape, axes=dropped)


def _sum_vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
             g: TExpr) -> TExpr:
    return _back(b, args[0], attrs, g)


def _mean_vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
              g: TExpr) -> TExpr:
    count = _entries(args[0].shape, reduction_axes(attrs, len(args[0].shape)))
    return b.ew(lambda d: d / count, _back(b, args[0], attrs, g))


def _max_vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
             g: TExpr) -> TExpr:
    mask = b.op("max_mask", args[0], axis=attrs["axis"])
    return b.ew(lambda m, d: m * d, mask, _back(b, args[0], attrs, g))


def _var_vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
             g: TExpr) -> TExpr:
    x = args[0]
    count = _entries(x.shape, reduction_axes(attrs, len(x.shape)))
    divisor = count - int(attrs["ddof"])  # type: ignore[arg-type]
    mean = b.op("mean", x, axis=attrs["axis"], keepdims=True)
    return b.ew(lambda d, v, m: 2 * (v - m) * d / divisor, _back(b, x, attrs, g), x, mean)


# -- backward-only: sum_to, broadcast_to, max_mask ------------------------------------------------

def unbroadcast_axes(shape: Shape, target: Shape) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The axes of ``shape`` that ``sum_to(target)`` sums away (leading ones), and those it
    sums keeping them (where ``target`` has 1).

    Examples
    --------
    >>> unbroadcast_axes((4, 3), (3,)), unbroadcast_axes((4, 3), (4, 1))
    (((0,), ()), ((), (1,)))
    """
    lead = len(shape) - len(target)
    kept = tuple(lead + i for i, n in enumerate(target) if n == 1 and shape[lead + i] != 1)
    return tuple(range(lead)), kept


def _sum_to_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    (x,) = shapes
    target = attrs["shape"]
    assert isinstance(target, tuple)
    lead = len(x) - len(target)
    if lead < 0 or any(n not in (1, m) for n, m in zip(target, x[lead:], strict=True)):
        raise ShapeError(where, f"sum_to {format_shape(target)} of shape {format_shape(x)}: "
                         "the target must broadcast to the shape")
    return target


def _sum_to(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    target = attrs["shape"]
    assert isinstance(target, tuple)
    lead, kept = unbroadcast_axes(np.shape(args[0]), target)
    result = np.sum(args[0], axis=kept, keepdims=True) if kept else args[0]
    result = np.sum(result, axis=lead) if lead else result
    return np.asarray(result).reshape(target)


def _broadcast_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    (g,) = shapes
    target, axes = attrs["shape"], attrs["axes"]
    assert isinstance(target, tuple) and isinstance(axes, tuple)
    expanded = _expanded(g, axes)
    if len(expanded) > len(target) or any(
            n not in (1, m) for n, m in zip(expanded[::-1], target[::-1], strict=False)):
        raise ShapeError(where, f"broadcast_to {format_shape(target)} of shape "
                         f"{format_shape(g)}")
    return target


def _expanded(shape: Shape, axes: tuple[int, ...]) -> Shape:
    result = list(shape)
    for axis in sorted(axes):
        result.insert(axis, 1)
    return tuple(result)


def _broadcast(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    target, axes = attrs["shape"], attrs["axes"]
    assert isinstance(target, tuple) and isinstance(axes, tuple)
    g = np.reshape(args[0], _expanded(np.shape(args[0]), axes))
    return np.array(np.broadcast_to(g, target))


def _mask_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    reduction_axes(attrs, len(shapes[0]), "max", where)
    return shapes[0]


def _max_mask(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    """1 at the first largest entry of each group the max reduces, 0 elsewhere (numpy)."""
    x = np.asarray(args[0], dtype=float)
    axes = reduction_axes(attrs, x.ndim)
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, (*rest, *axes))
    flat = moved.reshape(*moved.shape[:len(rest)], -1)
    picked = np.argmax(flat, axis=-1)
    mask = np.zeros_like(flat)
    np.put_along_axis(mask, picked[..., None], 1.0, axis=-1)
    return np.transpose(mask.reshape(moved.shape), np.argsort((*rest, *axes)))


_REDUCE_ATTRS = {"axis": Attr("axis", None), "keepdims": Attr("bool", False)}

REDUCE_OPS: tuple[OpSpec, ...] = (
    OpSpec("sum", ("x",), _REDUCE_ATTRS, _reduce_shape("sum"), _sum, (_sum_vjp,),
           notation="reduction", summary="sum(x, axis=None, keepdims=False)", linear=(0,)),
    OpSpec("mean", ("x",), _REDUCE_ATTRS, _reduce_shape("mean"), _mean, (_mean_vjp,),
           notation="reduction", summary="mean(x, axis=None, keepdims=False)", linear=(0,)),
    OpSpec("max", ("x",), _REDUCE_ATTRS, _reduce_shape("max"), _max, (_max_vjp,),
           notation="reduction",
           summary="max(x, axis=None, keepdims=False); the gradient goes to the first largest"),
    OpSpec("var", ("x",), {**_REDUCE_ATTRS, "ddof": Attr("int", 0)}, _reduce_shape("var"), _var,
           (_var_vjp,), notation="reduction",
           summary="var(x, axis=None, keepdims=False, ddof=0): biased (batch norm's) unless "
                   "ddof=1"),
    OpSpec("sum_to", ("x",), {"shape": Attr("shape", None)}, _sum_to_shape, _sum_to, (None,),
           notation="reduction", summary="the unbroadcast: x summed down to a shape",
           linear=(0,), backward_only=True),
    OpSpec("broadcast_to", ("g",), {"shape": Attr("shape", None), "axes": Attr("axes", ())},
           _broadcast_shape, _broadcast, (None,),
           summary="g with the reduced axes put back, repeated to a shape", linear=(0,),
           backward_only=True),
    OpSpec("max_mask", ("x",), {"axis": Attr("axis", None)}, _mask_shape, _max_mask, (None,),
           summary="1 at the first largest entry of each group max reduces, else 0",
           backward_only=True),
)
