"""sympy in: :func:`from_sympy` turns an expression (or named definitions) into a problem.

Symbols are matched to nodes by name, whatever their assumptions (every node's symbol is
real); floats become the exact decimals they print as, as a problem file reads numbers; and
the expression may use only what a problem file's formulas can (:mod:`symbackprop.rules.printing`
names anything else), so the problem can always be written with
:meth:`~symbackprop.spec.Problem.to_toml`.

Examples
--------
>>> import sympy
>>> w, x = sympy.symbols("w x")
>>> problem = from_sympy((sympy.tanh(w * x) - 1) ** 2, parameters=[w], values={w: 0.5, x: 2})
>>> problem.graph.nodes["L"], problem.values
(Node('L', loss = (tanh(w*x) - 1)**2), {'w': 0.5, 'x': 2.0})
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sympy

from ..errors import SpecError
from ..graph.computation import ComputationGraph
from ..graph.node import check_name
from ..naming import symbol
from ..rules.printing import unwritable
from ..spec.fields import number
from ..spec.problems import Problem
from .exact import exact_floats

__all__ = ["from_sympy", "leaf_values"]


def _name(item: Any, where: str) -> str:
    name = item.name if isinstance(item, sympy.Symbol) else item
    if not isinstance(name, str):
        raise SpecError(f"{where}: expected a symbol or a name, got {type(item).__name__}")
    return name


def leaf_values(values: Mapping[Any, Any] | None, leaves: Iterable[str], where: str) -> dict[
        str, float]:
    """``values`` keyed by symbol or name, as floats by name; every key must be a leaf.

    Examples
    --------
    >>> import sympy
    >>> leaf_values({sympy.Symbol("x"): 2, "w": 0.5}, ["w", "x"], "from_sympy")
    {'x': 2.0, 'w': 0.5}
    """
    allowed = set(leaves)
    result = {}
    for key, value in (values or {}).items():
        name = _name(key, f"{where}: values")
        if name not in allowed:
            raise SpecError(f"{where}: values: {name!r} is not a leaf of the graph; leaves: "
                            f"{', '.join(sorted(allowed))}")
        result[name] = number(value, f"{where}: values {name}")
    return result


def from_sympy(expr: sympy.Expr | Mapping[str, sympy.Expr], *, parameters: Iterable[Any] = (),
               targets: Iterable[Any] = (), values: Mapping[Any, Any] | None = None,
               output: str = "L", title: str = "") -> Problem:
    """A problem whose output is ``expr`` over its free symbols.

    Parameters
    ----------
    expr : sympy.Expr, or mapping of str to sympy.Expr
        The loss; or definitions of named nodes, each over the leaves and the other nodes'
        symbols, one of them called ``output``.
    parameters, targets : iterable of sympy.Symbol or str
        The leaves that are parameters (differentiated with respect to) and targets; every
        other free symbol is an input.
    values : mapping of sympy.Symbol or str to number, optional
        Leaf values.
    output : str
        The output node's name (default ``L``).

    Raises
    ------
    SpecError
        A name that cannot be a node's, a parameter that is not a free symbol, something a
        formula cannot hold (naming the node), two symbols of one name.

    Examples
    --------
    >>> import sympy
    >>> x, w, h = sympy.symbols("x w h")
    >>> problem = from_sympy({"h": sympy.exp(w * x), "L": h**2 + h}, parameters=["w"],
    ...                      values={"x": 1.0, "w": 0.0})
    >>> problem.graph, problem.graph.forward(problem.values)["L"]
    (ComputationGraph(4 nodes, 3 edges, output='L'), 2.0)
    """
    where = "from_sympy"
    definitions = dict(expr) if isinstance(expr, Mapping) else {output: expr}
    if output not in definitions:
        raise SpecError(f"{where}: no definition of the output {output!r}; defined: "
                        f"{', '.join(definitions)}")
    seen: dict[str, sympy.Symbol] = {}
    for name, definition in definitions.items():
        check_name(name, f"{where}: node")
        if not isinstance(definition, sympy.Basic):
            raise SpecError(f"{where}: node {name!r}: expected a sympy expression, got "
                            f"{type(definition).__name__} (for formula text use a problem file "
                            "or from_networkx)")
        for sym in definition.free_symbols:
            if seen.setdefault(sym.name, sym) != sym:
                raise SpecError(f"{where}: two different symbols are called {sym.name!r} "
                                f"({seen[sym.name]!r} and {sym!r}, with other assumptions)")
    leaves = sorted(set(seen) - set(definitions))
    kinds = {name: "input" for name in leaves}
    for key, kind in ((parameters, "parameter"), (targets, "target")):
        for item in key:
            name = _name(item, f"{where}: {kind}s")
            if name not in kinds:
                raise SpecError(f"{where}: {kind} {name!r} is not a free symbol of the "
                                f"expression; its free symbols: {', '.join(leaves) or 'none'}")
            kinds[name] = kind
    for name in leaves:
        check_name(name, f"{where}: symbol")
    ours = {sym: symbol(name) for name, sym in seen.items()}
    nodes = {}
    for name, definition in definitions.items():
        definition = exact_floats(definition.xreplace(ours), where=f"{where}: node {name!r}")
        problem = unwritable(definition)
        if problem is not None:
            raise SpecError(f"{where}: node {name!r}: {problem} cannot be written in a problem "
                            "file's formulas")
        nodes[name] = definition
    graph = ComputationGraph.from_definitions(
        nodes, inputs=[n for n, k in kinds.items() if k == "input"],
        parameters=[n for n, k in kinds.items() if k == "parameter"],
        targets=[n for n, k in kinds.items() if k == "target"], output=output, title=title)
    return Problem(graph=graph, values=leaf_values(values, leaves, where), title=title,
                   source="imported with symbackprop.from_sympy")
