r"""What the LaTeX and Markdown pages say: a page model's sections as headings, captions, display
rows and tables, in LaTeX math.

The two pages show the same things in two markups.  :func:`heading` gives a section's heading
and :func:`pieces` its blocks as :class:`Piece` objects (a caption with inline ``$math$``,
numbered items, display rows, a table of cells), which :mod:`symbackprop.render.latex` and
:mod:`symbackprop.render.markdown` wrap in their markup.  Text that comes from elsewhere (why a
form is left out, a strategy's description) goes through the writer's own escaper.

Examples
--------
>>> from symbackprop import derive, load_problem
>>> from symbackprop.render.display import latex_text
>>> from symbackprop.render.page import page_model
>>> page = page_model(derive(load_problem("branching_graph").graph, "a"))
>>> section = page.section(Kind.RESULT)
>>> print(heading(page, section.kind))
The result
>>> for piece in pieces(page, section, latex_text):
...     print(piece.text, *piece.rows)
In node symbols: \frac{\partial e}{\partial a} &= d
In leaves only (inputs, targets and parameters): \frac{\partial e}{\partial a} &= \left(b + 1\right)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy

from ..calculus.options import STRATEGY_DESCRIPTIONS
from ..calculus.simplify import Collected, operation_count
from ..calculus.terms import Group
from .breaking import Math, flat
from .display import (
    aligned,
    factored_node,
    fits,
    products_node,
    result_node,
    side,
    valued_row,
)
from .matrix import matrix_latex
from .model import (
    Block,
    Cell,
    Descent,
    Equation,
    Equations,
    Factors,
    Form,
    FormKind,
    Formula,
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
)
from .numbers import (
    DISPLAY_DIGITS,
    EMPTY_PRODUCT,
    VALUE_DIGITS,
    latex_factor,
    latex_number,
    percent,
)
from .typeset import latex_expr

__all__ = ["ALIGNAT", "LEAVES_SHOWN", "Cells", "Piece", "cell", "equation_parts", "formula_node",
           "headed", "heading", "pieces"]

ALIGNAT = "alignat*"
"""Rows with a value column: ``lhs &= formula &\\qquad &= value``."""

LEAVES_SHOWN = 120
"""The leaves-only form is shown beside another strategy only up to this many operations."""

Escape = Callable[[str], str]
"""A writer's escaper of plain text (a message from elsewhere) for its prose."""

_HEADINGS = {
    Kind.CHAIN_RULE: "The chain rule, path by path",
    Kind.FACTORED: "The factored form",
    Kind.DELTAS: "The delta recursion",
    Kind.PARTIALS: "Local partial derivatives",
    Kind.RESULT: "The result",
    Kind.NUMBERS: "The numbers",
    Kind.MATRIX: "The matrix form",
}


@dataclass(frozen=True)
class Cells:
    r"""A table whose cells are text with inline ``$math$``; ``align`` has a letter per column
    (``l``, ``r``).

    Examples
    --------
    >>> Cells(("path", "value"), "rr", (("1", "$2$"),)).rows
    (('1', '$2$'),)
    """

    header: tuple[str, ...]
    align: str
    rows: tuple[tuple[str, ...], ...]
    footer: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Piece:
    r"""A piece of a LaTeX or Markdown page, in order: numbered ``items``, a paragraph
    (``text``, with inline ``$math$``), display ``rows`` of ``environment`` and a ``table``.

    ``together``: the rows are one equation broken across lines (no page break between them).
    ``formulas`` are the ``(expression, latex)`` pairs the rows show for a sympy expression,
    for tests that parse the LaTeX back.

    Examples
    --------
    >>> piece = Piece("Read:", rows=("x &= 1",))
    >>> piece.environment, piece.together, piece.table
    ('align*', False, None)
    """

    text: str = ""
    items: tuple[str, ...] = ()
    rows: tuple[str, ...] = ()
    environment: str = "align*"
    together: bool = False
    table: Cells | None = None
    formulas: tuple[tuple[sympy.Expr, str], ...] = ()


def heading(page: Page, kind: Kind, previous: Kind | None = None) -> str | None:
    r"""The heading of a section of ``kind`` (after one of ``previous``); ``None`` for the
    delta recursion after the factored form, which it continues.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.render.page import page_model
    >>> page = page_model(derive(load_problem("branching_graph").graph, "b"))
    >>> print(heading(page, Kind.PATHS))
    The derivative $\partial e / \partial b$
    >>> heading(page, Kind.DELTAS), heading(page, Kind.DELTAS, Kind.FACTORED)
    ('The delta recursion', None)
    """
    if kind is Kind.PATHS:
        return rf"The derivative $\partial {page.labels[page.of]} / \partial " \
            rf"{page.labels[page.wrt]}$"
    if kind is Kind.DELTAS and previous is Kind.FACTORED:
        return None
    return _HEADINGS[kind]


def headed(page: Page) -> list[tuple[str | None, Section]]:
    r"""Each section of ``page`` with its heading (``None``: it continues the section before).

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.render.page import page_model
    >>> page = page_model(derive(load_problem("branching_graph").graph, "b"))
    >>> [(head, section.kind.value) for head, section in headed(page)][2:4]
    [('The factored form', 'factored form'), (None, 'deltas')]
    """
    kinds = [None, *(section.kind for section in page.sections)]
    return [(heading(page, section.kind, previous), section)
            for previous, section in zip(kinds, page.sections, strict=False)]


def cell(content: Cell) -> str:
    r"""A table cell as text with inline math.

    Examples
    --------
    >>> [cell(c) for c in (Text("1"), Factors((2.0, -0.5)), Number(2.0), Share(0.4))]
    ['1', '$2 \\cdot (-0.5)$', '$2$', '$40.0\\,\\%$']
    >>> cell(Share(None)), cell(TotalShare(cancels=False)), cell(TotalShare(cancels=True))
    ('', '$100\\,\\%$', '')
    """
    if isinstance(content, Text):
        return content.text
    if isinstance(content, Number):
        return f"${_number(content)}$"
    if isinstance(content, Factors):
        factors = r" \cdot ".join(latex_factor(v, content.digits) for v in content.values)
        return f"${factors or EMPTY_PRODUCT}$"
    if isinstance(content, Share):
        return "" if content.fraction is None else rf"${percent(content.fraction)}\,\%$"
    return "" if content.cancels else r"$100\,\%$"


def _number(number: Number) -> str:
    return latex_number(number.value, DISPLAY_DIGITS if number.digits is None else number.digits)


def formula_node(formula: Formula, page: Page) -> Math:
    r"""A formula of the page as display math to break (:mod:`symbackprop.render.display`).

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.render.breaking import flat
    >>> from symbackprop.render.page import page_model
    >>> page = page_model(derive(load_problem("branching_graph").graph, "a"))
    >>> print(flat(formula_node(page.section(Kind.CHAIN_RULE).blocks[0].rows[0].formula, page)))
    \frac{\partial e}{\partial c} \frac{\partial c}{\partial a}
    """
    if isinstance(formula, Products):
        return products_node(formula, page.labels)
    if isinstance(formula, Group):
        return factored_node(formula, page.labels)
    if isinstance(formula, Descent):
        raise TypeError("a step of gradient descent is written on one line")
    return result_node(formula, page.symbols)


def equation_parts(page: Page, row: Equation) -> tuple[str, str, str]:
    r"""A row of a value column as its three LaTeX parts: the left side, the formula on one
    line (``""`` when none) and the value (``""`` when unknown).

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.render.page import page_model
    >>> problem = load_problem("branching_graph")
    >>> page = page_model(derive(problem.graph, "a", values=problem.values))
    >>> equation_parts(page, page.section(Kind.PARTIALS).blocks[0].rows[0])
    ('\\frac{\\partial e}{\\partial c}', 'd', '2')
    """
    formula = row.formula
    if formula is None:
        text = ""
    elif isinstance(formula, sympy.Expr):
        text = latex_expr(formula, page.symbols)
    else:
        text = flat(formula_node(formula, page))
    value = "" if row.value is None else _number(row.value)
    return side(row.lhs, page.labels), text, value


def _descent(page: Page, descent: Descent) -> str:
    step, names = descent.step, page.labels
    wrt = names[step.parameter]
    return (rf"{wrt}^{{+}} &= {wrt} - \eta {side(descent.gradient, names)} = "
            rf"{latex_number(step.before, VALUE_DIGITS)} - "
            rf"{latex_number(step.learning_rate)} \cdot "
            rf"{latex_factor(step.gradient, VALUE_DIGITS)} = "
            rf"{latex_number(step.after, VALUE_DIGITS)}")


def _caption(page: Page, kind: Kind, block: Equations) -> str:
    steps = [f.step for f in (row.formula for row in block.rows) if isinstance(f, Descent)]
    if steps:
        return ("One step of gradient descent with learning rate "
                rf"$\eta = {latex_number(steps[0].learning_rate)}$:")
    if kind is Kind.FACTORED:
        return ("Paths that start alike share their first factors; pulling them out gives the "
                "form backpropagation computes:")
    if kind is Kind.DELTAS:
        return (r"Read from the output back, each node's delta $\delta_n = \partial "
                rf"{page.labels[page.of]} / \partial n$ is computed once:")
    return ""


def _equations(page: Page, kind: Kind, block: Equations) -> Piece:
    rows: list[str] = []
    formulas: list[tuple[sympy.Expr, str]] = []
    broken = False
    for row in block.rows:
        if isinstance(row.formula, Descent):
            rows.append(_descent(page, row.formula))
        elif block.value_column or row.formula is None:  # on one line
            lhs, formula, value = equation_parts(page, row)
            if isinstance(row.formula, sympy.Expr):
                formulas.append((row.formula, formula))
            rows.append(valued_row(lhs, formula, value) if formula else f"{lhs} &= {value}")
        else:
            rows += aligned(side(row.lhs, page.labels), formula_node(row.formula, page))
            broken = True
    return Piece(_caption(page, kind, block), rows=tuple(rows),
                 environment=ALIGNAT if block.value_column else "align*",
                 together=broken and len(block.rows) == 1, formulas=tuple(formulas))


def _items(page: Page, items: Items) -> list[Piece]:
    names = page.labels
    one = items.count == 1
    rule = ("the chain rule is the product of the local partial derivatives along it." if one
            else "the chain rule adds, over every path, the product of the local partial "
            "derivatives along it.")
    out = [Piece(rf"There {'is' if one else 'are'} {items.count:,} {'path' if one else 'paths'} "
                 rf"from ${names[page.wrt]}$ to ${names[page.of]}$: {rule}")]
    if items.entries:
        more = items.count - len(items.entries)
        out.append(Piece(f"... and {more:,} more." if more else "",
                         items=tuple("$" + r" \to ".join(names[n] for n in path) + "$"
                                     for path in items.entries)))
    return out


def _size(expression: sympy.Expr | None) -> str:
    ops = None if expression is None else operation_count(expression)
    return f"{ops:,} operations" if ops is not None else "a very large expression"


def _form_caption(page: Page, form: Form, escape: Escape) -> str:
    if form.kind is FormKind.TEXTBOOK:
        grouped = isinstance(form.formula, Collected) and form.formula.groups
        return ("In node symbols, with the factors shared by every path pulled out and one "
                "term per output:" if grouped else "In node symbols:")
    if form.kind is FormKind.STRATEGY:
        return (f"With the {page.strategy} strategy "
                f"({escape(STRATEGY_DESCRIPTIONS[page.strategy])}):")
    return "In leaves only (inputs, targets and parameters):"


def _left_out(page: Page, form: Form, escape: Escape) -> str:
    """Why a form is not written out."""
    if form.kind is FormKind.TEXTBOOK:
        return f"The result: {escape(form.note)}."
    if form.kind is FormKind.STRATEGY:
        return f"{_form_caption(page, form, escape)} {escape(form.note)}."
    where = "the leaves strategy shows it" if form.operations is not None else \
        "too large to write out"
    return f"In leaves only, the result has {form.size}: too long to print here ({where})."


def _too_long(form: Form) -> str:
    """Why a form written out is not typeset: it does not fit the page."""
    if form.kind is FormKind.TEXTBOOK:
        return f"(too long to typeset: {_size(form.expression)})"
    if form.kind is FormKind.STRATEGY:
        return f"too long to typeset ({_size(form.expression)}); the text format prints it."
    return (f"too long to typeset ({form.size}); the leaves strategy with the text format "
            "prints it.")


def _form(page: Page, form: Form, escape: Escape) -> Piece:
    shown = form.formula
    if form.kind is FormKind.LEAVES and (form.operations or 0) > LEAVES_SHOWN:
        shown = None
    if shown is None:
        return Piece(_left_out(page, form, escape))
    caption = _form_caption(page, form, escape)
    lhs = side(Partial(page.of, page.wrt), page.labels)
    lines = aligned(lhs, result_node(shown, page.symbols))
    if not fits(lines, lhs):
        return Piece(f"{caption} {_too_long(form)}")
    rhs = " ".join(line.split("&", 1)[1].removeprefix("= ") for line in lines)
    formulas = () if form.expression is None else ((form.expression, rhs),)
    return Piece(caption, rows=tuple(lines), formulas=formulas, together=True)


def _table(kind: Kind, table: Table) -> list[Piece]:
    caption = ("Each path's product of local partials (in chain-rule order, rounded to four "
               "digits), its value and its share of the total:" if kind is Kind.NUMBERS else "")
    footer = None if table.footer is None else tuple(cell(c) for c in table.footer)
    cells = Cells(table.header, table.align, tuple(tuple(cell(c) for c in row)
                                                   for row in table.rows), footer)
    out = [Piece(caption, table=cells)]
    if any(isinstance(c, TotalShare) and c.cancels for c in table.footer or ()):
        out.append(Piece("The paths cancel: the total is zero up to rounding."))
    return out


def _block(page: Page, kind: Kind, block: Block, escape: Escape) -> list[Piece]:
    if isinstance(block, Items):
        return _items(page, block)
    if isinstance(block, Equations):
        return [_equations(page, kind, block)]
    if isinstance(block, Form):
        return [_form(page, block, escape)]
    if isinstance(block, Table):
        return _table(kind, block)
    if not isinstance(block, Matrix):
        raise TypeError(f"{type(block).__name__} is a tensor page's: render.tensor_pieces "
                        "writes it")
    # the matrix form: its paragraphs and rows as render.matrix writes them in LaTeX
    return [Piece(text, rows=tuple(rows)) for text, rows in matrix_latex(block.form)]


def pieces(page: Page, section: Section, escape: Escape) -> list[Piece]:
    r"""A section's blocks as pieces of a LaTeX or Markdown page; ``escape`` makes plain text
    (a note, a strategy's description) safe for the writer's prose.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.render.page import page_model
    >>> page = page_model(derive(load_problem("branching_graph").graph, "a"))
    >>> for piece in pieces(page, page.section(Kind.DELTAS), str):
    ...     print(piece.environment, piece.rows)                  # doctest: +NORMALIZE_WHITESPACE
    alignat* ('\\delta_{c} &= \\frac{\\partial e}{\\partial c}',
              '\\delta_{a} &= \\frac{\\partial c}{\\partial a} \\delta_{c}')
    """
    return [piece for block in section.blocks
            for piece in _block(page, section.kind, block, escape)]
