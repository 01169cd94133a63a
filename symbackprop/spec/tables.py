"""The ``[network]``, ``[graph]`` and ``[values]`` tables of a problem file.

A ``[network]`` table becomes a :class:`~symbackprop.graph.network.LayeredNetwork`; a
``[graph]`` table becomes a :class:`~symbackprop.graph.computation.ComputationGraph` through
:meth:`~symbackprop.graph.computation.ComputationGraph.from_definitions` (this module keeps
only what is about the file: its keys, and errors naming the file and the key).

Examples
--------
>>> graph, values = read_graph({"output": "e", "inputs": {"a": 2, "b": 1},
...                             "nodes": {"c": "a + b", "e": "c * b"}}, "tree.toml", "")
>>> graph, values
(ComputationGraph(4 nodes, 4 edges, output='e'), {'a': 2.0, 'b': 1.0})
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..errors import GraphError, SpecError
from ..graph.computation import ComputationGraph
from ..graph.network import LayeredNetwork
from ..graph.node import suggest
from ..limits import MAX_NODES
from ..naming import symbol
from .fields import (
    GRAPH_KEYS,
    NETWORK_KEYS,
    TOP_KEYS,
    as_table,
    check_keys,
    describe,
    floats,
    number,
    text,
)

__all__ = ["named_values", "network_values", "read_graph", "read_network"]


def _activation_spec(value: Any, where: str) -> tuple[str, float | None]:
    if isinstance(value, str):
        return value, None
    spec = as_table(value, where,
                    'an activation name or a table {name = "leaky_relu", slope = 0.2}')
    check_keys(spec, ("name", "slope"), where)
    if "name" not in spec:
        raise SpecError(f"{where}: missing key 'name'")
    slope = spec.get("slope")
    return text(spec["name"], f"{where}.name"), None if slope is None else number(
        slope, f"{where}.slope")


def read_network(table: dict[str, Any], name: str) -> LayeredNetwork:
    """The layered network of file ``name``'s ``[network]`` table.

    Examples
    --------
    >>> read_network({"layers": [2, 3, 1], "hidden": "tanh"}, "f.toml")
    LayeredNetwork(...)
    """
    where = f"{name}: [network]"
    check_keys(table, NETWORK_KEYS, where)
    if "layers" not in table:
        raise SpecError(f"{where}: missing key 'layers' (the widths: inputs, hidden..., outputs)")
    layers = table["layers"]
    if not isinstance(layers, list) or not all(
            isinstance(w, int) and not isinstance(w, bool) for w in layers):
        raise SpecError(f"{where} layers: must be a list of whole numbers, got "
                        f"{describe(layers)}")
    hidden_count = max(len(layers) - 2, 0)
    hidden = table.get("hidden", "sigmoid")
    specs = ([_activation_spec(h, f"{where} hidden[{i}]") for i, h in enumerate(hidden, 1)]
             if isinstance(hidden, list) else [_activation_spec(hidden, f"{where} hidden")]
             * hidden_count)
    if len(specs) != hidden_count:
        raise SpecError(f"{where} hidden: {hidden_count} hidden layer(s) need as many "
                        f"activations, got {len(specs)}")
    output, output_slope = _activation_spec(table.get("output", "sigmoid"), f"{where} output")
    slopes = {i: s for i, (_, s) in enumerate(specs, 1) if s is not None}
    if output_slope is not None:
        slopes[len(layers) - 1] = output_slope
    try:
        return LayeredNetwork(
            tuple(layers), tuple(n for n, _ in specs), output,
            text(table.get("loss", "squared_error"), f"{where} loss"),
            bias=text(table.get("bias", "none"), f"{where} bias"),
            naming=text(table.get("naming", "layer_to_from"), f"{where} naming"),
            slopes=slopes,
        )
    except SpecError as err:
        raise SpecError(f"{where}: {err}") from None


def network_values(network: LayeredNetwork, graph: ComputationGraph, table: Any,
                   name: str) -> dict[str, float]:
    """The ``[values]`` table of a network's file: arrays (``x``, ``W1``...) or single names.

    Examples
    --------
    >>> network = read_network({"layers": [1, 1]}, "f.toml")
    >>> network_values(network, network.build(), {"x": [Decimal("2")], "w111": 0.5}, "f.toml")
    {'x1': 2.0, 'w111': 0.5}
    """
    where = f"{name}: [values]"
    values: dict[str, float] = {}
    arrays = {k: v for k, v in as_table(table, where).items() if k in network.array_keys()
              or (isinstance(v, list) and k not in graph and k not in graph.constants)}
    values.update(network.values_from_arrays({k: floats(v) for k, v in arrays.items()},
                                             where=where))
    scalars = {k: v for k, v in table.items() if k not in arrays}
    values.update(named_values(graph, scalars, where))
    return values


def named_values(graph: ComputationGraph, table: Any, where: str) -> dict[str, float]:
    """Values by node name; only leaves and constants may be given one.

    Examples
    --------
    >>> graph, _ = read_graph({"output": "y", "inputs": ["x"], "nodes": {"y": "2*x"}}, "f", "")
    >>> named_values(graph, {"x": 3}, "f: [values]")
    {'x': 3.0}
    >>> named_values(graph, {"y": 3}, "f: [values]")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f: [values]: 'y' is not a leaf (its value follows from its \
definition); values are given for inputs, targets and parameters
    """
    values = {}
    settable = set(graph.leaves) | set(graph.constants)
    for key, value in as_table(table, where).items():
        if key in TOP_KEYS:
            raise SpecError(f"{where}: {key!r} belongs at the top level of the file; in TOML, "
                            "put it before the first [table] header (keys after [values] "
                            "belong to [values])")
        if key not in settable:
            kind = "not a leaf (its value follows from its definition)" if key in graph else (
                "not a node")
            raise SpecError(f"{where}: {key!r} is {kind}{suggest(str(key), settable)}; values "
                            f"are given for inputs, targets and parameters")
        values[key] = number(value, f"{where} {key}")
    return values


def _names_with_values(value: Any, where: str) -> dict[str, float | None]:
    if isinstance(value, list):
        return {text(n, f"{where}[{i}]"): None for i, n in enumerate(value, 1)}
    names = as_table(value, where, "a table of name = value (or a list of names)")
    return {k: None if v is None else number(v, f"{where} {k}") for k, v in names.items()}


def read_graph(table: dict[str, Any], name: str, title: str) -> tuple[ComputationGraph,
                                                                     dict[str, float]]:
    """The graph of file ``name``'s ``[graph]`` table, and the leaf values it gives.

    Examples
    --------
    >>> read_graph({"output": "y", "inputs": ["x"], "parameters": ["x"], "nodes": {}}, "f", "")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f: [graph.parameters]: 'x' is already a input
    """
    where = f"{name}: [graph]"
    check_keys(table, GRAPH_KEYS, where)
    for key in ("output", "nodes"):
        if key not in table:
            raise SpecError(f"{where}: missing key {key!r}")
    output = text(table["output"], f"{where} output")
    leaves: dict[str, tuple[str, float | None]] = {}
    for key, kind in (("inputs", "input"), ("parameters", "parameter"), ("targets", "target")):
        for leaf, value in _names_with_values(table.get(key, {}), f"{name}: [graph.{key}]").items():
            if leaf in leaves:
                raise SpecError(f"{name}: [graph.{key}]: {leaf!r} is already a {leaves[leaf][0]}")
            leaves[leaf] = (kind, value)
    if output in leaves:
        raise SpecError(f"{where} output: {output!r} is a {leaves[output][0]}; the output is a "
                        "node of [graph.nodes] (the loss)")
    nodes_where = f"{name}: [graph.nodes]"
    nodes_table = as_table(table["nodes"], nodes_where, 'a table of node = "formula"')
    MAX_NODES.check(len(nodes_table) + len(leaves), where, "nodes")
    formulas = {}
    for node, formula in nodes_table.items():
        if node in leaves:
            raise SpecError(f"{nodes_where}: {node!r} is a {leaves[node][0]} and has a formula")
        if isinstance(formula, int | float | Decimal) and not isinstance(formula, bool):
            formula = str(formula)
        formulas[node] = text(formula, f"{nodes_where} {node}")
    for node in [*leaves, *formulas]:
        try:
            symbol(node)
        except (TypeError, ValueError):
            raise SpecError(f"{where}: {node!r} is not a valid name") from None
    kinds = {kind: [leaf for leaf, (k, _) in leaves.items() if k == kind]
             for kind in ("input", "parameter", "target")}
    try:
        graph = ComputationGraph.from_definitions(
            formulas, inputs=kinds["input"], parameters=kinds["parameter"],
            targets=kinds["target"], output=output, title=title, where=nodes_where)
    except GraphError as err:
        raise GraphError(f"{where}: {err}") from None
    values = {leaf: value for leaf, (_, value) in leaves.items() if value is not None}
    return graph, values
