"""The registry's network layers: ``softmax``, ``log_softmax``, ``cross_entropy``, ``nll``,
``layer_norm``, ``batch_norm``, ``embedding``, and the backward-only ``onehot`` and
``scatter_add``.

The VJPs are the textbook ones: ``δX = P ⊙ (δP − rowsum(δP ⊙ P))`` for ``P = softmax(X)``,
``δZ = (softmax(Z) − onehot(y)) / N`` for the mean cross-entropy, and for a normalisation
``δx = (δx̂ − mean(δx̂) − x̂ ⊙ mean(δx̂ ⊙ x̂)) / sqrt(var + eps)`` with ``δx̂ = δy ⊙ γ``
(CS231n's batch-norm backward).

Examples
--------
>>> [spec.name for spec in NN_OPS]  # doctest: +NORMALIZE_WHITESPACE
['softmax', 'log_softmax', 'cross_entropy', 'nll', 'layer_norm', 'batch_norm', 'embedding',
 'onehot', 'scatter_add']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from .expr import AttrValue, Shape, TExpr, format_shape
from .opspec import Attr, Builder, OpSpec, ShapeError, broadcast_shapes, normalize_axes

__all__ = ["NN_OPS", "norm_axes"]

Attrs = Mapping[str, AttrValue]


# -- softmax, log_softmax ------------------------------------------------------------------------

def _axis_shape(op: str) -> Any:
    def rule(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
        (x,) = shapes
        if not x:
            raise ShapeError(where, f"{op} of a scalar; it normalises along an axis")
        normalize_axes(attrs["axis"], len(x), op, where)
        return x
    return rule


def _axis(attrs: Attrs, rank: int) -> int:
    return normalize_axes(attrs["axis"], rank, "", "")[0]


def _softmax(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    x = args[0]
    axis = _axis(attrs, np.ndim(x))
    e = xp.exp(x - xp.shift(x, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    x = args[0]
    axis = _axis(attrs, np.ndim(x))
    z = x - xp.shift(x, axis)
    return z - xp.log(np.sum(xp.exp(z), axis=axis, keepdims=True))


def _softmax_vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
                 g: TExpr) -> TExpr:
    rowsum = b.op("sum", b.ew(lambda d, p: d * p, g, out), axis=attrs["axis"], keepdims=True)
    return b.ew(lambda p, d, s: p * (d - s), out, g, rowsum)


def _log_softmax_vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
                     g: TExpr) -> TExpr:
    p = b.op("softmax", args[0], axis=attrs["axis"])
    return b.ew(lambda d, q, s: d - q * s, g, p, b.op("sum", g, axis=attrs["axis"],
                                                       keepdims=True))


# -- cross_entropy, nll -------------------------------------------------------------------------

def _is_index(labels: Shape, logits: Shape) -> bool:
    return labels == logits[:-1]


def _loss_shape(op: str) -> Any:
    def rule(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
        logits, labels = shapes
        if len(logits) not in (1, 2):
            raise ShapeError(where, f"{op} takes logits of shape (N, C) or (C,), got "
                             f"{format_shape(logits)}")
        if not _is_index(labels, logits) and (op == "nll" or labels != logits):
            what = ("class indices of shape" if op == "nll" else
                    "class indices (integers) of shape")
            also = "" if op == "nll" else f" or probabilities of shape {format_shape(logits)}"
            raise ShapeError(where, f"{op} of shapes {format_shape(logits)} and "
                             f"{format_shape(labels)}: the labels must be {what} "
                             f"{format_shape(logits[:-1])}{also}")
        if attrs["reduction"] == "none":
            return logits[:-1]
        return ()
    return rule


def _check_labels(args: Sequence[TExpr], where: str) -> None:
    logits, labels = args
    if _is_index(labels.shape, logits.shape) and labels.dtype != "int":
        raise ShapeError(where, f"cross_entropy: labels {labels} of shape "
                         f"{format_shape(labels.shape)} are class indices and must be "
                         'integers (dtype = "int")')


def _reduce(loss: Any, attrs: Attrs) -> Any:
    if attrs["reduction"] == "sum":
        return np.asarray(np.sum(loss))
    if attrs["reduction"] == "mean":
        return np.asarray(np.sum(loss) / max(np.size(loss), 1))
    return loss


def _picked(logp: Any, labels: Any) -> Any:
    index = np.asarray(labels).astype(int)
    return np.take_along_axis(logp, index[..., None], axis=-1)[..., 0]


def _cross_entropy(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    logits, labels = args
    logp = _log_softmax(xp, [logits], {"axis": -1})
    if _is_index(np.shape(labels), np.shape(logits)):
        loss = -_picked(logp, labels)
    else:
        loss = -np.sum(labels * logp, axis=-1)
    return _reduce(loss, attrs)


def _nll(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    return _reduce(-_picked(args[0], args[1]), attrs)


def _scaled(b: Builder, g: TExpr, attrs: Attrs, logits: Shape) -> tuple[TExpr, int]:
    """The loss's adjoint spread over the logits, and what a mean divides by."""
    if attrs["reduction"] == "none":
        return b.op("broadcast_to", g, shape=logits, axes=(len(logits) - 1,)), 1
    count = math.prod(logits[:-1]) if attrs["reduction"] == "mean" else 1
    return g, count


def _cross_entropy_vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
                       g: TExpr) -> TExpr:
    logits, labels = args
    spread, count = _scaled(b, g, attrs, logits.shape)
    p = b.op("softmax", logits, axis=-1)
    if _is_index(labels.shape, logits.shape):
        y = b.op("onehot", labels, classes=logits.shape[-1])
        return b.ew(lambda d, q, t: d * (q - t) / count, spread, p, y)
    total = b.op("sum", labels, axis=-1, keepdims=True)
    return b.ew(lambda d, q, t, s: d * (q * s - t) / count, spread, p, labels, total)


def _cross_entropy_labels_vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
                              g: TExpr) -> TExpr:
    logits, labels = args
    if _is_index(labels.shape, logits.shape):
        raise ShapeError("", "cross_entropy: integer labels have no gradient")
    spread, count = _scaled(b, g, attrs, logits.shape)
    logp = b.op("log_softmax", logits, axis=-1)
    return b.ew(lambda d, q: -d * q / count, spread, logp)


def _nll_vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
             g: TExpr) -> TExpr:
    logp, labels = args
    spread, count = _scaled(b, g, attrs, logp.shape)
    y = b.op("onehot", labels, classes=logp.shape[-1])
    return b.ew(lambda d, t: -d * t / count, spread, y)


def _onehot_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    return (*shapes[0], int(attrs["classes"]))  # type: ignore[arg-type]


def _onehot(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    classes = int(attrs["classes"])  # type: ignore[arg-type]
    return np.eye(classes)[np.asarray(args[0]).astype(int)]


# -- layer_norm, batch_norm ----------------------------------------------------------------------

def norm_axes(op: str, rank: int) -> tuple[int, ...]:
    """The axes a normalisation takes its statistics over: the last (``layer_norm``), or
    every axis but 1, the features or channels (``batch_norm``, training mode).

    Examples
    --------
    >>> norm_axes("layer_norm", 3), norm_axes("batch_norm", 2), norm_axes("batch_norm", 4)
    ((2,), (0,), (0, 2, 3))
    """
    if op == "layer_norm":
        return (rank - 1,)
    return tuple(a for a in range(rank) if a != 1)


def _norm_shape(op: str) -> Any:
    def rule(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
        x, gamma, beta = shapes
        least = 1 if op == "layer_norm" else 2
        if len(x) < least:
            raise ShapeError(where, f"{op} of shape {format_shape(x)}: needs rank {least} "
                             "or more")
        if broadcast_shapes([x, gamma, beta], where, op) != x:
            raise ShapeError(where, f"{op}: gamma {format_shape(gamma)} and beta "
                             f"{format_shape(beta)} must broadcast to x's shape "
                             f"{format_shape(x)}")
        eps = attrs["eps"]
        if not isinstance(eps, int | float) or eps <= 0:
            raise ShapeError(where, f"{op}: eps must be a positive number, got {eps}")
        return x
    return rule


def _norm_forward(op: str) -> Any:
    def forward(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
        x, gamma, beta = args
        axes = norm_axes(op, np.ndim(x))
        count = math.prod(np.shape(x)[a] for a in axes)
        centred = x - np.sum(x, axis=axes, keepdims=True) / count
        var = np.sum(centred * centred, axis=axes, keepdims=True) / count
        return gamma * (centred / xp.sqrt(var + attrs["eps"])) + beta
    return forward


def _xhat(b: Builder, x: TExpr, axes: tuple[int, ...], eps: float) -> TExpr:
    mu = b.op("mean", x, axis=axes, keepdims=True)
    var = b.op("var", x, axis=axes, keepdims=True)
    return b.ew(lambda v, m, s: (v - m) / sympy.sqrt(s + eps), x, mu, var)


def _norm_vjps(op: str) -> tuple[Any, Any, Any]:
    def setup(b: Builder, args: tuple[TExpr, ...], attrs: Attrs) -> tuple[
            tuple[int, ...], float, TExpr]:
        axes = norm_axes(op, len(args[0].shape))
        eps = float(attrs["eps"])  # type: ignore[arg-type]
        return axes, eps, _xhat(b, args[0], axes, eps)

    def vjp_x(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
              g: TExpr) -> TExpr:
        x, gamma, _ = args
        axes, eps, xhat = setup(b, args, attrs)
        count = math.prod(x.shape[a] for a in axes)
        dxhat = b.ew(lambda d, c: d * c, g, gamma)
        total = b.op("sum", dxhat, axis=axes, keepdims=True)
        moment = b.op("sum", b.ew(lambda d, h: d * h, dxhat, xhat), axis=axes, keepdims=True)
        var = b.op("var", x, axis=axes, keepdims=True)
        return b.ew(lambda d, s, h, m, v: (d - s / count - h * m / count) / sympy.sqrt(v + eps),
                    dxhat, total, xhat, moment, var)

    def vjp_gamma(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
                  g: TExpr) -> TExpr:
        _, _, xhat = setup(b, args, attrs)
        return b.sum_to(b.ew(lambda d, h: d * h, g, xhat), args[1].shape)

    def vjp_beta(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
                 g: TExpr) -> TExpr:
        return b.sum_to(g, args[2].shape)

    return vjp_x, vjp_gamma, vjp_beta


# -- embedding -----------------------------------------------------------------------------------

def _embedding_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    table, index = shapes
    if len(table) != 2:
        raise ShapeError(where, f"embedding(C, idx) takes a table C of shape (V, D), got "
                         f"{format_shape(table)}")
    return (*index, table[1])


def _embedding(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    return np.asarray(args[0])[np.asarray(args[1]).astype(int)]


def _embedding_vjp(b: Builder, args: tuple[TExpr, ...], attrs: Attrs, out: TExpr,
                   g: TExpr) -> TExpr:
    return b.op("scatter_add", g, args[1], rows=args[0].shape[0])


def _scatter_shape(shapes: Sequence[Shape], attrs: Attrs, where: str) -> Shape:
    return (int(attrs["rows"]), shapes[0][-1])  # type: ignore[arg-type]


def _scatter_add(xp: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    g, index = args
    result = np.zeros((int(attrs["rows"]), np.shape(g)[-1]))  # type: ignore[arg-type]
    np.add.at(result, np.asarray(index).astype(int), g)
    return result


_EPS = {"eps": Attr("number", 1e-5)}

NN_OPS: tuple[OpSpec, ...] = (
    OpSpec("softmax", ("x",), {"axis": Attr("int", -1)}, _axis_shape("softmax"), _softmax,
           (_softmax_vjp,), notation="axis", summary="softmax(x, axis=-1)"),
    OpSpec("log_softmax", ("x",), {"axis": Attr("int", -1)}, _axis_shape("log_softmax"),
           _log_softmax, (_log_softmax_vjp,), notation="axis",
           summary="log_softmax(x, axis=-1)"),
    OpSpec("cross_entropy", ("logits", "labels"),
           {"reduction": Attr("mode", "mean", ("mean", "sum", "none"))},
           _loss_shape("cross_entropy"), _cross_entropy,
           (_cross_entropy_vjp, _cross_entropy_labels_vjp),
           summary="cross_entropy(logits, labels, reduction=mean): labels are class indices "
                   "(integers) or probabilities", check=_check_labels),
    OpSpec("nll", ("logp", "labels"), {"reduction": Attr("mode", "mean", ("mean", "sum", "none"))},
           _loss_shape("nll"), _nll, (_nll_vjp, None),
           summary="nll(logp, labels, reduction=mean): minus the picked log-probabilities",
           int_params=("labels",)),
    OpSpec("layer_norm", ("x", "gamma", "beta"), _EPS, _norm_shape("layer_norm"),
           _norm_forward("layer_norm"), _norm_vjps("layer_norm"),
           summary="layer_norm(x, gamma, beta, eps=1e-5): over the last axis"),
    OpSpec("batch_norm", ("x", "gamma", "beta"), _EPS, _norm_shape("batch_norm"),
           _norm_forward("batch_norm"), _norm_vjps("batch_norm"),
           summary="batch_norm(x, gamma, beta, eps=1e-5): training mode, statistics over every "
                   "axis but 1"),
    OpSpec("embedding", ("C", "idx"), {}, _embedding_shape, _embedding, (_embedding_vjp, None),
           summary="embedding(C, idx): the rows of C picked by the integers idx", linear=(0,),
           int_params=("idx",)),
    OpSpec("onehot", ("labels",), {"classes": Attr("int", 1)}, _onehot_shape, _onehot, (None,),
           summary="1 at each label's class, 0 elsewhere", backward_only=True,
           int_params=("labels",)),
    OpSpec("scatter_add", ("g", "idx"), {"rows": Attr("int", 1)}, _scatter_shape, _scatter_add,
           (None, None), summary="g's rows added into the rows idx of zeros (embedding's VJP)",
           linear=(0,), backward_only=True, int_params=("idx",)),
)
