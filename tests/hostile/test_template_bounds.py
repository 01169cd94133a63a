"""A template's numbers are bounded before any work (issue 27, item 8, the parts read from the
template): a step of 1e-999999 is refused at once, digits past float64's, a billion attempts and
points past a million are refused naming the key, not a decimal traceback or a run until
killed."""

from __future__ import annotations

import json
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


def diamonds(count: int) -> str:
    """A template whose loss is reached from ``w`` through ``count`` diamonds in a row:
    2**count paths, 3 * count + 4 nodes."""
    lines = ['title = "diamonds"', "[graph]", 'output = "L"', 'inputs = ["x"]',
             'parameters = ["w"]', "[graph.nodes]", 'h0 = "w * x"']
    for i in range(count):
        lines += [f'a{i} = "sin(h{i})"', f'b{i} = "cos(h{i})"', f'h{i + 1} = "a{i} * b{i}"']
    lines += [f'L = "h{count}**2"', "[values]", "x = 0.5", "w = 0.3", "[variants]", "seed = 1",
              "[variants.draw]", '"x" = {range = [-1, 1], step = 0.1, nonzero = true}',
              '"w" = {range = [-1, 1], step = 0.1, nonzero = true}', "[[questions]]",
              'of = "dL/dw"', "points = 1", "digits = 3"]
    return "\n".join(lines) + "\n"


def test_a_key_past_the_written_out_paths_gives_the_formula_in_deltas(
        tmp_path: Path) -> None:
    """2^60 paths: the textbook form of the sum over them was being simplified and printed
    (it never finished); a page writes no sum past 1,000 paths, nor does the key."""
    template = tmp_path / "diamonds.toml"
    template.write_text(diamonds(60), encoding="utf-8")
    start = time.monotonic()
    assert main(["variants", str(template), "--count", "1", "--jobs", "1", "-o",
                 str(tmp_path / "out")]) == 0
    assert time.monotonic() - start < 60
    key = json.loads((tmp_path / "out" / "key" / "s01.json").read_text(encoding="utf-8"))
    assert key["questions"][0]["formula"] == "delta_h0*x"


def test_a_template_whose_every_draw_is_degenerate_stops_at_its_attempts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every input drawn 0: every gradient is 0.  The run stops after ``attempts`` draws (at
    most 10,000), naming the reason once (it was repeated for each of the last draws)."""
    degenerate = TEMPLATE.replace("attempts = 100", "attempts = 20", 1).replace(
        '"x?" = {range = [-1, 1], step = 0.1, nonzero = true}', '"x?" = {choices = [0]}', 1)
    degenerate = degenerate.replace('"b?" = {range = [-0.5, 0.5], step = 0.1}',
                                    '"b?" = {choices = [0]}', 1)
    template = tmp_path / "t.toml"
    template.write_text(degenerate, encoding="utf-8")
    assert main(["variants", str(template), "--count", "2", "--jobs", "1",
                 "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "student 's01': all 20 draws were degenerate" in err
    assert err.count("q2 (dL/dw1): a zero gradient") == 1
    assert not (tmp_path / "out").exists()


def test_a_template_with_thousands_of_paths_is_not_degenerate_for_a_path_left_out(
        tmp_path: Path) -> None:
    """12 diamonds, 4,096 paths: leaving one path out changes no digit asked, so every draw was
    rejected as degenerate (100 draws, minutes, then exit 2).  Past the paths a page writes
    out nobody sums them by hand; that slip no longer makes a draw degenerate."""
    template = tmp_path / "diamonds.toml"
    template.write_text(diamonds(12), encoding="utf-8")
    assert main(["variants", str(template), "--count", "2", "--jobs", "1", "-o",
                 str(tmp_path / "out")]) == 0
    key = json.loads((tmp_path / "out" / "key" / "s02.json").read_text(encoding="utf-8"))
    assert key["questions"][0]["formula"] == "delta_h0*x"
    assert key["rejected"] == []
