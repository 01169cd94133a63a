"""The claims of a tensor problem file: a gradient or a value, as numbers or as a formula.

A claim names what it states with ``of``: ``dL/dW1`` (the gradient of the loss, the file's
``output``, with respect to any float tensor, an intermediate such as ``dL/dhpreact``
included) or a node's name (its forward value).  It gives a ``value`` (nested lists of
numbers, of that tensor's shape or not: a wrong shape is judged, not refused; each entry's
printed digits set its tolerance, or the claim's ``tolerance`` sets every entry's) and/or an
``expression`` in the matrix grammar (:mod:`symbackprop.rules.tensor.grammar`).

In an expression, ``grad(NAME)`` is the gradient of the loss with respect to node ``NAME``
(its adjoint, ``δNAME``): a call, so it cannot clash with a tensor's own name (``dW``,
``data`` or ``grad`` may all be tensors).  As a shorthand, a bare ``dNAME`` is the adjoint of
``NAME`` when the file declares no tensor called ``dNAME`` (a declared name wins).

Examples
--------
>>> from decimal import Decimal as D
>>> from symbackprop.graph.tensor import TensorNode
>>> from symbackprop.graph.tensor_build import build_tensor_graph
>>> graph = build_tensor_graph(
...     [TensorNode("X", "input", (2, 2)), TensorNode("W", "parameter", (2, 1))],
...     {"Z": "X @ W", "L": "sum(tanh(Z))"}, "L")
>>> claims = read_tensor_claims([{"of": "dL/dW", "expression": "X.T @ grad(Z)"},
...                              {"of": "Z", "value": [[D("0.5")], [D("-1.25")]]}],
...                             graph, "f.toml")
>>> claims
(TensorClaim(dL/dW = X.T @ grad(Z)), TensorClaim(Z = [[0.5], [-1.25]]))
>>> claims[0].expression, claims[1].shape
(Op(X.T @ δZ, (2, 1)), (2, 1))
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from decimal import Decimal
from typing import Any

import numpy as np

from ..errors import FormulaError, SpecError
from ..graph.tensor import TensorGraph
from ..limits import MAX_CLAIMS, MAX_TENSOR_ENTRIES
from ..rules.tensor.expr import Adj, Map, Op, Ref, Shape, TExpr, adjoint_symbol, walk
from ..rules.tensor.grammar import parse_tensor_formula
from .fields import as_table, check_keys, describe, number, text

__all__ = ["TENSOR_CLAIM_KEYS", "TensorClaim", "adjoint_names", "claim_numbers", "nested_numbers",
           "parse_claim_expression", "read_tensor_claims", "tensor_asked"]

TENSOR_CLAIM_KEYS = ("of", "value", "expression", "tolerance", "comment")
_GRADIENT = re.compile(r"\s*d\s*([A-Za-z_]\w*)\s*/\s*d\s*([A-Za-z_][\w.]*)\s*\Z")
_NAME = re.compile(r"\s*([A-Za-z_][\w.]*)\s*\Z")
_GRAD_CALL = re.compile(r"\bgrad\s*\(\s*([A-Za-z_]\w*)\s*\)")


@dataclass(frozen=True)
class TensorClaim:
    """One claim of a tensor problem.

    Attributes
    ----------
    of : str
        As written: ``dL/dW1`` or ``Z1``.
    kind : {"gradient", "value"}
    node : str
        The tensor the gradient is taken with respect to, or whose value is stated.
    index : int
        1-based position in the file.
    value : tuple of Decimal, or None
        The numbers as printed, flattened in numpy's (row-major) order.
    shape : tuple of int, or None
        The shape of the nested lists given.
    expression : TExpr or None
        The formula's IR (``grad(NAME)`` and ``dNAME`` read as the adjoint :class:`Adj`).
    expression_text : str or None
    tolerance : float or None
        Every entry's tolerance, overriding the printed digits.
    problem : str or None
        Why the formula could not be read (the claim is then an ``error`` of the check).

    Examples
    --------
    >>> TensorClaim("dL/dW", "gradient", "W", 1, (Decimal("1.5"),), (1,)).entries
    1
    """

    of: str
    kind: str
    node: str
    index: int
    value: tuple[Decimal, ...] | None = None
    shape: Shape | None = None
    expression: TExpr | None = None
    expression_text: str | None = None
    tolerance: float | None = None
    problem: str | None = None

    @property
    def entries(self) -> int:
        """How many numbers the claim gives."""
        return 0 if self.value is None else len(self.value)

    def __repr__(self) -> str:
        if self.value is None:
            claimed = str(self.expression_text)
        else:
            assert self.shape is not None  # a value always comes with its shape
            claimed = str(np.array([str(v) for v in self.value], dtype=object)
                          .reshape(self.shape).tolist()).replace("'", "")
        return f"TensorClaim({self.of} = {claimed})"


def nested_numbers(value: Any, where: str) -> tuple[tuple[Decimal, ...], Shape]:
    """The numbers of nested lists (or one number), flattened in row-major order, and their
    shape; ragged lists, booleans and text are refused.

    Raises
    ------
    SpecError
        Naming ``where`` and what is wrong.

    Examples
    --------
    >>> nested_numbers([[1, Decimal("2.50")], [3, 4]], "x")
    ((Decimal('1'), Decimal('2.50'), Decimal('3'), Decimal('4')), (2, 2))
    >>> nested_numbers([[1, 2], [3]], "f.toml: claim 1 value")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f.toml: claim 1 value: the nested lists are ragged (rows of \
different lengths)
    """
    flat: list[Decimal] = []

    def shape_of(item: Any, depth: int) -> Shape:
        if depth > 8:
            raise SpecError(f"{where}: nested more than 8 deep")
        if isinstance(item, list):
            shapes = {shape_of(entry, depth + 1) for entry in item}
            if len(shapes) > 1:
                raise SpecError(f"{where}: the nested lists are ragged (rows of different "
                                "lengths)")
            inner = shapes.pop() if shapes else ()
            return (len(item), *inner)
        number(item, where)
        flat.append(item if isinstance(item, Decimal) else Decimal(repr(item)) if isinstance(
            item, float) else Decimal(item))
        return ()

    shape = shape_of(value, 0)
    MAX_TENSOR_ENTRIES.check(len(flat), where, "entries")
    return tuple(flat), shape


def adjoint_names(graph: TensorGraph) -> dict[str, Ref]:
    """The shorthand ``dNAME`` for each float node ``NAME`` whose ``dNAME`` the file does not
    declare (a declared name wins), as a :class:`Ref` of that name and ``NAME``'s shape.

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("W", "parameter", (2,)),
    ...                             TensorNode("dW", "input", (2,))], {"L": "sum(W * dW)"}, "L")
    >>> sorted(adjoint_names(graph))
    ['dL', 'ddW']
    """
    return {f"d{name}": Ref(f"d{name}", node.shape) for name, node in graph.nodes.items()
            if node.dtype == "float" and "." not in name and f"d{name}" not in graph.nodes}


def parse_claim_expression(written: str, graph: TensorGraph, *, where: str = "expression"
                           ) -> TExpr:
    """The IR of a claim's formula: the graph's nodes by name, ``grad(NAME)`` and (for a name
    the file does not declare) ``dNAME`` the adjoint ``δNAME``.

    Raises
    ------
    FormulaError
        As :func:`~symbackprop.rules.tensor.grammar.parse_tensor_formula` does, quoting the
        formula as written; ``grad`` of a name that is not a float node.

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("H", "input", (3,)), TensorNode(
    ...     "grad", "parameter", (3,))], {"L": "sum(grad * tanh(H))"}, "L")
    >>> parse_claim_expression("grad * (1 - tanh(H)**2) * dL", graph)
    Map(grad*δL*(1 - tanh(H)**2), (3,))
    >>> parse_claim_expression("grad(grad) + grad(H)", graph)
    Map(δH + δgrad, (3,))
    """
    names: dict[str, Ref] = {**adjoint_names(graph),
                             **{n: node.ref for n, node in graph.nodes.items()}}
    taken = set(names)
    stand_ins: dict[str, str] = {}

    def stand_in(match: re.Match[str]) -> str:
        node = match.group(1)
        if node not in graph.nodes or graph.node(node).dtype != "float":
            raise SpecError(f"{where}: in formula {written!r}: grad({node}): "
                            + (f"{node!r} holds integers: it has no gradient"
                               if node in graph.nodes else f"no tensor is called {node!r}"))
        name = f"grad_{node}_"
        while name in taken:
            name += "_"
        taken.add(name)
        stand_ins[name] = node
        names[name] = Ref(name, graph.node(node).shape)
        return name

    rewritten = _GRAD_CALL.sub(stand_in, written)
    try:
        parsed = parse_tensor_formula(rewritten, names, where=where)
    except FormulaError as err:
        message = str(err)
        for name, node in stand_ins.items():
            message = message.replace(name, f"grad({node})")
        raise FormulaError(message) from None
    adjoints = {name: node for name, node in stand_ins.items()}
    adjoints.update({short: short[1:] for short in adjoint_names(graph)})
    return _as_adjoints(parsed, adjoints, graph)


def _as_adjoints(expr: TExpr, adjoints: Mapping[str, str], graph: TensorGraph) -> TExpr:
    """``expr`` with each stand-in's :class:`Ref` replaced by the adjoint it stands for."""
    replaced = {ref: Adj(adjoints[ref.name], graph.node(adjoints[ref.name]).shape)
                for ref in walk(expr) if isinstance(ref, Ref) and ref.name in adjoints}
    if not replaced:
        return expr
    return _replace(expr, replaced)


def _replace(expr: TExpr, replaced: Mapping[Any, TExpr]) -> TExpr:
    if expr in replaced:
        return replaced[expr]
    if isinstance(expr, Map):
        args = tuple(_replace(a, replaced) for a in expr.args)
        symbols = {slot: adjoint_symbol(new.name) for slot, old, new in
                   zip(expr.slots, expr.args, args, strict=True)
                   if isinstance(new, Adj) and isinstance(old, Ref) and old.symbol == slot}
        return Map(expr.expr.xreplace(symbols),
                   tuple(symbols.get(s, s) for s in expr.slots), args, expr.shape)
    if isinstance(expr, Op):
        return dc_replace(expr, args=tuple(_replace(a, replaced) for a in expr.args))
    return expr


def read_tensor_claims(value: Any, graph: TensorGraph, name: str) -> tuple[TensorClaim, ...]:
    """The claims of tensor file ``name`` (its ``claims`` array), read against ``graph``.

    Raises
    ------
    SpecError
        Naming the file, the claim's number and what is wrong (an unknown tensor, a
        gradient of something other than the loss, no value and no expression ...).

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("w", "parameter", (2,))], {"L": "sum(w**2)"},
    ...                            "L")
    >>> read_tensor_claims([{"of": "dL/dv", "value": [1, 2]}], graph, "f.toml")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f.toml: claim 1 (dL/dv): no tensor is called 'v'
    """
    if not isinstance(value, list):
        raise SpecError(f"{name}: claims: must be an array of tables ([[claims]]), got "
                        f"{describe(value)}")
    MAX_CLAIMS.check(len(value), f"{name}: claims", "claims")
    return tuple(_claim(as_table(entry, f"{name}: claims[{i}]"), i, graph, name)
                 for i, entry in enumerate(value, 1))


def tensor_asked(of: str, graph: TensorGraph, where: str) -> tuple[str, str]:
    """What ``of`` asks of a tensor problem: ``("gradient", NAME)`` for ``dLOSS/dNAME``,
    ``("value", NAME)`` for a tensor's name; refused (naming ``where``) otherwise.

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> graph = load_problem("tensor_mlp").graph
    >>> tensor_asked("dL/dW1", graph, "q1"), tensor_asked("Z1", graph, "q2")
    (('gradient', 'W1'), ('value', 'Z1'))
    >>> tensor_asked("dL/dy", graph, "q3")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: q3: 'y' holds integers: it has no gradient
    """
    gradient, plain = _GRADIENT.match(of), _NAME.match(of)
    if gradient is not None:
        loss, node, kind = gradient.group(1), gradient.group(2), "gradient"
        if loss != graph.output:
            raise SpecError(f"{where}: the tensor level states gradients of the loss, "
                            f"d{graph.output}/dNAME, not of {loss!r}")
    elif plain is not None:
        node, kind = plain.group(1), "value"
    else:
        raise SpecError(f"{where}: 'of' is dLOSS/dNAME (a gradient) or NAME (a value)")
    if node not in graph.nodes:
        raise SpecError(f"{where}: no tensor is called {node!r}")
    if kind == "gradient" and graph.node(node).dtype != "float":
        raise SpecError(f"{where}: {node!r} holds integers: it has no gradient")
    return kind, node


def _claim(entry: Mapping[str, Any], index: int, graph: TensorGraph, name: str) -> TensorClaim:
    of = text(entry.get("of"), f"{name}: claim {index} of") if "of" in entry else None
    if of is None:
        raise SpecError(f"{name}: claim {index}: missing key 'of'")
    where = f"{name}: claim {index} ({of.strip()})"
    check_keys(entry, TENSOR_CLAIM_KEYS, where)
    kind, node = tensor_asked(of, graph, where)
    if "value" not in entry and "expression" not in entry:
        raise SpecError(f"{where}: give a value or an expression")
    numbers = shape = None
    if "value" in entry:
        numbers, shape = nested_numbers(entry["value"], f"{where} value")
    tolerance = None
    if "tolerance" in entry:
        tolerance = number(entry["tolerance"], f"{where} tolerance")
        if not tolerance >= 0:
            raise SpecError(f"{where} tolerance: must be at least 0")
    expression = written = problem = None
    if "expression" in entry:
        written = text(entry["expression"], f"{where} expression")
        try:
            expression = parse_claim_expression(written, graph, where=f"{where} expression")
        except SpecError as err:  # FormulaError is one: the other claims are still judged
            problem = str(err)
    return TensorClaim(of.strip(), kind, node, index, numbers, shape, expression, written,
                       tolerance, problem)


def claim_numbers(claim: TensorClaim) -> np.ndarray:
    """The claim's numbers as floats, in its shape.

    Examples
    --------
    >>> claim_numbers(TensorClaim("w", "value", "w", 1, (Decimal("1.5"), Decimal(2)), (2,)))
    array([1.5, 2. ])
    """
    if claim.value is None or claim.shape is None:
        raise SpecError(f"claim {claim.index} ({claim.of}) gives no numbers")
    return np.array([float(v) for v in claim.value]).reshape(claim.shape)
