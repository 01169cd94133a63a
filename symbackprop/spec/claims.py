"""The claims of a problem file (its ``[[claims]]``): each read into a :class:`Claim`.

A claim is about a quantity (:class:`~symbackprop.spec.quantity.Quantity`): a derivative
(``dL/dw212``), a forward value (``h13``) or a parameter after one update (``w212+``); it gives
a number, kept as printed (its digits are what :mod:`symbackprop.check.judge` reads its
tolerance from), or a symbolic expression.

Examples
--------
>>> from symbackprop.graph import ComputationGraph
>>> graph = ComputationGraph.from_definitions({"L": "w*x"}, inputs=["x"], parameters=["w"],
...                                           output="L")
>>> read_claims([{"of": "dL/dw", "value": Decimal("2.0")}, {"of": "L", "expression": "w*x"}],
...             graph, "f.toml", None)
(Claim(dL/dw = 2.0), Claim(L = w*x))
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sympy

from ..errors import SpecError
from ..graph.computation import ComputationGraph
from ..limits import MAX_CLAIMS
from ..rules.formula import parse_formula
from .fields import CLAIM_KEYS, number, text
from .quantity import Quantity, read_asked

__all__ = ["Claim", "printed_unit", "read_claims"]


def printed_unit(number: Decimal) -> float | None:
    """One unit in the last printed digit of ``number`` (``-0.029`` gives ``0.001``, ``2``
    gives ``1``, ``6.4e-3`` gives ``0.0001``); ``None`` for a number with no digits (NaN, an
    infinity).

    Examples
    --------
    >>> printed_unit(Decimal("-0.029")), printed_unit(Decimal("0.80")), printed_unit(Decimal("2"))
    (0.001, 0.01, 1.0)
    >>> printed_unit(Decimal("6.4e-3")), printed_unit(Decimal("NaN"))
    (0.0001, None)
    """
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int):  # "n" or "N" (NaN), "F" (infinity): no printed digit
        return None
    return float(Decimal(1).scaleb(exponent))


@dataclass(frozen=True)
class Claim(Quantity):
    """One assertion of a problem file (docs/reference/problem-files.md, claims): a
    :class:`~symbackprop.spec.quantity.Quantity` and what the file says it is.

    Attributes
    ----------
    of, kind, target, wrt
        The quantity (:class:`~symbackprop.spec.quantity.Quantity`).
    index : int
        1-based position in the file.
    value : Decimal or None
        The number as printed (its precision sets the default tolerance).
    expression : sympy.Expr or None
        A symbolic claim, parsed by the safe parser.
    expression_text : str or None
    tolerance : float or None
        An absolute tolerance overriding the printed precision.
    problem : str or None
        Why the claim's formula could not be read (an unknown function, say): the claim is
        then one ``error`` of the check, and the file's other claims are still judged.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> claim = load_problem("padhai_4_4_2").claims[15]
    >>> claim, claim.kind, claim.target, claim.wrt
    (Claim(dL/dw212 = -0.029), 'derivative', 'L', 'w212')
    >>> claim.printed_tolerance
    0.001
    """

    index: int
    value: Decimal | None = None
    expression: sympy.Expr | None = None
    expression_text: str | None = None
    tolerance: float | None = None
    problem: str | None = None

    @property
    def printed_tolerance(self) -> float | None:
        """One unit in the last printed digit of :attr:`value` (:func:`printed_unit`)."""
        return None if self.value is None else printed_unit(self.value)

    def __repr__(self) -> str:
        claimed = self.expression_text if self.value is None else str(self.value)
        return f"Claim({self.of} = {claimed})"


def read_claims(value: Any, graph: ComputationGraph, name: str,
                learning_rate: float | None) -> tuple[Claim, ...]:
    """The claims of file ``name`` (its ``claims`` array), checked against ``graph``.

    Raises
    ------
    SpecError
        Naming the file, the claim's number and what it claims, and what is wrong.

    Examples
    --------
    >>> from symbackprop.graph import ComputationGraph
    >>> graph = ComputationGraph.from_definitions({"L": "w*x"}, inputs=["x"],
    ...                                           parameters=["w"], output="L")
    >>> read_claims([{"of": "w+", "value": 1}], graph, "f.toml", None)
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f.toml: claim 1 (w+): an update claim needs learning_rate at \
the top level
    """
    if isinstance(value, list):
        MAX_CLAIMS.check(len(value), f"{name}: claims", "claims")
    claims = []
    symbols = graph.symbol_table()
    for index, entry, quantity, where in read_asked(value, graph, name, "claim", CLAIM_KEYS,
                                                    learning_rate):
        if "value" not in entry and "expression" not in entry:
            raise SpecError(f"{where}: give a value or an expression")
        claimed = None
        if "value" in entry:
            raw = entry["value"]
            number(raw, f"{where} value")
            claimed = raw if isinstance(raw, Decimal) else Decimal(raw)
        expression = written = problem = None
        if "expression" in entry:
            written = text(entry["expression"], f"{where} expression")
            try:
                expression = parse_formula(written, symbols, where=f"{where} expression")
            except SpecError as err:  # this claim is an error; the others are still judged
                problem = str(err)
        tolerance = entry.get("tolerance")
        if tolerance is not None:
            tolerance = number(tolerance, f"{where} tolerance")
            if tolerance < 0:
                raise SpecError(f"{where} tolerance: must not be negative")
        claims.append(Claim(quantity.of, quantity.kind, quantity.target, quantity.wrt, index,
                            claimed, expression, written, tolerance, problem))
    return tuple(claims)

