"""Tensor problem files: a ``[tensor]`` table in, a validated :class:`TensorProblem` out.

The format is docs/reference/problem-files.md, "Tensor problems": named tensors with shapes
(``[tensor.inputs]``, ``[tensor.targets]``, ``[tensor.parameters]``, ``[tensor.constants]``;
values given, drawn from the file's seeded generator, or only a shape), computed nodes in the
matrix grammar (``[tensor.nodes]``, in any order), and an unrolled recurrence
(``[tensor.recurrence]``: ``steps`` and nodes named with ``{t}``, whose formulas may read
``{t-1}``), expanded into ordinary nodes before the graph is built.  ``learning_rate`` is
read as in the scalar format; ``[[claims]]`` are read by :mod:`symbackprop.spec.tensor_claims`
(a gradient or a value, as numbers or a formula), and ``workbook`` lists the nodes whose
gradients a student computes in turn (the backprop-ninja exercise).  A template's
``[variants]`` and ``[[questions]]`` are read by :mod:`symbackprop.spec.tensor_questions`.
Every error names the file and the key; shapes are checked at load.

Examples
--------
>>> problem = tensor_problem_from_dict({"tensor": {
...     "output": "L", "seed": 7,
...     "inputs": {"X": {"shape": [4, 3], "draw": "normal"},
...                "y": {"shape": [4], "dtype": "int", "draw": {"integers": 2}}},
...     "parameters": {"W": {"shape": [3, 2], "draw": {"normal": 0.5}}},
...     "nodes": {"L": "cross_entropy(X @ W, y)"}}}, name="tiny.toml")
>>> problem
TensorProblem('tiny.toml', TensorGraph(4 nodes, 3 edges, output='L'), 0 claims)
>>> problem.values["y"]
array([1, 0, 1, 0])
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import GraphError, SpecError
from ..graph.tensor import TensorGraph, TensorNode
from ..graph.tensor_build import build_tensor_graph
from ..limits import MAX_NODES
from .fields import as_table, check_keys, describe, number, text
from .tensor_claims import TensorClaim, read_tensor_claims
from .tensor_questions import TensorQuestion, read_tensor_questions, read_tensor_variants
from .tensor_values import read_tensor
from .variants import Variants

__all__ = ["TENSOR_KEYS", "TENSOR_TOP_KEYS", "TensorProblem", "tensor_problem_from_dict"]

TENSOR_TOP_KEYS = ("title", "source", "description", "tensor", "learning_rate", "claims",
                   "workbook", "variants", "questions")
TENSOR_KEYS = ("output", "seed", "expand", "inputs", "targets", "parameters", "constants",
               "nodes", "recurrence")
RECURRENCE_KEYS = ("steps", "nodes")
_LEAF_TABLES = {"inputs": "input", "targets": "target", "parameters": "parameter",
                "constants": "constant"}
_STEP = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class TensorProblem:
    """A loaded, validated tensor problem file.

    Attributes
    ----------
    graph : TensorGraph
    values : dict of str to numpy array
        Every leaf that has values (given or drawn); a leaf given by its shape alone has none.
    claims : tuple of TensorClaim
        The ``[[claims]]`` (:mod:`symbackprop.spec.tensor_claims`).
    workbook : tuple of str
        The nodes a workbook asks the gradient of, in the order asked (empty for none).
    variants : Variants or None
        A template's ``[variants]`` draw rules and options
        (:mod:`symbackprop.spec.tensor_questions`).
    questions : tuple of TensorQuestion
        A template's ``[[questions]]``.
    origins : mapping of str to str
        Where each value comes from, for a problem made from a model (empty for a file).
    seed : int
        The seed of the file's draws.

    Examples
    --------
    >>> problem = tensor_problem_from_dict({"tensor": {
    ...     "output": "L", "inputs": {"X": {"shape": [4, 3]}}, "parameters": {"W1": [1, 2, 3]},
    ...     "nodes": {"L": "sum(tanh(X @ W1))"}}}, name="f.toml")
    >>> problem.graph.parameters, problem.values["W1"], problem.has_values
    (['W1'], array([1., 2., 3.]), False)
    """

    graph: TensorGraph
    values: dict[str, np.ndarray]
    title: str = ""
    source: str = ""
    description: str = ""
    path: str | None = None
    learning_rate: float | None = None
    claims: tuple[TensorClaim, ...] = ()
    origins: Mapping[str, str] = field(default_factory=dict)
    seed: int = 0
    expanded: bool = False
    workbook: tuple[str, ...] = ()
    variants: Variants | None = None
    questions: tuple[TensorQuestion, ...] = ()

    @property
    def has_values(self) -> bool:
        """Whether every leaf has values (so that numbers can be computed)."""
        return not self.graph.missing_values(self.values)

    @property
    def numeric_values(self) -> dict[str, np.ndarray] | None:
        """:attr:`values` when complete, else ``None``."""
        return self.values if self.has_values else None

    def to_toml(self) -> str:
        """This problem as a ``[tensor]`` problem file, which loads back to the same graph,
        values and claims (:mod:`symbackprop.spec.tensor_writing`); :attr:`origins` become
        comments.

        Examples
        --------
        >>> problem = tensor_problem_from_dict({"tensor": {
        ...     "output": "L", "inputs": {"X": [[1.0, 2.0]]}, "parameters": {"w": [0.5, -1]},
        ...     "nodes": {"L": "sum(tanh(X @ w))"}}}, name="f.toml")
        >>> print(problem.to_toml(), end="")
        [tensor]
        output = "L"
        <BLANKLINE>
        [tensor.inputs]
        X = [[1.0, 2.0]]
        <BLANKLINE>
        [tensor.parameters]
        w = [0.5, -1.0]
        <BLANKLINE>
        [tensor.nodes]
        L = "sum(tanh(X @ w))"
        """
        from .tensor_writing import tensor_problem_toml

        return tensor_problem_toml(
            self.graph, self.values, title=self.title, source=self.source,
            description=self.description, learning_rate=self.learning_rate,
            claims=self.claims, origins=self.origins, seed=self.seed)

    def __repr__(self) -> str:
        name = self.title or self.path or "problem"
        return f"TensorProblem({name!r}, {self.graph!r}, {len(self.claims)} claims)"


def tensor_problem_from_dict(data: Mapping[str, Any], *, name: str = "<problem>",
                             expand: bool | None = None) -> TensorProblem:
    """Validate a parsed tensor problem file (a dict as TOML, YAML or JSON give it).

    ``expand`` overrides the file's ``[tensor] expand`` (composite layers written as
    primitives, :func:`symbackprop.graph.tensor_build.expand_composites`).

    Examples
    --------
    >>> tensor_problem_from_dict({"tensor": {"output": "L", "nodes": {"L": "sum(x)"}}},
    ...                          name="f.toml")
    Traceback (most recent call last):
        ...
    symbackprop.errors.FormulaError: f.toml: [tensor.nodes] L: in formula 'sum(x)', column 5: \
undefined name 'x'; no names are defined
        sum(x)
            ^
    """
    check_keys(data, TENSOR_TOP_KEYS, name)
    table = as_table(data.get("tensor"), f"{name}: [tensor]")
    where = f"{name}: [tensor]"
    check_keys(table, TENSOR_KEYS, where)
    for key in ("output", "nodes"):
        if key not in table:
            raise SpecError(f"{where}: missing key {key!r}")
    output = text(table["output"], f"{where} output")
    seed = table.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SpecError(f"{where} seed: must be a whole number of at least 0, got "
                        f"{describe(seed)}")
    file_expand = table.get("expand", False)
    if not isinstance(file_expand, bool):
        raise SpecError(f"{where} expand: must be true or false, got {describe(file_expand)}")
    rng = np.random.default_rng(seed)
    leaves: list[TensorNode] = []
    values: dict[str, np.ndarray] = {}
    formulas: dict[str, str] = {}
    places: dict[str, str] = {}
    for key in table:  # file order: the order of the draws
        if key in _LEAF_TABLES:
            _read_leaves(table[key], key, name, rng, leaves, values)
        elif key == "nodes":
            nodes_where = f"{name}: [tensor.nodes]"
            for node, formula in as_table(table[key], nodes_where,
                                          'a table of name = "formula"').items():
                formulas[node] = text(formula, f"{nodes_where} {node}")
                places[node] = nodes_where
        elif key == "recurrence":
            _read_recurrence(table[key], name, formulas, places)
    MAX_NODES.check(len(formulas) + len(leaves), where, "nodes")
    try:
        graph = build_tensor_graph(
            leaves, formulas, output, title=text(data.get("title", ""), f"{name}: title"),
            where=f"{name}: [tensor.nodes]", places=places,
            expand=file_expand if expand is None else expand)
    except (GraphError, SpecError) as err:  # FormulaError is a SpecError
        if str(err).startswith(name):
            raise
        raise type(err)(f"{where}: {err}") from None
    rate = data.get("learning_rate")
    return TensorProblem(
        graph=graph, values=values, title=graph.title,
        source=text(data.get("source", ""), f"{name}: source"),
        description=text(data.get("description", ""), f"{name}: description"),
        path=name, learning_rate=None if rate is None else number(rate, f"{name}: learning_rate"),
        claims=read_tensor_claims(data.get("claims", []), graph, name), seed=seed,
        expanded=file_expand if expand is None else expand,
        workbook=_workbook(data.get("workbook", []), graph, name),
        variants=(read_tensor_variants(data["variants"], graph, name) if "variants" in data
                  else Variants() if "questions" in data else None),
        questions=read_tensor_questions(data.get("questions", []), graph, name))


def _read_leaves(table: Any, key: str, name: str, rng: np.random.Generator,
                 leaves: list[TensorNode], values: dict[str, np.ndarray]) -> None:
    where = f"{name}: [tensor.{key}]"
    kind = _LEAF_TABLES[key]
    for leaf, spec in as_table(table, where, "a table of name = tensor").items():
        value = read_tensor(spec, f"{where} {leaf}", rng)
        if kind == "parameter" and value.dtype == "int":
            raise SpecError(f'{where} {leaf}: a parameter is a float tensor (gradient descent '
                            'updates it), not dtype "int"')
        if any(node.name == leaf for node in leaves):
            raise SpecError(f"{where}: {leaf!r} is declared twice")
        leaves.append(TensorNode(leaf, kind, value.shape, value.dtype))
        if value.values is not None:
            values[leaf] = value.values


def _read_recurrence(table: Any, name: str, formulas: dict[str, str],
                     places: dict[str, str]) -> None:
    """The ``[tensor.recurrence]`` nodes, one of each a step (``h{t}`` is ``h1``, ``h2`` ...;
    ``{t-1}`` in a formula is the step before)."""
    where = f"{name}: [tensor.recurrence]"
    recurrence = as_table(table, where)
    check_keys(recurrence, RECURRENCE_KEYS, where)
    steps = recurrence.get("steps")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise SpecError(f"{where} steps: must be a whole number of at least 1, got "
                        f"{describe(steps)}")
    nodes_where = f"{name}: [tensor.recurrence.nodes]"
    patterns = as_table(recurrence.get("nodes", {}), nodes_where, 'a table of "name{t}" = '
                                                                  '"formula"')
    MAX_NODES.check(steps * len(patterns), where, "nodes once the steps are expanded")
    for pattern, formula in patterns.items():
        formula = text(formula, f"{nodes_where} {pattern}")
        if "{t}" not in pattern or {m for m in _STEP.findall(pattern)} != {"{t}"}:
            raise SpecError(f"{nodes_where}: {pattern!r}: a recurrence node's name holds {{t}} "
                            "(and nothing else in braces), such as \"h{t}\"")
        unknown = set(_STEP.findall(formula)) - {"{t}", "{t-1}"}
        if unknown:
            raise SpecError(f"{nodes_where} {pattern}: only {{t}} and {{t-1}} are expanded, "
                            f"not {', '.join(sorted(unknown))}")
    for step in range(1, steps + 1):
        for pattern, formula in patterns.items():
            node = pattern.replace("{t}", str(step))
            if node in formulas:
                raise SpecError(f"{nodes_where}: {pattern!r} at step {step} is {node!r}, which "
                                "[tensor.nodes] defines too")
            formulas[node] = formula.replace("{t-1}", str(step - 1)).replace("{t}", str(step))
            places[node] = nodes_where


def _workbook(value: Any, graph: TensorGraph, name: str) -> tuple[str, ...]:
    """The ``workbook`` list: float nodes on a path to the loss, each once."""
    where = f"{name}: workbook"
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{where}: must be a list of node names, got {describe(value)}")
    MAX_NODES.check(len(value), where, "steps")
    reach = {graph.output}
    for node in reversed(graph.order):
        if any(child in reach for child in graph.children(node)):
            reach.add(node)
    for node in value:
        if node not in graph.nodes:
            raise SpecError(f"{where}: no tensor is called {node!r}")
        if graph.node(node).dtype != "float" or node not in reach:
            raise SpecError(f"{where}: {node!r} has no gradient (it holds integers or does not "
                            f"reach {graph.output!r})")
    if len(set(value)) != len(value):
        raise SpecError(f"{where}: a node is listed twice")
    return tuple(value)
