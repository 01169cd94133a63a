"""Named simplification strategies for a derivation's result.

``textbook`` (default)
    Keep node symbols (``h13 (1 - h13)``, ``yhat1``) and write the sum over paths as a careful
    human does: the factors every path shares pulled out in front, then one term per output
    delta, each times the sum over its paths of the remaining factors (:func:`collected`).  On
    the linear networks of the blog post on linear networks this is ``x1 * sum_k delta_k * sum_paths
    prod weights``.
``leaves``
    The same grouping with every factor written in inputs, targets and parameters only.
``expand``
    Multiply everything out (node symbols).
``factor``
    Factor the node-symbol form as a polynomial (sympy ``factor``).
``full``
    ``sympy.simplify`` of the leaves-only form, only when that is small enough
    (:data:`FULL_SIMPLIFY_LIMIT` operations); otherwise :class:`SimplifyLimitError` says so
    (as ``leaves`` does past :data:`COUNT_LIMIT`: in deep networks the leaves-only form
    grows exponentially).

Every strategy returns an expression equal to the derivation's sum over paths; only the form
changes.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("linear_2_2_2_2")
>>> d = derive(problem.graph, "w111")
>>> simplify(d, "textbook")
x1*((-y1 + yhat1)*(w211*w311 + w221*w312) + (-y2 + yhat2)*(w211*w321 + w221*w322))
>>> grouped = collected(d)
>>> grouped.common
(x1,)
>>> grouped.groups[0]
(-y1 + yhat1) * (w311*w211 + w312*w221)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import sympy

from ..errors import SimplifyLimitError, SymbackpropError
from ..graph.computation import ComputationGraph
from .options import FULL_SIMPLIFY_LIMIT, LEAVES_BUILD_LIMIT, STRATEGIES
from .terms import Factor, Term

__all__ = [
    "COUNT_LIMIT",
    "Collected",
    "CollectedGroup",
    "Simplifiable",
    "collected",
    "leaves_operations",
    "operation_count",
    "simplify",
]



class Simplifiable(Protocol):
    """What the strategies read of a derivation (a
    :class:`~symbackprop.calculus.derivation.Derivation` is one): this module sits below it.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> d: Simplifiable = derive(load_problem("branching_graph").graph, "b")
    >>> d.of, d.wrt, d.expression, d.leaves, d.leaves_size, d.terms[0].path
    ('e', 'b', c + d, a + 2*b + 1, 11, Path(b -> c -> e))
    """

    @property
    def graph(self) -> ComputationGraph: ...
    @property
    def of(self) -> str: ...
    @property
    def wrt(self) -> str: ...
    @property
    def terms(self) -> Sequence[Term] | None: ...
    @property
    def expression(self) -> sympy.Expr: ...
    @property
    def leaves(self) -> sympy.Expr: ...
    @property
    def leaves_size(self) -> int: ...


@dataclass(frozen=True)
class CollectedGroup:
    """The paths that share their last factors (the ``lead``, e.g. an output's delta
    ``yhat_k - y_k``): ``lead * sum over paths of the product of the rest``.

    ``lead`` and each path's ``rest`` are in chain-rule order (output end first); factors equal
    to 1 are dropped, so an empty tuple means 1.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> group = collected(derive(load_problem("mazur_2_2_2").graph, "w1")).groups[0]
    >>> group                                    # dL/dyhat1 * dyhat1/da21 * da21/dh11
    (-y1 + yhat1) * yhat1*(1 - yhat1) * w5
    >>> group.expression
    w5*yhat1*(1 - yhat1)*(-y1 + yhat1)
    """

    lead: tuple[sympy.Expr, ...]
    paths: tuple[tuple[sympy.Expr, ...], ...]

    @property
    def expression(self) -> sympy.Expr:
        return sympy.Mul(*self.lead) * sympy.Add(*(sympy.Mul(*p) for p in self.paths))

    def __repr__(self) -> str:
        lead = " * ".join(_bracket(e) for e in self.lead) or "1"
        total = " + ".join("*".join(_bracket(e) for e in p) or "1" for p in self.paths)
        return f"{lead} * ({total})" if len(self.paths) > 1 else f"{lead} * {total}"


@dataclass(frozen=True)
class Collected:
    r"""A derivative written as ``common * sum over groups (lead * sum over paths prod rest)``.

    ``common`` holds the factors every path shares at the start of the path (path order: the
    factor at ``wrt`` first, e.g. ``x1``, then ``h13 (1 - h13)``).  With one path there are no
    groups and ``common`` is the whole product.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> grouped = collected(derive(load_problem("mazur_2_2_2").graph, "w1"))
    >>> grouped.common, len(grouped.groups)
    ((x1, h11*(1 - h11)), 2)
    >>> grouped.expression
    h11*x1*(1 - h11)*(w5*yhat1*(1 - yhat1)*(-y1 + yhat1) + w7*yhat2*(1 - yhat2)*(-y2 + yhat2))
    """

    common: tuple[sympy.Expr, ...]
    groups: tuple[CollectedGroup, ...]

    @property
    def expression(self) -> sympy.Expr:
        """The collected form as one sympy expression (sympy orders its factors)."""
        rest = sympy.Add(*(g.expression for g in self.groups)) if self.groups else sympy.S.One
        return sympy.Mul(*self.common) * rest

    def map(self, function: Callable[[sympy.Expr], sympy.Expr]) -> Collected:
        """The same structure with ``function`` applied to every factor (e.g. to leaves)."""
        return Collected(
            tuple(function(e) for e in self.common),
            tuple(CollectedGroup(tuple(function(e) for e in g.lead),
                                 tuple(tuple(function(e) for e in p) for p in g.paths))
                  for g in self.groups),
        )

    def __repr__(self) -> str:
        return f"Collected(common=[{', '.join(map(str, self.common))}], groups={list(self.groups)})"


def _bracket(expr: sympy.Expr) -> str:
    return f"({expr})" if isinstance(expr, sympy.Add) else str(expr)


def _drop_ones(factors: Sequence[Factor]) -> tuple[sympy.Expr, ...]:
    return tuple(f.expression for f in factors if f.expression != 1)


def _edges(factors: Sequence[Factor]) -> list[tuple[str, str]]:
    return [(f.wrt, f.of) for f in factors]


def collected(derivation: Simplifiable) -> Collected | None:
    """The textbook grouping of a derivation's paths, or ``None`` when they are not listed.

    The factors shared by the start of every path are pulled out; the remaining paths are
    grouped by their last edge (the output they reach ``of`` through), and each group's lead is
    its output's delta: the last factors, shared by the group's paths, along nodes that no
    other group passes through (``dL/dyhat_k * dyhat_k/da_k`` for an element-wise output,
    ``dL/dyhat_k`` alone for a softmax, whose ``a_j`` feed every output).

    Notes
    -----
    O(P * D) for P paths of length D.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> graph = load_problem("mazur_2_2_2").graph
    >>> collected(derive(graph, "w5"))                 # one path: no groups
    Collected(common=[h11, yhat1*(1 - yhat1), -y1 + yhat1], groups=[])
    >>> collected(derive(graph, "w1")).common          # shared by both paths from w1
    (x1, h11*(1 - h11))
    """
    terms = derivation.terms
    if terms is None:
        return None
    paths = [t.factors for t in terms]
    if len(paths) == 1:
        return Collected(_drop_ones(paths[0]), ())
    edges = [_edges(p) for p in paths]
    shortest = min(map(len, edges))
    prefix = 0
    while prefix < shortest - 1 and all(e[prefix] == edges[0][prefix] for e in edges):
        prefix += 1
    groups: dict[tuple[str, str], list[Sequence[Factor]]] = {}
    for path in paths:
        groups.setdefault((path[-1].wrt, path[-1].of), []).append(path[prefix:])
    on_group = {key: {f.wrt for m in members for f in m} for key, members in groups.items()}
    result = []
    for key, members in groups.items():
        others = set().union(*(nodes for k, nodes in on_group.items() if k != key))
        chains = [list(reversed(m)) for m in members]  # chain-rule order: output end first
        shared = 0
        limit = min(map(len, chains)) - 1
        while shared < limit and chains[0][shared].wrt not in others and all(
                (c[shared].wrt, c[shared].of) == (chains[0][shared].wrt, chains[0][shared].of)
                for c in chains):
            shared += 1
        result.append(CollectedGroup(_drop_ones(chains[0][:max(shared, 1)]),
                                     tuple(_drop_ones(c[max(shared, 1):]) for c in chains)))
    return Collected(_drop_ones(paths[0][:prefix]), tuple(result))


COUNT_LIMIT = 5_000
"""Expressions are measured exactly (``sympy.count_ops``) only up to about this many nodes."""


def operation_count(expr: sympy.Expr, limit: int = COUNT_LIMIT) -> int | None:
    """``sympy.count_ops(expr)``, or ``None`` when the expression tree has more than ``limit``
    nodes (then counting would itself be slow: a leaves-only form repeats every shared
    subexpression, so its tree grows exponentially with depth).

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> operation_count(2 * x + 1), operation_count(sympy.exp(x) ** 2, limit=1)
    (2, None)

    Notes
    -----
    O(min(size, limit)) before the exact count.
    """
    for seen, _ in enumerate(sympy.preorder_traversal(expr), start=1):
        if seen > limit:
            return None
    return int(sympy.count_ops(expr))


def leaves_operations(derivation: Simplifiable) -> int | None:
    """:func:`operation_count` of the derivation's leaves-only form, or ``None`` when it is too
    large to count: its estimated size (:attr:`leaves_size`, known without building it) is past
    :data:`~symbackprop.calculus.options.LEAVES_BUILD_LIMIT`, or once built it has more than
    :data:`COUNT_LIMIT` nodes.  The form is built only in the second case.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> leaves_operations(derive(load_problem("branching_graph").graph, "b"))    # a + 2*b + 1
    3
    """
    if derivation.leaves_size > LEAVES_BUILD_LIMIT:
        return None
    return operation_count(derivation.leaves)


def simplify(derivation: Simplifiable, strategy: str = "textbook") -> sympy.Expr:
    """The derivative of ``derivation`` simplified by ``strategy`` (one of :data:`STRATEGIES`).

    Raises
    ------
    SimplifyLimitError
        For ``full`` when the leaves-only form has more than :data:`FULL_SIMPLIFY_LIMIT`
        operations; for ``leaves`` when it has more than about :data:`COUNT_LIMIT`.
    SymbackpropError
        For an unknown strategy.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> derivation = derive(load_problem("sigmoid_chain").graph, "w3")
    >>> simplify(derivation)
    h21*yhat1*(1 - yhat1)*(-2*y1 + 2*yhat1)
    >>> simplify(derivation, "factor")
    2*h21*yhat1*(y1 - yhat1)*(yhat1 - 1)
    >>> branching = derive(load_problem("branching_graph").graph, "b")   # e = (a + b)(b + 1)
    >>> simplify(branching), simplify(branching, "leaves")
    (c + d, a + 2*b + 1)
    """
    expr = derivation.expression
    if strategy in ("textbook", "leaves"):
        grouped = collected(derivation)
        if strategy == "textbook":
            return sympy.factor_terms(expr) if grouped is None else grouped.expression
        if leaves_operations(derivation) is None:
            raise SimplifyLimitError(
                f"d{derivation.of}/d{derivation.wrt}: the leaves-only form has more than "
                f"{COUNT_LIMIT:,} operations (every definition substituted, shared "
                "subexpressions repeated); use 'textbook'")
        if grouped is None:
            return sympy.factor_terms(derivation.leaves)
        return grouped.map(derivation.graph.to_leaves).expression
    if strategy == "expand":
        return sympy.expand(expr)
    if strategy == "factor":
        return sympy.factor(expr)
    if strategy == "full":
        ops = leaves_operations(derivation)
        if ops is None or ops > FULL_SIMPLIFY_LIMIT:
            size = f"{ops}" if ops is not None else f"more than {COUNT_LIMIT:,}"
            raise SimplifyLimitError(
                f"d{derivation.of}/d{derivation.wrt}: the leaves-only form has {size} "
                f"operations, more than {FULL_SIMPLIFY_LIMIT}; sympy.simplify would take too "
                "long: use 'textbook' or 'leaves'"
            )
        return sympy.simplify(derivation.leaves)
    raise SymbackpropError(f"unknown simplification {strategy!r}; allowed: "
                           f"{', '.join(STRATEGIES)}")
