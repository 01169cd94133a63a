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
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..errors import DomainError

__all__ = ["Later", "NotFiniteError", "held", "json_lines", "to_json"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Later):
        return value.make()
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
    return "\n".join(json_lines(data, piece=0))


def json_lines(data: Any, *, piece: int = 1 << 16) -> Iterator[str]:
    r""":func:`to_json`'s text in pieces of whole lines (``"\n".join`` of them is the text),
    each about ``piece`` characters (0: one piece), written as they are made: an iterator in
    ``data`` is a JSON array whose items are made one at a time (a listing of a million
    paths), so the text of a large listing is never all in memory.

    Raises
    ------
    TypeError, ValueError
        As :func:`to_json`; also when ``data`` needs :func:`json.dumps` (a key that is not a
        string) and its first piece was given out already.

    Examples
    --------
    >>> list(json_lines({"paths": (n for n in range(3))}, piece=1))
    ['{\n  "paths": [\n    0,', '    1,', '    2\n  ]\n}']
    """
    writer = _Writer(piece)
    given = False
    try:
        for text in writer.pieces(data):
            given = True
            yield text
    except _Unusual:  # a key that is not a string: the standard library's encoder
        if given:
            raise TypeError("cannot write a key that is not a string in a streamed "
                            "listing") from None
        yield _standard_json(data)
    except _NotFinite as err:
        raise NotFiniteError(f"the number at {_where_not_finite(data)} is {err.value!r}, which "
                             "JSON cannot hold: a division by zero, log(0) or an overflow at "
                             "these values?") from None


class Later:
    """A value written when the writer comes to it, made then by ``make()``: a listing's total
    after its streamed paths, summed as they were written.

    Examples
    --------
    >>> seen = []
    >>> paths = (seen.append(v) or v for v in (1.5, 2.5))
    >>> print(to_json({"paths": paths, "total": Later(lambda: sum(seen))}))
    {
      "paths": [
        1.5,
        2.5
      ],
      "total": 4.0
    }
    """

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def __repr__(self) -> str:
        return "Later(...)"


def _standard_json(data: Any) -> str:
    """What :func:`to_json` writes, by :func:`json.dumps` (the reference its writer matches)."""
    return json.dumps(_without_negative_zero(data), indent=2, ensure_ascii=False,
                      allow_nan=False, default=_jsonable)


class _Unusual(Exception):
    """Data the fast writer leaves to :func:`json.dumps`."""


_STRING = json.encoder.encode_basestring  # the C one where CPython has it, as json.dumps uses


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
    writing has failed (an iterator, given out already, is not walked again)."""
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
    return "an item of a listing"


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


def _floats(values: list[float] | tuple[float, ...]) -> list[str] | None:
    """The texts of ``values`` (floats) as :func:`_float` writes them, by the standard library's
    C encoder (a matrix's rows: 5 times faster than one call a number); ``None`` when one is
    not finite (:func:`_float` then names it)."""
    try:
        texts = _C_FLOATS(values)[1:-1].split(", ")
    except ValueError:
        return None
    return ["0.0" if t == "-0.0" else t for t in texts]


_C_FLOATS = json.JSONEncoder(allow_nan=False).encode
"""A list of floats as ``[1.5, -0.0]``: without an indent the C encoder writes it, each number
by ``float.__repr__``."""

_FLOAT, _STR = {float}, {str}

_SCALARS: dict[type, Callable[[Any], str]] = {
    str: _STRING, float: _float, int: int.__repr__, bool: lambda v: "true" if v else "false",
    type(None): lambda v: "null"}
"""The text of each scalar type, by its exact type (numpy scalars go through ``_jsonable``)."""

_SHARED_LIMIT = 1 << 16
"""The most flat tables whose text :class:`_Writer` keeps for writing again."""


class _Writer:
    """The text of :func:`json.dumps` with ``indent=2``, written without its generators (in
    CPython 3.11 an indent forces the pure-Python encoder), iteratively (no recursion) and in
    pieces of whole lines.  A flat table (a dict of scalars) met again at the same depth (the
    paths of a derivation share their factors' tables) is written once and its text reused: up
    to :data:`_SHARED_LIMIT` of them, each kept alive while its text is kept (so that its
    ``id`` names it).  A flat array (of scalars: a path's nodes, a list of names) is written by
    one join.

    Why it is kept (``python benchmarks/fastpaths.py``, the same text as :func:`json.dumps`
    each time): ``paths --wrt w_1_1_1 --format json`` of a [32, 32, 32, 32, 10] softmax network
    (102,400 paths, 159 MB of JSON) is written in 2.4 s against 12.3 s (5.3x); ``derive --wrt
    w_1_1_1 --format json`` of a [16, 16, 16, 4] one (4,096 paths) in 2.9 ms against 31 ms
    (11x); ``derive --wrt all --format json`` of a [64, 64, 64, 10] one in 82 ms against
    144 ms (1.7x)."""

    def __init__(self, piece: int) -> None:
        self.piece = piece
        self.seen: dict[tuple[int, int], tuple[Any, str]] = {}

    def pieces(self, data: Any) -> Iterator[str]:
        out: list[str] = []
        size = 0
        # Each frame: the items still to write of an open array or table, its depth, whether
        # it is a table.
        stack: list[tuple[Iterator[Any], int, bool]] = []
        value, level = data, 0
        while True:
            while isinstance(value, Later):
                value = value.make()
            text = self.flat(value, level)
            if text is None:  # a container to open
                is_dict = isinstance(value, dict)
                items = iter(value.items()) if is_dict else iter(value)
                first = next(items, _NOTHING)
                if first is not _NOTHING:
                    out.append("{" if is_dict else "[")
                    stack.append((items, level, is_dict))
                    value, level = self.item(first, level + 1, is_dict, out, "\n"), level + 1
                    continue
                text = "{}" if is_dict else "[]"
            out.append(text)
            size += len(text)
            # the value is written: on to the next item of the innermost open container
            while stack:
                items, outer, is_dict = stack[-1]
                following = next(items, _NOTHING)
                if following is not _NOTHING:
                    out.append(",")
                    lead = "\n"
                    if self.piece and size >= self.piece:  # a piece of whole lines
                        yield "".join(out)
                        out.clear()
                        size, lead = 0, ""
                    value, level = self.item(following, outer + 1, is_dict, out, lead), outer + 1
                    break
                stack.pop()
                out.append("\n" + "  " * outer + ("}" if is_dict else "]"))
            else:
                yield "".join(out)
                return

    @staticmethod
    def item(item: Any, level: int, is_dict: bool, out: list[str], lead: str) -> Any:
        """Write the start of an array's or table's item at ``level``, after ``lead`` (the
        line break, or nothing at the start of a piece); return its value to write."""
        if not is_dict:
            out.append(lead + "  " * level)
            return item
        key, value = item
        if not isinstance(key, str):
            raise _Unusual
        out.append(f"{lead}{'  ' * level}{_STRING(key)}: ")
        return value

    def flat(self, value: Any, level: int, depth: int = 0) -> str | None:
        """The text of a scalar or of a container written at once (a small one, no iterator
        in it, :data:`_AT_ONCE` items and levels at most); ``None`` for a container the
        caller writes item by item, in pieces."""
        kind = type(value)
        scalar = _SCALARS.get(kind)
        if scalar is not None:
            return scalar(value)
        if kind is dict:
            key = (id(value), level)
            found = self.seen.get(key)
            if found is not None:
                return found[1]
            if not value:
                return "{}"
            if len(value) > _AT_ONCE or depth > _AT_ONCE:
                return None
            parts = []
            shared = True  # a flat table: its text is kept
            for k, v in value.items():
                if type(k) is not str and not isinstance(k, str):
                    raise _Unusual
                text = self.flat(v, level + 1, depth + 1)
                if text is None:
                    return None
                shared = shared and type(v) in _SCALARS
                parts.append(f"{_STRING(k)}: {text}")
            inner = "  " * (level + 1)
            text = "{\n" + inner + (",\n" + inner).join(parts) + "\n" + "  " * level + "}"
            if shared and len(self.seen) < _SHARED_LIMIT:
                self.seen[key] = (value, text)
            return text
        if kind is list or kind is tuple:
            if not value:
                return "[]"
            if len(value) > _AT_ONCE or depth > _AT_ONCE:
                return None
            inner = "  " * (level + 1)
            kinds = set(map(type, value))
            if kinds == _FLOAT:  # a row of a matrix
                floats = _floats(value)
                if floats is not None:
                    return "[\n" + inner + (",\n" + inner).join(floats) + "\n" + "  " * level + "]"
            if kinds == _STR:
                items: Any = map(_STRING, value)
            else:
                items, seen = [], self.seen
                for v in value:
                    found = seen.get((id(v), level + 1)) if type(v) is dict else None
                    text = found[1] if found is not None else self.flat(v, level + 1, depth + 1)
                    if text is None:
                        return None
                    items.append(text)
            return "[\n" + inner + (",\n" + inner).join(items) + "\n" + "  " * level + "]"
        if isinstance(value, dict | list | tuple | Iterator | Later):
            return None  # (a Later: made when the writer comes to it, not before)
        if isinstance(value, str):
            return _STRING(value)
        if isinstance(value, float):  # numpy's float64 among them
            return _float(value)
        if isinstance(value, int):
            return int.__repr__(value)
        return self.flat(_jsonable(value), level, depth)


_AT_ONCE = 1_000
"""A container of at most this many items (and levels) is written at once; a longer one (a
listing) item by item, in pieces."""

_NOTHING: Any = object()
