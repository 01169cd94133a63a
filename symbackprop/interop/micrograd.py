"""micrograd-style graphs in: :func:`from_micrograd` turns a graph of ``Value`` objects into a
general computation graph, node for node.

Duck-typed, with no dependency: a value has ``.data`` (its number), ``._prev`` (the values it
was computed from) and ``._op`` (how: ``''`` for a leaf, ``'+'``, ``'*'``, ``'**k'`` such as
``'**2'`` or ``'**-1'``, ``'ReLU'``, ``'tanh'``, ``'exp'``, and in some variants ``'log'`` and
``'sigmoid'``), as in Karpathy's micrograd and the values of his lectures.  micrograd keeps
``_prev`` as a set, so ``a + a`` has one parent and is read as ``2*a`` (``a * a`` as ``a**2``);
subtraction and division are ``a + (-1)*b`` and ``a * b**-1`` there, so they need no op of
their own (an ordered ``'-'`` or ``'/'`` cannot be read from a set and is refused).

Which values become nodes:

- every computed value (so the numbers of a micrograd run and the graph's forward values can
  be compared node by node: :func:`micrograd_nodes` gives the value behind each name);
- every leaf listed in ``parameters`` or ``inputs``, or with a ``.label`` (the lectures label
  their values); labelled leaves are parameters unless ``parameters`` is given;
- any other leaf is a constant micrograd made for a number (the ``2`` of ``2 * x``, the ``-1``
  of ``a - b``) and is written into its child's formula as that number.

A value's ``.label`` names its node when it is a valid, unused name; other values are named
``v1``, ``v2``, ... in a topological order that depends on the graph's structure only, and the
root is ``L`` unless labelled.  :func:`from_micrograd` evaluates the graph it built and refuses
it when any node's number differs from the value's ``.data``.

Examples
--------
>>> class V:                                  # the smallest micrograd-style value
...     def __init__(self, data, prev=(), op="", label=""):
...         self.data, self._prev, self._op, self.label = data, set(prev), op, label
...     def __mul__(self, other):
...         return V(self.data * other.data, (self, other), "*")
>>> a, b = V(2.0, label="a"), V(-3.0, label="b")
>>> problem = from_micrograd(a * b)
>>> problem.graph.nodes["L"], problem.values
(Node('L', loss = a*b), {'a': 2.0, 'b': -3.0})
"""

from __future__ import annotations

import hashlib
import keyword
from collections.abc import Iterable
from typing import Any

import sympy

from ..errors import SpecError
from ..graph.computation import ComputationGraph
from ..naming import is_identifier, symbol
from ..rules.functions import relu, sigmoid
from ..spec.problems import Problem
from .exact import exact

__all__ = ["OPS", "from_micrograd", "micrograd_nodes"]

#: The ops read, besides ``''`` (a leaf) and ``'**k'`` (a power).
OPS = {"+": None, "*": None, "ReLU": relu, "relu": relu, "tanh": sympy.tanh, "exp": sympy.exp,
       "log": sympy.log, "sigmoid": sigmoid}
MAX_VALUES = 100_000


def _parts(value: Any) -> tuple[float, list[Any], str]:
    for attribute in ("data", "_prev", "_op"):
        if not hasattr(value, attribute):
            raise SpecError(f"a micrograd-style value needs .data, ._prev and ._op; "
                            f"{str(value)[:60]!r} (a {type(value).__name__}) has no "
                            f".{attribute}")
    return value.data, list(value._prev), str(value._op)


def _walk(root: Any) -> list[Any]:
    """Every value reachable from ``root``, parents before children, in an order that depends
    on the structure only (not on the ids that order micrograd's sets)."""
    digests: dict[int, str] = {}
    values: dict[int, Any] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        value, expanded = stack.pop()
        if id(value) in digests:
            continue
        data, prev, op = _parts(value)
        if not expanded:
            stack.append((value, True))
            stack.extend((p, False) for p in prev if id(p) not in digests)
            continue
        if len(values) >= MAX_VALUES:
            raise SpecError(f"the graph has more than {MAX_VALUES:,} values")
        text = repr((op, repr(data), str(getattr(value, "label", "")),
                     sorted(digests[id(p)] for p in prev)))
        digests[id(value)] = hashlib.sha256(text.encode()).hexdigest()
        values[id(value)] = value
    order: list[Any] = []
    seen: set[int] = set()
    stack = [(root, False)]
    while stack:  # a post-order walk, parents sorted by digest: a topological order
        value, expanded = stack.pop()
        if expanded:
            order.append(value)
            continue
        if id(value) in seen:
            continue
        seen.add(id(value))
        stack.append((value, True))
        parents = sorted(_parts(value)[1], key=lambda p: digests[id(p)], reverse=True)
        stack.extend((p, False) for p in parents if id(p) not in seen)
    return order


def _usable(label: Any, taken: set[str]) -> bool:
    return (isinstance(label, str) and is_identifier(label) and not keyword.iskeyword(label)
            and label not in taken)


def micrograd_nodes(value: Any, *, parameters: Iterable[Any] | None = None,
                    inputs: Iterable[Any] = ()) -> dict[str, Any]:
    """The value behind each node of :func:`from_micrograd`'s graph (same arguments), by
    name, in topological order; the constants folded into formulas are not nodes.

    Examples
    --------
    >>> class V:
    ...     def __init__(self, data, prev=(), op=""):
    ...         self.data, self._prev, self._op = data, set(prev), op
    ...     def __add__(self, other):
    ...         return V(self.data + other.data, (self, other), "+")
    >>> x = V(1.5)
    >>> {name: v.data for name, v in micrograd_nodes(x + V(2.0), parameters=[x]).items()}
    {'v1': 1.5, 'L': 3.5}
    """
    chosen = {id(v) for v in (parameters or ())} | {id(v) for v in inputs}
    order = _walk(value)
    taken: set[str] = set()
    labels: dict[int, str] = {}
    for item in order:
        label = getattr(item, "label", "")
        if label and _usable(label, taken):
            labels[id(item)] = label
            taken.add(label)
    if id(value) not in labels and _usable("L", taken):
        labels[id(value)] = "L"
        taken.add("L")
    nodes: dict[str, Any] = {}
    counter = 0
    for item in order:
        is_leaf = not _parts(item)[1]
        if (is_leaf and id(item) not in chosen and not getattr(item, "label", "")
                and item is not value):
            continue  # a constant, folded into its child's formula
        name = labels.get(id(item))
        while name is None:
            counter += 1
            name = f"v{counter}" if f"v{counter}" not in taken else None
        nodes[name] = item
    return nodes


def _definition(item: Any, name: str, names: dict[int, str]) -> sympy.Expr:
    _, prev, op = _parts(item)

    def arg(parent: Any) -> sympy.Expr:
        return symbol(names[id(parent)]) if id(parent) in names else exact(
            _parts(parent)[0], where=f"a constant of node {name!r}")

    args = [arg(p) for p in prev]
    if op == "+" and len(args) in (1, 2):
        return sympy.Add(*args) if len(args) == 2 else 2 * args[0]
    if op == "*" and len(args) in (1, 2):
        return sympy.Mul(*args) if len(args) == 2 else args[0] ** 2
    if op.startswith("**") and len(args) == 1:
        try:
            power = float(op[2:])
        except ValueError:
            raise SpecError(f"node {name!r}: cannot read the power in op {op!r}") from None
        return args[0] ** exact(power, where=f"node {name!r}: op {op!r}")
    function = OPS.get(op)
    if function is not None and len(args) == 1:
        return function(args[0])
    if op in OPS or op.startswith("**"):
        raise SpecError(f"node {name!r}: op {op!r} with {len(args)} operands")
    raise SpecError(f"node {name!r}: unknown op {op!r}; from_micrograd reads '+', '*', '**k', "
                    f"{', '.join(repr(o) for o in OPS if o not in '+*')} (micrograd keeps the "
                    "operands of an op in a set, so an ordered '-' or '/' cannot be read)")


def from_micrograd(value: Any, *, parameters: Iterable[Any] | None = None,
                   inputs: Iterable[Any] = (), title: str = "") -> Problem:
    """The general graph of a micrograd-style ``Value`` (its root is the loss).

    Parameters
    ----------
    value : Value
        The root: what micrograd's ``backward()`` is called on.
    parameters : iterable of Value, optional
        The leaves to differentiate with respect to (default: the labelled leaves).
    inputs : iterable of Value
        Leaves that are inputs (held fixed).

    Raises
    ------
    SpecError
        For an object that is not a micrograd-style value, an op it does not read, no leaf to
        differentiate with respect to, or a node whose number differs from its ``.data``.

    Examples
    --------
    >>> class V:
    ...     def __init__(self, data, prev=(), op=""):
    ...         self.data, self._prev, self._op = data, set(prev), op
    ...     def __add__(self, other):
    ...         other = other if isinstance(other, V) else V(other)
    ...         return V(self.data + other.data, (self, other), "+")
    ...     def __mul__(self, other):
    ...         other = other if isinstance(other, V) else V(other)
    ...         return V(self.data * other.data, (self, other), "*")
    ...     def relu(self):
    ...         return V(max(self.data, 0.0), (self,), "ReLU")
    >>> x = V(-4.0)
    >>> z = x * 2 + 2 + x                     # micrograd's test_sanity_check begins so
    >>> problem = from_micrograd((z * z).relu(), parameters=[x])
    >>> [str(node) for node in problem.graph.nodes.values()]
    ["Node('v1', parameter)", "Node('v2', hidden = 2*v1)", "Node('v3', hidden = v2 + 2)", \
"Node('v4', hidden = v1 + v3)", "Node('v5', hidden = v4**2)", "Node('L', loss = relu(v5))"]
    """
    parameters = None if parameters is None else list(parameters)
    inputs = list(inputs)
    nodes = micrograd_nodes(value, parameters=parameters, inputs=inputs)
    names = {id(item): name for name, item in nodes.items()}
    input_ids = {id(v) for v in inputs}
    leaves = [name for name, item in nodes.items() if not _parts(item)[1]]
    if parameters is None:
        kinds = {name: "input" if id(nodes[name]) in input_ids else "parameter"
                 for name in leaves}
    else:
        parameter_ids = {id(v) for v in parameters}
        kinds = {name: "parameter" if id(nodes[name]) in parameter_ids else "input"
                 for name in leaves}
    if not leaves or (len(nodes) == 1):
        raise SpecError("no leaf to differentiate with respect to: give parameters=[...] (the "
                        "values to treat as weights) or label the leaves (.label)")
    definitions = {name: _definition(item, name, names) for name, item in nodes.items()
                   if name not in kinds}
    output = names[id(value)]
    graph = ComputationGraph.from_definitions(
        definitions, inputs=[n for n, k in kinds.items() if k == "input"],
        parameters=[n for n, k in kinds.items() if k == "parameter"], output=output,
        title=title)
    values = {name: float(nodes[name].data) for name in leaves}
    _check_data(graph, values, nodes)
    origins = {name: _origin(item) for name, item in nodes.items()}
    return Problem(graph=graph, values=values, title=title,
                   source="imported with symbackprop.from_micrograd", origins=origins)


def _origin(item: Any) -> str:
    data, _, op = _parts(item)
    label = getattr(item, "label", "")
    return f"Value(data={data!r}" + (f", op={op!r}" if op else "") + (
        f", label={label!r}" if label else "") + ")"


def _check_data(graph: ComputationGraph, values: dict[str, float], nodes: dict[str, Any]) -> None:
    forward = graph.forward(values)
    for name, item in nodes.items():
        data = float(item.data)
        if not abs(forward[name] - data) <= 1e-9 * max(1.0, abs(data)):
            raise SpecError(f"node {name!r} ({_origin(item)}): its parents give "
                            f"{forward[name]!r}, not its data {data!r}; its op is not what "
                            "from_micrograd reads it as")
