"""Numbers at numeric extremes: a float64 attempt, and many digits where it fails.

At pre-activations of ±1000 a sigmoid or softmax probability underflows to 0 in float64, and
the loss's adjoint ``-y/yhat`` divides by it, while the product of a path's factors
(``-y/yhat · yhat(1 - yhat)``) is finite.  :func:`stable` runs a computation in float64 and,
where that divides by zero, overflows or gives a value that is not finite, runs it again under
:func:`precise`: every value an ``mpmath.mpf`` (unbounded exponents), every function
lambdified for mpmath (:mod:`symbackprop.graph.evaluation` asks :func:`is_precise`), and the
results rounded back to floats.  Nothing changes for a computation float64 does well: it runs
once, as it always did.

Examples
--------
>>> import mpmath
>>> with precise():
...     tiny = mpmath.exp(-2000)
>>> mpmath.nstr(tiny, 5), float(tiny), is_precise()
('2.5765e-869', 0.0, False)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import mpmath
import numpy as np
import sympy

__all__ = ["PRECISE_DIGITS", "as_mpf", "fsum", "is_precise", "precise", "stable"]


PRECISE_DIGITS = (50, 1000)
"""Significant digits of the precise evaluations :func:`stable` falls back to, in turn.  At 50
digits a probability of ``e^-2000`` is held (mpmath's exponents are unbounded), but
``1 - sigmoid(1000)`` cancels to 0 unless there are more than 435 digits: 1000 digits hold
every such difference for pre-activations up to about ±2300."""

_MODE: ContextVar[str | None] = ContextVar("symbackprop_evaluation_mode", default=None)
_T = TypeVar("_T")


def is_precise() -> bool:
    """Whether evaluation is under :func:`precise` now.

    Examples
    --------
    >>> is_precise()
    False
    """
    return _MODE.get() == "precise"


def as_mpf(value: Any) -> Any:
    """A real scalar as an ``mpmath.mpf`` (precise evaluation holds scalars only).

    Raises
    ------
    ValueError, TypeError
        For a complex value, or an array.

    Examples
    --------
    >>> as_mpf(0.5)
    mpf('0.5')
    """
    if isinstance(value, mpmath.mpc):
        if value.imag != 0:
            raise ValueError(f"complex value {value} in a real evaluation")
        value = value.real
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, np.ndarray):
        raise TypeError("precise evaluation takes scalars, not arrays")
    return mpmath.mpf(value)


@contextmanager
def precise(digits: int = PRECISE_DIGITS[0]) -> Iterator[None]:
    """Evaluate at ``digits`` significant digits: values become ``mpmath.mpf`` (whose exponent
    range is unbounded, so ``exp(-2000)`` is not 0), functions are lambdified for mpmath.

    Examples
    --------
    >>> from symbackprop.graph.evaluation import evaluate
    >>> from symbackprop.naming import symbol
    >>> a = symbol("a")
    >>> with precise():
    ...     tiny = evaluate(sympy.exp(a), {"a": -2000.0})
    >>> mpmath.nstr(tiny, 5), evaluate(sympy.exp(a), {"a": -2000.0})
    ('2.5765e-869', 0.0)
    """
    token = _MODE.set("precise")
    try:
        with mpmath.workdps(digits):
            yield
    finally:
        _MODE.reset(token)


def fsum(values: Iterable[Any]) -> Any:
    """:func:`math.fsum`, or :func:`mpmath.fsum` under :func:`precise` (``math.fsum`` would
    round every term to a float, so ``-1e869`` to ``-inf``).

    Examples
    --------
    >>> fsum([0.1] * 10)
    1.0
    """
    if _MODE.get() == "precise":
        return mpmath.fsum(values)
    return math.fsum(values)


def stable(compute: Callable[[], _T], numbers: Callable[[_T], Iterable[Any]], *,
           rounded: bool = True) -> _T:
    """``compute()`` in float64; when that divides by zero, overflows, or gives a value
    (``numbers(result)``) that is not finite, ``compute()`` again under :func:`precise` (at
    each of :data:`PRECISE_DIGITS` in turn, until its values are finite), its numbers rounded
    to floats.

    A probability that underflows to ``0.0`` (``softmax`` of pre-activations ±1000) makes a
    factor such as ``-y/yhat`` infinite while the product of a path's factors is finite:
    float64 cannot hold the factors, mpmath (with its unbounded exponents) can.  When
    the precise attempt fails too, or is no better, the float64 computation is run once more
    as it always ran, so its result or its error is what it was.  A call inside another
    ``stable`` (or inside :func:`precise`) is computed in the mode already chosen.

    With ``rounded=False`` a precise result is returned as computed, its numbers
    ``mpmath.mpf`` (and judged finite in mpmath): for a caller that goes on multiplying them
    (a streamed path listing multiplies ``-y/yhat`` by ``yhat (1 - yhat)``, neither of which
    a float holds, into a float).

    Examples
    --------
    >>> from symbackprop.graph.evaluation import evaluate
    >>> from symbackprop.naming import symbol
    >>> a = symbol("a")
    >>> ratio = sympy.exp(a) / (sympy.exp(a) + 1)                 # 1/(1 + e^-a) for large a
    >>> stable(lambda: evaluate(ratio, {"a": 1000.0}), lambda v: [v])
    1.0
    """
    if _MODE.get() is not None:
        return compute()
    token = _MODE.set("float")
    try:
        with np.errstate(divide="raise", over="raise", invalid="raise"):
            result = compute()
        if all(_finite(v) for v in numbers(result)):
            return result
    except (ArithmeticError, FloatingPointError):
        pass
    finally:
        _MODE.reset(token)
    for digits in PRECISE_DIGITS:
        try:
            with precise(digits):
                converted = _floats(compute(), {}) if rounded else compute()
            if all(_finite(v) for v in numbers(converted)):
                return converted
        except Exception:
            continue
    return compute()


def _finite(value: Any) -> bool:
    if value is None:
        return True
    if type(value) is float:  # most values (one a parameter of --wrt all): no numpy call
        return math.isfinite(value)
    if isinstance(value, mpmath.mpf):  # unrounded (stable(rounded=False)): 1e-435 is finite
        return bool(mpmath.isfinite(value))
    try:
        return bool(np.all(np.isfinite(np.asarray(value, dtype=float))))
    except (TypeError, ValueError):
        return True


def _floats(obj: Any, memo: dict[int, Any]) -> Any:
    """``obj`` with every ``mpmath.mpf`` in it (through dataclasses, tuples, lists and dicts)
    rounded to a float; an object met twice is converted once (renderers compare factors by
    identity)."""
    if isinstance(obj, mpmath.mpf):
        return float(obj)
    if isinstance(obj, (str, int, float, sympy.Basic)) or obj is None:
        return obj
    key = id(obj)
    if key in memo:
        return memo[key]
    result: Any = obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: _floats(getattr(obj, f.name), memo)
                   for f in dataclasses.fields(obj) if f.init}
        result = dataclasses.replace(obj, **changes)
    elif isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        result = tuple(_floats(item, memo) for item in obj)
    elif isinstance(obj, list):
        result = [_floats(item, memo) for item in obj]
    elif isinstance(obj, dict):
        result = {k: _floats(v, memo) for k, v in obj.items()}
    memo[key] = result
    return result
