"""Courses at the tensor level: templates, variants and keys, matrix answers graded.

The right answers and the wrong ones graded here are computed by tests/numpy_backward.py's
hand-written numpy backward pass (one flagged line per mistake), from a forward pass written
here by hand: neither comes from the key or from the mistakes' predictions they are graded
against.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy_backward as by_hand
import pytest

from symbackprop.cli import main
from symbackprop.course.files import assignment_files
from symbackprop.course.grading import Submission, grade_submission, load_keys
from symbackprop.course.roster import Student, numbered
from symbackprop.course.submissions import read_submissions
from symbackprop.course.tensor_files import tensor_student_files
from symbackprop.course.tensor_marking import read_matrix
from symbackprop.course.tensor_variants import make_tensor_variant
from symbackprop.errors import SpecError
from symbackprop.spec import load_problem, load_problem_text
from symbackprop.spec.tensor import TensorProblem

TEMPLATE = "tensor_assignment"
STUDENTS = numbered(4)
QUESTIONS = {"q1": "dW1", "q2": "db1", "q3": "dW2", "q4": "H1"}


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tensor_course")
    assert main(["variants", TEMPLATE, "-o", str(folder), "--count", str(len(STUDENTS)),
                 "--jobs", "1"]) == 0
    return folder


def _forward(folder: Path, sid: str) -> dict[str, np.ndarray]:
    """The student's forward pass, by hand, from the values of their problem file."""
    problem = load_problem(str(folder / f"{sid}.toml"))
    assert isinstance(problem, TensorProblem)
    v = dict(problem.values)
    v["Z1"] = v["X"] @ v["W1"] + v["b1"]
    v["H1"] = np.tanh(v["Z1"])
    v["Z2"] = v["H1"] @ v["W2"] + v["b2"]
    return v


def _answers(folder: Path, sid: str, mistakes: frozenset[str] = frozenset()
             ) -> dict[str, Any]:
    v = _forward(folder, sid)
    grads = by_hand.mlp(v, mistakes)
    return {qid: (v[name] if name == "H1" else grads[name]).tolist()
            for qid, name in QUESTIONS.items()}


def _digits(value: Any, digits: int) -> Any:
    """Each entry to ``digits`` significant digits, as a student writes them."""
    return np.vectorize(lambda x: float(f"{x:.{digits}g}"))(np.array(value)).tolist()


def _grade(folder: Path, sid: str, answers: dict[str, Any]) -> Any:
    submission = Submission(sid, f"{sid}.json", {k: json.dumps(v) for k, v in answers.items()})
    return grade_submission(submission, folder, load_keys(folder))


def test_variants_are_the_same_for_a_seed_and_differ_between_students_and_seeds() -> None:
    one = assignment_files(TEMPLATE, STUDENTS, seed=5)
    assert one == assignment_files(TEMPLATE, STUDENTS, seed=5)
    assert sorted(one) == [f"key/s0{i}.json" for i in range(1, 5)] + [
        f"s0{i}.toml" for i in range(1, 5)]
    assert len({one[f"s0{i}.toml"].split("[tensor]")[1] for i in range(1, 5)}) == 4
    other = assignment_files(TEMPLATE, STUDENTS[:1], seed=6)
    assert other["s01.toml"] != one["s01.toml"]
    alone = assignment_files(TEMPLATE, STUDENTS[1:2], seed=5)  # not the roster's business
    assert alone["s02.toml"] == one["s02.toml"]


def test_a_student_file_loads_back_to_the_drawn_values_and_questions() -> None:
    template = load_problem(TEMPLATE)
    assert isinstance(template, TensorProblem)
    variant = make_tensor_variant(template, Student("ada"), seed=3)
    files = assignment_files(TEMPLATE, (Student("ada"),), seed=3)
    again = load_problem_text(files["ada.toml"], name="ada.toml")
    assert isinstance(again, TensorProblem)
    for name, value in variant.problem.values.items():
        assert np.array_equal(again.values[name], value)
    assert again.questions == template.questions
    assert again.variants is not None and again.variants.rules == () and again.claims == ()
    # the entries drawn are the rules' values: multiples of 0.1 in [-1, 1], never 0
    w1 = again.values["W1"]
    assert np.all(np.abs(w1) <= 1) and np.all(w1 != 0)
    assert np.allclose(w1 * 10, np.round(w1 * 10))


def test_the_key_holds_the_right_tensors_and_the_mistakes_predicted(course: Path) -> None:
    key = load_keys(course)["s01"]
    v = _forward(course, "s01")
    right = by_hand.mlp(v)
    questions = {q["id"]: q for q in key["questions"]}
    for qid, name in QUESTIONS.items():
        expected = v[name] if name == "H1" else right[name]
        assert questions[qid]["shape"] == list(expected.shape)
        assert np.allclose(questions[qid]["value"], expected, rtol=1e-10, atol=1e-14)
    names = {m["name"] for m in questions["q1"]["mistakes"]}
    assert {"transposed", "softmax_diagonal", "activation_at_input", "sign"} <= names
    transposed = next(m for m in questions["q1"]["mistakes"] if m["name"] == "transposed")
    assert np.allclose(transposed["value"], by_hand.mlp(v, frozenset({"transposed"}))["dW1"])
    assert questions["q4"]["mistakes"] == []


def test_every_students_right_answers_get_full_marks(course: Path) -> None:
    for student in STUDENTS:
        grade = _grade(course, student.id, _answers(course, student.id))
        assert grade.error is None
        assert [m.verdict for m in grade.marks] == ["correct"] * 4, grade.marks
        assert grade.score == grade.max_score == 6


def test_answers_rounded_to_the_digits_asked_are_right(course: Path) -> None:
    rounded = {k: _digits(v, 3) for k, v in _answers(course, "s02").items()}
    grade = _grade(course, "s02", rounded)
    assert [m.verdict for m in grade.marks] == ["correct"] * 4


@pytest.mark.parametrize(("mistake", "qid"), [
    ("softmax_diagonal", "q3"), ("activation_at_input", "q1"), ("sign", "q1"),
    ("mean_missing", "q3"), ("bias_averaged", "q2"),
])
@pytest.mark.parametrize("digits", [None, 3])
def test_a_hand_written_mistake_is_graded_as_that_mistake(course: Path, mistake: str,
                                                          qid: str, digits: int | None) -> None:
    """Written in full, or to the 3 digits asked (a mistake's entries may be larger than
    the right ones: matched to the student's own digits, as a scalar answer is)."""
    answers = _answers(course, "s03")
    wrong = _answers(course, "s03", frozenset({mistake}))[qid]
    answers[qid] = wrong if digits is None else _digits(wrong, digits)
    grade = _grade(course, "s03", answers)
    marks = {m.question: m for m in grade.marks}
    assert marks[qid].verdict == "incorrect" and marks[qid].points == 0
    named = marks[qid].mistake or ""
    assert mistake in named.split("+"), marks[qid].feedback
    assert "It is what this mistake gives" in marks[qid].feedback
    others = [m for m in grade.marks if m.question != qid]
    assert all(m.verdict == "correct" for m in others)
    assert grade.score == grade.max_score - marks[qid].max_points


def test_a_transposed_answer_gets_the_shape_note_and_the_mistake(course: Path) -> None:
    answers = _answers(course, "s04")
    answers["q1"] = _answers(course, "s04", frozenset({"transposed"}))["q1"]
    mark = _grade(course, "s04", answers).marks[0]
    assert mark.verdict == "incorrect" and mark.mistake == "transposed"
    assert mark.feedback.startswith("You gave 5×3; dL/dW1 is 3×5: a transpose?")


def test_a_bias_not_summed_gets_the_batch_axis_note(course: Path) -> None:
    answers = _answers(course, "s04")
    answers["q2"] = _answers(course, "s04", frozenset({"bias_not_summed"}))["q2"]
    mark = _grade(course, "s04", answers).marks[1]
    assert mark.mistake == "bias_not_summed"
    assert "a sum over the batch axis left out?" in mark.feedback


def test_too_few_digits_and_a_near_miss_earn_what_a_scalar_answer_would(course: Path) -> None:
    answers = _answers(course, "s01")
    few = dict(answers, q4=np.round(np.array(answers["q4"]), 1).tolist())
    mark = _grade(course, "s01", few).marks[3]
    assert (mark.verdict, mark.points) == ("digits", 0.0)
    near = np.array(answers["q4"]) * (1 + 4e-3)  # off by a few units of the third digit
    mark = _grade(course, "s01", dict(answers, q4=near.tolist())).marks[3]
    assert (mark.verdict, mark.points) == ("rounding", 0.5)


def test_a_class_csv_holds_a_matrix_as_json_text(course: Path, tmp_path: Path) -> None:
    answers = _answers(course, "s02")
    rows = ["student,question,answer"] + [
        f'"s02","{qid}","{json.dumps(value)}"' for qid, value in answers.items()]
    rows.append('s01,q4,"[[1, 2], (3, 4)]"')
    path = tmp_path / "class.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "grades.json"
    assert main(["grade", str(course), str(path), "--format", "json", "-o", str(out),
                 "--jobs", "1"]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    by_student = {s["student"]: s for s in data["students"]}
    assert by_student["s02"]["score"] == 6
    assert by_student["s02"]["marks"][0]["right"] == answers["q1"] or np.allclose(
        by_student["s02"]["marks"][0]["right"], answers["q1"])
    bad = by_student["s01"]["marks"][3]
    assert bad["verdict"] == "invalid" and "not JSON" in bad["feedback"]


def test_a_toml_submission_keeps_each_entrys_digits(course: Path, tmp_path: Path) -> None:
    answers = _answers(course, "s03")
    rows = "\n".join(f"{qid} = {json.dumps(_digits(v, 4))}" for qid, v in answers.items())
    path = tmp_path / "s03.toml"
    path.write_text(f'variant = "s03"\n\n[answers]\n{rows}\n', encoding="utf-8")
    [submission] = read_submissions([path])
    assert submission.answers["q2"].startswith("[") and "Decimal" not in submission.answers["q2"]
    grade = grade_submission(submission, course, load_keys(course))
    assert [m.verdict for m in grade.marks] == ["correct"] * 4


def test_a_yaml_submission_of_matrices_is_graded(course: Path, tmp_path: Path) -> None:
    answers = _answers(course, "s04")
    answers["q3"] = _answers(course, "s04", frozenset({"sign"}))["q3"]
    lines = ["variant: s04", "answers:"] + [f"  {qid}: {json.dumps(_digits(v, 5))}"
                                            for qid, v in answers.items()]
    path = tmp_path / "s04.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [submission] = read_submissions([path])
    grade = grade_submission(submission, course, load_keys(course))
    assert [m.verdict for m in grade.marks] == ["correct", "correct", "incorrect", "correct"]
    assert grade.marks[2].mistake == "sign"


@pytest.mark.parametrize("fmt", ["text", "markdown", "csv", "gradescope", "wide"])
def test_every_grade_format_works_for_tensor_questions(course: Path, tmp_path: Path,
                                                       fmt: str) -> None:
    answers = _answers(course, "s01")
    answers["q1"] = np.array(answers["q1"]).T.tolist()
    path = tmp_path / "s01.json"
    path.write_text(json.dumps({"variant": "s01", "answers": answers}), encoding="utf-8")
    out = tmp_path / f"grades.{fmt}"
    extra = ["--student", "s01"] if fmt == "gradescope" else []
    assert main(["grade", str(course), str(path), "--format", fmt, "-o", str(out),
                 "--jobs", "1", *extra]) == 0
    text = out.read_text(encoding="utf-8")
    if fmt == "gradescope":
        results = json.loads(text)
        assert results["score"] == 4
        assert "a transpose?" in results["tests"][0]["output"]
    elif fmt != "wide":
        assert "transposed" in text


@pytest.mark.parametrize("text", [
    "[[1, 2], (3, 4)]", "[.5, 1]", "[1, 2,]", "[NaN, 1]", "[Infinity]", "{'a': 1}",
    "[1, 'x']", "__import__('os')", "[True, 1]", "[[1, 2], [3]]", '["1", 2]',
])
def test_a_matrix_cell_refuses_anything_but_json_nested_numbers(text: str) -> None:
    with pytest.raises(SpecError):
        read_matrix(text)


def test_a_matrix_cell_keeps_the_digits_as_written() -> None:
    numbers, shape = read_matrix(" [[0.10, -2E-3], [3, 4.500]] ")
    assert [str(n) for n in numbers] == ["0.10", "-0.002", "3", "4.500"] and shape == (2, 2)


DEAD = """
[tensor]
output = "L"
[tensor.inputs]
X = [[1.0, 2.0]]
[tensor.parameters]
W = { shape = [2, 1] }
[tensor.nodes]
H = "relu(X @ W)"
L = "sum(H * H)"
[variants.draw]
W = { choices = [-1, 1] }
[[questions]]
of = "dL/dW"
"""


def test_a_dead_relu_or_a_zero_gradient_is_drawn_again() -> None:
    template = load_problem_text(DEAD, name="dead.toml")
    assert isinstance(template, TensorProblem)
    reasons = []
    for student in numbered(12):
        variant = make_tensor_variant(template, student, seed=1)
        assert float((template.values["X"] @ variant.problem.values["W"])[0, 0]) > 0
        reasons += [r.reason for r in variant.rejected]
    assert reasons and all("ReLU dead" in r or "zero gradient" in r for r in reasons)


def test_a_template_whose_draws_stay_degenerate_is_refused() -> None:
    template = load_problem_text(DEAD.replace("[-1, 1]", "[-1, -2]"), name="dead.toml")
    assert isinstance(template, TensorProblem)
    with pytest.raises(SpecError, match="all 100 draws were degenerate"):
        make_tensor_variant(template, Student("s01"))


@pytest.mark.parametrize(("snippet", "message"), [
    ('[[questions]]\nof = "dL/dQ"', "no tensor is called 'Q'"),
    ('[[questions]]\nof = "dL/dW"\nanswer = "formula"', "not a formula"),
    ('[variants.draw]\nZ = 1', "matches no input"),
])
def test_a_bad_tensor_template_is_refused(snippet: str, message: str) -> None:
    text = DEAD.split("[variants.draw]")[0] + snippet + "\n"
    with pytest.raises(SpecError, match=message):
        load_problem_text(text, name="bad.toml")


def test_a_key_too_large_for_grade_is_refused_when_the_variants_are_drawn() -> None:
    text = DEAD.replace("X = [[1.0, 2.0]]", 'X = { shape = [20, 200], draw = "normal" }')
    text = text.replace("W = { shape = [2, 1] }", "W = { shape = [200, 300] }")
    text = text.replace("W = { choices = [-1, 1] }", "W = { range = [0.1, 1] }")
    template = load_problem_text(text, name="big.toml")
    assert isinstance(template, TensorProblem)
    with pytest.raises(SpecError, match=r"more than grade reads \(2,000,000\): ask about "
                                        r"smaller tensors \(dL/dW has 60,000 entries"):
        tensor_student_files(template, {}, "big", Student("s01"), "s01")


@pytest.mark.parametrize("export", ["moodle", "canvas", "prairielearn"])
def test_the_question_bank_exports_refuse_a_tensor_template(export: str, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    assert main(["export", export, TEMPLATE, "--count", "2", "-o",
                 str(tmp_path / "out")]) != 0
    error = capsys.readouterr().err
    assert "the question-bank exports (moodle, canvas, prairielearn)" in error
    assert "scalar template only" in error


def test_handouts_are_refused_for_a_tensor_template(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["variants", TEMPLATE, "--count", "1", "--handout", "-o",
                 str(tmp_path / "hw")]) != 0
    assert "--handout is for scalar templates" in capsys.readouterr().err
    assert not (tmp_path / "hw").exists()
