"""Text from a file reaches no output raw where it could mislead (issue 27, item 12):
bidirectional controls ('Trojan Source') in generated code are escaped (the C compiles with
``gcc -Wall -Werror``), and ESC, BEL or a carriage return from a title, a key or an answer never
reaches a terminal raw."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import require_tool

from symbackprop.cli import main

BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
TITLE = "T\u202e }x{ \u2066admin\u2069\u001b[2J\u0007\r"


def _file(tmp_path: Path, title: str = TITLE) -> str:
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"title": title, "graph": {
        "output": "L", "inputs": {"x": 1.5}, "parameters": {"w": 0.5},
        "nodes": {"L": "w*x"}}}), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("target", ["python", "numpy", "jax", "c"])
def test_generated_code_holds_no_bidirectional_control(target: str, tmp_path: Path) -> None:
    out = tmp_path / ("g.c" if target == "c" else "g.py")
    assert main(["codegen", _file(tmp_path), "--target", target, "-o", str(out)]) == 0
    source = out.read_text(encoding="utf-8")
    assert not BIDI.search(source) and not RAW.search(source)
    if target == "c":
        gcc = require_tool("gcc")
        done = subprocess.run([gcc, "-Wall", "-Werror", "-c", str(out), "-o",
                               str(tmp_path / "g.o")], capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert "<U+202E>" in source
    else:
        docstring = source.split('"""')[1].splitlines()[0]
        assert "\\u202e" in docstring and "\\u2066admin\\u2069" in docstring


@pytest.mark.parametrize("argv", [["derive", "--wrt", "w"], ["paths", "--wrt", "w"],
                                  ["verify"], ["check"]])
def test_no_raw_control_reaches_the_terminal(argv: list[str], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    main([argv[0], _file(tmp_path), *argv[1:]])
    out, err = capsys.readouterr()
    assert not RAW.search(out) and not RAW.search(err)


def test_an_error_message_shows_control_characters_inert(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad\u001b[31m.toml"
    path.write_text('[graph]\noutput = "L"\n[graph.nodes]\nL = "w*"\n', encoding="utf-8")
    assert main(["derive", str(path), "--wrt", "w"]) == 2
    err = capsys.readouterr().err
    assert "bad\u241b[31m.toml" in err and not RAW.search(err.rstrip("\n"))


def test_an_answer_with_escapes_is_inert_in_grade_s_report(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    course = tmp_path / "AN"
    assert main(["variants", "assignment_2_2_2", "--count", "1", "-o", str(course)]) == 0
    answers = tmp_path / "a.csv"
    answers.write_text('student,question,answer\ns01,q1,"\u001b]0;owned\u0007 0.1"\n')
    capsys.readouterr()
    main(["grade", str(course), str(answers), "--jobs", "1"])
    out = capsys.readouterr().out
    assert "s01" in out and not RAW.search(out)
