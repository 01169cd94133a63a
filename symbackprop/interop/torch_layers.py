"""``torch.nn`` layers read as tensor formulas, from their parameters and attributes.

Each translator takes the :class:`~symbackprop.interop.torch_fx.Reader`, the traced step, the
module and its arguments, and returns the step's value: ``Linear`` is ``Z1 = X @ W1.T + b1``
(PyTorch's weight is ``(out, in)``), ``Conv2d`` is ``conv2d(X, W1, stride=2, padding=1) +
reshape(b1, shape=(8, 1, 1))``, ``BatchNorm1d`` in training mode is ``batch_norm(Z1, gamma1,
beta1)`` (the batch's statistics) and in eval mode ``(Z1 - mu1) / sqrt(var1 + 1e-05) * gamma1 +
beta1`` (the running statistics, constants), ``Dropout`` is nothing in eval mode and
``dropout(H1, mask1, 0.5)`` in training mode with the mask given.  An unbatched input (no batch
axis) is read as a batch of one where the operation needs the axis.

Examples
--------
>>> sorted(LAYERS)[:6]
['AdaptiveAvgPool1d', 'AdaptiveAvgPool2d', 'AlphaDropout', 'AvgPool1d', 'AvgPool2d', 'BatchNorm1d']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

from .torch_formulas import (
    Formula,
    add,
    call,
    matmul,
    multiply,
    number,
    reshape,
    subtract,
    transpose,
)
from .torch_fx import Reader

__all__ = ["FUNCTIONAL_LAYERS", "LAYERS"]


def _linear(reader: Reader, node: Any, module: Any, args: Sequence[Any],
            kwargs: Mapping[str, Any]) -> Formula:
    x = reader.tensor(args[0] if args else kwargs["input"], node)
    n = reader.layer_number(module, "W")
    w = reader.parameter(module.weight, f"W{n}", number=False)
    shape = (*x.shape[:-1], w.shape[0])
    z = matmul(x, transpose(w), shape)
    if module.bias is not None:
        z = add(z, reader.parameter(module.bias, f"b{n}", number=False), shape)
    return reader.node("Z", z, name=f"Z{n}")


def _batched(x: Formula, rank: int) -> Formula:
    """``x`` with a batch axis of one when it has none (an unbatched sample)."""
    return x if len(x.shape) == rank else reshape(x, (1, *x.shape))


def _conv(dims: int) -> Callable[..., Formula]:
    def read(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Formula:
        if module.groups != 1 or any(d != 1 for d in module.dilation) or (
                module.padding_mode != "zeros"):
            raise reader.refuse(node, f"has groups={module.groups}, dilation={module.dilation},"
                                      f" padding_mode={module.padding_mode!r}: from_torch "
                                      "reads groups=1, dilation=1 and zero padding")
        padding = module.padding
        if isinstance(padding, str):
            kernel = module.kernel_size
            if padding == "same" and any(k % 2 == 0 for k in kernel):
                raise reader.refuse(node, "pads 'same' around an even kernel (unevenly); give "
                                          "the padding as numbers")
            padding = tuple(0 if padding == "valid" else (k - 1) // 2 for k in kernel)
        x = reader.tensor(args[0] if args else kwargs["input"], node)
        out = tuple(reader.recorded(node).shape)
        n = reader.layer_number(module, "W")
        w = reader.parameter(module.weight, f"W{n}", number=False)
        inner = call(f"conv{dims}d", [_batched(x, dims + 2), w],
                     (1, *out) if len(out) == dims + 1 else out,
                     **_sizes("stride", module.stride), **_sizes("padding", padding, 0))
        if module.bias is not None:
            bias = reader.parameter(module.bias, f"b{n}", number=False)
            inner = add(inner, reshape(bias, (bias.shape[0], *([1] * dims))), inner.shape)
        return reader.node("Z", reshape(inner, out), name=f"Z{n}")
    return read


def _sizes(key: str, values: Sequence[int] | int, default: int = 1) -> dict[str, object]:
    """A stride or padding as an attribute: one number when every axis has it, left out when
    it is the default."""
    items = (values,) if isinstance(values, int) else tuple(values)
    if all(v == items[0] for v in items):
        return {} if items[0] == default else {key: int(items[0])}
    return {key: tuple(int(v) for v in items)}


def _pool(dims: int, mode: str) -> Callable[..., Formula]:
    def read(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Formula:
        padding = getattr(module, "padding", 0)
        dilation = getattr(module, "dilation", 1)
        if any(_ints(padding)) or any(d != 1 for d in _ints(dilation)) or module.ceil_mode or (
                getattr(module, "return_indices", False)) or (
                getattr(module, "divisor_override", None) is not None):
            raise reader.refuse(node, "has padding, dilation, ceil_mode, return_indices or a "
                                      "divisor_override: from_torch reads a pool with none")
        x = reader.tensor(args[0], node)
        out = tuple(reader.recorded(node).shape)
        size = _one_or_all(module.kernel_size)
        stride = size if module.stride is None else _one_or_all(module.stride)
        inner = call(f"{mode}_pool", [_batched(x, dims + 2)],
                     (1, *out) if len(out) == dims + 1 else out,
                     size=size, **({} if _ints(stride) == _ints(size) else {"stride": stride}))
        return reader.node("P", reshape(inner, out))
    return read


def _ints(value: Any, dims: int = 1) -> tuple[int, ...]:
    return (int(value),) * dims if isinstance(value, int) else tuple(int(v) for v in value)


def _one_or_all(value: Any) -> object:
    items = _ints(value)
    return items[0] if all(v == items[0] for v in items) else items


def _adaptive(dims: int) -> Callable[..., Formula]:
    def read(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Formula:
        if any(size not in (1, None) for size in _ints(module.output_size)):
            raise reader.refuse(node, f"pools to output_size={module.output_size}; from_torch "
                                      "reads output_size 1 (the mean over each channel)")
        x = reader.tensor(args[0], node)
        axes = tuple(range(len(x.shape) - dims, len(x.shape)))
        return reader.node("P", call("mean", [x], tuple(reader.recorded(node).shape),
                                     axis=axes, keepdims=True))
    return read


def _batch_norm(reader: Reader, node: Any, module: Any, args: Sequence[Any],
                kwargs: Mapping[str, Any]) -> Formula:
    x = reader.tensor(args[0], node)
    n = reader.layer_number(module, "N")
    channels = x.shape[1]
    trailing = [1] * (len(x.shape) - 2)

    def per_channel(value: Formula) -> Formula:
        return reshape(value, (channels, *trailing)) if value.shape else value

    gamma = reader.parameter(module.weight, f"gamma{n}", number=False) if module.affine \
        else number(1)
    beta = reader.parameter(module.bias, f"beta{n}", number=False) if module.affine \
        else number(0)
    eps = {} if module.eps == 1e-5 else {"eps": float(module.eps)}
    if module.training or module.running_mean is None:
        formula = call("batch_norm", [x, per_channel(gamma), per_channel(beta)], x.shape, **eps)
        return reader.node("N", formula, name=f"N{n}")
    mu = per_channel(reader.parameter(module.running_mean, f"mu{n}", number=False))
    var = per_channel(reader.parameter(module.running_var, f"var{n}", number=False))
    spread = call("sqrt", [add(var, number(float(module.eps)), var.shape)], var.shape)
    xhat = multiply(subtract(x, mu, x.shape), spread, x.shape, "/")
    formula = add(multiply(xhat, per_channel(gamma), x.shape), per_channel(beta), x.shape)
    return reader.node("N", formula, name=f"N{n}")


def _layer_norm(reader: Reader, node: Any, module: Any, args: Sequence[Any],
                kwargs: Mapping[str, Any]) -> Formula:
    x = reader.tensor(args[0], node)
    n = reader.layer_number(module, "N")
    normalized = tuple(module.normalized_shape)
    if module.elementwise_affine:
        gamma = reader.parameter(module.weight, f"gamma{n}", number=False)
        beta = reader.parameter(module.bias, f"beta{n}", number=False) \
            if module.bias is not None else number(0)
    else:
        gamma, beta = number(1), number(0)
    return reader.node("N", _layer_norm_formula(x, normalized, gamma, beta, float(module.eps)),
                       name=f"N{n}")


def _layer_norm_formula(x: Formula, normalized: tuple[int, ...], gamma: Formula, beta: Formula,
               eps: float) -> Formula:
    """Layer norm over the trailing axes ``normalized`` (one axis, or several read as one)."""
    size = math.prod(normalized)
    flat = reshape(x, (*x.shape[:len(x.shape) - len(normalized)], size))
    args = [flat, reshape(gamma, (size,)) if gamma.shape else gamma,
            reshape(beta, (size,)) if beta.shape else beta]
    formula = call("layer_norm", args, flat.shape, **({} if eps == 1e-5 else {"eps": eps}))
    return reshape(formula, x.shape)


def _embedding(reader: Reader, node: Any, module: Any, args: Sequence[Any],
               kwargs: Mapping[str, Any]) -> Formula:
    idx = reader.tensor(args[0], node)
    if module.max_norm is not None or module.scale_grad_by_freq or idx.dtype != "int":
        raise reader.refuse(node, "has max_norm (it renormalises the table in place), "
                                  "scale_grad_by_freq, or indices that are not integers; "
                                  "from_torch reads a plain lookup")
    if module.padding_idx is not None and (
            reader.numbers(reader.recorded(node.args[0])) == module.padding_idx).any():
        raise reader.refuse(node, f"looks up its padding_idx {module.padding_idx}, whose row "
                                  "PyTorch leaves without a gradient")
    n = reader.layer_number(module, "E")
    table = reader.parameter(module.weight, f"C{n}", number=False)
    return reader.node("E", call("embedding", [table, idx], (*idx.shape, table.shape[1])),
                       name=f"E{n}")


def _dropout_mask(reader: Reader, node: Any, module: Any) -> Any:
    """The mask given for a Dropout module in training mode (``masks=`` of from_torch), looked
    up by the module's name in any of the spellings ``"drop"``, ``"model.drop"``,
    ``"model[1]"``."""
    assert reader.traced is not None
    target = str(node.target)
    for key in (target, reader.traced.owner(node), f"model.{target}"):
        if key in reader.masks:
            return reader.masks[key]
    return None


def _dropout(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Formula:
    x = reader.tensor(args[0], node)
    if not module.training or module.p == 0:
        return x
    mask = _dropout_mask(reader, node, module)
    if type(module).__name__ != "Dropout" or mask is None or module.p >= 1:
        raise reader.refuse(node, f"drops at random in training mode (p={module.p})",
                            "call model.eval() (Dropout is then the identity), or give the "
                            "mask it is to apply: from_torch(..., masks={name: mask}) with a "
                            "tensor of 0s and 1s shaped like its input (nn.Dropout only)")
    values = reader.numbers(mask)
    if values.shape != x.shape:
        raise reader.refuse(node, f"is given a mask of shape {values.shape} for an input of "
                                  f"shape {x.shape}")
    leaf = reader.draft.leaf("mask", "constant", values.astype(float),
                             origin=f"masks[{reader.where(node)}]", number=True)
    return reader.node("D", call("dropout", [x, leaf, number(float(module.p))], x.shape))


def _reshaped(reader: Reader, node: Any, module: Any, args: Sequence[Any],
              kwargs: Mapping[str, Any]) -> Formula:
    return reshape(reader.tensor(args[0], node), tuple(reader.recorded(node).shape))


def _identity(reader: Reader, node: Any, module: Any, args: Sequence[Any],
              kwargs: Mapping[str, Any]) -> Formula:
    return reader.tensor(args[0], node)


def _eval_identity(reader: Reader, node: Any, module: Any, args: Sequence[Any],
                   kwargs: Mapping[str, Any]) -> Formula:
    if module.training and module.p > 0:
        return _dropout(reader, node, module, args, kwargs)
    return reader.tensor(args[0], node)


def _functional(read: Callable[..., Any], names: Sequence[str], defaults: Mapping[str, Any],
                adapt: Callable[[dict[str, Any]], dict[str, Any]] | None = None
                ) -> Callable[..., Any]:
    """A functional layer read as its module is, its arguments made into the attributes a
    module has (``F.conv2d(x, w, b, stride=2)`` as a ``Conv2d`` of that weight)."""
    def translate(reader: Reader, node: Any, module: Any, args: Sequence[Any],
                  kwargs: Mapping[str, Any]) -> Any:
        bound = {**defaults, **dict(zip(names, args, strict=False)), **kwargs}
        attributes = adapt(bound) if adapt is not None else bound
        stand_in = SimpleNamespace(**{k: v for k, v in attributes.items() if k != "input"})
        return read(reader, node, stand_in, [bound["input"]], {})
    return translate


def _conv_attributes(bound: dict[str, Any]) -> dict[str, Any]:
    dims = len(bound["weight"].shape) - 2
    return {**bound, "stride": _ints(bound["stride"], dims), "dilation": _ints(
        bound["dilation"], dims), "padding": bound["padding"] if isinstance(
        bound["padding"], str) else _ints(bound["padding"], dims),
        "kernel_size": bound["weight"].shape[2:], "padding_mode": "zeros"}


def _norm_attributes(bound: dict[str, Any]) -> dict[str, Any]:
    return {**bound, "affine": bound["weight"] is not None,
            "elementwise_affine": bound.get("weight") is not None}


_CONV = ("input", "weight", "bias", "stride", "padding", "dilation", "groups")
_CONV_DEFAULTS = {"bias": None, "stride": 1, "padding": 0, "dilation": 1, "groups": 1}
_POOL_DEFAULTS = {"stride": None, "padding": 0, "dilation": 1, "ceil_mode": False,
                  "return_indices": False, "divisor_override": None}
_MAX_POOL = ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode",
             "return_indices")
_AVG_POOL = ("input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
             "divisor_override")

#: torch.nn layer class -> its translator
LAYERS: Mapping[str, Callable[..., Any]] = {
    "Linear": _linear, "Conv1d": _conv(1), "Conv2d": _conv(2),
    "MaxPool1d": _pool(1, "max"), "MaxPool2d": _pool(2, "max"),
    "AvgPool1d": _pool(1, "avg"), "AvgPool2d": _pool(2, "avg"),
    "AdaptiveAvgPool1d": _adaptive(1), "AdaptiveAvgPool2d": _adaptive(2),
    "BatchNorm1d": _batch_norm, "BatchNorm2d": _batch_norm, "LayerNorm": _layer_norm,
    "Embedding": _embedding, "Dropout": _dropout, "Dropout1d": _eval_identity,
    "Dropout2d": _eval_identity, "AlphaDropout": _eval_identity,
    "Flatten": _reshaped, "Unflatten": _reshaped, "Identity": _identity,
}
#: functional layer (``F.name``) -> its translator
FUNCTIONAL_LAYERS: Mapping[str, Callable[..., Any]] = {
    "F.linear": _functional(_linear, ("input", "weight", "bias"), {"bias": None}),
    "F.conv1d": _functional(_conv(1), _CONV, _CONV_DEFAULTS, _conv_attributes),
    "F.conv2d": _functional(_conv(2), _CONV, _CONV_DEFAULTS, _conv_attributes),
    "F.max_pool1d": _functional(_pool(1, "max"), _MAX_POOL, _POOL_DEFAULTS),
    "F.max_pool2d": _functional(_pool(2, "max"), _MAX_POOL, _POOL_DEFAULTS),
    "F.avg_pool1d": _functional(_pool(1, "avg"), _AVG_POOL, _POOL_DEFAULTS),
    "F.avg_pool2d": _functional(_pool(2, "avg"), _AVG_POOL, _POOL_DEFAULTS),
    "F.adaptive_avg_pool1d": _functional(_adaptive(1), ("input", "output_size"), {}),
    "F.adaptive_avg_pool2d": _functional(_adaptive(2), ("input", "output_size"), {}),
    "F.batch_norm": _functional(_batch_norm, (
        "input", "running_mean", "running_var", "weight", "bias", "training", "momentum",
        "eps"), {"weight": None, "bias": None, "training": False, "eps": 1e-5},
        _norm_attributes),
    "F.layer_norm": _functional(_layer_norm, (
        "input", "normalized_shape", "weight", "bias", "eps"),
        {"weight": None, "bias": None, "eps": 1e-5}, _norm_attributes),
    "F.embedding": _functional(_embedding, (
        "input", "weight", "padding_idx", "max_norm"),
        {"padding_idx": None, "max_norm": None, "scale_grad_by_freq": False}),
}
