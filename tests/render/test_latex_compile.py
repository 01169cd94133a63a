"""Every bundled example's standalone LaTeX derivation compiles with pdflatex, cleanly.

One document per example holds the derivation of the first weight of every layer (for a
graph: every parameter, or every input), with the matrix form for layered networks.  A test
fails on a nonzero exit, on any ``!`` error line, and on an overfull box wider than 20 pt
(long sums must break across lines instead of running off the page).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import BUNDLED, require_tool

from symbackprop.calculus.derivation import derive
from symbackprop.cli import main
from symbackprop.numeric.matrix import matrix_form
from symbackprop.render import derivation_latex, latex_document
from symbackprop.spec import load_problem

pytestmark = pytest.mark.needs_pdflatex

OVERFULL_LIMIT_PT = 20.0
_OVERFULL = re.compile(r"Overfull \\hbox \(([\d.]+)pt too wide\)")


def compile_latex(document: str, directory: Path, name: str = "page") -> str:
    """Run pdflatex on ``document``; fail on errors or overfull boxes; return the log."""
    pdflatex = require_tool("pdflatex")
    source = directory / f"{name}.tex"
    source.write_text(document, encoding="utf-8")
    result = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", source.name],
        cwd=directory, capture_output=True, text=True, timeout=120, check=False)
    log = result.stdout
    errors = [line for line in log.splitlines() if line.startswith("! ")]
    assert result.returncode == 0 and not errors, "\n".join(errors) or log[-2000:]
    overfull = [float(w) for w in _OVERFULL.findall(log)]
    assert all(w <= OVERFULL_LIMIT_PT for w in overfull), \
        f"overfull boxes of {overfull} pt in {name}:\n" + "\n".join(
            line for line in log.splitlines() if "Overfull" in line)
    assert (directory / f"{name}.pdf").stat().st_size > 1000
    return log


def _names(problem) -> list[str]:
    if problem.network is None:
        return problem.graph.parameters or problem.graph.kind_of("input")
    return [problem.network.weight_name(layer, 1, 1)
            for layer in range(1, problem.network.depth + 1)]


@pytest.mark.parametrize("name", BUNDLED)
def test_every_example_compiles(name, tmp_path):
    problem = load_problem(name)
    bodies = []
    for wrt in _names(problem):
        d = derive(problem.graph, wrt, values=problem.numeric_values)
        matrix = matrix_form(problem.network, d) if problem.network and d.values else None
        bodies.append(derivation_latex(d, learning_rate=problem.learning_rate, matrix=matrix))
    document = latex_document("\n\\clearpage\n".join(bodies), title=problem.title,
                              source=problem.source)
    compile_latex(document, tmp_path)


@pytest.mark.parametrize("strategy", ["leaves", "expand", "factor", "full"])
def test_other_strategies_compile(strategy, tmp_path):
    bodies = []
    for name, wrt in (("mazur_2_2_2", "w5"), ("linear_2_2_2_2", "w111"),
                      ("padhai_4_4_2", "w211")):
        problem = load_problem(name)
        d = derive(problem.graph, wrt, values=problem.numeric_values)
        bodies.append(derivation_latex(d, strategy=strategy, title=problem.title))
    compile_latex(latex_document("\n\\clearpage\n".join(bodies)), tmp_path)


def test_the_command_line_writes_a_document_that_compiles(tmp_path, capsys):
    out = tmp_path / "derivation.tex"
    status = main(["derive", "padhai_4_4_2", "--wrt", "w131", "--format", "latex",
                   "--standalone", "--matrix", "-o", str(out)])
    assert status == 0
    compile_latex(out.read_text(encoding="utf-8"), tmp_path, "cli")


def test_a_long_title_and_special_characters_compile(tmp_path):
    problem = load_problem("exp_exp_square")
    d = derive(problem.graph, "x", values=problem.values)
    title = "Back-prop & friends: 100% of e^(x^2)_{n} ~ #1 — with {braces} and \\ slash"
    compile_latex(latex_document(derivation_latex(d), title=title, source=title), tmp_path)


def test_figure_compiles(tmp_path):
    """``--figure`` needs the LaTeX package tikz (Debian texlive-pictures)."""
    kpsewhich = require_tool("kpsewhich")
    found = subprocess.run([kpsewhich, "tikz.sty"], capture_output=True, text=True,
                           check=False).stdout.strip()
    if not found:
        require_tool("tikz.sty (texlive-pictures)")  # skips, or fails in CI
    out = tmp_path / "figure.tex"
    status = main(["derive", "mazur_2_2_2", "--wrt", "w1", "--format", "latex", "--standalone",
                   "--figure", "-o", str(out)])
    assert status == 0
    compile_latex(out.read_text(encoding="utf-8"), tmp_path, "figure")
