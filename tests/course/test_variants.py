"""Templates, variants and answer keys: reproducible, different per student, right, checked.

The keys are compared with oracles that share no code with them: the layered network's
numpy backprop (matrix form) and central finite differences.
"""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from symbackprop.check.judge import judge_number
from symbackprop.cli import main
from symbackprop.course.files import assignment_files
from symbackprop.course.keys import answer_key, degeneracy
from symbackprop.course.roster import Student, numbered, read_roster
from symbackprop.course.variants import make_variant, template_variants
from symbackprop.errors import SpecError
from symbackprop.numeric.oracles import finite_difference, matrix_backprop
from symbackprop.spec import load_problem, load_problem_text

TEMPLATE = "assignment_2_2_2"
SOURCE = resources.files("symbackprop.spec.examples").joinpath(f"{TEMPLATE}.toml").read_text(
    encoding="utf-8")


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_same_seed_and_roster_give_byte_identical_files(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nada,Ada Lovelace\nalan,\"Turing, Alan\"\ngrace,Grace\n")
    for run in ("one", "two"):
        assert main(["variants", TEMPLATE, "-o", str(tmp_path / run), "--roster", str(roster),
                     "--seed", "11", "--handout"]) == 0
    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert sorted(one) == ["ada.toml", "alan.toml", "grace.toml", "handout/ada.tex",
                           "handout/alan.tex", "handout/grace.tex", "handout/solutions.tex",
                           "key/ada.json", "key/alan.json", "key/grace.json"]
    assert one == two
    # A student's numbers do not depend on who else is on the roster.
    alone = assignment_files(TEMPLATE, (Student("alan", "Turing, Alan"),), seed=11)
    assert alone["alan.toml"].encode() == one["alan.toml"]
    other_seed = assignment_files(TEMPLATE, (Student("alan"),), seed=12)
    assert other_seed["alan.toml"] != alone["alan.toml"]


def test_different_students_get_different_numbers() -> None:
    variants = template_variants(load_problem(TEMPLATE), numbered(30), seed=3)
    drawn = [tuple(sorted(v.values.items())) for v in variants]
    assert len(set(drawn)) == 30
    answers = [v.key[1].value for v in variants]
    assert len({round(a, 12) for a in answers}) == 30


def test_drawn_values_follow_the_rules() -> None:
    template = load_problem(TEMPLATE)
    for variant in template_variants(template, numbered(20), seed=5):
        for name, value in variant.values.items():
            if name.startswith("w"):
                assert value != 0 and -1 <= value <= 1 and (value / Decimal("0.05")) % 1 == 0
            elif name.startswith("x"):
                assert value != 0 and -1 <= value <= 1 and (value / Decimal("0.1")) % 1 == 0
            elif name.startswith("y"):
                assert value in (0, 1)
            else:
                assert -Decimal("0.5") <= value <= Decimal("0.5")


def test_fifty_keys_agree_with_backprop_and_finite_differences() -> None:
    template = load_problem(TEMPLATE)
    network = template.network
    for variant in template_variants(template, numbered(50), seed=2024):
        values = variant.problem.values
        backprop = matrix_backprop(network, values)
        forward = variant.problem.graph.forward(values)
        eta = template.learning_rate
        for answer in variant.key:
            q = answer.question
            if q.kind == "derivative":
                expected = backprop[q.wrt]
                assert answer.value == pytest.approx(expected, rel=1e-10, abs=1e-14)
                fd = finite_difference(variant.problem.graph, values, q.wrt)
                assert answer.value == pytest.approx(fd, rel=1e-6, abs=1e-10)
            elif q.kind == "update":
                expected = values[q.target] - eta * backprop[q.target]
                assert answer.value == pytest.approx(expected, rel=1e-12, abs=1e-14)
            else:
                assert answer.value == pytest.approx(forward[q.target], rel=1e-12)


def test_each_key_has_the_common_mistakes_and_no_two_agree() -> None:
    template = load_problem(TEMPLATE)
    for variant in template_variants(template, numbered(20), seed=8):
        names = {a.question.id: {m.name for m in a.mistakes} for a in variant.key}
        assert {"missing_path", "sigmoid_output_only", "sign", "half_of_loss"} <= names["q2"]
        assert {"update_sign", "pre_update_order"} <= names["q3"]
        for answer in variant.key:
            values = [answer.value] + [m.value for m in answer.mistakes]
            gaps = np.abs(np.subtract.outer(values, values))[np.triu_indices(len(values), 1)]
            assert gaps.min() > answer.tolerance


def test_an_update_too_small_for_the_asked_digits_is_drawn_again() -> None:
    """w1+ asked to 3 significant digits: a step that leaves them as they were would make the
    weight not updated the right answer; such a draw is rejected, and no kept one is."""
    variants = template_variants(load_problem(TEMPLATE), numbered(40), seed=1)
    reasons = [r.reason for v in variants for r in v.rejected]
    assert any("q3 (w1+): an update that does not change the 3 significant digits" in r
               for r in reasons), reasons
    for variant in variants:
        update = next(a for a in variant.key if a.question.kind == "update")
        before = Decimal(repr(float(variant.values["w1"])))
        assert judge_number(before, update.value, digits=3).kind != "right"


def test_degenerate_draws_are_rejected_and_recorded() -> None:
    strict = load_problem_text(SOURCE.replace("saturation = 0.01", "saturation = 0.2"),
                               name="strict.toml")
    variants = template_variants(strict, numbered(10), seed=1)
    rejected = [r for v in variants for r in v.rejected]
    assert rejected, "a saturation of 0.2 rejects some draws"
    assert all("saturated unit" in r.reason or "same answer" in r.reason or "zero" in r.reason
               or "does not change the 3 significant digits asked" in r.reason
               for r in rejected)
    for variant in variants:  # what was kept is not degenerate
        assert degeneracy(variant.problem, variant.key, 0.2) is None
    data = json.loads(assignment_files(TEMPLATE, numbered(1), seed=1)["key/s01.json"])
    assert data["draws"] == len(data["rejected"]) + 1


def test_every_draw_degenerate_is_a_clear_error() -> None:
    hopeless = load_problem_text(SOURCE.replace("saturation = 0.01", "saturation = 0.9")
                                 .replace("attempts = 100", "attempts = 3"), name="h.toml")
    with pytest.raises(SpecError, match=r"h.toml: student 's01': all 3 draws were degenerate"):
        make_variant(hopeless, Student("s01"), seed=1)


def test_a_template_is_a_valid_problem_file_with_its_base_values() -> None:
    problem = load_problem(TEMPLATE)
    assert problem.values["w5"] == 0.4 and problem.variants is not None
    assert [q.of for q in problem.variants.questions] == ["dL/dw5", "dL/dw1", "w1+", "yhat1"]
    key = answer_key(problem)
    assert key[0].value == pytest.approx(0.082167041, abs=1e-9)  # Mazur's published number
    plain = load_problem("mazur_2_2_2")
    assert plain.variants is None  # files without [variants] behave as before


@pytest.mark.parametrize("table, message", [
    ('[variants]\nseeds = 1', "unknown key 'seeds'; did you mean 'seed'?"),
    ('[variants.draw]\n"v*" = 1', "[variants.draw] 'v*': matches no input"),
    ('[variants.draw]\nw1 = {range = [1, 0]}', "low 1 is above high 0"),
    ('[variants.draw]\nw1 = {range = [0, 1], step = 0}', "step: must be positive"),
    ('[variants.draw]\nw1 = {choices = []}', "choices: must be a non-empty list"),
    ('[variants.draw]\nw1 = {range = [0, 1], choices = [1]}', "exactly one of range"),
    ('[variants.draw]\nw1 = {range = [0, 1e9], step = 1e-3}', "more than 1,000,000 values"),
    ('[[questions]]\nof = "dL/dq"', "question 1 (dL/dq)"),
    ('[[questions]]\nof = "w1+"\ndigits = 0', "digits: must be at least 1"),
    ('[[questions]]\nof = "dL/dw1"\nid = "../x"', "id: '../x' may use only"),
    ('[[questions]]\nof = "dL/dw1"\nanswer = "essay"', "answer: 'essay'; allowed: number"),
])
def test_template_errors_name_the_file_and_key(table: str, message: str) -> None:
    base = ('learning_rate = 0.1\n[network]\nlayers = [1, 1]\nnaming = "flat"\n'
            "[values]\nx = [1]\ny = [0]\nW1 = [[0.5]]\n")
    with pytest.raises(SpecError) as err:
        load_problem_text(base + table, name="t.toml")
    assert str(err.value).startswith("t.toml: ") and message in str(err.value)


def test_roster_ids_are_checked_and_names_escaped(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nok_1,Ann\n../../etc,Eve\n")
    with pytest.raises(SpecError, match=r"roster.csv row 3: student id '../../etc'"):
        read_roster(roster)
    roster.write_text("name\nAnn\n")
    with pytest.raises(SpecError, match="no 'id'"):
        read_roster(roster)
    assert main(["variants", TEMPLATE, "-o", str(tmp_path / "out"), "--roster",
                 str(roster)]) == 2


def test_a_roster_carries_the_columns_lms_and_binding_need(tmp_path: Path) -> None:
    """email and sid bind a submission to its student; sis_user_id, sis_login_id, section
    (Canvas) and idnumber (Moodle) are what gradebook imports match on.  Header names are
    read as LMSs export them; a semicolon-delimited roster reads alike; each key carries its
    student's columns."""
    roster = tmp_path / "roster.csv"
    roster.write_text("Student;Name;Email;SID;SIS User ID;SIS Login ID;Section;ID number\n"
                      "ada;Lovelace, Ada;ADA@x.org;1001;u1;ada.l;A;N1\n"
                      "li;李雷;li@x.org;;;;;\n", encoding="utf-8")
    ada, li = read_roster(roster)
    assert (ada.id, ada.name, ada.email, ada.sid, ada.sis_user_id, ada.sis_login_id,
            ada.section, ada.idnumber) == ("ada", "Lovelace, Ada", "ADA@x.org", "1001", "u1",
                                           "ada.l", "A", "N1")
    assert li.columns == {"email": "li@x.org"}
    files = assignment_files(TEMPLATE, (ada, li), seed=1)
    key = json.loads(files["key/ada.json"])
    assert key["roster"] == {"email": "ADA@x.org", "sid": "1001", "sis_user_id": "u1",
                             "sis_login_id": "ada.l", "section": "A", "idnumber": "N1"}
    assert [q["digits"] for q in key["questions"]] == [3, 3, 3, 3]
    assert "roster" not in json.loads(assignment_files(TEMPLATE, numbered(1))["key/s01.json"])
    roster.write_text("id,email\nada,a@x.org\nbob,A@X.org\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"row 3: email 'A@X.org' is used twice \(row 2\)"):
        read_roster(roster)
