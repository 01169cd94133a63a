"""The computation graph: a networkx DAG whose nodes hold sympy expressions.

Each :class:`~symbackprop.graph.node.Node` has a name, a kind, a sympy symbol and, unless it is
a leaf, a defining expression over its parents' symbols.  Edges run parent -> child (the
forward direction) and are derived from the definitions: ``u -> v`` exactly when ``u``'s symbol
occurs in ``v``'s definition.
The graph must be acyclic; every free symbol of a definition must be a node or a declared
constant.

Examples
--------
>>> g = ComputationGraph.from_definitions(
...     {"c": "a + b", "d": "b + 1", "e": "c * d"}, inputs=["a", "b"], output="e")
>>> g
ComputationGraph(5 nodes, 5 edges, output='e')
>>> g.local_partial("c", "e")
d
>>> g.forward({"a": 2, "b": 1})["e"]
6.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from ..errors import GraphError
from ..naming import default_latex, natural_key, symbol
from .canonical import natural_topological_order
from .evaluation import ForwardPass, evaluate
from .lookups import SymbolTable
from .named import NamedGraph
from .node import LEAF_KINDS, NODE_KINDS, Node, check_name, suggest
from .partials import diff_definition

if TYPE_CHECKING:
    pass

__all__ = ["ComputationGraph"]


class ComputationGraph(NamedGraph[Node]):
    """A validated DAG of :class:`Node` objects with one output.

    Parameters
    ----------
    nodes : iterable of Node
        Every node; parents are read from the definitions.
    output : str
        The node differentiated by default (the loss).
    constants : mapping of str to float, optional
        Symbols that may occur in definitions without being nodes (the weights folded in when
        only one weight is exposed), with their values where known (``nan`` if not).
    title : str, optional
        A human-readable title.

    Notes
    -----
    Construction is O(V + E) plus the cost of reading each definition's free symbols.

    Examples
    --------
    >>> g = ComputationGraph.from_definitions(
    ...     {"c": "a + b", "d": "b + 1", "e": "c * d"}, inputs=["a", "b"], output="e")
    >>> g
    ComputationGraph(5 nodes, 5 edges, output='e')
    >>> g.parents("e"), g.children("b")
    (['c', 'd'], ['c', 'd'])
    >>> g.local_partial("b", "c"), g.local_partial("c", "e")
    (1, d)
    >>> g.forward({"a": 2, "b": 1})
    {'a': 2.0, 'b': 1.0, 'c': 3.0, 'd': 2.0, 'e': 6.0}
    """

    def __init__(
        self,
        nodes: Iterable[Node],
        output: str,
        *,
        constants: Mapping[str, float] | None = None,
        title: str = "",
    ) -> None:
        self.title = title
        self.constants: dict[str, float] = dict(constants or {})
        by_name: dict[str, Node] = {}
        self._nodes: Mapping[str, Node] = by_name
        for node in nodes:
            check_name(node.name, "node", entry=True)  # W1[2,3]: a lowered tensor's entry
            if node.name in self._nodes:
                raise GraphError(f"node {node.name!r} is defined twice")
            if node.kind not in NODE_KINDS:
                raise GraphError(
                    f"node {node.name!r} has kind {node.kind!r}; allowed: {', '.join(NODE_KINDS)}"
                )
            if (node.definition is None) != (node.kind in LEAF_KINDS):
                need = "no definition" if node.kind in LEAF_KINDS else "a definition"
                raise GraphError(f"node {node.name!r} of kind {node.kind!r} needs {need}")
            by_name[node.name] = node
        for name in self.constants:
            check_name(name, "constant")
            if name in self._nodes:
                raise GraphError(f"{name!r} is both a node and a constant")
        import networkx as nx

        self._graph = nx.DiGraph()
        self._graph.add_nodes_from(self._nodes)
        known = {symbol(name): name for name in self._nodes}
        constant_symbols = {symbol(name) for name in self.constants}
        for node in self._nodes.values():
            if node.definition is None:
                continue
            for sym in sorted(node.definition.free_symbols, key=lambda s: natural_key(s.name)):
                if sym in known:
                    self._graph.add_edge(known[sym], node.name)
                elif sym not in constant_symbols:
                    raise GraphError(
                        f"the definition of node {node.name!r} ({node.definition}) uses "
                        f"{str(sym)!r}, which is not a node{suggest(str(sym), self._nodes)}"
                    )
        if output not in self._nodes:
            raise GraphError(f"the output {output!r} is not a node{suggest(output, self._nodes)}")
        self.output = output
        # ties broken in natural order (a_1_2 before a_1_10): every listing follows this order
        self._order: tuple[str, ...] = natural_topological_order(self._graph)
        if len(self._order) < len(self._nodes):
            cycle = nx.find_cycle(self._graph)
            names = " -> ".join([u for u, _ in cycle] + [cycle[0][0]])
            raise GraphError(f"the nodes form a cycle: {names}; a computation graph is acyclic")
        self._position: dict[str, int] = {name: i for i, name in enumerate(self._order)}
        self._partials: dict[tuple[str, str], sympy.Expr] = {}
        self._terms: dict[str, dict[sympy.Symbol, list[sympy.Expr]]] = {}
        self._symbols: dict[str, sympy.Symbol] = {}
        self._composed: dict[str, sympy.Expr] = {}
        self._composed_sizes: dict[sympy.Symbol, int] = {}

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_definitions(
        cls,
        definitions: Mapping[str, str | sympy.Expr],
        *,
        inputs: Iterable[str] = (),
        parameters: Iterable[str] = (),
        targets: Iterable[str] = (),
        output: str,
        title: str = "",
        where: str = "",
    ) -> ComputationGraph:
        """A graph from formulas (text, through the safe parser) or sympy expressions.

        Leaves are the names listed in ``inputs``, ``parameters`` and ``targets``; every other
        node is defined by ``definitions`` and gets kind ``hidden`` (``loss`` for the output).
        A formula is checked against the grammar as a whole before its names are looked up;
        its errors start with ``where`` and the node's name (``"x.toml: [graph.nodes] e"``),
        or with ``node 'e'`` when ``where`` is empty.

        Examples
        --------
        >>> graph = ComputationGraph.from_definitions({"y": "exp(w*x)"}, inputs=["x"],
        ...                                           parameters=["w"], output="y")
        >>> graph.nodes["y"], graph.parameters
        (Node('y', loss = exp(w*x)), ['w'])
        >>> ComputationGraph.from_definitions({"y": "2 x"}, inputs=["x"], output="y",
        ...                                   where="f.toml: [graph.nodes]")
        Traceback (most recent call last):
            ...
        symbackprop.errors.FormulaError: f.toml: [graph.nodes] y: in formula '2 x', column 3: \
missing operator before 'x'; to multiply, write '2*x' (implicit multiplication is not allowed)
            2 x
              ^
        """
        from ..rules.formula import free_names, parse_formula

        leaves: dict[str, str] = {}
        for kind, names in (("input", inputs), ("parameter", parameters), ("target", targets)):
            for name in names:
                if name in leaves:
                    raise GraphError(f"{name!r} is listed as both {leaves[name]} and {kind}")
                leaves[name] = kind
        for name in definitions:
            if name in leaves:
                raise GraphError(f"{name!r} is a {leaves[name]} and also has a definition")
        for name in [*leaves, *definitions]:  # before any formula is read: '../x', 'х'
            check_name(name, "node")
        symbols = {name: symbol(name) for name in [*leaves, *definitions]}
        nodes = [Node(name, kind) for name, kind in leaves.items()]
        for name, text in definitions.items():
            if isinstance(text, str):
                context = f"{where} {name}" if where else f"node {name!r}"
                free_names(text, where=context)
                expr = parse_formula(text, symbols, where=context)
            else:
                expr = sympy.sympify(text)
            nodes.append(Node(name, "loss" if name == output else "hidden", expr))
        return cls(nodes, output, title=title)

    # -- structure -------------------------------------------------------------------------
    def latex_names(self) -> MutableMapping[sympy.Symbol, str]:
        """``symbol_names`` for :func:`sympy.latex`: every node's (and constant's) label."""
        names = {node.symbol: node.latex for node in self._nodes.values()}
        names.update({symbol(name): default_latex(name) for name in self.constants})
        return names

    def symbol_table(self) -> Mapping[str, sympy.Symbol]:
        """Every node's and constant's symbol by name: the names a formula over the graph may
        use (:func:`~symbackprop.rules.formula.parse_formula`), each symbol made when it is
        looked up.

        Examples
        --------
        >>> g = ComputationGraph.from_definitions({"c": "a + b"}, inputs=["a", "b"], output="c")
        >>> table = g.symbol_table()
        >>> table["a"], "d" in table, list(table)
        (a, False, ['a', 'b', 'c'])
        """
        return SymbolTable(self)

    def labels(self) -> Mapping[str, str]:
        r"""Every node's (and constant's) LaTeX label, by name.

        Examples
        --------
        >>> g = ComputationGraph.from_definitions({"yhat_1": "2*x"}, inputs=["x"],
        ...                                       output="yhat_1")
        >>> print(g.labels()["yhat_1"])
        \hat{y}_{1}
        """
        names = {name: node.latex for name, node in self._nodes.items()}
        names.update({name: default_latex(name) for name in self.constants})
        return names

    def __repr__(self) -> str:
        return (f"ComputationGraph({len(self._nodes)} nodes, {self._graph.number_of_edges()} "
                f"edges, output={self.output!r})")

    # -- calculus --------------------------------------------------------------------------
    def local_partial(self, parent: str, child: str) -> sympy.Expr:
        """The local partial ``d child / d parent`` along the edge ``parent -> child``.

        Written as a textbook does: the node's registered form when it has one, otherwise
        sympy's ``diff`` of the child's definition with the definition itself written as the
        child's symbol (so ``d sigmoid(a)/da`` reads ``h (1 - h)``).
        """
        key = (parent, child)
        if key not in self._partials:
            if not self._has_edge(parent, child):
                raise GraphError(f"there is no edge {parent!r} -> {child!r}")
            node = self._nodes[child]
            if parent in node.textbook:
                expr = node.textbook[parent]
            else:
                assert node.definition is not None  # an edge ends at a defined node
                raw = self._diff_definition(node, self._symbol(parent))
                if raw.is_Atom and not node.definition.is_Atom:
                    expr = raw  # an atom cannot hold the (compound) definition
                else:
                    expr = raw.xreplace({node.definition: self._symbol(child)})
            self._partials[key] = expr
        return self._partials[key]

    def _has_edge(self, parent: str, child: str) -> bool:
        return bool(self._graph.has_edge(parent, child))

    def _symbol(self, name: str) -> sympy.Symbol:
        """The symbol of node ``name``, made once."""
        found = self._symbols.get(name)
        if found is None:
            found = self._symbols[name] = symbol(name)
        return found

    def _diff_definition(self, node: Node, sym: sympy.Symbol) -> sympy.Expr:
        """``sympy.diff(node.definition, sym)``, term by term for a sum
        (:func:`~symbackprop.graph.partials.diff_definition`)."""
        assert node.definition is not None  # an edge ends at a defined node
        return diff_definition(node.definition, sym, self._terms.setdefault(node.name, {}))

    def composed(self, name: str) -> sympy.Expr:
        """The value of node ``name`` in leaves only (every definition substituted).

        Notes
        -----
        The result can grow exponentially with depth; it is what the ``sympy.diff`` oracle
        differentiates.
        """
        for current in self._order:
            if current in self._composed:
                continue
            node = self._nodes[current]
            if node.definition is None:
                self._composed[current] = node.symbol
            else:
                self._composed[current] = node.definition.xreplace(
                    {symbol(p): self._composed[p] for p in self._graph.predecessors(current)}
                )
            if current == name:
                break
        return self._composed[self.node(name).name]

    def composed_with_cut(self, name: str, cut: str, replacement: sympy.Expr) -> sympy.Expr:
        """Node ``name`` in leaves, with node ``cut`` held as ``replacement`` (a fresh symbol):
        what ``d name / d cut`` differentiates when ``cut`` is not a leaf."""
        self.node(cut)
        done: dict[str, sympy.Expr] = {}
        for current in self._order:
            node = self._nodes[current]
            if current == cut:
                done[current] = replacement
            elif node.definition is None:
                done[current] = node.symbol
            else:
                done[current] = node.definition.xreplace(
                    {symbol(p): done[p] for p in self._graph.predecessors(current)})
            if current == name:
                return done[current]
        raise GraphError(f"there is no node {name!r}{suggest(name, self._nodes)}")

    def leaves_size(self, expr: sympy.Expr) -> int:
        """An estimate of the size (nodes of the expression tree, as
        :func:`sympy.preorder_traversal` counts them) of :meth:`to_leaves` of ``expr``, computed
        without building it: each node symbol counts as the tree of its composed value, each
        other symbol or number as 1.  Capped at :data:`SIZE_CAP`.

        sympy's own simplifications while it builds the composed form (like terms combined,
        sums flattened) mostly make the true size smaller; it is an estimate, meant to decide
        whether building the form is worth it at all (the leaves-only form of a deep network
        is exponentially large).

        Notes
        -----
        O(size of every definition above ``expr``) the first time, then O(size of ``expr``).

        Examples
        --------
        >>> g = ComputationGraph.from_definitions(
        ...     {"c": "a + b", "d": "b + 1", "e": "c * d"}, inputs=["a", "b"], output="e")
        >>> composed = g.to_leaves(symbol("e"))                 # (a + b)*(b + 1)
        >>> g.leaves_size(symbol("e")), len(list(sympy.preorder_traversal(composed)))
        (7, 7)
        """
        if not self._composed_sizes:
            self._composed_sizes.update(self._tree_sizes())
        return _tree_size(expr, self._composed_sizes, {})

    def _tree_sizes(self) -> dict[sympy.Symbol, int]:
        """The size of each defined node's composed value (:meth:`leaves_size`), by symbol; a
        leaf's is 1, and is left out."""
        sizes: dict[sympy.Symbol, int] = {}
        for name in self._order:
            node = self._nodes[name]
            if node.definition is not None:
                sizes[node.symbol] = _tree_size(node.definition, sizes, {})
        return sizes

    def to_leaves(self, expr: sympy.Expr) -> sympy.Expr:
        """``expr`` (in node symbols) with every non-leaf node symbol replaced by its
        composed value, so that it is written in leaves only."""
        return expr.xreplace(
            {node.symbol: self.composed(name) for name, node in self._nodes.items()
             if not node.is_leaf and node.symbol in expr.free_symbols}
        )

    # -- numbers ---------------------------------------------------------------------------
    @cached_property
    def _forward(self) -> ForwardPass:
        """The forward pass over every definition, compiled once per graph."""
        return ForwardPass([(name, self._nodes[name].definition) for name in self._order],
                           self.constants)

    def missing_values(self, values: Mapping[str, float]) -> list[str]:
        """Leaves (and constants) that ``values`` does not give."""
        return self._forward.missing(values)

    def forward(self, values: Mapping[str, float | np.ndarray],
                overrides: Mapping[str, float] | None = None) -> dict[str, Any]:
        """Every node's value, given the leaves' (and unknown constants') values.

        Values may be floats or numpy arrays of one shape (a batch).  A node named in
        ``overrides`` takes that value instead of its definition's (to perturb an intermediate
        node).

        Raises
        ------
        SpecError
            Naming the leaves and constants that ``values`` does not give.

        Notes
        -----
        A :class:`~symbackprop.graph.evaluation.ForwardPass`: each definition is evaluated by
        :func:`~symbackprop.graph.evaluation.direct_evaluator` (sums, products and integer
        powers directly, function applications through ``lambdify``, compiled once per
        function).  O(V + E) arithmetic for a layered network (a neuron's pre-activation is one
        term per incoming edge); nothing is compiled per node.

        Examples
        --------
        >>> g = ComputationGraph.from_definitions(
        ...     {"h": "sigmoid(w*x)", "L": "(h - y)**2"}, inputs=["x"], parameters=["w"],
        ...     targets=["y"], output="L")
        >>> round(g.forward({"x": 1.0, "w": 0.0, "y": 1.0})["L"], 6)
        0.25
        >>> g.forward({"x": 1.0, "w": 0.0, "y": [1.0, 2.0]}, overrides={"h": 0.0})["L"]
        array([1., 4.])
        """
        return self._forward(values, overrides)

    def evaluate(self, expr: sympy.Expr, values: Mapping[str, Any]) -> Any:
        """``expr`` (over node and constant symbols) at the node values ``values``
        (:func:`symbackprop.graph.evaluation.evaluate`)."""
        return evaluate(expr, values)


SIZE_CAP = 10**18
"""Estimated sizes (:meth:`ComputationGraph.leaves_size`) stop growing here."""


def _tree_size(expr: sympy.Basic, weights: Mapping[sympy.Basic, int],
               memo: dict[sympy.Basic, int]) -> int:
    """Nodes of the tree of ``expr``, each symbol counting ``weights[symbol]`` (default 1)."""
    if expr.is_Symbol:
        return weights.get(expr, 1)
    if not expr.args:
        return 1
    size = memo.get(expr)
    if size is None:
        size = min(SIZE_CAP, 1 + sum(_tree_size(arg, weights, memo) for arg in expr.args))
        memo[expr] = size
    return size
