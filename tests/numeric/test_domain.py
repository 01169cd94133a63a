"""Numbers a formula cannot take, and numbers float64 cannot hold, through every command.

A node undefined at the file's numbers (``1/x`` at ``x = 0``) is bad input: exit 2 and one
line naming the file and the node, never a traceback.  A factor float64 cannot hold (``-y/yhat``
where ``yhat = sigmoid(-1000)`` underflows to 0) is not: the derivative is finite, the factor is
printed ``-inf`` and is ``null`` in JSON, in every listing (streamed too) and in the matrix form.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symbackprop.cli import main

UNDEFINED = """
[graph]
output = "L"
[graph.parameters]
x = 0.0
[graph.nodes]
h = "1/x"
L = "h*h"
"""

UNDERFLOW = """
title = "sigmoid output, cross_entropy, saturated"
[network]
layers = [1, 1]
output = "sigmoid"
loss = "cross_entropy"
bias = "none"
naming = "flat"
[values]
x = [1.0]
y = [1.0]
w1 = -1000.0
"""

EVALUATING = [
    ["derive", "{f}", "--wrt", "x"],
    ["derive", "{f}", "--wrt", "x", "--format", "json"],
    ["derive", "{f}", "--wrt", "x", "--format", "latex"],
    ["derive", "{f}", "--wrt", "x", "--format", "markdown"],
    ["derive", "{f}", "--wrt", "all"],
    ["paths", "{f}", "--wrt", "x"],
    ["paths", "{f}", "--wrt", "x", "--max-paths", "0"],
    ["paths", "{f}", "--wrt", "x", "--max-paths", "0", "--format", "json"],
    ["verify", "{f}"],
    ["check", "{f}"],
    ["explore", "{f}", "--wrt", "x", "-o", "{out}"],
]


@pytest.mark.parametrize("argv", EVALUATING, ids=lambda a: " ".join(a[:1] + a[3:]))
def test_a_node_undefined_at_the_numbers_is_bad_input(argv: list[str], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    problem = tmp_path / "undefined.toml"
    problem.write_text(UNDEFINED, encoding="utf-8")
    out = tmp_path / "page.html"
    status = main([a.format(f=problem, out=out) for a in argv])
    captured = capsys.readouterr()
    assert status == 2, captured.err
    assert captured.err.startswith(f"symbackprop: error: {problem}: node 'h' = 1/x cannot be "
                                   "evaluated at these values: division by zero")
    assert captured.out == "" or argv[0] == "check"         # nothing started, no half listing
    assert not out.exists()


@pytest.fixture
def underflow(tmp_path: Path) -> Path:
    problem = tmp_path / "underflow.toml"
    problem.write_text(UNDERFLOW, encoding="utf-8")
    return problem


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("streamed", [False, True])
def test_a_listing_holds_a_factor_float64_cannot(underflow: Path, streamed: bool,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The listing's path is -1 (as derive's), its factor -y/yhat null in JSON, -inf in text."""
    limit = ["--max-paths", "0"] if streamed else []
    data = _json(["paths", str(underflow), "--wrt", "w1", *limit, "--format", "json"], capsys)
    [path] = data["paths"]
    assert data.get("streamed", False) is streamed
    assert path["value"] == data["value"] == -1.0
    assert [f["value"] for f in path["factors"]] == [1.0, 0.0, None]
    assert main(["paths", str(underflow), "--wrt", "w1", *limit]) == 0
    text = capsys.readouterr().out
    assert "= -inf · 0 · 1 = -1" in text and "total = -1" in text


def test_the_matrix_form_holds_an_infinite_loss_gradient(
        underflow: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """∇ŷ L = -y/yhat is -inf in float64: text and LaTeX say so (it printed [0]), JSON has
    null, and the deltas and the gradient are the finite -1."""
    matrix = _json(["derive", str(underflow), "--wrt", "w1", "--matrix", "--format", "json"],
                   capsys)["matrix"]
    assert matrix["loss_gradient"] == [None]
    assert matrix["deltas"] == {"1": [-1.0]} and matrix["entry"] == -1.0 and matrix["agrees"]
    assert main(["derive", str(underflow), "--wrt", "w1", "--matrix"]) == 0
    assert "∇ŷ L = [-inf]" in capsys.readouterr().out
    assert main(["derive", str(underflow), "--wrt", "w1", "--matrix", "--format", "latex"]) == 0
    assert r"\begin{pmatrix}\text{-inf}\end{pmatrix}" in capsys.readouterr().out


def test_a_strategy_past_its_limit_is_a_note_in_json_as_in_text(
        capsys: pytest.CaptureFixture[str]) -> None:
    """--simplify full past its size limit: text shows the textbook form and a note; JSON did
    exit 2. Now it has the same form and the note under simplify_note."""
    argv = ["derive", "padhai_4_4_2", "--wrt", "w131", "--format", "json"]
    full = _json([*argv, "--simplify", "full"], capsys)
    textbook = _json(argv, capsys)
    assert full["simplified"] == textbook["simplified"] and full["latex"] == textbook["latex"]
    assert full["strategy"] == "full" and "more than 400" in full["simplify_note"]
    assert "simplify_note" not in textbook
