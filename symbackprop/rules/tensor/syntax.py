"""The matrix grammar's syntax: formula text to a small syntax tree, by the tokenizer both
grammars share (:mod:`symbackprop.rules.lexing`) and recursive descent (nothing is handed to
``eval``, ``exec``, ``sympify`` or ``parse_expr``).

The grammar, loosest binding first (docs/reference/problem-files.md, "Tensor formulas")::

    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/" | "@") unary)*       # '@' binds like '*', as in Python
    unary   := ("+" | "-")* power
    power   := postfix (("**" | "^") unary)?          # right-associative; -x**2 == -(x**2)
    postfix := atom (".T" | "[" INT ("," INT)* "]")*  # .T transposes; X[2] picks along axis 0
    atom    := NUMBER | NAME | NAME "(" args ")" | "(" sum ("," sum)* ","? ")"
    args    := (arg ("," arg)*)?       arg := NAME "=" sum | sum

A parenthesised list with a comma is a tuple, which only an attribute may take
(``axis=(0, 1)``); an attribute's value is a literal: a number, ``True``, ``False``, ``None``,
a tuple of whole numbers, or a bare name for a mode (``reduction=sum``).  The tree's nodes are
:mod:`symbackprop.rules.tensor.tree`'s; :mod:`symbackprop.rules.tensor.grammar` turns the tree
into IR.

Examples
--------
>>> tree = parse_syntax("tanh(X @ W1 + b1).T[0]")
>>> tree
Index(Transpose(Call(tanh, Binary(+, Binary(@, Name(X), Name(W1)), Name(b1)))), (0,))
"""

from __future__ import annotations

from ..lexing import FORBIDDEN, Alphabet, Descent, Token
from .tree import Binary, Call, Index, Name, Num, Syntax, Transpose, Tuple, Unary

__all__ = ["parse_syntax"]

_TENSOR = Alphabet(
    symbols="+-*/@^()[],=",
    allowed=("tensor formulas may contain numbers, names, + - * / @ ** ^, .T, X[i], parentheses "
             "and calls such as softmax(Z, axis=1)"),
    example="X @ W + b",
    call="sum(x, axis=0)",
    nesting="parentheses, brackets, signs, powers and calls",
    forbidden={
        **FORBIDDEN,
        **dict.fromkeys("'\"", "strings are not allowed; a mode is a bare name, as in "
                               "cross_entropy(Z, y, reduction=sum)"),
        **dict.fromkeys("{}", "braces are not allowed ({t} and {t-1} are names of "
                              "[tensor.recurrence] nodes only)"),
    },
    transpose=True,
)


def parse_syntax(text: str, *, where: str = "formula", max_length: int | None = None,
                 max_depth: int | None = None) -> Syntax:
    """The syntax tree of ``text``, or a :class:`~symbackprop.errors.FormulaError` saying
    where, at which column, and what is allowed.

    Notes
    -----
    Linear in the length of ``text``; recursion is bounded by ``max_depth``
    (:data:`~symbackprop.limits.MAX_FORMULA_DEPTH`), the length by
    :data:`~symbackprop.limits.MAX_FORMULA_LENGTH`, both checked before any work.

    Examples
    --------
    >>> parse_syntax("X @ W +")
    Traceback (most recent call last):
        ...
    symbackprop.errors.FormulaError: formula: in formula 'X @ W +', column 8: missing operand \
at the end
        X @ W +
               ^
    """
    parser = _Parser(text, where, _TENSOR, max_length, max_depth)
    return parser.finish(parser.sum)


class _Parser(Descent):
    """The matrix grammar's rules over :class:`~symbackprop.rules.lexing.Descent`."""

    def sum(self) -> Syntax:
        tree = self._product()
        while self.peek().kind in ("+", "-"):
            op = self.take()
            tree = Binary(op.kind, tree, self._product(), op.pos)
        return tree

    def _product(self) -> Syntax:
        tree = self._unary()
        while self.peek().kind in ("*", "/", "@"):
            op = self.take()
            tree = Binary(op.kind, tree, self._unary(), op.pos)
        return tree

    def _unary(self) -> Syntax:
        if self.peek().kind not in ("+", "-"):
            return self._power()
        sign = self.take()
        self.enter(sign)
        tree = Unary(sign.kind, self._unary(), sign.pos)
        self.depth -= 1
        return tree

    def _power(self) -> Syntax:
        base = self._postfix()
        if self.peek().kind != "^":
            return base
        op = self.take()
        self.enter(op)
        tree = Binary("**", base, self._unary(), op.pos)
        self.depth -= 1
        return tree

    def _postfix(self) -> Syntax:
        tree = self._atom()
        while self.peek().kind in (".T", "["):
            token = self.take()
            if token.kind == ".T":
                tree = Transpose(tree, token.pos)
                continue
            self.enter(token)
            indices = [self._integer()]
            while self.peek().kind == ",":
                self.take()
                indices.append(self._integer())
            if self.peek().kind != "]":
                raise self.fail("an index is whole numbers in brackets, such as X[0] or "
                                "X[1, -1]", self.peek().pos)
            self.take()
            self.depth -= 1
            tree = Index(tree, tuple(indices), token.pos)
        return tree

    def _integer(self) -> int:
        sign = 1
        if self.peek().kind == "-":
            self.take()
            sign = -1
        token = self.take()
        if token.kind != "number" or not token.text.isdigit():
            raise self.fail("an index is a whole number (from 0; negative from the end)",
                            token.pos)
        return sign * int(token.text)

    def _atom(self) -> Syntax:
        token = self.take()
        if token.kind == "number":
            return Num(token.text, token.pos)
        if token.kind == "(":
            self.enter(token)
            items = [self.sum()]
            comma = False
            while self.peek().kind == ",":
                self.take()
                comma = True
                if self.peek().kind == ")":
                    break
                items.append(self.sum())
            self.close(token)
            return Tuple(tuple(items), token.pos) if comma else items[0]
        if token.kind == "name":
            if self.peek().kind == "(":
                return self._call(token)
            return Name(token.text, token.pos)
        self.index -= 1
        raise self.missing_operand(token)

    def _call(self, name: Token) -> Call:
        opening = self.take()
        self.enter(opening)
        args: list[Syntax] = []
        keywords: list[tuple[str, Syntax, int]] = []
        while self.peek().kind != ")":
            if self.peek().kind == "name" and self.peek_after().kind == "=":
                key = self.take()
                self.take()
                if any(k == key.text for k, _, _ in keywords):
                    raise self.fail(f"{key.text}= is given twice", key.pos)
                keywords.append((key.text, self.sum(), key.pos))
            elif keywords:
                raise self.fail("a positional argument after a keyword argument",
                                self.peek().pos)
            else:
                args.append(self.sum())
            if self.peek().kind != ",":
                break
            self.take()
        self.close(opening)
        return Call(name.text, tuple(args), tuple(keywords), name.pos)
