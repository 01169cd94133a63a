"""The README shows real output: each ``$ symbackprop ...`` console block is run and compared.

Run ``python tests/test_readme.py --update`` to refresh the blocks from real output after a
deliberate change to what a command prints.  A line ``...`` in a block matches any lines.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import shlex
import sys
from pathlib import Path

import pytest

from symbackprop.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```console\n\$ (symbackprop [^\n]*)\n(.*?)```", re.DOTALL)


def run(command: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(shlex.split(command)[1:])
    return status, out.getvalue()


def matches(expected: str, actual: str) -> bool:
    """``expected`` equals ``actual``, where a line ``...`` stands for any number of lines."""
    pattern = "".join(".*?\n" if line == "..." else re.escape(line) + "\n"
                      for line in expected.splitlines())
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


def blocks() -> list[tuple[str, str]]:
    return BLOCK.findall(README.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("command", "expected"), blocks(), ids=lambda v: v[:40])
def test_console_block_is_real_output(command: str, expected: str) -> None:
    status, actual = run(command)
    assert status in (0, 1)
    assert matches(expected, actual), f"README block for {command!r} is stale:\n{actual}"


def test_readme_has_examples_and_setup() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(blocks()) >= 2
    assert "pip install . && symbackprop derive padhai_4_4_2 --wrt w131" in text
    assert "pip install -e '.[test]' && python -m pytest" in text


def test_python_example_runs() -> None:
    text = README.read_text(encoding="utf-8")
    python = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert python is not None
    parser = doctest.DocTestParser()
    test = parser.get_doctest(python.group(1), {}, "README", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 3


def _update() -> None:
    """Rewrite every console block with the command's real output (keeping ``...`` cuts)."""
    text = README.read_text(encoding="utf-8")

    def replace(match: re.Match[str]) -> str:
        command, old = match.groups()
        _, actual = run(command)
        if matches(old, actual):
            return match.group(0)
        lines = actual.splitlines()
        if old.splitlines().count("...") > 1:
            print(f"update the abridged block of {command!r} by hand:\n{actual}")
            return match.group(0)
        if "..." in old.splitlines():  # keep the head and tail lengths of an abridged block
            head = old.splitlines().index("...")
            tail = len(old.splitlines()) - head - 1
            lines = [*lines[:head], "...", *lines[len(lines) - tail:]]
        return f"```console\n$ {command}\n" + "\n".join(lines) + "\n```"

    README.write_text(BLOCK.sub(replace, text), encoding="utf-8")


if __name__ == "__main__":
    if "--update" in sys.argv:
        _update()
