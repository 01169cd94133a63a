r"""The builder of a derivation page: a :class:`~symbackprop.calculus.derivation.Derivation` made
into the format-free :class:`~symbackprop.render.model.Page` that every writer writes.

:func:`page_model` gathers, in order, the paths, the chain rule, the factored form, the delta
recursion, the local partials, the result, the numbers and (given one) the matrix form.  What a
page shows is decided here, once: which paths are listed
(:data:`~symbackprop.render.parts.MAX_LISTED`), whether there is a factored form, which forms of
the result are written out (:func:`~symbackprop.render.parts.results`), whether the paths
cancel.  Each piece of the page (:func:`chain_rule`, :func:`factored`, ...) is built by a
function of its own.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("branching_graph")
>>> page = page_model(derive(problem.graph, "b", values=problem.values))
>>> for section in page.sections:
...     print(section.kind.value, [type(block).__name__ for block in section.blocks])
paths ['Items']
chain rule ['Equations']
factored form ['Equations']
deltas ['Equations']
local partials ['Equations']
result ['Form', 'Form']
numbers ['Table', 'Equations']
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy

from ..calculus.derivation import Derivation
from ..calculus.options import EXPRESSION_LIMIT
from ..calculus.simplify import Collected
from ..calculus.tensor_derivation import TensorDerivation
from ..calculus.terms import Factor, Group
from ..graph.computation import ComputationGraph
from ..numeric.matrix import MatrixForm
from .model import (
    Block,
    Delta,
    Descent,
    Equation,
    Equations,
    Factors,
    Form,
    FormKind,
    Items,
    Kind,
    Matrix,
    Number,
    Page,
    Partial,
    Products,
    Section,
    Share,
    Table,
    Text,
    TotalShare,
    Updated,
)
from .numbers import VALUE_DIGITS
from .parts import MAX_LISTED, cancels, local_partials, path_shares, results
from .tensor_page import tensor_page_model

__all__ = ["chain_rule", "deltas", "factored", "labels", "numbers", "page_for", "page_model",
           "partials", "paths", "result_forms"]


def labels(graph: ComputationGraph) -> Mapping[str, str]:
    r"""Every node's (and constant's) LaTeX label by name.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> names = labels(load_problem("mazur_2_2_2").graph)
    >>> print(names["yhat1"], names["w5"], names["L"])
    \hat{y}_{1} w_{5} \mathcal{L}
    """
    return graph.labels()


def _partial(factor: Factor) -> Partial:
    return Partial(factor.of, factor.wrt)


def _number(value: float | None, digits: int | None = None) -> Number | None:
    return None if value is None else Number(value, digits)


def paths(d: Derivation) -> Items:
    """The paths from ``wrt`` to the output, the first :data:`MAX_LISTED` listed (none when the
    derivation does not list them).

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> paths(derive(load_problem("branching_graph").graph, "b"))
    Items(entries=(('b', 'c', 'e'), ('b', 'd', 'e')), count=2)
    """
    listed = (d.terms or ())[:MAX_LISTED]
    return Items(tuple(t.path.nodes for t in listed), d.path_count)


def chain_rule(d: Derivation) -> Products:
    """The chain rule: over the listed paths (at most :data:`MAX_LISTED`), the product of the
    local partials along each, in chain-rule order (the output end first).

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> chain_rule(derive(load_problem("mazur_2_2_2").graph, "w5"))
    Products(∂L/∂yhat1·∂yhat1/∂a21·∂a21/∂w5)
    """
    listed = (d.terms or ())[:MAX_LISTED]
    products = tuple(tuple(_partial(f) for f in t.chain_rule_order) for t in listed)
    return Products(products, d.path_count - len(listed))


def factored(d: Derivation) -> Group | None:
    """The factored (backprop) form, the factors shared by paths pulled out; ``None`` when the
    paths are not listed, are more than :data:`MAX_LISTED` or are one (nothing is shared).

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> graph = load_problem("branching_graph").graph
    >>> factored(derive(graph, "a")) is None, len(factored(derive(graph, "b")).branches)
    (True, 2)
    """
    if d.factored is None or d.path_count > MAX_LISTED or d.path_count == 1:
        return None
    return d.factored


def deltas(d: Derivation) -> Equations:
    """The delta recursion: each node's delta from its children's (read from the output back),
    with its value when known.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> for row in deltas(derive(load_problem("branching_graph").graph, "a")).rows:
    ...     print(row)
    Equation(δ_c = Products(∂e/∂c))
    Equation(δ_a = Products(∂c/∂a·δ_c))
    """
    rows = []
    for adjoint in d.adjoints:
        if adjoint.node == d.of:
            continue
        terms = tuple((_partial(f),) if child == d.of else (_partial(f), Delta(child))
                      for f, child in adjoint.contributions)
        rows.append(Equation(Delta(adjoint.node), Products(terms), _number(adjoint.value)))
    return Equations(tuple(rows), value_column=True)


def partials(d: Derivation) -> Equations:
    """Every local partial on the page, once, with its textbook formula and its value.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> problem = load_problem("branching_graph")
    >>> partials(derive(problem.graph, "a", values=problem.values)).rows[0]
    Equation(∂e/∂c = d = Number(2.0))
    """
    return Equations(tuple(Equation(_partial(f), f.expression, _number(f.value))
                           for f in local_partials(d)), value_column=True)


def result_forms(d: Derivation, strategy: str = "textbook",
                 max_terms: int = EXPRESSION_LIMIT) -> tuple[Form, ...]:
    """The forms of the result a page shows: textbook (or why none is written out), the
    strategy's when it is another, and leaves only beside any strategy but ``leaves`` and
    ``full`` (:func:`~symbackprop.render.parts.results` decides which are built).

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> forms = result_forms(derive(load_problem("branching_graph").graph, "b"), "expand")
    >>> [(form.kind.value, form.expression) for form in forms]
    [('textbook', c + d), ('strategy', c + d), ('leaves', a + 2*b + 1)]
    >>> result_forms(derive(load_problem("branching_graph").graph, "b"), max_terms=1)[0].note
    ... # doctest: +ELLIPSIS
    'the sum over its 2 paths is not written out, nor simplified: more than 1 terms; ...'
    """
    built = results(d, strategy, max_terms)
    if built.textbook_expr is None:
        return (Form(FormKind.TEXTBOOK, None, note=built.omitted),)
    textbook = built.textbook if built.textbook is not None else built.textbook_expr
    forms = [Form(FormKind.TEXTBOOK, textbook, built.textbook_expr)]
    if strategy != "textbook":
        shown = built.strategy_collected or built.strategy_expr
        forms.append(Form(FormKind.STRATEGY, shown, built.strategy_expr, note=built.note))
    if strategy not in ("leaves", "full"):
        leaves = built.leaves
        expression = leaves.expression if isinstance(leaves, Collected) else leaves
        forms.append(Form(FormKind.LEAVES, leaves, expression, built.leaves_ops))
    return tuple(forms)


def numbers(d: Derivation, learning_rate: float | None = None) -> tuple[Block, ...]:
    """The numbers: a table of the listed paths (each one's product of local partials in
    chain-rule order, its value and its share of the total), the total and, with a learning
    rate, one step of gradient descent.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> problem = load_problem("branching_graph")
    >>> table, rows = numbers(derive(problem.graph, "b", values=problem.values))
    >>> table.rows[0]
    (Text(text='1'), Factors(values=(2.0, 1.0), digits=4), Number(2.0), Share(fraction=0.4))
    >>> rows.rows
    (Equation(∂e/∂b = Number(5.0, digits=10)),)
    >>> problem = load_problem("mazur_2_2_2")
    >>> _, rows = numbers(derive(problem.graph, "w5", values=problem.values), 0.5)
    >>> rows.rows[1].lhs, rows.rows[1].formula.step.after
    (w5+, 0.35891647971788465)
    """
    blocks: list[Block] = []
    if d.terms is not None:
        rows = tuple((Text(str(i)), Factors(tuple(f.value for f in term.chain_rule_order)),
                      Number(term.value), Share(share))
                     for i, (term, share) in enumerate(zip(d.terms[:MAX_LISTED], path_shares(d),
                                                           strict=False), 1))
        total = (Text("total"), Text(""), Number(d.value, VALUE_DIGITS), TotalShare(cancels(d)))
        blocks.append(Table(("path", "product", "value", "share"), "rlrr", rows, total))
    gradient = Partial(d.of, d.wrt)
    equations = [Equation(gradient, value=Number(d.value, VALUE_DIGITS))]
    step = d.step(learning_rate)
    if step is not None:
        equations.append(Equation(Updated(d.wrt), Descent(gradient, step)))
    blocks.append(Equations(tuple(equations)))
    return tuple(blocks)


def page_model(derivation: Derivation, *, strategy: str = "textbook",
               learning_rate: float | None = None, matrix: MatrixForm | None = None,
               max_terms: int = EXPRESSION_LIMIT) -> Page:
    r"""The page of ``derivation``: its sections in order, the result in the form of
    ``strategy`` too (written out only up to ``max_terms`` paths), the numbers when the values
    are known (with one step of gradient descent given a ``learning_rate``), and the matrix
    form when given.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> page = page_model(derive(problem.graph, "w5", values=problem.values),
    ...                   learning_rate=problem.learning_rate)
    >>> page
    Page(∂L/∂w5, 6 sections)
    >>> page.section(Kind.NUMBERS).blocks[-1].rows[-1].lhs
    w5+
    """
    d = derivation
    gradient = Partial(d.of, d.wrt)
    sections = [Section(Kind.PATHS, (paths(d),)),
                Section(Kind.CHAIN_RULE, (Equations((Equation(gradient, chain_rule(d)),)),))]
    backprop = factored(d)
    if backprop is not None:
        sections.append(Section(Kind.FACTORED, (Equations((Equation(gradient, backprop),)),)))
    sections += [Section(Kind.DELTAS, (deltas(d),)),
                 Section(Kind.PARTIALS, (partials(d),)),
                 Section(Kind.RESULT, result_forms(d, strategy, max_terms))]
    if d.value is not None:
        sections.append(Section(Kind.NUMBERS, numbers(d, learning_rate)))
    if matrix is not None:
        sections.append(Section(Kind.MATRIX, (Matrix(matrix),)))
    symbols: Mapping[sympy.Symbol, str] = d.graph.latex_names()
    return Page(d.of, d.wrt, strategy, tuple(sections), labels(d.graph), symbols)


def page_for(derivation: Derivation | TensorDerivation, *, strategy: str = "textbook",
             learning_rate: float | None = None, matrix: MatrixForm | None = None,
             max_terms: int = EXPRESSION_LIMIT, full: bool = False) -> Page:
    """The page of a derivation of either level: :func:`page_model` for a scalar one (with
    ``strategy``, ``matrix`` and ``max_terms``),
    :func:`~symbackprop.render.tensor_page.tensor_page_model` for a tensor-level one (its
    matrices whole with ``full``); the writers start here.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> page_for(derive(load_problem("branching_graph").graph, "b")).level
    'scalar'
    >>> page_for(derive(load_problem("tensor_mlp").graph, "b1")).level
    'tensor'
    """
    if isinstance(derivation, TensorDerivation):
        return tensor_page_model(derivation, learning_rate=learning_rate, full=full)
    return page_model(derivation, strategy=strategy, learning_rate=learning_rate, matrix=matrix,
                      max_terms=max_terms)
