"""Derivations as Unicode text for a terminal: at most 100 columns.

:func:`derivation_text` is the page of ``derive --format text``: the page model
(:func:`symbackprop.render.page.page_model`) written section by section, each kind with its
heading and its own layout (the text page lists the paths, aligns the local partials in
columns, prints the leaves-only form only up to :data:`LEAVES_SHOWN` operations and lays the
numbers out as a table of fixed columns).  :func:`paths_text` is the listing of ``paths`` (one
line per path, as the streamed listing of :mod:`symbackprop.render.streamed` writes it).  The
pieces every text output shares (wrapping, numbers, a collected form on one line) are in
:mod:`symbackprop.render.plaintext`; their names are re-exported here.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("branching_graph")
>>> print(paths_text(derive(problem.graph, "b", values=problem.values)))
2 paths from b to e
  1. b → c → e    ∂e/∂c · ∂c/∂b = d · 1 = 2 · 1 = 2
  2. b → d → e    ∂e/∂d · ∂d/∂b = c · 1 = 3 · 1 = 3
     total = 5
>>> page = derivation_text(derive(problem.graph, "b", values=problem.values))
>>> print(page.split("Numbers")[1].strip("\\n"))
  path  product of local partials (chain-rule order)  value    share
     1  2 · 1                                             2   40.0 %
     2  3 · 1                                             3   60.0 %
        total                                             5  100.0 %
  ∂e/∂b = 5
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping

import sympy

from ..calculus.derivation import Derivation
from ..calculus.options import EXPRESSION_LIMIT, STRATEGY_DESCRIPTIONS
from ..calculus.simplify import Collected
from ..calculus.tensor_derivation import TensorDerivation
from ..calculus.terms import Factor, Group
from ..numeric.matrix import MatrixForm
from .matrix import matrix_text
from .model import (
    Cell,
    Delta,
    Descent,
    Equation,
    Equations,
    Factors,
    Form,
    FormKind,
    Formula,
    Items,
    Kind,
    Lhs,
    Matrix,
    Number,
    Page,
    Partial,
    Products,
    Section,
    Share,
    Table,
    Text,
    Updated,
)
from .numbers import EMPTY_PRODUCT, VALUE_DIGITS, percent, text_number
from .page import page_for
from .plaintext import (
    WIDTH,
    collected_text,
    group_text,
    leibniz,
    number,
    step_text,
    sum_lines,
    wrap,
)
from .tensor_model import TensorFormula
from .tensor_text import TENSOR_SECTIONS, formula_text, tensor_side
from .typeset import natural_str, text_expr

__all__ = ["LEAVES_SHOWN", "derivation_text", "paths_text"]

LEAVES_SHOWN = 60
"""The leaves-only form is printed beside another strategy only up to this many operations."""
PRODUCT_WIDTH = 56
"""The product column of the numbers table wraps past this width."""


def _factor_label(factor: Factor) -> str:
    return leibniz(factor.of, factor.wrt)


def paths_text(derivation: Derivation) -> str:
    """Every path, its factors in chain-rule order, their formulas and values.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("exp_exp_square")      # y = exp(h2), h2 = exp(h1), h1 = x^2
    >>> print(paths_text(derive(problem.graph, "x")))
    1 path from x to y
      1. x → h1 → h2 → y    ∂y/∂h2 · ∂h2/∂h1 · ∂h1/∂x = y · h2 · 2*x
    >>> print(paths_text(derive(problem.graph, "x", values=problem.values)).splitlines()[-1])
         total = 4.636804375
    """
    d = derivation
    plural = "path" if d.path_count == 1 else "paths"
    lines = [f"{d.path_count:,} {plural} from {d.wrt} to {d.of}"]
    if d.terms is None:
        lines.append("  (too many to list; see the factored form with `derive`)")
        return "\n".join(lines)
    width = max(len(" → ".join(t.path.nodes)) for t in d.terms) + 4
    # each factor (shared by the paths through its edge) printed once
    printed: dict[int, tuple[str, str, str]] = {}
    for i, term in enumerate(d.terms, 1):
        parts = []
        for f in term.chain_rule_order:
            if id(f) not in printed:
                printed[id(f)] = (_factor_label(f), _bracket(f.expression), number(f.value))
            parts.append(printed[id(f)])
        if not parts:  # the path of one node: no factor, and the empty product
            lines.append(f"  {i}. {term.path.nodes[0]:<{width}}{EMPTY_PRODUCT}")
            continue
        line = (f"  {i}. {' → '.join(term.path.nodes):<{width}}"
                f"{' · '.join(p[0] for p in parts)} = {' · '.join(p[1] for p in parts)}")
        if term.value is not None:
            line += f" = {' · '.join(p[2] for p in parts)} = {number(term.value)}"
        lines.append(wrap(line, 6))
    if d.value is not None:
        lines.append(f"     total = {number(d.value)}")
    return "\n".join(lines)


def _bracket(expr: sympy.Expr) -> str:
    text = natural_str(expr).replace("**", "^")
    return f"({text})" if isinstance(expr, sympy.Add) else text


# -- the derivation page ---------------------------------------------------------------------------

def _formula(formula: Formula) -> str:
    """A formula of the page on one line."""
    if isinstance(formula, Collected):
        return collected_text(formula)
    if isinstance(formula, Group):
        return group_text(formula)
    if isinstance(formula, Products):
        return " + ".join(_product(term) for term in formula.terms)
    if isinstance(formula, Descent):
        return step_text(formula.step, formula.gradient.of)
    if isinstance(formula, TensorFormula):
        return formula_text(formula)
    return text_expr(formula)


def _side(lhs: Lhs) -> str:
    if isinstance(lhs, Partial):
        return leibniz(lhs.of, lhs.wrt)
    if isinstance(lhs, Delta):
        return f"δ_{lhs.node}"
    return f"{lhs.parameter}+" if isinstance(lhs, Updated) else tensor_side(lhs)


def _product(term: tuple[Partial | Delta, ...]) -> str:
    return " · ".join(_side(f) for f in term) or EMPTY_PRODUCT


def _number(value: Number) -> str:
    return text_number(value.value, VALUE_DIGITS if value.digits is None else value.digits)


def _cell(cell: Cell) -> str:
    if isinstance(cell, Text):
        return cell.text
    if isinstance(cell, Number):
        return _number(cell)
    if isinstance(cell, Factors):
        return " · ".join(text_number(v, cell.digits) for v in cell.values) or EMPTY_PRODUCT
    if isinstance(cell, Share):
        return "" if cell.fraction is None else f"{percent(cell.fraction)} %"
    return "(paths cancel)" if cell.cancels else "100.0 %"


def _rows(section: Section) -> list[Equation]:
    return [row for block in section.blocks if isinstance(block, Equations)
            for row in block.rows]


# -- the sections, each as lines -----------------------------------------------------------------

def _paths(page: Page, section: Section) -> list[str]:
    (items,) = [b for b in section.blocks if isinstance(b, Items)]
    plural = "path" if items.count == 1 else "paths"
    lines = [f"  {items.count:,} {plural} from {page.wrt} to {page.of}"]
    lines += [wrap(f"  {i:>3}. {' → '.join(path)}", 8) for i, path in enumerate(items.entries, 1)]
    if items.entries and items.count > len(items.entries):
        lines.append(f"       ... and {items.count - len(items.entries):,} more (`paths` lists "
                     "them all)")
    return lines


def _chain_rule(page: Page, section: Section) -> list[str] | None:
    """The listed paths' products, one a line; no section when no path is listed."""
    lines: list[str] = []
    for row in _rows(section):
        if isinstance(row.formula, Products):
            lines += sum_lines(f"  {_side(row.lhs)}", [_product(t) for t in row.formula.terms])
    return lines or None


def _equations(page: Page, section: Section) -> list[str]:
    return [wrap(f"  {_side(row.lhs)} = {_formula(row.formula)}", 8)
            for row in _rows(section) if row.formula is not None]


def _deltas(page: Page, section: Section) -> list[str]:
    rows = _rows(section)  # aligned as wide as every delta's name, the output's (not shown) too
    label = max(len(_side(lhs)) for lhs in [Delta(page.of), *(row.lhs for row in rows)])
    lines = []
    for row in rows:
        value = "" if row.value is None else f"  = {_number(row.value)}"
        rule = "" if row.formula is None else _formula(row.formula)
        lines.append(wrap(f"  {_side(row.lhs):<{label}} = {rule}{value}", label + 5))
    return lines


def _partials(page: Page, section: Section) -> list[str]:
    rows = _rows(section)
    formulas = ["" if row.formula is None else _formula(row.formula) for row in rows]
    width = max((len(_side(row.lhs)) for row in rows), default=1)
    formula_width = min(30, max((len(f) for f in formulas), default=1))
    lines = []
    for row, formula in zip(rows, formulas, strict=True):
        line = f"  {_side(row.lhs):<{width}} = {formula:<{formula_width}}"
        if row.value is not None:
            line += f" = {_number(row.value)}"
        lines.append(wrap(line.rstrip(), width + 5))
    return lines


def _result(page: Page, section: Section) -> list[str]:
    head = leibniz(page.of, page.wrt)
    lines = []
    for form in section.blocks:
        if not isinstance(form, Form):
            continue
        shown = None if form.formula is None else _formula(form.formula)
        if form.kind is FormKind.TEXTBOOK:
            lines.append(wrap(f"  {head}: {form.note}", 8) if shown is None
                         else _cut(wrap(f"  {head} = {shown}", 8)))
        elif form.kind is FormKind.STRATEGY:
            lines.append(wrap(f"  {page.strategy}: {form.note}", 8) if shown is None
                         else _cut(wrap(f"  {page.strategy}: {head} = {shown}", 8)))
        elif shown is not None and (form.operations or 0) <= LEAVES_SHOWN:
            lines.append(wrap(f"  in leaves only: {shown}", 8))
        else:
            where = "shown with --simplify leaves" if form.operations is not None else \
                "too large to write out"
            lines.append(f"  in leaves only: {form.size} ({where})")
    return lines


def _numbers(page: Page, section: Section) -> list[str]:
    lines = []
    for block in section.blocks:
        if isinstance(block, Table):
            lines += ["  " + line for line in _table(block)]
    for row in _rows(section):
        if isinstance(row.formula, Descent):
            lines.append(wrap(f"  update: {_formula(row.formula)}", 10))
        elif row.value is not None:
            lines.append(f"  {_side(row.lhs)} = {_number(row.value)}")
    return lines


def _table(table: Table) -> list[str]:
    """The table of paths: the path's number, its product (wrapped past
    :data:`PRODUCT_WIDTH`), its value and its share; the total's label under the products."""
    rows = [tuple(_cell(c) for c in row) for row in table.rows]
    if table.footer is not None:
        label, _, *rest = (_cell(c) for c in table.footer)
        rows.append(("", label, *rest))
    header = ("path", "product of local partials (chain-rule order)", "value", "share")
    product_width = min(PRODUCT_WIDTH, max(len(header[1]), *(len(r[1]) for r in rows)))
    widths = [max(len(header[0]), 4), product_width,
              max(len(r[2]) for r in [header, *rows]), max(len(r[3]) for r in [header, *rows])]
    out = [f"{header[0]}  {header[1]:<{product_width}}  {header[2]:>{widths[2]}}  "
           f"{header[3]:>{widths[3]}}".rstrip()]
    for row in rows:
        pieces = textwrap.wrap(row[1], product_width, break_long_words=False) or [""]
        out.append(f"{row[0]:>{widths[0]}}  {pieces[0]:<{product_width}}  "
                   f"{row[2]:>{widths[2]}}  {row[3]:>{widths[3]}}".rstrip())
        out += [f"{'':>{widths[0]}}  {p}" for p in pieces[1:]]
    return out


def _matrix(page: Page, section: Section) -> list[str]:
    return [line for block in section.blocks if isinstance(block, Matrix)
            for line in matrix_text(block.form).splitlines()]


_SECTIONS = {
    Kind.PATHS: ("Paths", _paths),
    Kind.CHAIN_RULE: ("Chain rule: over every path, the product of its local partials (output "
                      "end first)", _chain_rule),
    Kind.FACTORED: ("Factored (backprop) form: the factors shared by paths pulled out",
                    _equations),
    Kind.DELTAS: ("Deltas δ_n = ∂{of}/∂n, each computed once from the output back", _deltas),
    Kind.PARTIALS: ("Local partials", _partials),
    Kind.RESULT: ("Result ({strategy}: {description})", _result),
    Kind.NUMBERS: ("Numbers", _numbers),
    Kind.MATRIX: ("", _matrix),
}
"""Each kind of section: its heading (none: the lines carry their own) and its lines (``None``:
the section is left out)."""


def derivation_text(derivation: Derivation | TensorDerivation, *, strategy: str = "textbook",
                    learning_rate: float | None = None, title: str = "",
                    matrix: MatrixForm | None = None, max_terms: int = EXPRESSION_LIMIT,
                    full: bool = False) -> str:
    """The whole derivation: paths, chain rule, factored form and deltas, local partials,
    result (textbook, the strategy, leaves only; past ``max_terms`` paths a line saying why
    not), numbers, and the matrix form if given.  A tensor-level derivation gets the sections
    of :func:`~symbackprop.render.tensor_page.tensor_page_model` (its matrices whole with
    ``full``).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> page = derivation_text(derive(problem.graph, "w1", values=problem.values),
    ...                        learning_rate=problem.learning_rate)
    >>> print(page[page.index("Deltas"):page.index("Local partials")].strip())
    Deltas δ_n = ∂L/∂n, each computed once from the output back
      δ_yhat2 = ∂L/∂yhat2  = -0.2170715347
      δ_yhat1 = ∂L/∂yhat1  = 0.7413650696
      δ_a22   = ∂yhat2/∂a22 · δ_yhat2  = -0.03809823652
      δ_a21   = ∂yhat1/∂a21 · δ_yhat1  = 0.1384985616
      δ_h11   = ∂a21/∂h11 · δ_a21 + ∂a22/∂h11 · δ_a22  = 0.03635030639
      δ_a11   = ∂h11/∂a11 · δ_h11  = 0.008771354689
      δ_w1    = ∂a11/∂w1 · δ_a11  = 0.0004385677345
    >>> print(page.splitlines()[-1])
      update: w1+ = w1 − η ∂L/∂w1 = 0.15 − 0.5 · 0.0004385677345 = 0.1497807161
    >>> problem = load_problem("tensor_mlp")
    >>> page = derivation_text(derive(problem.graph, "W1", values=problem.values))
    >>> print(page[page.index("Result"):page.index("Numbers")].strip())
    Result: the gradient written out
      δW1 = Xᵀ ((((softmax(Z2) − onehot(y)) / 4) W2ᵀ) ⊙ (1 − H1²))
    """
    page = page_for(derivation, strategy=strategy, learning_rate=learning_rate, matrix=matrix,
                    max_terms=max_terms, full=full)
    sections: Mapping[Kind, tuple[str, Callable[[Page, Section], list[str] | None]]] = \
        TENSOR_SECTIONS if page.level == "tensor" else _SECTIONS
    top = leibniz(page.of, page.wrt) + (f"  —  {title}" if title else "")
    lines = [wrap(top, 4), "═" * min(len(top), WIDTH)]
    for section in page.sections:
        heading, write = sections[section.kind]
        body = write(page, section)
        if body is None:
            continue
        title_line = heading.format(of=page.of, strategy=strategy,
                                    description=STRATEGY_DESCRIPTIONS[strategy])
        lines += ["", *([title_line] if title_line else []), *body]
    return "\n".join(lines)


MAX_RESULT_LINES = 24
"""A result longer than this many lines is cut (its first lines and its length shown)."""


def _cut(text: str) -> str:
    lines = text.splitlines()
    if len(lines) <= MAX_RESULT_LINES:
        return text
    return "\n".join([*lines[:MAX_RESULT_LINES // 2],
                      f"        ... ({len(lines):,} lines in all: too long to print whole; the "
                      "deltas above give its value)"])
