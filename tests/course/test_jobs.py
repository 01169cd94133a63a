"""``variants`` for a large class: the same files whatever the number of processes, and progress
shown on a terminal only.

Each run is a fresh process (``python -m symbackprop``): a worker forked from the test process
would inherit the threads other tests start (jax's).
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from symbackprop.cli import build_parser
from symbackprop.course.files import MIN_PER_JOB

TEMPLATE = "assignment_2_2_2"
STUDENTS = 2 * MIN_PER_JOB + 5  # three processes' worth with --jobs 3


def _command(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "symbackprop", "variants", TEMPLATE, "-o", str(out),
            "--count", str(STUDENTS), "--handout", "--figure", *extra]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_the_files_are_the_same_whatever_the_number_of_processes(tmp_path: Path) -> None:
    trees = []
    for jobs in ("1", "3"):
        out = tmp_path / f"jobs{jobs}"
        done = subprocess.run(_command(out, "--jobs", jobs), capture_output=True, text=True,
                              timeout=600, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""  # no terminal: no progress
        trees.append(_tree(out))
    assert len(trees[0]) == 3 * STUDENTS + 1  # toml, key and sheet each; the solutions
    assert trees[0] == trees[1]


def test_progress_shows_on_a_terminal_only(tmp_path: Path) -> None:
    """With stderr a terminal (a pty) the students done are shown as the work goes on, and the
    line is ended; stdout says what was written, as without a terminal."""
    main, child = pty.openpty()
    try:
        process = subprocess.Popen(_command(tmp_path / "out", "--jobs", "1"),
                                   stdout=subprocess.PIPE, stderr=child, text=True)
        os.close(child)
        shown = b""
        while True:
            ready, _, _ = select.select([main], [], [], 120)
            if not ready:
                break
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            shown += chunk
        stdout, _ = process.communicate(timeout=120)
    finally:
        os.close(main)
    assert process.returncode == 0
    text = shown.decode()
    assert f"variants: {STUDENTS} of {STUDENTS} students" in text and text.endswith("\n")
    assert text.count("\r") >= 1 and "variants: 20 of" in text
    assert stdout.startswith(f"{STUDENTS} variants of {TEMPLATE}")


def test_jobs_is_checked_and_its_help_says_when_one_process_is_used(tmp_path: Path) -> None:
    done = subprocess.run(_command(tmp_path / "x", "--jobs", "0"), capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2 and "--jobs must be at least 1, got 0" in done.stderr
    parser = build_parser()
    text = parser._subparsers._group_actions[0].choices["variants"].format_help()  # type: ignore[union-attr]
    assert f"fewer than {MIN_PER_JOB} students" in " ".join(text.split())
