"""A safe parser from formula text to a sympy expression.

Problem files come from students and strangers, so a formula is never executed: this module
reads it with the tokenizer both grammars share (:mod:`symbackprop.rules.lexing`) and a
recursive-descent parser that builds sympy objects directly.  Nothing here hands the text to
``eval``, ``exec``, ``sympify`` or ``parse_expr``.

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

import keyword
import operator
from collections.abc import Callable, Iterator, Mapping

import sympy

from ..limits import MAX_NUMBER_BITS
from .lexing import (
    FORBIDDEN,
    Alphabet,
    Descent,
    Token,
    clip,
    exact_limit,
    undefined_name,
    unknown_function,
)
from .vocabulary import ALLOWED_FUNCTIONS, CONSTANTS, DEFAULTS, FUNCTION_ALIASES, FUNCTIONS

__all__ = ["free_names", "parse_formula"]

_ALLOWED = (
    "formulas may contain numbers, names, + - * / ^ **, parentheses and calls such as "
    "exp(x) or max(a, b)"
)
_SCALAR = Alphabet(
    symbols="+-*/^(),",
    allowed=_ALLOWED,
    example="a*b + 1",
    call="max(a, b)",
    nesting="parentheses, signs, powers and calls",
    forbidden={
        **FORBIDDEN,
        **dict.fromkeys("'\"", "strings are not allowed"),
        **dict.fromkeys("[]{}", "brackets and braces are not allowed; group with parentheses ( )"),
        "=": "'=' is not allowed: a formula is an expression, not an assignment or comparison",
        "@": "'@' is not allowed; multiply with '*'",
    },
)


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
    >>> from symbackprop.errors import FormulaError
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


class _Parser(Descent):
    """Recursive descent over the token list; with ``names=None`` it only checks syntax."""

    def __init__(
        self,
        text: str,
        where: str,
        names: Mapping[str, sympy.Symbol] | None,
        max_length: int | None,
        max_depth: int | None,
    ) -> None:
        super().__init__(text, where, _SCALAR, max_length, max_depth)
        self.names = names
        self.max_bits = MAX_NUMBER_BITS.value()
        self.used: set[str] = set()

    def parse(self) -> sympy.Expr:
        result = self.finish(self._sum)
        if isinstance(result, sympy.Basic) and result.has(sympy.zoo, sympy.nan, sympy.oo, sympy.I):
            raise self.fail(f"formula is {result} once simplified: not a finite real number "
                            "(a division by zero, log(0), the root of a negative number?)")
        return result

    def _sum(self) -> sympy.Expr:
        """Terms joined by + and -, added in one step (folding pairwise would be quadratic)."""
        terms = [self._product()]
        while self.peek().kind in ("+", "-"):
            op = self.take()
            term = self._product()
            terms.append(self._apply(op, term, func=operator.neg) if op.kind == "-" else term)
        return terms[0] if len(terms) == 1 else self._apply(op, *terms, func=sympy.Add)

    def _product(self) -> sympy.Expr:
        """Factors joined by * and /, where a / b is a * b**-1 as in sympy's own division."""
        factors = [self._unary()]
        while self.peek().kind in ("*", "/"):
            op = self.take()
            factor = self._unary()
            factors.append(self._apply(op, factor, func=_reciprocal) if op.kind == "/" else factor)
        return factors[0] if len(factors) == 1 else self._apply(op, *factors, func=sympy.Mul)

    def _unary(self) -> sympy.Expr:
        signs = []
        while self.peek().kind in ("+", "-"):
            signs.append(self.take())
            self.enter(signs[-1])
        result = self._power()
        for sign in reversed(signs):
            if sign.kind == "-":
                result = self._apply(sign, result, func=operator.neg)
            self.depth -= 1
        return result

    def _power(self) -> sympy.Expr:
        base = self._atom()
        if self.peek().kind != "^":
            return base
        op = self.take()
        self.enter(op)
        exponent = self._unary()
        self.depth -= 1
        return self._apply(op, base, exponent, func=operator.pow)

    def _atom(self) -> sympy.Expr:
        token = self.take()
        if token.kind == "number":
            return sympy.Integer(token.text) if token.text.isdigit() else sympy.Rational(token.text)
        if token.kind == "(":
            self.enter(token)
            result = self._sum()
            self.close(token)
            return result
        if token.kind == "name":
            if self.peek().kind == "(":
                return self._call(token)
            return self._name(token)
        self.index -= 1
        raise self.missing_operand(token)

    def _name(self, token: Token) -> sympy.Expr:
        name = token.text
        if self.names is None:
            self.used.add(name)
            return None  # syntax check only
        if name in self.names:
            return self.names[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS or name in FUNCTION_ALIASES:
            raise self.fail(f"'{name}' is a function; call it as {name}(...)", token.pos)
        if keyword.iskeyword(name):
            problem = f"the Python keyword '{name}' is not allowed; {_ALLOWED}"
            raise self.fail(problem, token.pos)
        raise self.fail(undefined_name(name, list(self.names)), token.pos)

    def _call(self, token: Token) -> sympy.Expr:
        name = FUNCTION_ALIASES.get(token.text, token.text)
        if name not in FUNCTIONS:
            if self.names is not None and name in self.names:
                shown = clip(name)
                problem = f"'{shown}' is a name, not a function; write '{shown}*(...)' to multiply"
            else:
                problem = unknown_function(name, ALLOWED_FUNCTIONS)
            raise self.fail(problem, token.pos)
        func, least, most = FUNCTIONS[name]
        opening = self.take()
        self.enter(opening)
        args = []
        if self.peek().kind != ")":
            args.append(self._sum())
            while self.peek().kind == ",":
                self.take()
                args.append(self._sum())
        self.close(opening)
        if not least <= len(args) <= (most or len(args)):
            count = (f"exactly {least}" if least == most else
                     f"{least} or {most}" if most == least + 1 else f"at least {least}")
            plural = "argument" if least == most == 1 else "arguments"
            problem = f"{token.text}() takes {count} {plural} ({len(args)} given)"
            raise self.fail(problem, token.pos)
        if most is not None and len(args) < most and None not in args:
            args += DEFAULTS[name][len(args) - most:]
        return self._apply(token, *args, func=func)

    def _apply(self, op: Token, *args: sympy.Expr, func: Callable[..., sympy.Expr]) -> sympy.Expr:
        """Build ``func(*args)`` for the operator or call ``op``, guarding the size of numbers."""
        if any(arg is None for arg in args):
            return None  # syntax check only
        if op.kind == "^":
            base, exponent = args
            if exponent.is_Rational and not base.free_symbols:
                # sympy computes base**p to take a q-th root; 0, 1 and -1 (1 bit) stay small
                bits = abs(exponent.p) * sum(_bits(r) - 1 for r in base.atoms(sympy.Rational))
                if bits > self.max_bits:
                    raise self.fail(f"power too large to compute exactly; {exact_limit()}",
                                    op.pos)
        try:
            result = func(*args)
        except (ValueError, TypeError, ArithmeticError, NotImplementedError) as err:
            raise self.fail(f"sympy cannot build '{op.text}' here ({err})", op.pos) from err
        if any(number.is_Rational and _bits(number) > self.max_bits
               for number in _numbers(result)):
            raise self.fail(f"number too large to compute exactly; {exact_limit()}", op.pos)
        return result


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
