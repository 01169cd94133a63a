"""Files written safely (issue 27, items 3-5): modes kept, FIFOs and devices written through,
no link followed out of an output folder nor out of a submissions folder, ``variants`` all or
none and one run at a time."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from symbackprop.cli import main, writing
from symbackprop.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    private = tmp_path / "private.txt"
    private.write_text("grades\n")
    private.chmod(0o600)
    assert main(["derive", "mazur_2_2_2", "--wrt", "w5", "-o", str(private)]) == 0
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert "∂L/∂w5" in private.read_text()


def test_a_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        assert main(["derive", "mazur_2_2_2", "--wrt", "w5", "-o", str(tmp_path / "d.txt")]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "d.txt").stat().st_mode) == 0o640


def test_a_fifo_is_written_through_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert main(["paths", "mazur_2_2_2", "--wrt", "w5", "-o", str(fifo)]) == 0
    reader.join(10)
    assert not reader.is_alive() and got[0].startswith(b"1 path from w5 to L")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo"]


@pytest.mark.parametrize("target", ["/proc/self/fd/1", "/dev/stdout"])
def test_standard_output_named_as_a_file_is_written_through(target: str) -> None:
    if not os.path.exists(target):
        pytest.skip(f"{target} does not exist here")  # pragma: no cover
    done = subprocess.run([sys.executable, "-m", "symbackprop", "paths", "mazur_2_2_2",
                           "--wrt", "w5", "-o", target], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 path from w5 to L")


def test_a_link_to_a_file_is_written_where_it_points(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_text("old\n")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    assert main(["paths", "mazur_2_2_2", "--wrt", "w5", "-o", str(tmp_path / "link.txt")]) == 0
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "real.txt").read_text().startswith("1 path")


@pytest.fixture()
def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_a_link_inside_the_output_folder_is_refused(tmp_path: Path, elsewhere: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "AN"
    out.mkdir()
    (out / "key").symlink_to(elsewhere)
    assert main(["variants", "assignment_2_2_2", "--count", "2", "-o", str(out)]) == 2
    assert "key: is a symbolic link" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == [] and sorted(p.name for p in out.iterdir()) == ["key"]
    (out / "key").unlink()
    (out / "s01.toml").symlink_to(elsewhere / "s01.toml")
    assert main(["variants", "assignment_2_2_2", "--count", "2", "-o", str(out)]) == 2
    assert "s01.toml: is a symbolic link" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []


def test_the_output_folder_may_itself_be_a_link(tmp_path: Path, elsewhere: Path) -> None:
    (tmp_path / "share").symlink_to(elsewhere)
    assert main(["variants", "assignment_2_2_2", "--count", "2", "-o",
                 str(tmp_path / "share")]) == 0
    assert (elsewhere / "s02.toml").is_file() and (elsewhere / "key" / "s02.json").is_file()


def test_a_submission_linked_out_of_its_folder_is_not_read(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    course = tmp_path / "AN"
    assert main(["variants", "assignment_2_2_2", "--count", "2", "-o", str(course)]) == 0
    secret = tmp_path / "secret.toml"
    secret.write_text('root = "SECRET-LINE"\n')
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "evil.toml").symlink_to(secret)
    (answers / "s01.toml").write_text('variant = "s01"\n[answers]\nq1 = "0.1"\n')
    capsys.readouterr()
    assert main(["grade", str(course), str(answers), "--jobs", "1"]) == 1
    out = capsys.readouterr().out
    assert "SECRET" not in out and "a symbolic link out of the folder" in out
    assert "s01: 0 of 8 points" in out


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_check_does_not_read_a_file_linked_out_of_its_folder(
        tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "secret.toml"
    secret.write_text('SECRET-LINE = 1\n')
    folder = tmp_path / "answers"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "evil.toml").symlink_to(secret)
    (folder / "mazur.toml").write_text(
        (ROOT / "symbackprop" / "spec" / "examples" / "mazur_2_2_2.toml").read_text())
    (folder / "again.toml").symlink_to(folder / "mazur.toml")  # inside the folder: read
    assert main(["check", str(folder), "--jobs", "1", "--format", fmt]) == 1
    out = capsys.readouterr().out
    assert "SECRET" not in out
    assert out.count("a symbolic link out of the folder") == 1 and "evil.toml" in out
    assert out.count("correct") >= 2
    (folder / "mazur.toml").unlink()
    (folder / "again.toml").unlink()
    assert main(["check", str(folder), "--jobs", "1"]) == 2  # nothing could be checked
    assert main(["check", str(folder / "sub" / "evil.toml")]) == 2  # named itself: read
    assert "unknown key 'SECRET-LINE'" in capsys.readouterr().err


def test_variants_into_a_folder_where_a_file_would_go_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "AN"
    (out / "s03.toml").mkdir(parents=True)
    (out / "notes.txt").write_text("the instructor's\n")
    assert main(["variants", "assignment_2_2_2", "--count", "4", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "s03.toml: is a folder" in err and ".part" not in err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "s03.toml"]


@pytest.mark.parametrize("fail_at", [0, 1, 3, 5])
def test_a_failure_after_k_renames_leaves_every_file_as_it_was(
        fail_at: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "AN"
    assert main(["variants", "assignment_2_2_2", "--count", "3", "-o", str(out),
                 "--seed", "1"]) == 0
    (out / "notes.txt").write_text("the instructor's\n")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    replace, calls = os.replace, []

    def failing(source: str, target: str) -> None:
        if len(calls) == fail_at and source.endswith(".part"):
            raise OSError(28, "No space left on device")
        calls.append(target)
        replace(source, target)

    monkeypatch.setattr(writing.os, "replace", failing)
    assert main(["variants", "assignment_2_2_2", "--count", "4", "-o", str(out),
                 "--seed", "2"]) == 2
    assert "No space left on device" in capsys.readouterr().err
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_a_second_run_is_refused_while_the_lock_is_held(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "AN"
    out.mkdir()
    with writing.folder_lock(out):
        assert main(["variants", "assignment_2_2_2", "--count", "2", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{out}: another run is writing this folder" in err
    assert list(out.iterdir()) == []
    assert main(["variants", "assignment_2_2_2", "--count", "2", "-o", str(out)]) == 0


def test_the_lock_is_one_per_folder(tmp_path: Path) -> None:
    with writing.folder_lock(tmp_path), pytest.raises(UsageError), \
            writing.folder_lock(tmp_path):
        pass  # pragma: no cover
    with writing.folder_lock(tmp_path):
        pass
