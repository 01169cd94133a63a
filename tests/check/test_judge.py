"""The one rule a number is judged by (symbackprop.check.judge), and its users.

``check`` (a claim's number), ``grade`` (an answer against the key) and the interactive page
(a typed answer) all judge by :func:`judge_number`; the PrairieLearn ``server.py`` and the
page's script are copies held equal to it by tests/course/test_grading.py and
tests/explore/test_explore_browser.py.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from symbackprop.check import check_problem, judge_number
from symbackprop.check.judge import (
    MAX_ANSWER,
    SLACK,
    asked_tolerance,
    read_number,
    tolerance_of,
    within,
)
from symbackprop.spec import load_problem, load_problem_text


@pytest.mark.parametrize("text, tolerance", [
    ("-0.029", 0.001), ("0.80", 0.01), ("0.8", 0.1), ("2", 1.0), ("6.4e-3", 1e-4),
    ("1.50E+2", 1.0), ("120", 1.0), ("1.2E+2", 10.0),
])
def test_the_printed_digits_give_the_tolerance(text: str, tolerance: float) -> None:
    assert tolerance_of(Decimal(text)) == pytest.approx(tolerance, rel=1e-12)
    assert tolerance_of(Decimal(text), given=0.25) == 0.25   # a file's tolerance overrides


def test_the_asked_digits_give_a_questions_tolerance() -> None:
    assert asked_tolerance(0.08216704, 3) == pytest.approx(1e-4)
    assert asked_tolerance(-0.0012987, 2) == pytest.approx(1e-4)
    assert asked_tolerance(123.4, 3) == pytest.approx(1.0)
    assert asked_tolerance(0.0, 4) == pytest.approx(1e-4)
    assert asked_tolerance(0.08216704, 3, given=0.5) == 0.5


def test_exactly_the_tolerance_is_allowed() -> None:
    right = 0.5
    assert judge_number(Decimal("0.6"), right, tolerance=0.1).kind == "right"
    assert judge_number(Decimal("0.6"), right, tolerance=0.1 / (1 + 1e-8)).kind == "wrong"
    assert within(right + 0.1 * SLACK * 0.999999, right, 0.1)
    assert not within(right + 0.1 * (1 + 1e-8), right, 0.1)


def test_right_wins_and_names_a_mistake_that_gives_the_same_digits() -> None:
    mistakes = [("sign", -0.0032), ("half_of_loss", 0.0016), ("missing_path", 0.0016)]
    assert judge_number("0.0", 0.0032, mistakes) == judge_number(Decimal("0.0"), 0.0032,
                                                                   mistakes)
    judged = judge_number("0.0", 0.0032, mistakes)
    assert (judged.kind, judged.mistake, judged.index) == ("right", "sign", 0)
    judged = judge_number("0.00160", 0.0032, mistakes)     # two entries give it: the first
    assert (judged.kind, judged.mistake, judged.index) == ("mistake", "half_of_loss", 1)
    assert judge_number("0.0050", 0.0032, mistakes).kind == "wrong"


@pytest.mark.parametrize("text", ["", " ", "1/2", "0x10", "--1", "1e400", "1e99999", "nan",
                                  "inf", "٣", "1_000", "1" * (MAX_ANSWER + 1), "0.5 x"])
def test_what_is_not_a_plain_finite_number_is_unreadable(text: str) -> None:
    assert judge_number(text, 0.5).kind == "unreadable"


def test_a_number_that_is_read_but_not_finite_is_unreadable() -> None:
    for number in (Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity"), Decimal("1e400")):
        assert judge_number(number, 0.5, tolerance=0.1).kind == "unreadable"


def test_without_a_true_value_the_tolerance_is_still_said() -> None:
    judged = judge_number(" 2.50 ", None)
    assert (judged.kind, judged.tolerance) == ("unknown", pytest.approx(0.01))
    assert read_number(" 2.50 ") == Decimal("2.50")


def test_a_claim_is_judged_by_the_rule() -> None:
    """A number claim is correct exactly when judge_number says right, by its printed digits
    or its own tolerance."""
    base = load_problem("mazur_2_2_2")
    right = 0.082167041  # dL/dw5
    claims = [("0.0822", None), ("0.083", None), ("0.08217", None), ("0.0820", None),
              ("0.0822", 1e-6), ("0.09", 0.01), ("0.084", None)]
    text = base.to_toml() + "".join(
        f'\n[[claims]]\nof = "dL/dw5"\nvalue = {value}\n'
        + ("" if tol is None else f"tolerance = {tol}\n") for value, tol in claims)
    results = check_problem(load_problem_text(text, name="c.toml")).results[-len(claims):]
    for (value, tol), result in zip(claims, results, strict=True):
        judged = judge_number(Decimal(value), right, tolerance=tol)
        assert (result.verdict == "correct") == (judged.kind == "right"), (value, tol)
        assert result.tolerance == judged.tolerance
    assert [r.verdict for r in results] == ["correct", "correct", "correct", "incorrect",
                                            "incorrect", "correct", "incorrect"]
