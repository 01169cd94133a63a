"""The scalar route of :func:`~symbackprop.interop.torch_models.from_torch`: one sample through
a chain of layers, read into a scalar problem (a layered network, or a general graph of the
same names: :mod:`symbackprop.interop.chain`).

What it reads:

- a ``torch.nn.Sequential`` (nested ones are flattened), or any module whose ``forward`` is a
  chain of its sub-modules and of the functions ``torch.sigmoid``, ``torch.tanh``,
  ``torch.relu`` and ``torch.nn.functional.relu`` / ``sigmoid`` / ``tanh`` (traced with
  ``torch.fx``, then checked: the model's own loss must equal the problem's);
- the layers ``Linear`` (with or without bias), ``Identity``, ``Sigmoid``, ``Tanh``, ``ReLU``,
  ``LeakyReLU`` (its ``negative_slope``), ``Softplus`` (any ``beta``), ``Softmax`` and
  ``LogSoftmax`` over the features; each ``Linear`` followed by at most one activation;
- the losses ``MSELoss``, ``CrossEntropyLoss``, ``NLLLoss``, ``BCELoss`` and
  ``BCEWithLogitsLoss``, with ``reduction="mean"`` or ``"sum"`` and no ``weight``,
  ``pos_weight`` or ``label_smoothing``;
- one sample: ``x`` of shape ``(n,)`` or a batch of one, ``(1, n)``.  ``y`` is shaped like the
  model's output, or for ``CrossEntropyLoss`` and ``NLLLoss`` a class index (which becomes
  one-hot targets) or, for ``CrossEntropyLoss``, class probabilities.

Anything else is refused with a :class:`~symbackprop.errors.SpecError` naming it; with
``level="auto"`` (the default) from_torch then reads the model at the tensor level
(:mod:`symbackprop.interop.torch_tensor`).  Classes are recognised by their name and their
module in ``torch.nn``, so a subclass with its own forward is refused rather than misread.

Examples
--------
>>> "Linear" in LAYERS and "BCEWithLogitsLoss" in LOSSES
True
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import SpecError
from ..spec.problems import Problem
from .chain import Act, Dense, LossSpec, chain_problem

__all__ = ["LAYERS", "LOSSES", "is_one_sample", "scalar_problem"]

#: torch.nn layer -> the activation of a chain (``Linear`` is the dense layer).
LAYERS = {"Linear": "dense", "Identity": "identity", "Sigmoid": "sigmoid", "Tanh": "tanh",
          "ReLU": "relu", "LeakyReLU": "leaky_relu", "Softplus": "softplus",
          "Softmax": "softmax", "LogSoftmax": "log_softmax"}
#: torch.nn loss -> the loss of a chain.
LOSSES = {"MSELoss": "mse", "CrossEntropyLoss": "cross_entropy", "NLLLoss": "nll",
          "BCELoss": "bce", "BCEWithLogitsLoss": "bce_logits"}
_FUNCTIONS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}
#: The functions that normalise over an axis, read with their ``dim`` (``F.softmax(z, dim=-1)``,
#: ``torch.log_softmax(z, 1)``, ``z.softmax(dim=1)``).
_NORMALISING = {"softmax": "softmax", "log_softmax": "log_softmax"}
_NORMALISING_KWARGS = {"dim", "_stacklevel", "dtype"}  # what torch.nn.functional passes too
_TENSOR = "level='tensor' (or 'auto', the default) reads it"


def _is_torch_class(obj: Any, names: Any) -> bool:
    cls = type(obj)
    return cls.__name__ in names and cls.__module__.startswith("torch.nn.modules.")


def _numbers(tensor: Any) -> np.ndarray:
    return np.asarray(tensor.detach().cpu().double().numpy(), dtype=float)


def _layer(module: Any, where: str, features: int) -> Dense | Act:
    name = type(module).__name__
    if not _is_torch_class(module, LAYERS):
        raise SpecError(f"{where} is {name}, which from_torch does not read; supported layers: "
                        f"{', '.join(LAYERS)}")
    if name == "Linear":
        bias = None if module.bias is None else _numbers(module.bias).tolist()
        return Dense(_numbers(module.weight).tolist(), bias, where)
    if name == "LeakyReLU":
        return Act("leaky_relu", where, slope=float(module.negative_slope))
    if name == "Softplus":
        return Act("softplus", where, beta=float(module.beta))
    if name in ("Softmax", "LogSoftmax") and module.dim not in (-1, features):
        raise SpecError(f"{where}: {name}(dim={module.dim}) does not normalise over the "
                        f"features of one sample; use dim=-1")
    return Act(LAYERS[name], where)


def _sequential(model: Any, where: str) -> Iterator[tuple[Any, str]]:
    for name, child in model.named_children():
        place = f"{where}[{name}]" if name.isdigit() else f"{where}.{name}"
        if _is_torch_class(child, ("Sequential",)):
            yield from _sequential(child, place)
        else:
            yield child, place


def _place(target: str) -> str:
    return "model" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in target.split("."))


def _traced(model: Any, torch: Any, features: int) -> Iterator[tuple[Any, str]]:
    """The modules (or activation names) that ``model.forward`` applies, in order; ``features``
    is the axis of one sample's features (0 for an input of shape ``(n,)``, 1 for ``(1, n)``)."""
    try:
        graph = torch.fx.symbolic_trace(model).graph
    except Exception as err:  # torch.fx raises many kinds on code it cannot trace
        raise SpecError(f"model: from_torch reads a torch.nn.Sequential, or a module whose "
                        f"forward is a chain of layers, but tracing {type(model).__name__}."
                        f"forward failed ({type(err).__name__}: {err}); wrap its layers in "
                        f"torch.nn.Sequential") from None
    previous = None
    for node in graph.nodes:
        if node.op == "placeholder":
            previous = node
            continue
        if node.op == "output":
            if node.args[0] is not previous:
                raise SpecError("model: forward does not return the end of its chain")
            return
        name = getattr(node.target, "__name__", str(node.target))
        if node.op in ("call_function", "call_method") and name in _NORMALISING \
                and node.args[:1] == (previous,):
            _normalising_dim(node, name, features)
            yield _NORMALISING[name], f"model.forward ({name})"
            previous = node
            continue
        if len(node.args) != 1 or node.args[0] is not previous or node.kwargs:
            raise SpecError(f"model: forward is not a chain of layers: {_step(model, node)} "
                            "takes something other than the one value before it (a skip "
                            f"connection, a value used twice); {_TENSOR}")
        if node.op == "call_module":
            yield model.get_submodule(node.target), _place(str(node.target))
        elif node.op in ("call_function", "call_method"):
            if name not in _FUNCTIONS:
                raise SpecError(f"model: forward calls {name}, which from_torch does not read; "
                                f"it reads layers ({', '.join(LAYERS)}) and the functions "
                                f"{', '.join([*_FUNCTIONS, *_NORMALISING])}")
            yield _FUNCTIONS[name], f"model.forward ({name})"
        else:
            raise SpecError(f"model: forward is not a chain of layers (it reads "
                            f"{_step(model, node)}); {_TENSOR}")
        previous = node


def _step(model: Any, node: Any) -> str:
    """A traced step as the user knows it: the module (``model.a (Linear)``) or the call."""
    if node.op == "call_module":
        module = model.get_submodule(node.target)
        return f"{_place(str(node.target))} ({type(module).__name__})"
    if node.op == "get_attr":
        return f"the tensor {_place(str(node.target))}"
    name = getattr(node.target, "__name__", str(node.target))
    return f"the call of {name}"


def _normalising_dim(node: Any, name: str, features: int) -> None:
    """Refuse a ``softmax``/``log_softmax`` call unless it normalises over one sample's
    features (``dim`` -1, or the features' axis), with no other argument."""
    extra = set(node.kwargs) - _NORMALISING_KWARGS
    dims = [*node.args[1:], *([node.kwargs["dim"]] if "dim" in node.kwargs else [])]
    if extra or len(dims) != 1 or node.kwargs.get("dtype") is not None:
        raise SpecError(f"model: forward calls {name} with arguments other than the tensor and "
                        f"its dim; from_torch reads {name}(z, dim=-1) (one dim, no dtype)")
    if dims[0] not in (-1, features):
        raise SpecError(f"model.forward ({name}): dim={dims[0]} does not normalise over the "
                        "features of one sample; use dim=-1")


def _chain(model: Any, torch: Any, features: int) -> list[Dense | Act]:
    if not isinstance(model, torch.nn.Module):
        raise SpecError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if _is_torch_class(model, ("Sequential",)):
        layers = list(_sequential(model, "model"))
    else:
        layers = list(_traced(model, torch, features))
    return [Act(item, where) if isinstance(item, str) else _layer(item, where, features)
            for item, where in layers]


def _sample(tensor: Any, torch: Any, name: str) -> tuple[np.ndarray, bool]:
    if not isinstance(tensor, torch.Tensor):
        raise SpecError(f"{name}: expected a torch.Tensor, got {type(tensor).__name__}")
    if tensor.dim() == 2 and tensor.shape[0] != 1:
        raise SpecError(f"{name} holds a batch of {tensor.shape[0]} samples; the scalar level "
                        f"derives one sample's loss (pass {name}[i:i+1] for each sample i), and "
                        f"{_TENSOR} whole")
    if tensor.dim() not in (1, 2):
        raise SpecError(f"{name}: expected shape (n,) or (1, n), got {tuple(tensor.shape)}")
    return _numbers(tensor).reshape(-1), tensor.dim() == 2


def _loss(loss: Any, torch: Any) -> Any:
    if isinstance(loss, type):
        loss = loss()
    if not _is_torch_class(loss, LOSSES):
        raise SpecError(f"loss: {type(loss).__name__} is not a loss from_torch reads; supported: "
                        f"{', '.join(LOSSES)}")
    name = type(loss).__name__
    for attribute in ("weight", "pos_weight"):
        if getattr(loss, attribute, None) is not None:
            raise SpecError(f"loss: {name}({attribute}=...) is not supported; symbackprop's "
                            "losses weigh every output alike")
    if getattr(loss, "label_smoothing", 0.0) != 0.0:
        raise SpecError(f"loss: {name}(label_smoothing={loss.label_smoothing}) is not "
                        "supported; use label_smoothing=0")
    if loss.reduction not in ("mean", "sum"):
        raise SpecError(f"loss: {name}(reduction={loss.reduction!r}): the loss must be one "
                        "number; use reduction='mean' or 'sum'")
    return loss


def _targets(loss: Any, y: Any, torch: Any, width: int, batched: bool) -> tuple[
        list[float], list[str] | None]:
    name = type(loss).__name__
    if name in ("CrossEntropyLoss", "NLLLoss") and isinstance(y, torch.Tensor) and (
            not y.is_floating_point()):
        if y.numel() != 1 or y.dim() > 1:
            raise SpecError(f"y: {name} of one sample takes one class index, got shape "
                            f"{tuple(y.shape)}")
        index = int(y.reshape(-1)[0])
        if index == getattr(loss, "ignore_index", None):
            raise SpecError(f"y: class {index} is the loss's ignore_index: the loss is 0")
        if not 0 <= index < width:
            raise SpecError(f"y: class {index} is not one of the model's {width} outputs")
        where = f"y = {index}, one-hot"
        return [1.0 if j == index else 0.0 for j in range(width)], [where] * width
    if name == "NLLLoss":
        raise SpecError("y: NLLLoss takes a class index (an integer tensor)")
    values, y_batched = _sample(y, torch, "y")
    if y_batched != batched or len(values) != width:
        raise SpecError(f"y: expected shape {(1, width) if batched else (width,)} like the "
                        f"model's output, got {tuple(y.shape)}")
    return values.tolist(), None


def _summary(chain: list[Dense | Act], loss: Any) -> str:
    parts = [f"Linear({item.shape[1]}, {item.shape[0]})" if isinstance(item, Dense)
             else item.name for item in chain]
    return f"PyTorch model {' -> '.join(parts)}, {type(loss).__name__} ({loss.reduction})"


def is_one_sample(x: Any, torch: Any) -> bool:
    """Whether ``x`` is one sample, as the scalar level reads it: ``(n,)`` or ``(1, n)``.

    Examples
    --------
    >>> import types
    >>> fake = types.SimpleNamespace(Tensor=list)
    >>> is_one_sample("not a tensor", fake)
    False
    """
    return isinstance(x, torch.Tensor) and (x.dim() == 1 or (x.dim() == 2 and x.shape[0] == 1))


def scalar_problem(torch: Any, model: Any, x: Any, y: Any, loss: Any, *, naming: str,
                   title: str | None) -> Problem:
    """The scalar problem of a chain's loss at one sample (the module docstring says what is
    read): a layered network where the format holds the model exactly, else a general graph
    with the same names (:mod:`symbackprop.interop.chain` says when).

    Raises
    ------
    SpecError
        For a layer, loss, option or shape it does not read, naming it.

    Examples
    --------
    >>> sorted(LOSSES)          # the losses it reads (docs/howto/own-model.md shows a model)
    ['BCELoss', 'BCEWithLogitsLoss', 'CrossEntropyLoss', 'MSELoss', 'NLLLoss']
    """
    x_values, batched = _sample(x, torch, "x")
    chain = _chain(model, torch, 1 if batched else 0)
    loss = _loss(loss, torch)
    widths = [item.shape[0] for item in chain if isinstance(item, Dense)]
    if not widths:
        raise SpecError("model: it has no Linear layer")
    y_values, y_origins = _targets(loss, y, torch, widths[-1], batched)
    spec = LossSpec(LOSSES[type(loss).__name__], loss.reduction)
    problem = chain_problem(chain, x_values.tolist(), y_values, spec, naming=naming,
                            title=_summary(chain, loss) if title is None else title,
                            source="imported with symbackprop.from_torch", batched=batched,
                            y_origins=y_origins)
    _check_loss(problem, model, loss, x, y, torch)
    return problem


def _check_loss(problem: Problem, model: Any, loss: Any, x: Any, y: Any, torch: Any) -> None:
    """The model's own loss must be the problem's: else its forward is not what was read."""
    try:
        with torch.no_grad():
            expected = float(loss(model(x), y))
    except (RuntimeError, ValueError, TypeError) as err:
        raise SpecError(f"model: torch cannot compute the loss of x and y ({err})") from None
    got = problem.graph.forward(problem.values)[problem.graph.output]
    tolerance = 1e-9 if x.dtype == torch.float64 else 1e-4
    if not abs(got - expected) <= tolerance * max(1.0, abs(expected)):
        raise SpecError(f"model: its loss is {expected!r} in torch but {got!r} from the layers "
                        "read in order; the scalar level reads a forward that applies each "
                        f"layer once, in order (not a skip connection or a reused layer), and "
                        f"{_TENSOR}")
