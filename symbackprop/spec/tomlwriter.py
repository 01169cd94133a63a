"""A small TOML writer for the part of TOML that problem files use.

The standard library reads TOML (``tomllib``) but does not write it, and the core of symbackprop
depends on sympy, networkx and numpy only, so this module writes the subset a problem file
needs: strings, whole numbers, floats, ``Decimal`` numbers (written as printed, so a claim's
precision survives), arrays of these (nested, or of inline tables), tables and arrays of tables.
Every string is escaped: a problem file's strings are untrusted text, and quotes, backslashes,
newlines, control characters and any Unicode must come back from ``tomllib`` unchanged.

Examples
--------
>>> print(dumps({"title": 'A "quoted" title', "network": {"layers": [2, 1]}}), end="")
title = "A \\"quoted\\" title"
<BLANKLINE>
[network]
layers = [2, 1]
>>> import tomllib
>>> tomllib.loads(dumps({"s": "tab\\t, newline\\n, bell\\a, é"}))["s"]
'tab\\t, newline\\n, bell\\x07, é'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..errors import SpecError

__all__ = ["comment", "dumps", "key", "origin_comments", "string", "value"]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def _escape(text: str, keep: str = "") -> str:
    out = []
    for ch in text:
        if ch in keep:
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            raise SpecError(f"cannot write the lone surrogate U+{ord(ch):04X} in TOML (it is "
                            "not a Unicode character)")
        else:
            out.append(ch)
    return "".join(out)


def string(text: str) -> str:
    """``text`` as a TOML string: a basic string, or a multi-line one when it has newlines.

    Examples
    --------
    >>> print(string('say "hi" \\\\ bye'))
    "say \\"hi\\" \\\\ bye"
    >>> print(string("two\\nlines\\n"))
    \"\"\"
    two
    lines
    \"\"\"
    """
    if "\n" in text:
        # The newline right after the opening quotes is not part of the string (TOML).
        return '"""\n' + _escape(text, keep="\n") + '"""'
    return '"' + _escape(text) + '"'


def key(name: str) -> str:
    """A table key: bare when it may be, else quoted.

    Examples
    --------
    >>> key("w212"), key("dL/dw")
    ('w212', '"dL/dw"')
    """
    return name if _BARE_KEY.match(name) else string(name)


def value(item: Any) -> str:
    """One TOML value on one line: a string, number, array or inline table.

    Floats are written with ``repr`` (the shortest text that reads back as the same float);
    ``Decimal`` numbers as printed.  ``nan`` and infinities are refused (problem files hold
    finite numbers only), and so are types TOML cannot hold.

    Examples
    --------
    >>> value([[0.1, -2.5e-07], [3, Decimal("0.80")]])
    '[[0.1, -2.5e-07], [3, 0.80]]'
    >>> value({"name": "leaky_relu", "slope": 0.2})
    '{ name = "leaky_relu", slope = 0.2 }'
    """
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, str):
        return string(item)
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if not math.isfinite(item):
            raise SpecError(f"cannot write {item} in a problem file: numbers must be finite")
        return repr(item)
    if isinstance(item, Decimal):
        if not item.is_finite():
            raise SpecError(f"cannot write {item} in a problem file: numbers must be finite")
        return _decimal(item)
    if isinstance(item, Mapping):
        if not item:
            return "{}"
        return "{ " + ", ".join(f"{key(str(k))} = {value(v)}" for k, v in item.items()) + " }"
    if isinstance(item, Sequence):
        return "[" + ", ".join(value(v) for v in item) + "]"
    raise SpecError(f"cannot write a {type(item).__name__} in TOML")


def _decimal(number: Decimal) -> str:
    text = str(number)
    # TOML needs a digit before an exponent and reads a plain integer as an integer: both
    # read back as the same Decimal, so the printed precision survives.
    if "E" in text:
        mantissa, exponent = text.split("E")
        return f"{mantissa}e{exponent}"
    return text


def _is_table(item: Any) -> bool:
    return isinstance(item, Mapping)


def _is_table_array(item: Any) -> bool:
    return (isinstance(item, Sequence) and not isinstance(item, str) and bool(item)
            and all(isinstance(v, Mapping) for v in item))


def _array(item: Sequence[Any]) -> str:
    """An array of arrays one row a line (a weight matrix reads as a matrix)."""
    if len(item) > 1 and all(isinstance(row, Sequence) and not isinstance(row, str)
                             for row in item):
        return "[\n" + "".join(f"    {value(row)},\n" for row in item) + "]"
    return value(item)


def comment(text: str) -> str:
    """``text`` as TOML comment lines (``# ...``), control characters replaced by spaces.

    Examples
    --------
    >>> print(comment("one\\ntwo"))
    # one
    # two
    """
    lines = text.split("\n")
    return "\n".join("# " + "".join(" " if ord(ch) < 0x20 or ord(ch) == 0x7F else ch
                                    for ch in line) if line else "#" for line in lines)


def origin_comments(origins: Mapping[str, str] | None) -> dict[str, str]:
    """The document's opening comment saying where each value comes from (a problem read from
    a model: ``w212`` is ``model[2].weight[0, 1]``), for :func:`dumps`'s ``comments``; empty
    without origins.

    Examples
    --------
    >>> print(origin_comments({"w1": "fc.weight[0, 0]", "b": "fc.bias[0]"})[""])
    Where the numbers come from:
      w1  fc.weight[0, 0]
      b   fc.bias[0]
    >>> origin_comments(None)
    {}
    """
    if not origins:
        return {}
    width = max(map(len, origins))
    return {"": "Where the numbers come from:\n" + "\n".join(
        f"  {name:<{width}}  {origin}" for name, origin in origins.items())}


def dumps(data: Mapping[str, Any], *, comments: Mapping[str, str] | None = None) -> str:
    """``data`` as a TOML document: plain keys first, then tables, then arrays of tables.

    ``comments`` maps a table's dotted name (``"values"``, ``"graph.nodes"``) to text written
    as comment lines under its header (``""``: before the first key of the document).

    Examples
    --------
    >>> print(dumps({"graph": {"output": "e", "inputs": {"a": 2}, "nodes": {"e": "2*a"}},
    ...              "claims": [{"of": "de/da", "value": Decimal("2")}]}), end="")
    [graph]
    output = "e"
    <BLANKLINE>
    [graph.inputs]
    a = 2
    <BLANKLINE>
    [graph.nodes]
    e = "2*a"
    <BLANKLINE>
    [[claims]]
    of = "de/da"
    value = 2
    """
    comments = comments or {}
    chunks: list[str] = []
    _table(data, (), chunks, comments, header=False)
    return "\n\n".join(chunk for chunk in chunks if chunk) + "\n"


def _table(data: Mapping[str, Any], path: tuple[str, ...], chunks: list[str],
           comments: Mapping[str, str], *, header: bool = True, array: bool = False) -> None:
    lines = []
    if header:
        name = ".".join(key(p) for p in path)
        lines.append(f"[[{name}]]" if array else f"[{name}]")
    note = comments.get(".".join(path))
    if note:
        lines.append(comment(note))
    for name, item in data.items():
        if not (_is_table(item) or _is_table_array(item)):
            lines.append(f"{key(name)} = {_array(item) if isinstance(item, list) else value(item)}")
    chunks.append("\n".join(lines))
    for name, item in data.items():
        if _is_table(item):
            _table(item, (*path, name), chunks, comments)
    for name, item in data.items():
        if _is_table_array(item):
            for entry in item:
                _table(entry, (*path, name), chunks, comments, array=True)
