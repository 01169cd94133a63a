"""Array namespaces: the one forward code of each operation runs on numpy float64 arrays and on
numpy object arrays of sympy expressions (for the lowering of a tensor graph to scalars).

The forward passes of :mod:`symbackprop.rules.tensor.registry` call numpy where numpy works on
both kinds of array (indexing, ``reshape``, ``einsum``, ``sum``) and the few functions of a
:class:`Backend` where it does not: the elementwise functions, the maximum, and the shift that
keeps ``exp`` from overflowing (the row maximum for floats; nothing for symbols, where it would
only make the formula longer).

Examples
--------
>>> import numpy as np, sympy
>>> NUMPY.exp(np.array([0.0, 1.0])).round(4)
array([1.    , 2.7183])
>>> a = sympy.Symbol("a")
>>> OBJECT.exp(np.array([a, 0], dtype=object))
array([exp(a), 1], dtype=object)
>>> OBJECT.max(np.array([[a, 1], [2, 3]], dtype=object), (0,), True)
array([[Max(2, a), 3]], dtype=object)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

__all__ = ["NUMPY", "OBJECT", "Backend"]


@dataclass(frozen=True)
class Backend:
    """The functions the forward passes need beyond what numpy does for both array kinds.

    Examples
    --------
    >>> NUMPY.name, OBJECT.name
    ('numpy', 'object')
    """

    name: str
    exp: Callable[[Any], Any]
    log: Callable[[Any], Any]
    sqrt: Callable[[Any], Any]
    maximum: Callable[[Any, Any], Any]
    max: Callable[[Any, tuple[int, ...], bool], Any]
    shift: Callable[[Any, int], Any]
    zeros: Callable[[tuple[int, ...]], Any]
    asarray: Callable[[Any], Any]

    @property
    def is_numeric(self) -> bool:
        return self.name == "numpy"

    def __repr__(self) -> str:
        return f"Backend({self.name})"


def _np_max(x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    return np.max(x, axis=axes, keepdims=keepdims)


def _np_shift(x: Any, axis: int) -> Any:
    return np.max(x, axis=axis, keepdims=True)


NUMPY = Backend(
    name="numpy",
    exp=np.exp,
    log=np.log,
    sqrt=np.sqrt,
    maximum=np.maximum,
    max=_np_max,
    shift=_np_shift,
    zeros=lambda shape: np.zeros(shape),
    asarray=lambda x: np.asarray(x, dtype=float),
)
"""float64 numpy arrays."""


_MAX = np.frompyfunc(sympy.Max, 2, 1)


def _object_max(x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    result = np.asarray(x, dtype=object)
    for axis in sorted(axes, reverse=True):
        result = _MAX.reduce(result, axis=axis, keepdims=keepdims)
    return np.asarray(result, dtype=object)


def _elementwise(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    apply = np.frompyfunc(function, 1, 1)

    def run(x: Any) -> Any:
        return np.asarray(apply(np.asarray(x, dtype=object)), dtype=object)

    return run


def _object_zeros(shape: tuple[int, ...]) -> Any:
    result = np.empty(shape, dtype=object)
    result.fill(sympy.S.Zero)
    return result


OBJECT = Backend(
    name="object",
    exp=_elementwise(sympy.exp),
    log=_elementwise(sympy.log),
    sqrt=_elementwise(sympy.sqrt),
    maximum=lambda a, b: np.asarray(_MAX(np.asarray(a, dtype=object),
                                         np.asarray(b, dtype=object)), dtype=object),
    max=_object_max,
    shift=lambda x, axis: 0,
    zeros=_object_zeros,
    asarray=lambda x: np.asarray(x, dtype=object),
)
"""numpy object arrays of sympy expressions (each entry a scalar formula)."""
