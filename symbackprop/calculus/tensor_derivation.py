"""Tensor-level derivations: the gradient of the loss with respect to one tensor, path by path.

For ``dL/dW``: every tensor path ``W -> ... -> L`` (counted by dynamic programming and listed
under a limit, by :mod:`symbackprop.calculus.paths`, which reads a
:class:`~symbackprop.graph.tensor.TensorGraph` as it reads a scalar graph), each edge's VJP in
textbook form, each path's chain of VJPs in chain-rule order (the output end first), the
sum over the paths, and the factored (adjoint, delta) form ``δn = Σ_c VJP_{n->c}(δc)``
defined once per node; with numbers, every adjoint's value and every path's contribution, a
tensor of ``W``'s shape.

Cost grows with the number of tensor operations, not with the tensors' sizes: the algebra is
shape-generic, the numbers come from numpy.

Examples
--------
>>> from symbackprop.graph.tensor import TensorNode
>>> from symbackprop.graph.tensor_build import build_tensor_graph
>>> graph = build_tensor_graph(
...     [TensorNode("x", "input", (3,)), TensorNode("W", "parameter", (3,))],
...     {"h": "tanh(W * x)", "L": "sum(h) + sum(W**2)/2"}, "L")
>>> d = tensor_derive(graph, "W")
>>> d
TensorDerivation(dL/dW, 2 paths)
>>> [str(term.path) for term in d.terms]
['W -> h -> L', 'W -> L']
>>> for step in d.terms[0].steps:
...     print(step)
VJPStep(δh += broadcast_to(δL, shape=(3,), axes=(0,)): (3,) = ())
VJPStep(δW += x*δh*(1 - h**2): (3,) = (3,)(3,)(3,))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from ..errors import GraphError
from ..graph.tensor import TensorGraph
from ..rules.tensor.build import Builder
from ..rules.tensor.evaluate import evaluate
from .options import DEFAULT_PATH_LIMIT
from .paths import Path, PathSet, find_paths
from .tensor_terms import TensorAdjoint, TensorTerm, VJPStep, describe_value
from .views import view

__all__ = ["TensorDerivation", "adjoint_sweep_tensor", "tensor_derive"]


@dataclass(frozen=True, eq=False)
class TensorDerivation:
    """``d of / d wrt`` at the tensor level.

    Attributes
    ----------
    of, wrt : str
    graph : TensorGraph
    paths : PathSet
        The paths from ``wrt`` to ``of`` (counted; listed by :attr:`terms`).
    terms : tuple of TensorTerm, or None
        Each path's chain of VJPs and contribution; ``None`` when there are more paths than
        the limit (the factored form still holds them all).
    adjoints : tuple of TensorAdjoint
        The factored form: every node on the paths, ``of`` first, each defined from its
        children's adjoints; the last is ``wrt``'s, whose value is the gradient.
    values : mapping of str to array, or None
        The forward pass (every node's value), when numbers were given.

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("w", "parameter", (2,))],
    ...                            {"L": "sum(w**2)"}, "L")
    >>> d = tensor_derive(graph, "w", values={"w": np.array([1.0, -2.0])})
    >>> d.gradient, d.adjoint("w").expression
    (array([ 2., -4.]), Map(2*broadcast_to(δL, shape=(2,), axes=(0,))*w, (2,)))
    """

    of: str
    wrt: str
    graph: TensorGraph
    paths: PathSet
    terms: tuple[TensorTerm, ...] | None
    adjoints: tuple[TensorAdjoint, ...]
    values: Mapping[str, np.ndarray] | None = None

    @property
    def path_count(self) -> int:
        return self.paths.count

    @property
    def factored(self) -> TensorAdjoint:
        """``wrt``'s adjoint: the gradient in the factored (delta) form."""
        return self.adjoints[-1]

    @property
    def gradient(self) -> np.ndarray | None:
        """The gradient's value (``wrt``'s shape), or ``None`` without numbers."""
        return self.factored.value

    def adjoint(self, node: str) -> TensorAdjoint:
        """The adjoint of ``node`` (a node on the paths)."""
        for adjoint in self.adjoints:
            if adjoint.node == node:
                return adjoint
        raise GraphError(f"{node!r} is not on a path from {self.wrt!r} to {self.of!r}")

    def _repr_markdown_(self) -> str | None:
        """Jupyter: the whole tensor-level page (the registered ``"markdown"`` view, which
        writes either level; ``None`` without one).

        Examples
        --------
        >>> import symbackprop
        >>> from symbackprop.spec import load_problem
        >>> d = tensor_derive(load_problem("tensor_mlp").graph, "b2")
        >>> d._repr_markdown_().splitlines()[0].startswith("## The gradient")
        True
        """
        markdown = view("markdown")
        return None if markdown is None else markdown(self)

    def __repr__(self) -> str:
        plural = "path" if self.path_count == 1 else "paths"
        value = "" if self.gradient is None else f" = {describe_value(self.gradient)}"
        return f"TensorDerivation(d{self.of}/d{self.wrt}, {self.path_count:,} {plural}{value})"


def tensor_derive(graph: TensorGraph, wrt: str, of: str | None = None,
                  values: Mapping[str, Any] | None = None, *,
                  max_paths: int | None = DEFAULT_PATH_LIMIT) -> TensorDerivation:
    """The derivation of ``d of / d wrt`` (``of`` defaults to the graph's output).

    Parameters
    ----------
    graph : TensorGraph
    wrt : str
        A float tensor: a parameter, an input, or a computed node.
    of : str, optional
        A scalar node (the loss).
    values : mapping of str to array, optional
        Every leaf's value: the derivation then carries the forward pass, every adjoint's
        value and every path's contribution.
    max_paths : int or None
        List the paths' chains only up to this many (``None``: always); past it,
        :attr:`TensorDerivation.terms` is ``None`` and the factored form holds them.

    Raises
    ------
    NoPathError
        If ``of`` does not depend on ``wrt``.
    GraphError
        If ``of`` is not a scalar, or ``wrt`` holds integers.

    Notes
    -----
    O(V + E) to find and count the paths; one VJP built per edge on them (memoised by the
    graph), one evaluation per edge for the adjoints' values, and one per distinct suffix of
    a path for the contributions.

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("x", "input", (2,), "int")], {"L": "sum(x)"}, "L")
    >>> tensor_derive(graph, "x")
    Traceback (most recent call last):
        ...
    symbackprop.errors.GraphError: 'x' holds integers (labels, indices): it has no gradient
    """
    of = graph.output if of is None else of
    for name in (wrt, of):
        graph.node(name)
    if graph.node(wrt).dtype == "int":
        raise GraphError(f"{wrt!r} holds integers (labels, indices): it has no gradient")
    if graph.node(of).shape != ():
        raise GraphError(f"{of!r} has shape {graph.node(of).shape}: the derivative of a tensor "
                         "by a tensor is a Jacobian; the tensor level takes the gradient of a "
                         "scalar (the loss)")
    paths = find_paths(graph, wrt, of)
    forward = graph.forward(values) if values is not None else None
    adjoints = adjoint_sweep_tensor(graph, paths.children, of, forward)
    terms = None
    if max_paths is None or paths.count <= max_paths:
        terms = _terms(graph, paths, forward)
    return TensorDerivation(of, wrt, graph, paths, terms, adjoints, forward)


def adjoint_sweep_tensor(graph: TensorGraph, children: Mapping[str, tuple[str, ...]], of: str,
                         forward: Mapping[str, np.ndarray] | None) -> tuple[TensorAdjoint, ...]:
    """The adjoint of every node of ``children`` (each node on the paths with its children on
    them, in topological order), from ``of`` back: ``δn = Σ_c VJP_{n->c}(δc)``, with values
    when ``forward`` (the forward pass) is given.

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("x", "parameter", ())],
    ...                            {"h": "x*x", "L": "3*h"}, "L")
    >>> sweep = adjoint_sweep_tensor(graph, {"x": ("h",), "h": ("L",), "L": ()}, "L",
    ...                              graph.forward({"x": 2.0}))
    >>> sweep
    (TensorAdjoint(δL = 1 = 1), TensorAdjoint(δh = 3*δL = 3), TensorAdjoint(δx = 2*x*δh = 12))
    """
    build = Builder()
    found: dict[str, TensorAdjoint] = {}
    result = []
    for node in reversed(list(children)):
        if node == of:
            one = build.map(sympy.S.One, [])
            adjoint = TensorAdjoint(node, (), one, None if forward is None else np.array(1.0))
        else:
            contributions = tuple((c, graph.edge_vjp(node, c)) for c in children[node])
            expression = build.add(*(vjp for _, vjp in contributions))
            value = None
            if forward is not None:
                value = np.zeros(graph.node(node).shape)
                for c, vjp in contributions:
                    value = np.asarray(value + evaluate(vjp, forward, {c: found[c].value}))
            adjoint = TensorAdjoint(node, contributions, expression, value)
        found[node] = adjoint
        result.append(adjoint)
    return tuple(result)


def _terms(graph: TensorGraph, paths: PathSet,
           forward: Mapping[str, np.ndarray] | None) -> tuple[TensorTerm, ...]:
    """Each path's chain of VJP steps from the output end, with the partial adjoints; a
    suffix shared by several paths is computed once."""
    partial: dict[tuple[str, ...], np.ndarray] = {(paths.target,): np.array(1.0)}
    terms = []
    for path in paths:
        steps = []
        nodes = path.nodes
        for i in range(len(nodes) - 2, -1, -1):
            parent, child = nodes[i], nodes[i + 1]
            expression = graph.edge_vjp(parent, child)
            value = None
            if forward is not None:
                suffix = nodes[i:]
                value = partial.get(suffix)
                if value is None:
                    value = partial[suffix] = np.asarray(evaluate(
                        expression, forward, {child: partial[nodes[i + 1:]]}), dtype=float)
            steps.append(VJPStep(parent, child, expression, value))
        total = None
        if forward is not None:
            total = steps[-1].value if steps else np.array(1.0)
        terms.append(TensorTerm(Path(nodes), tuple(steps), total))
    return tuple(terms)
