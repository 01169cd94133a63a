"""PyTorch models in: :func:`from_torch` reads a model, its inputs and targets and a loss into a
problem, at the scalar level or at the tensor level.

- The **tensor level** (:mod:`.torch_tensor`) reads any model ``torch.fx`` can trace: the
  layers, functions and losses of docs/howto/own-model.md (``Linear``, ``Conv1d/2d``, pools,
  ``BatchNorm1d/2d``, ``LayerNorm``, ``Embedding``, ``RNN``/``LSTM``/``GRU`` unrolled over
  their time steps, ``MultiheadAttention``, residual additions, concatenation, tied weights,
  Dropout, the activations and their functional forms ...), on a whole mini-batch, into a
  :class:`~symbackprop.spec.tensor.TensorProblem` whose parameters are the model's tensors
  (``W1`` is ``model.fc1.weight``).
- The **scalar level** (:mod:`.torch_scalar`) reads one sample through a chain of dense layers
  and activations into a :class:`~symbackprop.spec.Problem` whose weights are single numbers
  (``w213`` is ``model[2].weight[0, 2]``): a layered network where the format holds the model,
  else a general graph.

``level="auto"`` (the default) takes the scalar level when it reads the model (one sample
through such a chain) and the tensor level otherwise.  What neither reads is refused with a
:class:`~symbackprop.errors.SpecError` (also a ``ValueError``) naming the module, the
operation and the route that works.

torch is imported only when :func:`from_torch` is called (the ``[torch]`` extra).

Examples
--------
>>> LEVELS
('auto', 'scalar', 'tensor')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, overload

from ..errors import MissingExtraError, SpecError
from ..spec.problems import Problem
from ..spec.tensor import TensorProblem
from .torch_scalar import is_one_sample, scalar_problem
from .torch_tensor import tensor_problem

__all__ = ["LEVELS", "from_torch"]

#: The levels :func:`from_torch` reads a model at.
LEVELS = ("auto", "scalar", "tensor")
_INSTALL = "pip install 'symbackprop[torch]'"


def _torch() -> Any:
    try:
        import torch
        import torch.fx
    except ImportError:
        raise MissingExtraError(f"from_torch needs PyTorch: {_INSTALL}") from None
    return torch


@overload
def from_torch(model: Any, x: Any, y: Any, *, loss: Any, level: Literal["scalar"],
               naming: str = ..., title: str | None = ...,
               masks: Mapping[str, Any] | None = ...) -> Problem: ...
@overload
def from_torch(model: Any, x: Any, y: Any, *, loss: Any, level: Literal["tensor"],
               naming: str = ..., title: str | None = ...,
               masks: Mapping[str, Any] | None = ...) -> TensorProblem: ...
@overload
def from_torch(model: Any, x: Any, y: Any, *, loss: Any, level: str = ...,
               naming: str = ..., title: str | None = ...,
               masks: Mapping[str, Any] | None = ...) -> Problem | TensorProblem: ...
def from_torch(model: Any, x: Any, y: Any, *, loss: Any, level: str = "auto",
               naming: str = "layer_to_from", title: str | None = None,
               masks: Mapping[str, Any] | None = None) -> Problem | TensorProblem:
    """The problem of a PyTorch model's loss, ``loss(model(x), y)``: its weights and numbers
    included, at the scalar or the tensor level.

    Parameters
    ----------
    model : torch.nn.Module
        Any module ``torch.fx`` can trace (its forward may not branch on a tensor's value).
    x : torch.Tensor or tuple of torch.Tensor
        The input (a mini-batch, a sequence, token indices ...), or the inputs of a forward
        that takes several.
    y : torch.Tensor
        The target: shaped like the output, or class indices (integers) or probabilities for
        ``CrossEntropyLoss``/``NLLLoss``.
    loss : torch.nn loss module, its class, or a function of (output, target)
        ``MSELoss``, ``CrossEntropyLoss``, ``NLLLoss``, ``BCELoss``, ``BCEWithLogitsLoss``,
        ``HuberLoss``, ``SmoothL1Loss``, ``L1Loss`` with ``reduction="mean"`` or ``"sum"``,
        or their functional forms (``F.mse_loss`` ...).
    level : {"auto", "scalar", "tensor"}
        ``"scalar"``: one sample through a chain, each weight a node; ``"tensor"``: any model,
        each parameter tensor a node; ``"auto"``: the scalar level where it reads the model,
        else the tensor level.
    naming : {"layer_to_from", "flat"}
        The scalar level's weight names: ``w{l}{j}{k}`` is ``weight[j-1, k-1]`` of the
        ``l``-th ``Linear``.
    title : str, optional
        Default: the model's layers and the loss.
    masks : mapping of str to torch.Tensor, optional
        The tensor level's mask for each ``nn.Dropout`` in training mode, by the module's name
        (``"drop"``, ``"model.drop"`` or ``"model[1]"``): the 0s and 1s it applies (a Dropout
        in eval mode is the identity and needs none).

    Returns
    -------
    Problem or TensorProblem
        The scalar problem (``origins``: ``w213`` is ``model[2].weight[0, 2]``) or the tensor
        problem (``origins``: ``W1`` is ``model.fc1.weight``); either writes itself as a
        problem file with ``to_toml()``.

    Raises
    ------
    MissingExtraError
        Without torch: ``pip install 'symbackprop[torch]'``.
    SpecError
        For what it does not read (a module, an operation, an option, a shape), naming the
        module, the operation and the route that works; also a ``ValueError``.

    Notes
    -----
    The numbers are the model's own, in float64 (a float32 model's are taken exactly as
    stored), and the problem is held to torch before it is returned: at the tensor level every
    node that is one step of the model must have torch's value of that step, and at both
    levels the problem's loss must be the model's own.  Reading a model does not change it
    (batch norm's running statistics are restored).  A typical call::

        model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                                    torch.nn.Linear(4, 2)).double()
        problem = from_torch(model, X, y, loss=torch.nn.CrossEntropyLoss())
        tensor_gradients(problem.graph, problem.values).gradients["W1"]

    "Derive the gradient of your own PyTorch model" (docs/howto/own-model.md) runs it, with a
    CNN, an RNN and a transformer block.

    Examples
    --------
    >>> from_torch(None, None, None, loss=None, level="matrix")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: level: 'matrix' is not a level; allowed: auto, scalar, tensor
    """
    if level not in LEVELS:
        raise SpecError(f"level: {level!r} is not a level; allowed: {', '.join(LEVELS)}")
    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise SpecError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if level == "scalar" or (level == "auto" and masks is None and is_one_sample(x, torch)):
        try:
            return scalar_problem(torch, model, x, y, loss, naming=naming, title=title)
        except SpecError:
            if level == "scalar":
                raise
    inputs = tuple(x) if isinstance(x, tuple | list) else (x,)
    for i, item in enumerate([*inputs, y]):
        if not isinstance(item, torch.Tensor):
            what = "y" if i == len(inputs) else "x" if len(inputs) == 1 else f"x[{i}]"
            raise SpecError(f"{what}: expected a torch.Tensor, got {type(item).__name__}")
    return tensor_problem(torch, model, inputs, y, loss, masks=masks or {}, title=title)
