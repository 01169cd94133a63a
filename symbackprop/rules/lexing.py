"""What the two formula grammars share: the tokenizer, the descent's cursor and the errors.

The scalar grammar (:mod:`symbackprop.rules.formula`) and the matrix grammar
(:mod:`symbackprop.rules.tensor.syntax`) read untrusted text from problem files with their own
recursive-descent parsers; nothing is handed to ``eval``, ``exec``, ``sympify`` or
``parse_expr``.  Both read the same numbers and names, refuse the same characters and limits
with the same messages, and report a fault the same way: where, the formula, the column, the
problem and what is allowed, with a caret under the column (:func:`formula_error`).

What differs between the grammars is an :class:`Alphabet`: their symbols, whether ``.T``
transposes, and the words their messages use.  Each parser is a :class:`Descent` (the tokens,
the cursor, the nesting depth and the errors of the faults both grammars share) with its own
rules on top.

Examples
--------
>>> plain = Alphabet(symbols="+-*/^(),", allowed="numbers, names and + - * / ^", example="a*b",
...                  call="max(a, b)", nesting="parentheses and signs")
>>> [token.kind for token in tokenize("2*x ** -y", "formula", plain)]
['number', '*', 'name', '^', '-', 'name', 'end']
>>> print(tokenize("2*x $ 1", "f.toml: [graph.nodes] h", plain))
Traceback (most recent call last):
    ...
symbackprop.errors.FormulaError: f.toml: [graph.nodes] h: in formula '2*x $ 1', column 5: \
character '$' is not allowed; numbers, names and + - * / ^
    2*x $ 1
        ^
"""

from __future__ import annotations

import difflib
import keyword
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple, TypeVar

from ..errors import FormulaError
from ..limits import MAX_FORMULA_DEPTH, MAX_FORMULA_LENGTH, MAX_NUMBER_BITS, MAX_NUMBER_DIGITS

__all__ = ["FORBIDDEN", "Alphabet", "Descent", "Token", "clip", "exact_limit", "formula_error",
           "tokenize", "undefined_name", "unknown_function"]

_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WHITESPACE = " \t\r\n"
_OPERAND_ENDS = ("name", ")", "]", ".T")  # a '.' after one of these is attribute access
_SHOWN = 60  # characters of the formula quoted in a message
_LISTED = 20  # names listed in a message

#: characters both grammars refuse with a message of their own
FORBIDDEN: Mapping[str, str] = MappingProxyType({
    ";": "';' is not allowed: a formula is a single expression",
    "#": "comments '#' are not allowed",
    "\\": "a backslash is not allowed",
})

_Result = TypeVar("_Result")


class Token(NamedTuple):
    """One token of a formula: its kind, its text and its column (from 0).

    ``kind`` is ``"number"``, ``"name"``, ``".T"``, ``"end"`` or the symbol itself, where
    ``"^"`` also stands for ``"**"``.

    Examples
    --------
    >>> Token("^", "**", 3)
    Token(kind='^', text='**', pos=3)
    """

    kind: str
    text: str
    pos: int


@dataclass(frozen=True)
class Alphabet:
    """What one grammar's formulas are written with, and the words of its messages.

    Attributes
    ----------
    symbols : str
        The one-character symbols (``"**"`` is read as ``"^"`` wherever ``"*"`` is a symbol).
    allowed : str
        What formulas may contain; it ends the message about any other character.
    example : str
        An expression, suggested for an empty formula.
    call : str
        A call with two arguments, shown where a ``','`` is out of place.
    nesting : str
        What counts towards the nesting depth, as the message about too deep a formula says.
    forbidden : Mapping[str, str]
        Characters with a message of their own (default :data:`FORBIDDEN`).
    transpose : bool
        Whether ``.T`` after an operand is the transpose.

    Examples
    --------
    >>> Alphabet(symbols="+-", allowed="+ and -", example="a + b", call="f(a, b)",
    ...          nesting="signs").transpose
    False
    """

    symbols: str
    allowed: str
    example: str
    call: str
    nesting: str
    forbidden: Mapping[str, str] = field(default_factory=lambda: FORBIDDEN)
    transpose: bool = False


def formula_error(text: str, where: str, problem: str, pos: int | None = None) -> FormulaError:
    """The error about ``text`` at column ``pos``: where, the formula, the column, the
    problem, and a caret line.

    Examples
    --------
    >>> print(formula_error("a + b)", "f.toml: [graph.nodes] h", "no '(' for this ')'", 5))
    f.toml: [graph.nodes] h: in formula 'a + b)', column 6: no '(' for this ')'
        a + b)
             ^
    """
    flat = _flat(text)
    if pos is None:
        shown = flat if len(flat) <= _SHOWN else flat[:_SHOWN] + "..."
        return FormulaError(f"{where}: in formula '{shown}': {problem}")
    start = max(0, min(pos - _SHOWN // 2, len(flat) - _SHOWN))
    prefix = "..." if start else ""
    shown = prefix + flat[start : start + _SHOWN] + ("..." if start + _SHOWN < len(flat) else "")
    caret = " " * (len(prefix) + pos - start) + "^"
    return FormulaError(
        f"{where}: in formula '{shown}', column {pos + 1}: {problem}\n    {shown}\n    {caret}"
    )


def clip(word: str) -> str:
    """A name or number quoted in a message, shortened if long.

    Examples
    --------
    >>> clip("x1"), clip("y" * 40)
    ('x1', 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy...')
    """
    return word if len(word) <= 30 else word[:30] + "..."


def undefined_name(name: str, names: list[str]) -> str:
    """The problem with a name that is not among ``names``: those that are, and the closest.

    Examples
    --------
    >>> undefined_name("wieght", ["x", "weight"])
    "undefined name 'wieght'; defined names are: weight, x; did you mean 'weight'?"
    >>> undefined_name("w2", [])
    "undefined name 'w2'; no names are defined"
    """
    listed = sorted(names)
    more = f" and {len(listed) - _LISTED} more" if len(listed) > _LISTED else ""
    defined = f"defined names are: {', '.join(listed[:_LISTED])}{more}" if listed else \
        "no names are defined"
    close = difflib.get_close_matches(name, listed, n=1)
    return f"undefined name '{clip(name)}'; {defined}" + (
        f"; did you mean '{close[0]}'?" if close else "")


def unknown_function(name: str, allowed: tuple[str, ...]) -> str:
    """The problem with a call of a function that is not among ``allowed``.

    Examples
    --------
    >>> unknown_function("sigmod", ("exp", "sigmoid"))
    "unknown function 'sigmod'; allowed functions are: exp, sigmoid; did you mean 'sigmoid'?"
    """
    close = difflib.get_close_matches(name, allowed, n=1)
    return f"unknown function '{clip(name)}'; allowed functions are: {', '.join(allowed)}" + (
        f"; did you mean '{close[0]}'?" if close else "")


def exact_limit() -> str:
    """How large an exact number may grow, and how to raise the limit.

    Examples
    --------
    >>> exact_limit().startswith("exact numbers are limited to 512 bits (about 153 digits)")
    True
    """
    bits = MAX_NUMBER_BITS.value()
    return (f"exact numbers are limited to {bits} bits (about {bits * 3 // 10} digits); "
            f"{MAX_NUMBER_BITS.how_to_raise()}")


def tokenize(text: str, where: str, alphabet: Alphabet) -> list[Token]:
    """The tokens of ``text``, ending with an ``"end"`` token at ``len(text)``.

    A character outside ``alphabet``, a name with ``'__'``, attribute access with ``'.'``
    and a number with too many digits (:data:`~symbackprop.limits.MAX_NUMBER_DIGITS`) are
    refused here, the first from the left.

    Notes
    -----
    Linear in the length of ``text``.

    Examples
    --------
    >>> tensor = Alphabet(symbols="+-*/@^()[],=", allowed="...", example="X @ W", call="f(a)",
    ...                   nesting="parentheses", transpose=True)
    >>> [token.text for token in tokenize("X.T @ W[0]", "formula", tensor)]
    ['X', '.T', '@', 'W', '[', '0', ']', '']
    """
    tokens: list[Token] = []
    symbols, number_at, name_at = alphabet.symbols, _NUMBER.match, _NAME.match
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch in _WHITESPACE:
            pos += 1
            continue
        if ch == "." and tokens and tokens[-1].kind in _OPERAND_ENDS:
            tokens.append(_transpose(text, where, alphabet, pos))
        elif number := number_at(text, pos):
            tokens.append(_number(text, where, number.group(), pos))
        elif name := name_at(text, pos):
            if "__" in name.group():
                problem = f"name '{clip(name.group())}' is not allowed: names may not contain '__'"
                raise formula_error(text, where, problem, pos)
            tokens.append(Token("name", name.group(), pos))
        elif ch in symbols:
            symbol = "**" if text.startswith("**", pos) else ch
            tokens.append(Token("^" if symbol == "**" else symbol, symbol, pos))
        elif ch == ".":
            problem = "attribute access with '.' is not allowed; '.' may only appear in a number"
            also = " or in the transpose .T of an operand" if alphabet.transpose else ""
            raise formula_error(text, where, problem + also, pos)
        else:
            code = f" (U+{ord(ch):04X})" if not ch.isascii() or not ch.isprintable() else ""
            problem = alphabet.forbidden.get(
                ch, f"character {ch!r}{code} is not allowed; {alphabet.allowed}")
            raise formula_error(text, where, problem, pos)
        pos += len(tokens[-1].text)
    tokens.append(Token("end", "", len(text)))
    return tokens


def _transpose(text: str, where: str, alphabet: Alphabet, pos: int) -> Token:
    """The ``.T`` at ``pos``, after an operand; any other ``'.'`` there is attribute access."""
    after = _NAME.match(text, pos + 1)
    if alphabet.transpose and after is not None and after.group() == "T":
        return Token(".T", ".T", pos)
    problem = "attribute access with '.' is not allowed"
    also = "; the only postfix is .T (the transpose)" if alphabet.transpose else ""
    raise formula_error(text, where, problem + also, pos)


def _number(text: str, where: str, number: str, pos: int) -> Token:
    """The number token ``number``, unless it has too many digits or too large an exponent."""
    mantissa, _, exponent = number.lower().partition("e")
    most = MAX_NUMBER_DIGITS.value()
    if (len(mantissa.replace(".", "").lstrip("0")) > most or len(exponent) > 6
            or abs(int(exponent or 0)) > most):
        problem = (f"number '{clip(number)}' is too large: at most {most} digits and an exponent "
                   f"of at most {most} are allowed; {MAX_NUMBER_DIGITS.how_to_raise()}")
        raise formula_error(text, where, problem, pos)
    return Token("number", number, pos)


def _flat(text: str) -> str:
    """``text`` on one line, each tab or newline a space so that columns still line up."""
    return "".join(" " if ch in _WHITESPACE else ch for ch in text)


class Descent:
    """A recursive-descent parser's state over one formula: its tokens, the cursor, the
    nesting depth, and the errors of the faults every grammar shares.

    The formula's length (:data:`~symbackprop.limits.MAX_FORMULA_LENGTH`) is checked before
    it is tokenized; its depth (:data:`~symbackprop.limits.MAX_FORMULA_DEPTH`) as each level
    is entered.  A grammar's parser adds its rules and calls :meth:`finish` with the first.

    Examples
    --------
    >>> plain = Alphabet(symbols="+()", allowed="+ and parentheses", example="a + b",
    ...                  call="f(a, b)", nesting="parentheses")
    >>> class Sums(Descent):
    ...     def sum(self):
    ...         names = [self.operand()]
    ...         while self.peek().kind == "+":
    ...             self.take()
    ...             names.append(self.operand())
    ...         return names
    ...     def operand(self):
    ...         token = self.take()
    ...         if token.kind == "name":
    ...             return token.text
    ...         self.index -= 1
    ...         raise self.missing_operand(token)
    >>> parser = Sums("a + b c", "formula", plain)
    >>> parser.finish(parser.sum)
    Traceback (most recent call last):
        ...
    symbackprop.errors.FormulaError: formula: in formula 'a + b c', column 7: missing operator \
before 'c'; to multiply, write 'a + b*c' (implicit multiplication is not allowed)
        a + b c
              ^
    """

    def __init__(self, text: str, where: str, alphabet: Alphabet,
                 max_length: int | None = None, max_depth: int | None = None) -> None:
        max_length = MAX_FORMULA_LENGTH.value() if max_length is None else max_length
        self.max_depth = MAX_FORMULA_DEPTH.value() if max_depth is None else max_depth
        self.text, self.where, self.alphabet = text, where, alphabet
        self.depth = self.index = 0
        if len(text) > max_length:
            problem = (f"formula is {len(text):,} characters long, more than the limit of "
                       f"{max_length:,}; {MAX_FORMULA_LENGTH.how_to_raise()}")
            raise formula_error(text[: _SHOWN + 1], where, problem)
        if not text.strip(_WHITESPACE):
            problem = f"empty formula; write an expression such as '{alphabet.example}'"
            raise formula_error(text, where, problem)
        self.tokens = tokenize(text, where, alphabet)

    def finish(self, rule: Callable[[], _Result]) -> _Result:
        """What ``rule`` (the grammar's loosest) reads, which must be the whole formula."""
        try:
            result = rule()
        except RecursionError:  # only if max_depth is set beyond what Python can nest
            raise self.fail("formula is nested too deeply for this Python") from None
        if self.peek().kind != "end":
            raise self.unexpected(self.peek())
        return result

    def fail(self, problem: str, pos: int | None = None) -> FormulaError:
        """The error saying ``problem`` about this formula, at column ``pos``."""
        return formula_error(self.text, self.where, problem, pos)

    def peek(self) -> Token:
        """The next token, not taken."""
        return self.tokens[self.index]

    def peek_after(self) -> Token:
        """The token after the next one (the ``"end"`` token at the end)."""
        return self.tokens[min(self.index + 1, len(self.tokens) - 1)]

    def take(self) -> Token:
        """The next token, taken."""
        self.index += 1
        return self.tokens[self.index - 1]

    def enter(self, token: Token) -> None:
        """One level deeper at ``token``; the caller lowers :attr:`depth` on leaving."""
        self.depth += 1
        if self.depth > self.max_depth:
            problem = (f"formula is nested more than {self.max_depth} levels deep "
                       f"({self.alphabet.nesting} count); {MAX_FORMULA_DEPTH.how_to_raise()}")
            raise self.fail(problem, token.pos)

    def close(self, opening: Token) -> None:
        """Take the ``')'`` closing ``opening``, and leave its level."""
        token = self.peek()
        if token.kind == ")":
            self.index += 1
            self.depth -= 1
            return
        if token.kind == "end":
            raise self.fail("unbalanced parentheses: this '(' is never closed", opening.pos)
        raise self.unexpected(token)

    def missing_operand(self, token: Token) -> FormulaError:
        """The error for ``token`` where an operand was expected."""
        if token.kind == "end":
            return self.fail("missing operand at the end", token.pos)
        if token.kind == ")" and self.tokens[self.index - 1].kind == "(":
            return self.fail("empty parentheses", token.pos)
        return self.fail(f"missing operand before '{token.text}'", token.pos)

    def unexpected(self, token: Token) -> FormulaError:
        """The error for ``token`` where an operator, ``')'`` or the end was expected."""
        if token.kind == ")":
            return self.fail("unbalanced parentheses: this ')' has no matching '('", token.pos)
        if token.kind in (",", "="):
            problem = (f"'{token.text}' is only allowed between the arguments of a call such as "
                       f"{self.alphabet.call}")
            return self.fail(problem, token.pos)
        if token.kind == "]":
            return self.fail("this ']' has no matching '['", token.pos)
        if token.kind == "name" and keyword.iskeyword(token.text):
            problem = f"the Python keyword '{token.text}' is not allowed; {self.alphabet.allowed}"
            return self.fail(problem, token.pos)
        previous = self.tokens[self.index - 1]
        before = _flat(self.text[max(0, previous.pos - 20) : previous.pos + len(previous.text)])
        after = _flat(self.text[token.pos : token.pos + 20]).rstrip()
        write = f"'{before.lstrip()}*{after}'"
        if "@" in self.alphabet.symbols:
            write += f" or, for a matrix product, '{before.lstrip()} @ {after}'"
        problem = (f"missing operator before '{clip(token.text)}'; to multiply, write {write} "
                   "(implicit multiplication is not allowed)")
        return self.fail(problem, token.pos)
