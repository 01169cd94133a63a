"""The edges of a computation graph classified: what kind of local partial each is.

A registered mistake (:mod:`symbackprop.check.mistakes`) is a wrong form of one kind of local
partial.  :func:`edge_info` says which kind an edge ``parent -> child`` is (a sigmoid, a softmax
diagonal, a weight feeding a pre-activation, the loss, ...) and names the symbols its partial is
written in; :func:`loss_name` recognises the registered loss the graph's output computes.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> graph = load_problem("padhai_4_4_2").graph
>>> edge_info(graph, "a21", "yhat1")
EdgeInfo(a21 -> yhat1: softmax_diagonal)
>>> loss_name(graph)
'squared_error'
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy

from ..graph.computation import ComputationGraph
from ..naming import symbol
from ..rules.functions import leaky_relu, relu, sigmoid, softplus
from ..rules.registry import LOSSES

__all__ = ["EDGE_KINDS", "EdgeInfo", "edge_info", "loss_name"]

EDGE_KINDS = ("sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax_diagonal",
              "softmax_off_diagonal", "weight", "input", "loss")
"""The kinds of edge :func:`edge_info` recognises."""

_ELEMENTWISE = {sigmoid: "sigmoid", sympy.tanh: "tanh", relu: "relu", leaky_relu: "leaky_relu",
                softplus: "softplus"}


@dataclass(frozen=True)
class EdgeInfo:
    """What an edge ``parent -> child`` is, and the symbols its partial is written in.

    Attributes
    ----------
    parent, child : str
    kind : str
        One of :data:`EDGE_KINDS`.
    roles : mapping of str to sympy.Expr
        By kind: ``a`` (pre-activation) and ``h`` (activation) for an element-wise activation;
        ``yhat_i`` (the output), ``a_i`` (its own pre-activation), ``yhat_j`` (the output whose
        pre-activation is the parent, off the diagonal) and ``others`` (a tuple of the other
        pre-activations) for a softmax; ``w`` (the weight), ``h`` (the activation it multiplies)
        and ``a_source`` (that activation's pre-activation, if any) for ``weight`` and
        ``input`` edges; ``y`` and ``yhat`` for a loss edge.
    loss : str or None
        The loss's name, for a loss edge whose loss is recognised.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> graph = load_problem("padhai_4_4_2").graph
    >>> edge_info(graph, "a13", "h13"), edge_info(graph, "a21", "yhat2")
    (EdgeInfo(a13 -> h13: sigmoid), EdgeInfo(a21 -> yhat2: softmax_off_diagonal))
    """

    parent: str
    child: str
    kind: str
    roles: Mapping[str, sympy.Expr | tuple[sympy.Expr, ...]] = field(default_factory=dict)
    loss: str | None = None

    def __repr__(self) -> str:
        return f"EdgeInfo({self.parent} -> {self.child}: {self.kind})"


def loss_name(graph: ComputationGraph) -> str | None:
    """The registered loss the graph's output computes, or ``None`` if it is none of them.

    Targets and outputs are paired in the graph's order (``y1`` with ``yhat1``, ...).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> loss_name(load_problem("padhai_4_4_2").graph)
    'squared_error'
    """
    if graph not in _LOSSES:
        _LOSSES[graph] = _loss_name(graph)
    return _LOSSES[graph]


_LOSSES: weakref.WeakKeyDictionary[ComputationGraph, str | None] = weakref.WeakKeyDictionary()


def _loss_name(graph: ComputationGraph) -> str | None:
    node = graph.node(graph.output)
    if node.definition is None:
        return None
    parents = graph.parents(graph.output)
    ys = [p for p in parents if graph.node(p).kind == "target"]
    yhats = [p for p in parents if graph.node(p).kind != "target"]
    if not ys or len(ys) != len(yhats):
        return None
    for name, loss in LOSSES.items():
        if loss.function([symbol(y) for y in ys], [symbol(y) for y in yhats]) == node.definition:
            return name
    return None


def _softmax_inputs(graph: ComputationGraph, child: str) -> list[str] | None:
    """The pre-activations of ``child`` if it is a softmax output over them, else ``None``;
    the first is the child's own (found once per graph and child: every edge into the child
    and every sibling's edge asks)."""
    known = _SOFTMAX.setdefault(graph, {})
    if child not in known:
        known[child] = _find_softmax_inputs(graph, child)
    found = known[child]
    return None if found is None else list(found)


_SOFTMAX: weakref.WeakKeyDictionary[ComputationGraph, dict[str, tuple[str, ...] | None]] = \
    weakref.WeakKeyDictionary()
"""Each graph's softmax outputs and their pre-activations, as :func:`_softmax_inputs` found."""


def _find_softmax_inputs(graph: ComputationGraph, child: str) -> tuple[str, ...] | None:
    definition = graph.node(child).definition
    parents = graph.parents(child)
    if definition is None or len(parents) < 2:
        return None
    total = sympy.Add(*(sympy.exp(symbol(p)) for p in parents))
    for own in parents:
        if definition == sympy.exp(symbol(own)) / total:
            return (own, *(p for p in parents if p != own))
    return None


def _own_softmax_output(graph: ComputationGraph, pre_activation: str, output: str) -> bool:
    """Whether ``output`` is the softmax output whose own pre-activation is ``pre_activation``."""
    inputs = _softmax_inputs(graph, output)
    return inputs is not None and inputs[0] == pre_activation


def _coefficient(definition: sympy.Expr, x: sympy.Symbol) -> sympy.Symbol | None:
    """The symbol ``c`` when ``definition`` is linear in ``x`` through one term ``c * x`` (its
    derivative ``c`` and ``c * x`` one of its terms), else ``None``.

    When one term holds ``x``, the derivative is a symbol ``c`` with ``c * x`` a term exactly
    when that term is ``c * x``: read off the term, no differentiation.  Only when several
    terms hold ``x`` is the derivative taken.
    """
    terms = sympy.Add.make_args(definition)
    holding = [t for t in terms if x in t.free_symbols]
    if len(holding) == 1:
        term = holding[0]
        if not (term.is_Mul and len(term.args) == 2 and x in term.args):
            return None
        other = term.args[1] if term.args[0] == x else term.args[0]
        return other if isinstance(other, sympy.Symbol) and sympy.Mul(other, x) == term \
            else None
    if not holding:
        return None
    coefficient = sympy.diff(definition, x)
    if not isinstance(coefficient, sympy.Symbol) or sympy.Mul(coefficient, x) not in terms:
        return None
    return coefficient


def _linear_role(graph: ComputationGraph, parent: str, child: str) -> EdgeInfo | None:
    definition = graph.node(child).definition
    if definition is None:
        return None
    coefficient = _coefficient(definition, symbol(parent))
    if coefficient is None:
        return None
    other = str(coefficient)
    parent_is_weight = graph.node(parent).kind == "parameter" and not (
        other in graph and graph.node(other).kind == "parameter")
    weight, source = (parent, other) if parent_is_weight else (other, parent)
    roles: dict[str, sympy.Expr | tuple[sympy.Expr, ...]] = {
        "w": symbol(weight), "h": symbol(source)}
    if source in graph:
        source_node = graph.node(source)
        inner = graph.parents(source)
        if (source_node.definition is not None and len(inner) == 1
                and source_node.definition.func in _ELEMENTWISE):
            roles["a_source"] = symbol(inner[0])
    return EdgeInfo(parent, child, "weight" if parent_is_weight else "input", roles)


def edge_info(graph: ComputationGraph, parent: str, child: str,
              loss: str | None = None) -> EdgeInfo | None:
    """Classify the edge ``parent -> child``: ``None`` when it is none of :data:`EDGE_KINDS`.

    Parameters
    ----------
    graph : ComputationGraph
    parent, child : str
    loss : str, optional
        The loss's name when the caller knows it (a layered network); otherwise it is
        recognised from the output's definition by :func:`loss_name`.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> graph = load_problem("padhai_4_4_2").graph
    >>> edge_info(graph, "w212", "a21"), edge_info(graph, "h12", "a21")
    (EdgeInfo(w212 -> a21: weight), EdgeInfo(h12 -> a21: input))
    >>> edge_info(graph, "w212", "a21").roles["a_source"]
    a12

    Notes
    -----
    Classified once per graph and edge, then looked up.
    """
    known = _CLASSIFIED.setdefault(graph, {})
    key = (parent, child, loss)
    if key not in known:
        known[key] = _edge_info(graph, parent, child, loss)
    return known[key]


_CLASSIFIED: weakref.WeakKeyDictionary[
    ComputationGraph, dict[tuple[str, str, str | None], EdgeInfo | None]] = \
    weakref.WeakKeyDictionary()
"""Each graph's edges as classified, once per graph (a graph does not change; a course's
answer keys classify the same edges for every student)."""


def _edge_info(graph: ComputationGraph, parent: str, child: str,
               loss: str | None) -> EdgeInfo | None:
    node = graph.node(child)
    definition = node.definition
    if definition is None:
        return None
    a, h = symbol(parent), symbol(child)
    if definition.func in _ELEMENTWISE and definition.args[0] == a:
        return EdgeInfo(parent, child, _ELEMENTWISE[definition.func], {"a": a, "h": h})
    pre = _softmax_inputs(graph, child)
    if pre is not None:
        if parent == pre[0]:
            others = tuple(symbol(p) for p in pre[1:])
            return EdgeInfo(parent, child, "softmax_diagonal",
                            {"yhat_i": h, "a_i": a, "others": others})
        own = [c for c in graph.children(parent) if _own_softmax_output(graph, parent, c)]
        if own:
            return EdgeInfo(parent, child, "softmax_off_diagonal",
                            {"yhat_i": h, "a_i": symbol(pre[0]), "yhat_j": symbol(own[0])})
        return None
    if child == graph.output and graph.node(parent).kind != "target":
        name = loss if loss is not None else loss_name(graph)
        if name is not None:
            parents = graph.parents(child)
            ys = [p for p in parents if graph.node(p).kind == "target"]
            yhats = [p for p in parents if graph.node(p).kind != "target"]
            if len(ys) == len(yhats) and parent in yhats:
                y = ys[yhats.index(parent)]
                return EdgeInfo(parent, child, "loss", {"y": symbol(y), "yhat": a}, loss=name)
    return _linear_role(graph, parent, child)
