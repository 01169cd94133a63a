"""The syntax tree of a tensor formula (:func:`symbackprop.rules.tensor.syntax.parse_syntax`
makes it): small frozen nodes, each with the column it starts at (``pos``, from 0) for
messages.

Examples
--------
>>> from symbackprop.rules.tensor.syntax import parse_syntax
>>> parse_syntax("softmax(Z, axis=1)[0]")
Index(Call(softmax, Name(Z), axis=Num(1)), (0,))
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Binary", "Call", "Index", "Name", "Num", "Syntax", "Transpose", "Tuple", "Unary"]


@dataclass(frozen=True)
class Num:
    """A number, as written.

    Examples
    --------
    >>> from symbackprop.rules.tensor.syntax import parse_syntax
    >>> parse_syntax("2.5")
    Num(2.5)
    """

    text: str
    pos: int

    def __repr__(self) -> str:
        return f"Num({self.text})"


@dataclass(frozen=True)
class Name:
    """A bare name: a node, a constant (``pi``, ``e``), or an attribute's mode.

    Examples
    --------
    >>> from symbackprop.rules.tensor.syntax import parse_syntax
    >>> parse_syntax("W1")
    Name(W1)
    """

    name: str
    pos: int

    def __repr__(self) -> str:
        return f"Name({self.name})"


@dataclass(frozen=True)
class Unary:
    """``-x`` or ``+x``.

    Examples
    --------
    >>> from symbackprop.rules.tensor.syntax import parse_syntax
    >>> parse_syntax("-x**2")
    Unary(-, Binary(**, Name(x), Num(2)))
    """

    op: str
    operand: Syntax
    pos: int

    def __repr__(self) -> str:
        return f"Unary({self.op}, {self.operand!r})"


@dataclass(frozen=True)
class Binary:
    """``a op b`` for ``+ - * / @ **``.

    Examples
    --------
    >>> from symbackprop.rules.tensor.syntax import parse_syntax
    >>> parse_syntax("a @ b * c")
    Binary(*, Binary(@, Name(a), Name(b)), Name(c))
    """

    op: str
    left: Syntax
    right: Syntax
    pos: int

    def __repr__(self) -> str:
        return f"Binary({self.op}, {self.left!r}, {self.right!r})"


@dataclass(frozen=True)
class Call:
    """``name(args, key=value ...)``.

    Examples
    --------
    >>> from symbackprop.rules.tensor.syntax import parse_syntax
    >>> parse_syntax("sum(x, axis=0)")
    Call(sum, Name(x), axis=Num(0))
    """

    name: str
    args: tuple[Syntax, ...]
    keywords: tuple[tuple[str, Syntax, int], ...]
    pos: int

    def __repr__(self) -> str:
        shown = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v, _ in self.keywords]
        return f"Call({', '.join([self.name, *shown])})"


@dataclass(frozen=True)
class Tuple:
    """``(a, b)``: only an attribute takes one.

    Examples
    --------
    >>> from symbackprop.rules.tensor.syntax import parse_syntax
    >>> parse_syntax("(0, 1)")
    Tuple(Num(0), Num(1))
    """

    items: tuple[Syntax, ...]
    pos: int

    def __repr__(self) -> str:
        return f"Tuple({', '.join(map(repr, self.items))})"


@dataclass(frozen=True)
class Transpose:
    """``x.T``.

    Examples
    --------
    >>> from symbackprop.rules.tensor.syntax import parse_syntax
    >>> parse_syntax("W.T")
    Transpose(Name(W))
    """

    operand: Syntax
    pos: int

    def __repr__(self) -> str:
        return f"Transpose({self.operand!r})"


@dataclass(frozen=True)
class Index:
    """``x[i, j]``: entries along the leading axes, from 0 (negative from the end).

    Examples
    --------
    >>> from symbackprop.rules.tensor.syntax import parse_syntax
    >>> parse_syntax("X[-1, 2]")
    Index(Name(X), (-1, 2))
    """

    operand: Syntax
    indices: tuple[int, ...]
    pos: int

    def __repr__(self) -> str:
        return f"Index({self.operand!r}, {self.indices})"


Syntax = Num | Name | Unary | Binary | Call | Tuple | Transpose | Index
"""A node of the syntax tree."""
