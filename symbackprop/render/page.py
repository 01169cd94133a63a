r"""The content of a derivation page, format-neutral: sections of text, display rows and tables.

:func:`page_sections` gathers, in order, the paths, the chain rule, the factored form and the
delta recursion, the local partials, the result, the numbers and (given one) the matrix form,
as ``(heading, blocks)`` pairs whose text may hold inline ``$math$`` and whose rows are
``align*`` rows.  The LaTeX page (:mod:`symbackprop.render.latex`) and the Markdown page
(:mod:`symbackprop.render.markdown`) write the same sections, each in its own markup.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("branching_graph")
>>> for heading, _ in page_sections(derive(problem.graph, "a"))[:3]:
...     print(heading)
The derivative $\partial e / \partial a$
The chain rule, path by path
The delta recursion
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from ..calculus.derivation import Derivation, Factor, Term
from ..calculus.options import EXPRESSION_LIMIT
from ..calculus.simplify import STRATEGY_DESCRIPTIONS, Collected, operation_count
from ..numeric.matrix import MatrixForm
from .display import (
    aligned,
    chain_rule_math,
    delta_rows,
    factored_math,
    fits,
    labels,
    latex_text,
    result_node,
    valued_row,
)
from .matrix import matrix_latex
from .numbers import EMPTY_PRODUCT, VALUE_DIGITS, latex_factor, latex_number, percent
from .parts import MAX_LISTED, cancels, local_partials, path_shares, results
from .typeset import latex_expr, leibniz

__all__ = ["ALIGNAT", "Block", "Section", "Table", "page_sections"]


def _partial(factor: Factor, names: dict[str, str]) -> str:
    return leibniz(factor.of, factor.wrt, names)


def _lhs(d: Derivation) -> str:
    return leibniz(d.of, d.wrt, labels(d.graph))


ALIGNAT = "alignat*"
"""Rows with a value column: ``lhs &= formula &\\qquad &= value``."""



@dataclass(frozen=True)
class Table:
    r"""A table whose cells are text with inline ``$math$``; ``align`` has a letter per column
    (``l``, ``r``).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("branching_graph")
    >>> sections = dict(page_sections(derive(problem.graph, "b", values=problem.values)))
    >>> table = sections["The numbers"][0].table
    >>> table.header, table.align
    (('path', 'product', 'value', 'share'), 'rlrr')
    >>> print(" & ".join(table.rows[0]))
    1 & $2 \cdot 1$ & $2$ & $40.0\,\%$
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: str
    footer: tuple[str, ...] | None = None



@dataclass(frozen=True)
class Block:
    r"""A piece of a page: a paragraph, display rows, a table, or several of them in order.

    ``formulas`` are the ``(expression, latex)`` pairs the rows show (the right-hand sides
    that stand for a sympy expression), for tests that parse the LaTeX back.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> sections = dict(page_sections(derive(load_problem("branching_graph").graph, "b")))
    >>> block = sections["The result"][0]
    >>> print(block.rows[0])
    \frac{\partial e}{\partial b} &= d + c
    >>> block.formulas, block.environment, block.together
    (((c + d, 'd + c'),), 'align*', True)
    """

    text: str = ""
    rows: tuple[str, ...] = ()
    environment: str = "align*"
    table: Table | None = None
    formulas: tuple[tuple[sympy.Expr, str], ...] = ()
    together: bool = False
    """The rows are one equation broken across lines: no page break between them."""
    items: tuple[str, ...] = ()
    """A numbered list (shown before the text)."""



Section = tuple[str, list[Block]]



def _rows(latex: str) -> tuple[str, ...]:
    return tuple(latex.split(" \\\\\n"))



def _path(term: Term, names: dict[str, str]) -> str:
    return r" \to ".join(names[n] for n in term.path.nodes)



def _paths_blocks(d: Derivation, names: dict[str, str]) -> list[Block]:
    of, wrt = names[d.of], names[d.wrt]
    plural = "path" if d.path_count == 1 else "paths"
    rule = ("the chain rule is the product of the local partial derivatives along it."
            if d.path_count == 1 else "the chain rule adds, over every path, the product of "
            "the local partial derivatives along it.")
    blocks = [Block(rf"There {'is' if d.path_count == 1 else 'are'} {d.path_count:,} {plural} "
                    rf"from ${wrt}$ to ${of}$: {rule}")]
    if d.terms is not None:
        shown = d.terms[:MAX_LISTED]
        more = "" if len(d.terms) == len(shown) else \
            f"... and {len(d.terms) - len(shown):,} more."
        blocks.append(Block(more, items=tuple(f"${_path(t, names)}$" for t in shown)))
    return blocks



def _size(expr: sympy.Expr) -> str:
    ops = operation_count(expr)
    return f"{ops:,} operations" if ops is not None else "a very large expression"



def _result_blocks(d: Derivation, strategy: str, max_terms: int) -> list[Block]:
    forms = results(d, strategy, max_terms)
    if forms.textbook_expr is None:
        return [Block(f"The result: {latex_text(forms.omitted)}.")]
    lhs = _lhs(d)
    symbols = d.graph.latex_names()
    blocks: list[Block] = []

    def show(caption: str, expr: sympy.Expr, shown: sympy.Expr | Collected,
             too_long: str) -> None:
        lines = aligned(lhs, result_node(shown, symbols))
        if not fits(lines, lhs):
            blocks.append(Block(f"{caption} {too_long}"))
            return
        rhs = " ".join(line.split("&", 1)[1].removeprefix("= ") for line in lines)
        blocks.append(Block(caption, tuple(lines), formulas=((expr, rhs),), together=True))

    textbook = forms.textbook if forms.textbook is not None else forms.textbook_expr
    grouped = isinstance(textbook, Collected) and textbook.groups
    show("In node symbols, with the factors shared by every path pulled out and one term per "
         "output:" if grouped else "In node symbols:", forms.textbook_expr, textbook,
         f"(too long to typeset: {_size(forms.textbook_expr)})")
    if strategy != "textbook":
        caption = (f"With the {strategy} strategy "
                   f"({latex_text(STRATEGY_DESCRIPTIONS[strategy])}):")
        if forms.strategy_expr is None:
            blocks.append(Block(f"{caption} {latex_text(forms.note)}."))
        else:
            show(caption, forms.strategy_expr, forms.strategy_collected or forms.strategy_expr,
                 f"too long to typeset ({_size(forms.strategy_expr)}); "
                 "the text format prints it.")
    if strategy in ("leaves", "full"):
        return blocks
    if forms.leaves is None:
        where = "the leaves strategy shows it" if forms.leaves_ops is not None else \
            "too large to write out"
        blocks.append(Block(f"In leaves only, the result has {forms.leaves_size}: "
                            f"too long to print here ({where})."))
        return blocks
    expr = forms.leaves.expression if isinstance(forms.leaves, Collected) else forms.leaves
    show("In leaves only (inputs, targets and parameters):", expr, forms.leaves,
         f"too long to typeset ({forms.leaves_size}); the leaves strategy with "
         "the text format prints it.")
    return blocks



def _numbers_blocks(d: Derivation, learning_rate: float | None,
                    names: dict[str, str]) -> list[Block]:
    blocks = []
    if d.terms is not None:
        rows = []
        for i, (term, share) in enumerate(zip(d.terms[:MAX_LISTED], path_shares(d),
                                              strict=False), 1):
            factors = r" \cdot ".join(latex_factor(f.value)
                                       for f in term.chain_rule_order) or EMPTY_PRODUCT
            shown = "" if share is None else rf"${percent(share)}\,\%$"
            rows.append((str(i), f"${factors}$", f"${latex_number(term.value)}$", shown))
        blocks.append(Block(
            "Each path's product of local partials (in chain-rule order, rounded to four "
            "digits), its value and its share of the total:",
            table=Table(("path", "product", "value", "share"), tuple(rows), "rlrr",
                        ("total", "", f"${latex_number(d.value, 10)}$",
                         "" if cancels(d) else r"$100\,\%$"))))
        if cancels(d):
            blocks.append(Block("The paths cancel: the total is zero up to rounding."))
    rows_math = [rf"{_lhs(d)} &= {latex_number(d.value, 10)}"]
    step = d.step(learning_rate)
    if step is not None:
        wrt = names[d.wrt]
        rows_math.append(
            rf"{wrt}^{{+}} &= {wrt} - \eta {_lhs(d)} = {latex_number(step.before, 10)} - "
            rf"{latex_number(step.learning_rate)} \cdot "
            rf"{latex_factor(step.gradient, VALUE_DIGITS)} = {latex_number(step.after, 10)}")
    text = "" if step is None else ("One step of gradient descent with learning rate "
                                    rf"$\eta = {latex_number(step.learning_rate)}$:")
    blocks.append(Block(text, tuple(rows_math)))
    return blocks



def page_sections(derivation: Derivation, *, strategy: str = "textbook",
                  learning_rate: float | None = None,
                  matrix: MatrixForm | None = None,
                  max_terms: int = EXPRESSION_LIMIT) -> list[Section]:
    r"""The content of a derivation page, format-neutral: ``(heading, blocks)`` pairs whose text
    may hold inline ``$math$`` and whose rows are ``align*`` rows.  The result is written out
    only up to ``max_terms`` paths (past it, a sentence says why not).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("branching_graph")
    >>> sections = page_sections(derive(problem.graph, "b", values=problem.values))
    >>> for heading, blocks in sections:
    ...     print(heading, len(blocks))
    The derivative $\partial e / \partial b$ 2
    The chain rule, path by path 1
    The factored form 2
    Local partial derivatives 1
    The result 2
    The numbers 2
    """
    d = derivation
    names = labels(d.graph)
    symbols = d.graph.latex_names()
    of, wrt = names[d.of], names[d.wrt]
    sections: list[Section] = [
        (rf"The derivative $\partial {of} / \partial {wrt}$", _paths_blocks(d, names)),
        ("The chain rule, path by path",
         [Block(rows=_rows(chain_rule_math(d)), together=True)]),
    ]
    factored = factored_math(d)
    blocks = []
    if factored is not None:
        blocks.append(Block("Paths that start alike share their first factors; pulling them "
                            "out gives the form backpropagation computes:", _rows(factored),
                            together=True))
    blocks.append(Block(rf"Read from the output back, each node's delta $\delta_n = \partial "
                        rf"{of} / \partial n$ is computed once:", tuple(delta_rows(d, names)),
                        ALIGNAT))
    sections.append(("The factored form" if factored is not None else "The delta recursion",
                     blocks))
    rows, formulas = [], []
    for factor in local_partials(d):
        formula = latex_expr(factor.expression, symbols)
        formulas.append((factor.expression, formula))
        rows.append(valued_row(_partial(factor, names), formula, factor.value))
    sections.append(("Local partial derivatives",
                     [Block(rows=tuple(rows), environment=ALIGNAT, formulas=tuple(formulas))]))
    sections.append(("The result", _result_blocks(d, strategy, max_terms)))
    if d.value is not None:
        sections.append(("The numbers", _numbers_blocks(d, learning_rate, names)))
    if matrix is not None:
        sections.append(("The matrix form", [Block(text, tuple(rows_))
                                             for text, rows_ in matrix_latex(matrix)]))
    return sections
