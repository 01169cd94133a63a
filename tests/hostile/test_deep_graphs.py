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
