"""The registry's convolutions and pools: ``conv1d``, ``conv2d`` (cross-correlation, as every
framework computes it, with stride and zero padding), ``max_pool``, ``avg_pool`` (1-D on 3-D
input, 2-D on 4-D input, no padding), and the backward-only ``conv_transpose`` (the input's
VJP), ``conv_weight`` (the kernel's VJP) and ``pool_backward``.

Every one is a loop over the kernel's offsets, each step one ``einsum`` of a strided window:
the same code runs on floats and on object arrays of sympy expressions.

Examples
--------
>>> [spec.name for spec in CONV_OPS]  # doctest: +NORMALIZE_WHITESPACE
['conv1d', 'conv2d', 'max_pool', 'avg_pool', 'conv_transpose', 'conv_weight',
 'pool_backward']
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .expr import AttrValue, Shape, TExpr, format_shape
from .opspec import Attr, Builder, OpSpec, ShapeError

__all__ = ["CONV_OPS"]

Attrs = Mapping[str, AttrValue]


def _spatial(value: AttrValue, dims: int, what: str, where: str) -> tuple[int, ...]:
    """An ``int`` or a tuple of ``dims`` ints, as a tuple of ``dims`` ints."""
    found = (value,) * dims if isinstance(value, int) else value
    if not isinstance(found, tuple) or len(found) != dims:
        raise ShapeError(where, f"{what} must be a whole number or {dims} of them, got "
                         f"{value}")
    return tuple(int(v) for v in found)


def _out_sizes(size: Shape, kernel: Shape, stride: Shape, padding: Shape, op: str,
               where: str) -> Shape:
    sizes = []
    for n, k, s, p in zip(size, kernel, stride, padding, strict=True):
        if s < 1 or p < 0:
            raise ShapeError(where, f"{op}: stride must be at least 1 and padding at least 0")
        if n + 2 * p < k:
            raise ShapeError(where, f"{op}: a window of {k} does not fit in {n} entries "
                             f"(padding {p})")
        sizes.append((n + 2 * p - k) // s + 1)
    return tuple(sizes)


def _window(offset: Shape, stride: Shape, out: Shape) -> tuple[slice, ...]:
    """The strided slice of a (padded) input that kernel offset ``offset`` meets."""
    return (slice(None), slice(None), *(slice(o, o + s * (n - 1) + 1, s)
                                        for o, s, n in zip(offset, stride, out, strict=True)))


def _offsets(kernel: Shape) -> Iterator[tuple[int, ...]]:
    return itertools.product(*(range(k) for k in kernel))


def _pad(xp: Any, x: Any, padding: Shape) -> Any:
    if not any(padding):
        return x
    shape = np.shape(x)
    result = xp.zeros((*shape[:2], *(n + 2 * p for n, p in zip(shape[2:], padding,
                                                                 strict=True))))
    result[(slice(None), slice(None), *(slice(p, p + n) for n, p in zip(shape[2:], padding,
                                                                         strict=True)))] = x
    return result


def _conv_params(attrs: Attrs, dims: int, where: str = "") -> tuple[Shape, Shape]:
    return (_spatial(attrs["stride"], dims, "stride", where),
            _spatial(attrs["padding"], dims, "padding", where))


def _conv_shape(dims: int) -> Any:
    op = f"conv{dims}d"

    def rule(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
        x, w = shapes
        if len(x) != dims + 2 or len(w) != dims + 2 or x[1] != w[1]:
            raise ShapeError(
                where, f"{op} of shapes {format_shape(x)} and {format_shape(w)}: needs an "
                f"input (N, C{', L' if dims == 1 else ', H, W'}) and a kernel "
                f"(O, C{', K' if dims == 1 else ', KH, KW'}) with the same C")
        stride, padding = _conv_params(attrs, dims, where)
        return (x[0], w[0], *_out_sizes(x[2:], w[2:], stride, padding, op, where))
    return rule


def _conv(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    x, w = args
    dims = np.ndim(x) - 2
    stride, padding = _conv_params(attrs, dims)
    kernel = np.shape(w)[2:]
    out = _out_sizes(np.shape(x)[2:], kernel, stride, padding, "", "")
    padded = _pad(xp, x, padding)
    total = None
    for offset in _offsets(kernel):
        term = np.einsum("nc...,oc->no...", padded[_window(offset, stride, out)],
                         w[(slice(None), slice(None), *offset)])
        total = term if total is None else total + term
    return total


def _conv_x_vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
                g: TExpr) -> TExpr:
    x, w = args
    return b.op("conv_transpose", g, w, stride=attrs["stride"], padding=attrs["padding"],
                size=x.shape[2:])


def _conv_w_vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
                g: TExpr) -> TExpr:
    x, w = args
    return b.op("conv_weight", x, g, stride=attrs["stride"], padding=attrs["padding"],
                kernel=w.shape[2:])


def _transpose_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    g, w = shapes
    size = attrs["size"]
    assert isinstance(size, tuple)
    return (g[0], w[1], *size)


def _conv_transpose(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    g, w = args
    size = attrs["size"]
    assert isinstance(size, tuple)
    stride, padding = _conv_params(attrs, len(size))
    out = np.shape(g)[2:]
    result = np.zeros((np.shape(g)[0], np.shape(w)[1], *(n + 2 * p for n, p in zip(
        size, padding, strict=True))))
    for offset in _offsets(np.shape(w)[2:]):
        result[_window(offset, stride, out)] += np.einsum(
            "no...,oc->nc...", g, w[(slice(None), slice(None), *offset)])
    return result[(slice(None), slice(None), *(slice(p, p + n) for n, p in zip(
        size, padding, strict=True)))]


def _weight_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    x, g = shapes
    kernel = attrs["kernel"]
    assert isinstance(kernel, tuple)
    return (g[1], x[1], *kernel)


def _conv_weight(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    x, g = args
    kernel = attrs["kernel"]
    assert isinstance(kernel, tuple)
    stride, padding = _conv_params(attrs, len(kernel))
    padded = _pad(xp, x, padding)
    out = np.shape(g)[2:]
    result: Any = np.zeros((np.shape(g)[1], np.shape(x)[1], *kernel))
    for offset in _offsets(tuple(int(k) for k in kernel)):
        spatial = "ijk"[:len(kernel)]
        result[(slice(None), slice(None), *offset)] = np.einsum(
            f"no{spatial},nc{spatial}->oc", g, padded[_window(offset, stride, out)])
    return result


# -- pools ---------------------------------------------------------------------------------------

def _pool_params(attrs: Attrs, dims: int, where: str = "") -> tuple[Shape, Shape]:
    size = _spatial(attrs["size"], dims, "size", where)
    stride = size if attrs["stride"] is None else _spatial(attrs["stride"], dims, "stride",
                                                           where)
    return size, stride


def _pool_shape(op: str) -> Any:
    def rule(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
        (x,) = shapes
        if len(x) not in (3, 4):
            raise ShapeError(where, f"{op} of shape {format_shape(x)}: needs (N, C, L) for "
                             "a 1-D pool or (N, C, H, W) for a 2-D pool")
        size, stride = _pool_params(attrs, len(x) - 2, where)
        return (*x[:2], *_out_sizes(x[2:], size, stride, (0,) * len(size), op, where))
    return rule


def _pool(mode: str) -> Any:
    def forward(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
        x = args[0]
        size, stride = _pool_params(attrs, np.ndim(x) - 2)
        out = _out_sizes(np.shape(x)[2:], size, stride, (0,) * len(size), "", "")
        offsets = _offsets(size)
        result = x[_window(next(offsets), stride, out)]
        for offset in offsets:
            window = x[_window(offset, stride, out)]
            result = xp.maximum(result, window) if mode == "max" else result + window
        return result if mode == "max" else result / math.prod(size)
    return forward


def _pool_vjp(mode: str) -> Any:
    def vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr, g: TExpr) -> TExpr:
        return b.op("pool_backward", args[0], g, size=attrs["size"], stride=attrs["stride"],
                    mode=mode)
    return vjp


def _same_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    return shapes[0]


def _pool_backward(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    """``g`` routed back through the windows: to each window's first largest entry (max), or
    spread evenly over it (avg); numpy only."""
    x, g = np.asarray(args[0], dtype=float), np.asarray(args[1], dtype=float)
    size, stride = _pool_params(attrs, x.ndim - 2)
    out = g.shape[2:]
    offsets = list(_offsets(size))
    result = np.zeros(x.shape)
    if attrs["mode"] == "avg":
        for offset in offsets:
            result[_window(offset, stride, out)] += g / math.prod(size)
        return result
    picked = np.argmax(np.stack([x[_window(o, stride, out)] for o in offsets]), axis=0)
    for k, offset in enumerate(offsets):
        result[_window(offset, stride, out)] += g * (picked == k)
    return result


_CONV_ATTRS = {"stride": Attr("ints", 1), "padding": Attr("ints", 0)}
_POOL_ATTRS = {"size": Attr("ints", None, required=True), "stride": Attr("ints", None)}

CONV_OPS: tuple[OpSpec, ...] = (
    OpSpec("conv1d", ("x", "w"), _CONV_ATTRS, _conv_shape(1), _conv, (_conv_x_vjp, _conv_w_vjp),
           summary="conv1d(x, w, stride=1, padding=0): x (N, C, L), w (O, C, K)", linear=(0, 1)),
    OpSpec("conv2d", ("x", "w"), _CONV_ATTRS, _conv_shape(2), _conv, (_conv_x_vjp, _conv_w_vjp),
           summary="conv2d(x, w, stride=1, padding=0): x (N, C, H, W), w (O, C, KH, KW)",
           linear=(0, 1)),
    OpSpec("max_pool", ("x",), _POOL_ATTRS, _pool_shape("max_pool"), _pool("max"),
           (_pool_vjp("max"),),
           summary="max_pool(x, size, stride=size): 1-D on (N, C, L), 2-D on (N, C, H, W)"),
    OpSpec("avg_pool", ("x",), _POOL_ATTRS, _pool_shape("avg_pool"), _pool("avg"),
           (_pool_vjp("avg"),),
           summary="avg_pool(x, size, stride=size): 1-D on (N, C, L), 2-D on (N, C, H, W)",
           linear=(0,)),
    OpSpec("conv_transpose", ("g", "w"), {**_CONV_ATTRS, "size": Attr("shape", None)},
           _transpose_shape, _conv_transpose, (None, None),
           summary="the gradient of a convolution's input: g spread back through the kernel",
           linear=(0, 1), backward_only=True),
    OpSpec("conv_weight", ("x", "g"), {**_CONV_ATTRS, "kernel": Attr("shape", None)},
           _weight_shape, _conv_weight, (None, None),
           summary="the gradient of a convolution's kernel: g correlated with the input",
           linear=(0, 1), backward_only=True),
    OpSpec("pool_backward", ("x", "g"), {**_POOL_ATTRS, "mode": Attr("mode", "max",
                                                                       ("max", "avg"))},
           _same_shape, _pool_backward,
           (None, None), summary="the gradient of a pool's input", linear=(1,),
           backward_only=True),
)
