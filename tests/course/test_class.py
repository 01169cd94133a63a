"""A class simulated end to end: grading that students trust, gradebooks an LMS imports.

320 students on a roster (names in Latin with accents, Cyrillic, Greek, CJK and Arabic; the
roster a semicolon-delimited file with the columns LMSs export) get their variants of the
bundled template.  They answer: right to 3 to 6 significant digits, typed with a Unicode minus,
an en dash, a decimal comma or thin spaces between digit groups; or with one of their key's
mistakes (every mistake the keys list, each at least once where the asked digits can tell it
from the right value); some answer a question twice (the last row counts), some hand in nothing,
some hand in a file instead of a row of the class's CSV, and one hands in a classmate's file.
Every right answer gets full marks in ``grade`` (text, CSV, JSON), in the PrairieLearn
``grade()`` of the generated ``server.py``, through the Gradescope path (the submission metadata
and the roster) and on the explore page (its script's judge, over the class's answers in one
browser session); every mistake is named; the copied variant is caught; the wide gradebooks list
every student of the roster.  A sweep over the template with other activations, losses and
learning rate names every mistake of the registry.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from launching import launched_browser

from symbackprop.check.judge import SLACK, agrees, judge_number
from symbackprop.check.reading import read_answer
from symbackprop.cli import main
from symbackprop.course.binding import bind, one_submission, read_metadata
from symbackprop.course.gradebooks import canvas_csv, moodle_csv, wide_csv
from symbackprop.course.gradescope import gradescope_results
from symbackprop.course.grading import (
    Submission,
    class_grades,
    grade_all,
    grade_submission,
    load_keys,
)
from symbackprop.course.prairielearn import prairielearn_files
from symbackprop.course.reports import grades_csv, grades_text
from symbackprop.course.submissions import read_submissions
from symbackprop.spec.claims import printed_unit

TEMPLATE = "assignment_2_2_2"
STUDENTS = 320
SCRIPTS = {  # given names, family names
    "latin": (["Zoë", "José", "François", "Åsa", "Łukasz", "Søren", "Ümit", "Inés"],
              ["Müller", "Núñez", "Pérès", "Ångström", "Żółkiewski", "Ødegård", "Dvořák"]),
    "cyrillic": (["Саша", "Дмитрий", "Ольга", "Иван"], ["Иванова", "Орлов", "Смирнова"]),
    "greek": (["Αλέξανδρος", "Ελένη", "Γιώργος", "Μαρία"], ["Παπαδόπουλος", "Οικονόμου"]),
    "cjk": (["李", "王", "山田", "김"], ["雷", "芳", "太郎", "민준"]),
    "arabic": (["محمد", "فاطمة", "أحمد", "ليلى"], ["علي", "الزهراء", "حسن", "منصور"]),
}


@dataclass
class Expected:
    """What one answer should get: ``right`` (full marks), or the mistake it was made with."""

    typed: str
    right: bool
    mistake: str | None = None


@dataclass
class Klass:
    folder: Path
    keys: dict[str, dict[str, Any]]
    roster: list[dict[str, str]]
    answers: dict[tuple[str, str], Expected] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)
    duplicated: set[str] = field(default_factory=set)
    files: dict[str, Path] = field(default_factory=dict)
    copier: str = ""
    victim: str = ""
    copy: Path = Path()
    csv: Path = Path()
    showable: set[str] = field(default_factory=set)


def _name(k: int) -> str:
    givens, families = list(SCRIPTS.values())[k % len(SCRIPTS)]
    name = f"{givens[k % len(givens)]} {families[(k // 5) % len(families)]}"
    return 'Turing, "Alan"' if k == 7 else name


def _styled(text: str, style: int) -> str:
    """A number as a student types it: as printed, with a Unicode minus, an en dash and a
    decimal comma, a decimal comma, or thin spaces between groups of three decimals."""
    if style == 1:
        return text.replace("-", "\u2212")
    if style == 2 and text.startswith("-"):
        return "\u2013" + text[1:].replace(".", ",")
    if style in (2, 3):
        comma = text.replace(".", ",")
        return comma if read_answer(comma).number is not None else text  # 1,234 is ambiguous
    if style == 4 and "e" not in text and "." in text:
        whole, fraction = text.split(".")
        return whole + "." + "\u2009".join(fraction[i:i + 3] for i in range(0, len(fraction), 3))
    return text


def _own(typed: str, value: float) -> bool:
    """Whether ``typed`` is ``value`` to its own last digit."""
    number = read_answer(typed).number
    assert number is not None, typed
    return abs(float(number) - value) <= 0.5 * (printed_unit(number) or 0.0) * SLACK


def _make_class(folder: Path) -> Klass:
    rng = np.random.default_rng(2025)
    roster = [{"Student": f"st{k:03d}", "Name": _name(k), "Email": f"st{k:03d}@uni.example",
               "SID": f"{20250000 + k}", "SIS Login ID": f"login{k:03d}",
               "SIS User ID": f"u{k:03d}", "Section": "AB"[k % 2], "ID number": f"N{k:03d}"}
              for k in range(1, STUDENTS + 1)]
    path = folder / "roster.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(roster[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(roster)
    hw = folder / "hw"
    assert main(["variants", TEMPLATE, "--roster", str(path), "-o", str(hw)]) == 0
    klass = Klass(hw, load_keys(hw), roster)
    ids = list(klass.keys)
    klass.absent = {sid for k, sid in enumerate(ids) if k % 13 == 5}
    klass.victim, klass.copier = ids[10], ids[11]
    klass.absent.add(klass.copier)  # hands in only the classmate's file
    mistakes_to_show: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for sid in ids:  # where each mistake can be told from the right value at the asked digits
        for q in klass.keys[sid]["questions"]:
            for m in q["mistakes"]:
                if not agrees(Decimal(f"{m['value']:#.6g}"), q["value"], q["digits"]):
                    mistakes_to_show.setdefault(m["name"], []).append((sid, q["id"], m))
    shown = {name: places[int(rng.integers(len(places)))][:2]
             for name, places in mistakes_to_show.items()}
    klass.showable = set(shown)
    rows: list[list[str]] = []
    for k, sid in enumerate(ids):
        if sid in klass.absent:
            continue
        style = k % 5
        for q in klass.keys[sid]["questions"]:
            forced = [n for n, place in shown.items() if place == (sid, q["id"])]
            mistake = None
            if forced:
                mistake = next(m for m in q["mistakes"] if m["name"] == forced[0])
            elif q["mistakes"] and rng.random() < 0.35:
                mistake = q["mistakes"][int(rng.integers(len(q["mistakes"])))]
            if mistake is None:
                typed = _styled(f"{q['value']:.{int(rng.integers(3, 7))}g}", style)
                expected = Expected(typed, True)
            else:
                typed = _styled(f"{mistake['value']:#.6g}", style)
                indistinct = agrees(read_answer(typed).number, q["value"], q["digits"])
                expected = Expected(typed, indistinct, None if indistinct else mistake["name"])
            klass.answers[(sid, q["id"])] = expected
            if k % 17 == 3 and q["id"] == "q2":  # answered twice: the first row is replaced
                rows.append([sid, "dL/dw1", "0,5"])
                klass.duplicated.add(sid)
            rows.append([sid, q["id"], typed])
    files = folder / "files"
    files.mkdir()
    for k, sid in enumerate(ids):  # every 7th student hands in a file, not CSV rows
        if k % 7 == 2 and sid not in klass.absent and sid not in klass.duplicated:
            klass.files[sid] = files / f"{sid}.toml"
            klass.files[sid].write_text(f'variant = "{sid}"\n[answers]\n' + "".join(
                f'"{q["of"]}" = "{klass.answers[(sid, q["id"])].typed}"\n'
                for q in klass.keys[sid]["questions"]), encoding="utf-8")
    rows = [r for r in rows if r[0] not in klass.files]
    klass.csv = folder / "class.csv"
    with klass.csv.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["student", "question", "answer"])
        writer.writerows(rows)
    klass.copy = files / "copy.toml"  # the victim's variant, with the victim's right answers
    klass.copy.write_text(f'variant = "{klass.victim}"\n[answers]\n' + "".join(
        f'{q["id"]} = "{q["value"]:.4g}"\n' for q in klass.keys[klass.victim]["questions"]),
        encoding="utf-8")
    return klass


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Klass:
    return _make_class(tmp_path_factory.mktemp("class"))


@pytest.fixture(scope="module")
def graded(klass: Klass) -> dict[str, Any]:
    """grade --format json of the class (the CLI, once), and the same grades in Python."""
    out = klass.folder.parent / "grades.json"
    assert main(["grade", str(klass.folder), str(klass.csv), str(klass.copy.parent),
                 "--format", "json", "--jobs", "1", "-o", str(out)]) == 0
    grades = class_grades(grade_all(read_submissions([klass.csv, klass.copy.parent]),
                                    klass.folder), klass.keys)
    return {"json": json.loads(out.read_text(encoding="utf-8")), "grades": grades}


def _marks(data: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for student in data["students"]:
        if student["submitted"] and student["error"] is None:
            for mark in student["marks"]:
                yield student["student"], student["source"], mark


def test_the_class_is_what_the_issue_asks_for(klass: Klass) -> None:
    names = [r["Name"] for r in klass.roster]
    assert len(klass.keys) == STUDENTS >= 300
    assert {script for script, (givens, _) in SCRIPTS.items()
            if any(n.split()[0] in givens for n in names)} == set(SCRIPTS)
    typed = [e.typed for e in klass.answers.values()]
    assert sum("\u2212" in t or "\u2013" in t for t in typed) > 50
    assert sum("," in t for t in typed) > 100 and sum("\u2009" in t for t in typed) > 20
    assert {len(read_answer(t).number.as_tuple().digits) for t, e in
            zip(typed, klass.answers.values(), strict=True) if e.right} >= {3, 4, 5, 6}
    assert len(klass.absent) > 20 and len(klass.duplicated) > 10 and len(klass.files) > 30
    assert klass.keys[klass.copier]["roster"]["email"] == f"{klass.copier}@uni.example"


def test_every_right_answer_gets_full_marks_and_every_mistake_is_named(
        klass: Klass, graded: dict[str, Any]) -> None:
    seen, named = set(), set()
    for sid, source, mark in _marks(graded["json"]):
        if source == str(klass.copy):
            continue
        expected = klass.answers[(sid, mark["question"])]
        assert mark["answer"] == expected.typed, (sid, mark)
        if expected.right:
            assert (mark["verdict"], mark["points"]) == ("correct", mark["max_points"]), (
                sid, mark)
        else:
            assert mark["verdict"] == "incorrect" and mark["points"] == 0, (sid, mark)
            key = next(q for q in klass.keys[sid]["questions"] if q["id"] == mark["question"])
            fits = {m["name"] for m in key["mistakes"] if _own(expected.typed, m["value"])}
            assert expected.mistake in fits and mark["mistake"] in fits, (sid, mark, fits)
            named.add(mark["mistake"])
            seen.add(expected.mistake)
        read = read_answer(expected.typed)
        assert mark["feedback"].startswith(f"Read as {read.text}.") == read.changed, mark
    listed = {m["name"] for key in klass.keys.values() for q in key["questions"]
              for m in q["mistakes"]}
    assert named == seen == klass.showable == listed, (listed - named, named - listed)
    assert {"missing_path", "sign", "half_of_loss", "sigmoid_output_only", "update_sign",
            "update_not_applied", "update_learning_rate", "update_step_only",
            "activation_not_applied"} <= named


def test_duplicates_count_once_absentees_and_the_copy_are_in_the_gradebook(
        klass: Klass, graded: dict[str, Any]) -> None:
    data = graded["json"]
    by_student: dict[str, list[dict[str, Any]]] = {}
    for student in data["students"]:
        by_student.setdefault(student["student"], []).append(student)
    assert set(by_student) == set(klass.keys)
    for sid in klass.duplicated:
        (student,) = by_student[sid]
        assert [n for n in student["notes"] if "answered 2 times" in n] == [
            "q2 answered 2 times ('dL/dw1', 'q2'); the last answer ('q2') is graded"]
    for sid in klass.absent:
        (student,) = by_student[sid]
        assert not student["submitted"] and student["score"] == 0
        assert {m["verdict"] for m in student["marks"]} == {"not_submitted"}
    victim = by_student[klass.victim]
    assert sorted(s["source"] for s in victim) == sorted([str(klass.csv), str(klass.copy)])
    assert all("claimed by 2 submissions" in " ".join(s["notes"]) for s in victim)
    summary = data["summary"]
    assert summary["not_submitted"] == len(klass.absent)
    assert summary["students"] == STUDENTS + 1 and summary["errors"] == 0
    assert [c["variant"] for c in summary["claimed_twice"]] == [klass.victim]
    scores = [s["score"] for s in data["students"]]
    assert summary["mean_score"] == pytest.approx(sum(scores) / len(scores))


def test_the_text_and_csv_reports_say_the_same(klass: Klass, graded: dict[str, Any]) -> None:
    grades = graded["grades"]
    data = graded["json"]
    rows = list(csv.DictReader(io.StringIO(grades_csv(grades))))
    totals = [r for r in rows if r["question"] == "total"]
    assert [(r["student"], float(r["points"])) for r in totals] == [
        (s["student"], s["score"]) for s in data["students"]]
    text = grades_text(grades)
    for sid in klass.absent:
        assert f"{sid} (" in text and f"{sid} ({klass.keys[sid]['name']}): not submitted" in text
    assert f"({len(klass.absent)} did not submit: 0 points)" in text


def test_the_wide_gradebooks_list_every_roster_student(klass: Klass,
                                                       graded: dict[str, Any]) -> None:
    grades = graded["grades"]
    wide = list(csv.DictReader(io.StringIO(wide_csv(grades, klass.keys))))
    assert [r["student"] for r in wide] == list(klass.keys)
    canvas = list(csv.reader(io.StringIO(canvas_csv(grades, klass.keys))))
    assert canvas[1][0] == "Points Possible"
    assert [(r[0], r[2], r[3], r[4]) for r in canvas[2:]] == [
        (s["Name"], s["SIS User ID"], s["SIS Login ID"], s["Section"]) for s in klass.roster]
    moodle = list(csv.reader(io.StringIO(moodle_csv(grades, klass.keys))))
    assert [(r[0], r[1]) for r in moodle[1:]] == [(s["ID number"], s["Email"])
                                                   for s in klass.roster]
    by_id = {r["student"]: r for r in wide}
    for sid in klass.absent:
        assert by_id[sid]["total"] == "0" and by_id[sid]["notes"] == "not submitted"


def _metadata(folder: Path, sid: str) -> Path:
    path = folder / f"{sid}.metadata.json"
    path.write_text(json.dumps({"id": 1, "users": [{"email": f"{sid.upper()}@uni.example",
                                                      "id": 9, "name": sid}]}), encoding="utf-8")
    return path


def test_the_gradescope_path_binds_each_submission(klass: Klass, tmp_path: Path) -> None:
    """Every submission through Gradescope's path, bound by its submitter's metadata: the score
    grade gives; the classmate's file scores 0 and says whose variant it names."""
    submissions = {s.student: s for s in read_submissions([klass.csv, *klass.files.values()])}
    for sid, submission in submissions.items():
        bound = bind(one_submission([submission]), klass.keys,
                     read_metadata(_metadata(tmp_path, sid)))
        results = gradescope_results(grade_submission(bound, klass.folder, klass.keys))
        right = [e.right for (s, _), e in klass.answers.items() if s == sid]
        points = sum(float(q["points"]) for q, ok in zip(klass.keys[sid]["questions"], right,
                                                          strict=True) if ok)
        assert results["score"] == points and results["extra_data"] == {"variant": sid}
    out = tmp_path / "results.json"
    status = main(["grade", str(klass.folder), str(klass.copy), "--format", "gradescope",
                   "--metadata", str(_metadata(tmp_path, klass.copier)), "-o", str(out)])
    results = json.loads(out.read_text(encoding="utf-8"))
    assert status == 1 and results["score"] == 0.0
    assert (f"names variant '{klass.victim}', but it was submitted by "
            f"{klass.copier.upper()}@uni.example, whose variant is '{klass.copier}'"
            in results["output"])


def _pl_variants(keys: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"values": [], "answers": {q["id"]: {
        "value": q["value"], "tolerance": q["tolerance"], "digits": q["digits"],
        "mistakes": [{k: m[k] for k in ("name", "value", "description")}
                     for m in q["mistakes"]]} for q in key["questions"]}} for key in keys.values()]


def test_the_prairielearn_server_grades_the_class_alike(klass: Klass) -> None:
    """The generated server.py, its variants the class's keys: parse reads each typed answer
    (what pl-number-input would refuse too), grade gives every right answer full marks and
    names each mistake."""
    server: dict[str, Any] = {}
    exec(compile(prairielearn_files(TEMPLATE, count=1, picture=False)["server.py"],
                 "server.py", "exec"), server)
    server["VARIANTS"][:] = _pl_variants(klass.keys)
    for index, sid in enumerate(klass.keys):
        if sid in klass.absent:
            continue
        typed = {qid: e.typed for (s, qid), e in klass.answers.items() if s == sid}
        data = {"params": {"variant": index}, "raw_submitted_answers": dict(typed),
                "submitted_answers": dict.fromkeys(typed), "format_errors": {},
                "partial_scores": {q: {"score": 0} for q in typed}, "feedback": {}}
        server["parse"](data)
        assert data["format_errors"] == {}, (sid, data["format_errors"])
        server["grade"](data)
        for qid, text in typed.items():
            expected = klass.answers[(sid, qid)]
            assert data["partial_scores"][qid]["score"] == (1.0 if expected.right else 0.0), (
                sid, qid, text, data["feedback"].get(qid))
            if not expected.right:
                said = server["verdict"](qid, text, data["params"])
                assert said["kind"] == "incorrect" and any(  # (missing_path: one per path)
                    _own(text, m["value"]) for m in server["VARIANTS"][index]["answers"][qid][
                        "mistakes"] if m["name"] == said["mistake"]), (sid, qid, text, said)


def test_the_explore_pages_judge_grades_the_class_alike(klass: Klass, tmp_path: Path) -> None:
    """The page's script's judge (one Chromium session) over every answer of the class, with
    each question's asked digits: every right answer right, each verdict and mistake as
    check.judge says."""
    page_file = tmp_path / "page.html"
    assert main(["explore", TEMPLATE, "-o", str(page_file)]) == 0
    cases, expected = [], []
    for (sid, qid), answer in klass.answers.items():
        q = next(q for q in klass.keys[sid]["questions"] if q["id"] == qid)
        target = {"value": q["value"], "tolerance": q["tolerance"], "total": str(q["value"]),
                  "mistakes": [{k: m[k] for k in ("name", "value", "description")}
                               for m in q["mistakes"]]}
        cases.append([answer.typed, target, q["digits"]])
        judged = judge_number(answer.typed, q["value"],
                              [(m["name"], m["value"]) for m in q["mistakes"]],
                              digits=q["digits"])
        expected.append([judged.kind, judged.mistake])
        assert (judged.kind == "right") == answer.right, (sid, qid, answer, judged)
    with launched_browser() as browser:
        page = browser.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url ==
                   page_file.resolve().as_uri() else route.abort())
        page.goto(page_file.resolve().as_uri())
        page.wait_for_selector(".sbp-explore[data-ready]")
        judged = page.evaluate(
            "cases => cases.map(([text, target, digits]) => { const v = document."
            "querySelector('.sbp-explore').sbpJudgeValue(text, target, digits); "
            "return [v.kind, v.mistake]; })", cases)
    assert len(judged) == len(klass.answers) > 1000
    differ = [(c[0], e, j) for c, e, j in zip(cases, expected, judged, strict=True) if e != j]
    assert not differ, differ[:5]
    assert all(j[0] == "right" for j, a in zip(judged, klass.answers.values(), strict=True)
               if a.right)


# -- the rest of the registry, on templates with other activations and losses -------------------

SWEEP = {  # (hidden, output, loss, learning rate): 0.1, where 2 eta g is not g
    "assignment": ('hidden = "sigmoid"', 'output = "sigmoid"', 'loss = "half_squared_error"',
                   "learning_rate = 0.1"),
    "tanh_softmax_ce": ('hidden = "tanh"', 'output = "softmax"', 'loss = "cross_entropy"',
                        "learning_rate = 0.1"),
    "relu_sigmoid_se": ('hidden = "relu"', 'output = "sigmoid"', 'loss = "squared_error"',
                        "learning_rate = 0.1"),
}


def test_the_registrys_mistakes_are_named_on_other_templates(tmp_path: Path) -> None:
    """60 students each of the template with other activations, losses and a learning rate of
    0.1: every mistake in their keys, typed to 6 digits where the asked digits tell it from
    the right value, is named, and together they name every mistake of the registry."""
    from importlib import resources

    from symbackprop.check.mistakes import LOSS_FACTORS, MISTAKES, SIGN, STEP_MISTAKES

    source = resources.files("symbackprop.spec.examples").joinpath(
        f"{TEMPLATE}.toml").read_text(encoding="utf-8")
    named = set()
    for name, (hidden, output, loss, rate) in SWEEP.items():
        text = (source.replace('hidden = "sigmoid"', hidden)
                .replace('output = "sigmoid"', output)
                .replace('loss = "half_squared_error"', loss)
                .replace("learning_rate = 0.5", rate))
        template = tmp_path / f"{name}.toml"
        template.write_text(text, encoding="utf-8")
        folder = tmp_path / name
        assert main(["variants", str(template), "--count", "60", "-o", str(folder)]) == 0
        keys = load_keys(folder)
        for sid, key in keys.items():
            for q in key["questions"]:
                assert judge_number(f"{q['value']:.4g}", q["value"],
                                    digits=q["digits"]).kind == "right"
                for m in q["mistakes"]:
                    typed = f"{m['value']:#.6g}"
                    if agrees(Decimal(typed), q["value"], q["digits"]):
                        continue
                    grade = grade_submission(Submission(sid, "x", {q["id"]: typed}), folder,
                                             keys)
                    mark = next(k for k in grade.marks if k.question == q["id"])
                    fits = {x["name"] for x in q["mistakes"] if _own(typed, x["value"])}
                    assert mark.verdict == "incorrect" and mark.mistake in fits, (sid, q, m)
                    named.add(mark.mistake)
    registry = {m.name for m in (*MISTAKES, *STEP_MISTAKES)} | {
        SIGN.name, next(iter(LOSS_FACTORS.values())).name, "missing_path",
        "activation_not_applied"}
    assert named == registry, (registry - named, named - registry)
