"""What a claim states or a question asks: a derivative, a forward value or an updated parameter.

A claim (``[[claims]]``) and a question (``[[questions]]``) both name a quantity with ``of``:
``dL/dw212`` (a derivative), ``h13`` (a forward value) or ``w212+`` (a parameter after one
update).  :func:`read_quantity` reads that text, once for both; :class:`Quantity` is the result,
and :class:`~symbackprop.spec.claims.Claim` and :class:`~symbackprop.spec.variants.Question`
are quantities with what a claim or a question adds.

Examples
--------
>>> from symbackprop.graph import ComputationGraph
>>> graph = ComputationGraph.from_definitions({"L": "w*x"}, inputs=["x"], parameters=["w"],
...                                           output="L")
>>> read_quantity("dL/dw", graph, "f.toml: claim 1"), read_quantity(" w+ ", graph, "f.toml")
(Quantity(dL/dw: derivative), Quantity( w+ : update))
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import GraphError, SpecError
from ..graph.computation import ComputationGraph
from .fields import as_table, check_keys, describe, text

__all__ = ["QUANTITY_KINDS", "Quantity", "read_asked", "read_quantity"]

QUANTITY_KINDS = ("derivative", "value", "update")
"""What a quantity can be: ``dA/dB``, ``name`` or ``name+``."""

_DERIVATIVE = re.compile(r"\s*d\s*([A-Za-z_]\w*)\s*/\s*d\s*([A-Za-z_]\w*)\s*\Z")
_UPDATE = re.compile(r"\s*([A-Za-z_]\w*)\s*\+\s*\Z")
_VALUE = re.compile(r"\s*([A-Za-z_]\w*)\s*\Z")


@dataclass(frozen=True)
class Quantity:
    """A derivative ``dA/dB``, a forward value ``h13`` or an updated parameter ``w212+``.

    Attributes
    ----------
    of : str
        As written: ``dL/dw212``, ``h13`` or ``w212+``.
    kind : {"derivative", "value", "update"}
    target : str
        The node differentiated (derivative), evaluated (value) or updated (update).
    wrt : str or None
        The node differentiated with respect to (derivatives only).

    Examples
    --------
    >>> Quantity("w1+", "update", "w1", None).differentiated("L")
    ('L', 'w1')
    """

    of: str
    kind: str
    target: str
    wrt: str | None

    def differentiated(self, output: str) -> tuple[str, str]:
        """The derivative the quantity rests on, as ``(of, wrt)``: its own for a derivative,
        ``d output / d target`` for an update; a forward value rests on none.

        Raises
        ------
        SpecError
            For a forward value.

        Examples
        --------
        >>> Quantity("dyhat1/da21", "derivative", "yhat1", "a21").differentiated("L")
        ('yhat1', 'a21')
        >>> Quantity("h1", "value", "h1", None).differentiated("L")
        Traceback (most recent call last):
            ...
        symbackprop.errors.SpecError: h1 is not about a derivative
        """
        if self.kind == "derivative" and self.wrt is not None:
            return self.target, self.wrt
        if self.kind == "update":
            return output, self.target
        raise SpecError(f"{self.of} is not about a derivative")

    def __repr__(self) -> str:
        return f"Quantity({self.of}: {self.kind})"


def read_quantity(of: str, graph: ComputationGraph, where: str) -> Quantity:
    """Read ``of`` (``dA/dB``, ``name`` or ``name+``), its nodes checked against ``graph``.

    Raises
    ------
    SpecError
        Prefixed with ``where``: an unknown node, an update of a node that is not a parameter,
        or text that is none of the three forms.

    Examples
    --------
    >>> from symbackprop.graph import ComputationGraph
    >>> graph = ComputationGraph.from_definitions({"L": "w*x"}, inputs=["x"],
    ...                                           parameters=["w"], output="L")
    >>> read_quantity("d L / d x", graph, "f.toml").wrt
    'x'
    >>> read_quantity("x+", graph, "f.toml: claim 2 (x+)")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f.toml: claim 2 (x+): 'x' is not a parameter, so it has no \
update
    """
    def known(node: str) -> str:
        try:
            graph.node(node)
        except GraphError as err:
            raise SpecError(f"{where}: {err}") from None
        return node

    if match := _DERIVATIVE.match(of):
        return Quantity(of, "derivative", known(match.group(1)), known(match.group(2)))
    if match := _UPDATE.match(of):
        target = known(match.group(1))
        if graph.node(target).kind != "parameter":
            raise SpecError(f"{where}: {target!r} is not a parameter, so it has no update")
        return Quantity(of, "update", target, None)
    if match := _VALUE.match(of):
        return Quantity(of, "value", known(match.group(1)), None)
    raise SpecError(f"{where}: cannot read {of!r}; allowed: 'dA/dB' (a derivative), 'name' "
                    "(a forward value) or 'name+' (a parameter after one update)")


def read_asked(value: Any, graph: ComputationGraph, where: str, what: str,
               keys: tuple[str, ...], learning_rate: float | None
               ) -> Iterator[tuple[int, dict[str, Any], Quantity, str]]:
    """Each entry of an array of tables that ask for a quantity (``[[claims]]``,
    ``[[questions]]``): ``(index, entry, quantity, where)``, the entry's keys checked against
    ``keys``, its ``of`` read by :func:`read_quantity`, and ``where`` naming the entry for the
    messages about the rest of it.  ``what`` is ``"claim"`` or ``"question"``.

    Raises
    ------
    SpecError
        Naming the file, the entry's number and what it asks: not an array of tables, an
        unknown key, no ``of``, an unreadable ``of``, or an update without a learning rate.

    Examples
    --------
    >>> graph = ComputationGraph.from_definitions({"L": "w*x"}, inputs=["x"],
    ...                                           parameters=["w"], output="L")
    >>> [(i, q, where) for i, _, q, where in read_asked([{"of": "dL/dw"}], graph, "f.toml",
    ...                                                 "claim", ("of",), None)]
    [(1, Quantity(dL/dw: derivative), 'f.toml: claim 1 (dL/dw)')]
    >>> list(read_asked([{"of": "w+"}], graph, "f.toml", "question", ("of",), None))
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f.toml: question 1 (w+): an update question needs \
learning_rate at the top level
    """
    if not isinstance(value, list):
        raise SpecError(f"{where}: {what}s must be an array of tables ([[{what}s]]), got "
                        f"{describe(value)}")
    for index, item in enumerate(value, start=1):
        entry_where = f"{where}: {what} {index}"
        entry = as_table(item, entry_where)
        check_keys(entry, keys, entry_where)
        if "of" not in entry:
            raise SpecError(f"{entry_where}: missing key 'of' (dL/dw212, h13 or w212+)")
        of = text(entry["of"], f"{entry_where} of")
        entry_where = f"{where}: {what} {index} ({of})"
        quantity = read_quantity(of, graph, entry_where)
        if quantity.kind == "update" and learning_rate is None:
            raise SpecError(f"{entry_where}: an update {what} needs learning_rate at the top "
                            "level")
        yield index, entry, quantity, entry_where
