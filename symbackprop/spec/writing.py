"""Problems out: a problem written back as a TOML problem file (:meth:`Problem.to_toml`).

The file loads back (:func:`~symbackprop.spec.problems.load_problem_text`) to the same graph,
the same values and the same claims.  A layered network is written as its ``[network]`` table
and its arrays (``x``, ``y``, ``W1``, ``b1``...); any other graph as a ``[graph]`` table whose
nodes are formulas (:func:`~symbackprop.rules.printing.formula_text`, which refuses what the
formula grammar cannot hold).  Where a problem says where its numbers come from
(:attr:`Problem.origins`, e.g. ``w212`` is ``model[2].weight[0, 1]``), that is written as
comments at the top.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> problem = load_problem("branching_graph")
>>> print(problem_toml(problem.graph, problem.values, title=problem.title), end="")
title = "A small computation graph where one input branches"
<BLANKLINE>
[graph]
output = "e"
<BLANKLINE>
[graph.inputs]
a = 2.0
b = 1.0
<BLANKLINE>
[graph.nodes]
c = "a + b"
d = "b + 1"
e = "c*d"
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import SpecError
from ..graph.computation import ComputationGraph
from ..graph.network import LayeredNetwork
from ..rules.printing import formula_text
from .claims import Claim
from .tomlwriter import dumps, origin_comments

__all__ = ["problem_head", "problem_toml"]


def problem_toml(
    graph: ComputationGraph,
    values: Mapping[str, float],
    *,
    title: str = "",
    source: str = "",
    description: str = "",
    network: LayeredNetwork | None = None,
    learning_rate: float | None = None,
    claims: Sequence[Claim] = (),
    origins: Mapping[str, str] | None = None,
) -> str:
    """The TOML problem file of a problem's parts (what :meth:`Problem.to_toml` writes).

    Raises
    ------
    SpecError
        When the graph holds what a problem file cannot: constants folded into it, a leaf of
        kind ``constant``, a formula outside the grammar (the message names the node).

    Examples
    --------
    >>> from symbackprop.spec import load_problem_text
    >>> problem = load_problem_text(problem_toml(
    ...     ComputationGraph.from_definitions({"L": "(w*x - y)^2"}, inputs=["x"],
    ...                                       parameters=["w"], targets=["y"], output="L"),
    ...     {"x": 2.0, "w": 0.5}, title='say "hi"'))
    >>> problem.title, problem.values, problem.graph.nodes["L"]
    ('say "hi"', {'x': 2.0, 'w': 0.5}, Node('L', loss = (w*x - y)**2))
    """
    data = problem_head(title, source, description, learning_rate)
    if network is not None:
        data["network"] = _network_table(network)
        data["values"] = _network_values(network, values)
    else:
        data["graph"], extra = _graph_table(graph, values)
        if extra:
            data["values"] = extra
    if claims:
        data["claims"] = [_claim_table(claim) for claim in claims]
    return dumps(data, comments=origin_comments(origins))


def problem_head(title: str = "", source: str = "", description: str = "",
                 learning_rate: float | None = None) -> dict[str, Any]:
    """The keys a problem file of either level opens with, those given.

    Examples
    --------
    >>> problem_head("T", learning_rate=0.5)
    {'title': 'T', 'learning_rate': 0.5}
    """
    data: dict[str, Any] = {}
    for key, text in (("title", title), ("source", source), ("description", description)):
        if text:
            data[key] = text
    if learning_rate is not None:
        data["learning_rate"] = float(learning_rate)
    return data


def _activation(network: LayeredNetwork, layer: int) -> str | dict[str, Any]:
    name = network.activation_name(layer)
    slope = network.slopes.get(layer)
    return name if slope is None else {"name": name, "slope": float(slope)}


def _network_table(network: LayeredNetwork) -> dict[str, Any]:
    table: dict[str, Any] = {"layers": list(network.layers)}
    hidden = [_activation(network, layer) for layer in range(1, network.depth)]
    if hidden:
        same = all(h == hidden[0] for h in hidden) and isinstance(hidden[0], str)
        table["hidden"] = hidden[0] if same else hidden
    table.update(output=_activation(network, network.depth), loss=network.loss,
                 bias=network.bias, naming=network.naming)
    return table


def _network_values(network: LayeredNetwork, values: Mapping[str, float]) -> dict[str, Any]:
    """The arrays ``x``, ``y``, ``W{l}``, ``b{l}`` where every entry has a value; the values
    of incomplete arrays one name at a time."""
    names = network.names
    arrays: dict[str, Any] = {
        "x": [names.input(k) for k in range(1, network.layers[0] + 1)],
        "y": [names.target(j) for j in range(1, network.layers[-1] + 1)],
    }
    for layer in range(1, network.depth + 1):
        arrays[f"W{layer}"] = network.weight_matrix_names(layer)
        if network.bias == "per_layer":
            arrays[f"b{layer}"] = network.bias_name(layer, 1)
        elif network.bias == "per_neuron":
            arrays[f"b{layer}"] = [network.bias_name(layer, j)
                                   for j in range(1, network.layers[layer] + 1)]
    table: dict[str, Any] = {}
    singles: dict[str, float] = {}
    for key, shape in arrays.items():
        flat = _flatten(shape)
        if all(name in values for name in flat):
            table[key] = _fill(shape, values)
        else:
            singles.update({name: float(values[name]) for name in flat if name in values})
    for name, number in singles.items():
        if name in arrays:
            raise SpecError(f"cannot write the value of {name!r} alone: in a problem file the "
                            f"key {name!r} is the array {name}; give every entry of it a value")
        table[name] = number
    return table


def _flatten(shape: Any) -> list[str]:
    if isinstance(shape, str):
        return [shape]
    return [name for item in shape for name in _flatten(item)]


def _fill(shape: Any, values: Mapping[str, float]) -> Any:
    if isinstance(shape, str):
        return float(values[shape])
    return [_fill(item, values) for item in shape]


def _graph_table(graph: ComputationGraph, values: Mapping[str, float]) -> tuple[
        dict[str, Any], dict[str, float]]:
    """The ``[graph]`` table, and the values it cannot hold (for ``[values]``)."""
    if graph.constants:
        raise SpecError(f"cannot write a graph with constants folded into it "
                        f"({', '.join(sorted(graph.constants)[:5])}...) as a problem file; "
                        "write the graph with every parameter a node")
    table: dict[str, Any] = {"output": graph.output}
    extra: dict[str, float] = {}
    for key, kind in (("inputs", "input"), ("parameters", "parameter"), ("targets", "target")):
        leaves = graph.kind_of(kind)
        if not leaves:
            continue
        known = {name: float(values[name]) for name in leaves if name in values}
        if len(known) == len(leaves):
            table[key] = known
        else:
            table[key] = leaves
            extra.update(known)
    constants = graph.kind_of("constant")
    if constants:
        raise SpecError(f"cannot write node {constants[0]!r} of kind 'constant' as a problem "
                        "file; a file's leaves are inputs, parameters and targets")
    table["nodes"] = {name: formula_text(node.definition, where=f"node {name!r}")
                      for name, node in graph.nodes.items() if node.definition is not None}
    return table, extra


def _claim_table(claim: Claim) -> dict[str, Any]:
    table: dict[str, Any] = {"of": claim.of}
    if claim.value is not None:
        table["value"] = claim.value
    if claim.expression_text is not None:
        table["expression"] = claim.expression_text
    if claim.tolerance is not None:
        table["tolerance"] = float(claim.tolerance)
    return table
