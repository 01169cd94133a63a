"""Handouts: a student's sheet can be solved alone; the solutions derive each question once and
keep the highlighted paths; every name is typeset, each file by the engine its first line names.

The sheets are compiled and read back (``pdftotext``): the names must come back as written.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from conftest import require_module
from texcompile import compile_tex

from symbackprop.cli import main
from symbackprop.course.files import assignment_files
from symbackprop.course.handout import make_sheet, student_handout
from symbackprop.course.prairielearn import prairielearn_files
from symbackprop.course.roster import Student, numbered, read_roster
from symbackprop.course.solutions import solutions_handout
from symbackprop.course.variants import make_variant, template_variants
from symbackprop.draw.scene import WRT_FILL
from symbackprop.errors import SpecError
from symbackprop.spec import load_problem, load_problem_text

TEMPLATE = "assignment_2_2_2"
SOURCE = resources.files("symbackprop.spec.examples").joinpath(f"{TEMPLATE}.toml").read_text(
    encoding="utf-8")
SCRIPTS_ROSTER = {"ada": "Ada Lovelace", "zoe": "Zoë Müller", "sasha": "Саша Иванова",
                  "nikos": "Νίκος Παπαδόπουλος", "li": "李雷", "sato": "佐藤 さくら",
                  "minjun": "김민준", "david": "דוד כהן", "sara": "سارة أحمد"}
JUDGING = ("Give each answer to at least 3 significant digits. An answer counts as right when, "
           "rounded to 3 significant digits, it equals the right value so rounded, or when, "
           "given with at least 3 significant digits, it is within half a unit of its own last "
           "digit of the right value. An answer with fewer digits scores nothing, even when "
           "they are right.")


def _roster(folder: Path, names: dict[str, str]) -> Path:
    path = folder / "roster.csv"
    path.write_text("id,name\n" + "".join(f"{k},{v}\n" for k, v in names.items()),
                    encoding="utf-8")
    return path


# -- a student's sheet ---------------------------------------------------------------------------

def test_a_sheet_states_all_a_student_needs() -> None:
    """The network drawn with no path highlighted and every parameter named on it, in words
    (activations, biases, loss) and node by node, the learning rate, the numbers, the rule of
    judging once, and each question: what it asks, its points and precision, a line to answer."""
    problem = load_problem(TEMPLATE)
    sheet = student_handout(make_variant(problem, Student("ada", "Ada"), seed=1))
    picture = sheet[sheet.index(r"\begin{tikzpicture}"):sheet.index(r"\end{tikzpicture}")]
    assert "% path" not in picture and f"fill=sbp{WRT_FILL[1:].upper()}" not in picture
    assert "paths" not in picture and "sum" not in picture           # no derivative's title
    for k in range(1, 9):
        assert f"{{$w_{{{k}}}$}}" in picture                          # each weight on its edge
    assert "$b_{1}$" in picture and "$b_{2}$" in picture
    assert r"the sigmoid, $h = \sigma(a) = \frac{1}{1 + e^{-a}}$" in sheet
    assert "The loss is the half squared error" in sheet
    assert "Each layer has one bias, shared by its neurons ($b_{1}, b_{2}$)." in sheet
    for equation in (r"a_{11} &= b_{1} + w_{1} x_{1} + w_{2} x_{2}",
                     r"a_{21} &= b_{2} + h_{11} w_{5} + h_{12} w_{6}",
                     r"h_{12} &= \sigma\left(a_{12}\right)"):
        assert equation in sheet
    assert r"The learning rate is $\eta = 0.5$." in sheet
    assert sheet.count(JUDGING) == 1
    assert sheet.count(r"Answer: \rule{6cm}{0.4pt}") == 4
    assert r"the derivative of the loss $\mathcal{L}$ with respect to $w_{5}$" in sheet
    assert r"the weight $w_{1}$ after one step of gradient descent" in sheet
    assert "of the step" not in sheet       # an update is judged to the digits of w+ itself
    assert r"$\hat{y}_{1}$, its value in the forward pass" in sheet
    assert r"$w_{5} = " in sheet and r"$x_{1} = " in sheet          # the student's numbers


def test_every_sheet_of_a_template_shares_one_typeset_statement() -> None:
    """What does not depend on the student is typeset once (make_sheet); two students' sheets
    differ only in their name and numbers."""
    problem = load_problem(TEMPLATE)
    sheet = make_sheet(problem)
    one, two = (make_variant(problem, Student(i), seed=2) for i in ("s1", "s2"))
    first, second = student_handout(one, sheet), student_handout(two, sheet)
    assert first == student_handout(one)
    different = [(a, b) for a, b in zip(first.splitlines(), second.splitlines(), strict=True)
                 if a != b]
    assert 1 < len(different) <= 6
    assert all(("Student:" in a) or ("$ & $" in a or a.startswith("$")) for a, _ in different)


def test_questions_with_other_digits_and_tolerances_say_so() -> None:
    text = SOURCE.replace("digits = 3\ntext = \"The first output", "digits = 4\ntext = \"The "
                          "first output").replace("points = 3\ndigits = 3",
                                                  "points = 3\ntolerance = 0.001")
    problem = load_problem_text(text, name="t.toml")
    sheet = student_handout(make_variant(problem, Student("a"), seed=1))
    assert ("Give each answer to at least N significant digits (N as the question asks). An "
            "answer counts as right when, rounded to N significant digits, it equals the right "
            "value so rounded, or when, given with at least N significant digits, it is within "
            "half a unit of its own last digit of the right value.") in sheet
    assert "counts an answer as right when it is within that tolerance" in sheet
    assert "4 significant digits" in sheet and r"within $0.001$" in sheet
    assert sheet.count("N significant digits (N as") == 1


def test_a_graph_that_is_not_a_network_is_stated_node_by_node() -> None:
    text = ('[graph]\ninputs = ["a", "b"]\noutput = "e"\n[graph.nodes]\nc = "a + b"\n'
            'd = "sigmoid(b) + 1"\ne = "c * d"\n[values]\na = 2\nb = 1\n'
            '[variants.draw]\n"a" = {range = [1, 3], step = 0.5}\n'
            '[[questions]]\nof = "de/db"\n')
    problem = load_problem_text(text, name="g.toml")
    sheet = student_handout(make_variant(problem, Student("a"), seed=1))
    assert "The graph computes each node from the ones before it" in sheet
    assert r"d &= \sigma\left(b\right) + 1" in sheet and r"e &= c d" in sheet
    assert r"\begin{tikzpicture}" in sheet and "% path" not in sheet


# -- the solutions -------------------------------------------------------------------------------

def test_the_solutions_derive_each_question_once_and_start_on_page_one() -> None:
    """Page 1 holds the questions' derivations (not a lone title); each derivative once,
    whatever the number of students, with its paths highlighted (--figure); then each student
    on a page of their own with the answers, the mistakes' values and the numbers."""
    variants = template_variants(load_problem(TEMPLATE), numbered(3), seed=4)
    text = solutions_handout(variants, "S", figures=True)
    body = text[text.index(r"\begin{document}"):]
    assert body.index(r"\section*{The questions}") < body.index(r"\clearpage")
    assert text.count(r"\subsubsection*{The chain rule, path by path}") == 2   # dL/dw5, dL/dw1
    assert text.count(r"\begin{tikzpicture}") == 2 and "% path 1" in text
    assert f"fill=sbp{WRT_FILL[1:].upper()}" in text                # w highlighted
    assert r"is derived under q2" in text                            # w1+ rests on dL/dw1
    assert text.count(r"\clearpage\section*{Student") == 3
    for variant in variants:
        part = text[text.index(rf"\section*{{Student {variant.student.id}}}"):]
        for answer in variant.key:
            assert f"{answer.question.id}: " in part
        assert "Common mistakes give:" in part and r"\textbf{The deltas:}" in part
    # typeset once: three students add no derivation, only numbers
    one = solutions_handout(variants[:1], "S", figures=True)
    assert one.count(r"\subsubsection*{The chain rule") == text.count(
        r"\subsubsection*{The chain rule")


def test_the_files_a_course_writes(tmp_path: Path) -> None:
    """--handout writes a sheet per student and the solutions; --figure alone is refused."""
    files = assignment_files(TEMPLATE, numbered(2), seed=4, handouts=True, figures=True)
    assert sorted(p for p in files if p.startswith("handout/")) == [
        "handout/s01.tex", "handout/s02.tex", "handout/solutions.tex"]
    assert r"\usepackage{tikz}" in files["handout/s01.tex"]
    assert "% path" not in files["handout/s01.tex"] and "% path" in files["handout/solutions.tex"]
    plain = assignment_files(TEMPLATE, numbered(2), seed=4, handouts=True)
    assert "tikz" not in plain["handout/solutions.tex"]
    assert main(["variants", TEMPLATE, "-o", str(tmp_path / "out"), "--count", "1",
                 "--figure"]) == 2


# -- names in any script -------------------------------------------------------------------------

def test_handouts_for_a_roster_of_many_scripts_compile_and_keep_every_name(
        tmp_path: Path) -> None:
    """Latin accents, Cyrillic, Greek, Chinese, Japanese, Korean, Hebrew and Arabic: each sheet
    names its engine in its first line (pdflatex for ASCII), compiles with it, and its name
    comes back from the PDF as written (no ?); the solutions hold every name."""
    students = read_roster(_roster(tmp_path, SCRIPTS_ROSTER))
    files = assignment_files(TEMPLATE, students, seed=4, handouts=True, figures=True)
    for sid, name in SCRIPTS_ROSTER.items():
        first = files[f"handout/{sid}.tex"].split("\n", 1)[0]
        assert first == f"% !TEX program = {'pdflatex' if name.isascii() else 'lualatex'}"
    for sid in ("ada", "zoe", "sato", "david"):
        pdf_text, log = compile_tex(tmp_path, sid, files[f"handout/{sid}.tex"])
        name = SCRIPTS_ROSTER[sid]
        line = next(line for line in pdf_text.splitlines() if line.startswith("Student:"))
        # pdftotext reorders the parentheses around a right-to-left run, not the letters
        assert name in line and sid in line and "?" not in line, line
        assert "Missing character" not in log
    pdf_text, log = compile_tex(tmp_path, "solutions", files["handout/solutions.tex"])
    flat = " ".join(pdf_text.split())
    for sid, name in SCRIPTS_ROSTER.items():
        assert name in flat and f"{sid})" in flat, name
    assert "Missing character" not in log and not re.search(r"\?\?", flat)


def test_hostile_names_stay_text(tmp_path: Path) -> None:
    students = (Student("s-1", r"Zoë O'Brien & {co} \input{/etc/passwd} $x$ 50% #1 ~_^"),)
    sheet = assignment_files(TEMPLATE, students, seed=4, handouts=True)["handout/s-1.tex"]
    assert r"\input{/etc" not in sheet
    pdf_text, _ = compile_tex(tmp_path, "s-1", sheet)
    assert "Zoë O’Brien & {co} \\input{/etc/passwd} $x$ 50% #1" in pdf_text


def test_a_name_no_font_has_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    roster = _roster(tmp_path, {"ok": "Zoë", "an": "Ananya अनन्या"})
    with pytest.raises(SpecError, match=r"student 'an': the name 'Ananya अनन्या' holds 'अ' "
                                        r"\(DEVANAGARI LETTER A\)"):
        assignment_files(TEMPLATE, read_roster(roster), handouts=True)
    out = tmp_path / "out"
    assert main(["variants", TEMPLATE, "-o", str(out), "--roster", str(roster),
                 "--handout"]) == 2
    assert not out.exists()
    assert "key/an.json" in assignment_files(TEMPLATE, read_roster(roster))  # no handout


# -- PrairieLearn --------------------------------------------------------------------------------

def test_prairielearns_picture_is_the_network_with_no_path_highlighted() -> None:
    require_module("matplotlib")
    from symbackprop.draw.figure import render_network

    svg = prairielearn_files(TEMPLATE, count=2)["clientFilesQuestion/graph.svg"]
    assert svg == render_network(load_problem(TEMPLATE).graph, "svg")
    assert b'id="path-' not in svg and b'id="legend-' not in svg
