"""PyTorch's losses read as tensor formulas: the ``torch.nn`` loss modules and their functional
forms (``F.mse_loss`` ...), each with ``reduction="mean"``, ``"sum"`` (or ``"none"``, followed
by a reduction of one's own).

=========================  ===================================================================
``MSELoss``                ``mean((Yhat - y)**2)``
``L1Loss``                 ``mean(abs(Yhat - y))``
``HuberLoss(delta)``       ``mean(huber(Yhat - y, delta=...))``
``SmoothL1Loss(beta)``     ``mean(smooth_l1(Yhat - y, beta=...))``
``CrossEntropyLoss``       ``cross_entropy(Z, y)``: class indices or probabilities; the class
                           axis moved last for ``(N, C, d...)``; ``label_smoothing`` written
                           out
``NLLLoss``                ``nll(P, y)``
``BCELoss``                ``mean(-(y * log(P) + (1 - y) * log(1 - P)))`` (``weight`` a constant)
``BCEWithLogitsLoss``      ``mean(softplus(Z) - y * Z)`` (``pos_weight``, ``weight`` constants)
=========================  ===================================================================

Examples
--------
>>> sorted(LOSS_MODULES)[:4], sorted(LOSS_CALLS)[:2]
(['BCELoss', 'BCEWithLogitsLoss', 'CrossEntropyLoss', 'HuberLoss'], ['F.binary_cross_entropy', \
'F.binary_cross_entropy_with_logits'])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .torch_formulas import Formula, add, call, multiply, negate, number, power, subtract, transpose
from .torch_fx import Reader

__all__ = ["LOSS_CALLS", "LOSS_MODULES"]

# functional loss -> (its kind, its parameters after input and target, in order)
_FUNCTIONAL: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "mse_loss": ("mse", ("size_average", "reduce", "reduction", "weight")),
    "l1_loss": ("l1", ("size_average", "reduce", "reduction")),
    "huber_loss": ("huber", ("reduction", "delta", "weight")),
    "smooth_l1_loss": ("smooth_l1", ("size_average", "reduce", "reduction", "beta")),
    "cross_entropy": ("cross_entropy", ("weight", "size_average", "ignore_index", "reduce",
                                        "reduction", "label_smoothing")),
    "nll_loss": ("nll", ("weight", "size_average", "ignore_index", "reduce", "reduction")),
    "binary_cross_entropy": ("bce", ("weight", "size_average", "reduce", "reduction")),
    "binary_cross_entropy_with_logits": ("bce_logits", ("weight", "size_average", "reduce",
                                                        "reduction", "pos_weight")),
}
#: torch.nn loss module -> (its kind, the attributes it reads)
_MODULES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "MSELoss": ("mse", ()), "L1Loss": ("l1", ()), "HuberLoss": ("huber", ("delta",)),
    "SmoothL1Loss": ("smooth_l1", ("beta",)),
    "CrossEntropyLoss": ("cross_entropy", ("weight", "ignore_index", "label_smoothing")),
    "NLLLoss": ("nll", ("weight", "ignore_index")), "BCELoss": ("bce", ("weight",)),
    "BCEWithLogitsLoss": ("bce_logits", ("weight", "pos_weight")),
}


def _reduced(elementwise: Formula, reduction: str) -> Formula:
    if reduction == "none":
        return elementwise
    return call(reduction, [elementwise], ())


def _class_last(x: Formula) -> Formula:
    """``(N, C, d...)`` with the class axis moved last, as the registry's losses read it."""
    rank = len(x.shape)
    return transpose(x, (0, *range(2, rank), 1)) if rank >= 3 else x


def _loss_formula(reader: Reader, node: Any, kind: str, out: Formula, target: Formula,
                 options: Mapping[str, Any]) -> Formula:
    """The loss ``kind`` of the model's output ``out`` and ``target`` as a formula."""
    reduction = options.get("reduction", "mean")
    if options.get("size_average") is not None or options.get("reduce") is not None:
        raise reader.refuse(node, "is given size_average or reduce (deprecated); from_torch "
                                  "reads reduction='mean', 'sum' or 'none'")
    if reduction not in ("mean", "sum", "none"):
        raise reader.refuse(node, f"has reduction={reduction!r}")
    shape = tuple(reader.recorded(node).shape)
    if kind in ("mse", "l1", "huber", "smooth_l1"):
        wide = _broadcast(out.shape, target.shape)
        residual = subtract(out, target, wide)
        if kind == "mse":
            elementwise = power(residual, number(2), wide)
        elif kind == "l1" or (kind == "smooth_l1" and float(options.get("beta", 1.0)) == 0):
            elementwise = call("abs", [residual], wide)
        else:
            key = "delta" if kind == "huber" else "beta"
            value = float(options.get(key, 1.0))
            elementwise = call(kind, [residual], wide, **({} if value == 1.0 else {key: value}))
        weight = options.get("weight")
        if weight is not None:
            elementwise = multiply(_constant(reader, node, weight, "weight"), elementwise, wide)
        return _reduced(elementwise, reduction)
    if kind in ("bce", "bce_logits"):
        return _reduced(_binary(reader, node, kind, out, target, options), reduction)
    if options.get("weight") is not None:
        raise reader.refuse(node, "weighs the classes (weight=...); from_torch reads "
                                  "every class alike",
                            "write the weighted loss as a tensor formula: "
                            "sum(w[y] * ...) over [tensor.nodes]")
    ignore = options.get("ignore_index", -100)
    labels_given = reader.numbers(reader.recorded(_target_step(node)))
    if target.dtype == "int" and (labels_given == ignore).any():
        raise reader.refuse(node, f"is given a label equal to ignore_index ({ignore}), "
                                  "which the loss leaves out; drop that sample from y")
    logits, labels = _class_last(out), target if target.dtype == "int" else _class_last(target)
    if kind == "nll":
        return call("nll", [logits, labels], shape, **_mode(reduction))
    smoothing = float(options.get("label_smoothing", 0.0))
    classes = logits.shape[-1]
    if smoothing and labels.dtype != "int":
        spread = add(multiply(number(1 - smoothing), labels, labels.shape),
                     number(smoothing / classes), labels.shape)
        return call("cross_entropy", [logits, spread], shape, **_mode(reduction))
    loss = call("cross_entropy", [logits, labels], shape, **_mode(reduction))
    if not smoothing:
        return loss
    uniform = negate(call("log_softmax", [logits], logits.shape))
    if reduction == "none":
        part = call("mean", [uniform], shape, axis=-1)
    elif reduction == "mean":
        part = call("mean", [uniform], ())
    else:
        part = multiply(call("sum", [uniform], ()), number(classes), (), "/")
    return add(multiply(number(1 - smoothing), loss, shape),
               multiply(number(smoothing), part, shape), shape)


def _mode(reduction: str) -> dict[str, str]:
    return {} if reduction == "mean" else {"reduction": reduction}


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    import numpy as np

    return tuple(np.broadcast_shapes(a, b))


def _target_step(node: Any) -> Any:
    return node.args[1] if len(node.args) > 1 else node.kwargs["target"]


def _constant(reader: Reader, node: Any, value: Any, name: str) -> Formula:
    if isinstance(value, Formula):
        return value
    return reader.draft.leaf(name, "constant", reader.numbers(value),
                             origin=f"the {name} of {reader.where(node)}", number=True)


def _binary(reader: Reader, node: Any, kind: str, out: Formula, target: Formula,
            options: Mapping[str, Any]) -> Formula:
    wide = _broadcast(out.shape, target.shape)
    if kind == "bce":
        reader.draft.notes.append(
            f"{reader.where(node)}: PyTorch's BCELoss clamps each log at -100; the problem's "
            "log is not clamped (the two agree unless a probability is within e^-100 of 0 or "
            "1).")
        first = multiply(target, call("log", [out], out.shape), wide)
        second = multiply(subtract(number(1), target, target.shape),
                          call("log", [subtract(number(1), out, out.shape)], out.shape), wide)
        elementwise = negate(add(first, second, wide))
    else:
        pos_weight = options.get("pos_weight")
        if pos_weight is None:
            elementwise = subtract(call("softplus", [out], out.shape),
                                   multiply(target, out, wide), wide)
        else:
            weight = _constant(reader, node, pos_weight, "pos_weight")
            positive = multiply(multiply(weight, target, wide),
                                call("softplus", [negate(out)], out.shape), wide)
            negative = multiply(subtract(number(1), target, target.shape),
                                call("softplus", [out], out.shape), wide)
            elementwise = add(positive, negative, wide)
    given = options.get("weight")
    if given is not None:
        elementwise = multiply(_constant(reader, node, given, "weight"), elementwise, wide)
    return elementwise


def _module_loss(reader: Reader, node: Any, module: Any, args: Sequence[Any],
                 kwargs: Mapping[str, Any]) -> Formula:
    kind, attributes = _MODULES[type(module).__name__]
    out = reader.tensor(args[0] if args else kwargs["input"], node)
    target = reader.tensor(args[1] if len(args) > 1 else kwargs["target"], node)
    options = {"reduction": module.reduction,
               **{a: getattr(module, a, None) for a in attributes}}
    return _loss_formula(reader, node, kind, out, target, options)


def _functional_loss(name: str) -> Callable[..., Formula]:
    kind, params = _FUNCTIONAL[name]

    def read(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Formula:
        bound = {**dict(zip(("input", "target", *params), args, strict=False)), **kwargs}
        out, target = reader.tensor(bound["input"], node), reader.tensor(bound["target"], node)
        return _loss_formula(reader, node, kind, out, target, bound)
    return read


#: torch.nn loss class -> its translator
LOSS_MODULES: Mapping[str, Callable[..., Any]] = {name: _module_loss for name in _MODULES}
#: functional loss (``F.name``) -> its translator
LOSS_CALLS: Mapping[str, Callable[..., Any]] = {f"F.{name}": _functional_loss(name)
                                                for name in _FUNCTIONAL}
