r"""Handouts: a LaTeX sheet per student, and one with every solution for the instructor.

A student's sheet gives the problem (title, description), that student's numbers and the
questions with room for the answers; the solutions give, student by student, the numbers, each
right answer with its formula and every derivation in full
(:func:`symbackprop.render.latex.derivation_latex`: the paths, the chain rule path by path, the
delta recursion, the local partials and the numbers).  Both compile with ``pdflatex``
(``texlive-latex-base`` only), or with LuaLaTeX where a name needs it (the file's first line
says which: :func:`symbackprop.render.latex.latex_document`); :func:`check_names` refuses a
name no font has.  Names, titles and descriptions are untrusted text: they go through
:func:`symbackprop.render.display.latex_text`.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.course.roster import Student
>>> from symbackprop.course.variants import make_variant
>>> variant = make_variant(load_problem("assignment_2_2_2"), Student("ada", "Ada & co"), seed=1)
>>> sheet = student_handout(variant)
>>> sheet.splitlines()[0], r"Ada \& co" in sheet
('% !TEX program = pdflatex', True)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from ..draw.tikz import tikz_picture
from ..errors import SpecError
from ..naming import default_latex
from ..render.display import latex_text
from ..render.latex import derivation_latex, fitted_figure, latex_document
from ..render.numbers import latex_number
from ..render.scripts import SCRIPTS, untypeset
from .keys import Answer
from .roster import Student
from .variants import Variant

__all__ = ["check_names", "solutions_handout", "student_handout"]

_NUMBER_DIGITS = 10


def check_names(students: Sequence[Student]) -> None:
    """Refuse a roster with a name the handouts cannot typeset: a character in none of the
    scripts of :data:`symbackprop.render.scripts.SCRIPTS` (nothing is transliterated).

    Raises
    ------
    SpecError
        Naming the student and the characters.

    Examples
    --------
    >>> check_names([Student("zoe", "Zoë Müller"), Student("li", "李雷")])
    >>> check_names([Student("an", "Ananya अ")])
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: student 'an': the name 'Ananya अ' holds 'अ' (DEVANAGARI \
LETTER A), which no font of the handouts has; they typeset Latin, Greek, Cyrillic, Armenian, \
Georgian, Hebrew, Arabic, CJK, Japanese kana and Korean: write the name in one of those, or \
leave --handout out
    """
    scripts = [s.name for s in SCRIPTS if s.name not in ("combining marks", "punctuation")]
    for student in students:
        missing = untypeset(student.name)
        if missing:
            shown = ", ".join(f"{c!r} ({unicodedata.name(c, f'U+{ord(c):04X}')})"
                              for c in missing[:3])
            raise SpecError(f"student {student.id!r}: the name {student.name!r} holds {shown}, "
                            f"which no font of the handouts has; they typeset "
                            f"{', '.join(scripts[:-1])} and {scripts[-1]}: write the name in "
                            "one of those, or leave --handout out")


def _who(variant: Variant) -> str:
    student = variant.student
    name = latex_text(student.name) if student.name else ""
    ident = latex_text(student.id)
    return f"{name} ({ident})" if name else ident


def _values_table(variant: Variant) -> str:
    cells = [rf"${default_latex(k)} = {latex_number(float(v), _NUMBER_DIGITS)}$"
             for k, v in variant.values.items()]
    rows = [" & ".join(cells[i:i + 4]) + " \\\\" for i in range(0, len(cells), 4)]
    return "\\begin{tabular}{llll}\n" + "\n".join(rows) + "\n\\end{tabular}"


def _asked(answer: Answer) -> str:
    q = answer.question
    how = (f"within {latex_number(answer.tolerance)}" if q.tolerance is not None
           else f"to {q.digits} significant digits")
    if q.kind == "update":
        how += " of the step"
    text = latex_text(q.text) if q.text else ""
    points = f"{q.points:g} point{'s' if q.points != 1 else ''}"
    return (rf"\item \texttt{{{latex_text(q.of)}}} ({points}, {how}). {text}"
            "\n\n" + r"\vspace{1ex}Answer: \rule{6cm}{0.4pt}")


def _intro(variant: Variant) -> list[str]:
    problem = variant.problem
    lines = [rf"\textbf{{Student:}} {_who(variant)}\par"]
    if problem.description:
        lines.append(latex_text(" ".join(problem.description.split())) + r"\par")
    if problem.learning_rate is not None:
        lines.append(rf"Learning rate $\eta = {latex_number(problem.learning_rate)}$.\par")
    lines += [r"\textbf{Your numbers:}\par", _values_table(variant)]
    return lines


def student_handout(variant: Variant) -> str:
    r"""The LaTeX sheet of one student: the problem, their numbers and the questions.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.course.roster import Student
    >>> from symbackprop.course.variants import make_variant
    >>> sheet = student_handout(make_variant(load_problem("assignment_2_2_2"), Student("a")))
    >>> sheet.count(r"\item ")
    4
    """
    body = [*_intro(variant), r"\section*{Questions}", r"\begin{enumerate}",
            *(_asked(a) for a in variant.key), r"\end{enumerate}"]
    return latex_document("\n".join(body), title=variant.problem.title, program_line=True)


def _solution(answer: Answer, learning_rate: float | None, figure: str = "",
              declare: bool = True) -> list[str]:
    q = answer.question
    lines = [rf"\subsection*{{{latex_text(q.id)}: \texttt{{{latex_text(q.of)}}}}}",
             rf"Answer: ${latex_number(answer.value, _NUMBER_DIGITS)}$ "
             rf"(accepted within ${latex_number(answer.tolerance)}$).\par"]
    if figure:
        lines += fitted_figure(figure, declare=declare)
    if answer.mistakes:
        lines += [r"Common mistakes give:", r"\begin{itemize}\setlength{\itemsep}{0pt}"]
        lines += [rf"\item ${latex_number(m.value, 6)}$: {latex_text(m.description)}"
                  for m in answer.mistakes]
        lines.append(r"\end{itemize}")
    if answer.derivation is not None:
        rate = learning_rate if q.kind == "update" else None
        lines.append(derivation_latex(answer.derivation, learning_rate=rate)
                     .replace(r"\subsection*", r"\subsubsection*"))
    return lines


def solutions_handout(variants: Sequence[Variant], title: str = "", *,
                      figures: bool = False) -> str:
    r"""The instructor's LaTeX document: every student's numbers, answers and derivations;
    with ``figures``, under each answer a picture of the graph with the paths of its
    derivative highlighted (:func:`symbackprop.draw.tikz.tikz_picture`; the document then
    needs the LaTeX package ``tikz``, TeX Live's ``texlive-pictures``).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.course.roster import numbered
    >>> from symbackprop.course.variants import template_variants
    >>> variants = template_variants(load_problem("assignment_2_2_2"), numbered(2))
    >>> text = solutions_handout(variants, "Solutions")
    >>> text.count(r"\section*{Student"), r"\subsubsection*{The chain rule" in text
    (2, True)
    """
    body: list[str] = []
    drawn = False  # the first picture declares the box every picture is measured in
    for variant in variants:
        body += [rf"\clearpage\section*{{Student {_who(variant)}}}", *_intro(variant)[1:]]
        rate = variant.problem.learning_rate
        for answer in variant.key:
            figure = ""
            if figures and answer.derivation is not None:
                figure = tikz_picture(answer.derivation, legend=False)
            body += _solution(answer, rate, figure, declare=not drawn)
            drawn = drawn or bool(figure)
    return latex_document("\n".join(body), title=title or "Solutions",
                          packages=("graphicx", "tikz") if drawn else (), program_line=True)
