"""No recursion depth depends on the graph's size: a chain far deeper than Python's recursion
limit is derived and its paths listed (a 500-node chain was "the input is nested too deeply"
in derive and paths, from the recursion of the factored form)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from symbackprop.cli import main

NODES = 1_200  # past the default recursion limit of 1,000, by far more than its margin


def chain_file(folder: Path, nodes: int = NODES) -> Path:
    lines = ["[graph]", 'output = "L"', 'inputs = ["x"]', 'parameters = ["w"]', "[graph.nodes]",
             'h1 = "w * x"']
    lines += [f'h{i} = "tanh(h{i - 1})"' for i in range(2, nodes)]
    lines += [f'L = "h{nodes - 1}**2"', "[values]", "x = 0.5", "w = 0.3"]
    path = folder / "chain.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_chain_deeper_than_the_recursion_limit_is_derived(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sys.getrecursionlimit() < NODES
    path = chain_file(tmp_path)
    assert main(["derive", str(path), "--wrt", "w", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["path_count"] == 1
    h, value = 0.3 * 0.5, 0.5  # dL/dw = 2 h_n * prod(1 - tanh^2) * x, computed forwards
    for _ in range(2, NODES):
        h = math.tanh(h)
        value *= 1 - h * h
    value *= 2 * h
    assert math.isclose(data["value"], value, rel_tol=1e-9)
    assert main(["paths", str(path), "--wrt", "w"]) == 0
    assert capsys.readouterr().out.startswith("1 path from w to L")


@pytest.mark.parametrize("nodes", [40, 150])
def test_verify_skips_the_composed_oracle_of_a_deep_chain(
        nodes: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """sympy.diff of a 40-deep tanh chain, compiled, ran over 300 s; 150 deep was "nested too
    deeply": the oracle is skipped above MAX_COMPOSED_DEPTH and the table says so."""
    path = chain_file(tmp_path, nodes)
    assert main(["verify", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 agree, 0 disagree" in out
    assert (f"sympy.diff skipped: the composed L is {nodes} deep (edges on its longest path "
            "from a leaf), more than the limit of 8") in out
    assert "SYMBACKPROP_MAX_COMPOSED_DEPTH" in out


@pytest.mark.slow
def test_a_chain_deeper_than_the_recursion_limit_is_drawn_generated_and_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = chain_file(tmp_path)
    monkeypatch.setenv("SYMBACKPROP_MAX_DRAW_NODES", str(2 * NODES))
    assert main(["draw", str(path), "--wrt", "w", "--format", "dot",
                 "-o", str(tmp_path / "chain.dot")]) == 0
    assert (tmp_path / "chain.dot").read_text(encoding="utf-8").count("->") >= NODES
    assert main(["codegen", str(path), "-o", str(tmp_path / "grad.py")]) == 0
    assert "def " in (tmp_path / "grad.py").read_text(encoding="utf-8")
    claims = path.read_text(encoding="utf-8") + '[[claims]]\nof = "dL/dw"\nvalue = -1\n'
    (tmp_path / "claimed.toml").write_text(claims, encoding="utf-8")
    capsys.readouterr()
    assert main(["check", str(tmp_path / "claimed.toml")]) == 1
    out = capsys.readouterr().out
    assert "0 correct, 1 incorrect" in out and "nested too deeply" not in out
