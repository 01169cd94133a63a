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


CHECK_SKIPS = Path(__file__).resolve().parents[1] / "tools" / "check_skips.py"
JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.a" name="test_ok"/>
<testcase classname="tests.a" name="test_jax"><skipped message="jax is not installed"/></testcase>
<testcase classname="tests.a" name="test_jit"><skipped
  message="jax is optional: pip install 'symbackprop[jax]'"/></testcase>
<testcase classname="tests.b" name="test_torch"><skipped message="torch is not installed"/>
</testcase>
<testcase classname="tests.c" name="test_docs"><skipped message="mkdocs is not installed"/>
</testcase>
{extra}</testsuite></testsuites>"""


def _check_skips(tmp_path: Path, extra: str = "") -> subprocess.CompletedProcess[str]:
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT.replace("{extra}", extra), encoding="utf-8")
    return subprocess.run([sys.executable, str(CHECK_SKIPS), str(junit)], capture_output=True,
                          text=True, timeout=60, check=False)


def test_the_skip_check_accepts_only_the_optional_extras_skips(tmp_path: Path) -> None:
    assert _check_skips(tmp_path).returncode == 0
    other = _check_skips(tmp_path, '<testcase classname="tests.d" name="test_tex">'
                                   '<skipped message="pdflatex is not installed"/></testcase>')
    assert other.returncode == 1 and "tests.d::test_tex: pdflatex" in other.stdout
    failed = _check_skips(tmp_path, '<testcase classname="tests.d" name="test_x">'
                                    '<failure message="boom"/></testcase>')
    assert failed.returncode == 1 and "failed: tests.d::test_x" in failed.stdout


def test_the_skip_check_fails_when_an_extra_was_not_missing(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT.replace("torch is not installed", "").replace("{extra}", ""),
                     encoding="utf-8")
    result = subprocess.run([sys.executable, str(CHECK_SKIPS), str(junit)], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 1 and "no test skipped for want of torch" in result.stdout
