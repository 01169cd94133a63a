"""TOML text from plain data: how a student's problem file is written.

The data are what a problem file holds (:func:`symbackprop.spec.read_problem_data` gives them):
tables, arrays, strings, booleans, integers and :class:`~decimal.Decimal` numbers, written the
same way on every machine (numbers as their decimal text, so a drawn ``0.35`` stays ``0.35``).
Strings are written as TOML basic strings with JSON's escapes (a subset of TOML's), keys bare
when they can be.

Examples
--------
>>> from decimal import Decimal
>>> print(toml_text({"title": 'a "b"', "network": {"layers": [2, 2]},
...                  "values": {"x1": Decimal("0.5")}, "questions": [{"of": "dL/dw1"}]}))
title = "a \\"b\\""
<BLANKLINE>
[network]
layers = [2, 2]
<BLANKLINE>
[values]
x1 = 0.5
<BLANKLINE>
[[questions]]
of = "dL/dw1"
<BLANKLINE>
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["toml_text"]

_BARE = re.compile(r"[A-Za-z0-9_-]+\Z")


def _key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if "\n" in value:  # a multi-line string, as a description is usually written
            body = value.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
            return '"""\n' + "".join(c if c in "\n\t" or ord(c) >= 32 else f"\\u{ord(c):04x}"
                                     for c in body).lstrip("\n") + '"""'
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _table(data: Mapping[str, Any], prefix: str, lines: list[str]) -> None:
    tables = []
    for key, value in data.items():
        if isinstance(value, Mapping) or _is_tables(value):
            tables.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in tables:
        name = f"{prefix}{_key(key)}"
        if isinstance(value, Mapping):
            lines += ["", f"[{name}]"]
            _table(value, name + ".", lines)
        else:
            for item in value:
                lines += ["", f"[[{name}]]"]
                _table(item, name + ".", lines)


def toml_text(data: Mapping[str, Any]) -> str:
    """``data`` as TOML text (newline-ended): keys in their order, tables after the plain
    values of their parent.

    Examples
    --------
    >>> print(toml_text({"a": {"b": {"c": 1}}, "d": [1.5, {"e": "f"}]}), end="")
    d = [1.5, {e = "f"}]
    <BLANKLINE>
    [a]
    <BLANKLINE>
    [a.b]
    c = 1
    """
    lines: list[str] = []
    _table(data, "", lines)
    return "\n".join(lines).lstrip("\n") + "\n"
