"""What the commands share: exit statuses, the parser class, argument helpers, writing output."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any

from ..calculus.options import DEFAULT_PATH_LIMIT
from ..errors import SymbackpropError, UsageError
from .writing import check_tree, folder_lock, write_all

if TYPE_CHECKING:
    from ..spec.problems import Problem

__all__ = ["EXIT_BAD_INPUT", "EXIT_CLOSED", "EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK",
           "RANDOM_SEED", "Parser", "add_file", "add_wrt", "check_folder", "check_output", "emit",
           "emit_files", "emit_tree", "formats", "inert", "load_scalar", "parse_with", "seed"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C
EXIT_CLOSED = 141  # 128 + SIGPIPE: the reader of standard output stopped (``| head``)
RANDOM_SEED = 20_261_122


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors raised as :class:`UsageError` (exit status 2).

    Examples
    --------
    >>> Parser(prog="symbackprop").parse_args(["--nothing"])
    Traceback (most recent call last):
    ...
    symbackprop.errors.UsageError: symbackprop: unrecognized arguments: --nothing
    """

    def error(self, message: str) -> Any:
        raise UsageError(f"{self.prog}: {message}")


def formats(allowed: Sequence[str]) -> Callable[[str], str]:
    """An argument type that accepts one of ``allowed`` and names them all otherwise.

    Examples
    --------
    >>> formats(("text", "json"))("json")
    'json'
    >>> formats(("text", "json"))("yaml")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: unknown format 'yaml'; allowed: text, json
    """
    def check(value: str) -> str:
        if value not in allowed:
            raise argparse.ArgumentTypeError(
                f"unknown format {value!r}; allowed: {', '.join(allowed)}")
        return value
    return check


def seed(text: str) -> int:
    """An argument type for ``--seed``: an integer of at least 0, as a template's ``seed``.

    Examples
    --------
    >>> seed("7")
    7
    >>> seed("-1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be an integer of at least 0, got '-1'
    """
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer of at least 0, got {text!r}")
    return value


def emit(text: str | bytes | Iterable[str], output: str | None) -> None:
    """Write a text (newline-ended), a picture's bytes or lines as they come to ``output``.

    ``None`` or ``"-"`` is stdout.  A file is written atomically (:func:`emit_files`): the
    reader sees the old file or the whole new one, never half of it.

    Examples
    --------
    >>> emit("2 paths", None)
    2 paths
    >>> emit(iter(["1. b → c → e", "2. b → d → e"]), "-")
    1. b → c → e
    2. b → d → e
    """
    if isinstance(text, str):
        text = inert(text if text.endswith("\n") else text + "\n")
    elif not isinstance(text, bytes):
        text = map(inert, text)
    if output is None or output == "-":
        if isinstance(text, bytes):  # the commands refuse this earlier, naming the format
            raise UsageError("binary output goes to a file: say -o OUT")
        for line in [text] if isinstance(text, str) else (t + "\n" for t in text):
            sys.stdout.write(line)
        return
    emit_files([(output, text)])


_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def inert(text: str) -> str:
    r"""``text`` with its raw control characters (ESC, BEL, a carriage return: all of C0 but a
    tab and a line break, and DEL) shown as their Unicode control pictures (``␛``, ``␇``),
    so that no title, name or answer can move a terminal's cursor, recolour it or ring it.

    Examples
    --------
    >>> inert("title\x1b[2J\x07 done\n")
    'title␛[2J␇ done\n'
    """
    if _RAW_CONTROL.search(text) is None:
        return text
    return _RAW_CONTROL.sub(lambda m: "\u2421" if m.group() == "\x7f"
                            else chr(0x2400 + ord(m.group())), text)


def emit_files(outputs: Sequence[tuple[str, str | bytes | Iterable[str]]]) -> None:
    r"""Write every ``(path, content)`` of ``outputs``, all of them or none.

    A text is newline-ended, as :func:`emit` ends it.  Each content goes to a temporary file
    beside its target first; only when every one is written are they renamed over their
    targets, and should one rename fail the others are put back.  On any failure, Ctrl-C
    included, the temporary files are removed and every target is as it was.  A replaced file
    keeps its mode; a FIFO or a device is written through (:mod:`symbackprop.cli.writing`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> emit_files([(str(folder / "g.c"), "int x;\n"), (str(folder / "g.h"), iter(["int y;"]))])
    >>> sorted(p.name for p in folder.iterdir()), (folder / "g.h").read_text()
    (['g.c', 'g.h'], 'int y;\n')
    """
    write_all(outputs)


def check_output(output: str | None) -> None:
    """Refuse, before any work, an output path that cannot be written: a folder, a missing or
    read-only folder.

    Examples
    --------
    >>> check_output(None), check_output("-"), check_output("derivation.txt")
    (None, None, None)
    >>> check_output(".")
    Traceback (most recent call last):
    ...
    symbackprop.errors.UsageError: .: is a folder; -o names the file to write
    """
    if output is None or output == "-":
        return
    target = FilePath(output)
    if target.is_dir():
        raise UsageError(f"{output}: is a folder; -o names the file to write")
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"{output}: cannot write: the folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{output}: cannot write: the folder {str(folder)!r} is not writable")


def check_folder(output: str) -> None:
    """Refuse, before any work, an output folder that cannot be made or written: an existing
    file, or a folder whose nearest existing parent is not writable (missing folders are made).

    Examples
    --------
    >>> check_folder("course/variants")
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".txt") as file:
    ...     check_folder(file.name)
    Traceback (most recent call last):
    ...
    symbackprop.errors.UsageError: ...: is a file; -o names the folder to write
    """
    target = FilePath(output)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{output}: is a file; -o names the folder to write")
    existing = target
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{output}: cannot write: the folder {str(existing)!r} is not "
                         "writable")


def parse_with(register: Callable[[Any], None], argv: Sequence[str]) -> argparse.Namespace:
    """``argv`` parsed by a parser holding just what ``register`` adds (a command, or a target
    of ``export``): how each command module's docstring shows its arguments.

    Examples
    --------
    >>> def register(commands):
    ...     commands.add_parser("hello").add_argument("--name", default="world")
    >>> parse_with(register, ["hello", "--name", "you"]).name
    'you'
    """
    parser = Parser(prog="symbackprop")
    register(parser.add_subparsers(dest="command", parser_class=Parser))
    return parser.parse_args(list(argv))


def add_file(parser: argparse.ArgumentParser) -> None:
    """Add the ``FILE`` argument: a problem file or a bundled example's name.

    Examples
    --------
    >>> parser = Parser()
    >>> add_file(parser)
    >>> parser.parse_args(["mazur_2_2_2"]).file
    'mazur_2_2_2'
    """
    parser.add_argument("file", metavar="FILE",
                        help="a problem file (.toml, .yaml, .json) or a bundled example's name")


def load_scalar(file: str, command: str) -> Problem:
    """The problem ``file`` names, for a ``command`` that reads scalar problems only: a tensor
    problem is refused (exit status 2) with a message naming the file, the command and the
    commands that read one (:func:`symbackprop.spec.problems.scalar_problem`).

    Examples
    --------
    >>> load_scalar("branching_graph", "codegen").graph
    ComputationGraph(5 nodes, 5 edges, output='e')
    >>> load_scalar("tensor_mlp", "codegen")
    Traceback (most recent call last):
    ...
    symbackprop.errors.SpecError: tensor_mlp (bundled example): a tensor problem ([tensor]); \
codegen reads a [network] or [graph] problem (the commands that read a tensor problem: derive, \
paths, draw, verify, check, explore, variants)
    """
    from ..spec.problems import load_problem, scalar_problem

    return scalar_problem(load_problem(file), command)


def add_wrt(parser: argparse.ArgumentParser) -> None:
    """Add ``--wrt W`` (required), ``--of L`` and ``--max-paths N``.

    Examples
    --------
    >>> parser = Parser()
    >>> add_wrt(parser)
    >>> args = parser.parse_args(["--wrt", "w5"])
    >>> args.wrt, args.of, args.max_paths
    ('w5', None, 10000)
    """
    parser.add_argument("--wrt", required=True, metavar="W",
                        help="the node to differentiate with respect to (a weight, any node)")
    parser.add_argument("--of", metavar="L", default=None,
                        help="the node to differentiate (default: the loss / graph output)")
    parser.add_argument("--max-paths", type=int, default=DEFAULT_PATH_LIMIT, metavar="N",
                        help=f"list paths only up to N (default {DEFAULT_PATH_LIMIT:,}); above it "
                             "show the count and the factored form")


def emit_tree(files: dict[str, str | bytes], folder: str, *, lock: bool = False) -> None:
    """Write each of ``files`` (relative path to text or bytes) under ``folder``, making the
    folders they need; the files are written all or none (:func:`emit_files`).

    ``folder`` itself may be a symbolic link (a mounted share): it is resolved once; a link
    inside it, where a file or a folder is to be written, is refused.  With ``lock``, the
    folder is locked while it is written (:func:`symbackprop.cli.writing.folder_lock`): a
    second run writing it at the same time is refused.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as out:
    ...     emit_tree({"a.txt": "one", "key/b.json": "{}"}, out)
    ...     sorted(str(p.relative_to(out)) for p in pathlib.Path(out).rglob("*.*"))
    ['a.txt', 'key/b.json']
    """
    root = FilePath(folder).resolve()
    check_tree(root, files)
    if lock:
        _make_folder(root)
    with folder_lock(root) if lock else contextlib.nullcontext():
        check_tree(root, files)
        for path in files:
            _make_folder((root / path).parent)
        emit_files([(str(root / path), content) for path, content in files.items()])


def _make_folder(folder: FilePath) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SymbackpropError(f"{folder}: cannot make the folder ({err.strerror})") from None
