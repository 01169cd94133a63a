"""The exception hierarchy.

Every error a user can cause derives from :class:`SymbackpropError`; the command line turns
it into a message on stderr and exit status 2 (bad input) without a traceback.
"""

from __future__ import annotations

__all__ = [
    "FormulaError",
    "GraphError",
    "NoPathError",
    "PathLimitError",
    "SpecError",
    "SymbackpropError",
]


class SymbackpropError(Exception):
    """Base class of every error symbackprop raises on purpose."""


class SpecError(SymbackpropError):
    """A problem file (or its Python equivalent) is malformed: a key, a value, a shape."""


class FormulaError(SpecError):
    """A formula does not parse, or names something undefined or not allowed."""


class GraphError(SymbackpropError):
    """The computation graph is invalid: a cycle, an undefined parent, an unknown node."""


class NoPathError(GraphError):
    """There is no path from the node differentiated with respect to, to the output."""


class PathLimitError(SymbackpropError):
    """Enumerating every path would exceed the configured limit."""
