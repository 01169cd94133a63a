"""A node's name does not trigger sympy's LaTeX name conventions unintended (issue 27, item
13): ``xscr`` is no ``\\mathscr{x}`` (a standalone document could not compile it); ``hat``
(``yhat``), Greek letters and subscripts stay as documented."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import require_tool

from symbackprop.cli import main
from symbackprop.naming import UNREAD_MODIFIERS, default_latex


@pytest.mark.parametrize("modifier", UNREAD_MODIFIERS)
def test_no_unread_modifier_changes_a_name(modifier: str) -> None:
    for name in (f"x{modifier}", f"x{modifier}2", f"alpha{modifier}_3"):
        latex = default_latex(name)
        assert latex.startswith(r"\mathrm{") and name.split("_")[0].rstrip("23") in latex


def test_the_documented_conventions_stay() -> None:
    assert default_latex("yhat1") == r"\hat{y}_{1}"
    assert default_latex("alpha") == r"\alpha" and default_latex("x12") == "x_{12}"
    assert default_latex("bar") == "bar" and default_latex("dotted") == "dotted"


def test_a_standalone_page_with_such_names_compiles(tmp_path: Path) -> None:
    pdflatex = require_tool("pdflatex")
    source = tmp_path / "g.toml"
    source.write_text('[graph]\noutput = "L"\n[graph.inputs]\nxscr = 1\n[graph.parameters]\n'
                      'wfrak = 0.5\n[graph.nodes]\nhbar = "wfrak*xscr"\nvcal = "hbar^2"\n'
                      'L = "vcal"\n')
    assert main(["derive", str(source), "--wrt", "wfrak", "--format", "latex", "--standalone",
                 "-o", str(tmp_path / "g.tex")]) == 0
    tex = (tmp_path / "g.tex").read_text()
    assert "mathscr" not in tex and "mathfrak" not in tex and "mathcal{v}" not in tex
    done = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error",
                           "-no-shell-escape", "g.tex"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout[-2000:]
