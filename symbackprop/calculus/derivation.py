"""The derivation of one derivative: every path, the sum of ordered products, the factored form.

For ``d of / d wrt`` the chain rule over a DAG reads: the sum, over every path from ``wrt`` to
``of``, of the product of the local partials along the path.  A :class:`Derivation` keeps that
structure in our own types (sympy reorders the factors of a product when it prints it, so
chain-rule order cannot be recovered from a ``Mul``): each :class:`Term` holds its
:class:`Factor` objects in path order.  The factored form groups paths by their shared start
(:class:`Group`), and the adjoint (delta) form defines ``d of / d n`` once per node
(:class:`Adjoint`): backprop's recursion, linear in the number of edges.

Examples
--------
>>> from symbackprop.graph.network import LayeredNetwork
>>> net = LayeredNetwork((1, 1, 1), hidden=("sigmoid",), output="identity",
...                      loss="half_squared_error")
>>> d = derive(net.build(), "w111")
>>> d
Derivation(dL/dw111, 1 path)
>>> for factor in d.terms[0].chain_rule_order:
...     print(factor)
dL/dyhat1 = -y1 + yhat1
dyhat1/da21 = 1
da21/dh11 = w211
dh11/da11 = h11*(1 - h11)
da11/dw111 = x1
>>> d.expression
h11*w211*x1*(1 - h11)*(-y1 + yhat1)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any, overload

import sympy

from ..errors import MissingExtraError, PathLimitError
from ..graph import evaluation, precision
from ..graph.computation import ComputationGraph
from ..graph.tensor import TensorGraph
from .adjoints import adjoint_sweep
from .options import DEFAULT_PATH_LIMIT
from .paths import Path, check_listing, find_paths
from .simplify import simplify
from .streaming import PathTerms
from .tensor_derivation import TensorDerivation, tensor_derive
from .terms import Adjoint, Factor, Group, Step, Term
from .views import view

__all__ = ["TERMS_KEPT", "Derivation", "derive"]


TERMS_KEPT = 10_000
"""A derivation listing at most this many paths holds their terms in a tuple; past it, as a
:class:`~symbackprop.calculus.streaming.PathTerms` that makes them as they are read (a listing
of a million paths, ``derive --max-paths``, in memory flat in the path count)."""

PATTERN_FROM = 100
"""Past this many nodes on the paths, :func:`derive` computes its local partials' values with
:func:`~symbackprop.graph.evaluation.evaluate_alike` (compiled once per pattern)."""


@dataclass(frozen=True)
class Derivation:
    """Everything about one derivative ``d of / d wrt``.

    Attributes
    ----------
    graph : ComputationGraph
    of, wrt : str
    path_count : int
        Counted by dynamic programming, whether or not the paths are listed.
    terms : sequence of Term, or None
        One per path, when ``path_count`` is within the limit: a tuple, or past
        :data:`TERMS_KEPT` paths a :class:`~symbackprop.calculus.streaming.PathTerms` that
        makes them as they are read.
    factored : Group or None
        The factored form (paths grouped by shared start), when the paths are listed.
    adjoints : tuple of Adjoint
        The delta form, from ``of`` back to ``wrt``: one definition per node on the paths, each
        written out (none has a symbol).
    values : mapping or None
        Every node's value, when the leaves' values were given.
    value : float or None
        The derivative's value.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> d = derive(problem.graph, "w1", values=problem.values)
    >>> d
    Derivation(dL/dw1, 2 paths = 0.0004385677345)
    >>> d.path_count, [str(p) for p in d.paths]
    (2, ['w1 -> a11 -> h11 -> a21 -> yhat1 -> L', 'w1 -> a11 -> h11 -> a22 -> yhat2 -> L'])
    >>> d.simplified("textbook")
    h11*x1*(1 - h11)*(w5*yhat1*(1 - yhat1)*(-y1 + yhat1) + w7*yhat2*(1 - yhat2)*(-y2 + yhat2))
    """

    graph: ComputationGraph = field(repr=False)
    of: str
    wrt: str
    path_count: int
    terms: Sequence[Term] | None
    factored: Group | None
    adjoints: tuple[Adjoint, ...]
    values: Mapping[str, float] | None = field(default=None, repr=False)
    value: float | None = None

    @property
    def factored_expression(self) -> sympy.Expr:
        """The derivative in node symbols as the adjoint recursion writes it out: the sum over
        paths grouped (``wrt``'s adjoint; what :attr:`expression` is when the paths are not
        listed)."""
        return self.adjoints[-1].expression

    @cached_property
    def expression(self) -> sympy.Expr:
        """The derivative in node symbols: the sum over paths of the products of local
        partials (or, when the paths are not listed, :attr:`factored_expression`).

        Built on first use: one sympy product per path, so it costs O(P * D) for P paths
        of length D (and its printing sorts P terms); the pages write it only up to
        :data:`~symbackprop.calculus.options.EXPRESSION_LIMIT` paths.
        """
        if self.terms is None:
            return self.factored_expression
        return sympy.Add(*(t.expression for t in self.terms))

    @cached_property
    def leaves(self) -> sympy.Expr:
        """The derivative in leaves only (every node symbol replaced by its definition).

        Built on first use, and exponentially large in deep networks: ask
        :attr:`leaves_size` first."""
        return self.graph.to_leaves(self.expression)

    @cached_property
    def leaves_size(self) -> int:
        """An estimate of the size of :attr:`leaves` (nodes of its expression tree), made
        without building it or :attr:`expression`
        (:meth:`~symbackprop.graph.computation.ComputationGraph.leaves_size`).

        Examples
        --------
        >>> from symbackprop import load_problem
        >>> d = derive(load_problem("mazur_2_2_2").graph, "w1")
        >>> d.leaves_size, sum(1 for _ in sympy.preorder_traversal(d.leaves))  # about right
        (221, 217)
        """
        if self.terms is None:
            return self.graph.leaves_size(self.factored_expression)
        sizes: dict[int, int] = {}
        total = 1
        for term in self.terms:
            total += 1
            for factor in term.factors:
                key = id(factor)
                if key not in sizes:
                    sizes[key] = self.graph.leaves_size(factor.expression)
                total += sizes[key]
        return total

    def simplified(self, strategy: str = "textbook") -> sympy.Expr:
        """The derivative simplified by a named strategy (see
        :mod:`symbackprop.calculus.simplify`)."""
        return simplify(self, strategy)

    @property
    def updatable(self) -> bool:
        """Whether gradient descent updates ``wrt`` by this derivative: ``of`` is the graph's
        output (the loss) and ``wrt`` a parameter.

        Examples
        --------
        >>> from symbackprop import load_problem
        >>> graph = load_problem("mazur_2_2_2").graph
        >>> derive(graph, "w1").updatable, derive(graph, "h11").updatable
        (True, False)
        """
        return self.of == self.graph.output and self.graph.node(self.wrt).kind == "parameter"

    def step(self, learning_rate: float | None) -> Step[float] | None:
        """One step of gradient descent on ``wrt`` with this gradient, ``w+ = w - eta dL/dw``;
        ``None`` without a learning rate or values, or when the derivative is not a
        parameter's gradient of the loss (:attr:`updatable`).

        Examples
        --------
        >>> from symbackprop import load_problem
        >>> problem = load_problem("mazur_2_2_2")
        >>> derivation = derive(problem.graph, "w1", values=problem.values)
        >>> derivation.step(0.5)
        Step(w1+ = 0.15 - 0.5 * 0.0004385677345 = 0.1497807161)
        >>> derivation.step(0.5).after, derivation.step(None)
        (0.1497807161327628, None)
        """
        if learning_rate is None or self.value is None or self.values is None or \
                not self.updatable:
            return None
        return Step(self.wrt, learning_rate, float(self.values[self.wrt]), self.value)

    @property
    def paths(self) -> tuple[Path, ...]:
        if self.terms is None:
            raise PathLimitError(f"the {self.path_count:,} paths of d{self.of}/d{self.wrt} "
                                 "were not listed (above the path limit)")
        return tuple(t.path for t in self.terms)

    def draw(self, **options: Any) -> Any:
        """A matplotlib figure of the graph, every path from ``wrt`` in its own colour (shown
        inline in Jupyter; needs the ``draw`` extra): the registered ``"figure"`` view (see
        :mod:`symbackprop.calculus.views`).  Options: see
        :func:`symbackprop.draw.draw_derivation`.

        Raises
        ------
        MissingExtraError
            When no figure view is registered (:mod:`symbackprop.draw` registers it).
        """
        figure = view("figure")
        if figure is None:
            raise MissingExtraError(
                f"d{self.of}/d{self.wrt}: no figure view is registered; import symbackprop.draw "
                "(drawing needs the draw extra: pip install 'symbackprop[draw]')")
        return figure(self, **options)

    def _repr_latex_(self) -> str | None:
        """Jupyter: the chain rule, factored form, result and value in one display (the
        registered ``"latex"`` view; ``None``, so no such display, without one)."""
        latex = view("latex")
        return None if latex is None else latex(self)

    def _repr_markdown_(self) -> str | None:
        """Jupyter: the whole derivation page (the registered ``"markdown"`` view; ``None``
        without one)."""
        markdown = view("markdown")
        return None if markdown is None else markdown(self)

    def _repr_html_(self) -> str | None:
        """Jupyter: the interactive page of this derivative, in a frame (the registered
        ``"html"`` view, :func:`symbackprop.explore.derivation_html`; ``None`` without one)."""
        page = view("html")
        return None if page is None else page(self)

    def __float__(self) -> float:
        """The derivative's value, so that ``float(derivation)`` is a number.

        Raises
        ------
        ValueError
            When the derivation was made without values.

        Examples
        --------
        >>> from symbackprop import load_problem
        >>> problem = load_problem("mazur_2_2_2")
        >>> round(float(derive(problem.graph, "w5", values=problem.values)), 6)
        0.082167
        >>> float(derive(problem.graph, "w5"))
        Traceback (most recent call last):
            ...
        ValueError: dL/dw5 has no value: derive it with values=...
        """
        if self.value is None:
            raise ValueError(f"d{self.of}/d{self.wrt} has no value: derive it with values=...")
        return float(self.value)

    def __repr__(self) -> str:
        plural = "path" if self.path_count == 1 else "paths"
        value = "" if self.value is None else f" = {self.value + 0.0:.10g}"
        return f"Derivation(d{self.of}/d{self.wrt}, {self.path_count:,} {plural}{value})"


@overload
def derive(graph: ComputationGraph, wrt: str, of: str | None = None, *,
           values: Mapping[str, float] | None = None,
           max_paths: int = DEFAULT_PATH_LIMIT) -> Derivation: ...


@overload
def derive(graph: TensorGraph, wrt: str, of: str | None = None, *,
           values: Mapping[str, Any] | None = None,
           max_paths: int = DEFAULT_PATH_LIMIT) -> TensorDerivation: ...


def derive(
    graph: ComputationGraph | TensorGraph,
    wrt: str,
    of: str | None = None,
    *,
    values: Mapping[str, Any] | None = None,
    max_paths: int = DEFAULT_PATH_LIMIT,
) -> Derivation | TensorDerivation:
    """Derive ``d of / d wrt`` (default ``of``: the graph's output) path by path.

    One entry point for both levels: a :class:`~symbackprop.graph.tensor.TensorGraph` gives a
    :class:`~symbackprop.calculus.tensor_derivation.TensorDerivation`
    (:func:`~symbackprop.calculus.tensor_derivation.tensor_derive`: tensor paths, VJP chains,
    the adjoint form), a scalar graph a :class:`Derivation`.

    Parameters
    ----------
    graph : ComputationGraph or TensorGraph
    wrt : str
        Any node: a parameter gives the gradient, an intermediate node its adjoint.
    of : str, optional
        Any node downstream of ``wrt`` (a scalar one in a tensor graph).
    values : mapping, optional
        Values of the leaves (and of folded-in constants); with them every factor, path and the
        total get a number (arrays for a tensor graph).
    max_paths : int
        List the paths only up to this many; above it the derivation keeps the count and the
        adjoint form (every path is still there, grouped).

    Raises
    ------
    PathLimitError
        When ``max_paths`` would list more paths than
        :data:`~symbackprop.limits.MAX_LISTED_PATHS` (checked from their count, before any work).

    Notes
    -----
    Counting paths and the adjoint form cost O(V + E); listing the paths and the factored form
    cost O(P * D) for P paths of length D.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> problem = load_problem("branching_graph")           # e = (a + b) * (b + 1)
    >>> d = derive(problem.graph, "b", values=problem.values)
    >>> d, d.expression
    (Derivation(de/db, 2 paths = 5), c + d)
    >>> [term.value for term in d.terms]
    [2.0, 3.0]
    >>> problem = load_problem("tensor_batchnorm")
    >>> derive(problem.graph, "W")
    TensorDerivation(dL/dW, 3 paths)
    """
    if isinstance(graph, TensorGraph):
        return tensor_derive(graph, wrt, of, values, max_paths=max_paths)
    if values is not None:
        # float64, or 50 digits where a probability underflows (see precision.stable)
        return precision.stable(lambda: _derive(graph, wrt, of, values, max_paths),
                                 lambda d: [d.value])
    return _derive(graph, wrt, of, values, max_paths)


def _derive(graph: ComputationGraph, wrt: str, of: str | None,
            values: Mapping[str, float] | None, max_paths: int) -> Derivation:
    paths = find_paths(graph, wrt, of)
    of = paths.target
    if paths.count <= max_paths:
        check_listing(paths.count, wrt, of)
    node_values = dict(graph.forward(values)) if values is not None else None
    number: Callable[[sympy.Expr], Any] | None = None
    if node_values is not None:
        # Many local partials are compiled once per pattern (yhat_j*(1 - yhat_j) for every j);
        # a few, one by one (lambdify's printed order, so a value's last bits, depends on how
        # many placeholders it has made before: small outputs keep theirs).
        evaluate = (evaluation.evaluate_alike if len(paths.children) > PATTERN_FROM
                    else graph.evaluate)
        number = partial(evaluate, values=node_values)
    # The adjoint (delta) form: the reverse sweep over the nodes on the paths, written out.
    adjoints = {of: Adjoint(of, (), sympy.S.One, None if number is None else 1.0)}
    for adjoint in adjoint_sweep(graph, paths.children, of, evaluate=number):
        adjoints[adjoint.node] = adjoint
    terms: Sequence[Term] | None = None
    factored: Group | None = None
    if paths.count <= max_paths:
        factors = {(f.wrt, f.of): f for a in adjoints.values() for f, _ in a.contributions}
        if paths.count <= TERMS_KEPT:
            terms = tuple(_term(path, factors, number is not None) for path in paths)
        else:  # made as they are read: memory flat in the path count
            terms = PathTerms(paths.children, factors, wrt, of, paths.count)
        factored = _group(wrt, adjoints, {})
    return Derivation(graph, of, wrt, paths.count, terms, factored, tuple(adjoints.values()),
                      node_values, adjoints[wrt].value)


def _term(path: Path, factors: Mapping[tuple[str, str], Factor], known: bool) -> Term:
    """A path's term.  Its value, when the values are ``known``, is the product of its
    factors' values; the path of one node (``d of / d of``) has no factors, and its value is
    1.0, a float as the streamed terms give it (not the int ``math.prod(())``), or ``None``
    without values, like every other path's."""
    chain = tuple(map(factors.__getitem__, path.edges))
    value: Any = None
    if known:
        values = [f.value for f in chain]
        if all(v is not None for v in values):
            value = math.prod(values) if chain else 1.0
    return Term(path, chain, value)


def _group(node: str, adjoints: Mapping[str, Adjoint], memo: dict[str, Group]) -> Group:
    """The factored form below ``node``, each node's group made once (``memo``), children
    first: by an explicit stack, so no recursion depth depends on the graph's depth."""
    stack = [node]
    while stack:
        name = stack[-1]
        if name in memo:
            stack.pop()
            continue
        waiting = [child for _, child in adjoints[name].contributions if child not in memo]
        if waiting:
            stack.extend(waiting)
            continue
        stack.pop()
        memo[name] = Group(name, tuple((f, memo[c]) for f, c in adjoints[name].contributions),
                           adjoints[name].value)
    return memo[node]
