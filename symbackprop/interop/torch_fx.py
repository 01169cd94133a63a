"""Any ``torch.fx``-traceable PyTorch model, with its inputs, targets and loss, read into a
tensor problem (:class:`~symbackprop.spec.tensor.TensorProblem`).

The model and the loss are traced (:mod:`symbackprop.interop.torch_trace`) and run once, so
that every step's value and shape is known; then each step becomes formula text: a
``torch.nn`` module by its parameters and attributes (:mod:`.torch_layers`,
:mod:`.torch_recurrent`, :mod:`.torch_attention`, :mod:`.torch_losses`), a function or method
call by what it computes (:mod:`.torch_functions`).  Each module's output, and each computing
step, is a node of the problem named as a textbook names it (``Z1 = X @ W1.T + b1``, ``H1 =
tanh(Z1)``); layout steps (``.t()``, ``view``, ``out[-1]``) stay inside the formula that reads
them.  Parameters are leaves, one per tensor however often it is used (tied weights are one
leaf); buffers and tensors made inside ``forward`` from no input are constants; so are values
that are piecewise constant in the inputs (a comparison, ``argmax``), whose gradient is zero.

Every node that is one step of the trace is held to torch's value of it once the problem is
built (relative 1e-9 in float64), so that a misreading is caught where it happens, naming the
module.

Examples
--------
>>> sorted(VIEWS)[:4]
['T', 'chunk', 'contiguous', 'detach']
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import SpecError
from .torch_draft import Draft
from .torch_formulas import Formula
from .torch_indexing import Stack, pick
from .torch_trace import ROUTE, Traced, module_place

__all__ = ["VIEWS", "Deferred", "Reader", "Translator"]

#: How a module or a call is read: ``(reader, step, module or None, args, kwargs)`` to the
#: step's value (a :class:`Formula`, a :class:`Stack`, or a tuple of them).
Translator = Callable[["Reader", Any, Any, Sequence[Any], Mapping[str, Any]], Any]

#: Steps that read a tensor's storage as another shape: writing into one of them in place
#: writes into the tensor it views.
VIEWS = frozenset({"view", "reshape", "t", "T", "mT", "transpose", "permute", "getitem",
                   "unsqueeze", "squeeze", "flatten", "contiguous", "expand", "narrow",
                   "select", "detach", "unflatten", "view_as", "reshape_as", "split", "chunk",
                   "unbind", "movedim"})
_INPLACE_OPERATORS = {operator.iadd, operator.isub, operator.imul, operator.itruediv,
                      operator.ipow, operator.imatmul, operator.setitem}


@dataclass(frozen=True)
class Deferred:
    """A value made only when something reads it (the attention weights a
    MultiheadAttention module returns beside its output).

    Examples
    --------
    >>> Deferred(lambda: Formula("Abar1", (2, 2))).make()
    Formula('Abar1', (2, 2))
    """

    make: Callable[[], Any]


class Reader:
    """Reads traced steps into a :class:`Draft`: the walk, the values, parameters and
    constants, indexing, and the refusals; the translators of modules and functions receive
    it.

    ``masks`` maps a Dropout module (``"drop"``, ``"model.drop"`` or ``"model[1]"``) to the
    mask it applies in training mode.

    Examples
    --------
    >>> import types
    >>> model = types.SimpleNamespace(named_parameters=list, named_buffers=list)
    >>> reader = Reader(None, Draft(), model, {}, None, None)
    >>> reader.pick(Formula("out", (3, 4, 5)), (slice(None), -1), None).text
    'transpose(out, axes=(1, 0, 2))[3]'
    >>> steps = Stack((Formula("h1", (4, 5)), Formula("h2", (4, 5))), 0)
    >>> reader.pick(steps, -1, None)          # the last step of an RNN's output: its node
    Formula('h2', (4, 5))
    """

    def __init__(self, torch: Any, draft: Draft, model: Any, masks: Mapping[str, Any],
                 translate_module: Translator, translate_call: Translator) -> None:
        self.torch, self.draft, self.model = torch, draft, model
        self.masks = masks
        self._translate_module, self._translate_call = translate_module, translate_call
        self.traced: Traced | None = None
        self._leaves: dict[int, Formula] = {}
        self._layers: dict[tuple[int, str, int], int] = {}
        self.recurrent_layers = 1  # the recurrent layers the model runs (names h1, or h1_1)
        self._names = {id(p): f"{module_place(n.rpartition('.')[0])}.{n.rpartition('.')[2]}"
                       for n, p in [*model.named_parameters(), *model.named_buffers()]}
        self.summary: list[str] = []

    # -- the walk ----------------------------------------------------------------------------
    def read(self, traced: Traced, inputs: Sequence[Any]) -> Any:
        """Every step of ``traced`` read in order, its placeholders bound to ``inputs``; the
        value of its output."""
        self.traced = traced
        env: dict[Any, Any] = {}
        given = iter(inputs)
        for node in traced.nodes:
            if node.op == "placeholder":
                env[node] = next(given, None)
                continue
            if node.op == "output":
                return self._resolve(node.args[0], env)
            if node in traced.functions:
                function = traced.functions[node]
                raise SpecError(f"{traced.place(node)}: the custom autograd.Function "
                                f"{function} ({function}.apply) is not read: a trace sees "
                                f"only its forward, not the backward it defines; {ROUTE}")
            if node.op == "get_attr":
                env[node] = self.attribute(node)
                continue
            args = self._resolve(node.args, env)
            kwargs = self._resolve(node.kwargs, env)
            recorded = traced.values.get(node)
            if not _holds_tensor(recorded):
                env[node] = recorded
                continue
            self._check_in_place(node)
            if not _reads_problem((args, kwargs)):
                env[node] = self.constant(recorded, node, "K", "a tensor made in forward")
                continue
            if node.op == "call_module":
                module = traced.submodule(str(node.target))
                result = self._translate_module(self, node, module, args, kwargs)
            else:
                result = self._translate_call(self, node, None, args, kwargs)
            self._hold(node, result, recorded)
            env[node] = result
        raise SpecError("the traced graph has no output")  # fx always ends with one

    def _resolve(self, item: Any, env: Mapping[Any, Any]) -> Any:
        import torch.fx

        if isinstance(item, torch.fx.Node):
            return env[item]
        if isinstance(item, tuple | list):
            return type(item)(self._resolve(i, env) for i in item)
        if isinstance(item, dict):
            return {k: self._resolve(v, env) for k, v in item.items()}
        if isinstance(item, slice):
            return slice(self._resolve(item.start, env), self._resolve(item.stop, env),
                         self._resolve(item.step, env))
        return item

    def _hold(self, node: Any, result: Any, recorded: Any) -> None:
        """Hold the node a step became to torch's value of the step."""
        if isinstance(result, Formula) and isinstance(recorded, self.torch.Tensor) and (
                tuple(recorded.shape) == result.shape):
            self.draft.check(result, self.numbers(recorded), self.where(node))

    @staticmethod
    def numbers(tensor: Any) -> np.ndarray:
        """A tensor's entries as a float64 (or, for integers and booleans, int) numpy array."""
        array = tensor.detach().cpu()
        if array.is_floating_point():
            return np.asarray(array.double().numpy(), dtype=float)
        return np.asarray(array.long().numpy(), dtype=int)

    # -- where, and refusals -----------------------------------------------------------------
    def where(self, node: Any) -> str:
        """The module a step belongs to, its class, and the user's line."""
        assert self.traced is not None
        if node.op == "call_module":
            module = self.traced.submodule(str(node.target))
            return f"{self.traced.owner(node)} ({type(module).__name__})"
        return self.traced.place(node)

    def operation(self, node: Any) -> str:
        """The name of a step's operation as the user wrote it (``torch.cat``, ``.view()``,
        ``+``)."""
        if node.op == "call_method":
            return f"the method .{node.target}()"
        if node.op == "call_module":
            return "it"
        target = node.target
        symbols = {operator.add: "+", operator.sub: "-", operator.mul: "*",
                   operator.truediv: "/", operator.matmul: "@", operator.pow: "**",
                   operator.neg: "unary -", operator.getitem: "indexing [...]",
                   operator.setitem: "item assignment [...] =", operator.iadd: "+=",
                   operator.isub: "-=", operator.imul: "*=", operator.itruediv: "/="}
        if target in symbols:
            return f"the operator {symbols[target]}"
        module = getattr(target, "__module__", None) or ""
        name = getattr(target, "__name__", str(target))
        if module.startswith("torch.nn.functional"):
            return f"torch.nn.functional.{name}"
        if module.startswith("torch") or not module:
            return f"torch.{name}"
        return f"{module}.{name}"

    def refuse(self, node: Any, what: str, route: str = ROUTE) -> SpecError:
        """The refusal of a step: where it is, what it does that is not read, and the route."""
        subject = self.where(node)
        if node.op != "call_module":
            subject += f": {self.operation(node)}"
        return SpecError(f"{subject} {what}; {route}")

    def _check_in_place(self, node: Any) -> None:
        """Refuse an in-place step unless what it overwrites is used by nothing else (then it
        computes what its out-of-place twin computes)."""
        module = self.traced.submodule(str(node.target)) if (
            self.traced is not None and node.op == "call_module") else None
        in_place = (
            (node.op == "call_method" and str(node.target).endswith("_")
             and not str(node.target).startswith("_"))
            or (node.op == "call_function" and (
                node.target in _INPLACE_OPERATORS
                or getattr(node.target, "__name__", "").endswith("_")))
            or node.kwargs.get("inplace") is True
            or (module is not None and getattr(module, "inplace", False) is True))
        if not in_place or not node.args:
            return
        import torch.fx

        target = node.args[0]
        safe = (isinstance(target, torch.fx.Node) and len(target.users) == 1
                and target.op in ("call_module", "call_function", "call_method")
                and _step_name(target) not in VIEWS)
        if not safe:
            what = ("changes a tensor in place that is also read elsewhere (or is an input, a "
                    "parameter or a view of one), which a trace records as a new value")
            raise self.refuse(node, what, "write it out of place (h = h + 1 for h += 1, "
                              "torch.relu(h) for h.relu_(), nn.ReLU() for "
                              f"nn.ReLU(inplace=True)), or {ROUTE[len('to go on, '):]}")

    # -- leaves ------------------------------------------------------------------------------
    def parameter(self, tensor: Any, name: str, *, number: bool = True,
                  origin: str | None = None) -> Formula:
        """The leaf of a parameter (one leaf per tensor, however often it is used), or of a
        buffer (a constant)."""
        if isinstance(tensor, Formula):  # a functional layer's weight, read already
            return tensor
        found = self._leaves.get(id(tensor))
        if found is not None:
            return found
        kind = "parameter" if isinstance(tensor, self.torch.nn.Parameter) and (
            tensor.requires_grad) else "constant"
        where = origin or self._names.get(id(tensor), "a tensor of the model")
        leaf = self.draft.leaf(name, kind, self.numbers(tensor), origin=where, number=number)
        self._leaves[id(tensor)] = leaf
        return leaf

    def layer_number(self, module: Any, letter: str, part: int = 0) -> int:
        """The number a module's parameters and output take (``W2``, ``Z2``): one per module
        (a module called twice keeps its number; ``part`` tells a stacked module's layers
        apart), counted per ``letter``."""
        key = (id(module), letter, part)
        if key not in self._layers:
            self._layers[key] = self.draft.count(letter)
        return self._layers[key]

    def constant(self, value: Any, node: Any, name: str, what: str) -> Formula:
        """A constant leaf holding torch's value of a step (``K1``)."""
        origin = f"{what}: {self.operation(node)} in {self.where(node)}"
        return self.draft.leaf(name, "constant", self.numbers(value), origin=origin, number=True)

    def attribute(self, node: Any) -> Any:
        """A ``get_attr`` step: a parameter or buffer of the model (or a Python value)."""
        assert self.traced is not None
        value: Any = self.traced.graph_module
        for part in str(node.target).split("."):
            value = getattr(value, part)
        if not isinstance(value, self.torch.Tensor):
            return value
        name = str(node.target).rpartition(".")[2]
        if not _plain(name):
            name = "P"
        return self.parameter(value, name, number=name == "P",
                              origin=module_place(str(node.target), self.traced.root))

    def node(self, letter: str, formula: Formula, *, name: str | None = None) -> Formula:
        """A computed node (``{letter}{n}``, or ``name``)."""
        return self.draft.node(letter, formula, name=name)

    def recorded(self, node: Any) -> Any:
        """torch's value of a step."""
        assert self.traced is not None
        return self.traced.values.get(node)

    # -- tensors -----------------------------------------------------------------------------
    def tensor(self, value: Any, node: Any) -> Formula:
        """``value`` as one formula (a stack made whole), or a refusal if it is no tensor."""
        if isinstance(value, Stack):
            return value.materialized()
        if isinstance(value, Formula):
            return value
        raise self.refuse(node, f"is given {type(value).__name__} where a tensor is read")

    def pick(self, value: Formula | Stack, key: Any, node: Any) -> Formula | Stack:
        """``value[key]`` (:func:`~symbackprop.interop.torch_indexing.pick`), refused naming
        the step."""
        return pick(value, key, lambda what: self.refuse(node, what))


def _holds_tensor(value: Any) -> bool:
    import torch

    if isinstance(value, torch.Tensor):
        return True
    if isinstance(value, tuple | list):
        return any(_holds_tensor(v) for v in value)
    return False


def _reads_problem(item: Any) -> bool:
    if isinstance(item, Formula | Stack | Deferred):
        return True
    if isinstance(item, tuple | list):
        return any(_reads_problem(i) for i in item)
    if isinstance(item, dict):
        return any(_reads_problem(i) for i in item.values())
    return False


def _plain(name: str) -> bool:
    return name.isidentifier() and "__" not in name and not name.startswith("_")


def _step_name(node: Any) -> str:
    if node.op == "call_method":
        return str(node.target)
    if node.op == "call_function":
        if node.target is operator.getitem:
            return "getitem"
        if getattr(node.target, "__name__", "") == "getattr" and len(node.args) > 1:
            return str(node.args[1])
        return str(getattr(node.target, "__name__", node.target))
    return ""
