"""What the commands share: exit statuses, the parser class, argument helpers, writing output."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path as FilePath
from typing import Any

from ..calculus.options import DEFAULT_PATH_LIMIT
from ..errors import SymbackpropError, UsageError

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "RANDOM_SEED", "Parser", "add_file",
           "add_wrt", "emit", "formats"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
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


def emit(text: str | bytes | Iterable[str], output: str | None) -> None:
    """Write a text (newline-ended), a picture's bytes or lines as they come to ``output``.

    ``None`` or ``"-"`` is stdout.

    Examples
    --------
    >>> emit("2 paths", None)
    2 paths
    >>> emit(iter(["1. b → c → e", "2. b → d → e"]), "-")
    1. b → c → e
    2. b → d → e
    """
    if isinstance(text, str):
        text = text if text.endswith("\n") else text + "\n"
    if output is None or output == "-":
        if isinstance(text, bytes):  # the commands refuse this earlier, naming the format
            raise UsageError("binary output goes to a file: say -o OUT")
        for line in [text] if isinstance(text, str) else (t + "\n" for t in text):
            sys.stdout.write(line)
        return
    try:
        if isinstance(text, bytes):
            FilePath(output).write_bytes(text)
            return
        if isinstance(text, str):
            FilePath(output).write_text(text, encoding="utf-8")
            return
        stream = open(output, "w", encoding="utf-8")  # noqa: SIM115
    except OSError as err:
        raise SymbackpropError(f"{output}: cannot write ({err.strerror})") from None
    with stream:
        for line in text:
            stream.write(line + "\n")


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
