r"""The instructor's solutions: each question's derivation once, then each student's numbers.

Page 1 starts with the questions.  Each is derived once, in symbols, for the template
(:func:`symbackprop.render.latex.derivation_latex`: the paths, the chain rule path by path, the
factored form and its delta recursion, the local partials, the result), with ``figures`` under a
picture of the graph with that derivative's paths highlighted
(:func:`symbackprop.draw.tikz.tikz_picture`; the document then needs TikZ, TeX Live's
``texlive-pictures``).  Then each student, on a page of their own: their numbers and, for each
question, the right answer with its tolerance, the values the common mistakes give and the
derivation's numbers at their values (each delta and local partial, each path's product, value
and share, the total and the step): :func:`student_solution`.  The derivations are typeset once
per template whatever the number of students; a student adds only numbers.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.course.roster import numbered
>>> from symbackprop.course.variants import template_variants
>>> variants = template_variants(load_problem("assignment_2_2_2"), numbered(2))
>>> text = solutions_handout(variants, "Solutions")
>>> text.count(r"\section*{Student"), text.count(r"\subsubsection*{The chain rule")
(2, 2)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from ..calculus.derivation import Derivation, derive
from ..draw.tikz import tikz_picture
from ..render.display import latex_text
from ..render.latex import derivation_latex, fitted_figure, latex_document, page_latex
from ..render.model import Equations, Kind, Page, Section
from ..render.numbers import latex_number
from ..render.page import deltas, labels, numbers, partials
from ..render.pieces import equation_parts
from ..render.typeset import latex_expr
from ..spec.problems import Problem
from ..spec.variants import Question
from .handout import NUMBER_DIGITS, numbers_table, who
from .keys import Answer
from .statement import asked
from .variants import Variant

__all__ = ["questions_part", "solutions_document", "solutions_handout", "student_solution"]


def _subsections(latex: str) -> str:
    return latex.replace(r"\subsection*", r"\subsubsection*")


def _value_definition(problem: Problem, question: Question) -> str:
    node = problem.graph.node(question.target)
    if node.definition is None:
        return ""
    return rf"\[ {node.latex} = {latex_expr(node.definition, problem.graph.latex_names())} \]"


def questions_part(template: Problem, *, figures: bool = False) -> list[str]:
    r"""Each question of ``template``, what it asks and its derivation in symbols (with
    ``figures``, under a picture of its paths); the same for every student, typeset once.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> lines = questions_part(load_problem("assignment_2_2_2"), figures=True)
    >>> lines[0], sum(line.startswith(r"\savebox") for line in lines)
    ('\\section*{The questions}', 2)
    """
    graph = template.graph
    lines = [r"\section*{The questions}",
             "Each question's derivation, in symbols: the same for every student. The students' "
             r"numbers follow, each on a page of their own.\par"]
    derived: dict[tuple[str, str], str] = {}  # each derivative once: the first question's id
    drawn = False
    for q in template.variants.questions if template.variants else ():
        what = asked(q, template)
        lines += [rf"\subsection*{{{latex_text(q.id)}: \texttt{{{latex_text(q.of)}}}}}",
                  what[0].upper() + what[1:] + r".\par"]
        if q.kind == "value":
            lines.append(_value_definition(template, q))
            continue
        of, wrt = q.differentiated(graph.output)
        if (of, wrt) in derived:
            lines.append(rf"Its derivative $\partial {graph.node(of).latex} / \partial "
                         rf"{graph.node(wrt).latex}$ is derived under {derived[of, wrt]}.\par")
            continue
        derived[of, wrt] = latex_text(q.id)
        derivation = derive(graph, wrt, of)
        if figures:
            lines += fitted_figure(tikz_picture(derivation, legend=False), declare=not drawn)
            drawn = True
        lines.append(_subsections(derivation_latex(derivation)))
    return lines


def _cells(page: Page, block: Equations, per_row: int = 3) -> list[str]:
    """An equation block's values as a table, ``lhs = value`` in each cell (the formulas are in
    the questions' part)."""
    cells = []
    for row in block.rows:
        lhs, _, value = equation_parts(page, replace(row, formula=None))
        cells.append(f"${lhs} = {value}$")
    rows = [" & ".join(cells[i:i + per_row]) + r" \\[2pt]" for i in range(0, len(cells),
                                                                          per_row)]
    return [rf"\begin{{tabular}}{{{'l' * per_row}}}", *rows, r"\end{tabular}\par"]


def _numbers_page(derivation: Derivation, learning_rate: float | None) -> list[str]:
    """The derivation's numbers at a student's values: each delta and local partial, the
    paths' table, the total and the step."""
    page = Page(derivation.of, derivation.wrt, "textbook",
                (Section(Kind.NUMBERS, numbers(derivation, learning_rate)),),
                labels(derivation.graph), derivation.graph.latex_names())
    return [r"\textbf{The deltas:}\par", *_cells(page, deltas(derivation)),
            r"\textbf{The local partials:}\par", *_cells(page, partials(derivation)),
            _subsections(page_latex(page).body)]


def _answer(answer: Answer, learning_rate: float | None) -> list[str]:
    q = answer.question
    lines = [rf"\subsection*{{{latex_text(q.id)}: \texttt{{{latex_text(q.of)}}}}}",
             rf"Answer: ${latex_number(answer.value, NUMBER_DIGITS)}$ "
             rf"(accepted within ${latex_number(answer.tolerance)}$).\par"]
    if answer.mistakes:
        lines += [r"Common mistakes give:", r"\begin{itemize}\setlength{\itemsep}{0pt}"]
        lines += [rf"\item ${latex_number(m.value, 6)}$: {latex_text(m.description)}"
                  for m in answer.mistakes]
        lines.append(r"\end{itemize}")
    if answer.derivation is not None:
        rate = learning_rate if q.kind == "update" else None
        lines += _numbers_page(answer.derivation, rate)
    return lines


def student_solution(variant: Variant) -> str:
    r"""One student's part of the solutions, on a page of its own: their numbers, and for each
    question the answer, the common mistakes' values and the derivation's numbers.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.course.roster import Student
    >>> from symbackprop.course.variants import make_variant
    >>> part = student_solution(make_variant(load_problem("assignment_2_2_2"), Student("ada")))
    >>> part.splitlines()[0], part.count(r"\subsection*")
    ('\\clearpage\\section*{Student ada}', 4)
    """
    rate = variant.problem.learning_rate
    lines = [rf"\clearpage\section*{{Student {who(variant.student)}}}",
             r"\textbf{Numbers:}\par", numbers_table(variant)]
    for answer in variant.key:
        lines += _answer(answer, rate)
    return "\n".join(lines)


def solutions_document(template: Problem, parts: Iterable[str], title: str = "", *,
                       figures: bool = False) -> str:
    r"""The solutions: the questions' part of ``template`` (:func:`questions_part`), then each
    student's ``parts`` (:func:`student_solution`), in order.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> document = solutions_document(load_problem("assignment_2_2_2"), [], "S")
    >>> document.splitlines()[0], r"\section*{The questions}" in document
    ('% !TEX program = pdflatex', True)
    """
    body = [*questions_part(template, figures=figures), *parts]
    return latex_document("\n".join(body), title=title or "Solutions",
                          packages=("graphicx", "tikz") if figures else (), program_line=True)


def solutions_handout(variants: Sequence[Variant], title: str = "", *,
                      figures: bool = False) -> str:
    r"""The instructor's LaTeX document for ``variants`` (of one template): the questions'
    derivations once, then every student's numbers and answers; with ``figures``, each
    question's paths drawn.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.course.roster import numbered
    >>> from symbackprop.course.variants import template_variants
    >>> variants = template_variants(load_problem("assignment_2_2_2"), numbered(1))
    >>> r"\begin{tikzpicture}" in solutions_handout(variants, figures=True)
    True
    """
    return solutions_document(variants[0].problem, (student_solution(v) for v in variants),
                              title, figures=figures)
