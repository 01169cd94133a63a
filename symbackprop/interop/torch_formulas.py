"""Formula text for the tensor problem a PyTorch model is read into, built in pieces.

A :class:`Formula` is a piece of text in the matrix grammar
(:mod:`symbackprop.rules.tensor.grammar`) with the shape of its value and how tightly it binds,
so that pieces compose into formulas with exactly the parentheses they need: ``X @ W1.T + b1``,
``2*(X @ W)``, ``(a + b)**2``.  :func:`activation` writes each activation function PyTorch
has as the grammar has it (``nn.GELU(approximate="tanh")`` is ``gelu_tanh``).

Examples
--------
>>> x, w, b = Formula("X", (4, 3)), Formula("W1", (2, 3)), Formula("b1", (2,))
>>> z = add(matmul(x, transpose(w), (4, 2)), b, (4, 2))
>>> z.text, activation("tanh", z).text
('X @ W1.T + b1', 'tanh(X @ W1.T + b1)')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ATOM", "POSTFIX", "POWER", "PRODUCT", "SUM", "UNARY", "Formula", "activation", "add",
           "call", "index", "matmul", "multiply", "negate", "number", "power", "reshape",
           "subtract", "transpose"]

#: How tightly a piece of formula binds (a larger number binds tighter), by its outermost form.
SUM, PRODUCT, UNARY, POWER, POSTFIX, ATOM = 1, 2, 3, 4, 5, 6


@dataclass(frozen=True)
class Formula:
    """Formula text for a tensor of shape ``shape``; ``binds`` is how tightly the text binds
    (:data:`ATOM` for a name or a call, :data:`SUM` for ``a + b`` ...).

    Examples
    --------
    >>> Formula("X", (4, 3)).operand(POSTFIX), Formula("a + b", (3,), binds=SUM).operand(PRODUCT)
    ('X', '(a + b)')
    """

    text: str
    shape: tuple[int, ...]
    dtype: str = "float"
    binds: int = ATOM

    def operand(self, least: int) -> str:
        """The text as an operand that must bind at least as tightly as ``least``."""
        return self.text if self.binds >= least else f"({self.text})"

    def __repr__(self) -> str:
        return f"Formula({self.text!r}, {self.shape})"


def number(value: float | int) -> Formula:
    """A number as formula text (a float by ``repr``: it reads back as the same float).

    Examples
    --------
    >>> number(0.5), number(-2), number(1e-05).text
    (Formula('0.5', ()), Formula('-2', ()), '1e-05')
    """
    if isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    text = repr(int(value)) if isinstance(value, int) else repr(float(value))
    return Formula(text, (), binds=UNARY if text.startswith("-") else ATOM)


def call(name: str, args: Sequence[Formula | str], shape: tuple[int, ...], dtype: str = "float",
         /, **attrs: object) -> Formula:
    """``name(args, key=value ...)``: an attribute's value is written as the grammar reads it
    (a tuple ``(0, 1)``, ``True``, a mode's name).

    Examples
    --------
    >>> call("sum", [Formula("X", (4, 3))], (3,), axis=0, keepdims=False).text
    'sum(X, axis=0, keepdims=False)'
    """
    parts = [a.text if isinstance(a, Formula) else a for a in args]
    parts += [f"{key}={_attr(value)}" for key, value in attrs.items()]
    return Formula(f"{name}({', '.join(parts)})", shape, dtype, ATOM)


def _attr(value: object) -> str:
    if isinstance(value, tuple | list):
        items = [str(int(v)) for v in value]
        return f"({', '.join(items)}{',' if len(items) == 1 else ''})"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _infix(left: Formula, op: str, right: Formula, shape: tuple[int, ...], level: int,
           right_level: int) -> Formula:
    return Formula(f"{left.operand(level)} {op} {right.operand(right_level)}", shape,
                   binds=level)


def add(left: Formula, right: Formula, shape: tuple[int, ...]) -> Formula:
    """``left + right``.

    Examples
    --------
    >>> add(Formula("a", (3,)), Formula("b - c", (3,), binds=SUM), (3,)).text
    'a + (b - c)'
    """
    return _infix(left, "+", right, shape, SUM, PRODUCT)


def subtract(left: Formula, right: Formula, shape: tuple[int, ...]) -> Formula:
    """``left - right``.

    Examples
    --------
    >>> subtract(Formula("a + b", (3,), binds=SUM), Formula("c", (3,)), (3,)).text
    'a + b - c'
    """
    return _infix(left, "-", right, shape, SUM, PRODUCT)


def multiply(left: Formula, right: Formula, shape: tuple[int, ...], op: str = "*") -> Formula:
    """``left * right`` (or ``/`` with ``op="/"``).

    Examples
    --------
    >>> multiply(Formula("a + b", (3,), binds=SUM), number(2), (3,), "/").text
    '(a + b) / 2'
    """
    return _infix(left, op, right, shape, PRODUCT, UNARY)


def matmul(left: Formula, right: Formula, shape: tuple[int, ...]) -> Formula:
    """``left @ right``.

    Examples
    --------
    >>> matmul(Formula("X", (4, 3)), Formula("a + b", (3,), binds=SUM), (4,)).text
    'X @ (a + b)'
    """
    return _infix(left, "@", right, shape, PRODUCT, UNARY)


def power(base: Formula, exponent: Formula, shape: tuple[int, ...]) -> Formula:
    """``base**exponent``.

    Examples
    --------
    >>> power(Formula("Z - y", (3,), binds=SUM), number(2), (3,)).text
    '(Z - y)**2'
    """
    return Formula(f"{base.operand(POSTFIX)}**{exponent.operand(UNARY)}", shape, binds=POWER)


def negate(operand: Formula) -> Formula:
    """``-operand``.

    Examples
    --------
    >>> negate(Formula("a * b", (3,), binds=PRODUCT)).text
    '-(a * b)'
    """
    return Formula(f"-{operand.operand(POWER)}", operand.shape, binds=UNARY)


def transpose(operand: Formula, axes: Sequence[int] | None = None) -> Formula:
    """``operand.T`` (every axis reversed, numpy's ``.T``), or ``transpose(operand, axes=...)``.

    Examples
    --------
    >>> transpose(Formula("W", (2, 3))), transpose(Formula("A", (2, 3, 4)), (0, 2, 1)).text
    (Formula('W.T', (3, 2)), 'transpose(A, axes=(0, 2, 1))')
    """
    rank = len(operand.shape)
    order = tuple(reversed(range(rank))) if axes is None else tuple(a % rank for a in axes)
    if order == tuple(range(rank)):
        return operand
    shape = tuple(operand.shape[a] for a in order)
    if order == tuple(reversed(range(rank))):
        return Formula(f"{operand.operand(POSTFIX)}.T", shape, operand.dtype, POSTFIX)
    return call("transpose", [operand], shape, operand.dtype, axes=order)


def index(operand: Formula, picks: Sequence[int]) -> Formula:
    """``operand[i, j]``: the entries at ``picks`` along the leading axes (0-based, negative
    from the end, as numpy counts).

    Examples
    --------
    >>> index(Formula("X", (3, 4, 2)), [-1]).text, index(Formula("X", (3, 4, 2)), [-1]).shape
    ('X[2]', (4, 2))
    """
    shape = operand.shape
    chosen = [p % shape[axis] for axis, p in enumerate(picks)]
    text = f"{operand.operand(POSTFIX)}[{', '.join(map(str, chosen))}]"
    return Formula(text, shape[len(picks):], operand.dtype, POSTFIX)


def reshape(operand: Formula, shape: Sequence[int]) -> Formula:
    """``reshape(operand, shape=(...))``, or ``operand`` if it has that shape already.

    Examples
    --------
    >>> reshape(Formula("b1", (8,)), (8, 1, 1)).text, reshape(Formula("X", (2, 3)), (2, 3))
    ('reshape(b1, shape=(8, 1, 1))', Formula('X', (2, 3)))
    """
    shape = tuple(int(n) for n in shape)
    if shape == operand.shape:
        return operand
    return call("reshape", [operand], shape, operand.dtype, shape=shape)


def activation(name: str, x: Formula, **params: float) -> Formula:
    """An elementwise activation of ``x`` in the grammar: ``relu``, ``sigmoid``, ``tanh``,
    ``leaky_relu`` (``slope``), ``softplus`` (``beta``: ``softplus(beta*x)/beta``), ``elu``
    (``alpha``), ``gelu``, ``gelu_tanh``, ``silu``, ``exp`` ...

    Examples
    --------
    >>> x = Formula("Z1", (4, 3))
    >>> activation("leaky_relu", x, slope=0.2).text, activation("softplus", x, beta=2.0).text
    ('leaky_relu(Z1, 0.2)', 'softplus(2.0 * Z1) / 2.0')
    >>> activation("elu", x, alpha=1.0).text, activation("elu", x, alpha=0.5).text
    ('elu(Z1)', 'elu(Z1, 0.5)')
    """
    if name == "leaky_relu":
        return call(name, [x, number(params["slope"])], x.shape)
    if name == "softplus" and params.get("beta", 1.0) != 1.0:
        beta = number(params["beta"])
        inner = call("softplus", [multiply(beta, x, x.shape)], x.shape)
        return multiply(inner, beta, x.shape, "/")
    if name == "elu" and params.get("alpha", 1.0) != 1.0:
        return call(name, [x, number(params["alpha"])], x.shape)
    return call(name, [x], x.shape)
