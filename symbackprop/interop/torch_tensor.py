"""The tensor route of :func:`~symbackprop.interop.torch_models.from_torch`: a PyTorch model,
its inputs and targets, and a loss, as a :class:`~symbackprop.spec.tensor.TensorProblem`.

The model is traced (:mod:`.torch_trace`) and so is the loss (a ``torch.nn`` loss module is
traced as the function it calls; a function, such as ``F.mse_loss`` or one of one's own, as
what it computes), both are run once on the inputs to record every step's value, and the steps
are read into formulas (:mod:`.torch_fx`, with the translators of :mod:`.torch_layers`,
:mod:`.torch_functions` and the others).  Then the problem is held to torch: every node that is
one step of the trace must have torch's value of it, and the problem's loss must be the
model's own loss, ``loss(model(x), y)``, computed by torch in eager mode (relative 1e-9 in
float64, 1e-4 for a model in float32).  Nothing of the model is changed: its buffers (batch
norm's running statistics) are restored after every run, and a Dropout module in training
mode applies the mask it is given (``masks``) in those runs.

Examples
--------
>>> TOLERANCES
{'float64': 1e-09, 'other': 0.0001}
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import SpecError
from .torch_activations import ACTIVATION_CALLS, ACTIVATION_LAYERS
from .torch_attention import ATTENTION, ATTENTION_CALLS
from .torch_draft import Draft
from .torch_formulas import Formula
from .torch_functions import CALLS, METHODS, call_name
from .torch_fx import Reader, Translator
from .torch_indexing import Stack
from .torch_layers import FUNCTIONAL_LAYERS, LAYERS
from .torch_losses import LOSS_CALLS, LOSS_MODULES
from .torch_recurrent import RECURRENT, recurrent_layers
from .torch_trace import ROUTE, Traced, module_place

__all__ = ["MODULES", "TENSOR_CALLS", "TENSOR_METHODS", "TOLERANCES", "tensor_problem"]

#: How closely the problem's numbers must match torch's, by the model's float type.
TOLERANCES = {"float64": 1e-9, "other": 1e-4}
#: Every torch.nn module class the tensor level reads, with its translator.
MODULES: Mapping[str, Translator] = {**LAYERS, **ACTIVATION_LAYERS, **RECURRENT, **ATTENTION,
                                     **LOSS_MODULES}
#: Every function it reads (``F.name`` for torch.nn.functional, ``name`` for torch and the
#: operators), with its translator.
TENSOR_CALLS: Mapping[str, Translator] = {**CALLS, **ACTIVATION_CALLS, **FUNCTIONAL_LAYERS,
                                          **LOSS_CALLS, **ATTENTION_CALLS}
#: Every Tensor method it reads, with its translator.
TENSOR_METHODS: Mapping[str, Translator] = {
    **METHODS, **{name: ACTIVATION_CALLS[name] for name in (
        "relu", "sigmoid", "tanh", "softmax", "log_softmax")}}


def tensor_problem(torch: Any, model: Any, inputs: Sequence[Any], y: Any, loss: Any, *,
                   masks: Mapping[str, Any], title: str | None) -> Any:
    """The tensor problem of ``loss(model(*inputs), y)``; the module docstring says how
    (:func:`~symbackprop.interop.torch_models.from_torch` is the entry point).

    Examples
    --------
    >>> TOLERANCES["float64"]   # how closely each node must match torch (docs: own-model.md)
    1e-09
    """
    loss_module = _loss_module(torch, loss)
    tensors = [*inputs, y, *model.parameters()]
    tolerance = TOLERANCES["float64" if all(
        t.dtype == torch.float64 for t in tensors if t.is_floating_point()) else "other"]
    with _quiet(), _preserved(model), _masked(model, masks):
        traced = Traced.trace(model, "model", len(inputs))
        traced.record(inputs)
        out = traced.values[_output(traced)]
        if not isinstance(out, torch.Tensor):
            raise SpecError(f"model: forward returns {type(out).__name__}; from_torch "
                            "differentiates loss(model(x), y) of one returned tensor")
        loss_traced = Traced.trace(loss_module, "loss", 2)
        loss_traced.record([out, y])
        expected = _eager_loss(torch, model, inputs, y, loss_module)
    draft = Draft()
    reader = Reader(torch, draft, model, masks, _translate_module, _translate_call)
    modules = [traced.submodule(str(n.target)) for n in traced.nodes if n.op == "call_module"]
    reader.recurrent_layers = recurrent_layers(modules)
    given = [draft.leaf("X" if len(inputs) == 1 else f"X{i}", "input", Reader.numbers(x),
                        origin="x" if len(inputs) == 1 else f"x[{i - 1}]")
             for i, x in enumerate(inputs, 1)]
    target = draft.leaf("y", "target", Reader.numbers(y), origin="y")
    result = reader.read(traced, given)
    prediction = reader.tensor(result, _output(traced)) if isinstance(
        result, Formula | Stack) else None
    if prediction is None:
        raise SpecError("model: forward returns more than one tensor; from_torch reads a "
                        "model that returns one")
    final = reader.read(loss_traced, [prediction, target])
    if not isinstance(final, Formula) or final.shape != ():
        raise SpecError("loss: it does not give one number (use reduction='mean' or 'sum')")
    _name_the_loss(draft, final)
    name = type(loss_module.fn).__name__ if isinstance(loss_module, _Call) else type(
        loss_module).__name__
    reduction = getattr(loss_module, "reduction", None)
    shown = title if title is not None else (
        f"PyTorch model {type(model).__name__} ({', '.join(reader.summary) or 'functions'}), "
        f"{name}" + (f" ({reduction})" if reduction else ""))
    problem = draft.problem("L", title=shown, source="imported with symbackprop.from_torch",
                            description=" ".join(dict.fromkeys(draft.notes)))
    _check(problem, draft, expected, tolerance)
    return problem


def _translate_module(reader: Reader, node: Any, module: Any, args: Sequence[Any],
                      kwargs: Mapping[str, Any]) -> Any:
    """A ``torch.nn`` module's step, by the module's class (a class of torch.nn's own)."""
    cls = type(module)
    name = cls.__name__
    if not cls.__module__.startswith("torch.nn.") or name not in MODULES:
        assert reader.traced is not None
        raise SpecError(f"{reader.traced.owner(node)} is {name}, which from_torch does not "
                        f"read (it reads {', '.join(sorted(MODULES))}); {ROUTE}")
    reader.summary.append(name)
    return MODULES[name](reader, node, module, args, kwargs)


def _translate_call(reader: Reader, node: Any, module: Any, args: Sequence[Any],
                    kwargs: Mapping[str, Any]) -> Any:
    """A function's or a method's step, by the function object or the method's name."""
    name = call_name(node)
    table = TENSOR_METHODS if node.op == "call_method" else TENSOR_CALLS
    if name is None or name not in table:
        raise reader.refuse(node, "is not an operation from_torch reads (it reads the "
                                  "torch.nn layers and losses, and the functions and methods "
                                  "docs/howto/own-model.md lists)")
    return table[name](reader, node, None, args, kwargs)


class _Call:
    """A loss given as a function, as a module that calls it (so that it can be traced)."""

    fn: Any


def _loss_module(torch: Any, loss: Any) -> Any:
    if isinstance(loss, type):
        loss = loss()
    if isinstance(loss, torch.nn.Module):
        return loss
    if not callable(loss):
        raise SpecError(f"loss: expected a torch.nn loss module, its class, or a function of "
                        f"(output, target), got {type(loss).__name__}")

    class Call(torch.nn.Module, _Call):
        def __init__(self) -> None:
            super().__init__()
            self.fn = loss

        def forward(self, output: Any, target: Any) -> Any:
            return self.fn(output, target)

    return Call()


def _output(traced: Traced) -> Any:
    return next(n for n in traced.nodes if n.op == "output").args[0]


def _eager_loss(torch: Any, model: Any, inputs: Sequence[Any], y: Any, loss: Any) -> float:
    """The model's own loss, as torch computes it without tracing."""
    try:
        with torch.no_grad():
            value = loss(model(*inputs), y)
    except SpecError:
        raise
    except (RuntimeError, ValueError, TypeError, IndexError) as err:
        raise SpecError(f"model: torch cannot compute the loss of x and y ({err})") from None
    if not isinstance(value, torch.Tensor) or value.numel() != 1:
        raise SpecError("loss: it does not give one number (use reduction='mean' or 'sum')")
    return float(value)


def _name_the_loss(draft: Draft, final: Formula) -> None:
    """The loss node is ``L``: the last node renamed when it is the loss, else a node."""
    last = next(reversed(draft.formulas), None)
    if final.text == last:
        draft.formulas["L"] = draft.formulas.pop(last)
        draft.shapes["L"] = draft.shapes.pop(last)
        draft.checks = [("L" if name == last else name, value, where)
                        for name, value, where in draft.checks]
    else:
        draft.node("L", final, name="L")


def _check(problem: Any, draft: Draft, expected: float, tolerance: float) -> None:
    """Hold every checked node to torch's value of it, and the loss to the model's own."""
    values = problem.graph.forward(problem.values)
    for name, wanted, where in draft.checks:
        got = values[name]
        scale = max(1.0, float(np.max(np.abs(wanted)))) if np.size(wanted) else 1.0
        if got.shape != wanted.shape or not np.allclose(got, wanted, rtol=tolerance,
                                                        atol=tolerance * scale):
            worst = float(np.max(np.abs(got - wanted))) if got.shape == wanted.shape else None
            raise SpecError(f"{where}: node {name} of the problem is not what torch computes "
                            f"there (largest difference {worst}); from_torch misread this "
                            "step: write it as a tensor formula, and please report the model")
    got = float(values["L"])
    if not abs(got - expected) <= tolerance * max(1.0, abs(expected)):
        raise SpecError(f"model: its loss is {expected!r} in torch but {got!r} in the problem "
                        "read from its trace; forward may do what a trace does not record (an "
                        "in-place change, a random draw, a value read from outside the model)")


@contextlib.contextmanager
def _preserved(module: Any) -> Iterator[None]:
    """Restore ``module``'s buffers (batch norm's running statistics and count) on the way
    out, whatever was run on it meanwhile."""
    saved = {name: buffer.detach().clone() for name, buffer in module.named_buffers()}
    try:
        yield
    finally:
        import torch

        with torch.no_grad():
            for name, buffer in module.named_buffers():
                if name in saved:
                    buffer.copy_(saved[name])


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """torch's warnings about the model (a deprecated argument, a broadcast) are the user's
    when they run it; reading it runs it for its numbers and says nothing."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@contextlib.contextmanager
def _masked(model: Any, masks: Mapping[str, Any]) -> Iterator[None]:
    """Each Dropout module in training mode given a mask applies it, in every run."""
    handles = []
    names = {module: name for name, module in model.named_modules()}
    for module, name in names.items():
        if type(module).__name__ != "Dropout" or not module.training or module.p == 0:
            continue

        mask = None
        for key in (name, f"model.{name}", module_place(name)):
            if key in masks:
                mask = masks[key]
        if mask is None:
            continue

        def hook(module: Any, args: Any, output: Any, mask: Any = mask,
                 name: str = name) -> Any:
            if tuple(mask.shape) != tuple(args[0].shape):
                raise SpecError(f"{module_place(name)} (Dropout) is given a mask of shape "
                                f"{tuple(mask.shape)} for an input of shape "
                                f"{tuple(args[0].shape)}")
            return args[0] * mask.to(args[0].dtype) / (1 - module.p)

        handles.append(module.register_forward_hook(hook))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()
