"""The exception hierarchy.

Every error a user can cause derives from :class:`SymbackpropError`; the command line turns
it into a message on stderr and exit status 2 (bad input) without a traceback.
"""

from __future__ import annotations

__all__ = [
    "CodegenError",
    "DomainError",
    "FormulaError",
    "GraphError",
    "MissingExtraError",
    "NoPathError",
    "PathLimitError",
    "SimplifyLimitError",
    "SpecError",
    "SymbackpropError",
    "UsageError",
    "in_source",
]


class SymbackpropError(Exception):
    """Base class of every error symbackprop raises on purpose.

    Examples
    --------
    >>> from symbackprop import SymbackpropError, load_problem
    >>> try:
    ...     load_problem("no_such_problem.toml")
    ... except SymbackpropError as err:
    ...     print(str(err)[:71])
    no_such_problem.toml: no such file, and no bundled example of that name
    """


class SpecError(SymbackpropError, ValueError):
    """A problem file (or its Python equivalent) is malformed: a key, a value, a shape.

    Also a :class:`ValueError`, as Python users catch a bad argument (``from_torch`` given a
    model it cannot read, a shape that does not fit).

    Examples
    --------
    >>> issubclass(SpecError, ValueError)
    True
    >>> from symbackprop import LayeredNetwork
    >>> LayeredNetwork((2, 2), (), "sigmoid", "hinge")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symbackprop.errors.SpecError: unknown loss 'hinge'; allowed: squared_error, ...
    """


class FormulaError(SpecError):
    """A formula does not parse, or names something undefined or not allowed.

    Examples
    --------
    >>> from symbackprop.errors import FormulaError
    >>> from symbackprop.rules import parse_formula
    >>> try:
    ...     parse_formula("2*q", {})
    ... except FormulaError as err:
    ...     print(err)
    formula: in formula '2*q', column 3: undefined name 'q'; no names are defined
        2*q
          ^
    """


class DomainError(SpecError, ArithmeticError):
    """A formula or a local partial cannot be evaluated at the file's numbers: a division by
    zero, a logarithm or square root of a negative number, a value too large for any float.

    Also an :class:`ArithmeticError`, so that the precise evaluation of
    :func:`symbackprop.graph.precision.stable` is tried before it is reported.

    Examples
    --------
    >>> from symbackprop.graph import ComputationGraph
    >>> graph = ComputationGraph.from_definitions({"h": "1/x"}, parameters=["x"], output="h")
    >>> graph.forward({"x": 0.0})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symbackprop.errors.DomainError: node 'h' = 1/x cannot be evaluated at these values: ...
    """


class GraphError(SymbackpropError):
    """The computation graph is invalid: a cycle, an undefined parent, an unknown node.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> load_problem("mazur_2_2_2").graph.node("w9")
    Traceback (most recent call last):
    ...
    symbackprop.errors.GraphError: there is no node 'w9'
    """


class NoPathError(GraphError):
    """There is no path from the node differentiated with respect to, to the output.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> derive(load_problem("mazur_2_2_2").graph, "w1", of="w5")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symbackprop.errors.NoPathError: w5 does not depend on w1: ... so dw5/dw1 = 0
    """


class PathLimitError(SymbackpropError):
    """Enumerating every path would exceed the configured limit.

    Examples
    --------
    >>> from symbackprop import iter_paths, load_problem
    >>> list(iter_paths(load_problem("padhai_4_4_2").graph, "w131", limit=3))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symbackprop.errors.PathLimitError: there are 4 paths from 'w131' to 'L', more than ... 3; ...
    """


class SimplifyLimitError(SymbackpropError):
    """``full`` simplification refused: the expression is too large for ``sympy.simplify``.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> from symbackprop.calculus.simplify import simplify
    >>> derivation = derive(load_problem("padhai_4_4_2").graph, "w131")
    >>> simplify(derivation, "full")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    symbackprop.errors.SimplifyLimitError: dL/dw131: the leaves-only form has 1411 operations, ...
    """


class CodegenError(SymbackpropError):
    """Code cannot be generated or run (an unknown target, a missing compiler or package).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.codegen import generate
    >>> generate(load_problem("branching_graph"), target="fortran")
    Traceback (most recent call last):
      ...
    symbackprop.errors.CodegenError: unknown target 'fortran'; allowed: numpy, python, jax, c
    """


class MissingExtraError(SymbackpropError):
    """An optional dependency is not installed; the message names the extra to install.

    Examples
    --------
    >>> issubclass(MissingExtraError, SymbackpropError)
    True
    """


class UsageError(SymbackpropError):
    """Bad command-line arguments.

    Examples
    --------
    >>> from symbackprop.cli import build_parser
    >>> build_parser().parse_args(["derive", "branching_graph"])
    Traceback (most recent call last):
      ...
    symbackprop.errors.UsageError: symbackprop derive: the following arguments are required: --wrt
    """


def in_source(message: str, source: str | None) -> str:
    """``message``, starting with the file (or bundled example) it is about, ``source``,
    unless it names it already: a message raised after loading (an unknown ``--wrt``, a node
    undefined at the numbers) does not say which file it is in.

    Examples
    --------
    >>> in_source("there is no node 'q'", "a.toml"), in_source("a.toml: bad key", "a.toml")
    ("a.toml: there is no node 'q'", 'a.toml: bad key')
    """
    return message if not source or message.startswith(source) else f"{source}: {message}"
