"""The registry of tensor-level backprop mistakes: each a rule that predicts the wrong gradient
and the sentence that names it.

A mistake departs from the right backward pass in one of three ways (its ``way``):

- ``paths``: a set of paths left out, some node treated as a constant (batch norm's mean or
  variance, an RNN's earlier steps, attention's keys, a softmax's normaliser written out);
- ``edge``: one edge's VJP replaced by a wrong rule (a transpose left out, the operands of a
  product swapped, softmax's Jacobian taken as diagonal, an activation's derivative taken at
  its input instead of its output or the other way round);
- ``answer``: the answer itself changed (transposed, the sign, the mean's 1/N left out or
  doubled, a broadcast parameter's gradient not summed over the batch, summed over the wrong
  axis, or averaged).

:func:`symbackprop.check.tensor_places.instances` finds where each ``paths`` and ``edge``
mistake applies in a graph (one :class:`Instance` per place: a student who leaves out one
transpose need not leave out every one); an ``answer`` mistake applies to any gradient
(:attr:`TensorMistake.answer`).  The
same entry is read forwards by :mod:`symbackprop.check.tensor_predict` (what the mistake
gives) and backwards by the diagnosis (the sentence: :meth:`Instance.sentence`).

Examples
--------
>>> [m.name for m in TENSOR_MISTAKES if m.way == "paths"][:2]
['batchnorm_mean_path', 'batchnorm_variance_path']
>>> TENSOR_MISTAKES_BY_NAME["transposed"].title
'the gradient transposed'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from ..graph.tensor import TensorGraph
from ..rules.tensor.evaluate import evaluate
from ..rules.tensor.expr import Op
from .tensor_backward import Variant, reaching

__all__ = ["ACTIVATIONS", "TENSOR_MISTAKES", "TENSOR_MISTAKES_BY_NAME", "Instance",
           "TensorMistake", "loss_count", "unreduced"]

ACTIVATIONS = frozenset({"tanh", "sigmoid", "relu", "leaky_relu", "elu", "gelu", "gelu_tanh",
                         "silu", "softplus", "exp", "log", "sqrt"})
"""The elementwise functions whose derivative a student may take at the wrong tensor."""


@dataclass(frozen=True)
class TensorMistake:
    """One entry of the registry.

    Attributes
    ----------
    name : str
        A stable identifier (it appears in JSON reports).
    title : str
        What the student does, in a few words.
    way : {"paths", "edge", "answer"}
    diagnosis : str
        The diagnosis's sentence; ``{where}`` is filled with the place (a node, an edge).
    answer : callable or None
        For an ``answer`` mistake: ``answer(graph, node, value, unreduced)`` is the wrong
        answer made from the gradient ``value`` of ``node`` (``unreduced``: the gradient
        before a broadcast's sum, when it has one), or ``None`` where it does not apply.

    Examples
    --------
    >>> TENSOR_MISTAKES_BY_NAME["sign"]
    TensorMistake('sign': the sign flipped)
    """

    name: str
    title: str
    way: str
    diagnosis: str
    answer: Callable[[TensorGraph, str, np.ndarray, np.ndarray | None],
                     np.ndarray | None] | None = None

    def __repr__(self) -> str:
        return f"TensorMistake({self.name!r}: {self.title})"


@dataclass(frozen=True)
class Instance:
    """Where a ``paths`` or ``edge`` mistake applies in one graph, and the backward pass it
    makes there.

    Examples
    --------
    >>> i = Instance(TENSOR_MISTAKES_BY_NAME["attention_keys_path"], "K",
    ...              Variant(detached=frozenset({"K"})))
    >>> i.sentence
    "attention's path through the keys K left out (K treated as a constant)"
    """

    mistake: TensorMistake
    where: str
    variant: Variant

    @property
    def name(self) -> str:
        return self.mistake.name

    @property
    def sentence(self) -> str:
        return self.mistake.diagnosis.format(where=self.where)


# -- answers -------------------------------------------------------------------------------------

def loss_count(graph: TensorGraph) -> int | None:
    """How many terms the loss averages (its ``1/N``), or ``None`` when it is not a mean.

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> loss_count(load_problem("tensor_mlp").graph)
    4
    """
    definition = graph.node(graph.output).definition
    if not isinstance(definition, Op):
        return None
    if definition.name in ("cross_entropy", "nll") and definition.attr("reduction") == "mean":
        return int(np.prod(definition.args[0].shape[:-1]))
    if definition.name == "mean" and definition.attr("axis") is None:
        return int(np.prod(definition.args[0].shape))
    return None


def unreduced(graph: TensorGraph, forward: Mapping[str, np.ndarray],
              adjoints: Mapping[str, np.ndarray], node: str) -> np.ndarray | None:
    """The gradient of a broadcast ``node`` (a bias) before the sum over the broadcast axes:
    the sum of its children's shares before their ``sum_to``, when every share is one.

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> from symbackprop.check.tensor_backward import backward
    >>> problem = load_problem("tensor_mlp")
    >>> forward = problem.graph.forward(problem.values)
    >>> unreduced(problem.graph, forward, backward(problem.graph, forward), "b1").shape
    (4, 5)
    """
    total = None
    for child in reaching(graph).get(node, ()):
        vjp = graph.edge_vjp(node, child)
        if not (isinstance(vjp, Op) and vjp.name == "sum_to") or child not in adjoints:
            return None
        share = np.asarray(evaluate(vjp.args[0], forward, {child: adjoints[child]}), float)
        if total is not None and total.shape != share.shape:
            return None
        total = share if total is None else total + share
    return total


def _transposed(graph: TensorGraph, node: str, value: np.ndarray,
                inner: np.ndarray | None) -> np.ndarray | None:
    return value.T if value.ndim == 2 else None


def _sign(graph: TensorGraph, node: str, value: np.ndarray,
          inner: np.ndarray | None) -> np.ndarray | None:
    return -value


def _no_mean(graph: TensorGraph, node: str, value: np.ndarray,
             inner: np.ndarray | None) -> np.ndarray | None:
    count = loss_count(graph)
    return None if count is None or count == 1 else value * count


def _extra_mean(graph: TensorGraph, node: str, value: np.ndarray,
                inner: np.ndarray | None) -> np.ndarray | None:
    count = loss_count(graph)
    return None if count is None or count == 1 else value / count


def _not_summed(graph: TensorGraph, node: str, value: np.ndarray,
                inner: np.ndarray | None) -> np.ndarray | None:
    return inner


def _averaged(graph: TensorGraph, node: str, value: np.ndarray,
              inner: np.ndarray | None) -> np.ndarray | None:
    return None if inner is None else value * (value.size / inner.size)


def _wrong_axis(graph: TensorGraph, node: str, value: np.ndarray,
                inner: np.ndarray | None) -> np.ndarray | None:
    if inner is None or inner.ndim != 2:
        return None
    shape = (1,) * (inner.ndim - value.ndim) + value.shape
    summed = [a for a in range(2) if shape[a] == 1 and inner.shape[a] != 1]
    if len(summed) != 1:
        return None
    other = 1 - summed[0]
    return inner.sum(axis=other, keepdims=value.ndim == 2)


TENSOR_MISTAKES: tuple[TensorMistake, ...] = (
    TensorMistake("matmul_missing_transpose", "a transpose left out of a matrix product's VJP",
                  "edge", "the transpose left out of a matrix product's gradient: {where}"),
    TensorMistake("matmul_operand_order", "the operands of a matrix product's VJP swapped",
                  "edge", "the operands of a matrix product's gradient in the wrong order: "
                          "{where}"),
    TensorMistake("softmax_diagonal", "softmax's Jacobian taken as diagonal", "edge",
                  "softmax's Jacobian taken as diagonal (p(1 - p) alone, the coupling "
                  "between the entries of a row left out) at {where}"),
    TensorMistake("activation_at_input", "an activation's derivative taken at its input",
                  "edge", "the derivative of {where} taken at the pre-activation (its "
                          "input) where its output belongs"),
    TensorMistake("activation_at_output", "an activation's derivative taken at its output",
                  "edge", "the derivative of {where} taken at its output where the "
                          "pre-activation (its input) belongs"),
    TensorMistake("batchnorm_mean_path", "batch norm's path through the mean left out",
                  "paths", "batch norm's path through the batch mean {where} left out (the "
                           "mean treated as a constant)"),
    TensorMistake("batchnorm_variance_path", "batch norm's path through the variance left out",
                  "paths", "batch norm's path through the batch variance {where} left out "
                           "(the variance treated as a constant)"),
    TensorMistake("rnn_last_step_only", "an RNN's gradient from the last step's path only",
                  "paths", "only the last time step's path: the paths through the earlier "
                           "states {where} left out"),
    TensorMistake("attention_keys_path", "attention's path through the keys left out",
                  "paths", "attention's path through the keys {where} left out ({where} "
                           "treated as a constant)"),
    TensorMistake("softmax_normaliser_path", "a softmax's normaliser treated as a constant",
                  "paths", "the softmax's normaliser {where} treated as a constant (the "
                           "coupling between the entries of a row left out)"),
    TensorMistake("missing_paths", "the paths through one node left out", "paths",
                  "the paths through {where} left out ({where} treated as a constant)"),
    TensorMistake("bias_not_summed", "a broadcast parameter's gradient not summed over the "
                                     "batch", "answer",
                  "not summed over the batch: the gradient of each example, where the "
                  "parameter is shared by all of them (broadcast)", _not_summed),
    TensorMistake("bias_averaged", "a broadcast parameter's gradient averaged over the batch",
                  "answer", "averaged over the batch where it is summed (the mean of the "
                            "examples' gradients, not their sum)", _averaged),
    TensorMistake("reduction_wrong_axis", "a sum over the wrong axis", "answer",
                  "summed over the wrong axis (the axis the parameter keeps, not the one "
                  "it is broadcast along)", _wrong_axis),
    TensorMistake("transposed", "the gradient transposed", "answer",
                  "the transpose of the right gradient", _transposed),
    TensorMistake("sign", "the sign flipped", "answer", "the sign flipped", _sign),
    TensorMistake("mean_missing", "the mean's 1/N left out", "answer",
                  "the loss's mean over the batch forgotten: N times the right gradient (the "
                  "1/N left out)", _no_mean),
    TensorMistake("mean_extra", "an extra 1/N", "answer",
                  "divided by the batch size once too often (an extra 1/N)", _extra_mean),
)
"""Every mistake, ``paths`` and ``edge`` ones first; a diagnosis prefers the first that fits."""

TENSOR_MISTAKES_BY_NAME: Mapping[str, TensorMistake] = MappingProxyType(
    {m.name: m for m in TENSOR_MISTAKES})
