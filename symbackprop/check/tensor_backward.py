"""A backward pass over a tensor graph, right or with a student's mistakes built in.

:func:`backward` computes the adjoint (the gradient of the loss) of every float node that
reaches the loss, ``δn = Σ_c VJP_{n->c}(δc)``, each edge's VJP the graph's own
(:meth:`~symbackprop.graph.tensor.TensorGraph.edge_vjp`), evaluated with numpy.  A
:class:`Variant` changes it the ways a student's backward pass does:

- ``detached``: nodes treated as constants (the paths through them left out: batch norm's
  mean, an RNN's earlier steps, attention's keys);
- ``edges``: an edge's VJP replaced by a wrong rule (a function of the forward pass and the
  child's adjoint; a missing transpose, a diagonal softmax Jacobian ...);
- ``given``: adjoints taken as given instead of computed (a student's own earlier answers,
  to see whether a later answer follows from them).

Examples
--------
>>> import numpy as np
>>> from symbackprop.graph.tensor import TensorNode
>>> from symbackprop.graph.tensor_build import build_tensor_graph
>>> graph = build_tensor_graph([TensorNode("w", "parameter", (2,))],
...                            {"h": "w * 3", "L": "sum(h**2)"}, "L")
>>> forward = graph.forward({"w": np.array([1.0, -1.0])})
>>> backward(graph, forward)["w"]
array([ 18., -18.])
>>> backward(graph, forward, Variant(detached=frozenset({"h"}))).get("w") is None
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ..errors import DomainError, GraphError
from ..graph.tensor import TensorGraph
from ..rules.tensor.evaluate import evaluate

__all__ = ["EdgeRule", "Variant", "backward", "reaching"]

EdgeRule = Callable[[Mapping[str, np.ndarray], np.ndarray], np.ndarray]
"""A wrong VJP of one edge: the forward pass and the child's adjoint give the parent's share."""


@dataclass(frozen=True)
class Variant:
    """How a backward pass departs from the right one (the default: not at all).

    Examples
    --------
    >>> Variant().is_right, Variant(detached=frozenset({"h"})).is_right
    (True, False)
    """

    detached: frozenset[str] = frozenset()
    edges: Mapping[tuple[str, str], EdgeRule] = field(
        default_factory=lambda: MappingProxyType({}))
    given: Mapping[str, np.ndarray] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_right(self) -> bool:
        return not (self.detached or self.edges or self.given)

    def combined(self, other: Variant) -> Variant:
        """Both variants' departures at once.

        Examples
        --------
        >>> Variant(frozenset({"a"})).combined(Variant(frozenset({"b"}))).detached == {"a", "b"}
        True
        """
        return Variant(self.detached | other.detached, {**self.edges, **other.edges},
                       {**self.given, **other.given})


def reaching(graph: TensorGraph, of: str | None = None) -> dict[str, tuple[str, ...]]:
    """Every float node that reaches ``of`` (the loss by default), with its children that do,
    in topological order.

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("x", "input", (2, 3)), TensorNode(
    ...     "y", "input", (2,), "int")], {"h": "exp(x)", "L": "nll(log(h), y)"}, "L")
    >>> reaching(graph)
    {'x': ('h',), 'h': ('L',), 'L': ()}
    """
    of = graph.output if of is None else of
    found: dict[str, tuple[str, ...]] = {of: ()}
    for node in reversed(graph.order):
        if node == of or graph.node(node).dtype != "float":
            continue
        children = tuple(c for c in graph.children(node) if c in found)
        if children:
            found[node] = children
    order = {name: i for i, name in enumerate(graph.order)}
    return {n: tuple(sorted(found[n], key=order.__getitem__))
            for n in sorted(found, key=order.__getitem__)}


def backward(graph: TensorGraph, forward: Mapping[str, np.ndarray],
             variant: Variant = Variant(), of: str | None = None) -> dict[str, np.ndarray]:
    """The adjoint of every float node that reaches ``of`` (the loss), with ``variant``'s
    departures; a node every one of whose paths is left out has none.

    Raises
    ------
    DomainError
        If a (wrong) rule cannot be computed at these values.

    Examples
    --------
    >>> import numpy as np
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("w", "parameter", (2,))],
    ...                            {"h": "w * 3", "L": "sum(h**2)"}, "L")
    >>> forward = graph.forward({"w": np.array([1.0, -1.0])})
    >>> twice = Variant(edges={("w", "h"): lambda values, dh: 2 * dh})
    >>> backward(graph, forward, twice)["w"]
    array([ 12., -12.])
    """
    of = graph.output if of is None else of
    children = reaching(graph, of)
    found: dict[str, np.ndarray] = {}
    for node in reversed(list(children)):
        if node in variant.given:
            found[node] = np.asarray(variant.given[node], dtype=float)
            continue
        if node == of:
            found[node] = np.array(1.0)
            continue
        total: np.ndarray | None = None
        for child in children[node]:
            if child in variant.detached or child not in found:
                continue
            rule = variant.edges.get((node, child))
            try:
                if rule is not None:
                    share = np.asarray(rule(forward, found[child]), dtype=float)
                else:
                    share = np.asarray(evaluate(graph.edge_vjp(node, child), forward,
                                                {child: found[child]}), dtype=float)
            except GraphError:  # the child reads the node only where it has no gradient
                continue
            if share.shape != graph.node(node).shape:
                raise DomainError(f"a rule for {node} -> {child} gave shape {share.shape}")
            total = share if total is None else total + share
        if total is not None:
            found[node] = total
    return found
