"""Every gradient at once: one reverse sweep with named adjoints.

Backprop's trick, kept symbolic: each node ``n`` on a path to the output gets one named adjoint
``delta_n = d of / d n`` (a sympy symbol, typeset :math:`\\delta_{n}`), defined once as the sum
over its children ``c`` of ``(d c / d n) * delta_c``.  Every parameter below ``n`` reuses
``delta_n`` instead of re-deriving the paths through it, so the whole sweep costs one local
partial per edge: O(V + E), against O(paths) per parameter for the path sums and exponential
expression growth for ``sympy.diff`` of the composed loss.  The walk is
:func:`~symbackprop.calculus.adjoints.adjoint_sweep`, which
:func:`~symbackprop.calculus.derivation.derive` walks too.  Local partials of a wide sum
(``a = sum_k w_k h_k``) are taken only on the term that holds the parent
(:meth:`ComputationGraph.local_partial`).

The per-weight path view (:func:`symbackprop.calculus.derivation.derive`) and this sweep give the
same derivative: :meth:`Gradients.expanded` substitutes the adjoint definitions back into a
parameter's gradient.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> problem = load_problem("branching_graph")
>>> grads = gradients(problem.graph, values=problem.values, wrt=["a", "b"])
>>> grads
Gradients(de/d 2 nodes, 2 adjoints)
>>> [(a.node, a.expression) for a in grads.adjoints]
[('d', c), ('c', d)]
>>> grads["b"], grads.value("b")
(delta_c + delta_d, 5.0)
>>> grads.expanded("b")
c + d
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, overload

import sympy

from ..errors import GraphError
from ..graph import evaluation, precision
from ..graph.computation import ComputationGraph
from ..graph.tensor import TensorGraph
from ..naming import symbol
from .adjoints import adjoint_sweep
from .bulk import LeafGradients, bulk_parameters, bulk_values
from .paths import on_paths
from .tensor_sweep import TensorGradients, tensor_gradients
from .terms import Adjoint
from .views import view

__all__ = ["Gradients", "adjoint_prefix", "gradients"]


@dataclass(frozen=True, eq=False)
class Gradients(Mapping[str, sympy.Expr]):
    """The result of one reverse sweep: named adjoints and every requested gradient.

    A read-only mapping from each node differentiated with respect to (:attr:`wrt`) to its
    gradient's expression, like a ``dict``: ``grads["w1"]``, ``list(grads)``,
    ``grads.items()``, ``dict(grads)``; numbers by :meth:`value` (one) or
    :attr:`gradient_values` (all).

    Attributes
    ----------
    graph : ComputationGraph
    of : str
        The node differentiated (the loss).
    wrt : tuple of str
        The nodes differentiated with respect to (by default every parameter).
    adjoints : tuple of Adjoint
        One per non-leaf node on a path from some ``wrt`` node to ``of`` (``of`` excluded: its
        adjoint is 1), in reverse topological order: each is defined before it is used, and
        named by its :attr:`~symbackprop.calculus.terms.Adjoint.symbol` in the definitions
        above it.
    expressions : mapping of str to sympy.Expr
        ``d of / d wrt`` for each ``wrt``, in local partials and adjoint symbols
        (``x1*delta_a11``); 0 where ``of`` does not depend on it.
    node_values : mapping or None
        Every node's value (the forward pass), when the leaves' values were given.
    gradient_values : mapping of str to float, or None
        Each gradient's value, when the leaves' values were given.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> grads = gradients(problem.graph, values=problem.values)
    >>> grads
    Gradients(dL/d 10 parameters, 8 adjoints)
    >>> grads["w1"], round(grads.value("w1"), 9)
    (delta_a11*x1, 0.000438568)
    >>> list(grads)[:3], dict(grads)["w5"]
    (['b1', 'b2', 'w1'], delta_a21*h11)
    >>> grads.adjoint("a11")
    Adjoint(delta_a11 = dh11/da11*delta_h11 = 0.008771354689)
    >>> grads.adjoint("a11").expression
    delta_h11*h11*(1 - h11)
    """

    graph: ComputationGraph = field(repr=False)
    of: str
    wrt: tuple[str, ...]
    adjoints: tuple[Adjoint, ...]
    expressions: Mapping[str, sympy.Expr]
    node_values: Mapping[str, float] | None = field(default=None, repr=False)
    gradient_values: Mapping[str, float] | None = field(default=None, repr=False)

    def __getitem__(self, wrt: str) -> sympy.Expr:
        try:
            return self.expressions[wrt]
        except KeyError:
            raise GraphError(f"no gradient with respect to {wrt!r} was derived; derived: "
                             f"{_some(self.wrt)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.wrt)

    def __len__(self) -> int:
        return len(self.wrt)

    def value(self, wrt: str) -> float | None:
        """The value of ``d of / d wrt`` (``None`` without values)."""
        self[wrt]
        return None if self.gradient_values is None else self.gradient_values[wrt]

    @property
    def symbols(self) -> dict[str, sympy.Symbol]:
        """Node name -> its adjoint symbol."""
        return {a.node: a.symbol for a in self.adjoints if a.symbol is not None}

    def adjoint(self, node: str) -> Adjoint:
        """The named adjoint of ``node``."""
        for definition in self.adjoints:
            if definition.node == node:
                return definition
        raise GraphError(f"node {node!r} has no named adjoint in this sweep; nodes with one: "
                         f"{_some(a.node for a in self.adjoints)}")

    def expanded(self, wrt: str) -> sympy.Expr:
        """``d of / d wrt`` with every adjoint symbol replaced by its definition (recursively):
        the same nested sum of products as the per-weight derivation, in node symbols only.

        Notes
        -----
        The expansion can be exponentially larger than the sweep; meant for small graphs.
        """
        expr = self[wrt]
        done: dict[sympy.Symbol, sympy.Expr] = {}
        for adjoint in self.adjoints:  # reverse topological: children are done first
            done[adjoint.symbol] = adjoint.expression.xreplace(done)
        return expr.xreplace(done)

    def latex_names(self) -> MutableMapping[sympy.Symbol, str]:
        """``symbol_names`` for :func:`sympy.latex`: node labels and ``\\delta_{label}``."""
        names = self.graph.latex_names()
        labels = self.graph.labels()
        for adjoint in self.adjoints:
            names[adjoint.symbol] = rf"\delta_{{{labels[adjoint.node]}}}"
        return names

    def _repr_latex_(self) -> str | None:
        """Jupyter: the adjoints and gradients as display math (the ``gradients`` view, which
        :mod:`symbackprop.render` registers; ``None`` without it)."""
        show = view("gradients")
        return None if show is None else show(self)

    def __repr__(self) -> str:
        noun = "parameter" if all(
            self.graph.node(w).kind == "parameter" for w in self.wrt) else "node"
        what = f"{len(self.wrt):,} {noun}{'' if len(self.wrt) == 1 else 's'}"
        return f"Gradients(d{self.of}/d {what}, {len(self.adjoints):,} adjoints)"


def _some(names: Iterable[str], shown: int = 8) -> str:
    names = list(names)
    more = f", ... ({len(names) - shown:,} more)" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def adjoint_prefix(graph: ComputationGraph) -> str:
    """``delta_``, or a longer prefix if some node is already called ``delta_<node>``.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> adjoint_prefix(load_problem("mazur_2_2_2").graph)
    'delta_'
    >>> graph = ComputationGraph.from_definitions({"delta_a": "2*a", "b": "delta_a + a"},
    ...                                           inputs=["a"], output="b")
    >>> adjoint_prefix(graph)
    'ddelta_'
    """
    prefix = "delta_"
    while any(prefix + name in graph for name in graph.order):
        prefix = "d" + prefix
    return prefix


def default_wrt(graph: ComputationGraph) -> list[str]:
    """Every parameter; for a graph without parameters, every input.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> default_wrt(load_problem("sigmoid_chain").graph)
    ['w1', 'w2', 'w3']
    >>> default_wrt(load_problem("branching_graph").graph)       # inputs a and b only
    ['a', 'b']
    """
    return graph.parameters or graph.kind_of("input")


@overload
def gradients(graph: ComputationGraph, of: str | None = None,
              values: Mapping[str, float] | None = None, *,
              wrt: Sequence[str] | None = None) -> Gradients: ...


@overload
def gradients(graph: TensorGraph, of: str | None = None,
              values: Mapping[str, Any] | None = None, *,
              wrt: Sequence[str] | None = None) -> TensorGradients: ...


def gradients(
    graph: ComputationGraph | TensorGraph,
    of: str | None = None,
    values: Mapping[str, Any] | None = None,
    *,
    wrt: Sequence[str] | None = None,
) -> Gradients | TensorGradients:
    """Derive ``d of / d w`` for every ``w`` in ``wrt`` in one reverse sweep.

    One entry point for both levels: a :class:`~symbackprop.graph.tensor.TensorGraph` gives
    :class:`~symbackprop.calculus.tensor_sweep.TensorGradients`
    (:func:`~symbackprop.calculus.tensor_sweep.tensor_gradients`, every parameter on a path by
    default).

    Parameters
    ----------
    graph : ComputationGraph or TensorGraph
    of : str, optional
        The node differentiated (default: the graph's output).
    values : mapping, optional
        Values of the leaves (and unknown constants); with them every adjoint and gradient gets
        a number.
    wrt : sequence of str, optional
        The nodes differentiated with respect to: by default every parameter (for a graph with
        no parameters, every input).  Any node may be named.

    Returns
    -------
    Gradients

    Notes
    -----
    O(V + E) local partials and sympy constructions, whatever the number of paths: each edge
    ``u -> c`` on a path contributes one term ``(d c / d u) * delta_c`` to ``delta_u``.

    Examples
    --------
    >>> from symbackprop.graph.network import LayeredNetwork
    >>> net = LayeredNetwork((2, 2, 1), hidden=("sigmoid",), output="identity",
    ...                      loss="half_squared_error")
    >>> grads = gradients(net.build())
    >>> grads
    Gradients(dL/d 6 parameters, 6 adjoints)
    >>> grads["w111"], grads.adjoint("a11").expression
    (delta_a11*x1, delta_h11*h11*(1 - h11))
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("tensor_mlp")
    >>> gradients(problem.graph, values=problem.values)
    TensorGradients(dL/d(W1, W2, b1, b2), 8 adjoints)
    """
    if isinstance(graph, TensorGraph):
        return tensor_gradients(graph, values, wrt=wrt, of=of)
    if values is not None:
        # float64, or 50 digits where a probability underflows (see precision.stable)
        return precision.stable(lambda: _gradients(graph, of, values, wrt),
                                 lambda g: (g.gradient_values or {}).values())
    return _gradients(graph, of, values, wrt)


def _gradients(graph: ComputationGraph, of: str | None, values: Mapping[str, float] | None,
               wrt: Sequence[str] | None, in_bulk: bool = True) -> Gradients:
    of = graph.output if of is None else graph.node(of).name
    names = default_wrt(graph) if wrt is None else [
        w if w in graph else graph.node(w).name for w in wrt]
    if len(set(names)) != len(names):
        raise GraphError(f"wrt names a node twice: {', '.join(names)}")
    bulk, feeds = bulk_parameters(graph, names, of) if in_bulk else ([], set())
    made_in_bulk = set(bulk)
    relevant = on_paths(graph, [n for n in names if n not in made_in_bulk] + sorted(feeds), of)
    forward = graph.forward(values) if values is not None else None
    prefix = adjoint_prefix(graph)
    leaves = set(graph.leaves)

    def name_adjoint(name: str) -> sympy.Symbol | None:
        return None if name in leaves else symbol(prefix + name)

    number = None if forward is None else partial(evaluation.number, values=forward)
    adjoints: list[Adjoint] = []
    swept: dict[str, Adjoint] = {}
    gradient_value: dict[str, Any] = {of: 1.0}
    wanted = set(names)
    # Each adjoint's value sums its contributions in order from 0.0 (fsum, derive's, differs
    # from it in the last bit of some values, and the printed values are a contract).
    for adjoint in adjoint_sweep(graph, relevant, of, name_adjoint, evaluate=number,
                                 add=_in_order):
        if adjoint.node in wanted:
            swept[adjoint.node] = adjoint
            gradient_value[adjoint.node] = adjoint.value
        if adjoint.symbol is not None:
            adjoints.append(adjoint)
            gradient_value.setdefault(adjoint.node, adjoint.value)
    if forward is not None and bulk:
        found = bulk_values(graph, bulk, forward, gradient_value)  # type: ignore[arg-type]
        if found is None:  # not float64 throughout: one by one after all
            return _gradients(graph, of, values, names, in_bulk=False)
        gradient_value.update(found)
    fixed: dict[str, sympy.Expr] = {}
    for name in names:
        if name == of:
            fixed[name] = sympy.S.One
        elif name not in relevant and name not in made_in_bulk:
            fixed[name] = sympy.S.Zero
            gradient_value[name] = 0.0
    gradient_values = None
    if forward is not None:
        gradient_values = {name: float(gradient_value[name]) for name in names}
    expressions = _Expressions(names, swept, fixed, LeafGradients(
        graph, bulk, lambda node: symbol(prefix + node)))
    return Gradients(graph, of, tuple(names), tuple(adjoints), expressions, forward,
                     gradient_values)


class _Expressions(Mapping[str, sympy.Expr]):
    """Each gradient's expression by name, made on first use (a swept adjoint's definition,
    a parameter's in bulk)."""

    def __init__(self, names: Sequence[str], swept: Mapping[str, Adjoint],
                 fixed: Mapping[str, sympy.Expr], bulk: Mapping[str, sympy.Expr]) -> None:
        self._names, self._swept, self._fixed, self._bulk = names, swept, fixed, bulk
        self._made: dict[str, sympy.Expr] = {}

    def __getitem__(self, name: str) -> sympy.Expr:
        found = self._made.get(name)
        if found is None:
            if name in self._fixed:
                found = self._fixed[name]
            elif name in self._swept:
                found = self._swept[name].expression
            else:
                found = self._bulk[name]
            self._made[name] = found
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _in_order(values: Iterable[Any]) -> Any:
    return sum(values, 0.0)
