"""Numeric corners are exit status 2 with a message naming the node or key, never a traceback
(issue 27, item 11): a formula that is no finite real number (``a/0``, ``log(0)*a``,
``sqrt(-1)*a``), a value at which a formula is infinite or NaN written as JSON, a local partial
that divides by zero in ``verify``, and an integer past float's range as a value or a rate."""

from __future__ import annotations

from pathlib import Path

import pytest

from symbackprop.cli import main


def _file(tmp_path: Path, formula: str, x: str = "1.5", extra: str = "") -> str:
    path = tmp_path / "g.toml"
    path.write_text(f'{extra}\n[graph]\noutput = "L"\n[graph.inputs]\nx = {x}\n'
                    f'[graph.parameters]\nw = 0.5\n[graph.nodes]\nL = "{formula}"\n')
    return str(path)


@pytest.mark.parametrize(("formula", "shown"), [("w*x/0", "zoo*w*x"), ("log(0)*w", "zoo*w"),
                                                ("sqrt(-1)*w", "I*w")])
@pytest.mark.parametrize("command", ["derive", "paths", "codegen", "check"])
def test_a_formula_that_is_no_finite_real_number(
        formula: str, shown: str, command: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    argv = [command, _file(tmp_path, formula)] + (["--wrt", "w"] if command in
                                                  ("derive", "paths") else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "[graph.nodes] L" in err and f"formula is {shown} once simplified" in err


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's, on log(0) and sqrt(-1)
@pytest.mark.parametrize(("formula", "x", "where"), [("log(x)*w", "0", "value is -inf"),
                                                     ("sqrt(x)*w", "-1", "value is nan")])
def test_a_value_json_cannot_hold_is_named(formula: str, x: str, where: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", _file(tmp_path, formula, x), "--wrt", "w", "--format", "json"]) == 2
    err = capsys.readouterr().err
    assert f"the number at {where}, which JSON cannot hold" in err


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_verify_names_the_partial_that_divides_by_zero(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", _file(tmp_path, "log(x)*w", "0")]) == 2
    assert "the local partial ∂L/∂x = w/x cannot be evaluated" in capsys.readouterr().err


@pytest.mark.parametrize(("x", "extra", "key"), [
    ("1" + "0" * 400, "", "[graph.inputs] x"),
    ("1", "learning_rate = 1" + "0" * 400, "learning_rate")])
def test_an_integer_past_floats_range_is_refused(x: str, extra: str, key: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", _file(tmp_path, "w*x", x, extra), "--wrt", "w"]) == 2
    err = capsys.readouterr().err
    assert f"{key}: must be a finite number, got 10000000000000000000... (401 digits)" in err
