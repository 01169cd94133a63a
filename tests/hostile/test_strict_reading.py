"""What the docs forbid is refused (issue 27, item 14): a key given twice in JSON or YAML (TOML
refuses it already; the readers kept the last value silently), an ``output`` that names an
input, and ``--seed -1``."""

from __future__ import annotations

from pathlib import Path

import pytest

from symbackprop.cli import main

GRAPH = '"inputs": {"x": 1}, "parameters": {"w": 0.5}, "nodes": {"L": "w*x", "M": "w"}'


@pytest.mark.parametrize(("name", "text", "message"), [
    ("dup.json", '{"graph": {"output": "L", "output": "M", ' + GRAPH + "}}",
     "the key 'output' is given twice in one table"),
    ("dup_node.json", '{"graph": {"output": "L", "inputs": {"x": 1}, "parameters": {"w": 0.5},'
     ' "nodes": {"L": "w*x", "L": "w"}}}', "the key 'L' is given twice in one table"),
    ("dup.yaml", "graph:\n  output: L\n  inputs: {x: 1}\n  parameters: {w: 0.5}\n  nodes:\n"
     "    L: w*x\n    L: w\n", "the key 'L' is given twice in one table (line 7)"),
    ("input.json", '{"graph": {"output": "x", ' + GRAPH + "}}",
     "[graph] output: 'x' is a input; the output is a node of [graph.nodes]"),
])
def test_refused(name: str, text: str, message: str, tmp_path: Path,
                 capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    assert main(["derive", str(tmp_path / name), "--wrt", "w"]) == 2
    err = capsys.readouterr().err
    assert name in err and message in err


def test_a_yaml_merge_may_still_be_overridden(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.yaml").write_text(
        "graph:\n  output: L\n  inputs: {x: 1}\n  parameters: &p {w: 0.5}\n"
        "  nodes: {<<: {L: 'w'}, L: 'w*x'}\n", encoding="utf-8")
    assert main(["paths", str(tmp_path / "m.yaml"), "--wrt", "w"]) == 0
    assert "1 path from w to L" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["variants", "assignment_2_2_2", "--count", "1", "-o", "{out}/v"],
    ["export", "prairielearn", "assignment_2_2_2", "--count", "1", "-o", "{out}/q"],
    ["export", "moodle", "assignment_2_2_2", "--count", "1", "-o", "{out}/b.xml"]])
def test_a_negative_seed_is_refused(argv: list[str], tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main([a.format(out=tmp_path) for a in argv] + ["--seed", "-1"]) == 2
    assert "--seed: must be an integer of at least 0, got '-1'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
