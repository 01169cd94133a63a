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

:func:`instances` finds where each ``paths`` and ``edge`` mistake applies in a graph (one
:class:`Instance` per place: a student who leaves out one transpose need not leave out every
one); an ``answer`` mistake applies to any gradient (:meth:`TensorMistake.answer`).  The
same entry is read forwards by :mod:`symbackprop.check.tensor_predict` (what the mistake
gives) and backwards by the diagnosis (the sentence: :meth:`Instance.sentence`).

Examples
--------
>>> from symbackprop.spec.problems import load_any
>>> problem = load_any("examples/tensor/batchnorm.toml")
>>> forward = problem.graph.forward(problem.values)
>>> [i.name for i in instances(problem.graph, forward) if i.mistake.way == "paths"][:2]
['batchnorm_mean_path', 'batchnorm_variance_path']
>>> TENSOR_MISTAKES_BY_NAME["transposed"].title
'the gradient transposed'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import networkx as nx
import numpy as np
import sympy

from ..errors import SymbackpropError
from ..graph.tensor import TensorGraph
from ..rules.tensor.build import Builder
from ..rules.tensor.evaluate import evaluate
from ..rules.tensor.expr import Map, Op, Ref, TExpr, walk
from .tensor_backward import EdgeRule, Variant, reaching

__all__ = ["ACTIVATIONS", "TENSOR_MISTAKES", "TENSOR_MISTAKES_BY_NAME", "Instance",
           "TensorMistake", "instances", "loss_count", "unreduced"]

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
    >>> from symbackprop.spec.problems import load_any
    >>> loss_count(load_any("examples/tensor/mlp.toml").graph)
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
    >>> from symbackprop.spec.problems import load_any
    >>> from symbackprop.check.tensor_backward import backward
    >>> problem = load_any("examples/tensor/mlp.toml")
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


# -- where the paths and edge mistakes apply -----------------------------------------------------

def _rewrite(expr: TExpr, rule: Callable[[TExpr], TExpr | None]) -> TExpr:
    """``expr`` with ``rule`` applied where it gives a replacement (outermost first); raises
    when the result does not fit (a shape changed where it cannot)."""
    new = rule(expr)
    if new is not None:
        return new
    args = tuple(_rewrite(a, rule) for a in expr.args)
    if all(a is b for a, b in zip(args, expr.args, strict=True)):
        return expr
    if isinstance(expr, Op):
        return Builder().op(expr.name, *args, **dict(expr.attrs))
    if isinstance(expr, Map) and all(a.shape == b.shape for a, b in zip(args, expr.args,
                                                                        strict=True)):
        return Map(expr.expr, expr.slots, args, expr.shape)
    raise SymbackpropError("the rewritten expression does not fit")


def _drop_transpose(expr: TExpr) -> TExpr | None:
    if isinstance(expr, Op) and expr.name == "transpose" and isinstance(
            expr.args[0], Op) and expr.args[0].name == "matmul" and \
            expr.args[0].shape == expr.shape:
        return expr.args[0]
    if isinstance(expr, Op) and expr.name == "matmul" and any(
            isinstance(a, Op) and a.name == "transpose" for a in expr.args):
        args = [a.args[0] if isinstance(a, Op) and a.name == "transpose" else a
                for a in expr.args]
        return Builder().op("matmul", *args)
    return None


def _swap_operands(expr: TExpr) -> TExpr | None:
    if isinstance(expr, Op) and expr.name == "matmul":
        return Builder().op("matmul", expr.args[1], expr.args[0])
    return None


def _rewritten(graph: TensorGraph, parent: str, child: str,
               rule: Callable[[TExpr], TExpr | None]) -> tuple[TExpr, EdgeRule] | None:
    right = graph.edge_vjp(parent, child)
    try:
        wrong = _rewrite(right, rule)
    except SymbackpropError:  # a ShapeError or a misfit: the mistake gives no answer here
        return None
    if wrong is right or wrong.shape != right.shape or str(wrong) == str(right):
        return None

    def edge(values: Mapping[str, np.ndarray], adjoint: np.ndarray) -> np.ndarray:
        return np.asarray(evaluate(wrong, values, {child: adjoint}), dtype=float)

    return wrong, edge


def _elementwise_function(graph: TensorGraph, parent: str, child: str) -> str | None:
    definition = graph.node(child).definition
    if not (isinstance(definition, Map) and len(definition.args) == 1
            and definition.args[0] == graph.node(parent).ref):
        return None
    expr = definition.expr
    if isinstance(expr, sympy.Function) and len(expr.args) >= 1:
        name = type(expr).__name__
        return name if name in ACTIVATIONS else None
    return None


def _at(graph: TensorGraph, parent: str, child: str, *, swap: str) -> EdgeRule:
    right = graph.edge_vjp(parent, child)

    def edge(values: Mapping[str, np.ndarray], adjoint: np.ndarray) -> np.ndarray:
        changed = dict(values)
        if swap == "pre":
            changed[child] = values[parent]
        else:
            changed[parent] = values[child]
        return np.asarray(evaluate(right, changed, {child: adjoint}), dtype=float)

    return edge


def _softmax_rule(graph: TensorGraph, parent: str, child: str) -> EdgeRule | None:
    definition = graph.node(child).definition
    if not isinstance(definition, Op) or definition.args[0] != graph.node(parent).ref:
        return None
    if definition.name == "softmax":
        def diagonal(values: Mapping[str, np.ndarray], adjoint: np.ndarray) -> np.ndarray:
            probs = values[child]
            return np.asarray(probs * (1 - probs) * adjoint)
        return diagonal
    if definition.name == "cross_entropy" and definition.args[1].dtype == "int" and \
            definition.attr("reduction") in ("mean", "sum") and len(definition.shape) == 0:
        labels = definition.args[1]
        if not isinstance(labels, Ref):
            return None
        count = int(np.prod(definition.args[0].shape[:-1])) \
            if definition.attr("reduction") == "mean" else 1

        def through_probs(values: Mapping[str, np.ndarray], adjoint: np.ndarray) -> np.ndarray:
            logits = values[parent]
            shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
            probs = shifted / shifted.sum(axis=-1, keepdims=True)
            onehot = np.zeros_like(probs)
            np.put_along_axis(onehot, values[labels.name][..., None].astype(int), 1.0, -1)
            return np.asarray(-onehot * (1 - probs) / count * adjoint)
        return through_probs
    return None


_NUMBERED = re.compile(r"\A(.*?)(\d+)\Z")


def _batch_statistics(graph: TensorGraph, nodes: Mapping[str, tuple[str, ...]]
                      ) -> tuple[list[str], list[str]]:
    """The nodes that are a reduction over the batch axis (0) of another node: (means,
    variances); a variance is a ``var``, or reduces a node that depends on a mean."""
    means, variances = [], []
    for name in nodes:
        definition = graph.node(name).definition
        if definition is None or name == graph.output:
            continue
        reduced = [e for e in walk(definition) if isinstance(e, Op) and e.name in (
            "sum", "mean", "var") and e.attr("axis") in (0, (0,)) and isinstance(e.args[0], Ref)]
        if not reduced:
            continue
        if any(e.name == "var" for e in reduced):
            variances.append(name)
        else:
            means.append(name)
    ancestry = graph.digraph
    for name in list(means):
        if any(m in nx.ancestors(ancestry, name) for m in means if m != name):
            means.remove(name)
            variances.append(name)
    return means, variances


def _recurrent_states(graph: TensorGraph, nodes: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The states of an unrolled recurrence before the last step (``h1``, ``h2`` of ``h1 ..
    h3``): numbered nodes each defined from the one before."""
    groups: dict[str, dict[int, str]] = {}
    for name in graph.order:
        match = _NUMBERED.match(name)
        if match is not None:
            groups.setdefault(match.group(1), {})[int(match.group(2))] = name
    earlier: list[str] = []
    for steps in groups.values():
        numbers = sorted(steps)
        chained = [n for n in numbers if n - 1 in steps and steps[n - 1] in
                   graph.parents(steps[n])]
        if len(chained) >= 2:
            last = max(chained)
            earlier += [steps[n] for n in numbers if n < last and steps[n] in nodes
                        and graph.node(steps[n]).definition is not None]
    return earlier


def _attention_keys(graph: TensorGraph, nodes: Mapping[str, tuple[str, ...]]) -> list[str]:
    keys = []
    for name in nodes:
        definition = graph.node(name).definition
        if definition is None or not any(
                isinstance(graph.node(c).definition, Op)
                and graph.node(c).definition.name == "softmax"  # type: ignore[union-attr]
                for c in graph.children(name)):
            continue
        for e in walk(definition):
            if isinstance(e, Op) and e.name == "matmul":
                for a in e.args:
                    if isinstance(a, Op) and a.name == "transpose" and isinstance(
                            a.args[0], Ref) and a.args[0].name in nodes:
                        keys.append(a.args[0].name)
    return keys


def _normalisers(graph: TensorGraph, nodes: Mapping[str, tuple[str, ...]]) -> list[str]:
    """A softmax written out: a row sum of an ``exp`` node (``counts_sum``)."""
    found = []
    for name in nodes:
        definition = graph.node(name).definition
        if isinstance(definition, Op) and definition.name == "sum" and isinstance(
                definition.args[0], Ref) and definition.attr("axis") not in (0, (0,), None):
            source = graph.node(definition.args[0].name).definition
            if isinstance(source, Map) and isinstance(source.expr, sympy.exp):
                found.append(name)
    return found


def instances(graph: TensorGraph, forward: Mapping[str, np.ndarray]) -> tuple[Instance, ...]:
    """Every place a ``paths`` or ``edge`` mistake of the registry applies in ``graph``, in
    the registry's order (the generic ``missing_paths`` last).

    Examples
    --------
    >>> from symbackprop.spec.problems import load_any
    >>> problem = load_any("examples/tensor/attention.toml")
    >>> found = instances(problem.graph, problem.graph.forward(problem.values))
    >>> sorted({i.name for i in found})[:4]
    ['attention_keys_path', 'matmul_missing_transpose', 'missing_paths', 'softmax_diagonal']
    """
    nodes = reaching(graph)
    found: list[Instance] = []
    by = TENSOR_MISTAKES_BY_NAME
    means, variances = _batch_statistics(graph, nodes)
    named: set[str] = set()
    for mistake, group in ((by["batchnorm_mean_path"], means),
                           (by["batchnorm_variance_path"], variances),
                           (by["rnn_last_step_only"], _recurrent_states(graph, nodes)),
                           (by["attention_keys_path"], _attention_keys(graph, nodes)),
                           (by["softmax_normaliser_path"], _normalisers(graph, nodes))):
        if group:
            named.update(group)
            found.append(Instance(mistake, ", ".join(group),
                                  Variant(detached=frozenset(group))))
    edges = [(p, c) for c in nodes for p in graph.parents(c) if p in nodes]
    for mistake, rewrite in ((by["matmul_missing_transpose"], _drop_transpose),
                             (by["matmul_operand_order"], _swap_operands)):
        for parent, child in edges:
            made = _rewritten(graph, parent, child, rewrite)
            if made is not None:
                where = (f"δ{parent} = {graph.edge_vjp(parent, child)} (from {child}), "
                         f"written {made[0]}")
                found.append(Instance(mistake, where,
                                      Variant(edges=MappingProxyType({(parent, child): made[1]}))))
    _everywhere(found, by["matmul_missing_transpose"])
    _everywhere(found, by["matmul_operand_order"])
    for parent, child in edges:
        softmax = _softmax_rule(graph, parent, child)
        if softmax is not None:
            found.append(Instance(by["softmax_diagonal"], f"{parent} -> {child}",
                                  Variant(edges=MappingProxyType({(parent, child): softmax}))))
    for parent, child in edges:
        function = _elementwise_function(graph, parent, child)
        if function is None:
            continue
        for mistake, swap in ((by["activation_at_input"], "pre"),
                              (by["activation_at_output"], "post")):
            at = _at(graph, parent, child, swap=swap)
            where = f"{child} = {function}({parent})"
            found.append(Instance(mistake, where,
                                  Variant(edges=MappingProxyType({(parent, child): at}))))
    for name in nodes:
        if name != graph.output and name not in named and graph.node(name).definition \
                is not None and graph.node(name).kind != "loss":
            found.append(Instance(by["missing_paths"], name,
                                  Variant(detached=frozenset({name}))))
    return tuple(found)


def _everywhere(found: list[Instance], mistake: TensorMistake) -> None:
    """One more instance of an ``edge`` mistake that applies in several places: all of them
    at once (a loop over time steps or layers repeats the same line)."""
    places = [i for i in found if i.mistake is mistake]
    if len(places) < 2:
        return
    edges: dict[tuple[str, str], EdgeRule] = {}
    for place in places:
        edges.update(place.variant.edges)
    found.append(Instance(mistake, f"at each of its {len(places)} places",
                          Variant(edges=MappingProxyType(edges))))


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
