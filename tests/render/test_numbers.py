"""One family of number formatters, and one JSON serialiser, for every output."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symbackprop.check.report import right_value
from symbackprop.draw.scene import value_latex
from symbackprop.render import text
from symbackprop.render.jsontext import to_json
from symbackprop.render.numbers import (
    CHECK_DIGITS,
    DISPLAY_DIGITS,
    FACTOR_DIGITS,
    VALUE_DIGITS,
    decimal_number,
    latex_factor,
    latex_number,
    percent,
    text_number,
)

VALUES = [0.0, 5.0, -0.003159356764, 0.08216704056423078, 1.5e-7, -2.5e12, 123456.789012345]


@pytest.mark.parametrize("value", VALUES)
def test_text_numbers_have_the_precision_their_place_asks(value):
    for digits in (VALUE_DIGITS, DISPLAY_DIGITS, FACTOR_DIGITS, CHECK_DIGITS):
        shown = text_number(value, digits)
        assert float(shown) == pytest.approx(value, rel=10.0 ** (1 - digits))
        assert len(shown.lstrip("-").split("e")[0].replace(".", "").lstrip("0")) <= digits
    assert text.number(value) == text_number(value, VALUE_DIGITS)


@pytest.mark.parametrize("value", VALUES)
def test_latex_numbers_read_back_to_the_text_numbers(value):
    for digits in (DISPLAY_DIGITS, FACTOR_DIGITS):
        shown = latex_number(value, digits)
        mantissa, _, exponent = shown.partition(r" \times 10^")
        back = float(mantissa) * (10.0 ** int(exponent.strip("{}")) if exponent else 1.0)
        assert back == pytest.approx(float(text_number(value, digits)), rel=1e-12)
        factor = latex_factor(value, digits)
        assert factor == (f"({shown})" if value < 0 else shown)
    assert value_latex(value) == latex_number(value, FACTOR_DIGITS)


def test_missing_and_special_values():
    assert text_number(None) == "?" and latex_number(None) == "?"
    assert text_number(None, missing="—") == "—" and decimal_number(None) == "—"
    assert latex_number(math.inf) == r"\text{inf}" and latex_number(math.nan) == r"\text{nan}"


def test_decimals_switch_to_significant_digits_where_they_would_hide_them():
    assert decimal_number(1e-3) == "0.0010000000"
    assert decimal_number(9.99e-4) == "0.000999"
    assert decimal_number(9.5e6) == "9500000.0000000000"
    assert decimal_number(1.25e7) == "12500000"
    assert decimal_number(0.0) == "0.0000000000"
    for value in (0.17691845300745082, 1.234e-9, -4.5, None):
        assert right_value(value) == decimal_number(value)


def test_percent_has_one_decimal():
    assert [percent(s) for s in (1.0, 0.40000001, -0.5238, 1.52449)] == \
        ["100.0", "40.0", "-52.4", "152.4"]


def test_json_is_one_format_for_every_command():
    data = {"δ": np.float64(0.1), "n": np.int64(3), "flag": np.bool_(True), "none": None,
            "list": [1.5, "∂"]}
    text_out = to_json(data)
    assert json.loads(text_out) == {"δ": 0.1, "n": 3, "flag": True, "none": None,
                                    "list": [1.5, "∂"]}
    assert "∂" in text_out and text_out.startswith('{\n  "δ": 0.1,')
    with pytest.raises(ValueError):
        to_json({"x": float("nan")})
    with pytest.raises(TypeError, match="ndarray"):
        to_json({"x": np.zeros(2)})


# -- JSON: the fast writer writes exactly what json.dumps writes ------------------------------

_leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.text(),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([-0.0, 0.0, 1e-300, -1e300]))
_json_data = st.recursive(_leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner),
    st.dictionaries(st.text(max_size=5), inner, max_size=4)), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(_json_data)
def test_to_json_writes_what_json_dumps_writes(data: object) -> None:
    from symbackprop.render.jsontext import _standard_json, json_lines

    shared = {"factor": -0.0, "value": [1.5, "δ"]}  # shared sub-objects, written once
    flat = {"of": "a", "value": -0.0}  # a flat table, its text kept
    for value in (data, [data, shared, {"again": shared}, shared], [flat, [flat], flat]):
        assert to_json(value) == _standard_json(value)
        # in pieces of whole lines, arrays made as they are written: the same text
        assert "\n".join(json_lines(value, piece=1)) == to_json(value)
        assert "\n".join(json_lines(_streamed(value), piece=1)) == to_json(value)


def _streamed(data: object) -> object:
    """``data`` with every list an iterator (an array written as it is made)."""
    if isinstance(data, list):
        return (_streamed(v) for v in data)
    if isinstance(data, dict):
        return {k: _streamed(v) for k, v in data.items()}
    return data


def test_to_json_refuses_what_json_refuses() -> None:
    assert to_json({"n": np.int64(3), "x": np.float64(-0.0), 1: "key"}) == (
        '{\n  "n": 3,\n  "x": 0.0,\n  "1": "key"\n}')
    for bad in (float("nan"), [float("inf")], {"a": -math.inf}):
        with pytest.raises(ValueError):
            to_json(bad)
    with pytest.raises(TypeError):
        to_json({"a": object()})
