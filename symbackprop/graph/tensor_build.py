"""Tensor graphs from formulas: the nodes read in dependency order (so a file may list them in
any order), each formula parsed by the matrix grammar with its parents' shapes known, and the
composite layers expanded into primitives on request.

Composite expansion (``expand=True``): a ``batch_norm(x, gamma, beta)`` or
``layer_norm(x, gamma, beta)`` defining node ``Y`` becomes the nodes ``Y.mu = mean(x)``,
``Y.var = var(x)`` (a function of ``x`` alone, biased), ``Y.xhat = (x - Y.mu)/sqrt(Y.var + eps)``
and ``Y = gamma*Y.xhat + beta``, over the statistics' axes (every axis but 1 for batch norm,
the last for layer norm), so that ``x`` has exactly three paths to ``Y``: direct, through the
mean, through the variance (CS231n's derivation).  A composite inside a larger formula becomes
``Y.y`` as well (``Y.x`` too, when its input is not a node), the second of one formula
``Y.n2.mu`` ...; names with a dot are the engine's, no name in a file can take one.

Examples
--------
>>> graph = build_tensor_graph(
...     [TensorNode("x", "input", (4, 3)), TensorNode("g", "parameter", (3,)),
...      TensorNode("b", "parameter", (3,))], {"Y": "batch_norm(x, g, b)", "L": "sum(Y**2)"},
...     "L", expand=True)
>>> [name for name in graph.order if "." in name]
['Y.mu', 'Y.var', 'Y.xhat']
>>> graph.node("Y.xhat").definition
Map((-Y.mu + x)/sqrt(Y.var + 1.0e-5), (4, 3))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx
import sympy

from ..errors import GraphError
from ..rules.tensor.build import Builder
from ..rules.tensor.expr import Map, Op, Ref, TExpr, walk
from ..rules.tensor.grammar import parse_tensor_formula, tensor_free_names
from ..rules.tensor.ops_nn import norm_axes
from .canonical import natural_topological_order
from .tensor import TensorGraph, TensorNode, check_tensor_name

__all__ = ["COMPOSITES", "build_tensor_graph", "expand_composites"]

#: the operations ``expand=True`` writes as primitives
COMPOSITES = frozenset({"batch_norm", "layer_norm"})


def build_tensor_graph(leaves: Sequence[TensorNode], formulas: Mapping[str, str], output: str,
                       *, title: str = "", where: str = "", places: Mapping[str, str] | None = None,
                       expand: bool = False) -> TensorGraph:
    """The tensor graph of ``leaves`` and the computed nodes ``formulas`` (name -> formula,
    in any order); ``output`` gets kind ``loss``, every other formula ``hidden``.

    Parameters
    ----------
    where : str
        What every formula's error starts with, before the node's name
        (``"f.toml: [tensor.nodes]"``).
    places : mapping of str to str, optional
        ``where`` for some nodes (a recurrence's nodes are in another table).
    expand : bool
        Write ``batch_norm`` and ``layer_norm`` as primitive nodes (:func:`expand_composites`).

    Raises
    ------
    FormulaError
        A formula that does not parse, or whose shapes do not fit (naming the node).
    GraphError
        A name given twice or invalid, nodes that form a cycle (named), or what
        :class:`TensorGraph` refuses.

    Examples
    --------
    >>> graph = build_tensor_graph([TensorNode("x", "input", (3,))],
    ...                            {"L": "sum(h)", "h": "tanh(x)"}, "L")
    >>> graph.order, graph.node("L")
    (('x', 'h', 'L'), TensorNode('L', loss () = sum(h)))
    """
    known: dict[str, Ref] = {}
    for leaf in leaves:
        check_tensor_name(leaf.name)
        if leaf.name in known:
            raise GraphError(f"{leaf.name!r} is declared twice")
        known[leaf.name] = leaf.ref
    for name in formulas:
        check_tensor_name(name)
        if name in known:
            raise GraphError(f"{name!r} is a leaf and also has a formula")
    places = places or {}
    order = _formula_order(formulas, where, places)
    nodes = list(leaves)
    for name in order:
        context = _context(name, places.get(name, where))
        definition = parse_tensor_formula(formulas[name], known, where=context)
        node = TensorNode(name, "loss" if name == output else "hidden", definition.shape,
                          "float", definition)
        nodes.append(node)
        known[name] = node.ref
    if expand:
        nodes = expand_composites(nodes)
    return TensorGraph(nodes, output, title=title)


def _context(name: str, where: str) -> str:
    return f"{where} {name}" if where else f"node {name!r}"


def _formula_order(formulas: Mapping[str, str], where: str,
                   places: Mapping[str, str]) -> tuple[str, ...]:
    """The formulas' names, each after the formulas it reads; a cycle is an error naming it."""
    graph = nx.DiGraph()
    graph.add_nodes_from(formulas)
    for name, text in formulas.items():
        context = _context(name, places.get(name, where))
        for used in tensor_free_names(text, where=context):
            if used in formulas:
                graph.add_edge(used, name)
    order = natural_topological_order(graph)
    if len(order) < len(formulas):
        cycle = nx.find_cycle(graph)
        names = " -> ".join([u for u, _ in cycle] + [cycle[0][0]])
        raise GraphError(f"the nodes form a cycle: {names}; a computation graph is acyclic")
    return order


def expand_composites(nodes: Sequence[TensorNode]) -> list[TensorNode]:
    """``nodes`` with every ``batch_norm`` and ``layer_norm`` written as primitive nodes (the
    module's scheme); the other nodes as they are.

    Examples
    --------
    >>> from symbackprop.rules.tensor.expr import Ref
    >>> x, g = TensorNode("x", "input", (2, 3)), TensorNode("g", "parameter", (3,))
    >>> y = TensorNode("y", "hidden", (2, 3), definition=Builder().op(
    ...     "layer_norm", x.ref, g.ref, g.ref))
    >>> [node.name for node in expand_composites([x, g, y])]
    ['x', 'g', 'y.mu', 'y.var', 'y.xhat', 'y']
    """
    build = Builder()
    result: list[TensorNode] = []
    for node in nodes:
        definition = node.definition
        if definition is None or not any(isinstance(e, Op) and e.name in COMPOSITES
                                         for e in walk(definition)):
            result.append(node)
            continue
        expansion = _Expansion(node, build)
        rewritten = expansion.rewrite(definition, root=True)
        result += expansion.added
        result.append(TensorNode(node.name, node.kind, node.shape, node.dtype, rewritten))
    return result


class _Expansion:
    """The primitive nodes of one node's composites, added as its definition is rewritten."""

    def __init__(self, node: TensorNode, build: Builder) -> None:
        self.node, self.build = node, build
        self.added: list[TensorNode] = []
        self.count = 0

    def rewrite(self, expr: TExpr, *, root: bool = False) -> TExpr:
        if isinstance(expr, Ref) or not expr.args:
            return expr
        args = tuple(self.rewrite(arg) for arg in expr.args)
        if isinstance(expr, Op) and expr.name in COMPOSITES:
            return self._expand(expr, args, root)
        if args == expr.args:
            return expr
        if isinstance(expr, Map):
            return self.build.map(expr.expr, list(zip(expr.slots, args, strict=True)))
        assert isinstance(expr, Op)  # the nodes with arguments are maps and operations
        return self.build.op(expr.name, *args, **expr.attributes)

    def _add(self, name: str, definition: TExpr) -> Ref:
        node = TensorNode(name, "hidden", definition.shape, "float", definition)
        self.added.append(node)
        return node.ref

    def _expand(self, op: Op, args: tuple[TExpr, ...], root: bool) -> TExpr:
        self.count += 1
        prefix = f"{self.node.name}." if self.count == 1 else f"{self.node.name}.n{self.count}."
        x, gamma, beta = args
        if not isinstance(x, Ref):
            x = self._add(prefix + "x", x)
        axes = norm_axes(op.name, len(x.shape))
        keepdims = axes != tuple(range(len(axes)))  # leading axes broadcast without them
        axis: int | tuple[int, ...] = axes[0] if len(axes) == 1 else axes
        eps = float(op.attr("eps"))  # type: ignore[arg-type]
        mu = self._add(prefix + "mu", self.build.op("mean", x, axis=axis, keepdims=keepdims))
        var = self._add(prefix + "var", self.build.op("var", x, axis=axis, keepdims=keepdims))
        xhat = self._add(prefix + "xhat", self.build.ew(
            lambda v, m, s: (v - m) / sympy.sqrt(s + eps), x, mu, var))
        y = self.build.ew(lambda c, h, d: c * h + d, gamma, xhat, beta)
        if root:
            return y
        return self._add(prefix + "y", y)
