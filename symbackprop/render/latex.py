r"""Derivations as LaTeX: a page for pdflatex, display math for Jupyter and Markdown.

:func:`derivation_latex` writes the body of a page (amsmath ``align*``): the paths, the chain
rule as a sum over them (each term in chain-rule order, one path per line), the factored
(backprop) form and its delta recursion, each local partial with its textbook formula, the
result in node symbols and in leaves only, and with values a table of every factor, path and
share, the total and the update.  :func:`latex_document` wraps a body into a standalone
``.tex`` file that compiles with pdflatex (packages of ``texlive-latex-base`` only).

Expressions go through sympy's printer with the graph's labels (``\hat{y}_{1}``, ``w_{131}``);
products of partials are laid out here, in path order, never in the order sympy prints a
``Mul``.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("branching_graph")
>>> d = derive(problem.graph, "b", values=problem.values)
>>> print(chain_rule_math(d))
\frac{\partial e}{\partial b} &= \frac{\partial e}{\partial c} \frac{\partial c}{\partial b} \\
&\qquad {}+ \frac{\partial e}{\partial d} \frac{\partial d}{\partial b}
>>> print(result_math(d))
\frac{\partial e}{\partial b} &= d + c
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import sympy

from ..calculus.derivation import Derivation, Factor, Group, Term
from ..calculus.simplify import STRATEGY_DESCRIPTIONS, Collected, operation_count
from ..graph.computation import ComputationGraph
from ..naming import default_latex
from .matrix import MatrixForm, matrix_latex
from .numbers import VALUE_DIGITS, latex_factor, latex_number, percent
from .parts import (
    MAX_LISTED,
    Product,
    cancels,
    collected_layout,
    local_partials,
    path_shares,
    results,
    update,
)
from .typeset import (
    DOT,
    Atom,
    Math,
    Seq,
    Sum,
    breaklines,
    flat,
    latex_expr,
    leibniz,
    math_structure,
    width,
)
from .typeset import Group as Parens

__all__ = [
    "LatexPage",
    "chain_rule_math",
    "collected_math",
    "derivation_latex",
    "derivation_math",
    "factored_math",
    "labels",
    "latex_document",
    "latex_page",
    "latex_text",
    "result_math",
]

TEXTWIDTH_EM = 41.0
"""The text width of :func:`latex_document` (A4, 2.5 cm margins, 11 pt) in em."""
SAFETY = 0.93
"""Line breaking aims at this fraction of the width (the estimate of a width is rough)."""
ALIGNAT = "alignat*"
"""Rows with a value column: ``lhs &= formula &\\qquad &= value``."""
KEEP_TOGETHER = 8
"""An equation broken into at most this many lines is not split across pages."""
MAX_LINES = 14
"""A form that needs more lines than this is summarised rather than printed."""


def labels(graph: ComputationGraph) -> dict[str, str]:
    r"""Every node's (and constant's) LaTeX label by name.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> names = labels(load_problem("mazur_2_2_2").graph)
    >>> print(names["yhat1"], names["w5"], names["L"])
    \hat{y}_{1} w_{5} \mathcal{L}
    """
    result = {name: node.latex for name, node in graph.nodes.items()}
    result.update({name: default_latex(name) for name in graph.constants})
    return result


def latex_text(text: str) -> str:
    r"""Plain text (a title, a note) made safe for LaTeX text mode.

    Examples
    --------
    >>> print(latex_text('50% of δ_h & "x" — done'))
    50\% of $\delta$\_h \& ``x'' --- done
    """
    special = {"\\": r"\textbackslash{}", '"': "''", "{": r"\{", "}": r"\}", "$": r"\$",
               "&": r"\&", "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}",
               "—": "---", "–": "--", "’": "'", "‘": "`", "“": "``", "”": "''",
               "→": r"$\to$", "·": r"$\cdot$", "∂": r"$\partial$", "η": r"$\eta$",
               "δ": r"$\delta$", "Σ": r"$\Sigma$", "×": r"$\times$", "−": "-", "…": r"\dots{}"}
    text = re.sub(r"(^|(?<=[\s(\[]))'", "`", text)  # an opening quote
    text = re.sub(r'(^|(?<=[\s(\[]))"', "``", text)
    return "".join(special.get(c, c if ord(c) < 128 or c in "`" else "?") for c in text)


# -- the pieces of display math ------------------------------------------------------------------

def _available(lhs: str, textwidth: float) -> float:
    return (textwidth - width(lhs) - 1.5) * SAFETY


def _aligned(lhs: str, node: Math, textwidth: float = TEXTWIDTH_EM) -> list[str]:
    """``lhs &= node`` broken into ``align*`` lines (without the trailing ``\\\\``)."""
    room = _available(lhs, textwidth)
    out = []
    for i, (level, text) in enumerate(breaklines(node, room, room)):
        if i == 0:
            out.append(f"{lhs} &= {text}")
        else:
            out.append("&" + r"\qquad" * max(level, 1) + f" {text}")
    return out


def _fits(lines: Sequence[str], lhs: str, textwidth: float = TEXTWIDTH_EM) -> bool:
    """Whether ``align*`` lines from :func:`_aligned` fit the text width (and are few)."""
    limit = textwidth - width(lhs) - 1.0
    return len(lines) <= MAX_LINES and all(
        width(line.split("&", 1)[1]) <= limit for line in lines)


def _partial(factor: Factor, names: dict[str, str]) -> str:
    return leibniz(factor.of, factor.wrt, names)


def _lhs(d: Derivation) -> str:
    return leibniz(d.of, d.wrt, labels(d.graph))


def _path(term: Term, names: dict[str, str]) -> str:
    return r" \to ".join(names[n] for n in term.path.nodes)


def _chain(term: Term, names: dict[str, str]) -> Math:
    return Seq(tuple(Atom(_partial(f, names)) for f in term.chain_rule_order))


def chain_rule_math(d: Derivation, textwidth: float = TEXTWIDTH_EM) -> str:
    r"""The chain rule as ``align*`` lines: one product of partials per path, in chain-rule
    order (output end first), at most :data:`MAX_LISTED` paths.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> print(chain_rule_math(derive(load_problem("branching_graph").graph, "a")))
    \frac{\partial e}{\partial a} &= \frac{\partial e}{\partial c} \frac{\partial c}{\partial a}
    """
    names = labels(d.graph)
    terms = (d.terms or ())[:MAX_LISTED]
    pieces: list[tuple[bool, Math]] = [(False, _chain(t, names)) for t in terms]
    if d.path_count > len(terms):
        pieces.append((False, Atom(rf"\cdots \text{{ ({d.path_count - len(terms):,} more)}}")))
    node = Sum(tuple(pieces), one_per_line=True, always=True)
    return " \\\\\n".join(_aligned(_lhs(d), node, textwidth))


def _factored(group: Group, names: dict[str, str], depth: int = 0) -> list[Math]:
    if not group.branches:
        return []
    if len(group.branches) == 1:
        factor, sub = group.branches[0]
        return [Atom(_partial(factor, names)), *_factored(sub, names, depth)]
    terms = []
    for factor, sub in group.branches:
        items = [Atom(_partial(factor, names)), *_factored(sub, names, depth + 1)]
        terms.append((False, items[0] if len(items) == 1 else Seq(tuple(items))))
    return [Parens(Sum(tuple(terms), one_per_line=depth == 0))]


def factored_math(d: Derivation, textwidth: float = TEXTWIDTH_EM) -> str | None:
    r"""The factored form as ``align*`` lines (path order inside each product: the factors
    shared by all paths first), or ``None`` when the paths are not listed (or there is only
    one, and nothing to share).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> graph = load_problem("branching_graph").graph
    >>> print(factored_math(derive(graph, "a")))                  # one path: nothing shared
    None
    >>> lhs, rhs = factored_math(derive(graph, "b")).split(" &= ")
    >>> for term in rhs.split(" + "):
    ...     print(term)
    \left(\frac{\partial c}{\partial b} \frac{\partial e}{\partial c}
    \frac{\partial d}{\partial b} \frac{\partial e}{\partial d}\right)
    """
    if d.factored is None or d.path_count > MAX_LISTED or d.path_count == 1:
        return None
    items = _factored(d.factored, labels(d.graph))
    node = items[0] if len(items) == 1 else Seq(tuple(items))
    return " \\\\\n".join(_aligned(_lhs(d), node, textwidth))


def _factor_node(expr: sympy.Expr, names: dict[sympy.Symbol, str]) -> Math:
    """One factor of a chain: a sum in parentheses; a short textbook product such as
    ``h (1 - h)`` as sympy prints it; a longer product (in leaves) dot-separated."""
    if isinstance(expr, sympy.Add):
        return Parens(math_structure(expr, names))
    if isinstance(expr, sympy.Mul):
        others = [a for a in expr.args if not _juxtaposes(a)]
        if len(others) > 1 or (others and not isinstance(others[0], sympy.Add)):
            return math_structure(expr, names)
    return Atom(latex_expr(expr, names))


def _juxtaposes(factor: sympy.Expr) -> bool:
    return factor.is_Number or isinstance(factor, sympy.Symbol) or (
        isinstance(factor, sympy.Pow) and isinstance(factor.base, sympy.Symbol))


def _product_node(product: Product, names: dict[sympy.Symbol, str],
                  tail: Sequence[Math] = ()) -> Math:
    """``coefficient factor · factor · ... · tail``: the number juxtaposed in front, the
    factors (one local partial each) separated by dots, as a textbook writes a chain."""
    items: list[Math] = []
    run: list[sympy.Expr] = []  # consecutive symbols are juxtaposed: w_{311} w_{211}
    for factor in product.factors:
        if isinstance(factor, sympy.Symbol):
            run.append(factor)
            continue
        if run:
            items.append(Atom(" ".join(latex_expr(f, names) for f in run)))
            run = []
        node = _factor_node(factor, names)
        # A dotted product inside a dotted product is one product: a · (b · c) = a · b · c.
        items += list(node.items) if isinstance(node, Seq) and node.sep == DOT else [node]
    if run:
        items.append(Atom(" ".join(latex_expr(f, names) for f in run)))
    items += list(tail)
    if not items:
        return Atom(latex_expr(product.coefficient))
    body = items[0] if len(items) == 1 else Seq(tuple(items), DOT)
    if product.coefficient != 1:
        return Seq((Atom(latex_expr(product.coefficient)), body))
    return body


def _signed_sum(products: Sequence[tuple[bool, Math]], one_per_line: bool = False) -> Math:
    if len(products) == 1 and not products[0][0]:
        return products[0][1]
    return Sum(tuple(products), one_per_line=one_per_line)


def collected_math(grouped: Collected, names: dict[sympy.Symbol, str]) -> Math:
    r"""A :class:`~symbackprop.calculus.simplify.Collected` form laid out as a textbook writes it:
    numeric factors in front, the shared factors in path order, then one term per output delta (lead
    first), each times the sum over its paths.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> from symbackprop.calculus.simplify import collected
    >>> from symbackprop.render.typeset import flat
    >>> graph = load_problem("sigmoid_chain").graph
    >>> print(flat(collected_math(collected(derive(graph, "w3")), graph.latex_names())))
    2 h_{21} \cdot {\hat{y}_{1} \left(1 - \hat{y}_{1}\right)} \cdot \left(\hat{y}_{1} - y_{1}\right)
    """
    layout = collected_layout(grouped)
    tail: list[Math] = []
    if layout.terms:
        terms: list[tuple[bool, Math]] = []
        for negative, product, inner in layout.terms:
            if inner is None:
                terms.append((negative, _product_node(product, names)))
                continue
            paths = _signed_sum([(neg, _product_node(p, names)) for neg, p in inner])
            terms.append((negative, _product_node(product, names, [Parens(paths)])))
        body = _signed_sum(terms, one_per_line=True)
        tail = [Parens(body) if layout.scaled and isinstance(body, Sum) else body]
    node = _product_node(layout.front, names, tail)
    return Sum(((True, node),)) if layout.negative else node


def _result_node(expr: sympy.Expr | Collected, names: dict[sympy.Symbol, str]) -> Math:
    if isinstance(expr, Collected):
        return collected_math(expr, names)
    return math_structure(expr, names)


def result_math(d: Derivation, form: sympy.Expr | Collected | None = None,
                textwidth: float = TEXTWIDTH_EM) -> str:
    r"""``d of / d wrt = form`` (default: the textbook form) as ``align*`` lines.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> derivation = derive(load_problem("branching_graph").graph, "b")
    >>> print(result_math(derivation))
    \frac{\partial e}{\partial b} &= d + c
    >>> print(result_math(derivation, derivation.leaves))
    \frac{\partial e}{\partial b} &= a + 2 b + 1
    """
    if form is None:
        form = results(d).textbook or d.simplified("textbook")
    return " \\\\\n".join(_aligned(_lhs(d), _result_node(form, d.graph.latex_names()),
                                   textwidth))


def _deltas(d: Derivation, names: dict[str, str]) -> list[str]:
    rows = []
    for adjoint in d.adjoints:
        if adjoint.node == d.of:
            continue
        parts = [(False, Seq((Atom(_partial(f, names)), Atom(rf"\delta_{{{names[c]}}}")))
                  if c != d.of else Atom(_partial(f, names)))
                 for f, c in adjoint.contributions]
        text = flat(_signed_sum(parts))
        rows.append(_valued(rf"\delta_{{{names[adjoint.node]}}}", text, adjoint.value))
    return rows


def _valued(lhs: str, rhs: str, value: float | None) -> str:
    """An ``alignat*{2}`` row ``lhs = rhs = value``."""
    tail = "" if value is None else rf" &\qquad &= {latex_number(value)}"
    return f"{lhs} &= {rhs}{tail}"


# -- the page -------------------------------------------------------------------------------------

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


def _result_blocks(d: Derivation, strategy: str) -> list[Block]:
    forms = results(d, strategy)
    lhs = _lhs(d)
    symbols = d.graph.latex_names()
    blocks: list[Block] = []

    def show(caption: str, expr: sympy.Expr, shown: sympy.Expr | Collected,
             too_long: str) -> None:
        lines = _aligned(lhs, _result_node(shown, symbols))
        if not _fits(lines, lhs):
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
            factors = r" \cdot ".join(latex_factor(f.value) for f in term.chain_rule_order)
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
    step = update(d, learning_rate)
    if step is not None:
        before, after = step
        wrt = names[d.wrt]
        rows_math.append(
            rf"{wrt}^{{+}} &= {wrt} - \eta {_lhs(d)} = {latex_number(before, 10)} - "
            rf"{latex_number(learning_rate)} \cdot {latex_factor(d.value, VALUE_DIGITS)} = "
            rf"{latex_number(after, 10)}")
    text = "" if step is None else (
        rf"One step of gradient descent with learning rate $\eta = {latex_number(learning_rate)}$:")
    blocks.append(Block(text, tuple(rows_math)))
    return blocks


def page_sections(derivation: Derivation, *, strategy: str = "textbook",
                  learning_rate: float | None = None,
                  matrix: MatrixForm | None = None) -> list[Section]:
    r"""The content of a derivation page, format-neutral: ``(heading, blocks)`` pairs whose text
    may hold inline ``$math$`` and whose rows are ``align*`` rows.

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
                        rf"{of} / \partial n$ is computed once:", tuple(_deltas(d, names)),
                        ALIGNAT))
    sections.append(("The factored form" if factored is not None else "The delta recursion",
                     blocks))
    rows, formulas = [], []
    for factor in local_partials(d):
        formula = latex_expr(factor.expression, symbols)
        formulas.append((factor.expression, formula))
        rows.append(_valued(_partial(factor, names), formula, factor.value))
    sections.append(("Local partial derivatives",
                     [Block(rows=tuple(rows), environment=ALIGNAT, formulas=tuple(formulas))]))
    sections.append(("The result", _result_blocks(d, strategy)))
    if d.value is not None:
        sections.append(("The numbers", _numbers_blocks(d, learning_rate, names)))
    if matrix is not None:
        sections.append(("The matrix form", [Block(text, tuple(rows_))
                                             for text, rows_ in matrix_latex(matrix)]))
    return sections


@dataclass
class LatexPage:
    r"""A rendered page: its LaTeX ``body`` and every formula it shows for an expression, as
    ``(expression, latex)`` pairs (for tests that parse the LaTeX back).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> page = latex_page(derive(load_problem("branching_graph").graph, "b"))
    >>> print(page.body.splitlines()[0])
    \subsection*{The derivative $\partial e / \partial b$}
    >>> page.formulas[:5]
    [(d, 'd'), (1, '1'), (c, 'c'), (1, '1'), (c + d, 'd + c')]
    """

    body: str
    formulas: list[tuple[sympy.Expr, str]] = field(default_factory=list)


def _tabular(table: Table) -> list[str]:
    lines = [r"\begin{center}\begin{tabular}{" + table.align + "}"]
    if table.header:
        lines += [" & ".join(table.header) + r" \\", r"\hline"]
    lines += [" & ".join(row) + r" \\" for row in table.rows]
    if table.footer:
        lines += [r"\hline", " & ".join(table.footer) + r" \\"]
    return [*lines, r"\end{tabular}\end{center}"]


def latex_page(derivation: Derivation, *, strategy: str = "textbook",
               learning_rate: float | None = None, title: str = "",
               matrix: MatrixForm | None = None) -> LatexPage:
    r"""The whole derivation as LaTeX (see :func:`derivation_latex`), with its formulas.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> page = latex_page(derive(load_problem("branching_graph").graph, "a"), title="Branches")
    >>> print("\n".join(page.body.splitlines()[:2]))
    \section*{Branches}
    \subsection*{The derivative $\partial e / \partial a$}
    >>> [str(expr) for expr, _ in page.formulas]
    ['d', '1', 'd', 'b + 1']
    """
    lines = [rf"\section*{{{latex_text(title)}}}"] if title else []
    formulas: list[tuple[sympy.Expr, str]] = []
    for heading, blocks in page_sections(derivation, strategy=strategy,
                                         learning_rate=learning_rate, matrix=matrix):
        lines.append(rf"\subsection*{{{heading}}}")
        for block in blocks:
            if block.items:
                lines += [r"\begin{enumerate}\setlength{\itemsep}{1pt}\setlength{\parskip}{0pt}",
                          *(rf"\item {item}" for item in block.items),
                          r"\end{enumerate}"]
            if block.text:
                lines.append(block.text)
            if block.rows:
                extra = "{2}" if block.environment == ALIGNAT else ""
                joint = " \\\\*\n" if block.together and len(block.rows) <= KEEP_TOGETHER \
                    else " \\\\\n"
                lines += [rf"\begin{{{block.environment}}}{extra}", joint.join(block.rows),
                          rf"\end{{{block.environment}}}"]
            if block.table is not None:
                lines += _tabular(block.table)
            formulas += block.formulas
    return LatexPage("\n".join(lines), formulas)


def derivation_latex(derivation: Derivation, *, strategy: str = "textbook",
                     learning_rate: float | None = None, title: str = "",
                     matrix: MatrixForm | None = None) -> str:
    r"""The body of a LaTeX page deriving ``derivation`` (for :func:`latex_document` or to
    include in a document that loads amsmath); with ``matrix``, the matrix form too.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("branching_graph")
    >>> body = derivation_latex(derive(problem.graph, "a", values=problem.values))
    >>> print("\n".join(line for line in body.splitlines() if line.startswith(r"\sub")))
    \subsection*{The derivative $\partial e / \partial a$}
    \subsection*{The chain rule, path by path}
    \subsection*{The delta recursion}
    \subsection*{Local partial derivatives}
    \subsection*{The result}
    \subsection*{The numbers}
    """
    return latex_page(derivation, strategy=strategy, learning_rate=learning_rate,
                      title=title, matrix=matrix).body


def derivation_math(derivation: Derivation) -> str:
    r"""The derivation as one display (``$$\begin{aligned}...$$``) for Jupyter: the chain rule,
    the factored form, the textbook result and the value.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("branching_graph")
    >>> print(derivation_math(derive(problem.graph, "a", values=problem.values)))
    $$\begin{aligned}
    \frac{\partial e}{\partial a} &= \frac{\partial e}{\partial c} \frac{\partial c}{\partial a} \\
    &= d \\
    &= 2
    \end{aligned}$$
    """
    d = derivation
    rows = [chain_rule_math(d)]
    factored = factored_math(d)
    if factored is not None:
        rows.append("&" + factored.split("&", 1)[1])
    rows.append("&" + result_math(d).split("&", 1)[1])
    if d.value is not None:
        rows.append(f"&= {latex_number(d.value, 10)}")
    return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"


PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[a4paper,margin=2.5cm]{geometry}
\usepackage{amsmath,amssymb}
%(packages)s\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5\baselineskip}
\setlength{\tabcolsep}{0.5em}
\setlength{\jot}{6pt}
"""


def latex_document(body: str, *, title: str = "", source: str = "", figure: str = "",
                   packages: Sequence[str] = ()) -> str:
    r"""A standalone ``.tex`` file around ``body``: amsmath, A4, a title from the problem file.

    Compiles with pdflatex using only ``texlive-latex-base`` (plus ``packages``).  A
    ``figure`` (a ``tikzpicture``, which needs ``packages=("tikz",)``) is centred under the
    title, shrunk to the text width when wider.

    Examples
    --------
    >>> print(latex_document("Hello.", title="A test"))
    \documentclass[11pt]{article}
    \usepackage[a4paper,margin=2.5cm]{geometry}
    \usepackage{amsmath,amssymb}
    \allowdisplaybreaks
    \setlength{\parindent}{0pt}
    \setlength{\parskip}{0.5\baselineskip}
    \setlength{\tabcolsep}{0.5em}
    \setlength{\jot}{6pt}
    \begin{document}
    {\raggedright\Large\bfseries A test\par}
    Hello.
    \end{document}
    <BLANKLINE>
    """
    extra = "".join(rf"\usepackage{{{p}}}" + "\n" for p in ("graphicx", *packages)
                    if figure or p != "graphicx")
    head = PREAMBLE % {"packages": extra}
    top = []
    if title:
        top.append(rf"{{\raggedright\Large\bfseries {latex_text(title)}\par}}")
    if source:
        top.append(rf"{{\raggedright\small\itshape {latex_text(source)}\par}}")
    if figure:
        top += [r"\newsavebox{\sbpfigure}", r"\savebox{\sbpfigure}{" + figure.strip() + "}",
                r"\begin{center}\ifdim\wd\sbpfigure>\linewidth"
                r"\resizebox{\linewidth}{!}{\usebox{\sbpfigure}}\else\usebox{\sbpfigure}\fi"
                r"\end{center}"]
    return (head + "\\begin{document}\n" + "\n".join(top) + ("\n" if top else "") + body
            + "\n\\end{document}\n")
