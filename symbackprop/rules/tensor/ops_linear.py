"""The registry's linear-algebra and layout operations: ``matmul``, ``transpose``, ``reshape``,
``concat``, ``index``, and the backward-only ``outer``, ``slice`` and ``unindex``.

Each VJP is written as a course writes it: ``δA = δY Bᵀ``, ``δB = Aᵀ δY`` for ``Y = A B``.

Examples
--------
>>> [spec.name for spec in LINEAR_OPS]
['matmul', 'transpose', 'reshape', 'concat', 'index', 'outer', 'slice', 'unindex']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .expr import AttrValue, Shape, TExpr, format_shape
from .opspec import (
    Attr,
    Builder,
    OpSpec,
    ShapeError,
    Vjp,
    broadcast_shapes,
    normalize_axes,
)

__all__ = ["LINEAR_OPS"]

Attrs = Mapping[str, AttrValue]


# -- matmul ------------------------------------------------------------------------------------

def _matmul_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    a, b = shapes
    problem = ""
    if not a or not b:
        problem = "a scalar has no matrix product; multiply elementwise with '*'"
    elif (len(a) == 1 and len(b) > 2) or (len(b) == 1 and len(a) > 2):
        problem = "a vector times a batch of matrices is not supported; reshape the vector"
    elif a[-1] != (b[0] if len(b) == 1 else b[-2]):
        inner = b[0] if len(b) == 1 else b[-2]
        problem = (f"the inner dimensions differ ({a[-1]} and {inner}): A @ B needs A's last "
                   "dimension equal to B's first (of its last two)")
    if problem:
        raise ShapeError(where, f"'@' (matmul) of shapes {format_shape(a)} and "
                         f"{format_shape(b)}: {problem}")
    if len(a) == 1 and len(b) == 1:
        return ()
    if len(a) == 1:
        return (b[1],)
    if len(b) == 1:
        return a[:-1]
    batch = broadcast_shapes([a[:-2], b[:-2]], where, "@")
    return (*batch, a[-2], b[-1])


def _matmul(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    return np.matmul(args[0], args[1])


def _swap(b: Builder, x: TExpr) -> TExpr:
    """``xᵀ`` of a matrix, or a batch of matrices with their last two axes swapped."""
    if len(x.shape) == 2:
        return b.op("transpose", x)
    axes = (*range(len(x.shape) - 2), len(x.shape) - 1, len(x.shape) - 2)
    return b.op("transpose", x, axes=axes)


def _matmul_a(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
              g: TExpr) -> TExpr:
    x, y = args
    if len(x.shape) == 1 and len(y.shape) == 1:
        return b.ew(lambda d, v: d * v, g, y)
    if len(x.shape) == 1:
        return b.op("matmul", g, _swap(b, y))
    if len(y.shape) == 1:
        return b.op("outer", g, y)
    return b.sum_to(b.op("matmul", g, _swap(b, y)), x.shape)


def _matmul_b(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
              g: TExpr) -> TExpr:
    x, y = args
    if len(x.shape) == 1 and len(y.shape) == 1:
        return b.ew(lambda d, v: d * v, g, x)
    if len(x.shape) == 1:
        return b.op("outer", x, g)
    if len(y.shape) == 1:
        return b.op("matmul", _swap(b, x), g)
    return b.sum_to(b.op("matmul", _swap(b, x), g), y.shape)


# -- transpose, reshape --------------------------------------------------------------------------

def _perm(axes: AttrValue, rank: int, where: str) -> tuple[int, ...]:
    if axes is None:
        return tuple(reversed(range(rank)))
    if not isinstance(axes, tuple) or sorted(a % rank if rank else a for a in axes) != list(
            range(rank)) or any(not -rank <= a < rank for a in axes):
        raise ShapeError(where, f"transpose: axes={axes} is not a permutation of the "
                         f"{rank} axes")
    return tuple(a % rank for a in axes)


def _transpose_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    (x,) = shapes
    return tuple(x[a] for a in _perm(attrs["axes"], len(x), where))


def _transpose(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    axes = attrs["axes"]
    return np.transpose(args[0], None if axes is None else tuple(axes))  # type: ignore[arg-type]


def _transpose_vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
                   g: TExpr) -> TExpr:
    axes = attrs["axes"]
    if axes is None:
        return b.op("transpose", g)
    perm = _perm(axes, len(args[0].shape), "")
    return b.op("transpose", g, axes=tuple(int(i) for i in np.argsort(perm)))


def _reshape_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    (x,) = shapes
    target = attrs["shape"]
    if not isinstance(target, tuple):
        raise ShapeError(where, "reshape needs shape=(...)")
    entries = math.prod(x)
    free = [i for i, n in enumerate(target) if n == -1]
    known = math.prod(n for n in target if n != -1)
    if len(free) > 1 or any(n < -1 or n == 0 for n in target) or (
            free and (known == 0 or entries % known)) or (not free and known != entries):
        raise ShapeError(where, f"reshape of shape {format_shape(x)} ({entries} entries) to "
                         f"{format_shape(target)}: the entries must stay the same (one -1 "
                         "stands for what is left)")
    return tuple(entries // known if n == -1 else n for n in target)


def _reshape(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    target = attrs["shape"]
    assert isinstance(target, tuple)  # checked by the shape rule
    return np.reshape(args[0], target)


def _reshape_vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
                 g: TExpr) -> TExpr:
    return b.op("reshape", g, shape=args[0].shape)


# -- concat and its slices ---------------------------------------------------------------------

def _concat_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    first = shapes[0]
    if not first:
        raise ShapeError(where, "concat of scalars; concatenate tensors of rank 1 or more")
    (axis,) = normalize_axes(attrs["axis"], len(first), "concat", where)
    for shape in shapes[1:]:
        if len(shape) != len(first) or any(
                n != m for i, (n, m) in enumerate(zip(shape, first, strict=True)) if i != axis):
            shown = ", ".join(map(format_shape, shapes))
            raise ShapeError(where, f"concat along axis {attrs['axis']} of shapes {shown}: "
                             "every other dimension must agree")
    return tuple(sum(s[axis] for s in shapes) if i == axis else n for i, n in enumerate(first))


def _concat(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    (axis,) = normalize_axes(attrs["axis"], np.ndim(args[0]), "concat", "")
    return np.concatenate(list(args), axis=axis)


def _concat_vjp(index: int) -> Vjp:
    def vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr, g: TExpr) -> TExpr:
        (axis,) = normalize_axes(attrs["axis"], len(args[0].shape), "concat", "")
        start = sum(a.shape[axis] for a in args[:index])
        return b.op("slice", g, axis=axis, start=start, stop=start + args[index].shape[axis])
    return vjp


def _slice_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    (x,) = shapes
    axis, start, stop = (int(attrs[k]) for k in ("axis", "start", "stop"))  # type: ignore[arg-type]
    if not 0 <= axis < len(x) or not 0 <= start < stop <= x[axis]:
        raise ShapeError(where, f"slice {start}:{stop} of axis {axis} of {format_shape(x)}")
    return tuple(stop - start if i == axis else n for i, n in enumerate(x))


def _slice(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    axis = int(attrs["axis"])  # type: ignore[arg-type]
    picks = [slice(None)] * np.ndim(args[0])
    picks[axis] = slice(int(attrs["start"]), int(attrs["stop"]))  # type: ignore[arg-type]
    return args[0][tuple(picks)]


# -- index and unindex --------------------------------------------------------------------------

def _picks(indices: AttrValue, shape: Shape, where: str) -> tuple[int, ...]:
    if not isinstance(indices, tuple) or not indices:
        raise ShapeError(where, "index needs indices=(i, ...)")
    if len(indices) > len(shape):
        raise ShapeError(where, f"{len(indices)} indices into a tensor of shape "
                         f"{format_shape(shape)}")
    for i, n in zip(indices, shape, strict=False):
        if not -n <= i < n:
            raise ShapeError(where, f"index {i} is out of range for an axis of {n} entries "
                             f"(shape {format_shape(shape)}; indices start at 0)")
    return tuple(i % n for i, n in zip(indices, shape, strict=False))


def _index_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    (x,) = shapes
    picks = _picks(attrs["indices"], x, where)
    return x[len(picks):]


def _index(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    picks = _picks(attrs["indices"], np.shape(args[0]), "")
    return np.asarray(args[0][picks])


def _index_vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
               g: TExpr) -> TExpr:
    picks = _picks(attrs["indices"], args[0].shape, "")
    return b.op("unindex", g, shape=args[0].shape, indices=picks)


def _unindex_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    target = attrs["shape"]
    assert isinstance(target, tuple)
    return target


def _unindex(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    target, indices = attrs["shape"], attrs["indices"]
    assert isinstance(target, tuple) and isinstance(indices, tuple)
    result = xp.zeros(target)
    result[indices] = args[0]
    return result


# -- outer ------------------------------------------------------------------------------------

def _outer_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    a, c = shapes
    if len(a) != 1 or len(c) != 1:
        raise ShapeError(where, f"outer of {format_shape(a)} and {format_shape(c)}: vectors")
    return (a[0], c[0])


def _outer(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    return np.multiply.outer(args[0], args[1])


LINEAR_OPS: tuple[OpSpec, ...] = (
    OpSpec("matmul", ("A", "B"), {}, _matmul_shape, _matmul, (_matmul_a, _matmul_b),
           notation="infix", summary="A @ B: the matrix product (numpy's matmul, batches too)",
           linear=(0, 1)),
    OpSpec("transpose", ("x",), {"axes": Attr("axes", None)}, _transpose_shape, _transpose,
           (_transpose_vjp,), notation="postfix",
           summary="x.T reverses the axes; transpose(x, axes=(...)) permutes them", linear=(0,)),
    OpSpec("reshape", ("x",), {"shape": Attr("shape", None, required=True)}, _reshape_shape,
           _reshape, (_reshape_vjp,),
           summary="reshape(x, shape=(...)), numpy's order; one -1 stands for what is left",
           linear=(0,)),
    OpSpec("concat", ("x",), {"axis": Attr("int", -1)}, _concat_shape, _concat, (),
           summary="concat(a, b, ..., axis=-1)", variadic=_concat_vjp),
    OpSpec("index", ("x",), {"indices": Attr("ints", None, required=True)}, _index_shape,
           _index, (_index_vjp,), notation="postfix",
           summary="X[i] picks along axis 0 (X[i, j] along the first two), from 0",
           linear=(0,)),
    OpSpec("outer", ("a", "b"), {}, _outer_shape, _outer, (None, None),
           summary="the outer product a bᵀ of two vectors", linear=(0, 1), backward_only=True),
    OpSpec("slice", ("x",), {"axis": Attr("int", 0), "start": Attr("int", 0),
                            "stop": Attr("int", 0)}, _slice_shape, _slice, (None,),
           summary="entries start..stop-1 along an axis (concat's VJP)", linear=(0,),
           backward_only=True),
    OpSpec("unindex", ("g",), {"shape": Attr("shape", None), "indices": Attr("ints", None)},
           _unindex_shape, _unindex, (None,),
           summary="zeros of a shape with g at the indices (index's VJP)", linear=(0,),
           backward_only=True),
)
