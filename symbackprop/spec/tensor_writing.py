"""Tensor problems out: a tensor problem written back as a ``[tensor]`` problem file
(:meth:`TensorProblem.to_toml <symbackprop.spec.tensor.TensorProblem.to_toml>`).

Every node's definition is printed in the matrix grammar (:func:`tensor_formula_text`) from its
IR, and read back by the grammar at once: a formula that would not read back as the same IR is
refused (naming the node) rather than written.  Every leaf is written with its values, floats
with ``repr`` (the shortest text that reads back as the same float64, so the file's numbers are
the problem's exactly), integer tensors with ``dtype = "int"``, a leaf without values by its
shape alone.  Where a problem says where its numbers come from (:attr:`TensorProblem.origins`,
``W1`` is ``model.fc1.weight``), that is written as comments at the top, as the scalar writer
(:mod:`symbackprop.spec.writing`) does.

Examples
--------
>>> from symbackprop.spec.problems import load_problem
>>> problem = load_problem("tensor_mlp")
>>> text = problem.to_toml()
>>> print(text[text.index("[tensor.nodes]"):], end="")
[tensor.nodes]
Z1 = "X @ W1 + b1"
H1 = "tanh(Z1)"
Z2 = "H1 @ W2 + b2"
L = "cross_entropy(Z2, y)"
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from ..errors import SpecError
from ..graph.tensor import TensorGraph
from ..rules.tensor.expr import Adj, AttrValue, Map, Op, Ref, TExpr
from ..rules.tensor.grammar import parse_tensor_formula
from ..rules.tensor.registry import OPS
from ..rules.vocabulary import FUNCTIONS
from .tensor_claims import TensorClaim
from .tomlwriter import dumps, origin_comments
from .writing import problem_head

__all__ = ["tensor_formula_text", "tensor_problem_toml"]

_KIND_TABLES = {"input": "inputs", "target": "targets", "parameter": "parameters",
                "constant": "constants"}
# sympy's class name of each elementwise function of the grammar
_SYMPY_NAMES = {getattr(func, "__name__", name): name for name, (func, _, _) in FUNCTIONS.items()
                if name not in ("max", "min")}
_SYMPY_NAMES.update({"Abs": "abs", "Max": "maximum", "Min": "minimum"})
# how tightly each printed form binds (a larger number binds tighter)
_SUM, _PRODUCT, _POSTFIX, _ATOM = 1, 2, 4, 5
# the same, as sympy's printers count it (sympy.printing.precedence.PRECEDENCE); a matrix
# product is parenthesised inside any elementwise product, negation included: 2*(X @ W),
# (X @ W)/3, -(X @ W), as a reader expects
_SYMPY_PRECEDENCE = {_SUM: PRECEDENCE["Add"], _PRODUCT: PRECEDENCE["Add"] - 1,
                     _POSTFIX: PRECEDENCE["Func"], _ATOM: PRECEDENCE["Atom"]}


class _MapPrinter(StrPrinter):
    """sympy's ``str`` printer with the matrix grammar's spelling of functions, numbers and
    constants; a slot bound to a compound argument prints as that argument."""

    def __init__(self, slots: Mapping[sympy.Symbol, tuple[str, int]],
                 names: frozenset[str]) -> None:
        super().__init__()
        self.slots, self.names = slots, names

    def _print_Symbol(self, expr: Any) -> str:
        return self.slots[expr][0] if expr in self.slots else str(expr.name)

    def parenthesize(self, item: Any, level: int, strict: bool = False) -> str:
        if item not in self.slots:
            return str(super().parenthesize(item, level, strict))
        text, binds = self.slots[item]
        own = _SYMPY_PRECEDENCE[binds]
        return f"({text})" if own < level or (strict and own <= level) else text

    def _print_Function(self, expr: Any) -> str:
        name = _SYMPY_NAMES.get(type(expr).__name__)
        if name is None:
            raise SpecError(f"the function {type(expr).__name__!r}")
        args = [self._print(arg) for arg in expr.args]
        if name in ("maximum", "minimum"):  # sympy's Max and Min take any number
            text = args[0]
            for arg in args[1:]:
                text = f"{name}({text}, {arg})"
            return text
        return f"{name}({', '.join(args)})"

    _print_Abs = _print_Function
    _print_Max = _print_Function
    _print_Min = _print_Function

    def _print_Exp1(self, expr: Any) -> str:
        return "exp(1)" if "e" in self.names else "e"

    def _print_Pi(self, expr: Any) -> str:
        if "pi" in self.names:
            raise SpecError("the constant pi (a node is named pi)")
        return "pi"

    def _print_Float(self, expr: Any) -> str:
        return repr(float(expr))

    def emptyPrinter(self, expr: Any) -> str:
        raise SpecError(f"{type(expr).__name__} ({expr})")


def _attr_text(value: AttrValue) -> str:
    if isinstance(value, tuple):
        return f"({', '.join(map(str, value))}{',' if len(value) == 1 else ''})"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _printed(expr: TExpr, names: frozenset[str]) -> tuple[str, int]:
    """``expr`` in the matrix grammar, and how tightly the text binds."""
    if isinstance(expr, Ref):
        return expr.name, _ATOM
    if isinstance(expr, Adj):
        raise SpecError(f"the adjoint {expr} (a definition reads values, not adjoints)")
    if isinstance(expr, Map):
        slots = {slot: _printed(arg, names) for slot, arg in expr.bindings.items()
                 if not isinstance(arg, Ref)}
        text = _MapPrinter(slots, names).doprint(expr.expr)
        bare = expr.expr.is_Symbol or expr.expr.is_Function or (
            expr.expr.is_Number and expr.expr.is_nonnegative and expr.expr.is_Integer)
        return text, _ATOM if bare else _SUM
    spec = OPS.get(expr.name)
    if spec is None or spec.backward_only:
        raise SpecError(f"the operation {expr.name!r}, which formulas do not write")
    if expr.name == "matmul":
        left = _operand(expr.args[0], names, _PRODUCT)
        right = _operand(expr.args[1], names, _POSTFIX)
        return f"{left} @ {right}", _PRODUCT
    if expr.name == "transpose" and expr.attr("axes") is None:
        return f"{_operand(expr.args[0], names, _POSTFIX)}.T", _POSTFIX
    if expr.name == "index":
        picks = expr.attr("indices")
        shown_picks = picks if isinstance(picks, tuple) else (picks,)
        return (f"{_operand(expr.args[0], names, _POSTFIX)}"
                f"[{', '.join(map(str, shown_picks))}]"), _POSTFIX
    args = [_printed(arg, names)[0] for arg in expr.args]
    attrs = [f"{key}={_attr_text(value)}" for key, value in expr.attrs
             if value != spec.attrs[key].default or type(value) is not type(
                 spec.attrs[key].default)]
    return f"{expr.name}({', '.join(args + attrs)})", _ATOM


def _operand(expr: TExpr, names: frozenset[str], least: int) -> str:
    """``expr`` as an operand that needs to bind at least as tightly as ``least``."""
    text, binds = _printed(expr, names)
    return text if binds >= least else f"({text})"


def _key(expr: TExpr) -> Any:
    """``expr`` up to the order of a :class:`Map`'s slots (which follows the order its
    arguments were written in): each slot is named by its argument."""
    if isinstance(expr, Map):
        named = {slot: sympy.Symbol(repr(_key(arg))) for slot, arg in expr.bindings.items()}
        return ("map", expr.expr.xreplace(named), expr.shape)
    if isinstance(expr, Op):
        return ("op", expr.name, tuple(_key(arg) for arg in expr.args), expr.attrs, expr.shape,
                expr.dtype)
    return expr


def tensor_formula_text(expr: TExpr, names: Mapping[str, Ref], *,
                        where: str = "formula") -> str:
    """``expr`` (a node's definition over the nodes ``names``) as formula text in the matrix
    grammar, checked to read back as ``expr``.

    Raises
    ------
    SpecError
        When ``expr`` holds what a formula cannot (an adjoint, a backward-only operation, a
        function outside the grammar) or prints as text that reads back as something else;
        the message starts with ``where``.

    Examples
    --------
    >>> from symbackprop.rules.tensor.grammar import parse_tensor_formula
    >>> names = {"X": Ref("X", (4, 3)), "W": Ref("W", (5, 3)), "b": Ref("b", (5,))}
    >>> expr = parse_tensor_formula("maximum(X @ W.T + b, 0) / 2", names)
    >>> tensor_formula_text(expr, names)
    'maximum(0, X @ W.T + b)/2'
    >>> expr = parse_tensor_formula("softmax(reshape(X, shape=(3, 4)), axis=0)[1]", names)
    >>> tensor_formula_text(expr, names)
    'softmax(reshape(X, shape=(3, 4)), axis=0)[1]'
    """
    try:
        text = _printed(expr, frozenset(names))[0]
    except SpecError as err:
        raise SpecError(f"{where}: cannot write {err} as a tensor formula") from None
    again = parse_tensor_formula(text, names, where=where, max_length=None, max_depth=None)
    if _key(again) != _key(expr):
        raise SpecError(f"{where}: the formula {text!r} would read back as {again!r}, not as "
                        f"{expr!r}; the definition cannot be written as a formula")
    return text


def tensor_problem_toml(
    graph: TensorGraph,
    values: Mapping[str, np.ndarray],
    *,
    title: str = "",
    source: str = "",
    description: str = "",
    learning_rate: float | None = None,
    claims: Sequence[TensorClaim] = (),
    origins: Mapping[str, str] | None = None,
    seed: int = 0,
) -> str:
    """The ``[tensor]`` problem file of a tensor problem's parts (what
    :meth:`TensorProblem.to_toml <symbackprop.spec.tensor.TensorProblem.to_toml>` writes).

    Raises
    ------
    SpecError
        When the graph holds what a file cannot: a node of an expanded composite (``Y.mu``),
        or a definition the grammar cannot write (the message names the node).

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph(
    ...     [TensorNode("x", "input", (2,)), TensorNode("y", "target", (), "int")],
    ...     {"L": "cross_entropy(x, y)"}, "L")
    >>> print(tensor_problem_toml(graph, {"x": np.array([0.5, -1.0]), "y": np.array(1)},
    ...                           origins={"x": "x[0]"}), end="")
    # Where the numbers come from:
    #   x  x[0]
    <BLANKLINE>
    [tensor]
    output = "L"
    <BLANKLINE>
    [tensor.inputs]
    x = [0.5, -1.0]
    <BLANKLINE>
    [tensor.targets]
    <BLANKLINE>
    [tensor.targets.y]
    shape = []
    dtype = "int"
    values = 1
    <BLANKLINE>
    [tensor.nodes]
    L = "cross_entropy(x, y)"
    """
    dotted = [name for name in graph.order if "." in name]
    if dotted:
        raise SpecError(f"cannot write node {dotted[0]!r} as a problem file: it is a part of "
                        "an expanded composite (batch_norm, layer_norm); write the problem "
                        "loaded without expanding it (the file's expand = true does it again)")
    data = problem_head(title, source, description, learning_rate)
    table: dict[str, Any] = {"output": graph.output}
    if seed:
        table["seed"] = seed
    for kind, key in _KIND_TABLES.items():
        leaves = {name: _leaf(graph, name, values) for name in graph.kind_of(kind)}
        if leaves:
            table[key] = leaves
    known = {name: graph.node(name).ref for name in graph.leaves}
    nodes: dict[str, str] = {}
    for name in graph.order:
        node = graph.node(name)
        if node.definition is None:
            continue
        nodes[name] = tensor_formula_text(node.definition, known, where=f"node {name!r}")
        known[name] = node.ref
    table["nodes"] = nodes
    data["tensor"] = table
    if claims:
        data["claims"] = [_claim_table(claim) for claim in claims]
    return dumps(data, comments=origin_comments(origins))


def _leaf(graph: TensorGraph, name: str, values: Mapping[str, np.ndarray]) -> Any:
    """A leaf as a file writes it: its values (a number or nested lists), in a table with its
    shape where the shape or the dtype cannot be read from them."""
    node = graph.node(name)
    if name not in values:
        table: dict[str, Any] = {"shape": list(node.shape)}
        if node.dtype == "int":
            table["dtype"] = "int"
        return table
    array = np.asarray(values[name])
    entries = array.astype(int if node.dtype == "int" else float).tolist()
    if node.dtype == "int":
        return {"shape": list(node.shape), "dtype": "int", "values": entries}
    return entries



def _claim_table(claim: TensorClaim) -> dict[str, Any]:
    """A claim as its ``[[claims]]`` table: the numbers as printed (``Decimal``, so each
    entry keeps the digits its tolerance is read from), nested to the shape given."""
    table: dict[str, Any] = {"of": claim.of}
    if claim.value is not None:
        nested: Any = np.array(claim.value, dtype=object).reshape(claim.shape or ()).tolist()
        table["value"] = nested
    if claim.expression_text is not None:
        table["expression"] = claim.expression_text
    if claim.tolerance is not None:
        table["tolerance"] = float(claim.tolerance)
    return table
