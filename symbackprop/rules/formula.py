"""A safe parser from formula text to a sympy expression.

Problem files come from students and strangers, so a formula is never executed: this module
reads it with its own tokenizer and a recursive-descent parser that builds sympy objects
directly.  Nothing here hands the text to ``eval``, ``exec``, ``sympify`` or ``parse_expr``.

The grammar (docs/reference/problem-files.md, formulas), loosest binding first::

    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := ("+" | "-")* power
    power   := atom (("^" | "**") unary)?          # right-associative, so -x^2 == -(x^2)
    atom    := number | name | function "(" sum ("," sum)* ")" | "(" sum ")"

Numbers become exact sympy numbers (``0.1`` is ``1/10``), names are looked up in a mapping the
caller provides, and the functions are those of
:data:`~symbackprop.rules.vocabulary.FUNCTIONS`.  ``pi`` and ``e`` are the constants unless the
mapping defines that name (a declared name wins: a node may be called ``e``).

Examples
--------
>>> import sympy
>>> a, b = sympy.symbols("a b", real=True)
>>> parse_formula("-a^2 + 0.5*exp(b)", {"a": a, "b": b})
-a**2 + exp(b)/2
>>> sorted(free_names("max(a, b) / c"))
['a', 'b', 'c']
"""

from __future__ import annotations

import difflib
import keyword
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple

import sympy

from ..errors import FormulaError
from ..limits import MAX_FORMULA_DEPTH, MAX_FORMULA_LENGTH, MAX_NUMBER_BITS, MAX_NUMBER_DIGITS
from .vocabulary import ALLOWED_FUNCTIONS, CONSTANTS, DEFAULTS, FUNCTION_ALIASES, FUNCTIONS

__all__ = ["formula_error", "free_names", "parse_formula"]

_ALLOWED = (
    "formulas may contain numbers, names, + - * / ^ **, parentheses and calls such as "
    "exp(x) or max(a, b)"
)
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SYMBOLS = ("**", "+", "-", "*", "/", "^", "(", ")", ",")
_WHITESPACE = " \t\r\n"
_FORBIDDEN = {
    **dict.fromkeys("'\"", "strings are not allowed"),
    **dict.fromkeys("[]{}", "brackets and braces are not allowed; group with parentheses ( )"),
    "=": "'=' is not allowed: a formula is an expression, not an assignment or comparison",
    ";": "';' is not allowed: a formula is a single expression",
    "@": "'@' is not allowed; multiply with '*'",
    "#": "comments '#' are not allowed",
    "\\": "a backslash is not allowed",
}
_SHOWN = 60  # characters of the formula quoted in a message
_LISTED = 20  # names listed in a message


class _Token(NamedTuple):
    kind: str  # "number", "name", "end", or the operator itself ("^" also stands for "**")
    text: str
    pos: int


def parse_formula(
    text: str,
    names: Mapping[str, sympy.Symbol],
    *,
    where: str = "formula",
    max_length: int | None = None,
    max_depth: int | None = None,
) -> sympy.Expr:
    """Parse ``text`` into a sympy expression over the symbols in ``names``.

    Parameters
    ----------
    text : str
        The formula, e.g. ``"c * d"`` or ``"sigmoid(w*x + b)"``.
    names : Mapping[str, sympy.Symbol]
        Every identifier the formula may use, mapped to its symbol.  A key that is also a
        function name (a node called ``exp``) is the name when bare and the function when called.
    where : str
        Where the formula comes from; every error message starts with it.
    max_length, max_depth : int, optional
        Limits on the length of ``text`` and on its nesting of parentheses, unary signs,
        powers and calls (default: :data:`symbackprop.limits.MAX_FORMULA_LENGTH` and
        :data:`~symbackprop.limits.MAX_FORMULA_DEPTH`).

    Returns
    -------
    sympy.Expr

    Raises
    ------
    FormulaError
        If the formula is empty, too long or too deep, is not in the grammar, or uses a name
        or function that is not allowed.  The message says where, at which column, and what
        is allowed.

    Notes
    -----
    Tokenizing and parsing take time linear in the length of ``text``; a chain of ``+``/``-``
    or ``*``/``/`` is built by one ``sympy.Add``/``sympy.Mul`` rather than pairwise, which
    would be quadratic.  Recursion is bounded by ``max_depth``.  Exact numbers are limited
    to :data:`~symbackprop.limits.MAX_NUMBER_BITS` (512) bits in numerator and denominator,
    checked before a power is computed, so ``9^9^9^9`` is refused, not computed.

    Examples
    --------
    >>> import sympy
    >>> c, d = sympy.symbols("c d")
    >>> parse_formula("c * d", {"c": c, "d": d})
    c*d
    >>> parse_formula("2^-1 + c/d", {"c": c, "d": d})
    c/d + 1/2
    >>> try:
    ...     parse_formula("c + 2d", {"c": c, "d": d}, where="x.toml, [graph.nodes] e")
    ... except FormulaError as err:
    ...     print(err)
    x.toml, [graph.nodes] e: in formula 'c + 2d', column 6: missing operator before 'd'; to \
multiply, write 'c + 2*d' (implicit multiplication is not allowed)
        c + 2d
             ^
    """
    return _Parser(text, where, names, max_length, max_depth).parse()


def free_names(
    text: str, *, where: str = "formula", max_length: int | None = None,
    max_depth: int | None = None,
) -> frozenset[str]:
    """Return the identifiers ``text`` uses as names (not the functions it calls).

    The whole formula is checked against the grammar, so any error :func:`parse_formula`
    would report apart from an undefined name is raised here too, before symbols exist.

    Examples
    --------
    >>> sorted(free_names("exp(a) + b*c"))
    ['a', 'b', 'c']
    >>> sorted(free_names("exp + log(b)"))  # a bare function name may be a node called exp
    ['b', 'exp']
    """
    parser = _Parser(text, where, None, max_length, max_depth)
    parser.parse()
    return frozenset(parser.used)


def formula_error(text: str, where: str, problem: str, pos: int | None = None) -> FormulaError:
    """The error about ``text`` at column ``pos``: where, the formula, the column, the
    problem, and a caret line (the tensor grammar's errors read the same).

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


def _flat(text: str) -> str:
    """``text`` on one line, each tab or newline a space so that columns still line up."""
    return "".join(" " if ch in _WHITESPACE else ch for ch in text)


def _clip(word: str) -> str:
    """A name or number quoted in a message, shortened if long."""
    return word if len(word) <= 30 else word[:30] + "..."


def _listing(what: str, items: list[str]) -> str:
    if not items:
        return f"no {what} are defined"
    more = f" and {len(items) - _LISTED} more" if len(items) > _LISTED else ""
    return f"defined {what} are: {', '.join(sorted(items)[:_LISTED])}{more}"


def _tokenize(text: str, where: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        ch = text[pos]
        previous = tokens[-1].kind if tokens else ""
        if ch in _WHITESPACE:
            pos += 1
            continue
        if ch == "." and previous in ("name", ")"):
            raise formula_error(text, where, "attribute access with '.' is not allowed", pos)
        if number := _NUMBER.match(text, pos):
            tokens.append(_Token("number", number.group(), pos))
        elif name := _NAME.match(text, pos):
            if "__" in name.group():
                problem = f"name '{_clip(name.group())}' is not allowed: names may not contain '__'"
                raise formula_error(text, where, problem, pos)
            tokens.append(_Token("name", name.group(), pos))
        elif ch in _SYMBOLS:
            op = "**" if text.startswith("**", pos) else ch
            tokens.append(_Token("^" if op == "**" else op, op, pos))
        elif ch == ".":
            problem = "attribute access with '.' is not allowed; '.' may only appear in a number"
            raise formula_error(text, where, problem, pos)
        else:
            code = f" (U+{ord(ch):04X})" if not ch.isascii() or not ch.isprintable() else ""
            problem = _FORBIDDEN.get(ch, f"character {ch!r}{code} is not allowed; {_ALLOWED}")
            raise formula_error(text, where, problem, pos)
        pos += len(tokens[-1].text)
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    """Recursive descent over the token list; with ``names=None`` it only checks syntax."""

    def __init__(
        self,
        text: str,
        where: str,
        names: Mapping[str, sympy.Symbol] | None,
        max_length: int | None,
        max_depth: int | None,
    ) -> None:
        max_length = MAX_FORMULA_LENGTH.value() if max_length is None else max_length
        max_depth = MAX_FORMULA_DEPTH.value() if max_depth is None else max_depth
        self.text, self.where, self.names, self.max_depth = text, where, names, max_depth
        self.max_bits = MAX_NUMBER_BITS.value()
        self.used: set[str] = set()
        self.depth = 0
        self.index = 0
        if len(text) > max_length:
            problem = (f"formula is {len(text):,} characters long, more than the limit of "
                       f"{max_length:,}; {MAX_FORMULA_LENGTH.how_to_raise()}")
            raise formula_error(text[: _SHOWN + 1], where, problem)
        if not text.strip(_WHITESPACE):
            raise formula_error(text, where, "empty formula; write an expression such as 'a*b + 1'")
        self.tokens = _tokenize(text, where)

    def parse(self) -> sympy.Expr:
        try:
            result = self._sum()
        except RecursionError:  # only if max_depth is set beyond what Python can nest
            raise self._fail("formula is nested too deeply for this Python") from None
        if self._peek().kind != "end":
            raise self._unexpected(self._peek())
        if isinstance(result, sympy.Basic) and result.has(sympy.zoo, sympy.nan, sympy.oo, sympy.I):
            raise self._fail(f"formula is {result} once simplified: not a finite real number "
                             "(a division by zero, log(0), the root of a negative number?)")
        return result

    def _peek(self) -> _Token:
        return self.tokens[self.index]

    def _next(self) -> _Token:
        self.index += 1
        return self.tokens[self.index - 1]

    def _fail(self, problem: str, pos: int | None = None) -> FormulaError:
        return formula_error(self.text, self.where, problem, pos)

    def _enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            problem = (f"formula is nested more than {self.max_depth} levels deep (parentheses, "
                       f"signs, powers and calls count); {MAX_FORMULA_DEPTH.how_to_raise()}")
            raise self._fail(problem, token.pos)

    def _sum(self) -> sympy.Expr:
        """Terms joined by + and -, added in one step (folding pairwise would be quadratic)."""
        terms = [self._product()]
        while self._peek().kind in ("+", "-"):
            op = self._next()
            term = self._product()
            terms.append(self._apply(op, term, func=operator.neg) if op.kind == "-" else term)
        return terms[0] if len(terms) == 1 else self._apply(op, *terms, func=sympy.Add)

    def _product(self) -> sympy.Expr:
        """Factors joined by * and /, where a / b is a * b**-1 as in sympy's own division."""
        factors = [self._unary()]
        while self._peek().kind in ("*", "/"):
            op = self._next()
            factor = self._unary()
            factors.append(self._apply(op, factor, func=_reciprocal) if op.kind == "/" else factor)
        return factors[0] if len(factors) == 1 else self._apply(op, *factors, func=sympy.Mul)

    def _unary(self) -> sympy.Expr:
        signs = []
        while self._peek().kind in ("+", "-"):
            signs.append(self._next())
            self._enter(signs[-1])
        result = self._power()
        for sign in reversed(signs):
            if sign.kind == "-":
                result = self._apply(sign, result, func=operator.neg)
            self.depth -= 1
        return result

    def _power(self) -> sympy.Expr:
        base = self._atom()
        if self._peek().kind != "^":
            return base
        op = self._next()
        self._enter(op)
        exponent = self._unary()
        self.depth -= 1
        return self._apply(op, base, exponent, func=operator.pow)

    def _atom(self) -> sympy.Expr:
        token = self._next()
        if token.kind == "number":
            return self._number(token)
        if token.kind == "(":
            self._enter(token)
            result = self._sum()
            self._close(token)
            return result
        if token.kind == "name":
            if self._peek().kind == "(":
                return self._call(token)
            return self._name(token)
        self.index -= 1
        raise self._missing_operand(token)

    def _close(self, opening: _Token) -> None:
        token = self._peek()
        if token.kind == ")":
            self._next()
            self.depth -= 1
            return
        if token.kind == "end":
            raise self._fail("unbalanced parentheses: this '(' is never closed", opening.pos)
        raise self._unexpected(token)

    def _number(self, token: _Token) -> sympy.Expr:
        mantissa, _, exponent = token.text.lower().partition("e")
        digits = len(mantissa.replace(".", "").lstrip("0"))
        most = MAX_NUMBER_DIGITS.value()
        if digits > most or len(exponent) > 6 or abs(int(exponent or 0)) > most:
            problem = (
                f"number '{_clip(token.text)}' is too large: at most {most} digits and "
                f"an exponent of at most {most} are allowed; {MAX_NUMBER_DIGITS.how_to_raise()}"
            )
            raise self._fail(problem, token.pos)
        if token.text.isdigit():
            return sympy.Integer(token.text)
        return sympy.Rational(token.text)

    def _name(self, token: _Token) -> sympy.Expr:
        name = token.text
        if self.names is None:
            self.used.add(name)
            return None  # syntax check only
        if name in self.names:
            return self.names[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS or name in FUNCTION_ALIASES:
            raise self._fail(f"'{name}' is a function; call it as {name}(...)", token.pos)
        if keyword.iskeyword(name):
            problem = f"the Python keyword '{name}' is not allowed; {_ALLOWED}"
            raise self._fail(problem, token.pos)
        problem = f"undefined name '{_clip(name)}'; {_listing('names', list(self.names))}"
        close = difflib.get_close_matches(name, list(self.names), n=1)
        raise self._fail(problem + (f"; did you mean '{close[0]}'?" if close else ""), token.pos)

    def _call(self, token: _Token) -> sympy.Expr:
        name = FUNCTION_ALIASES.get(token.text, token.text)
        if name not in FUNCTIONS:
            if self.names is not None and name in self.names:
                shown = _clip(name)
                problem = f"'{shown}' is a name, not a function; write '{shown}*(...)' to multiply"
            else:
                problem = f"unknown function '{_clip(name)}'; allowed functions are: "
                problem += ", ".join(ALLOWED_FUNCTIONS)
                close = difflib.get_close_matches(name, ALLOWED_FUNCTIONS, n=1)
                problem += f"; did you mean '{close[0]}'?" if close else ""
            raise self._fail(problem, token.pos)
        func, least, most = FUNCTIONS[name]
        opening = self._next()
        self._enter(opening)
        args = []
        if self._peek().kind != ")":
            args.append(self._sum())
            while self._peek().kind == ",":
                self._next()
                args.append(self._sum())
        self._close(opening)
        if not least <= len(args) <= (most or len(args)):
            count = (f"exactly {least}" if least == most else
                     f"{least} or {most}" if most == least + 1 else f"at least {least}")
            plural = "argument" if least == most == 1 else "arguments"
            problem = f"{token.text}() takes {count} {plural} ({len(args)} given)"
            raise self._fail(problem, token.pos)
        if most is not None and len(args) < most and None not in args:
            args += DEFAULTS[name][len(args) - most:]
        return self._apply(token, *args, func=func)

    def _apply(self, op: _Token, *args: sympy.Expr, func: Callable[..., sympy.Expr]) -> sympy.Expr:
        """Build ``func(*args)`` for the operator or call ``op``, guarding the size of numbers."""
        if any(arg is None for arg in args):
            return None  # syntax check only
        if op.kind == "^":
            base, exponent = args
            if exponent.is_Rational and not base.free_symbols:
                # sympy computes base**p to take a q-th root; 0, 1 and -1 (1 bit) stay small
                bits = abs(exponent.p) * sum(_bits(r) - 1 for r in base.atoms(sympy.Rational))
                if bits > self.max_bits:
                    raise self._fail(f"power too large to compute exactly; {self._limit()}",
                                     op.pos)
        try:
            result = func(*args)
        except (ValueError, TypeError, ArithmeticError, NotImplementedError) as err:
            raise self._fail(f"sympy cannot build '{op.text}' here ({err})", op.pos) from err
        if any(number.is_Rational and _bits(number) > self.max_bits
               for number in _numbers(result)):
            raise self._fail(f"number too large to compute exactly; {self._limit()}", op.pos)
        return result

    def _limit(self) -> str:
        return (f"exact numbers are limited to {self.max_bits} bits (about "
                f"{self.max_bits * 3 // 10} digits); {MAX_NUMBER_BITS.how_to_raise()}")

    def _missing_operand(self, token: _Token) -> FormulaError:
        if token.kind == "end":
            return self._fail("missing operand at the end", token.pos)
        if token.kind == ")" and self.tokens[self.index - 1].kind == "(":
            return self._fail("empty parentheses", token.pos)
        return self._fail(f"missing operand before '{token.text}'", token.pos)

    def _unexpected(self, token: _Token) -> FormulaError:
        """The error for a token where an operator, ')' or the end was expected."""
        if token.kind == ")":
            return self._fail("unbalanced parentheses: this ')' has no matching '('", token.pos)
        if token.kind == ",":
            problem = "',' is only allowed between the arguments of a call such as max(a, b)"
            return self._fail(problem, token.pos)
        if token.kind == "name" and keyword.iskeyword(token.text):
            problem = f"the Python keyword '{token.text}' is not allowed; {_ALLOWED}"
            return self._fail(problem, token.pos)
        previous = self.tokens[self.index - 1]
        before = _flat(self.text[max(0, previous.pos - 20) : previous.pos + len(previous.text)])
        after = _flat(self.text[token.pos : token.pos + 20])
        problem = (
            f"missing operator before '{_clip(token.text)}'; to multiply, write '{before.lstrip()}*"
        )
        return self._fail(
            problem + f"{after.rstrip()}' (implicit multiplication is not allowed)", token.pos
        )


def _numbers(expr: sympy.Expr) -> Iterator[sympy.Expr]:
    """The places where sympy's arithmetic grows exact numbers: coefficients and radicands."""
    for term in sympy.Add.make_args(expr):
        for factor in sympy.Mul.make_args(term):
            yield factor.base if factor.is_Pow else factor


def _bits(number: sympy.Rational) -> int:
    """Size of an exact number: the bits of its numerator or denominator, whichever is larger."""
    return max(abs(number.p), number.q).bit_length()


def _reciprocal(expr: sympy.Expr) -> sympy.Expr:
    return sympy.Pow(expr, -1)
