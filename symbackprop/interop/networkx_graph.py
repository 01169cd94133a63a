"""networkx in: :func:`from_networkx` turns a DiGraph whose nodes carry formulas into a problem.

A node with an ``expr`` attribute is defined by it: a sympy expression over its predecessors'
symbols, or formula text, read by the safe parser (never ``eval``).  A node without one is a
leaf; its ``kind`` attribute says ``input``, ``parameter`` (the default) or ``target``, and its
``value`` attribute its number.  The edges must be exactly the uses: ``u -> v`` when ``v``'s
formula uses ``u``.  The output is the graph attribute ``output``, else the one node without
successors.

Examples
--------
>>> import networkx as nx
>>> g = nx.DiGraph()
>>> g.add_node("a", kind="input", value=2.0)
>>> g.add_node("b", value=1.0)
>>> g.add_node("e", expr="(a + b) * (b + 1)")
>>> g.add_edges_from([("a", "e"), ("b", "e")])
>>> problem = from_networkx(g)
>>> problem.graph.nodes["e"], problem.graph.parameters, problem.values
(Node('e', loss = (a + b)*(b + 1)), ['b'], {'a': 2.0, 'b': 1.0})
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import sympy

from ..errors import SpecError
from ..graph.computation import ComputationGraph
from ..graph.node import check_name
from ..naming import symbol
from ..rules.formula import parse_formula
from ..rules.printing import unwritable
from ..spec.fields import number
from ..spec.problems import Problem
from .exact import exact_floats

__all__ = ["LEAF_KINDS", "from_networkx"]

LEAF_KINDS = ("input", "parameter", "target")


def _output(graph: nx.DiGraph) -> str:
    if "output" in graph.graph:
        output = graph.graph["output"]
        if output not in graph:
            raise SpecError(f"from_networkx: the graph's output {output!r} is not a node")
        return str(output)
    sinks = [n for n in graph if graph.out_degree(n) == 0]
    if len(sinks) != 1:
        raise SpecError(f"from_networkx: {len(sinks)} nodes have no successors "
                        f"({', '.join(map(str, sinks[:5]))}); say which is the loss with the "
                        "graph attribute output (G.graph['output'] = 'L')")
    return str(sinks[0])


def _definition(graph: nx.DiGraph, node: str, expr: Any) -> sympy.Expr:
    where = f"from_networkx: node {node!r}"
    parents = [str(p) for p in graph.predecessors(node)]
    names = {name: symbol(name) for name in map(str, graph)}
    if isinstance(expr, str):
        definition = parse_formula(expr, names, where=f"{where} expr")
    elif isinstance(expr, sympy.Basic):
        ours = {sym: symbol(sym.name) for sym in expr.free_symbols if isinstance(sym, sympy.Symbol)}
        definition = exact_floats(expr.xreplace(ours), where=where)
    else:
        raise SpecError(f"{where}: expr must be a sympy expression or formula text, got "
                        f"{type(expr).__name__}")
    problem = unwritable(definition)
    if problem is not None:
        raise SpecError(f"{where}: {problem} cannot be written in a problem file's formulas")
    used = {str(sym) for sym in definition.free_symbols}
    unknown = used - set(names)
    if unknown:
        raise SpecError(f"{where}: expr uses {', '.join(sorted(unknown))}, which is not a node")
    if used - set(parents):
        raise SpecError(f"{where}: expr uses {', '.join(sorted(used - set(parents)))}, but "
                        "there is no edge from it to this node")
    if set(parents) - used:
        raise SpecError(f"{where}: there is an edge from {', '.join(sorted(set(parents) - used))}"
                        ", but expr does not use it")
    return definition


def from_networkx(graph: nx.DiGraph, *, title: str = "") -> Problem:
    """The problem of a DiGraph whose inner nodes carry an ``expr`` attribute.

    Raises
    ------
    SpecError
        Naming the node and the attribute: a leaf with predecessors, an ``expr`` that does not
        parse or uses something that is not an edge into its node, a ``kind`` or ``value`` not
        allowed, a cycle, no single output.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("x", "h")])
    >>> g.nodes["h"]["expr"] = "exp(y)"
    >>> from_networkx(g)
    Traceback (most recent call last):
        ...
    symbackprop.errors.FormulaError: from_networkx: node 'h' expr: in formula 'exp(y)', column \
5: undefined name 'y'; defined names are: h, x
        exp(y)
            ^
    """
    if not isinstance(graph, nx.DiGraph):
        raise SpecError(f"from_networkx: expected a networkx.DiGraph, got {type(graph).__name__}")
    if not nx.is_directed_acyclic_graph(graph):
        cycle = " -> ".join(str(u) for u, _ in nx.find_cycle(graph))
        raise SpecError(f"from_networkx: the graph has a cycle ({cycle}); it must be acyclic")
    for node in graph:
        if not isinstance(node, str):
            raise SpecError(f"from_networkx: node {node!r}: node names must be strings")
        check_name(node, "from_networkx: node")
    output = _output(graph)
    kinds: dict[str, list[str]] = {kind: [] for kind in LEAF_KINDS}
    values: dict[str, float] = {}
    definitions: dict[str, sympy.Expr] = {}
    for node, data in graph.nodes(data=True):
        where = f"from_networkx: node {node!r}"
        if "expr" in data:
            for attribute in ("kind", "value"):
                if attribute in data:
                    raise SpecError(f"{where}: has an expr, so it may not have a {attribute} "
                                    "(its value follows from its formula)")
            definitions[node] = _definition(graph, node, data["expr"])
            continue
        if graph.in_degree(node):
            raise SpecError(f"{where}: has predecessors but no expr attribute")
        kind = data.get("kind", "parameter")
        if kind not in LEAF_KINDS:
            raise SpecError(f"{where}: kind {kind!r}; allowed: {', '.join(LEAF_KINDS)}")
        kinds[kind].append(node)
        if data.get("value") is not None:
            values[node] = number(data["value"], f"{where} value")
    built = ComputationGraph.from_definitions(
        definitions, inputs=kinds["input"], parameters=kinds["parameter"],
        targets=kinds["target"], output=output, title=title)
    return Problem(graph=built, values=values, title=title,
                   source="imported with symbackprop.from_networkx")
