r"""Text from a problem file written into generated source: one escaping rule per language.

A problem file's title reaches the docstrings of generated Python (numpy, JAX, plain Python)
and the comments of generated C.  It is its author's text, so it must stay text there: a title
that closes the docstring and goes on with ``import os; os.system(...)`` would otherwise run
when the generated module is imported.  Node names never need this (they are identifiers of a
checked alphabet); every free text does, and only through these two functions.

- :func:`python_text`: for the inside of a triple-quoted docstring: backslashes and double
  quotes escaped (so no quote can end the string and no escape sequence forms), line breaks
  and other control characters made spaces, bidirectional controls written as ``\\u202e``
  escapes (the docstring's value is the text, its source shows no reordering).
- :func:`c_comment_text`: for the inside of a ``/* ... */`` comment: ``*/`` and ``/*`` broken
  apart, control characters made spaces, bidirectional controls written ``<U+202E>``.

Examples
--------
>>> hostile = 'x' + '"' * 3 + '; import os; ' + '"' * 3
>>> print(python_text(hostile))
x\"\"\"; import os; \"\"\"
>>> c_comment_text("a */ int evil; /* b")
'a * / int evil; / * b'
"""

from __future__ import annotations

import re

__all__ = ["c_comment_text", "python_text"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""The bidirectional controls: inert in a comment, but they reorder what a reader sees of the
code around them ('Trojan Source'), and ``gcc -Wall -Werror`` refuses them."""


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text)


def python_text(text: str) -> str:
    r"""``text`` made safe inside a (non-raw) triple-quoted Python string, on one line.

    Examples
    --------
    >>> print(python_text("e^(x^2) \\ done"))
    e^(x^2) \\ done
    >>> python_text("two\nlines")
    'two lines'
    >>> quotes = '"' * 3
    >>> text = 'say "hi" ' + quotes + ' \\'
    >>> eval(quotes + python_text(text) + quotes) == text      # the text, and only the text
    True
    >>> python_text("admin\u202e"), eval(quotes + python_text("a\u2066b") + quotes) == "a\u2066b"
    ('admin\\u202e', True)
    """
    escaped = _one_line(text).replace("\\", "\\\\").replace('"', '\\"')
    return _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", escaped)


def c_comment_text(text: str) -> str:
    r"""``text`` made safe inside a C block comment, on one line.

    Examples
    --------
    >>> c_comment_text("ends */ here"), c_comment_text("a/*b"), c_comment_text("x\ny")
    ('ends * / here', 'a/ *b', 'x y')
    >>> c_comment_text("admin\u202e \u2066x")
    'admin<U+202E> <U+2066>x'

    """
    safe = _one_line(text).replace("*/", "* /").replace("/*", "/ *")
    return _BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", safe)
