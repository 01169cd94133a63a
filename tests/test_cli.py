"""The command-line contract (docs/reference/cli.md): commands, JSON keys, exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from symbackprop.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


def test_derive_json_has_the_spec_keys(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["derive", "padhai_4_4_2", "--wrt", "w131", "--format", "json"], capsys)
    assert status == 0
    data = json.loads(out)
    assert {"of", "wrt", "value", "expression", "simplified", "latex", "paths"} <= set(data)
    assert (data["of"], data["wrt"]) == ("L", "w131")
    assert data["value"] == pytest.approx(0.0031593568, abs=1e-9)
    assert len(data["paths"]) == 4
    first = data["paths"][0]
    assert first["nodes"] == ["w131", "a13", "h13", "a21", "yhat1", "L"]
    assert [(f["of"], f["wrt"]) for f in first["factors"]] == [
        ("a13", "w131"), ("h13", "a13"), ("a21", "h13"), ("yhat1", "a21"), ("L", "yhat1")]
    assert first["factors"][0] == {"of": "a13", "wrt": "w131", "expression": "x1", "value": 2.0}
    assert sum(p["value"] for p in data["paths"]) == pytest.approx(data["value"], rel=1e-12)


def test_derive_json_w212(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["derive", "padhai_4_4_2", "--wrt", "w212", "--format", "json"], capsys)
    assert json.loads(out)["value"] == pytest.approx(-0.1303767062, abs=1e-9)


def test_symbolic_problem_gives_null_values(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[graph]\noutput = "e"\ninputs = ["a", "b"]\n[graph.nodes]\n'
                    'c = "a*b"\ne = "c + a"\n')
    _, out, _ = run(["derive", str(path), "--wrt", "a", "--format", "json"], capsys)
    data = json.loads(out)
    assert data["value"] is None
    assert all(p["value"] is None for p in data["paths"])
    assert data["simplified"] == "b + 1"


def test_update_only_for_the_loss_gradient_of_a_parameter(
        capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["derive", "mazur_2_2_2", "--wrt", "w5"], capsys)
    assert "w5+ = " in out
    _, out, _ = run(["derive", "mazur_2_2_2", "--wrt", "w5", "--of", "a21"], capsys)
    assert "+ = " not in out and "update" not in out
    _, out, _ = run(["derive", "mazur_2_2_2", "--wrt", "a21", "--format", "json"], capsys)
    assert "update" not in json.loads(out)


def test_paths_lists_the_four_paths(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["paths", "padhai_4_4_2", "--wrt", "w131"], capsys)
    assert status == 0
    for through in ("a21 → yhat1", "a21 → yhat2", "a22 → yhat1", "a22 → yhat2"):
        assert through in out
    status, out, _ = run(["paths", "padhai_4_4_2", "--wrt", "w131", "--format", "json"], capsys)
    assert json.loads(out)["path_count"] == 4


def test_verify_agrees_on_every_example(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["verify", "mazur_2_2_2", "--format", "json"], capsys)
    data = json.loads(out)
    assert status == 0 and data["disagree"] == 0 and data["agree"] == 10
    status, out, _ = run(["verify", "linear_2_2_2"], capsys)
    assert status == 0 and "0 disagree" in out


def test_examples_lists_the_bundled_examples(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["examples"], capsys)
    assert status == 0
    for name in ("padhai_4_4_2", "mazur_2_2_2", "sigmoid_chain", "exp_exp_square",
                 "inverse_exp_square", "linear_2_2_2", "linear_2_2_2_2"):
        assert name in out


def test_check_exit_statuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["check", "mazur_2_2_2"], capsys)[0] == 0
    assert run(["check", "padhai_4_4_2"], capsys)[0] == 1
    half = tmp_path / "half.toml"  # one claim right, one that cannot be judged (no values)
    half.write_text('[graph]\noutput = "e"\ninputs = ["a"]\n[graph.nodes]\ne = "a^2"\n'
                    '[[claims]]\nof = "de/da"\nexpression = "2*a"\n'
                    '[[claims]]\nof = "de/da"\nvalue = 4\n')
    status, out, _ = run(["check", str(half), "--format", "json"], capsys)
    verdicts = [c["verdict"] for c in json.loads(out)["claims"]]
    assert verdicts == ["correct", "error"]
    assert status == 1
    only = tmp_path / "only.toml"
    only.write_text(half.read_text().split("[[claims]]")[0] + '[[claims]]\nof = "de/da"\n'
                    'value = 4\n')
    assert run(["check", str(only)], capsys)[0] == 2


@pytest.mark.parametrize("argv", [
    ["derive", "padhai_4_4_2"],
    ["derive", "padhai_4_4_2", "--wrt", "w131", "--format", "pdf"],
    ["nonsense"],
    [],
])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(argv, capsys)
    assert status == 2
    assert "Traceback" not in err


def test_python_dash_m_and_version() -> None:
    result = subprocess.run([sys.executable, "-m", "symbackprop", "paths", "branching_graph",
                             "--wrt", "b"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "2 paths from b to e" in result.stdout
    result = subprocess.run([sys.executable, "-m", "symbackprop", "--version"],
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.startswith("symbackprop ")


def test_every_command_is_classed_as_one_problem_or_many() -> None:
    """A new command must say whether main pauses the cyclic collector for it."""
    from symbackprop.cli import COMMANDS, ONE_PROBLEM

    names = {command.__name__.rpartition(".")[2] for command in COMMANDS}  # one a command
    assert names > ONE_PROBLEM
    assert names - ONE_PROBLEM == {"check", "grade", "variants", "export"}


@pytest.mark.parametrize(("argv", "paused"), [
    (["derive", "mazur_2_2_2", "--wrt", "w5"], True),
    (["paths", "branching_graph", "--wrt", "b"], True),
    (["check", "padhai_4_4_2"], False),
])
def test_one_problem_commands_run_with_the_cyclic_collector_paused(
        argv: list[str], paused: bool, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Inside a one-problem command the collector is off; after it, and after an error in
    it, it is on again (main may be called in-process, as here)."""
    import gc

    import symbackprop.cli.check as check_command
    import symbackprop.cli.derive as derive_command
    import symbackprop.cli.paths as paths_command

    seen: list[bool] = []
    module = {"derive": derive_command, "paths": paths_command, "check": check_command}[argv[0]]
    name = {"derive": "_derive", "paths": "_paths", "check": "_check"}[argv[0]]
    original = getattr(module, name)

    def spy(args: object) -> int:
        seen.append(gc.isenabled())
        return int(original(args))

    monkeypatch.setattr(module, name, spy)
    assert gc.isenabled()
    main(argv)
    assert seen == [not paused] and gc.isenabled()

    def failing(args: object) -> int:
        seen.append(gc.isenabled())
        raise KeyboardInterrupt

    monkeypatch.setattr(module, name, failing)
    assert main(argv) == 130 and gc.isenabled()
    capsys.readouterr()


@pytest.mark.parametrize("argv", [
    ["derive", "mazur_2_2_2", "--wrt", "w5"],             # all written at the end
    ["paths", "padhai_4_4_2", "--wrt", "w111"],           # written line by line
])
def test_a_closed_pipe_ends_quietly_with_141(argv: list[str]) -> None:
    """``symbackprop ... | head``: when the reader stops, no traceback and no "Exception
    ignored" message, and exit status 141 (128 + SIGPIPE), as a shell reports it."""
    with subprocess.Popen([sys.executable, "-m", "symbackprop", *argv],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()                               # the reader is gone at once
        stderr = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 141, stderr
    assert stderr == ""
