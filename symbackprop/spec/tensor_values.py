"""One tensor of a ``[tensor]`` problem file: its shape, dtype and values, given or drawn.

A tensor is an inline table (``shape``, ``values`` or ``draw``, ``dtype``), or a bare number
or nested list whose shape is read from it.  Every shape is checked against the tensor limits
(:data:`~symbackprop.limits.MAX_TENSOR_RANK`, :data:`~symbackprop.limits.MAX_TENSOR_DIM`,
:data:`~symbackprop.limits.MAX_TENSOR_ENTRIES`) before anything is allocated, and values
against the shape.  A draw (``"normal"``, ``{normal = STD}``, ``"uniform"`` on -1..1,
``{uniform = [LOW, HIGH]}``, ``{integers = N}`` for 0..N-1) takes the next numbers of the
file's generator (``numpy.random.default_rng(seed)``, in file order) and is rounded to 4
decimals, so that a file's numbers can be printed and typed.

Examples
--------
>>> import numpy as np
>>> from decimal import Decimal
>>> rng = np.random.default_rng(7)
>>> read_tensor({"shape": [2, 2], "draw": "normal"}, "f.toml: [tensor.inputs] X", rng)
TensorValue((2, 2) float, drawn)
>>> read_tensor([[Decimal("1"), Decimal("2.5")]], "f.toml: [tensor.inputs] X", rng).values
array([[1. , 2.5]])
>>> read_tensor({"shape": [3], "dtype": "int", "values": [0, 2, 1]}, "f", rng).values
array([0, 2, 1])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from ..errors import SpecError
from ..graph.node import suggest
from ..limits import MAX_TENSOR_DIM, MAX_TENSOR_ENTRIES, MAX_TENSOR_RANK
from ..rules.lexing import clip
from .fields import check_keys, describe

__all__ = ["DRAWS", "TENSOR_VALUE_KEYS", "TensorValue", "check_tensor_shape", "read_tensor"]

TENSOR_VALUE_KEYS = ("shape", "values", "draw", "dtype")
#: the draws a tensor may take, as the reference documents them
DRAWS = ('"normal"', "{normal = STD}", '"uniform"', "{uniform = [LOW, HIGH]}",
         "{integers = N}")


@dataclass(frozen=True)
class TensorValue:
    """A tensor as a file gives it: its shape, dtype, and values (``None`` when the file
    gives only the shape: the tensor level's algebra needs no numbers).

    Examples
    --------
    >>> TensorValue((4, 3), "float", None)
    TensorValue((4, 3) float, no values)
    """

    shape: tuple[int, ...]
    dtype: str
    values: np.ndarray | None
    drawn: bool = False

    def __repr__(self) -> str:
        state = "drawn" if self.drawn else "no values" if self.values is None else "given"
        return f"TensorValue({self.shape} {self.dtype}, {state})"


def check_tensor_shape(value: Any, where: str) -> tuple[int, ...]:
    """A ``shape`` as written (a list of whole numbers of at least 1), checked against the
    tensor limits before anything of that shape exists.

    Examples
    --------
    >>> check_tensor_shape([4, 3], "f.toml: [tensor.inputs] X shape")
    (4, 3)
    >>> check_tensor_shape([10**9, 10**9], "f.toml: [tensor.inputs] X shape")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f.toml: [tensor.inputs] X shape: 1,000,000,000 entries along \
one axis, more than the limit of 1,000,000 (entries along one axis of a tensor, checked from its \
shape); to raise it, set SYMBACKPROP_MAX_TENSOR_DIM
    """
    if not isinstance(value, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in value):
        raise SpecError(f"{where}: must be a list of whole numbers such as [4, 3] ([] for a "
                        f"scalar), got {describe(value)}")
    MAX_TENSOR_RANK.check(len(value), where, "axes")
    for n in value:
        if n < 1:
            raise SpecError(f"{where}: every dimension must be at least 1, got {value}")
        MAX_TENSOR_DIM.check(n, where, "entries along one axis")
    MAX_TENSOR_ENTRIES.check(math.prod(value), where, "entries")
    return tuple(value)


def read_tensor(value: Any, where: str, rng: np.random.Generator) -> TensorValue:
    """The tensor ``value`` of a file (a table, a number or a nested list); ``where`` names
    the file, the table and the key in every error.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> read_tensor({"shape": [2], "values": [1, 2, 3]}, "f.toml: [tensor.inputs] x", rng)
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f.toml: [tensor.inputs] x: shape [2] but the values have \
shape [3]
    """
    if not isinstance(value, dict):
        return TensorValue(*_values(value, None, "float", where, where))
    check_keys(value, TENSOR_VALUE_KEYS, where)
    dtype = value.get("dtype", "float")
    if dtype not in ("float", "int"):
        raise SpecError(f'{where}: dtype must be "float" or "int", got {describe(dtype)}')
    shape = check_tensor_shape(value["shape"], f"{where} shape") if "shape" in value else None
    if "values" in value and "draw" in value:
        raise SpecError(f"{where}: give values or draw, not both")
    if "values" in value:
        return TensorValue(*_values(value["values"], shape, dtype, where, f"{where} values"))
    if shape is None:
        raise SpecError(f"{where}: give a shape (with a draw, or alone), or values")
    if "draw" in value:
        return TensorValue(shape, dtype, _draw(value["draw"], shape, dtype, f"{where} draw",
                                               rng), drawn=True)
    return TensorValue(shape, dtype, None)


def _values(value: Any, shape: tuple[int, ...] | None, dtype: str, where: str, named: str,
            ) -> tuple[tuple[int, ...], str, np.ndarray]:
    """The shape, dtype and array of the nested list ``value`` (checked against ``shape``
    when the file gives one; ``named`` names the values in an error about an entry): by one
    :func:`numpy.array` when every innermost list is a row of the same length holding only
    numbers (``int`` ones only, for dtype int), all finite; else entry by entry, to name what
    is wrong.

    Examples
    --------
    >>> _values([[1, 2.5], [3, 4]], (2, 2), "float", "f", "f values")[2]
    array([[1. , 2.5],
           [3. , 4. ]])
    >>> _values([[1, True]], None, "float", "f", "f values")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f values: every entry must be a number, got bool True
    """
    found, array = _whole(value, dtype)
    if array is None:
        found, flat = _nested(value, named)
    if shape is not None and found != shape:
        raise SpecError(f"{where}: shape {list(shape)} but the values have shape "
                        f"{list(found)}")
    if array is None:
        array = _array(flat, found, dtype, named)
    return found, dtype, array


_ROW_TYPES: dict[str, set[type]] = {"float": {Decimal, float, int}, "int": {int}}
"""The types of the entries :func:`_whole` converts at once, by dtype (a file's floats are
read as :class:`~decimal.Decimal`; ``bool`` is not one: ``True`` is refused, not read as 1)."""


def _whole(value: Any, dtype: str) -> tuple[tuple[int, ...], np.ndarray | None]:
    """``value`` as one array when it is rectangular lists of rows of plain numbers (the
    common case, a matrix in a file) within the limits, with its shape; else ``(), None``."""
    shape: list[int] = []
    probe = value
    while type(probe) is list and probe:
        shape.append(len(probe))
        probe = probe[0]
    if not shape or math.prod(shape) > MAX_TENSOR_ENTRIES.value() or len(shape) > (
            MAX_TENSOR_RANK.value()) or max(shape) > MAX_TENSOR_DIM.value():
        return (), None
    level = [value]
    for n in shape[:-1]:
        if any(type(item) is not list or len(item) != n for item in level):
            return (), None
        level = [entry for item in level for entry in item]
    allowed, width = _ROW_TYPES[dtype], shape[-1]
    if any(type(row) is not list or len(row) != width or not set(map(type, row)) <= allowed
           for row in level):
        return (), None
    try:
        array = np.array(value, dtype=int if dtype == "int" else float)
    except (OverflowError, ValueError):
        return (), None
    if dtype == "float" and not np.isfinite(array).all():
        return (), None
    return tuple(shape), array


def _nested(value: Any, where: str) -> tuple[tuple[int, ...], list[Any]]:
    """The shape of a nested list of numbers and its numbers in numpy's order, checked to be
    rectangular and within the limits as it is read."""
    shape: list[int] = []
    probe = value
    while isinstance(probe, list):
        if not probe:
            raise SpecError(f"{where}: an empty list; every dimension must be at least 1")
        shape.append(len(probe))
        probe = probe[0]
    check_tensor_shape(shape, where)
    flat: list[Any] = []
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth == len(shape):
            if isinstance(item, list):
                raise SpecError(f"{where}: the lists are not rectangular (nested deeper in "
                                "one place than another)")
            flat.append(item)
            continue
        if not isinstance(item, list) or len(item) != shape[depth]:
            raise SpecError(f"{where}: the lists are not rectangular: expected "
                            f"{shape[depth]} entries at depth {depth + 1}, got {describe(item)}")
        stack.extend((entry, depth + 1) for entry in reversed(item))
    return tuple(shape), flat


_INT64 = np.iinfo(np.int64)


def _array(flat: list[Any], shape: tuple[int, ...], dtype: str, where: str) -> np.ndarray:
    numbers = []
    for item in flat:
        if isinstance(item, bool) or not isinstance(item, int | float | Decimal):
            raise SpecError(f"{where}: every entry must be a number, got {describe(item)}")
        if isinstance(item, Decimal | float) and not math.isfinite(item):
            raise SpecError(f"{where}: every entry must be a finite number, got {item}")
        if dtype == "int" and item != int(item):
            raise SpecError(f'{where}: dtype "int" holds whole numbers, got {item}')
        if dtype == "int" and not _INT64.min <= item <= _INT64.max:
            raise SpecError(f'{where}: dtype "int" holds whole numbers from {_INT64.min} to '
                            f"{_INT64.max}, got {clip(str(item))}")
        try:
            numbers.append(int(item) if dtype == "int" else float(item))
        except OverflowError:
            raise SpecError(f"{where}: every entry must be a number a float64 holds (below "
                            f"about 1.8e308 in size), got {clip(str(item))}") from None
    return np.array(numbers, dtype=int if dtype == "int" else float).reshape(shape)


def _draw(spec: Any, shape: tuple[int, ...], dtype: str, where: str,
          rng: np.random.Generator) -> np.ndarray:
    kind, argument = (spec, None) if isinstance(spec, str) else _single(spec, where)
    if kind == "integers":
        if dtype != "int" or not isinstance(argument, int) or isinstance(argument, bool) or (
                argument < 1):
            raise SpecError(f'{where}: {{integers = N}} draws whole numbers 0..N-1 for dtype '
                            '"int", N at least 1')
        return rng.integers(0, argument, size=shape)
    if dtype == "int":
        raise SpecError(f'{where}: a tensor of dtype "int" draws {{integers = N}}')
    if kind == "normal":
        std = 1.0 if argument is None else _positive(argument, f"{where} normal")
        return np.round(rng.normal(0.0, std, size=shape), 4)
    if kind == "uniform":
        low, high = (-1.0, 1.0) if argument is None else _bounds(argument, f"{where} uniform")
        return np.round(rng.uniform(low, high, size=shape), 4)
    raise SpecError(f"{where}: unknown draw {describe(spec)}{suggest(str(kind), DRAWS)}; "
                    f"allowed: {', '.join(DRAWS)}")


def _single(spec: Any, where: str) -> tuple[str, Any]:
    if not isinstance(spec, dict) or len(spec) != 1:
        raise SpecError(f"{where}: must be one of {', '.join(DRAWS)}, got {describe(spec)}")
    ((kind, argument),) = spec.items()
    return str(kind), argument


def _positive(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal) or not (
            0 < value < math.inf):
        raise SpecError(f"{where}: the standard deviation must be a positive number, got "
                        f"{describe(value)}")
    return float(value)


def _bounds(value: Any, where: str) -> tuple[float, float]:
    if (not isinstance(value, list) or len(value) != 2 or any(
            isinstance(v, bool) or not isinstance(v, int | float | Decimal) or not
            math.isfinite(v) for v in value) or not value[0] < value[1]):
        raise SpecError(f"{where}: must be [LOW, HIGH] with LOW < HIGH, got {describe(value)}")
    return float(value[0]), float(value[1])
