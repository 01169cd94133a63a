"""One node of a computation graph, and the names a node may take.

A :class:`Node` has a name, a kind, a sympy symbol and, unless it is a leaf, a defining
expression over its parents' symbols; :class:`~symbackprop.graph.computation.ComputationGraph`
checks the nodes together.

Examples
--------
>>> Node("h", "hidden", symbol("a") * 2)
Node('h', hidden = 2*a)
>>> check_name("exp", "node"), check_name("pi", "node")   # a formula tells exp from exp(...)
(None, None)
>>> check_name("class", "node")
Traceback (most recent call last):
    ...
symbackprop.errors.GraphError: node 'class' is not a valid node name: use ASCII letters, digits \
and underscores, starting with a letter (no '__', no Python keywords)
"""

from __future__ import annotations

import difflib
import keyword
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import sympy

from ..errors import GraphError
from ..naming import default_latex, is_identifier, split_entry_name, symbol

__all__ = ["LEAF_KINDS", "NODE_KINDS", "Node", "NodeKind", "check_name", "suggest"]

NodeKind = Literal["input", "target", "parameter", "constant", "hidden", "output", "loss"]
NODE_KINDS: tuple[str, ...] = ("input", "target", "parameter", "constant", "hidden", "output",
                               "loss")
LEAF_KINDS = frozenset({"input", "target", "parameter", "constant"})


@dataclass(frozen=True, eq=False)
class Node:
    """One node of a computation graph.

    Parameters
    ----------
    name : str
        An identifier (letters, digits, underscores).
    kind : str
        One of ``input``, ``target``, ``parameter``, ``constant`` (leaves) or ``hidden``,
        ``output``, ``loss`` (defined by a formula).
    definition : sympy.Expr, optional
        The node's value in terms of its parents' symbols; ``None`` for a leaf.
    latex : str, optional
        The LaTeX label; by default from :func:`symbackprop.naming.default_latex`.
    textbook : mapping, optional
        Local partials ``d(this)/d(parent)`` keyed by parent name, written as a textbook does
        (in node symbols). Where absent, the partial is sympy's ``diff`` with this node's own
        definition written as its symbol.
    layer, index : int, optional
        Position in a layered network (for drawing), or ``None``.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> graph = load_problem("mazur_2_2_2").graph
    >>> graph.node("a21"), graph.node("w5")
    (Node('a21', hidden = b2 + h11*w5 + h12*w6), Node('w5', parameter))
    """

    name: str
    kind: str
    definition: sympy.Expr | None = None
    latex: str = ""
    textbook: Mapping[str, sympy.Expr] = field(default_factory=dict)
    layer: int | None = None
    index: int | None = None

    def __post_init__(self) -> None:
        if not self.latex:
            object.__setattr__(self, "latex", default_latex(self.name))

    @property
    def symbol(self) -> sympy.Symbol:
        """The node's sympy symbol."""
        return symbol(self.name)

    @property
    def is_leaf(self) -> bool:
        return self.definition is None

    def __repr__(self) -> str:
        body = f" = {self.definition}" if self.definition is not None else ""
        return f"Node({self.name!r}, {self.kind}{body})"


def check_name(name: str, what: str, *, entry: bool = False) -> None:
    """Raise :class:`GraphError` unless ``name`` may name a node (``what`` says which kind of
    name, for the message): an identifier, not a Python keyword.  Function and constant names
    (``exp``, ``pi``, ``E``, ``S``) are names like any other.

    With ``entry``, the name of an entry of a lowered tensor is allowed too: a tensor's name
    (identifiers, joined by dots for a composite's parts) and an index in brackets, ``W1[2,3]``
    (:func:`symbackprop.naming.entry_name`).  Only
    :class:`~symbackprop.graph.computation.ComputationGraph` made from nodes passes it, as the
    lowering of a tensor graph does; every name read from a file or a model is checked without
    it, so no such name can take that form.

    Examples
    --------
    >>> check_name("h13", "node")
    >>> check_name("lambda", "constant")
    Traceback (most recent call last):
        ...
    symbackprop.errors.GraphError: constant 'lambda' is not a valid node name: use ASCII \
letters, digits and underscores, starting with a letter (no '__', no Python keywords)
    >>> check_name("W1[2,3]", "node", entry=True), check_name("Y.mu[0]", "node", entry=True)
    (None, None)
    >>> check_name("W1[2,3]", "node")
    Traceback (most recent call last):
        ...
    symbackprop.errors.GraphError: node 'W1[2,3]' is not a valid node name: use ASCII letters, \
digits and underscores, starting with a letter (no '__', no Python keywords)
    """
    found = split_entry_name(name) if entry else None
    if found is not None and all(is_identifier(part) and not keyword.iskeyword(part)
                                 for part in found[0].split(".")):
        return
    if not is_identifier(name) or keyword.iskeyword(name):
        raise GraphError(
            f"{what} {name!r} is not a valid node name: use ASCII letters, digits and "
            "underscores, starting with a letter (no '__', no Python keywords)"
        )


def suggest(name: str, choices: Iterable[str]) -> str:
    """A ``; did you mean ...?`` suffix for an unknown ``name``, or the empty string.

    Examples
    --------
    >>> suggest("wieght", ["weight", "bias"])
    "; did you mean 'weight'?"
    >>> suggest("zzz", ["weight", "bias"])
    ''
    """
    close = difflib.get_close_matches(name, list(choices), n=3)
    return f"; did you mean {', '.join(map(repr, close))}?" if close else ""
