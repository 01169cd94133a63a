r"""A student's sheet: all a student needs to answer the questions alone, with room for answers.

A sheet gives the problem (title, description), the network drawn with no path highlighted and
each parameter named on it (:func:`symbackprop.draw.tikz.network_tikz`), the network in words
and its forward pass node by node, the learning rate (:mod:`symbackprop.course.statement`),
the student's numbers, once how an answer is judged, and each question: what it asks, its points
and how precise an answer must be.  All but the student's name and numbers is the same for every
student of a template: :func:`make_sheet` typesets it once and :func:`student_handout` fills in
a student.

A sheet compiles with ``pdflatex`` (TeX Live's ``texlive-latex-base`` and, for the picture,
``texlive-pictures``), or with LuaLaTeX where the student's name needs it: the file's first line
says which (:func:`symbackprop.render.latex.latex_document`); :func:`check_names` refuses a name
no font has.  Names, titles and descriptions are untrusted text: they go through
:func:`symbackprop.render.display.latex_text`.  The instructor's document is
:mod:`symbackprop.course.solutions`.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.course.roster import Student
>>> from symbackprop.course.variants import make_variant
>>> variant = make_variant(load_problem("assignment_2_2_2"), Student("ada", "Ada & co"), seed=1)
>>> sheet = student_handout(variant)
>>> sheet.splitlines()[0], r"Ada \& co" in sheet, r"\begin{tikzpicture}" in sheet
('% !TEX program = pdflatex', True, True)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..draw.tikz import network_tikz
from ..errors import SpecError, SymbackpropError
from ..naming import default_latex
from ..render.display import latex_text
from ..render.latex import fitted_figure, latex_document
from ..render.numbers import latex_number
from ..render.scripts import SCRIPTS, untypeset
from ..spec.problems import Problem
from ..spec.variants import Question
from .roster import Student
from .statement import asked, forward_equations, how_precise, judging, network_words
from .variants import Variant

__all__ = ["NUMBER_DIGITS", "Sheet", "check_names", "make_sheet", "numbers_table",
           "student_handout", "who"]

NUMBER_DIGITS = 10
"""Digits a student's numbers are printed with (they are exact decimals: none is lost)."""


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


def who(student: Student) -> str:
    r"""A student as LaTeX text: the name and, in parentheses, the id.

    Examples
    --------
    >>> who(Student("ada", "Ada & co")), who(Student("s01"))
    ('Ada \\& co (ada)', 's01')
    """
    ident = latex_text(student.id)
    return f"{latex_text(student.name)} ({ident})" if student.name else ident


def numbers_table(variant: Variant) -> str:
    r"""The student's numbers, four to a row.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.course.variants import make_variant
    >>> table = numbers_table(make_variant(load_problem("assignment_2_2_2"), Student("a")))
    >>> print(table.splitlines()[1])
    $b_{1} = 0$ & $b_{2} = -0.5$ & $w_{1} = 0.95$ & $w_{2} = 0.3$ \\
    """
    cells = [rf"${default_latex(k)} = {latex_number(float(v), NUMBER_DIGITS)}$"
             for k, v in variant.values.items()]
    rows = [" & ".join(cells[i:i + 4]) + " \\\\" for i in range(0, len(cells), 4)]
    return "\\begin{tabular}{llll}\n" + "\n".join(rows) + "\n\\end{tabular}"


@dataclass(frozen=True)
class Sheet:
    """What every student's sheet of a template says, typeset once: the title, the statement
    (description, the network drawn and in words, its forward pass, the learning rate), the
    questions, and the LaTeX packages they need.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> sheet = make_sheet(load_problem("assignment_2_2_2"))
    >>> sheet
    Sheet('Assignment: backpropagation in a 2-2-2 sigmoid network', 4 questions)
    """

    title: str
    statement: tuple[str, ...]
    questions: tuple[str, ...]
    packages: tuple[str, ...]
    count: int

    def __repr__(self) -> str:
        return f"Sheet({self.title!r}, {self.count} questions)"


def _question(q: Question, problem: Problem) -> str:
    points = f"{q.points:g} point{'s' if q.points != 1 else ''}"
    own = f" {latex_text(q.text)}" if q.text else ""
    return (rf"\item[{latex_text(q.id)}.] (\texttt{{{latex_text(q.of)}}}; {points}; "
            rf"{how_precise(q)}) {asked(q, problem)}.{own}"
            "\n\n" + r"\vspace{1ex}Answer: \rule{6cm}{0.4pt}")


def make_sheet(template: Problem) -> Sheet:
    """Typeset what every student's sheet of ``template`` says.

    Raises
    ------
    SpecError
        For a problem without questions (not a template).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> make_sheet(load_problem("branching_graph"))
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: branching_graph (bundled example): not a template: it has no \
[[questions]]
    """
    if template.variants is None or not template.variants.questions:
        raise SpecError(f"{template.path or 'the problem'}: not a template: it has no "
                        "[[questions]]")
    questions_asked = template.variants.questions
    graph = template.graph
    statement: list[str] = []
    if template.description:
        statement.append(latex_text(" ".join(template.description.split())) + r"\par")
    statement.append(r"\section*{The network}")
    packages: tuple[str, ...] = ()
    try:
        statement += fitted_figure(network_tikz(graph))
        packages = ("graphicx", "tikz")
    except SymbackpropError:  # too large to draw: the words and equations say it all
        statement.append(r"\emph{(The network is too large to draw.)}\par")
    statement += [paragraph + r"\par" for paragraph in network_words(template)]
    statement += ["The forward pass, node by node:", r"\begin{align*}",
                  " \\\\\n".join(forward_equations(graph)), r"\end{align*}"]
    if template.learning_rate is not None:
        statement.append(rf"The learning rate is $\eta = {latex_number(template.learning_rate)}$."
                         r"\par")
    questions = [r"\section*{Questions}", judging(questions_asked) + r"\par",
                 r"\begin{enumerate}", *(_question(q, template) for q in questions_asked),
                 r"\end{enumerate}"]
    return Sheet(template.title, tuple(statement), tuple(questions), packages,
                 len(questions_asked))


def student_handout(variant: Variant, sheet: Sheet | None = None) -> str:
    r"""The LaTeX sheet of one student: ``sheet`` (by default made from the variant's problem)
    with the student's name and numbers.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.course.variants import make_variant
    >>> sheet = student_handout(make_variant(load_problem("assignment_2_2_2"), Student("a")))
    >>> sheet.count(r"\item["), r"\section*{Your numbers}" in sheet
    (4, True)
    """
    if sheet is None:
        sheet = make_sheet(variant.problem)
    body = [rf"\textbf{{Student:}} {who(variant.student)}\par", *sheet.statement,
            r"\section*{Your numbers}", numbers_table(variant), *sheet.questions]
    return latex_document("\n".join(body), title=sheet.title, packages=sheet.packages,
                          program_line=True)
