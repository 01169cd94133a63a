"""A template's numbers are bounded before any work (issue 27, item 8, the parts read from the
template): a step of 1e-999999 is refused at once, digits past float64's, a billion attempts and
points past a million are refused naming the key, not a decimal traceback or a run until
killed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from symbackprop.cli import main

TEMPLATE = (Path(__file__).resolve().parents[2] / "symbackprop" / "spec" / "examples" /
            "assignment_2_2_2.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "message"), [
    ('"w*" = {range = [-1, 1], step = 0.05, nonzero = true}',
     '"w*" = {range = [-1, 1], step = 1e-999999, nonzero = true}',
     "more than 1,000,000 values; use a larger step"),
    ('"b?" = {range = [-0.5, 0.5], step = 0.1}', '"b?" = {range = [-0.5, 0.5], digits = 2000000}',
     "digits: must be at most 15, got 2,000,000"),
    ("attempts = 100", "attempts = 1000000000", "attempts: must be at most 10,000"),
    ("points = 2\ndigits = 3", "points = 2\ndigits = 1000000000000",
     "digits: must be at most 15, got 1,000,000,000,000"),
    ("points = 2\ndigits = 3", "points = 1e308\ndigits = 3",
     "points: must be between 0 and 1,000,000, got 1e+308"),
])
def test_refused_at_once(old: str, new: str, message: str, tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    assert old in TEMPLATE
    template = tmp_path / "t.toml"
    template.write_text(TEMPLATE.replace(old, new, 1), encoding="utf-8")
    start = time.monotonic()
    assert main(["variants", str(template), "--count", "2", "-o", str(tmp_path / "out")]) == 2
    assert time.monotonic() - start < 10
    err = capsys.readouterr().err
    assert "t.toml" in err and message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
