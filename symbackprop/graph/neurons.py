"""The nodes a layered network's neurons and loss become: what
:func:`~symbackprop.graph.network.surgery` makes of the network picture, and what
:class:`~symbackprop.graph.layered.LayeredGraph` makes of one neuron when it is asked for it.

A neuron becomes its pre-activation ``a = sum_k w_k h_k + b`` (:func:`pre_activation_node`) and
its activation ``h = f(a)`` (:func:`activation_nodes`, a layer at a time: softmax reads the whole
layer); the targets and the network's output become the loss (:func:`loss_node`).

Examples
--------
>>> node = pre_activation_node("a21", ["w211", "w212"], ["h11", "h12"], "b2", layer=2, j=1)
>>> node
Node('a21', hidden = b2 + h11*w211 + h12*w212)
>>> [n.definition for n in activation_nodes("sigmoid", None, ["a21"], ["yhat1"], "output", 2)]
[sigmoid(a21)]
"""

from __future__ import annotations

from collections.abc import Sequence

from ..naming import LOSS, symbol, symbols
from ..rules.registry import LOSSES, activation, softmax, softmax_partial
from .canonical import product, total
from .node import Node

__all__ = ["activation_nodes", "loss_node", "pre_activation_node"]


def pre_activation_node(name: str, weights: Sequence[str], sources: Sequence[str],
                        bias: str | None, *, layer: int, j: int) -> Node:
    """The pre-activation ``name = sum_k weights[k] * sources[k] + bias`` of neuron ``j`` of
    ``layer``, its sum in sympy's canonical form (:func:`~symbackprop.graph.canonical.total`).

    Examples
    --------
    >>> pre_activation_node("a_1_1", ["w_1_1_1"], ["x_1"], None, layer=1, j=1).definition
    w_1_1_1*x_1
    """
    terms = [product(w, s) for w, s in zip(symbols(weights), symbols(sources), strict=True)]
    if bias is not None:
        terms.append(symbol(bias))
    return Node(name, "hidden", total(terms), layer=layer, index=j)


def activation_nodes(function: str, slope: float | None, pre: Sequence[str],
                     outputs: Sequence[str], kind: str, layer: int) -> list[Node]:
    """The activations ``outputs[j] = function(pre[j])`` of a layer (``softmax`` over the whole
    layer), each with its textbook local partials, of ``kind`` (``hidden``, or ``output`` for
    the last layer).

    Examples
    --------
    >>> [(n.definition, n.textbook) for n in activation_nodes("tanh", None, ["a11"], ["h11"],
    ...                                                      "hidden", 1)]
    [(tanh(a11), {'a11': 1 - h11**2})]
    """
    pre_symbols = [symbol(a) for a in pre]
    out_symbols = [symbol(h) for h in outputs]
    nodes = []
    for j, (a_name, h_name) in enumerate(zip(pre, outputs, strict=True), start=1):
        if function == "softmax":
            definition = softmax(pre_symbols, j - 1)
            textbook = {a: softmax_partial(out_symbols, j - 1, i) for i, a in enumerate(pre)}
        else:
            act = activation(function, slope)
            definition = act.function(symbol(a_name))
            textbook = {a_name: act.derivative(symbol(h_name), symbol(a_name))}
        nodes.append(Node(h_name, kind, definition, textbook=textbook, layer=layer, index=j))
    return nodes


def loss_node(loss_name: str, targets: Sequence[str], outputs: Sequence[str], *,
              layer: int) -> Node:
    """The loss node ``L`` of the targets and the network's outputs, with its textbook partials.

    Examples
    --------
    >>> loss_node("half_squared_error", ["y1"], ["yhat1"], layer=2)
    Node('L', loss = (y1 - yhat1)**2/2)
    """
    loss = LOSSES[loss_name]
    ys, yhats = [symbol(y) for y in targets], [symbol(yh) for yh in outputs]
    return Node(
        LOSS, "loss", loss.function(ys, yhats), latex=r"\mathcal{L}",
        textbook={yh: loss.derivative(y, symbol(yh), len(targets))
                  for y, yh in zip(ys, outputs, strict=True)},
        layer=layer, index=1,
    )
