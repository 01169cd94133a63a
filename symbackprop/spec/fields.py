"""The keys of a problem file, and reading one field of it: every error names the file and key.

Examples
--------
>>> number(Decimal("0.5"), "f.toml: learning_rate")
0.5
>>> text(3, "f.toml: title")
Traceback (most recent call last):
    ...
symbackprop.errors.SpecError: f.toml: title: must be a string, got int 3
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..errors import SpecError
from ..graph.node import suggest

__all__ = [
    "CLAIM_KEYS", "GRAPH_KEYS", "NETWORK_KEYS", "TOP_KEYS",
    "as_table", "check_keys", "describe", "floats", "number", "text",
]

TOP_KEYS = ("title", "source", "description", "network", "graph", "values", "learning_rate",
            "claims", "variants", "questions")
NETWORK_KEYS = ("layers", "hidden", "output", "loss", "bias", "naming")
GRAPH_KEYS = ("output", "inputs", "parameters", "targets", "nodes")
CLAIM_KEYS = ("of", "value", "expression", "tolerance", "comment")


def as_table(value: Any, where: str, what: str = "a table") -> dict[str, Any]:
    """``value`` when it is a table (a dict), else :class:`SpecError` saying it must be ``what``.

    Examples
    --------
    >>> as_table({"a": 1}, "f.toml: [values]")
    {'a': 1}
    >>> as_table([1], "f.toml: [values]")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f.toml: [values]: must be a table, got list [1]
    """
    if not isinstance(value, dict):
        raise SpecError(f"{where}: must be {what}, got {describe(value)}")
    return value


def describe(value: Any) -> str:
    """A value's type and (clipped) text, for an error message.

    Examples
    --------
    >>> describe("x" * 50)
    "str 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."
    """
    text = repr(value)
    return f"{type(value).__name__} {text[:40] + '...' if len(text) > 40 else text}"


def check_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    """:class:`SpecError` for the first key of ``table`` not in ``allowed``, with close matches.

    Examples
    --------
    >>> check_keys({"outptu": "L"}, GRAPH_KEYS, "f.toml: [graph]")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f.toml: [graph]: unknown key 'outptu'; did you mean 'output'? \
(allowed keys: output, inputs, parameters, targets, nodes)
    """
    for key in table:
        if key not in allowed:
            raise SpecError(f"{where}: unknown key {key!r}{suggest(str(key), allowed)} "
                            f"(allowed keys: {', '.join(allowed)})")


def number(value: Any, where: str) -> float:
    """``value`` as a finite float; :class:`SpecError` for anything else (``true`` included).

    Examples
    --------
    >>> number(2, "f.toml: [values] x"), number(Decimal("0.80"), "f.toml: [values] x")
    (2.0, 0.8)
    >>> number(10**400, "f.toml: [values] x")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f.toml: [values] x: must be a finite number, got \
10000000000000000000... (401 digits)
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise SpecError(f"{where}: must be a number, got {describe(value)}")
    try:
        number = float(value)
    except OverflowError:  # an integer past float's range (1e308)
        number = float("inf")
    if number != number or number in (float("inf"), float("-inf")):
        shown = (str(value) if len(str(value)) <= 40
                 else f"{str(value)[:20]}... ({len(str(value))} digits)")
        raise SpecError(f"{where}: must be a finite number, got {shown}")
    return number


def text(value: Any, where: str) -> str:
    """``value`` when it is a string, else :class:`SpecError`.

    Examples
    --------
    >>> text("sigmoid", "f.toml: [network] output")
    'sigmoid'
    """
    if not isinstance(value, str):
        raise SpecError(f"{where}: must be a string, got {describe(value)}")
    return value


def floats(value: Any) -> Any:
    """Decimals (from the parsers) to floats, recursively, for arrays.

    Examples
    --------
    >>> floats([Decimal("0.5"), [Decimal("1"), 2]])
    [0.5, [1.0, 2]]
    """
    if isinstance(value, list):
        return [floats(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value
