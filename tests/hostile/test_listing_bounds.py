"""Paths are listed one by one only up to ``MAX_LISTED_PATHS``, refused from their count before
any work (issue 27, item 9): ``paths`` on a [8]*12 network with ``--max-paths 10**15`` ran
43 s into 2.4 GB before "out of memory", and ``derive``, ``draw`` and ``paths --stream-limit``
ran until killed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symbackprop.cli import main

ROOT = Path(__file__).resolve().parents[2]
NETWORK = ('[network]\nlayers = {layers}\nhidden = "tanh"\noutput = "identity"\n'
           'loss = "squared_error"\nbias = "none"\n')


def network_file(folder: Path, layers: list[int]) -> Path:
    path = folder / "wide.toml"
    path.write_text(NETWORK.format(layers=layers), encoding="utf-8")
    return path


def test_a_billion_paths_are_refused_at_once(tmp_path: Path) -> None:
    path = network_file(tmp_path, [8] * 12)  # 8**10 paths from a first-layer weight
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "symbackprop", "paths", str(path), "--wrt",
                           "w_1_1_1", "--max-paths", str(10 ** 15)], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert time.monotonic() - start < 60
    assert ("wide.toml: dL/dw_1_1_1: 1,073,741,824 paths to list, more than the limit of "
            "500,000" in done.stderr)
    assert "SYMBACKPROP_MAX_LISTED_PATHS" in done.stderr and "--max-paths" in done.stderr
    assert "Traceback" not in done.stderr


COMMANDS = {
    "derive": ["derive", "{f}", "--wrt", "w111", "--max-paths", "1000000000000000"],
    "paths": ["paths", "{f}", "--wrt", "w111", "--max-paths", "1000000000000000"],
    "paths-streamed": ["paths", "{f}", "--wrt", "w111", "--stream-limit", "1000000000000000"],
    "draw": ["draw", "{f}", "--wrt", "w111", "--max-paths", "1000000000000000",
             "-o", "{out}/d.svg"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_listing_is_bounded(command: str, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = network_file(tmp_path, [4] * 7)  # 4**5 = 1,024 paths from w111
    monkeypatch.setenv("SYMBACKPROP_MAX_LISTED_PATHS", "1000")
    argv = [a.format(f=path, out=tmp_path) for a in COMMANDS[command]]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert "1,024 paths to list, more than the limit of 1,000" in captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wide.toml"]
    monkeypatch.setenv("SYMBACKPROP_MAX_LISTED_PATHS", "1024")  # at the limit: listed
    assert main(argv) == 0
    if command != "draw":
        assert "1,024 paths" in capsys.readouterr().out


def test_the_defaults_show_the_count_and_the_factored_form(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = network_file(tmp_path, [4] * 7)
    monkeypatch.setenv("SYMBACKPROP_MAX_LISTED_PATHS", "10")
    assert main(["derive", str(path), "--wrt", "w111", "--max-paths", "10"]) == 0
    assert main(["paths", str(path), "--wrt", "w111", "--max-paths", "10",
                 "--stream-limit", "10"]) == 0
    assert "1,024 paths from w111 to L" in capsys.readouterr().out
