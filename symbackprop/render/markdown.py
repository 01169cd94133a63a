r"""Derivations as Markdown: ``$$`` display blocks and pipe tables (GitHub, Jupyter, MkDocs).

The page shows what the LaTeX page shows (the page model's sections, as the pieces of
:mod:`symbackprop.render.pieces`): the same formulas, in ``$$\begin{aligned}`` blocks, and the
same tables as Markdown tables whose cells hold inline ``$math$``; the local partials are a
table (partial, textbook formula, value).

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("branching_graph")
>>> page = derivation_markdown(derive(problem.graph, "b", values=problem.values))
>>> print(page.splitlines()[0])
## The derivative $\partial e / \partial b$
>>> "| $\\frac{\\partial e}{\\partial c}$ | $d$ | 2 |" in page
True
"""

from __future__ import annotations

import re

from ..calculus.derivation import Derivation
from ..calculus.options import EXPRESSION_LIMIT
from ..calculus.tensor_derivation import TensorDerivation
from ..numeric.matrix import MatrixForm
from .model import Equations, Kind, Page, Section
from .page import page_for
from .pieces import ALIGNAT, Cells, Piece, equation_parts, headed, pieces
from .tensor_pieces import tensor_headed, tensor_pieces

__all__ = ["derivation_markdown", "markdown_code", "markdown_code_block", "markdown_text"]

_ENVIRONMENTS = {"align*": "aligned", ALIGNAT: "alignedat"}


def _display(piece: Piece) -> list[str]:
    environment = _ENVIRONMENTS[piece.environment]
    extra = "{2}" if piece.environment == ALIGNAT else ""
    return ["$$", rf"\begin{{{environment}}}{extra}", " \\\\\n".join(piece.rows),
            rf"\end{{{environment}}}", "$$", ""]


def _table(table: Cells) -> list[str]:
    align = {"l": ":--", "r": "--:", "c": ":-:"}
    header = table.header or ("",) * len(table.align)
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(align[a] for a in table.align) + "|"]
    rows = list(table.rows) + ([table.footer] if table.footer else [])
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _partials_table(page: Page, section: Section) -> list[str]:
    """The local partials as a table: partial, textbook formula, value."""
    rows = []
    for block in section.blocks:
        if isinstance(block, Equations):
            for row in block.rows:
                partial, formula, value = equation_parts(page, row)
                rows.append((f"${partial}$", f"${formula}$", value))
    if not rows:
        return []
    has_values = any(r[2] for r in rows)
    header = ("local partial", "textbook formula", "value") if has_values else (
        "local partial", "textbook formula")
    return _table(Cells(header, "llr" if has_values else "ll",
                        tuple(r[:len(header)] for r in rows)))


def derivation_markdown(derivation: Derivation | TensorDerivation, *, strategy: str = "textbook",
                        learning_rate: float | None = None, title: str = "",
                        source: str = "", matrix: MatrixForm | None = None,
                        max_terms: int = EXPRESSION_LIMIT, full: bool = False) -> str:
    r"""The whole derivation as Markdown (the sections of the LaTeX page, a tensor-level
    derivation's too, its matrices whole with ``full``).

    ``title`` and ``source`` (from the problem file) head the page when given.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("branching_graph")
    >>> page = derivation_markdown(derive(problem.graph, "a", values=problem.values),
    ...                            title="Branches")
    >>> print("\n".join(line for line in page.splitlines() if line.startswith("#")))
    # Branches
    ## The derivative $\partial e / \partial a$
    ## The chain rule, path by path
    ## The delta recursion
    ## Local partial derivatives
    ## The result
    ## The numbers
    """
    lines: list[str] = []
    if title:
        lines += [f"# {markdown_text(title)}", ""]
    if source:
        lines += [f"*{markdown_text(source)}*", ""]
    page = page_for(derivation, strategy=strategy, learning_rate=learning_rate, matrix=matrix,
                    max_terms=max_terms, full=full)
    tensor = page.level == "tensor"
    for head, section in tensor_headed(page) if tensor else headed(page):
        if head is not None:
            lines += [f"## {head}", ""]
        if section.kind is Kind.PARTIALS and not tensor:
            lines += _partials_table(page, section)
            continue
        for piece in (tensor_pieces if tensor else pieces)(page, section, markdown_text):
            if piece.items:
                lines += [*(f"{i}. {item}" for i, item in enumerate(piece.items, 1)), ""]
            if piece.text:
                lines += [piece.text, ""]
            if piece.rows:
                lines += _display(piece)
            if piece.table is not None:
                lines += _table(piece.table)
    return "\n".join(lines).rstrip() + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]$|])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def markdown_text(text: str) -> str:
    r"""A problem file's free text (a title, a source) as inert Markdown, on one line.

    ``<`` becomes ``&lt;`` and an ``&`` that would start an entity ``&amp;`` (no HTML tag
    reaches a Markdown renderer); ``\ ` * _ [ ] $ |`` are backslash-escaped (no code, emphasis,
    link, math or table cell starts); line breaks and other control characters become spaces
    (no new block starts).  Everything else is left as written.

    Examples
    --------
    >>> print(markdown_text("<script>alert(1)</script> [x](javascript:y) $\\input{a}$"))
    &lt;script>alert(1)&lt;/script> \[x\](javascript:y) \$\\input{a}\$
    >>> markdown_text("Q&A: e^(x^2), x -> w1")
    'Q&A: e^(x^2), x -> w1'
    """
    one_line = _CONTROL.sub(" ", text)
    one_line = re.sub(r"&(?=#?\w+;)", "&amp;", one_line).replace("<", "&lt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line)


def markdown_code(text: str, *, in_table: bool = False) -> str:
    r"""``text`` as an inline code span, on one line, shown exactly as written.

    The span is fenced with one backtick more than the longest run of them in ``text`` (so
    none ends it early) and padded with a space where ``text`` starts or ends with one;
    renderers show a code span's ``<``, ``&``, ``*`` and ``[`` as themselves.  In a table cell
    (``in_table``) ``|`` is written ``\|``: GitHub's tables find their cells before code spans.

    Examples
    --------
    >>> print(markdown_code("dL/dw5"), markdown_code("a`b"), markdown_code("`x`"))
    `dL/dw5` ``a`b`` `` `x` ``
    >>> print(markdown_code("x|y <b>", in_table=True))
    `x\|y <b>`
    """
    one_line = _CONTROL.sub(" ", text)
    if in_table:
        one_line = one_line.replace("|", "\\|")
    fence = "`" * (max(map(len, re.findall("`+", one_line)), default=0) + 1)
    pad = " " if one_line[:1] == "`" or one_line[-1:] == "`" or (
        one_line[:1] == " " and one_line[-1:] == " " and one_line.strip()) else ""
    return f"{fence}{pad}{one_line}{pad}{fence}"


def markdown_code_block(text: str) -> list[str]:
    """``text`` as the lines of a fenced code block, its fence longer than any run of
    backticks in ``text`` (so no line of it ends the block).

    Examples
    --------
    >>> markdown_code_block("a = 1")
    ['```', 'a = 1', '```']
    >>> markdown_code_block("```\\n<script>")[0]
    '````'
    """
    fence = "`" * max(3, max(map(len, re.findall("`+", text)), default=0) + 1)
    return [fence, *text.splitlines(), fence]
