"""What a derivation page reads of a derivation, and how a collected result is laid out.

:func:`symbackprop.render.page.page_model` builds a page from these: the local partials on the
listed paths, the paths' shares of the total and whether they cancel, and the forms of the result
(textbook, the strategy asked for, leaves only; none past the limit of paths, :func:`omitted`).
:func:`collected_layout` lays out a :class:`~symbackprop.calculus.simplify.Collected` form as a
textbook writes it, apart from the format, for the text and the display-math writers.  Nothing
here differentiates.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("branching_graph")
>>> d = derive(problem.graph, "b", values=problem.values)
>>> [str(f) for f in local_partials(d)]
['de/dc = d', 'dc/db = 1', 'de/dd = c', 'dd/db = 1']
>>> [round(s, 3) for s in path_shares(d)]
[0.4, 0.6]
>>> split_product([-2 * problem.graph.node("c").symbol])
Product(-2, [c])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sympy

from ..calculus.derivation import Derivation
from ..calculus.options import EXPRESSION_LIMIT
from ..calculus.simplify import Collected, collected, leaves_operations, simplify
from ..calculus.terms import Factor
from ..errors import SimplifyLimitError

__all__ = [
    "LEAVES_BUILT",
    "MAX_LISTED",
    "CollectedLayout",
    "Product",
    "Results",
    "cancels",
    "collected_layout",
    "local_partials",
    "omitted",
    "path_shares",
    "results",
    "split_product",
]

MAX_LISTED = 32
"""Pages list at most this many paths term by term (and the factored form up to as many)."""


def local_partials(derivation: Derivation) -> list[Factor]:
    """Every local partial on a listed path, once, in the order the chain rule meets them
    (output end first), or from the adjoints when the paths are not listed.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> [str(f) for f in local_partials(derive(problem.graph, "w5"))]
    ['dL/dyhat1 = -y1 + yhat1', 'dyhat1/da21 = yhat1*(1 - yhat1)', 'da21/dw5 = h11']
    """
    seen: dict[tuple[str, str], Factor] = {}
    if derivation.terms is not None:
        for term in derivation.terms:
            for factor in term.chain_rule_order:
                seen.setdefault((factor.of, factor.wrt), factor)
    else:
        for adjoint in derivation.adjoints:
            for factor, _ in adjoint.contributions:
                seen.setdefault((factor.of, factor.wrt), factor)
    return list(seen.values())


def cancels(derivation: Derivation) -> bool:
    """Whether the paths cancel: the total is zero up to rounding (1e-12 of the paths' sum of
    magnitudes), so that shares of it mean nothing.

    Examples
    --------
    >>> from symbackprop.calculus.derivation import derive
    >>> from symbackprop.graph import ComputationGraph
    >>> graph = ComputationGraph.from_definitions({"c": "2*a", "d": "-2*a", "e": "c + d"},
    ...                                           inputs=["a"], output="e")
    >>> derivation = derive(graph, "a", values={"a": 1.0})
    >>> derivation, cancels(derivation)
    (Derivation(de/da, 2 paths = 0), True)
    """
    total = derivation.value
    terms = derivation.terms or ()
    if total is None or not terms or any(t.value is None for t in terms):
        return False
    return abs(total) <= 1e-12 * math.fsum(abs(t.value) for t in terms if t.value is not None)


def path_shares(derivation: Derivation) -> list[float | None]:
    """Each listed path's value as a fraction of the total (``None`` when the paths cancel or
    values are unknown).  Shares add up to 1; a share can be negative or above 1 when paths
    partly cancel.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> shares = path_shares(derive(problem.graph, "w1", values=problem.values))
    >>> [round(share, 3) for share in shares]               # the second path pulls back
    [1.524, -0.524]
    """
    total = derivation.value
    terms = derivation.terms or ()
    if total is None or total == 0 or cancels(derivation):
        return [None] * len(terms)
    return [None if t.value is None else t.value / total for t in terms]


@dataclass(frozen=True)
class Product:
    """A product written ``coefficient * factors`` with every factor free of a numeric
    coefficient (so a sign or a 2 can be pulled to the front).

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> product = Product(sympy.Integer(-2), (symbol("y1"), symbol("h")))
    >>> product, product.expression
    (Product(-2, [y1, h]), -2*h*y1)
    """

    coefficient: sympy.Rational
    factors: tuple[sympy.Expr, ...]

    @property
    def expression(self) -> sympy.Expr:
        return self.coefficient * sympy.Mul(*self.factors)

    def __repr__(self) -> str:
        return f"Product({self.coefficient}, {list(self.factors)})"


def split_product(factors: Iterable[sympy.Expr]) -> Product:
    """``factors`` (in order) with their numeric coefficients gathered in front.

    A sum's common numeric factor is pulled out first (``-2 y + 2 yhat`` gives ``2`` and
    ``yhat - y``); a product's own numeric factor likewise.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> y, yhat, h = symbol("y1"), symbol("yhat1"), symbol("h")
    >>> split_product([-2*y + 2*yhat, 3*h])
    Product(6, [-y1 + yhat1, h])
    """
    coefficient = sympy.S.One
    rest = []
    for factor in factors:
        factor = sympy.factor_terms(factor) if isinstance(factor, sympy.Add) else factor
        number, body = factor.as_coeff_Mul()
        if isinstance(body, sympy.Add):
            inner, body = sympy.factor_terms(body).as_coeff_Mul()
            number *= inner
        if isinstance(number, sympy.Rational):
            coefficient *= number
        else:  # a float coefficient stays where it is
            body = factor
        if body != 1:
            rest.append(body)
    return Product(coefficient, tuple(rest))


@dataclass(frozen=True)
class Results:
    """The result of a derivation in the forms a page shows.

    Attributes
    ----------
    textbook : Collected or None
        The grouped sum over paths (None above the path limit; then :attr:`textbook_expr` is
        the factored adjoint form).
    textbook_expr : sympy.Expr or None
        None when the forms are not written out (see :attr:`omitted`).
    strategy : str
    strategy_expr : sympy.Expr or None
        The form asked for, when it is not ``textbook`` (None with a note when refused).
    strategy_collected : Collected or None
        For ``leaves``: the grouped form in leaves.
    note : str
        Why a form is not shown, or ``""``.
    leaves : Collected or sympy.Expr or None
        The leaves-only form shown beside ``textbook`` (None when too large, with its size in
        :attr:`leaves_ops`).
    leaves_ops : int or None
        Its size (``None``: more than :data:`symbackprop.calculus.simplify.COUNT_LIMIT` nodes).
    omitted : str
        Why none of these forms is written out (more paths than the pages write out,
        :func:`omitted`), or ``""``.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> forms = results(derive(load_problem("sigmoid_chain").graph, "w3"), "factor")
    >>> forms.textbook_expr
    h21*yhat1*(1 - yhat1)*(-2*y1 + 2*yhat1)
    >>> forms.strategy_expr, forms.leaves_ops
    (2*h21*yhat1*(y1 - yhat1)*(yhat1 - 1), 29)
    """

    textbook: Collected | None
    textbook_expr: sympy.Expr | None
    strategy: str
    strategy_expr: sympy.Expr | None
    strategy_collected: Collected | None
    note: str
    leaves: Collected | sympy.Expr | None
    leaves_ops: int | None
    omitted: str = ""


LEAVES_BUILT = 120
"""The leaves-only form beside another strategy is built only up to this many operations: as
many as any writer shows (the LaTeX and Markdown pages; the text page shows fewer)."""


def omitted(derivation: Derivation, max_terms: int = EXPRESSION_LIMIT) -> str:
    """Why the derivation's sum over paths (and its simplified and leaves-only forms) is not
    written out, when it has more than ``max_terms`` paths; ``""`` otherwise.  One sentence,
    saying how to ask for it.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> d = derive(load_problem("padhai_4_4_2").graph, "w131")
    >>> omitted(d), omitted(d, max_terms=2)                     # doctest: +ELLIPSIS
    ('', 'the sum over its 4 paths is not written out, nor simplified: more than 2 terms; ...')
    """
    if derivation.path_count <= max_terms:
        return ""
    count = derivation.path_count
    return (f"the sum over its {count:,} paths is not written out, nor simplified: more than "
            f"{max_terms:,} terms; derive --max-terms {count} writes it (the deltas give it "
            "factored, and its value)")


def results(derivation: Derivation, strategy: str = "textbook",
            max_terms: int = EXPRESSION_LIMIT) -> Results:
    """The result in node symbols (textbook), in the strategy's form, and in leaves only; none
    of them past ``max_terms`` paths (:func:`omitted`: nothing is built then).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> forms = results(derive(load_problem("branching_graph").graph, "b"), "expand")
    >>> forms.textbook_expr, forms.strategy_expr, forms.leaves.expression
    (c + d, c + d, a + 2*b + 1)
    >>> note = results(derive(load_problem("padhai_4_4_2").graph, "w131"), "full").note
    >>> print(note.split(";")[0])                            # why the full form is not shown
    dL/dw131: the leaves-only form has 1411 operations, more than 400
    """
    d = derivation
    why = omitted(d, max_terms)
    if why:
        return Results(None, None, strategy, None, None, "", None, None, why)
    grouped = collected(d)
    textbook_expr = simplify(d, "textbook")
    strategy_expr: sympy.Expr | None = None
    strategy_grouped: Collected | None = None
    note = ""
    leaves_ops = leaves_operations(d)
    if strategy == "leaves" and grouped is not None and leaves_ops is not None:
        strategy_grouped = grouped.map(d.graph.to_leaves)
        strategy_expr = strategy_grouped.expression
    elif strategy != "textbook":
        try:
            strategy_expr = simplify(d, strategy)
        except SimplifyLimitError as err:
            note = str(err)
    leaves: Collected | sympy.Expr | None = None
    if strategy not in ("leaves", "full") and leaves_ops is not None and \
            leaves_ops <= LEAVES_BUILT:
        leaves = grouped.map(d.graph.to_leaves) if grouped is not None else sympy.factor_terms(
            d.leaves)
    return Results(grouped, textbook_expr, strategy, strategy_expr, strategy_grouped, note,
                   leaves, leaves_ops)


def signed(products: Sequence[Product]) -> list[tuple[bool, Product]]:
    """Each product as ``(negative, product with a positive coefficient)``.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> signed([split_product([-2 * symbol("y1")]), split_product([symbol("yhat1")])])
    [(True, Product(2, [y1])), (False, Product(1, [yhat1]))]
    """
    return [(p.coefficient < 0, Product(abs(p.coefficient), p.factors)) for p in products]


Signed = tuple[bool, Product]


@dataclass(frozen=True)
class CollectedLayout:
    """A :class:`~symbackprop.calculus.simplify.Collected` form as a textbook writes it, apart
    from the format: ``-front · (terms)`` with the numeric factors gathered in the front.

    Attributes
    ----------
    negative : bool
        Whether the whole is negated.
    front : Product
        The numbers and the factors shared by every path (a positive coefficient).
    terms : tuple
        One ``(negative, product, inner)`` per output delta: ``product`` its lead, ``inner``
        the signed products of its paths (``None`` when it has one path, merged into
        ``product``).
    scaled : bool
        Whether anything stands in front of the terms (shared factors or a number other
        than 1), so that a sum of terms needs brackets.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.calculus.simplify import collected
    >>> layout = collected_layout(collected(derive(load_problem("mazur_2_2_2").graph, "w1")))
    >>> layout.negative, layout.front, layout.scaled
    (False, Product(1, [x1, h11*(1 - h11)]), True)
    >>> [(negative, lead.factors[-1], inner) for negative, lead, inner in layout.terms]
    [(False, w5, None), (False, w7, None)]
    """

    negative: bool
    front: Product
    terms: tuple[tuple[bool, Product, tuple[Signed, ...] | None], ...]
    scaled: bool


def collected_layout(grouped: Collected) -> CollectedLayout:
    """The layout of ``grouped``: a common magnitude of the leads pulled into the front, each
    lead merged with its path when it has only one, every product signed.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.calculus.simplify import collected
    >>> layout = collected_layout(collected(derive(load_problem("linear_2_2_2_2").graph, "w111")))
    >>> layout.front, [(lead, len(inner)) for _, lead, inner in layout.terms]
    (Product(1, [x1]), [(Product(1, [-y1 + yhat1]), 2), (Product(1, [-y2 + yhat2]), 2)])
    """
    common = split_product(grouped.common)
    coefficient = common.coefficient
    groups = [(split_product(g.lead), [split_product(p) for p in g.paths])
              for g in grouped.groups]
    magnitudes = {abs(lead.coefficient) for lead, _ in groups}
    if len(magnitudes) == 1 and (shared := magnitudes.pop()) != 0:
        coefficient *= shared
        groups = [(Product(lead.coefficient / shared, lead.factors), paths)
                  for lead, paths in groups]
    terms: list[tuple[bool, Product, tuple[Signed, ...] | None]] = []
    for lead, paths in groups:
        if len(paths) == 1:
            merged = Product(lead.coefficient * paths[0].coefficient,
                             lead.factors + paths[0].factors)
            (negative, product), = signed([merged])
            terms.append((negative, product, None))
            continue
        (negative, product), = signed([lead])
        terms.append((negative, product, tuple(signed(paths))))
    (negative, front), = signed([Product(coefficient, common.factors)])
    return CollectedLayout(negative, front, tuple(terms),
                           bool(common.factors or coefficient != 1))
