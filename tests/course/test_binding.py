"""A submission is bound to its student: Gradescope's submission metadata (or --student) says
who handed it in, the roster in the keys says whose variant that is, and a file naming a
classmate's variant scores 0 with a message saying so; results.json names the variant graded,
and what cannot be graded is still a results.json."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from test_grading import GRADESCOPE_SCHEMA, TEMPLATE

from symbackprop.cli import main
from symbackprop.course.files import assignment_files
from symbackprop.course.grading import load_keys
from symbackprop.course.roster import Student

ROSTER = (Student("ada", "Ada Lovelace", email="ada@uni.example", sid="1001"),
          Student("alan", "Turing, Alan", email="alan@uni.example", sid="1002"),
          Student("grace", "Grace Hopper", email="grace@uni.example"))


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bound")
    for name, text in assignment_files(TEMPLATE, ROSTER, seed=5).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _answers(course: Path, variant: str, folder: Path) -> Path:
    """The right answers of ``variant``, as a student's answers.toml."""
    key = load_keys(course)[variant]
    path = folder / "answers.toml"
    path.write_text(f'variant = "{variant}"\n[answers]\n' + "".join(
        f'{q["id"]} = "{q["value"]:.4g}"\n' for q in key["questions"]), encoding="utf-8")
    return path


def _metadata(folder: Path, *users: dict[str, object]) -> Path:
    """Gradescope's submission_metadata.json (its documented shape), with these users."""
    path = folder / "submission_metadata.json"
    path.write_text(json.dumps({
        "id": 123456, "created_at": "2018-07-01T14:22:32.365935-07:00",
        "assignment": {"id": 25828, "title": "Homework 3", "total_points": "8.0"},
        "submission_method": "upload", "users": list(users), "previous_submissions": []}),
        encoding="utf-8")
    return path


def _gradescope(course: Path, answers: Path, metadata: Path, tmp_path: Path) -> tuple[int, dict]:
    out = tmp_path / "results.json"
    status = main(["grade", str(course), str(answers), "--format", "gradescope", "--metadata",
                   str(metadata), "-o", str(out), "--jobs", "1"])
    results = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    return status, results


def test_the_submitters_own_variant_is_graded_and_named(course: Path, tmp_path: Path) -> None:
    answers = _answers(course, "ada", tmp_path)
    metadata = _metadata(tmp_path, {"email": "ADA@uni.example", "id": 7, "name": "Ada"})
    status, results = _gradescope(course, answers, metadata, tmp_path)
    assert status == 0 and results["score"] == 8.0
    assert results["output"] == "8 of 8 points, variant ada (Ada Lovelace)."
    assert results["extra_data"] == {"variant": "ada"}


def test_a_classmates_variant_scores_zero_and_says_why(course: Path, tmp_path: Path) -> None:
    """Alan hands in Ada's file (her variant, her right answers): 0 points, never her 8."""
    answers = _answers(course, "ada", tmp_path)
    metadata = _metadata(tmp_path, {"email": "alan@uni.example", "id": 8, "name": "Alan"})
    status, results = _gradescope(course, answers, metadata, tmp_path)
    assert status == 1 and results["score"] == 0.0 and results["tests"] == []
    assert "names variant 'ada', but it was submitted by alan@uni.example, whose variant is " \
           "'alan'" in results["output"]


def test_a_group_and_an_sid_bind_too(course: Path, tmp_path: Path) -> None:
    """A group submission binds to any of its members' variants; Gradescope's sid, where the
    roster has it, binds as the email does."""
    answers = _answers(course, "alan", tmp_path)
    group = _metadata(tmp_path, {"email": "ada@uni.example", "id": 7, "name": "Ada"},
                      {"email": "someone@else.example", "id": 9, "name": "X", "sid": "1002"})
    assert _gradescope(course, answers, group, tmp_path)[1]["score"] == 8.0
    stranger = _metadata(tmp_path, {"email": "eve@uni.example", "id": 6, "name": "Eve"})
    status, results = _gradescope(course, answers, stranger, tmp_path)
    assert status == 1 and results["score"] == 0.0
    assert "eve@uni.example is not on the roster the variants were drawn for" in \
        results["output"]


def test_what_cannot_be_graded_is_still_a_results_json(course: Path, tmp_path: Path) -> None:
    """A class CSV of two students through --format gradescope, unreadable metadata, keys
    without emails: each a results.json with score 0 and the reason as its output."""
    rows = tmp_path / "class.csv"
    rows.write_text("student,question,answer\nada,q1,0.1\nalan,q1,0.2\n", encoding="utf-8")
    metadata = _metadata(tmp_path, {"email": "ada@uni.example", "id": 7, "name": "Ada"})
    status, results = _gradescope(course, rows, metadata, tmp_path)
    assert status == 1 and results["score"] == 0.0
    assert "holds 2 submissions (ada, alan)" in results["output"]
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    status, results = _gradescope(course, _answers(course, "ada", tmp_path), broken, tmp_path)
    assert status == 1 and "not Gradescope's submission metadata" in results["output"]
    numbered = tmp_path / "numbered"
    for name, text in assignment_files(TEMPLATE, (Student("ada"),), seed=5).items():
        (numbered / name).parent.mkdir(parents=True, exist_ok=True)
        (numbered / name).write_text(text, encoding="utf-8")
    status, results = _gradescope(numbered, _answers(numbered, "ada", tmp_path), metadata,
                                  tmp_path)
    assert status == 1 and "the answer keys name no email or sid" in results["output"]


def test_student_binds_a_submission_in_other_settings(course: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    answers = _answers(course, "ada", tmp_path)
    assert main(["grade", str(course), str(answers), "--student", "ada", "--jobs", "1"]) == 0
    assert capsys.readouterr().out.startswith("ada (Ada Lovelace): 8 of 8 points")
    assert main(["grade", str(course), str(answers), "--student", "grace", "--jobs", "1"]) == 1
    out = capsys.readouterr().out
    assert "names variant 'ada', but it was submitted by grace, whose variant is 'grace'" in out
    assert "8 of 8" not in out
    metadata = _metadata(tmp_path, {"email": "grace@uni.example", "id": 3, "name": "Grace"})
    assert main(["grade", str(course), str(answers), "--metadata", str(metadata), "--format",
                 "csv", "--jobs", "1"]) == 1   # the metadata binds in any format
    assert "submitted by grace@uni.example, whose variant is 'grace'" in capsys.readouterr().out


def test_the_lms_gradebooks_list_every_roster_student(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A class CSV for two of three students and one not on the roster: the wide, Canvas and
    Moodle gradebooks have a row for each roster student (the absent one 0), matched on the
    columns each LMS reads; the stranger is named on stderr, and the exit status says so."""
    roster = (Student("ada", "Lovelace, Ada", email="ada@uni.example", sis_user_id="u1",
                      sis_login_id="ada.l", section="A", idnumber="N1"),
              Student("alan", "Turing, Alan", sis_login_id="alan.t"),
              Student("li", "李雷", email="li@uni.example", idnumber="N3"))
    course = tmp_path / "hw"
    for name, text in assignment_files(TEMPLATE, roster, seed=5).items():
        (course / name).parent.mkdir(parents=True, exist_ok=True)
        (course / name).write_text(text, encoding="utf-8")
    keys = load_keys(course)
    rows = ["student,question,answer"] + [
        f"{sid},{q['id']},{q['value']:.4g}" for sid in ("ada", "alan")
        for q in keys[sid]["questions"]] + ["bob,q1,0.5"]
    answers = tmp_path / "answers.csv"
    answers.write_text("\n".join(rows) + "\n", encoding="utf-8")
    books = {}
    for form in ("wide", "canvas", "moodle"):
        assert main(["grade", str(course), str(answers), "--format", form, "--jobs", "1"]) == 1
        out, err = capsys.readouterr()
        books[form] = list(csv.reader(io.StringIO(out)))
        assert err == (f"symbackprop: not in the gradebook: {answers}: no variant 'bob' in the "
                       "answer keys\n")
    title = keys["ada"]["title"]
    assert books["wide"][0] == ["student", "name", "q1", "q2", "q3", "q4", "total", "notes"]
    assert [r[0] for r in books["wide"][1:]] == ["ada", "alan", "li"]
    assert [r[-2:] for r in books["wide"][1:]] == [["8", ""], ["8", ""], ["0", "not submitted"]]
    canvas = books["canvas"]
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                         *(f"{title} q{k}" for k in range(1, 5)), f"{title} total"]
    assert canvas[1] == ["Points Possible", "", "", "", "", "2", "3", "2", "1", "8"]
    assert canvas[2] == ["Lovelace, Ada", "", "u1", "ada.l", "A", "2", "3", "2", "1", "8"]
    assert canvas[4] == ["李雷", "", "", "", "", "0", "0", "0", "0", "0"]
    moodle = books["moodle"]
    assert moodle[0][:3] == ["ID number", "Email address", "Full name"]
    assert moodle[1][:2] == ["N1", "ada@uni.example"] and moodle[3][:2] == ["N3", "li@uni.example"]
    assert [r[-1] for r in moodle[1:]] == ["8", "8", "0"]
