"""Where each ``paths`` and ``edge`` mistake of :mod:`symbackprop.check.tensor_mistakes`
applies in a tensor graph, and the wrong backward pass it makes there.

A ``paths`` mistake finds its nodes by what they compute: batch statistics (a reduction over
the batch axis 0; a variance when it is a ``var`` or reduces what depends on a mean), the
states of an unrolled recurrence before the last step (numbered nodes each read by the next),
attention's keys (transposed in a product whose result a softmax reads), a softmax written
out (a row sum of an ``exp``); any other node on the paths is the generic
``missing_paths``.  An ``edge`` mistake rewrites the edge's VJP (IR): the transpose of an
operand dropped, the operands swapped (where the shapes still fit, as they do for square
matrices), softmax's VJP made diagonal, an activation's derivative evaluated at the other
side of the edge.

Examples
--------
>>> from symbackprop.spec.problems import load_problem
>>> problem = load_problem("tensor_batchnorm")
>>> forward = problem.graph.forward(problem.values)
>>> [i.name for i in instances(problem.graph, forward) if i.mistake.way == "paths"][:2]
['batchnorm_mean_path', 'batchnorm_variance_path']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
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
from .tensor_mistakes import ACTIVATIONS, TENSOR_MISTAKES_BY_NAME, Instance, TensorMistake

__all__ = ["instances"]


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
    >>> from symbackprop.spec.problems import load_problem
    >>> problem = load_problem("tensor_attention")
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


