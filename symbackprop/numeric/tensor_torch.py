"""The tensor level in PyTorch: every operation of the registry and every elementwise function
as torch computes it (float64), so that torch autograd differentiates a tensor graph's forward
pass, and the registry's tests compare each operation with torch.

:data:`TORCH_OPS` maps each operation of :data:`~symbackprop.rules.tensor.registry.OPS` to
torch's own function where torch has one (``F.cross_entropy``, ``F.layer_norm``,
``F.conv2d``, ``torch.var`` ...), checked complete when this module is imported;
:data:`TORCH_FUNCTIONS` maps each sympy function a :class:`~symbackprop.rules.tensor.expr.Map`
may hold (``tanh``, ``sigmoid``, ``gelu``, ``huber`` ...) to torch's.  Nothing here reads a VJP
rule: torch autograd's derivatives are torch's, which is what makes it an oracle of the
registry.  torch itself is imported by the functions that need it (the ``[torch]`` extra).

Examples
--------
>>> import numpy as np
>>> from symbackprop.graph.tensor import TensorNode
>>> from symbackprop.graph.tensor_build import build_tensor_graph
>>> graph = build_tensor_graph(
...     [TensorNode("x", "input", (2,)), TensorNode("w", "parameter", (2,))],
...     {"L": "sum(tanh(w * x))"}, "L")
>>> grads = torch_gradients(graph, {"x": np.array([1.0, 2.0]), "w": np.array([0.0, 0.5])})
>>> grads["w"].round(6)
array([1.      , 0.839949])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from ..errors import GraphError
from ..graph.tensor import TensorGraph
from ..rules.tensor.expr import Adj, AttrValue, Map, Op, Ref, TExpr
from ..rules.tensor.ops_nn import norm_axes
from ..rules.tensor.ops_reduce import unbroadcast_axes
from ..rules.tensor.opspec import normalize_axes
from ..rules.tensor.registry import OPS

__all__ = ["TORCH_FUNCTIONS", "TORCH_OPS", "torch_evaluate", "torch_forward", "torch_gradients",
           "torch_op"]

Attrs = Mapping[str, AttrValue]
TorchOp = Callable[[Any, Sequence[Any], Attrs], Any]
"""``(torch, argument tensors, attributes) -> tensor``."""


def _axes(attrs: Attrs, x: Any, key: str = "axis") -> tuple[int, ...]:
    return normalize_axes(attrs[key], x.dim(), "", "")


def _reduce(method: str) -> TorchOp:
    def run(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
        x, axes, keep = args[0], _axes(attrs, args[0]), bool(attrs["keepdims"])
        if not axes:  # a scalar: nothing to reduce
            return x
        if method == "var":
            return t.var(x, dim=axes, correction=int(attrs["ddof"]),  # type: ignore[arg-type]
                         keepdim=keep)
        if method == "max":
            return t.amax(x, dim=axes, keepdim=keep)
        return getattr(x, method)(dim=axes, keepdim=keep)
    return run


def _ints(value: AttrValue) -> Any:
    return tuple(value) if isinstance(value, tuple) else value


def _functional(t: Any, name: str, dims: int) -> Any:
    return getattr(t.nn.functional, f"{name}{dims}d")


def _conv(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    x, w = args
    return _functional(t, "conv", x.dim() - 2)(x, w, stride=_ints(attrs["stride"]),
                                               padding=_ints(attrs["padding"]))


def _per_dim(value: AttrValue, dims: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, tuple) else (int(value),) * dims  # type: ignore[arg-type]


def _conv_transpose(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    g, w = args
    size = attrs["size"]
    assert isinstance(size, tuple)  # the registry's shape rule checked it
    dims = len(size)
    stride, padding = _per_dim(attrs["stride"], dims), _per_dim(attrs["padding"], dims)
    kernel, out = tuple(w.shape[2:]), tuple(g.shape[2:])
    extra = tuple(n - ((o - 1) * s - 2 * p + k) for n, o, s, p, k in zip(
        size, out, stride, padding, kernel, strict=True))
    return _functional(t, "conv_transpose", dims)(g, w, stride=stride, padding=padding,
                                                  output_padding=extra)


def _conv_weight(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    x, g = args
    kernel = attrs["kernel"]
    assert isinstance(kernel, tuple)
    weight = getattr(t.nn.grad, f"conv{len(kernel)}d_weight")
    return weight(x, (g.shape[1], x.shape[1], *kernel), g, stride=_ints(attrs["stride"]),
                  padding=_ints(attrs["padding"]))


def _pool(mode: str) -> TorchOp:
    def run(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
        x = args[0]
        stride = attrs["size"] if attrs["stride"] is None else attrs["stride"]
        return _functional(t, f"{mode}_pool", x.dim() - 2)(x, _ints(attrs["size"]),
                                                           stride=_ints(stride))
    return run


def _pool_backward(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    """torch's own gradient of the pool at ``x``, applied to ``g``."""
    x, g = args
    mode = str(attrs["mode"])
    with t.enable_grad():
        held = x.detach().requires_grad_(True)
        pooled = _pool(mode)(t, [held], attrs)
        (result,) = t.autograd.grad(pooled, held, g, create_graph=g.requires_grad)
    return result


def _sum_to(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    x, target = args[0], attrs["shape"]
    assert isinstance(target, tuple)
    lead, kept = unbroadcast_axes(tuple(x.shape), target)
    result = x.sum(dim=kept, keepdim=True) if kept else x
    return (result.sum(dim=lead) if lead else result).reshape(target)


def _broadcast_to(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    g, target, axes = args[0], attrs["shape"], attrs["axes"]
    assert isinstance(target, tuple) and isinstance(axes, tuple)
    for axis in sorted(axes):
        g = g.unsqueeze(axis)
    return g.expand(target)


def _max_mask(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    x = args[0]
    axes = _axes(attrs, x)
    rest = [a for a in range(x.dim()) if a not in axes]
    moved = x.permute(*rest, *axes)
    flat = moved.reshape(*moved.shape[:len(rest)], -1)
    mask = t.nn.functional.one_hot(flat.argmax(dim=-1), flat.shape[-1]).to(x.dtype)
    return mask.reshape(moved.shape).permute(*np.argsort((*rest, *axes)).tolist())


def _unindex(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    target, indices = attrs["shape"], attrs["indices"]
    assert isinstance(target, tuple) and isinstance(indices, tuple)
    result = t.zeros(target, dtype=args[0].dtype)
    result[indices] = args[0]
    return result


def _norm(op: str) -> TorchOp:
    def run(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
        x, gamma, beta = args
        eps = float(attrs["eps"])  # type: ignore[arg-type]
        F = t.nn.functional
        if op == "layer_norm":
            normed = F.layer_norm(x, (x.shape[-1],), eps=eps)
        else:  # training mode: statistics over every axis but 1
            assert norm_axes(op, x.dim()) == tuple(a for a in range(x.dim()) if a != 1)
            normed = F.batch_norm(x, None, None, training=True, eps=eps)
        return gamma * normed + beta
    return run


def _labels_are_indices(logits: Any, labels: Any) -> bool:
    return tuple(labels.shape) == tuple(logits.shape[:-1])


def _cross_entropy(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    logits, labels = args
    return t.nn.functional.cross_entropy(logits, labels, reduction=str(attrs["reduction"]))


def _scatter_add(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    g, index = args
    rows = int(attrs["rows"])  # type: ignore[arg-type]
    flat = g.reshape(-1, g.shape[-1])
    return t.zeros((rows, g.shape[-1]), dtype=g.dtype).index_add(0, index.reshape(-1), flat)


def _concat(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    (axis,) = normalize_axes(attrs["axis"], args[0].dim(), "", "")
    return t.cat(list(args), dim=axis)


def _transpose(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    x, axes = args[0], attrs["axes"]
    rank = x.dim()
    order = tuple(reversed(range(rank))) if axes is None else tuple(
        a % rank for a in axes)  # type: ignore[union-attr]
    return x.permute(*order)


def _slice(t: Any, args: Sequence[Any], attrs: Attrs) -> Any:
    start = int(attrs["start"])  # type: ignore[arg-type]
    return args[0].narrow(int(attrs["axis"]), start, int(attrs["stop"]) - start)  # type: ignore[arg-type]


TORCH_OPS: Mapping[str, TorchOp] = {
    "matmul": lambda t, a, k: t.matmul(a[0], a[1]),
    "transpose": _transpose,
    "reshape": lambda t, a, k: a[0].reshape(k["shape"]),
    "concat": _concat,
    "index": lambda t, a, k: a[0][k["indices"]],
    "outer": lambda t, a, k: t.outer(a[0], a[1]),
    "slice": _slice,
    "unindex": _unindex,
    "sum": _reduce("sum"),
    "mean": _reduce("mean"),
    "max": _reduce("max"),
    "var": _reduce("var"),
    "sum_to": _sum_to,
    "broadcast_to": _broadcast_to,
    "max_mask": _max_mask,
    "softmax": lambda t, a, k: t.softmax(a[0], dim=int(k["axis"])),  # type: ignore[arg-type]
    "log_softmax": lambda t, a, k: t.log_softmax(a[0], dim=int(k["axis"])),  # type: ignore[arg-type]
    "cross_entropy": _cross_entropy,
    "nll": lambda t, a, k: t.nn.functional.nll_loss(a[0], a[1], reduction=str(k["reduction"])),
    "layer_norm": _norm("layer_norm"),
    "batch_norm": _norm("batch_norm"),
    "embedding": lambda t, a, k: t.nn.functional.embedding(a[1], a[0]),
    "onehot": lambda t, a, k: t.nn.functional.one_hot(
        a[0], int(k["classes"])).to(t.float64),  # type: ignore[arg-type]
    "scatter_add": _scatter_add,
    "conv1d": _conv,
    "conv2d": _conv,
    "max_pool": _pool("max"),
    "avg_pool": _pool("avg"),
    "conv_transpose": _conv_transpose,
    "conv_weight": _conv_weight,
    "pool_backward": _pool_backward,
}
"""Every operation of the registry in torch."""

if set(TORCH_OPS) != set(OPS):  # checked at import: a new operation needs its twin here
    raise ImportError(f"TORCH_OPS and the registry differ: {sorted(set(TORCH_OPS) ^ set(OPS))}")


def _functional_of(name: str, **fixed: Any) -> Callable[..., Any]:
    def run(t: Any, *args: Any) -> Any:
        return getattr(t.nn.functional, name)(*args, **fixed)
    return run


def _residual_loss(name: str, keyword: str) -> Callable[..., Any]:
    def run(t: Any, r: Any, parameter: Any) -> Any:
        loss = getattr(t.nn.functional, name)
        return loss(r, t.zeros_like(r), reduction="none", **{keyword: float(parameter)})
    return run


def _leaky_relu(t: Any, x: Any, slope: Any) -> Any:
    if isinstance(slope, float):
        return t.nn.functional.leaky_relu(x, slope)
    return t.where(x > 0, x, slope * x)


def _maximum(function: str) -> Callable[..., Any]:
    def run(t: Any, *args: Any) -> Any:
        result = args[0]
        for arg in args[1:]:
            result = getattr(t, function)(t.as_tensor(result), t.as_tensor(arg))
        return result
    return run


TORCH_FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    "exp": lambda t, x: t.exp(x), "log": lambda t, x: t.log(x),
    "Abs": lambda t, x: t.abs(x), "sin": lambda t, x: t.sin(x), "cos": lambda t, x: t.cos(x),
    "tan": lambda t, x: t.tan(x), "tanh": lambda t, x: t.tanh(x), "erf": lambda t, x: t.erf(x),
    "sigmoid": lambda t, x: t.sigmoid(x), "relu": lambda t, x: t.relu(x),
    "leaky_relu": _leaky_relu, "softplus": _functional_of("softplus"),
    "silu": _functional_of("silu"), "gelu": _functional_of("gelu"),
    "gelu_tanh": _functional_of("gelu", approximate="tanh"),
    "elu": lambda t, x, alpha: t.nn.functional.elu(x, float(alpha)),
    "huber": _residual_loss("huber_loss", "delta"),
    "smooth_l1": _residual_loss("smooth_l1_loss", "beta"),
    "Max": _maximum("maximum"), "Min": _maximum("minimum"),
    "sign": lambda t, x: t.sign(x),
    "Heaviside": lambda t, x, h0=0.5: t.heaviside(x, t.as_tensor(float(h0), dtype=x.dtype)),
}
"""Each sympy function a :class:`~symbackprop.rules.tensor.expr.Map` may hold, by the name of
its class, in torch (``(torch, *arguments) -> tensor``)."""


def torch_op(name: str, args: Sequence[Any], attrs: Attrs) -> Any:
    """Operation ``name`` of the registry on torch tensors.

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[1.0, 2.0], [3.0, 5.0]], dtype=torch.float64)
    >>> torch_op("var", [x], {"axis": 0, "keepdims": False, "ddof": 0})
    tensor([1.0000, 2.2500], dtype=torch.float64)
    """
    import torch

    return TORCH_OPS[name](torch, args, attrs)


def torch_evaluate(expr: TExpr, values: Mapping[str, Any],
                   adjoints: Mapping[str, Any] | None = None) -> Any:
    """The value of IR ``expr`` as a torch tensor, from the tensors of the nodes (and adjoints)
    it reads; each distinct subexpression computed once.

    Examples
    --------
    >>> import torch
    >>> from symbackprop.rules.tensor.grammar import parse_tensor_formula
    >>> from symbackprop.rules.tensor.expr import Ref
    >>> expr = parse_tensor_formula("softmax(2 * z)", {"z": Ref("z", (2,))})
    >>> torch_evaluate(expr, {"z": torch.tensor([0.0, 0.5], dtype=torch.float64)})
    tensor([0.2689, 0.7311], dtype=torch.float64)
    """
    import torch

    memo: dict[TExpr, Any] = {}
    adjoints = adjoints or {}

    def run(node: TExpr) -> Any:
        found = memo.get(node)
        if found is None:
            if isinstance(node, Ref):
                found = values[node.name]
            elif isinstance(node, Adj):
                found = adjoints[node.name]
            elif isinstance(node, Op):
                found = TORCH_OPS[node.name](torch, [run(a) for a in node.args], node.attributes)
            else:
                found = _map(torch, node, [run(a) for a in node.args])
            memo[node] = found
        return found

    return run(expr)


def _map(t: Any, node: Map, args: list[Any]) -> Any:
    env = dict(zip(node.slots, args, strict=True))
    memo: dict[sympy.Basic, Any] = {}

    def walk(expr: sympy.Basic) -> Any:
        found = memo.get(expr)
        if found is not None:
            return found
        if expr.is_Symbol:
            found = env[expr]
        elif expr.is_Number or expr.is_NumberSymbol:
            found = float(expr)
        elif expr.is_Add:
            found = sum((walk(a) for a in expr.args[1:]), walk(expr.args[0]))
        elif expr.is_Mul:
            found = walk(expr.args[0])
            for a in expr.args[1:]:
                found = found * walk(a)
        elif expr.is_Pow:
            found = t.pow(t.as_tensor(walk(expr.args[0]), dtype=t.float64), walk(expr.args[1]))
        else:
            function = TORCH_FUNCTIONS.get(type(expr).__name__)
            if function is None:
                raise GraphError(f"no torch twin of the function {type(expr).__name__} "
                                 f"(in {node})")
            found = function(t, *(walk(a) for a in expr.args))
        memo[expr] = found
        return found

    value = t.as_tensor(walk(node.expr), dtype=t.float64)
    return value if tuple(value.shape) == node.shape else value.expand(node.shape)


def torch_forward(graph: TensorGraph, values: Mapping[str, Any],
                  requires_grad: Sequence[str] = ()) -> dict[str, Any]:
    """Every node's value as a torch tensor (float64; integer leaves as ``torch.long``), the
    leaves named in ``requires_grad`` tracked by autograd.

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("x", "input", (2,))], {"L": "sum(x**2)"}, "L")
    >>> float(torch_forward(graph, {"x": np.array([3.0, 4.0])})["L"])
    25.0
    """
    import torch

    result: dict[str, Any] = {}
    for name, node in graph.nodes.items():
        if node.definition is None:
            if node.dtype == "int":
                result[name] = torch.as_tensor(np.asarray(values[name]), dtype=torch.long)
            else:
                result[name] = torch.tensor(np.asarray(values[name], dtype=float),
                                            dtype=torch.float64,
                                            requires_grad=name in requires_grad)
        else:
            result[name] = torch_evaluate(node.definition, result)
    return result


def torch_gradients(graph: TensorGraph, values: Mapping[str, Any],
                    wrt: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """The gradient of the output with respect to each leaf tensor of ``wrt`` (default: every
    parameter) by torch autograd on :func:`torch_forward`, as numpy arrays.

    Raises
    ------
    GraphError
        If a name of ``wrt`` is not a float leaf (autograd differentiates with respect to
        leaves).

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("w", "parameter", (2,))], {"L": "sum(w**3)"},
    ...                            "L")
    >>> torch_gradients(graph, {"w": np.array([1.0, -2.0])})
    {'w': array([ 3., 12.])}
    """
    import torch

    names = list(graph.parameters if wrt is None else wrt)
    for name in names:
        node = graph.node(name)
        if not node.is_leaf or node.dtype == "int":
            raise GraphError(f"torch autograd differentiates with respect to float leaves; "
                             f"{name!r} is not one")
    forward = torch_forward(graph, values, requires_grad=names)
    grads = torch.autograd.grad(forward[graph.output], [forward[n] for n in names],
                                allow_unused=True)
    return {name: (np.zeros(graph.node(name).shape) if g is None else g.detach().numpy())
            for name, g in zip(names, grads, strict=True)}
