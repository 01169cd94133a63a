"""PyTorch's activations read as tensor formulas: the ``torch.nn`` activation modules, their
functional forms (``F.relu``, ``torch.tanh``, ``F.gelu(x, approximate="tanh")`` ...) and the
softmax modules.

Each activation is a node ``H1``, ``H2`` ... (softmax and log-softmax ``S1`` ...), its formula
in the grammar's functions: ``GELU()`` is ``gelu`` (the erf form),
``GELU(approximate="tanh")`` ``gelu_tanh``, ``ELU(alpha)`` ``elu(x, alpha)``, ``Softplus(beta)``
``softplus(beta * x) / beta``, ``Hardtanh``/``ReLU6`` ``minimum(maximum(x, low), high)``,
``Mish`` ``x * tanh(softplus(x))``.

Examples
--------
>>> sorted(ACTIVATION_LAYERS)[:5]
['CELU', 'ELU', 'GELU', 'Hardtanh', 'LeakyReLU']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .torch_formulas import Formula, activation, add, call, multiply, negate, number, subtract
from .torch_fx import Reader

__all__ = ["ACTIVATIONS", "ACTIVATION_CALLS", "ACTIVATION_LAYERS", "activation_of"]


def activation_of(name: str, x: Formula, **params: Any) -> Formula:
    """An activation of ``x`` by its PyTorch name (``relu``, ``gelu`` with ``approximate``,
    ``hardtanh`` with ``min_val``/``max_val`` ...), in the grammar.

    Examples
    --------
    >>> activation_of("gelu", Formula("Z1", (3,)), approximate="tanh").text
    'gelu_tanh(Z1)'
    >>> activation_of("relu6", Formula("Z1", (3,))).text
    'minimum(maximum(Z1, 0), 6)'
    """
    if name == "gelu":
        return activation("gelu_tanh" if params.get("approximate") == "tanh" else "gelu", x)
    if name in ("hardtanh", "relu6"):
        low, high = (0, 6) if name == "relu6" else (params.get("min_val", -1.0),
                                                     params.get("max_val", 1.0))
        inner = call("maximum", [x, number(low)], x.shape)
        return call("minimum", [inner, number(high)], x.shape)
    if name == "mish":
        return multiply(x, call("tanh", [activation("softplus", x)], x.shape), x.shape)
    if name == "softsign":
        denominator = add(number(1), call("abs", [x], x.shape), x.shape)
        return multiply(x, denominator, x.shape, "/")
    if name == "tanhshrink":
        return subtract(x, call("tanh", [x], x.shape), x.shape)
    if name == "logsigmoid":
        return negate(activation("softplus", negate(x)))
    if name == "selu":
        inner = activation("elu", x, alpha=1.6732632423543772)
        return multiply(number(1.0507009873554805), inner, x.shape)
    if name == "celu":
        alpha = float(params.get("alpha", 1.0))
        scaled = activation("elu", multiply(x, number(alpha), x.shape, "/"))
        return multiply(number(alpha), scaled, x.shape) if alpha != 1.0 else scaled
    if name == "leaky_relu":
        return activation(name, x, slope=float(params.get("negative_slope", 0.01)))
    if name in ("softplus", "elu"):
        return activation(name, x, **{k: float(v) for k, v in params.items()
                                      if k in ("beta", "alpha")})
    return activation(name, x)


#: torch.nn activation class -> (its function's name, the attributes it reads)
ACTIVATIONS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "ReLU": ("relu", ()), "Sigmoid": ("sigmoid", ()), "Tanh": ("tanh", ()),
    "LeakyReLU": ("leaky_relu", ("negative_slope",)), "Softplus": ("softplus", ("beta",)),
    "ELU": ("elu", ("alpha",)), "GELU": ("gelu", ("approximate",)), "SiLU": ("silu", ()),
    "Hardtanh": ("hardtanh", ("min_val", "max_val")), "ReLU6": ("relu6", ()),
    "Mish": ("mish", ()), "Softsign": ("softsign", ()), "Tanhshrink": ("tanhshrink", ()),
    "LogSigmoid": ("logsigmoid", ()), "SELU": ("selu", ()), "CELU": ("celu", ("alpha",)),
}


def _activation(reader: Reader, node: Any, module: Any, args: Sequence[Any],
                kwargs: Mapping[str, Any]) -> Formula:
    name, attributes = ACTIVATIONS[type(module).__name__]
    x = reader.tensor(args[0], node)
    if name == "softplus" and module.threshold < 40:
        reader.draft.notes.append(
            f"{reader.where(node)}: PyTorch's Softplus is the identity where beta*x > "
            f"{module.threshold}; symbackprop's softplus is log(1 + exp(x)) everywhere (the "
            f"two differ there by less than exp(-{module.threshold})).")
    formula = activation_of(name, x, **{a: getattr(module, a) for a in attributes})
    return reader.node("H", formula)


def _softmax(log: bool) -> Callable[..., Formula]:
    def read(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Formula:
        name = "log_softmax" if log else "softmax"
        return _softmax_node(reader, node, name, reader.tensor(args[0], node), module.dim)
    return read


def _functional(name: str, *params: str) -> Callable[..., Formula]:
    def read(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Formula:
        bound = {**dict(zip(("input", *params), args, strict=False)), **kwargs}
        x = reader.tensor(bound["input"], node)
        values = {p: bound[p] for p in params if p in bound and p != "inplace"}
        return reader.node("H", activation_of(name, x, **values))
    return read


def _softmax_call(name: str) -> Callable[..., Formula]:
    def read(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Formula:
        bound = {**dict(zip(("input", "dim"), args, strict=False)), **kwargs}
        if bound.get("dtype") is not None:
            raise reader.refuse(node, "is given a dtype; from_torch reads float64 throughout")
        return _softmax_node(reader, node, name, reader.tensor(bound["input"], node),
                             bound.get("dim"))
    return read


def _softmax_node(reader: Reader, node: Any, name: str, x: Formula, dim: Any) -> Formula:
    if dim is None:
        dim = 0 if len(x.shape) in (0, 1, 3) else 1  # PyTorch's choice when dim is None
    attrs = {} if int(dim) in (-1, len(x.shape) - 1) else {"axis": int(dim)}
    return reader.node("S", call(name, [x], x.shape, **attrs))


#: torch.nn activation and softmax class -> its translator
ACTIVATION_LAYERS: Mapping[str, Callable[..., Any]] = {
    **{name: _activation for name in ACTIVATIONS},
    "Softmax": _softmax(False), "LogSoftmax": _softmax(True),
}
#: function name (``F.name`` for torch.nn.functional, ``name`` for torch) -> its translator
ACTIVATION_CALLS: Mapping[str, Callable[..., Any]] = {
    **{name: _functional(name) for name in ("relu", "sigmoid", "tanh")},
    **{f"F.{name}": _functional(name, *params) for name, params in (
        ("relu", ("inplace",)), ("sigmoid", ()), ("tanh", ()), ("silu", ("inplace",)),
        ("gelu", ("approximate",)), ("elu", ("alpha", "inplace")),
        ("leaky_relu", ("negative_slope", "inplace")), ("softplus", ("beta", "threshold")),
        ("hardtanh", ("min_val", "max_val", "inplace")), ("relu6", ("inplace",)),
        ("mish", ("inplace",)), ("softsign", ()), ("tanhshrink", ()), ("logsigmoid", ()),
        ("selu", ("inplace",)), ("celu", ("alpha", "inplace")))},
    **{key: _softmax_call(name) for key, name in (
        ("softmax", "softmax"), ("log_softmax", "log_softmax"), ("F.softmax", "softmax"),
        ("F.log_softmax", "log_softmax"))},
}
