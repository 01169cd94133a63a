"""tools/record_outputs.py, the before/after recorder a behaviour-preserving change is checked
with, runs and records the same text twice (so an empty diff means something)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RECORDER = Path(__file__).resolve().parents[1] / "tools" / "record_outputs.py"


def _record(out: Path) -> dict[str, str]:
    result = subprocess.run([sys.executable, str(RECORDER), str(out), "--only", "sigmoid_chain"],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}


def test_the_recorder_writes_every_command_and_the_same_text_each_time(tmp_path: Path) -> None:
    first, second = _record(tmp_path / "a"), _record(tmp_path / "b")
    assert first == second
    for name in ("sigmoid_chain.derive.w1.latex.txt", "sigmoid_chain.codegen.all.c.txt",
                 "sigmoid_chain.draw.w3.dot.txt", "sigmoid_chain.check.json.txt", "help.txt"):
        assert name in first
    assert "rc=0" in first["sigmoid_chain.derive.w1.json.txt"]
    assert '"wrt": "w1"' in first["sigmoid_chain.derive.w1.json.txt"]
    assert "--file out.dot--\ndigraph" in first["sigmoid_chain.draw.w3.dot.txt"]
    assert "rc=2" in first["err.badwrt.txt"] and "there is no node 'zz'" in first["err.badwrt.txt"]
    assert "<html" in first["sigmoid_chain.explore.txt"]
    assert first["sigmoid_chain.to_toml.txt"] in first["sigmoid_chain.export_toml.txt"]


def test_the_recorder_records_the_course_commands(tmp_path: Path) -> None:
    recorded = _record(tmp_path)
    variants = recorded["course.variants.handout_figure.txt"]
    for written in ("out/key/li.json", "out/handout/solutions.tex", "out/handout/zoe.tex",
                    "out/sasha.toml"):
        assert f"--file {written}--" in variants
    assert "\\begin{tikzpicture}" in variants
    grades = recorded["course.grade.csv.txt"]
    for row in (",correct,", ",incorrect,", ",missing,", ",invalid,", "bob,,,,,error,"):
        assert row in grades
    assert '"status": "passed"' in recorded["course.grade.gradescope.txt"]
    assert "--file out/server.py--" in recorded["course.prairielearn.txt"]
    assert "answers.csv: no variant 'bob'" in grades
