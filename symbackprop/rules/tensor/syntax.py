"""The matrix grammar's syntax: formula text to a small syntax tree, by our own tokenizer and
recursive descent (nothing is handed to ``eval``, ``exec``, ``sympify`` or ``parse_expr``).

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

import keyword
import re
from typing import NamedTuple

from ...limits import MAX_FORMULA_DEPTH, MAX_FORMULA_LENGTH, MAX_NUMBER_DIGITS
from ..formula import formula_error
from .tree import Binary, Call, Index, Name, Num, Syntax, Transpose, Tuple, Unary

__all__ = ["parse_syntax"]

_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SYMBOLS = ("**", "+", "-", "*", "/", "@", "^", "(", ")", ",", "[", "]", "=")
_WHITESPACE = " \t\r\n"
_ALLOWED = ("tensor formulas may contain numbers, names, + - * / @ ** ^, .T, X[i], parentheses "
            "and calls such as softmax(Z, axis=1)")
_FORBIDDEN = {
    **dict.fromkeys("'\"", "strings are not allowed; a mode is a bare name, as in "
                           "cross_entropy(Z, y, reduction=sum)"),
    **dict.fromkeys("{}", "braces are not allowed ({t} and {t-1} are names of "
                          "[tensor.recurrence] nodes only)"),
    ";": "';' is not allowed: a formula is a single expression",
    "#": "comments '#' are not allowed",
    "\\": "a backslash is not allowed",
}


class _Token(NamedTuple):
    kind: str  # "number", "name", ".T", "end", or the symbol itself ("^" also stands for "**")
    text: str
    pos: int


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
    return _Parser(text, where, max_length, max_depth).parse()


class _Parser:
    def __init__(self, text: str, where: str, max_length: int | None,
                 max_depth: int | None) -> None:
        max_length = MAX_FORMULA_LENGTH.value() if max_length is None else max_length
        self.max_depth = MAX_FORMULA_DEPTH.value() if max_depth is None else max_depth
        self.text, self.where = text, where
        self.depth = self.index = 0
        if len(text) > max_length:
            raise formula_error(text[:61], where, f"formula is {len(text):,} characters long, "
                                f"more than the limit of {max_length:,}; "
                                f"{MAX_FORMULA_LENGTH.how_to_raise()}")
        if not text.strip(_WHITESPACE):
            raise formula_error(text, where, "empty formula; write an expression such as "
                                             "'X @ W + b'")
        self.tokens = self._tokenize()

    def fail(self, problem: str, pos: int | None = None) -> Exception:
        return formula_error(self.text, self.where, problem, pos)

    def _tokenize(self) -> list[_Token]:
        text, pos = self.text, 0
        tokens: list[_Token] = []
        while pos < len(text):
            ch, previous = text[pos], tokens[-1].kind if tokens else ""
            if ch in _WHITESPACE:
                pos += 1
                continue
            if ch == "." and previous in ("name", ")", "]", ".T"):
                after = _NAME.match(text, pos + 1)
                if after is None or after.group() != "T":
                    raise self.fail("attribute access with '.' is not allowed; the only postfix "
                                    "is .T (the transpose)", pos)
                tokens.append(_Token(".T", ".T", pos))
            elif number := _NUMBER.match(text, pos):
                tokens.append(self._number(number.group(), pos))
            elif name := _NAME.match(text, pos):
                if "__" in name.group():
                    raise self.fail(f"name '{name.group()[:30]}' is not allowed: names may not "
                                    "contain '__'", pos)
                tokens.append(_Token("name", name.group(), pos))
            elif ch in "+-*/@^()[],=":
                symbol = "**" if text.startswith("**", pos) else ch
                tokens.append(_Token("^" if symbol == "**" else symbol, symbol, pos))
            else:
                code = f" (U+{ord(ch):04X})" if not ch.isascii() or not ch.isprintable() else ""
                raise self.fail(_FORBIDDEN.get(ch, f"character {ch!r}{code} is not allowed; "
                                                   f"{_ALLOWED}"), pos)
            pos += len(tokens[-1].text)
        tokens.append(_Token("end", "", len(text)))
        return tokens

    def _number(self, text: str, pos: int) -> _Token:
        mantissa, _, exponent = text.lower().partition("e")
        most = MAX_NUMBER_DIGITS.value()
        if (len(mantissa.replace(".", "").lstrip("0")) > most or len(exponent) > 6
                or abs(int(exponent or 0)) > most):
            raise self.fail(f"number '{text[:30]}' is too large: at most {most} digits and an "
                            f"exponent of at most {most} are allowed; "
                            f"{MAX_NUMBER_DIGITS.how_to_raise()}", pos)
        return _Token("number", text, pos)

    # -- descent -----------------------------------------------------------------------------
    def parse(self) -> Syntax:
        try:
            tree = self._sum()
        except RecursionError:
            raise self.fail("formula is nested too deeply for this Python") from None
        if self._peek().kind != "end":
            raise self._unexpected(self._peek())
        return tree

    def _peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def _next(self) -> _Token:
        self.index += 1
        return self.tokens[self.index - 1]

    def _enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            raise self.fail(f"formula is nested more than {self.max_depth} levels deep "
                            "(parentheses, brackets, signs, powers and calls count); "
                            f"{MAX_FORMULA_DEPTH.how_to_raise()}", token.pos)

    def _sum(self) -> Syntax:
        tree = self._product()
        while self._peek().kind in ("+", "-"):
            op = self._next()
            tree = Binary(op.kind, tree, self._product(), op.pos)
        return tree

    def _product(self) -> Syntax:
        tree = self._unary()
        while self._peek().kind in ("*", "/", "@"):
            op = self._next()
            tree = Binary(op.kind, tree, self._unary(), op.pos)
        return tree

    def _unary(self) -> Syntax:
        if self._peek().kind not in ("+", "-"):
            return self._power()
        sign = self._next()
        self._enter(sign)
        tree = Unary(sign.kind, self._unary(), sign.pos)
        self.depth -= 1
        return tree

    def _power(self) -> Syntax:
        base = self._postfix()
        if self._peek().kind != "^":
            return base
        op = self._next()
        self._enter(op)
        tree = Binary("**", base, self._unary(), op.pos)
        self.depth -= 1
        return tree

    def _postfix(self) -> Syntax:
        tree = self._atom()
        while self._peek().kind in (".T", "["):
            token = self._next()
            if token.kind == ".T":
                tree = Transpose(tree, token.pos)
                continue
            self._enter(token)
            indices = [self._integer()]
            while self._peek().kind == ",":
                self._next()
                indices.append(self._integer())
            if self._peek().kind != "]":
                raise self.fail("an index is whole numbers in brackets, such as X[0] or "
                                "X[1, -1]", self._peek().pos)
            self._next()
            self.depth -= 1
            tree = Index(tree, tuple(indices), token.pos)
        return tree

    def _integer(self) -> int:
        sign = 1
        if self._peek().kind == "-":
            self._next()
            sign = -1
        token = self._next()
        if token.kind != "number" or not token.text.isdigit():
            raise self.fail("an index is a whole number (from 0; negative from the end)",
                            token.pos)
        return sign * int(token.text)

    def _atom(self) -> Syntax:
        token = self._next()
        if token.kind == "number":
            return Num(token.text, token.pos)
        if token.kind == "(":
            self._enter(token)
            items = [self._sum()]
            comma = False
            while self._peek().kind == ",":
                self._next()
                comma = True
                if self._peek().kind == ")":
                    break
                items.append(self._sum())
            self._close(token)
            return Tuple(tuple(items), token.pos) if comma else items[0]
        if token.kind == "name":
            if self._peek().kind == "(":
                return self._call(token)
            return Name(token.text, token.pos)
        self.index -= 1
        raise self._missing_operand(token)

    def _call(self, name: _Token) -> Call:
        opening = self._next()
        self._enter(opening)
        args: list[Syntax] = []
        keywords: list[tuple[str, Syntax, int]] = []
        while self._peek().kind != ")":
            if self._peek().kind == "name" and self._peek(1).kind == "=":
                key = self._next()
                self._next()
                if any(k == key.text for k, _, _ in keywords):
                    raise self.fail(f"{key.text}= is given twice", key.pos)
                keywords.append((key.text, self._sum(), key.pos))
            elif keywords:
                raise self.fail("a positional argument after a keyword argument",
                                self._peek().pos)
            else:
                args.append(self._sum())
            if self._peek().kind != ",":
                break
            self._next()
        self._close(opening)
        return Call(name.text, tuple(args), tuple(keywords), name.pos)

    def _close(self, opening: _Token) -> None:
        token = self._peek()
        if token.kind == ")":
            self._next()
            self.depth -= 1
            return
        if token.kind == "end":
            raise self.fail("unbalanced parentheses: this '(' is never closed", opening.pos)
        raise self._unexpected(token)

    def _missing_operand(self, token: _Token) -> Exception:
        if token.kind == "end":
            return self.fail("missing operand at the end", token.pos)
        if token.kind == ")" and self.tokens[self.index - 1].kind == "(":
            return self.fail("empty parentheses", token.pos)
        return self.fail(f"missing operand before '{token.text}'", token.pos)

    def _unexpected(self, token: _Token) -> Exception:
        if token.kind == ")":
            return self.fail("unbalanced parentheses: this ')' has no matching '('", token.pos)
        if token.kind in (",", "="):
            return self.fail(f"'{token.text}' is only allowed between the arguments of a call "
                             "such as sum(x, axis=0)", token.pos)
        if token.kind == "]":
            return self.fail("this ']' has no matching '['", token.pos)
        if token.kind == "name" and keyword.iskeyword(token.text):
            return self.fail(f"the Python keyword '{token.text}' is not allowed; {_ALLOWED}",
                             token.pos)
        return self.fail(f"missing operator before '{token.text[:30]}' (implicit "
                         "multiplication is not allowed: write '*' or '@')", token.pos)
