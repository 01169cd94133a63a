"""The registry of common backprop mistakes: one table, each entry a wrong local partial.

Students get local partials wrong in predictable ways: the sigmoid's derivative written as its
output ``h`` (the ``(1 - h)`` dropped), ``tanh'`` as ``1 - h``, the pre-activation used where
the activation belongs, the softmax partial without its coupling term or in the PadhAI notes'
form ``yhat_i (1 - yhat_i)(-a_k)``.  :data:`MISTAKES` lists them; each entry says, for
the kinds of edge it applies to, what the student writes instead of the right partial.
:func:`edge_info` classifies an edge of a computation graph (a sigmoid, a softmax diagonal, a
weight feeding a pre-activation, ...) and names the symbols those forms are written in.

A mistake is a misconception: the diagnosis applies it to *every* edge of its kind on the paths
at once, the way a student who believes it would.  Sign slips and the factor of 2 of the squared
error are not here: they scale the whole derivative and are diagnosed as such
(:mod:`symbackprop.check.diagnose`).

Examples
--------
>>> from symbackprop.spec import load_problem
>>> graph = load_problem("padhai_4_4_2").graph
>>> info = edge_info(graph, "a21", "yhat1")
>>> info.kind
'softmax_diagonal'
>>> [m.name for m in MISTAKES if m.wrong(info) is not None]
['softmax_notes_form', 'softmax_no_coupling']
>>> MISTAKES_BY_NAME["softmax_notes_form"].wrong(info)
-a22*yhat1*(1 - yhat1)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import sympy

from ..graph.computation import ComputationGraph
from ..naming import symbol
from ..rules.functions import leaky_relu, relu, sigmoid, softplus
from ..rules.registry import LOSSES

__all__ = ["EDGE_KINDS", "MISTAKES", "MISTAKES_BY_NAME", "EdgeInfo", "Mistake", "edge_info",
           "loss_name"]

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


WrongForm = Callable[[EdgeInfo], sympy.Expr | None]


@dataclass(frozen=True)
class Mistake:
    """A common wrong local partial.

    Attributes
    ----------
    name : str
        A stable identifier (it appears in JSON reports).
    title : str
        What the student does, in words.
    forms : mapping of edge kind to callable
        For each kind of edge the mistake applies to, ``form(info)`` is the wrong partial in
        node symbols (``None`` where it does not apply to that particular edge).

    Examples
    --------
    >>> MISTAKES_BY_NAME["tanh_without_square"]
    Mistake('tanh_without_square': the derivative of tanh written as 1 - h instead of 1 - h^2)
    """

    name: str
    title: str
    forms: Mapping[str, WrongForm]

    def wrong(self, info: EdgeInfo) -> sympy.Expr | None:
        """The wrong partial this mistake writes for the edge ``info``, or ``None``."""
        form = self.forms.get(info.kind)
        return None if form is None else form(info)

    def __repr__(self) -> str:
        return f"Mistake({self.name!r}: {self.title})"


def _role(info: EdgeInfo, name: str) -> sympy.Expr:
    value = info.roles[name]
    if isinstance(value, tuple):
        raise TypeError(f"role {name!r} of {info!r} is a tuple")
    return value


def _notes_softmax(info: EdgeInfo) -> sympy.Expr | None:
    others = info.roles.get("others", ())
    if not isinstance(others, tuple) or len(others) != 1:
        return None  # the notes' form names "the other" pre-activation: two outputs only
    yhat = _role(info, "yhat_i")
    return yhat * (1 - yhat) * (-others[0])


def _weight_pre_activation(info: EdgeInfo) -> sympy.Expr | None:
    return info.roles.get("a_source")


def _cross_entropy_difference(info: EdgeInfo) -> sympy.Expr | None:
    if info.loss not in ("cross_entropy", "binary_cross_entropy"):
        return None
    return _role(info, "yhat") - _role(info, "y")


MISTAKES: tuple[Mistake, ...] = (
    Mistake("sigmoid_output_only",
            "the sigmoid's derivative written as its output h, the factor (1 - h) dropped",
            {"sigmoid": lambda i: _role(i, "h")}),
    Mistake("sigmoid_pre_activation",
            "the sigmoid's derivative written with the pre-activation, a (1 - a), "
            "instead of h (1 - h)",
            {"sigmoid": lambda i: _role(i, "a") * (1 - _role(i, "a"))}),
    Mistake("tanh_without_square",
            "the derivative of tanh written as 1 - h instead of 1 - h^2",
            {"tanh": lambda i: 1 - _role(i, "h")}),
    Mistake("tanh_pre_activation",
            "the derivative of tanh written with the pre-activation, 1 - a^2, "
            "instead of 1 - h^2",
            {"tanh": lambda i: 1 - _role(i, "a") ** 2}),
    Mistake("relu_as_output",
            "the derivative of relu written as its output h instead of 1 (for a > 0) or 0",
            {"relu": lambda i: _role(i, "h")}),
    Mistake("softmax_notes_form",
            "the softmax partial d yhat_i / d a_i written yhat_i (1 - yhat_i)(-a_k), with the "
            "other output's pre-activation a_k (the PadhAI notes' form), instead of "
            "yhat_i (1 - yhat_i)",
            {"softmax_diagonal": _notes_softmax}),
    Mistake("softmax_no_coupling",
            "the softmax partial without its coupling term -yhat_i yhat_j: d yhat_i / d a_i "
            "written yhat_i, and the partials across outputs taken as 0",
            {"softmax_diagonal": lambda i: _role(i, "yhat_i"),
             "softmax_off_diagonal": lambda i: sympy.S.Zero}),
    Mistake("softmax_coupling_sign",
            "the softmax partial across outputs written +yhat_i yhat_j instead of "
            "-yhat_i yhat_j",
            {"softmax_off_diagonal": lambda i: _role(i, "yhat_i") * _role(i, "yhat_j")}),
    Mistake("weight_pre_activation",
            "the pre-activation used for the activation: d a / d w written as the input "
            "neuron's pre-activation instead of its activation h",
            {"weight": _weight_pre_activation}),
    Mistake("weight_input_swapped",
            "the weight and the activation it multiplies swapped: d a / d w written w, "
            "d a / d h written h",
            {"weight": lambda i: _role(i, "w"), "input": lambda i: _role(i, "h")}),
    Mistake("cross_entropy_difference",
            "d L / d yhat_j of the cross-entropy written yhat_j - y_j (the shortcut that holds "
            "for d L / d a_j after a softmax or sigmoid) instead of the loss's own partial",
            {"loss": _cross_entropy_difference}),
)
"""Every registered mistake, in the order the diagnosis tries them."""

MISTAKES_BY_NAME: Mapping[str, Mistake] = MappingProxyType({m.name: m for m in MISTAKES})


def _check_table() -> None:
    names = [m.name for m in MISTAKES]
    if len(set(names)) != len(names):
        raise RuntimeError("MISTAKES: duplicate names")
    for mistake in MISTAKES:
        unknown = set(mistake.forms) - set(EDGE_KINDS)
        if unknown:
            raise RuntimeError(f"MISTAKES: {mistake.name} names unknown edge kinds {unknown}")


_check_table()


# -- classifying edges ---------------------------------------------------------------------------

def loss_name(graph: ComputationGraph) -> str | None:
    """The registered loss the graph's output computes, or ``None`` if it is none of them.

    Targets and outputs are paired in the graph's order (``y1`` with ``yhat1``, ...).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> loss_name(load_problem("padhai_4_4_2").graph)
    'squared_error'
    """
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
    the first is the child's own."""
    definition = graph.node(child).definition
    parents = graph.parents(child)
    if definition is None or len(parents) < 2:
        return None
    total = sympy.Add(*(sympy.exp(symbol(p)) for p in parents))
    for own in parents:
        if definition == sympy.exp(symbol(own)) / total:
            return [own, *(p for p in parents if p != own)]
    return None


def _own_softmax_output(graph: ComputationGraph, pre_activation: str, output: str) -> bool:
    """Whether ``output`` is the softmax output whose own pre-activation is ``pre_activation``."""
    inputs = _softmax_inputs(graph, output)
    return inputs is not None and inputs[0] == pre_activation


def _linear_role(graph: ComputationGraph, parent: str, child: str) -> EdgeInfo | None:
    definition = graph.node(child).definition
    if definition is None:
        return None
    coefficient = sympy.diff(definition, symbol(parent))
    if not isinstance(coefficient, sympy.Symbol):
        return None
    terms = sympy.Add.make_args(definition)
    if sympy.Mul(coefficient, symbol(parent)) not in terms:
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
    """
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
