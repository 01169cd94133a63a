"""The matrix grammar: formula text to IR over the graph's nodes, with every shape inferred.

:func:`parse_tensor_formula` reads a formula (:mod:`symbackprop.rules.tensor.syntax`) and
builds its IR through a :class:`~symbackprop.rules.tensor.build.Builder`: elementwise
arithmetic and functions become one fused :class:`~symbackprop.rules.tensor.expr.Map`
(numpy's broadcasting), ``@`` a ``matmul``, ``.T`` a ``transpose``, ``X[i]`` an ``index``,
and a call of an operation of the registry (``softmax(Z, axis=1)``) that operation, its
attributes given by keyword or, after its tensors, by position.  Every error names where
(the file, the table and the node), quotes the formula, points at the column, and names the
operation and the shapes that do not fit.

Names: a name declared in ``names`` is that node (whatever its name: ``exp``, ``pi``, ``e``
and ``S`` included); ``pi`` and ``e`` are the constants otherwise.

Examples
--------
>>> from symbackprop.rules.tensor.expr import Ref
>>> names = {"X": Ref("X", (4, 3)), "W1": Ref("W1", (3, 5)), "b1": Ref("b1", (5,))}
>>> parse_tensor_formula("tanh(X @ W1 + b1)", names)
Map(tanh((X @ W1) + b1), (4, 5))
>>> parse_tensor_formula("X @ W1.T", names, where="f.toml: [tensor.nodes] Z")
Traceback (most recent call last):
    ...
symbackprop.errors.FormulaError: f.toml: [tensor.nodes] Z: in formula 'X @ W1.T', column 3: \
'@' (matmul) of shapes (4, 3) and (5, 3): the inner dimensions differ (3 and 5): A @ B needs \
A's last dimension equal to B's first (of its last two)
    X @ W1.T
      ^
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import sympy

from ...errors import FormulaError, SpecError
from ...limits import MAX_NUMBER_BITS
from ..lexing import clip, exact_limit, formula_error, undefined_name, unknown_function
from ..vocabulary import CONSTANTS, DEFAULTS, FUNCTIONS
from .build import Builder
from .expr import AttrValue, Map, Ref, TExpr
from .opspec import ShapeError
from .registry import FORMULA_OPS, OPS
from .syntax import parse_syntax
from .tree import Binary, Call, Index, Name, Num, Syntax, Transpose, Tuple, Unary

__all__ = ["ELEMENTWISE", "TENSOR_CALLS", "literal_positions", "names_used",
           "parse_tensor_formula", "tensor_free_names"]

#: the elementwise functions: name -> (sympy callable, least and most arguments, the keyword
#: of the second argument where it is a parameter given as a number)
ELEMENTWISE: Mapping[str, tuple[Callable[..., sympy.Expr], int, int, str]] = {
    **{name: (func, least, most or least, "") for name, (func, least, most) in FUNCTIONS.items()
       if name not in ("max", "min")},
    "leaky_relu": (FUNCTIONS["leaky_relu"][0], 2, 2, "slope"),
    "elu": (FUNCTIONS["elu"][0], 1, 2, "alpha"),
    "huber": (FUNCTIONS["huber"][0], 1, 2, "delta"),
    "smooth_l1": (FUNCTIONS["smooth_l1"][0], 1, 2, "beta"),
    "maximum": (sympy.Max, 2, 2, ""),
    "minimum": (sympy.Min, 2, 2, ""),
}

#: every function a tensor formula may call, sorted
TENSOR_CALLS: tuple[str, ...] = tuple(sorted({*ELEMENTWISE, *FORMULA_OPS, "dropout"}))


def literal_positions(name: str) -> int:
    """How many positional arguments of a call of ``name`` are tensors (the rest are an
    operation's attributes given by position).

    Examples
    --------
    >>> literal_positions("sum"), literal_positions("cross_entropy"), literal_positions("tanh")
    (1, 2, 1)
    """
    if name in OPS and name not in ELEMENTWISE:
        spec = OPS[name]
        return 10**6 if spec.variadic else len(spec.params)
    if name == "dropout":
        return 2
    return ELEMENTWISE[name][2] if name in ELEMENTWISE else 10**6


def names_used(tree: Syntax) -> Iterator[str]:
    """The names ``tree`` reads as tensors or constants: not the functions it calls, nor an
    attribute's value.

    Examples
    --------
    >>> from symbackprop.rules.tensor.syntax import parse_syntax
    >>> sorted(set(names_used(parse_syntax("cross_entropy(Z, y, reduction=sum) + pi"))))
    ['Z', 'pi', 'y']
    """
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Name):
            yield node.name
        elif isinstance(node, Unary | Transpose | Index):
            stack.append(node.operand)
        elif isinstance(node, Binary):
            stack += [node.left, node.right]
        elif isinstance(node, Tuple):
            stack += list(node.items)
        elif isinstance(node, Call):
            tensors = literal_positions(node.name)
            stack += [a for i, a in enumerate(node.args) if i < tensors]


def tensor_free_names(text: str, *, where: str = "formula") -> frozenset[str]:
    """The names a formula reads, from its syntax alone (so a graph can order its nodes
    before any shape is known).

    Examples
    --------
    >>> sorted(tensor_free_names("softmax(X @ W, axis=1) * mask"))
    ['W', 'X', 'mask']
    """
    return frozenset(names_used(parse_syntax(text, where=where)))


def parse_tensor_formula(text: str, names: Mapping[str, Ref], *, where: str = "formula",
                         max_length: int | None = None,
                         max_depth: int | None = None) -> TExpr:
    """The IR of ``text`` over the nodes ``names`` (each a :class:`Ref` with its shape).

    Raises
    ------
    FormulaError
        Naming ``where``, quoting the formula with a caret at the column, and saying what is
        wrong: the grammar, an undefined name, an unknown function or attribute, or an
        operation whose shapes do not fit (a :class:`ShapeError`, naming both shapes).
    SpecError
        A shape past the tensor limits (:data:`~symbackprop.limits.MAX_TENSOR_ENTRIES` ...),
        refused before anything is computed.

    Examples
    --------
    >>> from symbackprop.rules.tensor.expr import Ref
    >>> names = {"Z": Ref("Z", (4, 3)), "y": Ref("y", (4,), "int")}
    >>> parse_tensor_formula("cross_entropy(Z, y)", names)
    Op(cross_entropy(Z, y), ())
    >>> parse_tensor_formula("sum(Z, 0) / 4 - pi", names)
    Map(sum(Z, axis=0)/4 - pi, (3,))
    """
    tree = parse_syntax(text, where=where, max_length=max_length, max_depth=max_depth)
    return _Lowering(text, where, names).lower(tree)


class _Lowering:
    def __init__(self, text: str, where: str, names: Mapping[str, Ref]) -> None:
        self.text, self.where, self.names = text, where, names
        self.build = Builder()

    def fail(self, problem: str, pos: int) -> FormulaError:
        return formula_error(self.text, self.where, problem, pos)

    def _guard(self, pos: int, make: Callable[[], TExpr]) -> TExpr:
        """``make()``, its shape errors (and limits) reported at column ``pos``."""
        try:
            return make()
        except ShapeError as err:
            raise self.fail(err.problem, pos) from None
        except FormulaError:
            raise
        except SpecError as err:
            raise self.fail(str(err), pos) from None

    def lower(self, node: Syntax) -> TExpr:
        if isinstance(node, Num):
            return self.build.map(_number(node.text), [])
        if isinstance(node, Name):
            return self._name(node)
        if isinstance(node, Unary):
            operand = self.lower(node.operand)
            if node.op == "+":
                return operand
            return self._guard(node.pos, lambda: self.build.ew(lambda s: -s, operand))
        if isinstance(node, Binary):
            return self._binary(node)
        if isinstance(node, Transpose):
            operand = self.lower(node.operand)
            return self._guard(node.pos, lambda: self.build.op("transpose", operand))
        if isinstance(node, Index):
            operand = self.lower(node.operand)
            return self._guard(node.pos, lambda: self.build.op("index", operand,
                                                               indices=node.indices))
        if isinstance(node, Tuple):
            raise self.fail("a tuple is only an attribute's value, such as axis=(0, 1)",
                            node.pos)
        return self._call(node)

    def _name(self, node: Name) -> TExpr:
        name = node.name
        if name in self.names:
            return self.names[name]
        if name in CONSTANTS:
            return self.build.map(CONSTANTS[name], [])
        if name in TENSOR_CALLS:
            raise self.fail(f"'{name}' is a function; call it as {name}(...)", node.pos)
        if name in ("True", "False", "None") or keyword.iskeyword(name):
            raise self.fail(f"'{name}' is only an attribute's value, such as keepdims=True",
                            node.pos)
        raise self.fail(undefined_name(name, list(self.names)), node.pos)

    def _binary(self, node: Binary) -> TExpr:
        left, right = self.lower(node.left), self.lower(node.right)
        if node.op == "@":
            return self._guard(node.pos, lambda: self.build.op("matmul", left, right))
        if node.op == "**":
            self._check_power(left, right, node.pos)
        operations: dict[str, Callable[[Any, Any], Any]] = {
            "+": lambda a, c: a + c, "-": lambda a, c: a - c, "*": lambda a, c: a * c,
            "/": lambda a, c: a / c, "**": lambda a, c: a**c}
        return self._guard(node.pos, lambda: self.build.ew(operations[node.op], left, right,
                                                           what=node.op))

    def _check_power(self, base: TExpr, exponent: TExpr, pos: int) -> None:
        """Refuse an exact power of numbers too large to compute (``2**10**10``)."""
        if not (isinstance(base, Map) and isinstance(exponent, Map)) or base.args or \
                exponent.args or not exponent.expr.is_Rational:
            return
        bits = abs(exponent.expr.p) * sum(max(abs(r.p), r.q).bit_length() - 1
                                          for r in base.expr.atoms(sympy.Rational))
        if bits > MAX_NUMBER_BITS.value():
            raise self.fail(f"power too large to compute exactly; {exact_limit()}", pos)

    # -- calls -------------------------------------------------------------------------------
    def _call(self, node: Call) -> TExpr:
        name = node.name
        if name in ELEMENTWISE or name == "dropout":
            return self._elementwise(node)
        if name in FORMULA_OPS:
            return self._operation(node)
        if name in self.names:
            raise self.fail(f"'{clip(name)}' is a name, not a function; write '{clip(name)}*(...)' "
                            "to multiply or '@' for a matrix product", node.pos)
        raise self.fail(unknown_function(name, TENSOR_CALLS), node.pos)

    def _elementwise(self, node: Call) -> TExpr:
        if node.name == "dropout":
            return self._dropout(node)
        func, least, most, parameter = ELEMENTWISE[node.name]
        args = [self.lower(a) for a in node.args]
        for key, value, pos in node.keywords:
            if key != parameter:
                raise self.fail(f"{node.name}() has no attribute {key!r}"
                                + (f"; its parameter is {parameter}=" if parameter else ""), pos)
            args.append(self.build.map(self._number_literal(value, key), []))
        if not least <= len(args) <= most:
            count = f"exactly {least}" if least == most else f"{least} or {most}"
            raise self.fail(f"{node.name}() takes {count} arguments ({len(args)} given)",
                            node.pos)
        defaults = DEFAULTS.get(node.name, ())
        extra = [self.build.map(d, []) for d in defaults[len(defaults) - (most - len(args)):]]
        arguments = [*args, *extra] if len(args) < most else args
        return self._guard(node.pos, lambda: self.build.ew(func, *arguments, what=node.name))

    def _dropout(self, node: Call) -> TExpr:
        args = list(node.args)
        keywords = {k: v for k, v, _ in node.keywords}
        if set(keywords) - {"p"} or len(args) + len(keywords) != 3 or len(args) < 2:
            raise self.fail("dropout(x, mask, p) takes the tensor, its mask of 0 and 1, and "
                            "the probability p of dropping", node.pos)
        p = self._number_literal(keywords["p"] if "p" in keywords else args.pop(), "p")
        if not 0 <= p < 1:
            raise self.fail(f"dropout's p must be at least 0 and below 1, got {p}", node.pos)
        x, mask = (self.lower(a) for a in args)
        keep = 1 - p
        return self._guard(node.pos, lambda: self.build.ew(lambda a, m: a * m / keep, x, mask))

    def _operation(self, node: Call) -> TExpr:
        name, spec = node.name, OPS[node.name]
        tensors = literal_positions(name)
        args = [self.lower(a) for a in node.args[:tensors]]
        attrs: dict[str, AttrValue] = {}
        positional = node.args[tensors:]
        if len(positional) > len(spec.attrs):
            extra = positional[len(spec.attrs)]
            hint = (f"; for the elementwise {'maximum' if name == 'max' else 'sum'} of tensors "
                    f"write {'maximum(a, b)' if name == 'max' else 'a + b'}"
                    if name in ("max", "sum") else "")
            raise self.fail(f"{name}() takes {len(spec.params)} tensor argument(s) and the "
                            f"attributes {', '.join(spec.attrs) or '(none)'}{hint}",
                            getattr(extra, "pos", node.pos))
        for key, value in zip(spec.attrs, positional, strict=False):
            attrs[key] = self._literal(value, name, key)
        for key, value, pos in node.keywords:
            if key not in spec.attrs:
                raise self.fail(f"{name}() has no attribute {key!r} (its attributes: "
                                f"{', '.join(spec.attrs) or 'none'})", pos)
            if key in attrs:
                raise self.fail(f"{name}(): {key} is given twice", pos)
            attrs[key] = self._literal(value, name, key)
        return self._guard(node.pos, lambda: self.build.op(name, *args, **attrs))

    def _literal(self, node: Syntax, op: str, key: str) -> AttrValue:
        value = _literal(node)
        if value is _NOT_LITERAL:
            hint = ""
            if op == "max" and key == "axis":
                hint = "; for the elementwise maximum of two tensors write maximum(a, b)"
            raise self.fail(f"{op}(): {key} must be a literal (a number, True, False, None, a "
                            f"tuple such as (0, 1), or a mode's name){hint}",
                            getattr(node, "pos", 0))
        kind = OPS[op].attrs[key].kind
        if kind in ("shape", "axes") and isinstance(value, int) and not isinstance(value, bool):
            return (value,)
        if isinstance(value, str) and kind != "mode":
            hint = ("; for the elementwise maximum of two tensors write maximum(a, b)"
                    if op == "max" else "")
            raise self.fail(f"{op}(): {key}={value} is not a value {key} takes (a name is only "
                            f"an attribute's mode, such as reduction=sum){hint}",
                            getattr(node, "pos", 0))
        return value

    def _number_literal(self, node: Syntax, key: str) -> sympy.Rational:
        """A number written as an attribute, exact (``0.1`` is 1/10)."""
        value = _literal(node)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{key} must be a number", getattr(node, "pos", 0))
        number = node.operand if isinstance(node, Unary) else node
        assert isinstance(number, Num)  # _literal reads a number from nothing else
        return -_number(number.text) if value < 0 else _number(number.text)


_NOT_LITERAL: Any = object()


def _literal(node: Syntax) -> Any:
    """The attribute value ``node`` writes, or ``_NOT_LITERAL``."""
    if isinstance(node, Num):
        return int(node.text) if node.text.isdigit() else float(node.text)
    if isinstance(node, Unary) and isinstance(node.operand, Num):
        value = _literal(node.operand)
        return -value if node.op == "-" else value
    if isinstance(node, Name):
        return {"True": True, "False": False, "None": None}.get(node.name, node.name)
    if isinstance(node, Tuple):
        items = [_literal(item) for item in node.items]
        if all(isinstance(i, int) and not isinstance(i, bool) for i in items):
            return tuple(items)
    return _NOT_LITERAL


def _number(text: str) -> sympy.Expr:
    """A number as an exact sympy number (``0.1`` is 1/10), as the scalar grammar reads it."""
    return sympy.Integer(text) if text.isdigit() else sympy.Rational(text)
