"""The one rule a number is judged by (symbackprop.check.judge), the one reader of what people
type (symbackprop.check.reading), and their users.

``check`` (a claim's number), ``grade`` (an answer against the key) and the interactive page
(a typed answer) all judge by :func:`judge_number`; the PrairieLearn ``server.py`` and the
page's script are copies held equal to it by tests/course/test_grading.py and
tests/explore/test_explore_browser.py.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from symbackprop.check import check_problem, judge_number
from symbackprop.check.judge import SLACK, asked_tolerance, tolerance_of, within
from symbackprop.check.reading import MAX_ANSWER, read_answer, read_number
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


# -- what people type ---------------------------------------------------------------------------

@pytest.mark.parametrize("typed, read", [
    ("\u22120.853", "-0.853"), ("\u20130.853", "-0.853"), ("-0,853", "-0.853"),
    ("1,5", "1.5"), ("0,850", "0.850"), (",5", ".5"), ("12,3456", "12.3456"),
    ("0.853\u2009542", "0.853542"), ("1\u202f234.5", "1234.5"), ("1\u00a0234,5", "1234.5"),
    ("1 234 567", "1234567"), ("2.5e\u22123", "2.5e-3"), ("\u2212.5E+2", "-.5E+2"),
    ("  +0.5\t", "+0.5"), ("5.", "5."),
])
def test_what_people_type_is_read(typed: str, read: str) -> None:
    reading = read_answer(typed)
    assert reading.text == read and reading.number == Decimal(read)
    assert reading.changed == (typed.strip(" \t") != read)
    assert judge_number(typed, float(read)).read == read


@pytest.mark.parametrize("typed, why", [
    ("1,234", "ambiguous: a decimal comma (1.234) or a thousands separator (1234)"),
    ("-12,500", "ambiguous: a decimal comma (12.500)"),
    ("1.234,5", "both a decimal point and a comma"), ("1,234.5", "both a decimal point"),
    ("1,2,3", "more than one decimal mark"), ("1.2.3", "more than one decimal mark"),
    ("0.85 3542", "groups of three digits"), ("12 34", "groups of three digits"),
    ("1  234", "groups of three digits"), ("2.5×10^-3", "2.5e-3 for 2.5 × 10^-3"),
    ("1,", "a decimal comma needs a digit after it"), ("1" * (MAX_ANSWER + 1), "longer than"),
])
def test_what_is_refused_says_why(typed: str, why: str) -> None:
    judged = judge_number(typed, 1.0)
    assert judged.kind == "unreadable" and judged.read is None
    assert why in judged.problem


def test_the_digits_are_kept_as_typed() -> None:
    """A decimal comma keeps the trailing zeros: 0,850 claims three digits, as 0.850 does."""
    assert judge_number("0,850", 0.8504).tolerance == judge_number("0.850", 0.8504).tolerance
    assert judge_number("0,85", 0.8504).tolerance == pytest.approx(0.01)


# -- the rule of asked digits -------------------------------------------------------------------

@pytest.mark.parametrize("typed, kind", [
    ("0.854", "right"), ("0.8535", "right"), ("0.8536", "right"), ("0.853542", "right"),
    ("0,854", "right"), ("0.85354", "right"), ("0.8544", "right"),   # rounds to 0.854
    ("0.85", "digits"), ("0.9", "digits"), ("0,85", "digits"),
    ("0.853", "wrong"), ("0.855", "wrong"), ("0.8534", "wrong"), ("0.86", "wrong"),
    ("0.8", "wrong"), ("-0.854", "wrong"),
])
def test_an_answer_is_right_at_the_asked_digits(typed: str, kind: str) -> None:
    """The issue's case: w1+ = 0.853542 asked to 3 significant digits."""
    judged = judge_number(typed, 0.853542, digits=3)
    assert judged.kind == kind, (typed, judged)
    assert judged.tolerance == pytest.approx(0.001)


def test_right_answers_at_3_to_6_digits_are_right_whatever_the_value() -> None:
    rng = np.random.default_rng(5)
    for value in rng.normal(0, 1, 300) * 10.0 ** rng.integers(-5, 3, 300):
        for shown in range(3, 7):
            for asked in range(1, shown + 1):
                for typed in (f"{value:.{shown}g}", f"{value:.{shown - 1}e}"):
                    assert judge_number(typed, float(value), digits=asked).kind == "right", (
                        typed, value, asked)


def test_a_short_answer_is_asked_for_more_digits_only_when_right_at_its_own() -> None:
    assert judge_number("0.5", 0.5, digits=3).kind == "right"       # exactly right: 0.500
    assert judge_number("0.09", 0.0864, digits=3).kind == "digits"
    assert judge_number("0.08", 0.0864, digits=3).kind == "wrong"
    short = judge_number("0.09", 0.0864, [("sign", -0.0864), ("half", 0.0432)], digits=3)
    assert (short.kind, short.mistake) == ("digits", None)
    assert judge_number("-0.09", 0.0864, [("sign", -0.0864)], digits=3).mistake == "sign"
    assert judge_number("-0.09", 0.0864, [("sign", -0.0864)], digits=3).kind == "mistake"


def test_a_mistake_is_named_at_the_students_precision() -> None:
    mistakes = [("update_sign", 0.946542), ("update_step_only", -0.046542)]
    for typed in ("0.947", "0.9465", "0.94654", "0.95"):
        judged = judge_number(typed, 0.853542, mistakes, digits=3)
        assert (judged.kind, judged.mistake, judged.index) == ("mistake", "update_sign", 0)
    assert judge_number("-0.0465", 0.853542, mistakes, digits=3).mistake == "update_step_only"
    assert judge_number("0.950", 0.853542, mistakes, digits=3).kind == "wrong"
    assert judge_number("0.9", 0.853542, mistakes, digits=3).kind == "digits"  # right at 1


def test_rounding_is_half_up_and_exact() -> None:
    """0.8525 rounds to 0.853 (half up, in decimal: no float error decides a tie)."""
    assert judge_number("0.853", 0.8525, digits=3).kind == "right"
    assert judge_number("0.852", 0.8525, digits=3).kind == "right"  # within half a unit too
    assert judge_number("-0.853", -0.8525, digits=3).kind == "right"
    assert judge_number("1.00", 0.9995, digits=3).kind == "right"
    assert judge_number("0.0", 0.0, digits=3).kind == "right"


# -- the unchanged parameter --------------------------------------------------------------------

def test_the_old_weight_is_not_right_by_the_one_unit_tolerance() -> None:
    """w = 0.8, w+ = 0.853: a claim '0.8' is within 0.1 of the truth, but it is the weight not
    updated; '0.9' (the truth at one decimal) is right."""
    mistakes = [("update_sign", 0.747), ("update_not_applied", 0.8)]
    judged = judge_number("0.8", 0.853, mistakes)
    assert (judged.kind, judged.mistake, judged.index) == ("mistake", "update_not_applied", 1)
    assert judge_number("0.80", 0.853, mistakes).mistake == "update_not_applied"
    assert judge_number("0.9", 0.853, mistakes).kind == "right"
    assert judge_number("0.8", 0.84, mistakes).kind == "right"      # 0.8 is the truth, rounded
    assert judge_number("0.8", 0.853, [("sign", 0.8)]).kind == "right"  # only that mistake
