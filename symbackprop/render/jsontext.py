"""JSON text: the one serialiser every ``--format json`` output goes through.

The data come from the renderers' ``*_data`` functions (dicts of str, float, list, None);
:func:`to_json` writes them the same way for every command: indented by two, UTF-8 kept as
it is (``δ``, ``∂``), and never ``NaN`` or ``Infinity`` (not JSON: an error instead).  numpy
scalars are written as the Python numbers they hold, and a negative zero as ``0.0`` (no value
is ever printed as ``-0``).  The output is a stable contract.

The text is what :func:`json.dumps` writes with ``indent=2``; a writer of its own writes it
5 to 11 times faster where a derivation's paths share their factors (its figures are in
``_Writer``), and data it does not handle (a key that is not a string) go to
:func:`json.dumps` itself.

Examples
--------
>>> print(to_json({"wrt": "w5", "value": 0.5, "paths": [["w5", "L"]]}))
{
  "wrt": "w5",
  "value": 0.5,
  "paths": [
    [
      "w5",
      "L"
    ]
  ]
}
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from ..errors import DomainError

__all__ = ["NotFiniteError", "held", "to_json"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _without_negative_zero(data: Any) -> Any:
    """``data`` with every ``-0.0`` made ``0.0``; the same objects where there is none (a
    derivation's paths share their factors' dicts: they stay shared, not copied)."""
    if isinstance(data, float):
        return 0.0 if data == 0 and math.copysign(1.0, data) < 0 else data
    if isinstance(data, dict):
        cleaned = {k: _without_negative_zero(v) for k, v in data.items()}
        return data if all(cleaned[k] is v for k, v in data.items()) else cleaned
    if isinstance(data, (list, tuple)):
        items = [_without_negative_zero(v) for v in data]
        return data if all(a is b for a, b in zip(items, data, strict=True)) else items
    return data


def held(value: Any) -> Any:
    """A step's value (a factor's, a path's, an adjoint's), or ``None`` (``null``) where
    float64 cannot hold it: the factor ``-y/yhat`` when ``yhat`` underflows to 0.  The
    derivative itself is then computed at 50 digits and is finite
    (:func:`symbackprop.graph.precision.stable`).

    Examples
    --------
    >>> held(0.5), held(float("-inf")), held(None)
    (0.5, None, None)
    """
    if value is None or math.isfinite(value):
        return value
    return None


def to_json(data: Any) -> str:
    """``data`` as JSON text (no trailing newline).

    Raises
    ------
    TypeError
        For a value JSON cannot hold (numpy scalars are converted).
    NotFiniteError
        For ``NaN`` or an infinity (a division by zero or ``log(0)`` at a file's numbers),
        naming where it is in ``data``.

    Examples
    --------
    >>> to_json({"δ": np.float64(0.25), "n": np.int64(3)}).splitlines()[1:3]
    ['  "δ": 0.25,', '  "n": 3']
    >>> to_json([-0.0, -1.5]).split()
    ['[', '0.0,', '-1.5', ']']
    >>> to_json({"paths": [{"value": 0.5}, {"value": -math.inf}]})
    Traceback (most recent call last):
        ...
    symbackprop.render.jsontext.NotFiniteError: the number at paths[1].value is -inf, which \
JSON cannot hold: a division by zero, log(0) or an overflow at these values?
    """
    try:
        out: list[str] = []
        _Writer().write(data, 0, out)
        return "".join(out)
    except _Unusual:  # a key that is not a string: the standard library's encoder
        return _standard_json(data)
    except _NotFinite as err:
        raise NotFiniteError(f"the number at {_where_not_finite(data)} is {err.value!r}, which "
                          "JSON cannot hold: a division by zero, log(0) or an overflow at "
                          "these values?") from None


def _standard_json(data: Any) -> str:
    """What :func:`to_json` writes, by :func:`json.dumps` (the reference its writer matches)."""
    return json.dumps(_without_negative_zero(data), indent=2, ensure_ascii=False,
                      allow_nan=False, default=_jsonable)


class _Unusual(Exception):
    """Data the fast writer leaves to :func:`json.dumps`."""


_STRING = json.encoder.encode_basestring  # the C one where CPython has it, as json.dumps uses


class _Writer:
    """The text of :func:`json.dumps` with ``indent=2``, written without its generators (in
    CPython 3.11 an indent forces the pure-Python encoder).  A dict or list met again at the
    same depth (the paths of a derivation share their factors' dicts) is written once and its
    text reused.

    Why it is kept (``python benchmarks/fastpaths.py``, the same text as :func:`json.dumps`
    each time): ``paths --wrt w_1_1_1 --format json`` of a [32, 32, 32, 32, 10] softmax network
    (102,400 paths, 159 MB of JSON) is written in 2.4 s against 12.3 s (5.3x); ``derive --wrt
    w_1_1_1 --format json`` of a [16, 16, 16, 4] one (4,096 paths) in 2.9 ms against 31 ms
    (11x); ``derive --wrt all --format json`` of a [64, 64, 64, 10] one in 82 ms against
    144 ms (1.7x)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[int, int], str] = {}

    def write(self, value: Any, level: int, out: list[str]) -> None:
        if isinstance(value, str):
            out.append(_STRING(value))
        elif value is None:
            out.append("null")
        elif value is True:
            out.append("true")
        elif value is False:
            out.append("false")
        elif isinstance(value, int):
            out.append(int.__repr__(value))
        elif isinstance(value, float):
            out.append(_float(value))
        elif isinstance(value, dict | list | tuple):
            key = (id(value), level)
            text = self.seen.get(key)
            if text is None:
                part: list[str] = []
                self._container(value, level, part)
                text = self.seen[key] = "".join(part)
            out.append(text)
        else:
            self.write(_jsonable(value), level, out)

    def _container(self, value: dict[Any, Any] | list[Any] | tuple[Any, ...], level: int,
                   out: list[str]) -> None:
        if not value:
            out.append("{}" if isinstance(value, dict) else "[]")
            return
        inner = "\n" + "  " * (level + 1)
        if isinstance(value, dict):
            out.append("{")
            for i, (k, v) in enumerate(value.items()):
                if not isinstance(k, str):
                    raise _Unusual
                out.append(("," if i else "") + inner + _STRING(k) + ": ")
                self.write(v, level + 1, out)
            out.append("\n" + "  " * level + "}")
        else:
            out.append("[")
            for i, v in enumerate(value):
                out.append(("," if i else "") + inner)
                self.write(v, level + 1, out)
            out.append("\n" + "  " * level + "]")


class NotFiniteError(DomainError, ValueError):
    """A NaN or an infinity that JSON cannot hold: a :class:`~symbackprop.errors.DomainError`
    (the command's exit status 2) and a :class:`ValueError`, as :func:`json.dumps` raises.

    Examples
    --------
    >>> issubclass(NotFiniteError, ValueError)
    True
    """


class _NotFinite(ValueError):
    """A NaN or an infinity met while writing."""

    def __init__(self, value: float) -> None:
        super().__init__(f"Out of range float values are not JSON compliant: {value!r}")
        self.value = value


def _where_not_finite(data: Any) -> str:
    """Where in ``data`` the first NaN or infinity is (``paths[1].value``); walked only once
    writing has failed."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, where = stack.pop()
        value = value if isinstance(value, dict | list | tuple | float) else _jsonable_or(value)
        if isinstance(value, float) and not math.isfinite(value):
            return where or "the top level"
        if isinstance(value, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k))
                         for k, v in reversed(value.items()))
        elif isinstance(value, list | tuple):
            stack.extend((v, f"{where}[{i}]") for i, v in reversed(list(enumerate(value))))
    return "some key"


def _jsonable_or(value: Any) -> Any:
    try:
        return _jsonable(value)
    except TypeError:
        return None


def _float(value: float) -> str:
    if value != value or value in (math.inf, -math.inf):
        raise _NotFinite(value)
    if value == 0:
        return "0.0"  # -0.0 too: no value is printed as -0
    return float.__repr__(value)
