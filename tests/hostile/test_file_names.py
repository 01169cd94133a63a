"""A student's id never becomes a name the tool writes itself, nor one a file system cannot
hold (issue 27, item 2): ``solutions``, Windows device names, hidden names and ids that differ
only in case are written under another name, kept in the key, and graded as any other."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from symbackprop.cli import main
from symbackprop.course.filenames import file_names
from symbackprop.course.roster import Student

IDS = ["solutions", "CON", "nul.x", "com1", "Ada", "ada", ".hid", "s01"]


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("names")
    roster = folder / "roster.csv"
    roster.write_text("id,name\n" + "".join(f"{i},Name {i}\n" for i in IDS), encoding="utf-8")
    assert main(["variants", "assignment_2_2_2", "--roster", str(roster), "--handout",
                 "-o", str(folder / "AN")]) == 0
    return folder / "AN"


def test_every_student_has_their_own_files_and_the_solutions_stay(course: Path) -> None:
    names = sorted(p.name for p in (course / "handout").iterdir())
    assert len(names) == len(IDS) + 1 and "solutions.tex" in names
    keys = [json.loads(p.read_text()) for p in (course / "key").iterdir()]
    assert sorted(k["variant"] for k in keys) == sorted(IDS)
    folded = [p.name.casefold() for p in course.rglob("*")]
    assert len(folded) == len(set(folded))  # one file each on a case-insensitive system
    for key in keys:
        stem = key.get("file", key["variant"])
        assert (stem == key["variant"]) == (key["variant"] == "s01")
        assert (course / f"{stem}.toml").read_text().startswith(f"# Variant {key['variant']} ")
        assert (course / "handout" / f"{stem}.tex").is_file()
        assert not stem.startswith(".") and stem.split(".")[0].casefold() not in {
            "con", "nul", "com1", "solutions"}


def test_the_solutions_handout_is_not_a_students(course: Path) -> None:
    solutions = (course / "handout" / "solutions.tex").read_text()
    mapped = next((course / "handout").glob("solutions~*.tex")).read_text()
    assert solutions != mapped
    assert "Name solutions" in mapped


def test_grade_finds_the_mapped_files(course: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "class.csv"
    answers.write_text("student,question,answer\n" + "".join(
        f"{i},q1,0.123\n" for i in IDS), encoding="utf-8")
    assert main(["grade", str(course), str(answers), "--format", "csv", "--jobs", "1"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    q1 = {r["student"]: r for r in rows if r["question"] == "q1"}
    assert sorted(q1) == sorted(IDS)
    # diagnosing a number no key's mistake explains reads the student's own problem file, by
    # its mapped name (a file not found would be the student's error row)
    assert {r["verdict"] for r in q1.values()} == {"incorrect"}
    assert all(r["mistake"] for r in q1.values())


def test_the_mapping_depends_on_the_id_alone() -> None:
    alone = file_names([Student("solutions")])
    among = file_names([Student("x"), Student("solutions"), Student("y")])
    assert alone["solutions"] == among["solutions"] != "solutions"
    both = file_names([Student("Ada"), Student("ada")])
    assert len({s.casefold() for s in both.values()}) == 2


def test_a_key_without_its_variant_is_refused_naming_it(course: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    (tmp_path / "key").mkdir()
    key = json.loads((course / "key" / "s01.json").read_text())
    del key["variant"]
    (tmp_path / "key" / "s01.json").write_text(json.dumps(key))
    answers = tmp_path / "a.csv"
    answers.write_text("student,question,answer\ns01,q1,1\n")
    assert main(["grade", str(tmp_path), str(answers)]) == 2
    err = capsys.readouterr().err
    assert "s01.json" in err and '"variant"' in err and "Traceback" not in err
