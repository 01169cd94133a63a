"""One bad input is one error, never the output of the others lost (issue 27, item 1).

A lone surrogate (``"\\ud800"`` in JSON or YAML) is no character: no UTF-8 output can hold it.
A CSV cell over the CSV reader's limit (128 KiB) cannot be read.  Each is refused where it is
read, with exit status 2 for a single file, and as one error row of a class's report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symbackprop.cli import main

SURROGATE_TITLE = ('{"title": "T\\ud800", "graph": {"output": "L", "inputs": {"x": 1.5}, '
                   '"parameters": {"w": 0.5}, "nodes": {"L": "w*x"}}}')
COMMANDS = {
    "derive": ["derive", "{f}", "--wrt", "w"],
    "derive-o": ["derive", "{f}", "--wrt", "w", "-o", "{out}/d.txt"],
    "check": ["check", "{f}"],
    "codegen": ["codegen", "{f}"],
    "verify": ["verify", "{f}"],
    "explore": ["explore", "{f}", "--wrt", "w", "-o", "{out}/p.html"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_lone_surrogate_is_refused_by_every_command(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "g.json"
    source.write_text(SURROGATE_TITLE, encoding="utf-8")
    argv = [a.format(f=source, out=tmp_path) for a in COMMANDS[command]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "g.json" in err and "lone surrogate (U+D800)" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.json"]


def test_a_lone_surrogate_in_yaml_keys_is_refused(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "g.yaml"
    source.write_text('graph:\n  output: L\n  inputs: {x: 1.5}\n  parameters: {w: 0.5}\n'
                      '  nodes: {"L\\udfff": "w*x"}\n', encoding="utf-8")
    assert main(["derive", str(source), "--wrt", "w"]) == 2
    assert "lone surrogate (U+DFFF)" in capsys.readouterr().err


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("course") / "AN"
    assert main(["variants", "assignment_2_2_2", "--count", "3", "-o", str(folder)]) == 0
    return folder


@pytest.mark.parametrize("fmt", ["text", "csv", "json", "markdown", "wide"])
def test_a_poisoned_submission_is_one_error_row(
        fmt: str, course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "s01.json").write_text('{"variant": "s01", "answers": {"q1": "\\ud800"}}',
                                      encoding="utf-8")
    (answers / "s02.yaml").write_text('variant: s02\nanswers:\n  q1: "0.1"\n', encoding="utf-8")
    (tmp_path / "class.csv").write_text(
        "student,question,answer\ns03,q1,0.1\ns02,q2," + "9" * 200_000 + "\ns03,q2,3\n",
        encoding="utf-8")
    status = main(["grade", str(course), str(answers), str(tmp_path / "class.csv"),
                   "--format", fmt, "--jobs", "1"])
    out, err = capsys.readouterr()
    assert status == 1, err  # some submissions could not be graded: the report is written
    assert "Traceback" not in err
    if fmt == "json":
        students = {s["source"]: s for s in json.loads(out)["students"]}
        assert "lone surrogate" in students[str(answers / "s01.json")]["error"]
        assert students[f"{tmp_path / 'class.csv'} row 3"]["error"].endswith(
            "a cell longer than 131,072 characters")
        assert students[str(answers / "s02.yaml")]["score"] == 0
        assert students[str(tmp_path / "class.csv")]["student"] == "s03"
    elif fmt != "wide":
        assert out.count("lone surrogate") == 1
        assert out.count("a cell longer than 131,072 characters") == 1
        assert "s02" in out and "s03" in out
    else:
        assert {row.split(",")[0] for row in out.splitlines()[1:]} >= {"s01", "s02", "s03"}


def test_a_roster_with_an_oversized_cell_is_refused_naming_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nada,Ada\nbob," + "9" * 200_000 + "\n", encoding="utf-8")
    assert main(["variants", "assignment_2_2_2", "--roster", str(roster),
                 "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "roster.csv: line 3: a cell longer than 131,072 characters" in err
    assert not (tmp_path / "out").exists()


def test_check_of_a_folder_reports_the_poisoned_file_and_the_others(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.json").write_text(SURROGATE_TITLE, encoding="utf-8")
    (tmp_path / "good.json").write_text(SURROGATE_TITLE.replace("\\ud800", ""), encoding="utf-8")
    main(["check", str(tmp_path), "--format", "json", "--jobs", "1"])
    out = capsys.readouterr().out
    assert out.count("lone surrogate") == 1 and "good.json" in out
