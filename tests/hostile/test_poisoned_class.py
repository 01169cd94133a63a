"""A class of 300 with hostile names and ids, and poisoned submissions (issue 27, acceptance):
``variants --roster --handout``, ``grade`` in every format and ``export prairielearn`` write
every other student's output, nothing outside their folders, each bad submission as one error
row, and the hostile text as text."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from symbackprop.cli import main

pytestmark = pytest.mark.slow  # some 50 s: 300 students' handouts, graded in seven formats

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "symbackprop" / "spec" / "examples" / "assignment_2_2_2.toml"
NAMES = ["<script>alert(1)</script>", r"\input{/etc/passwd}\write18{touch PWNED}",
         '=HYPERLINK("http://evil")', "Robert'); DROP TABLE x;--", "{{params.x}}",
         "../../etc/passwd", "$(touch PWNED)", 'Zoë "quoted", with comma',
         r"%\catcode`\^^=13 ^^5c"]
RESERVED = ["solutions", "CON", "nul.x", "com1", "Ada", "ada", ".hid"]
IDS = RESERVED + [f"s{i:03d}" for i in range(1, 301 - len(RESERVED))]
BAD = {  # the source of each poisoned submission: what its one error row says
    "class.csv row 302": "student id '../x' may use",
    "class.csv row 303": "a cell longer than 131,072 characters",
    "s270.json": "lone surrogate (U+D800)",
    "s271.toml": "a symbolic link out of the folder",
    "s273.toml": "not UTF-8 text",
    "s274.toml": "not valid TOML",
}


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    with (folder / "roster.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "name"])
        writer.writerows([i, f"{NAMES[k % len(NAMES)]} {k}"] for k, i in enumerate(IDS))
    before = _files(folder)
    assert main(["variants", str(TEMPLATE), "--roster", str(folder / "roster.csv"),
                 "--handout", "--jobs", "2", "-o", str(folder / "AN")]) == 0
    assert {p for p in _files(folder) - before if folder / "AN" not in p.parents} == {
        folder / "AN"}
    with (folder / "class.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "question", "answer"])
        writer.writerows([i, "q1", "0.08"] for i in IDS)
        writer.writerows([["../x", "q1", "1"], ["s260", "q2", "9" * 200_000],
                          ["s261", "q2", '=cmd|" /C calc"!A0'],
                          ["s262", "q2", "<script>alert(2)</script>"]])
    answers = folder / "answers"
    answers.mkdir()
    (answers / "s270.json").write_text('{"variant": "s270", "answers": {"q1": "\\ud800"}}',
                                       encoding="utf-8")
    (folder / "secret.toml").write_text("SECRET-LINE = 1\n", encoding="utf-8")
    (answers / "s271.toml").symlink_to(folder / "secret.toml")
    (answers / "s272.toml").write_text('variant = "s272"\n[answers]\nq3 = "0.1"\n',
                                       encoding="utf-8")
    (answers / "s273.toml").write_bytes(b"\xff\xfe not text")
    (answers / "s274.toml").write_text('variant = "s274"\n[answers\n', encoding="utf-8")
    return folder


def test_every_student_has_a_key_and_a_handout_with_their_name_as_text(course: Path) -> None:
    keys = list((course / "AN" / "key").iterdir())
    handouts = list((course / "AN" / "handout").iterdir())
    assert len(keys) == len(IDS) and len(handouts) == len(IDS) + 1
    assert not list(course.rglob("PWNED"))
    for handout in handouts:
        tex = handout.read_text(encoding="utf-8")
        assert r"\write18{" not in tex and r"\input{/etc" not in tex
        assert r"\catcode`" not in tex and "^^5c" not in tex


def test_a_bidi_name_in_the_roster_is_refused_naming_the_student(
        course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = (course / "roster.csv").read_text(encoding="utf-8")
    (tmp_path / "roster.csv").write_text(roster.replace("s100,", "s100,\u202eevil", 1),
                                         encoding="utf-8")
    assert main(["variants", str(TEMPLATE), "--roster", str(tmp_path / "roster.csv"),
                 "--handout", "-o", str(tmp_path / "AN")]) == 2
    assert capsys.readouterr().err.count("student 's100'") == 1
    assert not (tmp_path / "AN").exists()


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "csv", "wide", "canvas", "moodle"])
def test_grade_names_each_poisoned_submission_once(
        fmt: str, course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _files(course)
    status = main(["grade", str(course / "AN"), str(course / "class.csv"),
                   str(course / "answers"), "--format", fmt, "--jobs", "2",
                   "-o", str(course / f"grades.{fmt}")])
    err = capsys.readouterr().err
    assert status == 1, err
    assert _files(course) - before == {course / f"grades.{fmt}"}
    out = (course / f"grades.{fmt}").read_text(encoding="utf-8")
    assert "SECRET" not in out and "\ud800" not in out
    if fmt in ("wide", "canvas", "moodle"):  # a row per student of the roster
        rows = list(csv.reader(io.StringIO(out)))
        assert len(rows) == len(IDS) + (2 if fmt == "canvas" else 1)  # Canvas: points too
        # the rows no student's can hold are named on stderr, once each
        assert err.count("not in the gradebook") == 2 and "Traceback" not in err
        assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
        return
    for source, message in BAD.items():
        assert out.count(message) == 1, (source, message)
    if fmt == "json":
        students = json.loads(out)["students"]
        errors = [s for s in students if s.get("error")]
        assert len(errors) == len(BAD)
        graded = {s["student"] for s in students if not s.get("error")}
        assert graded >= set(IDS) - {"s270", "s271", "s273", "s274"}
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
        assert "<script>alert(2)</script>" in out  # the answer, as text


def test_export_prairielearn_keeps_hostile_text_as_text(tmp_path: Path) -> None:
    hostile = TEMPLATE.read_text(encoding="utf-8").replace(
        'title = "Assignment: backpropagation in a 2-2-2 sigmoid network"',
        'title = "<script>alert(1)</script> {{params.x}} \\\\write18{x}"', 1).replace(
        'text = "The first output of the forward pass."',
        'text = "</div><img src=x onerror=alert(1)> {{{params}}}"', 1)
    (tmp_path / "t.toml").write_text(hostile, encoding="utf-8")
    assert main(["export", "prairielearn", str(tmp_path / "t.toml"), "--count", "3",
                 "-o", str(tmp_path / "pl")]) == 0
    assert {p for p in _files(tmp_path) if tmp_path / "pl" not in p.parents} == {
        tmp_path / "t.toml", tmp_path / "pl"}
    html = (tmp_path / "pl" / "question.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img" not in html
    assert "{{params.x}}" not in html and "{{{params}}}" not in html
    info = json.loads((tmp_path / "pl" / "info.json").read_text(encoding="utf-8"))
    assert "script" in info["title"]  # the title, as text
