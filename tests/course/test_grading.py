"""Grading answers-only submissions: full marks for the key, each common mistake named (the
way check's own diagnosis names it), partial credit, error rows, and the exports."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from symbackprop.check.diagnose import diagnose_derivative, diagnose_update, diagnose_value
from symbackprop.check.evidence import Scenario
from symbackprop.check.judge import agrees
from symbackprop.check.mistakes import MISTAKES_BY_NAME
from symbackprop.check.reading import significant_digits
from symbackprop.cli import main
from symbackprop.course.files import assignment_files
from symbackprop.course.gradescope import gradescope_results
from symbackprop.course.grading import Grade, Submission, grade_all, grade_submission, load_keys
from symbackprop.course.marking import ROUNDING_CREDIT, Mark
from symbackprop.course.prairielearn import prairielearn_files
from symbackprop.course.reports import class_summary, grades_csv, grades_markdown, grades_text
from symbackprop.course.roster import numbered
from symbackprop.course.submissions import read_submissions
from symbackprop.spec import load_problem

TEMPLATE = "assignment_2_2_2"

# Gradescope's autograder output format ("Autograder Specifications", results.json): a
# top-level score, output and tests; each test with name, score, max_score, status, output.
GRADESCOPE_SCHEMA = {
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "stdout_visibility": {"enum": ["hidden", "after_due_date", "after_published",
                                       "visible"]},
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "score": {"type": "number"}, "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]}, "name": {"type": "string"},
                "number": {"type": "string"}, "output": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": {"enum": ["hidden", "after_due_date", "after_published",
                                        "visible"]},
            },
            "required": ["score", "max_score", "name", "output"],
            "additionalProperties": False,
        }},
    },
    "required": ["score", "tests"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("course")
    for name, text in assignment_files(TEMPLATE, numbered(12), seed=99).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _csv(rows: list[tuple[str, str, str]]) -> str:
    return "student,question,answer\n" + "".join(f"{s},{q},{a}\n" for s, q, a in rows)


def test_a_correct_csv_scores_full_marks(course: Path, tmp_path: Path) -> None:
    keys = load_keys(course)
    rows = [(sid, q["id"], repr(q["value"])) for sid, key in keys.items()
            for q in key["questions"]]
    answers = tmp_path / "answers.csv"
    answers.write_text(_csv(rows))
    out = tmp_path / "grades.json"
    # Two worker processes: in a child process, since forking this test process (which other
    # tests load jax into, whose threads do not survive a fork) is not safe.
    done = subprocess.run([sys.executable, "-m", "symbackprop", "grade", str(course),
                           str(answers), "--format", "json", "-o", str(out), "--jobs", "2"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text())
    assert len(data["students"]) == 12
    for student in data["students"]:
        assert student["score"] == student["max_score"] == 8
        assert {m["verdict"] for m in student["marks"]} == {"correct"}
    assert all(q["correct"] == 12 for q in data["summary"]["questions"])


def _diagnosis_names(course: Path, sid: str, question: dict, value: float, name: str) -> bool:
    """Whether check's diagnosis, at the question's tolerance, names the mistake ``name`` (as
    its explanation, or among those of the same size it lists)."""
    problem = load_problem(course / f"{sid}.toml")
    scenario = Scenario.at_values(problem.graph, problem.values)
    claimed, tol = np.array([value]), np.array([question["tolerance"]])
    if question["kind"] == "value":
        diagnosis = diagnose_value(problem.graph, question["target"], claimed, tol, scenario)
    elif question["kind"] == "update":
        derivation = scenario.derivation("L", question["target"])
        diagnosis = diagnose_update(derivation, problem.learning_rate, claimed, tol, scenario)
    else:
        derivation = scenario.derivation(question["target"], question["wrt"])
        diagnosis = diagnose_derivative(derivation, claimed, tol, scenario)
    findings = [f for f in diagnosis.findings if f.kind != "wrong_gradient"]
    said = {f.mistake or f.kind for f in findings}
    aliases = {"missing_path": "missing_paths", "half_of_loss": "factor_of_"}
    wanted = aliases.get(name, name)
    first = any(s.startswith(wanted) for s in said)
    words = MISTAKES_BY_NAME[name].brief if name in MISTAKES_BY_NAME else name
    return first or any(words in other or wanted in other for other in diagnosis.others)


def test_each_common_mistake_is_named_in_grade(course: Path) -> None:
    """Every mistake of every key, its value typed in full, is named, as check's diagnosis
    names it; unless the digits the question asks for cannot tell it from the right value
    (an update's later-layers-first gradient, say, moves w+ by less than its third digit):
    then it is right, as the question asks no more."""
    keys = load_keys(course)
    named, checked, alike = 0, set(), 0
    for sid, key in keys.items():
        for q in key["questions"]:
            for m in q["mistakes"]:
                typed = f"{m['value']:.12e}"  # in full (0.5 would ask for more digits)
                grade = grade_submission(Submission(sid, "x.toml", {q["id"]: typed}), course,
                                         keys)
                mark = next(k for k in grade.marks if k.question == q["id"])
                if agrees(Decimal(typed), q["value"], q["digits"]):
                    assert mark.verdict == "correct" and q["kind"] == "update", (sid, q, m)
                    alike += 1
                    continue
                assert mark.verdict == "incorrect" and mark.points == 0
                assert mark.mistake == m["name"], (sid, q["id"], m)
                assert _diagnosis_names(course, sid, q, m["value"], m["name"]), (sid, q, m)
                named += 1
                checked.add(m["name"])
    assert named > 150 and alike < named / 2
    assert {"missing_path", "sign", "half_of_loss", "update_sign", "update_not_applied",
            "pre_update_order", "sigmoid_output_only", "activation_not_applied"} <= checked
    assert checked & set(MISTAKES_BY_NAME)


def test_partial_credit_and_unexplained_answers(course: Path) -> None:
    keys = load_keys(course)
    q1 = keys["s01"]["questions"][0]
    rounded = q1["value"] + 3 * q1["tolerance"]
    far = q1["value"] * 7 + 1
    grade = grade_submission(Submission("s01", "x", {"q1": repr(rounded), "dL/dw1": "2",
                                                     "q2": "1e400"}), course, keys)
    first = grade.marks[0]
    if first.mistake is None:  # no common mistake lies 3 tolerances away
        assert first.verdict == "rounding" and first.points == ROUNDING_CREDIT * q1["points"]
    other = grade_submission(Submission("s01", "x", {"q1": repr(far)}), course, keys).marks[0]
    assert other.verdict == "incorrect" and other.mistake == "unexplained"
    assert "The right value is" in other.feedback
    assert [m.verdict for m in grade.marks[2:]] == ["missing", "missing"]
    assert grade.notes == (  # q2 by what it asks, then by its id: the last answer counts
        "q2 answered 2 times ('dL/dw1', 'q2'); the last answer ('q2') is graded",)
    assert grade.marks[1].verdict == "invalid"  # 1e400 is not a finite number
    odd = grade_submission(Submission("s01", "x", {"q9": "1"}), course, keys)
    assert odd.notes == ("answer to unknown question 'q9' ignored",)


def test_a_malformed_submission_is_one_error_row(course: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "s01.toml"
    key = load_keys(course)["s01"]
    good.write_text('variant = "s01"\n[answers]\n' + "".join(
        f'{q["id"]} = {q["value"]!r}\n' for q in key["questions"]))
    (tmp_path / "broken.toml").write_text("variant = \n")
    (tmp_path / "stranger.json").write_text('{"variant": "nobody", "answers": {}}')
    (tmp_path / "bad.csv").write_text("who,what\n1,2\n")
    (tmp_path / "rows.csv").write_text(_csv([("s02", "q1", "1"), ("../up", "q1", "1")]))
    status = main(["grade", str(course), str(good), str(tmp_path / "broken.toml"),
                   str(tmp_path / "stranger.json"), str(tmp_path / "bad.csv"),
                   str(tmp_path / "rows.csv"), "--format", "csv", "--jobs", "1"])
    assert status == 1
    rows = capsys.readouterr().out.splitlines()
    errors = [r for r in rows if ",error," in r]
    assert len(errors) == 4
    assert any("s01,,total,,,,8,8" in r for r in rows)
    assert any(r.startswith("s02,") and ",total," in r for r in rows)


def test_gradescope_results_follow_the_documented_format(course: Path, tmp_path: Path) -> None:
    keys = load_keys(course)
    q = keys["s03"]["questions"]
    answers = tmp_path / "answers.toml"
    answers.write_text(f'variant = "s03"\n[answers]\nq1 = {q[0]["value"]!r}\n'
                       f'q2 = {q[1]["mistakes"][0]["value"]!r}\n')
    out = tmp_path / "results.json"
    assert main(["grade", str(course), str(answers), "--format", "gradescope", "-o",
                 str(out)]) == 0
    results = json.loads(out.read_text())
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    assert results["score"] == q[0]["points"]
    assert [t["status"] for t in results["tests"]] == ["passed", "failed", "failed", "failed"]
    assert "that gives" in results["tests"][1]["output"]
    jsonschema.validate(gradescope_results(grade_all(
        [Submission("s03", "x", error="x: bad")], course)[0]), GRADESCOPE_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):  # the schema does reject a wrong shape
        jsonschema.validate({"score": 1, "tests": [{"name": "q1"}]}, GRADESCOPE_SCHEMA)


def test_summary_names_the_commonest_mistakes(course: Path) -> None:
    keys = load_keys(course)
    subs = []
    for sid, key in keys.items():
        q2 = key["questions"][1]
        sign = next(m for m in q2["mistakes"] if m["name"] == "sign")
        subs.append(Submission(sid, "x", {"q2": repr(sign["value"])}))
    grades = grade_all(subs, course, jobs=1)
    summary = class_summary(grades)
    assert summary["questions"][1]["mistakes"][0] == {"name": "sign", "count": 12}
    assert grades_csv(grades).count(",sign,") == 12


def test_prairielearn_question_runs_with_the_standard_library_only(tmp_path: Path) -> None:
    files = prairielearn_files(TEMPLATE, count=5, seed=3, picture=False)
    assert files == prairielearn_files(TEMPLATE, count=5, seed=3, picture=False)
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content) if isinstance(content, str) else path.write_bytes(content)
    info = json.loads((tmp_path / "info.json").read_text())
    assert set(info) == {"uuid", "title", "topic", "tags", "type"} and info["type"] == "v3"
    html = (tmp_path / "question.html").read_text()
    assert html.count("<pl-number-input") == 4
    script = r"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("server", "server.py")
server = importlib.util.module_from_spec(spec)
spec.loader.exec_module(server)
assert not any(m in sys.modules for m in ("numpy", "sympy", "symbackprop"))
request = json.loads(sys.stdin.read())
data = {"variant_seed": request["seed"], "params": {}, "correct_answers": {}}
server.generate(data)
print(json.dumps({"data": data, "variant": server.VARIANTS[data["params"]["variant"]]}))
"""
    def run(stdin: dict) -> dict:
        done = subprocess.run([sys.executable, "-I", "-S", "-c", script], cwd=tmp_path,
                              input=json.dumps(stdin), capture_output=True, text=True,
                              timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    generated = run({"seed": 7})
    data, variant = generated["data"], generated["variant"]
    assert data["params"]["variant"] == 7 % 5
    assert set(data["correct_answers"]) == {"q1", "q2", "q3", "q4"}
    grade_script = r"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("server", "server.py")
server = importlib.util.module_from_spec(spec)
spec.loader.exec_module(server)
data = json.loads(sys.stdin.read())
server.grade(data)
print(json.dumps(data))
"""
    mistake = variant["answers"]["q2"]["mistakes"][0]
    data.update(submitted_answers={"q1": data["correct_answers"]["q1"], "q2": mistake["value"]},
                partial_scores={"q1": {"score": 1}, "q2": {"score": 0}}, feedback={})
    done = subprocess.run([sys.executable, "-I", "-S", "-c", grade_script], cwd=tmp_path,
                          input=json.dumps(data), capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    graded = json.loads(done.stdout)
    assert "q1" not in graded["feedback"]
    assert graded["feedback"]["q2"].lower().startswith(mistake["description"][:20].lower())
    assert graded["partial_scores"]["q2"]["feedback"] == graded["feedback"]["q2"]
    assert graded["score"] == 0.5  # q1 right, q2 a mistake: no credit

    # a rounding slip, as `symbackprop grade` judges it: within 10 tolerances, no mistake gives it
    slips = [(q, a["value"] + 3 * a["tolerance"]) for q, a in variant["answers"].items()]
    slips = [(q, v) for q, v in slips if not any(
        abs(v - m["value"]) <= variant["answers"][q]["tolerance"]
        for m in variant["answers"][q]["mistakes"])]
    assert slips, "every question's near miss is a mistake's value: pick another seed"
    question, close = slips[0]
    data.update(submitted_answers={question: close}, partial_scores={question: {"score": 0}},
                feedback={})
    done = subprocess.run([sys.executable, "-I", "-S", "-c", grade_script], cwd=tmp_path,
                          input=json.dumps(data), capture_output=True, text=True, timeout=60,
                          check=False)
    graded = json.loads(done.stdout)
    assert graded["partial_scores"][question]["score"] == ROUNDING_CREDIT
    assert graded["score"] == ROUNDING_CREDIT and "rounding" in graded["feedback"][question]


def test_the_prairielearn_server_gives_the_same_rounding_credit_as_grade() -> None:
    from symbackprop.check.judge import SLACK
    from symbackprop.course import marking, pl_server

    assert (pl_server.ROUNDING_FACTOR, pl_server.ROUNDING_CREDIT, pl_server.SLACK) == (
        marking.ROUNDING_FACTOR, marking.ROUNDING_CREDIT, SLACK)


def _typed_grid(centre: float, unit: float) -> list[str]:
    """Answers around ``centre`` as people type them: 1 to 8 significant digits, offsets of
    whole and half units, a Unicode minus, a decimal comma, a thin space."""
    typed = []
    for digits in range(1, 9):
        text = f"{centre:.{digits}g}"
        typed += [text, text.replace("-", "\u2212"), text.replace(".", ","),
                  f"{centre:.{digits}e}"]
    for k in (0.5, 0.999, 1, 1.001, 3, 9.99, 10, 10.01, 40):
        typed += [repr(centre + k * unit), repr(centre - k * unit)]
    return [*typed, "1,234", "abc", "", "0.853 542", "2.5×10^-3", "1e400"]


def test_the_prairielearn_server_judges_as_grade_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """The generated server.py (the standard-library copy of the reader and the judge) against
    grade's verdict on a grid of typed answers around each right value and each mistake's
    value: the same verdict (correct, too few digits, a named mistake, rounding, diagnosed,
    invalid), the same score, the same words for too few digits and for what was read."""
    from symbackprop.course import marking

    server: dict = {}
    exec(compile(prairielearn_files(TEMPLATE, count=3, picture=False)["server.py"],
                 "server.py", "exec"), server)
    monkeypatch.setattr(marking, "_diagnosed", lambda *args: ("diagnosed", "Diagnosed."))
    seen = set()
    for index, variant in enumerate(server["VARIANTS"]):
        params = {"variant": index}
        for qid, answer in variant["answers"].items():
            question = {"id": qid, "of": qid, "points": 1, "value": answer["value"],
                        "tolerance": answer["tolerance"], "digits": answer["digits"],
                        "mistakes": answer["mistakes"]}
            unit = server["judge"](Decimal(repr(answer["value"])), answer)[2]
            for centre in [answer["value"], *(m["value"] for m in answer["mistakes"])]:
                for typed in _typed_grid(centre, unit):
                    if not typed:
                        continue
                    mark = marking.mark_answer(Path("."), "v", question, typed)
                    said = server["verdict"](qid, typed, params)
                    mistake = None if mark.mistake == "diagnosed" else mark.mistake
                    assert (said["kind"], said["mistake"], said["score"]) == (
                        mark.verdict, mistake, mark.points), (qid, typed, said, mark)
                    if mark.verdict in ("digits", "invalid"):
                        assert said["feedback"] == mark.feedback, (typed, said, mark)
                    if mark.feedback.startswith("Read as"):
                        read = mark.feedback.split(". ")[0].rstrip(".") + "."
                        assert said["feedback"].startswith(read), (typed, said, mark)
                    seen.add(mark.verdict if mark.mistake != "diagnosed" else "diagnosed")
    assert seen == {"correct", "digits", "incorrect", "rounding", "diagnosed", "invalid"}, seen


def test_the_prairielearn_server_reads_and_grades_the_issues_cases() -> None:
    """w1+ = 0.853542 asked to 3 digits, through PrairieLearn's calls: parse reads what
    pl-number-input refuses, grade gives full marks to a right answer its tolerance (of the
    step) would fail, and asks a short one for more digits."""
    server: dict = {}
    exec(compile(prairielearn_files(TEMPLATE, count=1, picture=False)["server.py"],
                 "server.py", "exec"), server)
    server["VARIANTS"][:] = [{"values": [], "answers": {"q3": {
        "value": 0.853542, "tolerance": 1e-05, "digits": 3, "mistakes": []}}}]
    for typed, score, said in [("0.854", 1.0, ""), ("0,8535", 1.0, "Read as 0.8535."),
                               ("\u22120.853542", 0.0, "Read as -0.853542."),
                               ("0.85", 0.0, "Give more digits: the question asks for 3 "
                                             "significant digits; 0.85 agrees with the right "
                                             "value to 2."),
                               ("0.853", 0.5, "Close, but not right to the digits asked")]:
        data = {"params": {"variant": 0}, "raw_submitted_answers": {"q3": typed},
                "submitted_answers": {"q3": None}, "format_errors": {"q3": "Invalid format."},
                "partial_scores": {"q3": {"score": 0}}, "feedback": {}}
        server["parse"](data)
        assert data["format_errors"] == {}, typed
        server["grade"](data)
        assert data["score"] == score, (typed, data)
        assert data["feedback"].get("q3", "").startswith(said), (typed, data["feedback"])


def test_prairielearn_export_command_with_picture(tmp_path: Path) -> None:
    from conftest import require_module

    require_module("matplotlib")
    assert main(["export", "prairielearn", TEMPLATE, "-o", str(tmp_path / "q"), "--count",
                 "3"]) == 0
    svg = (tmp_path / "q" / "clientFilesQuestion" / "graph.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_formula_questions_are_graded_by_check(tmp_path: Path) -> None:
    from importlib import resources

    source = resources.files("symbackprop.spec.examples").joinpath(f"{TEMPLATE}.toml") \
        .read_text(encoding="utf-8")
    template = tmp_path / "formula.toml"
    template.write_text(source + '\n[[questions]]\nof = "dL/dw5"\nid = "f1"\nanswer = "formula"\n')
    assert main(["variants", str(template), "-o", str(tmp_path / "out"), "--count", "1"]) == 0
    key = load_keys(tmp_path / "out")["s01"]
    assert key["questions"][-1]["formula"] == "h11*yhat1*(1 - yhat1)*(-y1 + yhat1)"
    answers = {"f1": "(yhat1 - y1)*yhat1*(1 - yhat1)*h11"}
    right = grade_submission(Submission("s01", "x", answers), tmp_path / "out", {"s01": key})
    assert right.marks[-1].verdict == "correct" and right.marks[-1].points == 1
    wrong = grade_submission(Submission("s01", "x", {"f1": "(yhat1 - y1)*yhat1*h11"}),
                             tmp_path / "out", {"s01": key})
    assert wrong.marks[-1].verdict == "incorrect"
    assert wrong.marks[-1].mistake == "sigmoid_output_only"
    bad = grade_submission(Submission("s01", "x", {"f1": "import os"}), tmp_path / "out",
                           {"s01": key})
    assert bad.marks[-1].verdict == "invalid"


def test_prairielearn_html_escapes_the_templates_text(tmp_path: Path) -> None:
    from importlib import resources

    source = resources.files("symbackprop.spec.examples").joinpath(f"{TEMPLATE}.toml") \
        .read_text(encoding="utf-8")
    hostile = source.replace('title = "Assignment: backpropagation in a 2-2-2 sigmoid network"',
                             'title = "<script>alert(1)</script> {{params.values}} & co"')
    template = tmp_path / "hostile.toml"
    template.write_text(hostile)
    html = prairielearn_files(str(template), count=1, picture=False)["question.html"]
    assert "<script>" not in html and "{{params.values}} &" not in html
    assert "&lt;script&gt;" in html and "&#123;&#123;params.values&#125;&#125; &amp; co" in html


def test_the_gradebook_csv_keeps_would_be_formulas_text() -> None:
    """CSV injection: a name, answer or message that a spreadsheet would run as a formula is
    written with a leading quote; numbers, negative ones too, stay numbers."""
    import csv
    import io

    hostile = ['=HYPERLINK("http://evil")', "+1+cmd|' /C calc'!A0", "@SUM(A1)", "-A1"]
    marks = tuple(Mark(f"q{i}", "dL/dw5", text, None, 0.08, "invalid", 0, 1)
                  for i, text in enumerate(hostile))
    negative = Mark("q9", "dL/dw5", "-0.08", -0.08, 0.08, "incorrect", 0, 1)
    grades = [Grade("s01", "a.toml", (*marks, negative), name=hostile[0]),
              Grade("s02", "b.toml", error=hostile[3], name="Ann")]
    rows = list(csv.DictReader(io.StringIO(grades_csv(grades))))
    cells = [row[key] for row in rows for key in ("name", "answer", "feedback") if row[key]]
    assert cells and not [c for c in cells if c[0] in "=+-@" and c != "-0.08"]
    assert {row["answer"] for row in rows} >= {"'" + text for text in hostile} | {"-0.08"}
    assert rows[-1]["feedback"] == "'-A1" and rows[0]["name"] == "'" + hostile[0]


def test_the_markdown_report_keeps_names_and_answers_text() -> None:
    """A roster name and a typed answer are untrusted: no HTML tag, link or table cell of
    theirs reaches a Markdown renderer (render.markdown.markdown_text, the one escaper)."""
    mark = Mark("q1", "dL/dw5", "<img src=x onerror=alert(1)>", None, 0.08, "invalid", 0, 1,
                feedback="a | b\nc")
    report = grades_markdown([Grade("s01", "a.toml", (mark,), name="[x](javascript:y)")])
    assert "<img" not in report and "[x](" not in report
    assert "&lt;img src=x onerror=alert(1)>" in report and "\\[x\\](javascript:y)" in report
    row = next(line for line in report.splitlines() if line.startswith("| q1"))
    assert row.count(" | ") == 4  # the feedback's | is escaped, its line break a space


# -- the rule of asked digits, what people type, duplicate rows ----------------------------------

def test_right_answers_at_3_to_6_digits_get_full_marks(course: Path) -> None:
    """The issue's w1+: a right answer to 3, 4, 5 or 6 significant digits is correct, whatever
    the question (an update's step no longer decides its digits)."""
    keys = load_keys(course)
    for sid, key in keys.items():
        for digits in range(3, 7):
            answers = {q["id"]: f"{q['value']:.{digits}g}" for q in key["questions"]}
            grade = grade_submission(Submission(sid, "x", answers), course, keys)
            assert grade.score == grade.max_score == 8, (sid, digits, grade.marks)


def test_fewer_digits_than_asked_are_asked_for(course: Path) -> None:
    keys = load_keys(course)
    sid, q3 = next((sid, q) for sid, key in keys.items() for q in key["questions"]
                   if q["kind"] == "update"  # 2 digits, not the 3 asked rounded: 0.85, 0.854
                   and float(f"{q['value']:.2g}") != float(f"{q['value']:.3g}"))
    short = f"{q3['value']:.2g}"
    mark = grade_submission(Submission(sid, "x", {"q3": short}), course, keys).marks[2]
    assert (mark.verdict, mark.points) == ("digits", 0.0)
    assert mark.feedback == (f"Give more digits: the question asks for 3 significant digits; "
                             f"{short} agrees with the right value to "
                             f"{significant_digits(Decimal(short))}.")
    wrong = f"{q3['value'] + 0.07:.2g}"   # a short answer wrong at its own digits
    mark = grade_submission(Submission(sid, "x", {"q3": wrong}), course, keys).marks[2]
    assert mark.verdict in ("incorrect", "rounding")


def test_a_unicode_minus_and_a_decimal_comma_are_read_and_said(course: Path) -> None:
    keys = load_keys(course)
    key = keys["s03"]
    typed = {q["id"]: f"{q['value']:.4g}".replace("-", "\u2212").replace(".", ",")
             for q in key["questions"]}
    grade = grade_submission(Submission("s03", "x", typed), course, keys)
    assert grade.score == 8
    for q, mark in zip(key["questions"], grade.marks, strict=True):
        assert mark.feedback == f"Read as {q['value']:.4g}."
    bad = grade_submission(Submission("s03", "x", {"q1": "1,234"}), course, keys).marks[0]
    assert bad.verdict == "invalid" and "ambiguous: a decimal comma (1.234)" in bad.feedback


def test_a_semicolon_csv_with_decimal_commas_and_a_duplicate_row(course: Path,
                                                                  tmp_path: Path) -> None:
    """As a spreadsheet in a decimal-comma locale writes it; s01 answers q1 twice (the last
    row counts, and the report says so once)."""
    keys = load_keys(course)
    rows = ["student;question;answer"]
    for sid in ("s01", "s02"):
        rows += [f"{sid};{q['id']};{q['value']:.5g}".replace(".", ",")
                 for q in keys[sid]["questions"]]
    rows.insert(1, "s01;q1;0,1")  # a first answer, replaced by the later row
    answers = tmp_path / "class.csv"
    answers.write_text("\n".join(rows) + "\n", encoding="utf-8")
    submissions = read_submissions([answers])
    assert [s.student for s in submissions] == ["s01", "s02"]
    assert submissions[0].notes == ("q1 answered 2 times; the last answer (row 3) is graded",)
    grades = grade_all(submissions, course)
    assert [g.score for g in grades] == [8, 8]
    assert grades[0].notes == submissions[0].notes and grades[1].notes == ()
    assert grades_text(grades).count("answered 2 times") == 1


def test_the_gradebook_lists_the_whole_roster(course: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """12 students on the roster, 3 files hand in 2 variants (one claimed by two files): every
    student has rows, the 10 with no file are marked so with 0 points and count in the class
    mean, each row names its file, and the variant claimed twice is flagged."""
    keys = load_keys(course)
    for name, sid in (("s01.toml", "s01"), ("s02.toml", "s02"), ("copy.toml", "s02")):
        (tmp_path / name).write_text(f'variant = "{sid}"\n[answers]\n' + "".join(
            f'{q["id"]} = {q["value"]!r}\n' for q in keys[sid]["questions"]))
    assert main(["grade", str(course), str(tmp_path), "--format", "csv", "--jobs", "1"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    totals = {(r["student"], r["source"]): r for r in rows if r["question"] == "total"}
    assert {s for s, _ in totals} == set(keys) and len(totals) == 13
    absent = [r for (s, source), r in totals.items() if not source]
    assert len(absent) == 10 and all(r["points"] == "0" for r in absent)
    assert all(r["verdict"] == "not_submitted" for r in rows
               if not r["source"] and r["question"] != "total")
    copied = [r for (s, _), r in totals.items() if s == "s02"]
    assert len(copied) == 2 and all("claimed by 2 submissions" in r["feedback"] for r in copied)
    assert main(["grade", str(course), str(tmp_path), "--format", "json", "--jobs", "1"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert (summary["students"], summary["not_submitted"]) == (13, 10)
    assert summary["mean_score"] == pytest.approx(3 * 8 / 13)
    assert [c["variant"] for c in summary["claimed_twice"]] == ["s02"]
    assert main(["grade", str(course), str(tmp_path), "--jobs", "1"]) == 0
    text = capsys.readouterr().out
    assert "s05: not submitted, 0 of 8 points" in text
    assert "Class summary: 13 students graded (10 did not submit: 0 points)" in text
    assert "variant s02 is claimed by 2 submissions" in text
