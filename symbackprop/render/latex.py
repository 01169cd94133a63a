r"""Derivations as LaTeX: a page for pdflatex, display math for Jupyter and Markdown.

:func:`derivation_latex` writes the body of a page (amsmath ``align*``) from the page model
(:func:`symbackprop.render.page.page_model`), each section's pieces
(:mod:`symbackprop.render.pieces`) in LaTeX markup: the paths, the chain rule as a sum over them
(each term in chain-rule order, one path per line), the factored (backprop) form and its delta
recursion, each local partial with its textbook formula, the result in node symbols and in
leaves only, and with values a table of every factor, path and share, the total and the
update.  :func:`latex_document` wraps a body into a standalone ``.tex`` file that compiles with
pdflatex (packages of ``texlive-latex-base`` only), or with LuaLaTeX where its text is not all
ASCII (:mod:`symbackprop.render.scripts`).  :func:`derivation_math` is one display for
Jupyter.  The display math itself is :mod:`symbackprop.render.display` (its names are
re-exported here).

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("branching_graph")
>>> body = derivation_latex(derive(problem.graph, "b", values=problem.values))
>>> print(body.splitlines()[0])
\subsection*{The derivative $\partial e / \partial b$}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sympy

from ..calculus.derivation import Derivation
from ..calculus.options import EXPRESSION_LIMIT
from ..calculus.tensor_derivation import TensorDerivation
from ..numeric.matrix import MatrixForm
from .display import (
    aligned,
    latex_text,
    side,
)
from .model import Equations, Form, FormKind, Formula, Kind, Page, Partial
from .numbers import VALUE_DIGITS, latex_number
from .page import page_for, page_model
from .pieces import ALIGNAT, Cells, formula_node, headed, pieces
from .scripts import UNICODE_PREAMBLE, tex_program
from .tensor_pieces import tensor_headed, tensor_pieces

__all__ = [
    "LatexPage",
    "derivation_latex",
    "derivation_math",
    "fitted_figure",
    "latex_document",
    "latex_page",
    "page_latex",
]


KEEP_TOGETHER = 8
"""An equation broken into at most this many lines is not split across pages."""



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



def _tabular(table: Cells) -> list[str]:
    lines = [r"\begin{center}\begin{tabular}{" + table.align + "}"]
    if table.header:
        lines += [" & ".join(table.header) + r" \\", r"\hline"]
    lines += [" & ".join(row) + r" \\" for row in table.rows]
    if table.footer:
        lines += [r"\hline", " & ".join(table.footer) + r" \\"]
    return [*lines, r"\end{tabular}\end{center}"]



def latex_page(derivation: Derivation | TensorDerivation, *, strategy: str = "textbook",
               learning_rate: float | None = None, title: str = "",
               matrix: MatrixForm | None = None,
               max_terms: int = EXPRESSION_LIMIT, full: bool = False) -> LatexPage:
    r"""The whole derivation as LaTeX (see :func:`derivation_latex`), with its formulas; a
    tensor-level derivation gets the sections of
    :func:`~symbackprop.render.tensor_page.tensor_page_model`, its matrices whole with
    ``full``.

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
    return page_latex(page_for(derivation, strategy=strategy, learning_rate=learning_rate,
                               matrix=matrix, max_terms=max_terms, full=full), title=title)


def page_latex(page: Page, *, title: str = "") -> LatexPage:
    r"""A page model written as LaTeX: each section under its heading, its pieces in LaTeX
    markup (the writer :func:`latex_page` uses, for any page, a derivation's or one made of
    some of its sections).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> from symbackprop.render.page import page_model
    >>> page = page_model(derive(load_problem("branching_graph").graph, "a"))
    >>> page_latex(page).body == latex_page(derive(load_problem("branching_graph").graph,
    ...                                              "a")).body
    True
    """
    tensor = page.level == "tensor"
    lines = [rf"\section*{{{latex_text(title)}}}"] if title else []
    if tensor:  # long paths of tensors with their shapes: ragged lines, not overfull ones
        lines.append(r"{\raggedright")
    formulas: list[tuple[sympy.Expr, str]] = []
    for head, section in tensor_headed(page) if tensor else headed(page):
        if head is not None:
            lines.append(rf"\subsection*{{{head}}}")
        for piece in (tensor_pieces if tensor else pieces)(page, section, latex_text):
            if piece.items:
                lines += [r"\begin{enumerate}\setlength{\itemsep}{1pt}\setlength{\parskip}{0pt}",
                          *(rf"\item {item}" for item in piece.items),
                          r"\end{enumerate}"]
            if piece.text:
                lines.append(piece.text)
            if piece.rows:
                extra = "{2}" if piece.environment == ALIGNAT else ""
                joint = " \\\\*\n" if piece.together and len(piece.rows) <= KEEP_TOGETHER \
                    else " \\\\\n"
                lines += [rf"\begin{{{piece.environment}}}{extra}", joint.join(piece.rows),
                          rf"\end{{{piece.environment}}}"]
            if piece.table is not None:
                lines += _tabular(piece.table)
            formulas += piece.formulas
    if tensor:
        lines.append(r"\par}")
    return LatexPage("\n".join(lines), formulas)



def derivation_latex(derivation: Derivation | TensorDerivation, *, strategy: str = "textbook",
                     learning_rate: float | None = None, title: str = "",
                     matrix: MatrixForm | None = None,
                     max_terms: int = EXPRESSION_LIMIT, full: bool = False) -> str:
    r"""The body of a LaTeX page deriving ``derivation`` (for :func:`latex_document` or to
    include in a document that loads amsmath); with ``matrix``, the matrix form too; a tensor
    level derivation's matrices whole with ``full``.

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
                      title=title, matrix=matrix, max_terms=max_terms, full=full).body



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
    page = page_model(derivation)
    lhs = side(Partial(page.of, page.wrt), page.labels)
    shown: list[Formula] = []
    for section in page.sections:
        if section.kind in (Kind.CHAIN_RULE, Kind.FACTORED):
            shown += [row.formula for block in section.blocks if isinstance(block, Equations)
                      for row in block.rows if row.formula is not None]
        elif section.kind is Kind.RESULT:  # none past the limit of paths: thousands of terms
            shown += [form.formula for form in section.blocks if isinstance(form, Form)
                      and form.kind is FormKind.TEXTBOOK and form.formula is not None]
    rows: list[str] = []
    for formula in shown:
        first, *rest = aligned(lhs, formula_node(formula, page))
        rows += [first if not rows else first.removeprefix(f"{lhs} "), *rest]
    if derivation.value is not None:
        rows.append(f"&= {latex_number(derivation.value, VALUE_DIGITS)}")
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
                   packages: Sequence[str] = (), program_line: bool = False) -> str:
    r"""A standalone ``.tex`` file around ``body``: amsmath, A4, a title from the problem file.

    A document of ASCII only compiles with pdflatex using only ``texlive-latex-base`` (plus
    ``packages``).  One holding any other character (a name in another script) needs LuaLaTeX
    (:func:`symbackprop.render.scripts.tex_program`): its preamble loads the fonts of
    :data:`symbackprop.render.scripts.UNICODE_PREAMBLE`, and its first line says so in the
    comment editors read, ``% !TEX program = lualatex``; with ``program_line`` a pdflatex
    document names its engine too.  A ``figure`` (a ``tikzpicture``, which needs
    ``packages=("tikz",)``) is centred under the title, shrunk to the text width when wider.

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
    >>> document = latex_document("Hello, Zoë.")
    >>> document.splitlines()[0], r"\usepackage{fontspec}" in document
    ('% !TEX program = lualatex', True)
    """
    extra = "".join(rf"\usepackage{{{p}}}" + "\n" for p in ("graphicx", *packages)
                    if figure or p != "graphicx")
    top = []
    if title:
        top.append(rf"{{\raggedright\Large\bfseries {latex_text(title)}\par}}")
    if source:
        top.append(rf"{{\raggedright\small\itshape {latex_text(source)}\par}}")
    if figure:
        top += fitted_figure(figure)
    text = ("\\begin{document}\n" + "\n".join(top) + ("\n" if top else "") + body
            + "\n\\end{document}\n")
    program = tex_program(text)
    if program == "lualatex":
        extra += UNICODE_PREAMBLE
    head = PREAMBLE % {"packages": extra}
    if program_line or program != "pdflatex":
        head = f"% !TEX program = {program}\n" + head
    return head + text


def fitted_figure(figure: str, *, declare: bool = True) -> list[str]:
    r"""The lines that centre ``figure`` (a ``tikzpicture``), shrunk to the text width when it
    is wider; they need ``graphicx`` and ``tikz``.  ``declare``: also declare the box they
    measure it in (once a document: pass ``False`` for every later figure).

    Examples
    --------
    >>> lines = fitted_figure(r"\begin{tikzpicture}\end{tikzpicture}")
    >>> lines[0], len(fitted_figure("x", declare=False))
    ('\\newsavebox{\\sbpfigure}', 2)
    """
    return [*([r"\newsavebox{\sbpfigure}"] if declare else []),
            r"\savebox{\sbpfigure}{" + figure.strip() + "}",
            r"\begin{center}\ifdim\wd\sbpfigure>\linewidth"
            r"\resizebox{\linewidth}{!}{\usebox{\sbpfigure}}\else\usebox{\sbpfigure}\fi"
            r"\end{center}"]
