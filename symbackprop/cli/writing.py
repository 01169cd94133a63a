"""Files written all or none, safely: what :func:`symbackprop.cli.common.emit_files` and
:func:`~symbackprop.cli.common.emit_tree` do underneath.

- Each content goes to a temporary file beside its target; only when every one is written are
  they renamed over their targets.  Should a rename fail, the targets already replaced get
  their old contents back (a hard link to each old file is kept until the end), and the new
  files are removed: a run leaves every target as it was, or every one new.
- A replaced file keeps its permission bits (``-o grades.csv`` over a mode-600 file stays
  600); a new one gets the umask's, as ``open()`` gives.
- A target that is no regular file (a FIFO, a terminal, ``/dev/null``, ``/proc/self/fd/1``)
  is written through, after the files, never replaced by one.
- A target that is a symbolic link to a regular file is replaced where the link points (the
  link stays); in a folder a command writes (:func:`check_tree`), a link is refused.
- :func:`folder_lock`: one run at a time writes a folder.

Examples
--------
>>> import tempfile, pathlib, os
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> (folder / "grades.csv").write_text("old\\n")
4
>>> os.chmod(folder / "grades.csv", 0o600)
>>> write_all([(str(folder / "grades.csv"), "new")])
>>> (folder / "grades.csv").read_text(), oct((folder / "grades.csv").stat().st_mode & 0o777)
('new\\n', '0o600')
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path as FilePath
from typing import BinaryIO

from ..errors import SymbackpropError, UsageError

__all__ = ["check_tree", "folder_lock", "write_all"]

Content = str | bytes | Iterable[str]


def write_all(outputs: Sequence[tuple[str, Content]]) -> None:
    """Write every ``(path, content)`` of ``outputs``, all of them or none (see the module).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "b").mkdir()
    >>> write_all([(str(folder / "a"), "one"), (str(folder / "b"), "two")])
    Traceback (most recent call last):
        ...
    symbackprop.errors.SymbackpropError: .../b: cannot write (Is a directory)
    >>> sorted(p.name for p in folder.iterdir())
    ['b']
    """
    files: list[tuple[str, Content]] = []
    through: list[tuple[str, Content]] = []
    for output, content in outputs:
        kind = _kind(output)
        if kind == "folder":
            raise SymbackpropError(f"{output}: cannot write (Is a directory)")
        if kind == "special":
            through.append((output, content))
        else:
            files.append((os.path.realpath(output) if kind == "link" else output, content))
    written: list[tuple[str, str]] = []
    kept: list[tuple[str, str | None]] = []  # (target, a link to its old file, or None: new)
    current = files[0][0] if files else ""
    try:
        for output, content in files:
            current = output
            written.append((_write_temporary(output, content), output))
        for temporary, output in written:
            current = output
            kept.append((output, _keep(output)))
            os.replace(temporary, output)
        for output, content in through:
            current = output
            _write_through(output, content)
    except OSError as err:
        _restore(kept)
        raise SymbackpropError(f"{current}: cannot write ({err.strerror})") from None
    except BaseException:
        _restore(kept)
        raise
    finally:
        for temporary, _ in written:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        for _, old in kept:
            if old:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(old)


def _kind(output: str) -> str:
    """``new``, ``file``, ``link`` (to a regular file), ``folder`` or ``special``."""
    try:
        info = os.stat(output)
    except FileNotFoundError:
        return "link" if os.path.islink(output) else "new"  # a dangling link: its target
    if stat.S_ISDIR(info.st_mode):
        return "folder"
    if not stat.S_ISREG(info.st_mode):
        return "special"
    return "link" if os.path.islink(output) else "file"


def _keep(output: str) -> str | None:
    """A hard link to ``output``'s current file (to put it back), None if there is none, or
    ``""`` where the file system has no hard links."""
    if not os.path.lexists(output):
        return None
    kept = tempfile.mktemp(dir=os.path.dirname(output) or ".",
                           prefix=f".{os.path.basename(output)}.", suffix=".old")
    try:
        os.link(output, kept)
    except OSError:  # a file system without hard links: this old file cannot be put back
        return ""
    return kept


def _restore(kept: list[tuple[str, str | None]]) -> None:
    """Put back the old file of each target replaced so far (remove the new ones)."""
    for output, old in reversed(kept):
        with contextlib.suppress(OSError):
            if old is None:
                os.unlink(output)
            elif old:
                os.replace(old, output)


def _write_temporary(output: str, content: Content) -> str:
    """Write ``content`` to a new temporary file in ``output``'s folder, with the mode of the
    file it replaces (or the umask's); return its path (removed again if writing fails)."""
    target = FilePath(output)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                             suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            _write(stream, content)
        try:
            mode = stat.S_IMODE(os.stat(output).st_mode)
        except OSError:
            mode = 0o666 & ~_umask()
        with contextlib.suppress(OSError):
            os.chmod(temporary, mode)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return temporary


def _write_through(output: str, content: Content) -> None:
    """Write into a target that is no regular file (a FIFO, a device), as a shell's ``>``."""
    with open(output, "wb") as stream:
        _write(stream, content)


def _write(stream: BinaryIO, content: Content) -> None:
    if isinstance(content, bytes):
        stream.write(content)
    elif isinstance(content, str):
        stream.write((content if content.endswith("\n") else content + "\n").encode("utf-8"))
    else:
        for line in content:
            stream.write((line + "\n").encode("utf-8"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_tree(root: FilePath, paths: Iterable[str]) -> None:
    """Refuse a symbolic link where a command writes under ``root``: at a target or at a folder
    between ``root`` and a target (a link there would send the files outside ``root``); and a
    target that is a folder (before anything is written).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "key").symlink_to(tempfile.mkdtemp())
    >>> check_tree(root, ["s01.toml", "key/s01.json"])
    Traceback (most recent call last):
        ...
    symbackprop.errors.UsageError: .../key: is a symbolic link; refusing to write through it \
(remove it, or write to another folder)
    """
    seen: set[FilePath] = set()
    for path in paths:
        target = root
        for part in FilePath(path).parts:
            target = target / part
            if target in seen:
                continue
            seen.add(target)
            if target.is_symlink():
                raise UsageError(f"{target}: is a symbolic link; refusing to write through it "
                                 "(remove it, or write to another folder)")
        if target.is_dir():
            raise UsageError(f"{target}: is a folder, where a file is to be written")


@contextlib.contextmanager
def folder_lock(folder: FilePath) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (``fcntl.flock`` on the folder itself, so that no
    lock file is left in it) while the block runs; a second run is refused at once, naming
    the folder.  The lock goes with the process: a run killed holds it no longer.  POSIX only:
    elsewhere no lock is taken.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with folder_lock(folder):
    ...     with folder_lock(folder):
    ...         pass
    Traceback (most recent call last):
        ...
    symbackprop.errors.UsageError: ...: another run is writing this folder (it holds the \
folder's lock); wait for it to end
    """
    try:
        import fcntl
    except ImportError:  # not POSIX
        yield
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as err:
        raise SymbackpropError(f"{folder}: cannot lock the folder ({err.strerror})") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(f"{folder}: another run is writing this folder (it holds the "
                             "folder's lock); wait for it to end") from None
        yield
    finally:
        os.close(descriptor)
