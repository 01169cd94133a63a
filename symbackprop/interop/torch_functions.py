"""Function and method calls of a traced ``forward`` read as tensor formulas.

Each call is recognised by the function object itself (``torch.cat``, ``F.relu``,
``operator.add``) or the method's name (``.view()``), never by a name alone, so a function of
one's own that shares a name is not misread.  What each becomes:

- arithmetic (``+ - * / **``, ``torch.exp`` ..., ``clamp``, ``where``) and reductions
  (``sum``, ``mean``, ``var``, ``max``) stay inside the formula that reads them, unless their
  value is read twice or is the model's output (then a node ``R1`` ...);
- a matrix product (``@``, ``torch.matmul``, ``.mm``) is a node ``M1`` ...;
- layout (``.t()``, ``.T``, ``.transpose``, ``.permute``, ``.view``, ``.reshape``,
  ``.flatten``, ``.unsqueeze``, ``[...]``, ``torch.cat``, ``torch.stack``) stays inside the
  formula that reads it;
- what is piecewise constant in the inputs (a comparison, ``argmax``, ``.detach()``, a cast
  to integers) is a constant holding torch's value: its gradient is zero;
- ``F.dropout`` is the identity with ``training=False``.

The activations (:mod:`.torch_activations`), the functional layers (``F.conv2d``,
``F.layer_norm`` ...: :mod:`.torch_layers`), losses (:mod:`.torch_losses`) and attention
(:mod:`.torch_attention`) are read where their modules are.

Examples
--------
>>> "exp" in CALLS and "cat" in CALLS and "view" in METHODS
True
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .torch_formulas import (
    Formula,
    add,
    call,
    matmul,
    multiply,
    negate,
    number,
    power,
    reshape,
    subtract,
    transpose,
)
from .torch_fx import Deferred, Reader
from .torch_indexing import Stack

__all__ = ["CALLS", "METHODS", "call_name"]

_OPERATORS = {operator.add: "add", operator.sub: "sub", operator.mul: "mul",
              operator.truediv: "div", operator.neg: "neg", operator.pow: "pow",
              operator.matmul: "matmul", operator.getitem: "getitem", operator.pos: "pos",
              operator.iadd: "add", operator.isub: "sub", operator.imul: "mul",
              operator.itruediv: "div"}


def call_name(node: Any) -> str | None:
    """The name a call is read by: a method's name, ``F.name`` for a function of
    ``torch.nn.functional``, the name of a ``torch`` function or an operator; ``None`` for
    anything else.

    Examples
    --------
    >>> import types
    >>> call_name(types.SimpleNamespace(op="call_method", target="view"))
    'view'
    """
    import torch
    import torch.nn.functional as F

    if node.op == "call_method":
        return str(node.target)
    target = node.target
    if target in _OPERATORS:
        return _OPERATORS[target]
    if target is getattr:
        return "getattr"
    name = getattr(target, "__name__", "")
    if getattr(F, name, None) is target:
        return f"F.{name}"
    if getattr(torch, name, None) is target:
        return name
    return None


def _bind(args: Sequence[Any], kwargs: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    bound = dict(zip(names, args, strict=False))
    bound.update(kwargs)
    return bound


def _operand(reader: Reader, value: Any, node: Any) -> Formula:
    if isinstance(value, bool):
        raise reader.refuse(node, "is given True or False where a number is read")
    if isinstance(value, int | float):
        return number(value)
    return reader.tensor(value, node)


def _shape(reader: Reader, node: Any) -> tuple[int, ...]:
    return tuple(reader.recorded(node).shape)


def _result(reader: Reader, node: Any, formula: Formula, letter: str) -> Formula:
    """``formula`` inside its reader's formula, or a node when read twice or returned."""
    if len(node.users) > 1 or any(user.op == "output" for user in node.users):
        return reader.node(letter, formula)
    return formula


# -- arithmetic ----------------------------------------------------------------------------------

def _arithmetic(op: str) -> Callable[..., Formula]:
    def read(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Formula:
        bound = _bind(args, kwargs, ("input", "other", "alpha"))
        if bound.get("rounding_mode") is not None:
            raise reader.refuse(node, "rounds (rounding_mode), which has no gradient")
        left, right = _operand(reader, bound["input"], node), _operand(reader,
                                                                        bound["other"], node)
        shape = _shape(reader, node)
        alpha = bound.get("alpha", 1)
        if alpha != 1:
            right = multiply(number(alpha), right, right.shape)
        formula = {"add": add, "sub": subtract}[op](left, right, shape) if op in ("add", "sub") \
            else power(left, right, shape) if op == "pow" \
            else multiply(left, right, shape, "*" if op == "mul" else "/")
        return _result(reader, node, formula, "R")
    return read


def _reversed(op: str) -> Callable[..., Formula]:
    def read(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Formula:
        return _arithmetic(op)(reader, node, module, (args[1], args[0]), {})
    return read


def _unary(build: Callable[[Formula], Formula], letter: str = "R") -> Callable[..., Formula]:
    def read(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Formula:
        x = _operand(reader, args[0] if args else kwargs["input"], node)
        formula = build(x)
        if letter == "H":
            return reader.node("H", formula)
        return _result(reader, node, formula, letter)
    return read


def _elementwise(name: str) -> Callable[..., Formula]:
    return _unary(lambda x: call(name, [x], x.shape))


def _clamp(reader: Reader, node: Any, module: Any, args: Sequence[Any],
           kwargs: Mapping[str, Any]) -> Formula:
    bound = _bind(args, kwargs, ("input", "min", "max"))
    x = reader.tensor(bound["input"], node)
    shape = _shape(reader, node)
    if bound.get("min") is not None:
        x = call("maximum", [x, _operand(reader, bound["min"], node)], shape)
    if bound.get("max") is not None:
        x = call("minimum", [x, _operand(reader, bound["max"], node)], shape)
    return _result(reader, node, x, "R")


def _extreme(name: str) -> Callable[..., Any]:
    def read(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Any:
        bound = _bind(args, kwargs, ("input", "dim", "keepdim"))
        other = bound.get("dim")
        if isinstance(other, Formula | Stack):  # torch.maximum-like: two tensors
            return _pairwise("maximum" if name == "max" else "minimum")(
                reader, node, module, (bound["input"], other), {})
        x = reader.tensor(bound["input"], node)
        recorded = reader.recorded(node)
        if name == "min":
            x = negate(x)
        if other is None:
            value = call("max", [x], ())
            return _result(reader, node, negate(value) if name == "min" else value, "R")
        value = call("max", [x], tuple(recorded[0].shape), axis=int(other),
                     **({"keepdims": True} if bound.get("keepdim") else {}))
        values = negate(value) if name == "min" else value
        indices = reader.constant(recorded[1], node, "K", "the indices of a max")
        return (values, indices)
    return read


def _pairwise(name: str) -> Callable[..., Formula]:
    def read(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Formula:
        a, b = (_operand(reader, v, node) for v in (args[0], args[1]))
        return _result(reader, node, call(name, [a, b], _shape(reader, node)), "R")
    return read


def _where(reader: Reader, node: Any, module: Any, args: Sequence[Any],
           kwargs: Mapping[str, Any]) -> Formula:
    bound = _bind(args, kwargs, ("condition", "input", "other"))
    condition = reader.tensor(bound["condition"], node)
    a, b = _operand(reader, bound["input"], node), _operand(reader, bound["other"], node)
    shape = _shape(reader, node)
    chosen = add(multiply(condition, a, shape),
                 multiply(subtract(number(1), condition, condition.shape), b, shape), shape)
    return _result(reader, node, chosen, "R")


def _piecewise_constant(reader: Reader, node: Any, module: Any, args: Sequence[Any],
                        kwargs: Mapping[str, Any]) -> Formula:
    recorded = reader.recorded(node)
    if str(recorded.dtype) == "torch.bool":  # a mask, read as 0.0 and 1.0
        recorded = recorded.double()
    return reader.constant(recorded, node, "K", "piecewise constant (no gradient)")


def _cast(reader: Reader, node: Any, module: Any, args: Sequence[Any],
          kwargs: Mapping[str, Any]) -> Formula:
    """``.float()``, ``.double()``, ``.to(...)``: the tensor itself while it holds floats."""
    if reader.recorded(node).is_floating_point() and isinstance(args[0], Formula) and (
            args[0].dtype == "float"):
        return args[0]
    if isinstance(args[0], Formula) and args[0].dtype == "int" and (
            reader.recorded(node).is_floating_point()):
        return reader.constant(reader.recorded(node), node, "K", "integers read as floats")
    return _piecewise_constant(reader, node, module, args, kwargs)


# -- reductions ----------------------------------------------------------------------------------

def _reduction(name: str) -> Callable[..., Formula]:
    def read(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Formula:
        bound = _bind(args, kwargs, ("input", "dim", "keepdim"))
        if name in ("var", "std"):
            bound = _bind(args, kwargs, ("input", "dim", "unbiased", "keepdim"))
        if bound.get("dtype") is not None:
            raise reader.refuse(node, "is given a dtype; from_torch reads float64 throughout")
        x = reader.tensor(bound["input"], node)
        attrs: dict[str, object] = {}
        dim = bound.get("dim")
        if dim is not None:
            attrs["axis"] = tuple(int(d) for d in dim) if isinstance(dim, tuple | list) \
                else int(dim)
        if bound.get("keepdim"):
            attrs["keepdims"] = True
        if name in ("var", "std"):
            correction = bound.get("correction")
            if correction is None:
                correction = 0 if bound.get("unbiased") is False else 1
            if correction:
                attrs["ddof"] = int(correction)
        shape = _shape(reader, node)
        formula = call("var" if name == "std" else name, [x], shape, **attrs)
        if name == "std":
            formula = call("sqrt", [formula], shape)
        return _result(reader, node, formula, "R")
    return read


# -- products ------------------------------------------------------------------------------------

def _matmul(reader: Reader, node: Any, module: Any, args: Sequence[Any],
            kwargs: Mapping[str, Any]) -> Formula:
    bound = _bind(args, kwargs, ("input", "other"))
    a, b = reader.tensor(bound["input"], node), reader.tensor(bound.get("other",
                                                                        bound.get("mat2")), node)
    return reader.node("M", matmul(a, b, _shape(reader, node)))


# -- layout --------------------------------------------------------------------------------------

def _as_recorded(reader: Reader, node: Any, module: Any, args: Sequence[Any],
                 kwargs: Mapping[str, Any]) -> Formula:
    """A reshape of any spelling (``view``, ``flatten``, ``unsqueeze`` ...): to the shape
    torch gave."""
    x = reader.tensor(args[0] if args else kwargs["input"], node)
    return reshape(x, _shape(reader, node))


def _transpose(reader: Reader, node: Any, module: Any, args: Sequence[Any],
               kwargs: Mapping[str, Any]) -> Formula:
    x = reader.tensor(args[0] if args else kwargs["input"], node)
    rank = len(x.shape)
    name = call_name(node)
    if name in ("t", "T") or rank < 2:
        return transpose(x) if rank == 2 else x
    if name in ("permute", "movedim") or (name == "getattr" and len(args) > 1):
        if name == "permute":
            dims = args[1] if len(args) == 2 and isinstance(args[1], tuple | list) \
                else args[1:] or kwargs["dims"]
            return transpose(x, tuple(int(d) for d in dims))
        return transpose(x, (*range(rank - 2), rank - 1, rank - 2))  # .mT
    bound = _bind(args, kwargs, ("input", "dim0", "dim1"))
    order = list(range(rank))
    d0, d1 = int(bound["dim0"]) % rank, int(bound["dim1"]) % rank
    order[d0], order[d1] = order[d1], order[d0]
    return transpose(x, order)


def _getattr(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Any:
    if args[1] == "T":
        return transpose(reader.tensor(args[0], node))
    if args[1] == "mT":
        return _transpose(reader, node, module, args, kwargs)
    if args[1] in ("data",):
        return reader.constant(reader.recorded(node), node, "K", "a tensor's .data")
    raise reader.refuse(node, f"reads the attribute .{args[1]} of a tensor")


def _getitem(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Any:
    container, key = args
    if isinstance(container, tuple | list):
        item = container[key]
        return item.make() if isinstance(item, Deferred) else item
    if isinstance(key, Formula | Stack) or (isinstance(key, tuple) and any(
            isinstance(k, Formula | Stack) for k in key)):
        raise reader.refuse(node, "indexes with a tensor (gathering); from_torch reads indexing "
                                  "by integers and slices (and nn.Embedding for a lookup)")
    return reader.pick(container, key, node)


def _concat(stacked: bool) -> Callable[..., Formula]:
    def read(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Formula:
        bound = _bind(args, kwargs, ("tensors", "dim"))
        tensors = [reader.tensor(t, node) for t in bound["tensors"]]
        shape = _shape(reader, node)
        dim = int(bound.get("dim", 0)) % len(shape)
        if stacked:
            tensors = [reshape(t, (*t.shape[:dim], 1, *t.shape[dim:])) for t in tensors]
        if len(tensors) == 1:
            return reshape(tensors[0], shape)
        return _result(reader, node, call("concat", tensors, shape, axis=dim), "Cat")
    return read


def _identity(reader: Reader, node: Any, module: Any, args: Sequence[Any],
              kwargs: Mapping[str, Any]) -> Any:
    return args[0] if args else kwargs["input"]


def _dropout(reader: Reader, node: Any, module: Any, args: Sequence[Any],
             kwargs: Mapping[str, Any]) -> Any:
    bound = _bind(args, kwargs, ("input", "p", "training", "inplace"))
    if bound.get("training", True) and bound.get("p", 0.5) > 0:
        raise reader.refuse(node, "drops at random (training=True)",
                            "use an nn.Dropout module, whose mask from_torch can be given "
                            "(masks=...), or pass training=self.training and call model.eval()")
    return bound["input"]


#: function name (``F.name`` for torch.nn.functional, ``name`` for torch, an operator's name)
#: -> its translator
CALLS: Mapping[str, Callable[..., Any]] = {
    **{name: _arithmetic(name) for name in ("add", "sub", "mul", "div", "pow")},
    "true_divide": _arithmetic("div"), "subtract": _arithmetic("sub"),
    "multiply": _arithmetic("mul"), "divide": _arithmetic("div"),
    "rsub": _reversed("sub"), "neg": _unary(negate), "negative": _unary(negate),
    "pos": _identity, "square": _unary(lambda x: power(x, number(2), x.shape)),
    "rsqrt": _unary(lambda x: multiply(number(1), call("sqrt", [x], x.shape),
                                           x.shape, "/")),
    "reciprocal": _unary(lambda x: multiply(number(1), x, x.shape, "/")),
    **{name: _elementwise(name) for name in ("exp", "log", "sqrt", "abs", "sin", "cos",
                                                "tan", "erf")},
    "clamp": _clamp, "clip": _clamp, "maximum": _pairwise("maximum"),
    "minimum": _pairwise("minimum"), "max": _extreme("max"), "min": _extreme("min"),
    "where": _where,
    **{name: _reduction(name) for name in ("sum", "mean", "var", "std")},
    **{name: _piecewise_constant for name in (
        "gt", "lt", "ge", "le", "eq", "ne", "greater", "less", "argmax", "argmin", "sign",
        "floor", "ceil", "round", "ones_like", "zeros_like", "full_like", "detach")},
    "matmul": _matmul, "mm": _matmul, "bmm": _matmul, "F.dropout": _dropout,
    "t": _transpose, "transpose": _transpose, "permute": _transpose,
    "swapaxes": _transpose, "getattr": _getattr, "getitem": _getitem,
    **{name: _as_recorded for name in ("reshape", "flatten", "unsqueeze", "squeeze")},
    "cat": _concat(False), "concat": _concat(False), "concatenate": _concat(False),
    "stack": _concat(True),
}
#: Tensor method name -> its translator (the tensor is the first argument)
METHODS: Mapping[str, Callable[..., Any]] = {
    **{name: CALLS[name] for name in (
        "add", "sub", "mul", "div", "pow", "neg", "square", "rsqrt", "reciprocal", "exp", "log",
        "sqrt", "abs", "sin", "cos", "tan", "erf", "clamp", "clip", "maximum", "minimum",
        "max", "min", "sum", "mean", "var", "std", "matmul", "mm",
        "bmm", "t", "transpose", "permute", "swapaxes", "gt", "lt",
        "ge", "le", "eq", "ne", "argmax", "argmin", "sign", "floor", "ceil", "round",
        "detach", "reshape", "flatten", "unsqueeze", "squeeze")},
    **{name: _as_recorded for name in ("view", "view_as", "reshape_as", "unflatten")},
    "contiguous": _identity, "clone": _identity,
    **{name: _cast for name in ("float", "double", "to", "type", "long", "int", "bool")},
}
