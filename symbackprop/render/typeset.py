r"""Typesetting pieces shared by the LaTeX, Markdown and text renderers.

* :func:`latex_expr` / :func:`text_expr`: one expression, printed through sympy's printers with
  the graph's node labels and two textbook habits: positive terms first in a sum
  (``\hat{y}_{1} - y_{1}``, not ``- y_{1} + \hat{y}_{1}``) and a common numeric factor pulled out
  (``2 (\hat{y}_{1} - y_{1})``).
* :func:`leibniz` and :func:`chain_latex`: Leibniz fractions and ordered products of them (our
  own layout: sympy would reorder a ``Mul``).
* A small line breaker for display math: :class:`Atom`, :class:`Seq`, :class:`Sum`,
  :class:`Group` describe an expression's structure; :func:`breaklines` cuts it into lines of
  an estimated width (:func:`width`, in em) for ``align*`` / ``aligned``.

Numbers are formatted by :mod:`symbackprop.render.numbers`.

Examples
--------
>>> from symbackprop.naming import symbol
>>> y1, yhat1 = symbol("y1"), symbol("yhat1")
>>> latex_expr(-2 * y1 + 2 * yhat1, {yhat1: r"\hat{y}_{1}"})
'2 \\left(\\hat{y}_{1} - y_{1}\\right)'
>>> text_expr(-2 * y1 + 2 * yhat1)
'2*(yhat1 - y1)'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

__all__ = [
    "DOT",
    "Atom",
    "Group",
    "Math",
    "Seq",
    "Sum",
    "breaklines",
    "flat",
    "latex_expr",
    "leibniz",
    "math_structure",
    "text_expr",
    "tidy",
    "width",
]


# -- printing one expression -------------------------------------------------------------------

def _positive_first(terms: list[Any]) -> list[Any]:
    return sorted(terms, key=lambda t: bool(t.could_extract_minus_sign()))


class _TextbookLatex(LatexPrinter):
    """sympy's LaTeX printer, with the positive terms of a sum first."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        terms = super()._as_ordered_terms(expr, order=order)
        return _positive_first(terms) if isinstance(expr, sympy.Add) else terms


class _TextbookStr(StrPrinter):
    """sympy's str printer, with the positive terms of a sum first and ``^`` for powers."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        terms = super()._as_ordered_terms(expr, order=order)
        return _positive_first(terms) if isinstance(expr, sympy.Add) else terms


def tidy(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with the common factor of a sum pulled out (``-2 y + 2 yhat`` becomes
    ``2 (yhat - y)``); the value is unchanged.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> y1, yhat1 = symbol("y1"), symbol("yhat1")
    >>> tidy(-2 * y1 + 2 * yhat1)
    2*(-y1 + yhat1)
    """
    if isinstance(expr, sympy.Add):
        return sympy.factor_terms(expr)
    if isinstance(expr, sympy.Mul):
        return sympy.Mul(*(tidy(a) for a in expr.args), evaluate=False) if any(
            isinstance(a, sympy.Add) for a in expr.args) else expr
    return expr


def latex_expr(expr: sympy.Expr, names: Mapping[sympy.Symbol, str] | None = None) -> str:
    r"""``expr`` in LaTeX, with node labels ``names`` (``graph.latex_names()``), tidied.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> graph = load_problem("mazur_2_2_2").graph
    >>> print(latex_expr(graph.local_partial("a21", "yhat1"), graph.latex_names()))
    \hat{y}_{1} \left(1 - \hat{y}_{1}\right)
    """
    return _TextbookLatex({"symbol_names": dict(names or {})}).doprint(tidy(expr))


def text_expr(expr: sympy.Expr) -> str:
    """``expr`` as plain text in formula syntax (``*``, ``^``), tidied, positive terms first.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> h, y1, yhat1 = symbol("h11"), symbol("y1"), symbol("yhat1")
    >>> text_expr(h * (1 - h) * (-y1 + yhat1)), text_expr(yhat1**2)
    ('h11*(1 - h11)*(yhat1 - y1)', 'yhat1^2')
    """
    return _TextbookStr().doprint(tidy(expr)).replace("**", "^")


# -- Leibniz notation ------------------------------------------------------------------------------

def leibniz(of: str, wrt: str, names: Mapping[str, str]) -> str:
    r"""``\frac{\partial of}{\partial wrt}`` with the nodes' LaTeX labels ``names``.

    Examples
    --------
    >>> print(leibniz("L", "yhat1", {"L": r"\mathcal{L}", "yhat1": r"\hat{y}_{1}"}))
    \frac{\partial \mathcal{L}}{\partial \hat{y}_{1}}
    """
    return rf"\frac{{\partial {names[of]}}}{{\partial {names[wrt]}}}"


# -- the structure of display math, for line breaking -----------------------------------------

DOT = r"\cdot"


@dataclass(frozen=True)
class Atom:
    r"""A piece of LaTeX that is never broken.

    Examples
    --------
    >>> atom = Atom(r"\hat{y}_{1}")
    >>> print(flat(atom))
    \hat{y}_{1}
    """

    latex: str


@dataclass(frozen=True)
class Seq:
    r"""Items side by side (a product): juxtaposed (``sep=""``) or joined by ``sep`` (``\cdot``,
    the way a textbook separates the local partials of a chain).  Breakable between items.

    Examples
    --------
    >>> print(flat(Seq((Atom("x_{1}"), Atom("w_{5}")))))
    x_{1} w_{5}
    >>> print(flat(Seq((Atom("x"), Atom("h (1 - h)")), DOT)))     # a juxtaposition is braced
    x \cdot {h (1 - h)}
    """

    items: tuple[Math, ...]
    sep: str = ""


@dataclass(frozen=True)
class Sum:
    r"""``terms`` joined by ``+`` / ``-``: each is ``(negative, term)``.  ``one_per_line``: when
    the sum does not fit on one line, put each term on its own line.

    Examples
    --------
    >>> print(flat(Sum(((False, Atom(r"\hat{y}_{1}")), (True, Atom("y_{1}"))))))
    \hat{y}_{1} - y_{1}
    """

    terms: tuple[tuple[bool, Math], ...]
    one_per_line: bool = False
    always: bool = False
    """With ``one_per_line``: one term per line even when the sum would fit on one."""


@dataclass(frozen=True)
class Group:
    r"""Parentheses around ``body``; when the body is broken across lines the parentheses are
    sized by hand (``\Bigl(`` ... ``\Bigr)``).

    Examples
    --------
    >>> print(flat(Group(Sum(((False, Atom("a")), (True, Atom("b")))))))
    \left(a - b\right)
    """

    body: Math


Math = Atom | Seq | Sum | Group


def _item(node: Math, sep: str) -> str:
    """An item of a product: an atom with inner juxtaposition is braced when the product uses
    an explicit operator, so that ``{h (1 - h)} \\cdot w`` reads (and parses) as two factors."""
    text = flat(node)
    if sep == DOT and isinstance(node, Atom) and " " in text.strip():
        return "{" + text + "}"
    return text


def _pieces(node: Seq | Sum) -> list[tuple[str, Math]]:
    """``(operator, item)`` pairs: the sign of each term of a sum, the separator of each item
    of a product after the first."""
    if isinstance(node, Sum):
        return [(("-" if negative else "+") if i else ("-" if negative else ""), term)
                for i, (negative, term) in enumerate(node.terms)]
    return [(node.sep if i else "", item) for i, item in enumerate(node.items)]


def flat(node: Math) -> str:
    r"""``node`` on one line.

    Examples
    --------
    >>> node = Seq((Atom("2 h_{11}"), Group(Sum(((False, Atom("a")), (True, Atom("b")))))), DOT)
    >>> print(flat(node))
    {2 h_{11}} \cdot \left(a - b\right)
    """
    if isinstance(node, Atom):
        return node.latex
    if isinstance(node, Group):
        return rf"\left({flat(node.body)}\right)"
    sep = node.sep if isinstance(node, Seq) else "+"
    parts = [f"{op} {_item(item, sep)}" if op else _item(item, sep)
             for op, item in _pieces(node)]
    return " ".join(parts)


def _plain(factor: sympy.Expr) -> bool:
    """Whether a factor juxtaposes safely: a symbol, or a symbol to a positive integer power."""
    if isinstance(factor, sympy.Symbol):
        return True
    return (isinstance(factor, sympy.Pow) and isinstance(factor.base, sympy.Symbol)
            and factor.exp.is_Integer and factor.exp > 0)


def math_structure(expr: sympy.Expr, names: Mapping[sympy.Symbol, str]) -> Math:
    r"""The structure of a sympy expression for :func:`breaklines`.

    A sum becomes a :class:`Sum` of its terms (positive first).  A product without
    denominators becomes a :class:`Seq`: its number and symbols juxtaposed in front
    (``2 h_{11} w_{3} y^{2}``, at most one power), then each other factor (a sum in
    parentheses, a function, another power) after a ``\cdot``.  Anything else is one
    :class:`Atom`.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> h, w, y = symbol("h11"), symbol("w5"), symbol("y1")
    >>> node = math_structure(2 * h * w * (h - y), {h: "h_{11}", w: "w_{5}", y: "y_{1}"})
    >>> node.items[0], node.sep
    (Atom(latex='2 h_{11} w_{5}'), '\\cdot')
    >>> print(flat(node))
    {2 h_{11} w_{5}} \cdot \left(h_{11} - y_{1}\right)
    """
    expr = tidy(expr)
    if isinstance(expr, sympy.Add):
        terms = _TextbookLatex()._as_ordered_terms(expr)
        return Sum(tuple((bool(t.could_extract_minus_sign()),
                          math_structure(-t if t.could_extract_minus_sign() else t, names))
                         for t in terms))
    if isinstance(expr, sympy.Mul) and not any(
            isinstance(a, sympy.Pow) and a.exp.is_negative for a in expr.args):
        coefficient, factors = expr.as_coeff_mul()
        if coefficient.is_Rational and not coefficient.is_Integer:
            return Atom(latex_expr(expr, names))
        if coefficient < 0:
            return Sum(((True, math_structure(-expr, names)),))
        # Symbols juxtapose (and at most one power after them: "x y z^{2}"); the rest gets dots.
        symbols = [f for f in factors if isinstance(f, sympy.Symbol)]
        powers = [f for f in factors if _plain(f) and not isinstance(f, sympy.Symbol)]
        rest = powers[1:] + [f for f in factors if not _plain(f)]
        head = " ".join(latex_expr(f, names) for f in [*symbols, *powers[:1]])
        if coefficient != 1:
            head = f"{latex_expr(coefficient)} {head}".strip()
        items: list[Math] = [Atom(head)] if head else []
        for factor in rest:
            if isinstance(factor, sympy.Add):
                items.append(Group(math_structure(factor, names)))
            else:
                items.append(Atom(latex_expr(factor, names)))
        return items[0] if len(items) == 1 else Seq(tuple(items), DOT)
    return Atom(latex_expr(expr, names))


_BIG = (r"\Bigl(", r"\Bigr)")
_SMALL = (r"\bigl(", r"\bigr)")
CONTINUATION_EM = 2.0
"""How far a continuation line is indented (one ``\\qquad``)."""


def breaklines(node: Math, first: float, available: float) -> list[tuple[int, str]]:
    """``node`` cut into lines: ``(level, latex)`` pairs.

    The first line continues the caller's line and has ``first`` em; a line at ``level`` has
    ``available - level * CONTINUATION_EM`` em.  Sums break before a sign, products before a
    separator, and parentheses around a broken body become ``\\Bigl(`` ... ``\\Bigr)``.  An atom
    wider than a line stays whole (the caller may check :func:`width` of the result).

    Examples
    --------
    >>> terms = tuple((False, Atom(f"a_{{{i}}} b_{{{i}}}")) for i in range(4))
    >>> for level, line in breaklines(Seq((Atom("x"), Group(Sum(terms))), DOT), 8, 10):
    ...     print(level, line)
    0 x \\cdot \\Bigl( a_{0} b_{0} + a_{1} b_{1}
    1 {}+ a_{2} b_{2} + a_{3} b_{3} \\Bigr)
    """
    return _Breaker(available).lines(node, first, 1)


def _lead_width(node: Math, line: float) -> float:
    """The width of what must stay on the first line when ``node`` is broken: all of a part
    that fits a ``line`` of its own (it is not worth breaking), else the lead of its first
    part."""
    whole = width(flat(node))
    if isinstance(node, Atom) or whole <= line:
        return whole
    if isinstance(node, Group):
        return 0.5 + _lead_width(node.body, line)
    first = node.items[0] if isinstance(node, Seq) else node.terms[0][1]
    return _lead_width(first, line) + 1.0


class _Breaker:
    def __init__(self, available: float) -> None:
        self.available = available

    def room(self, level: int) -> float:
        return self.available - level * CONTINUATION_EM

    def lines(self, node: Math, first: float, level: int, depth: int = 0) -> list[
            tuple[int, str]]:
        text = flat(node)
        forced = isinstance(node, Sum) and node.always and len(node.terms) > 1
        if (width(text) <= first and not forced) or isinstance(node, Atom):
            return [(level - 1, text)]
        if isinstance(node, Group):
            opening, closing = _BIG if depth == 0 else _SMALL
            inner = self.lines(node.body, first - width(opening), level, depth + 1)
            inner[0] = (inner[0][0], f"{opening} {inner[0][1]}")
            inner[-1] = (inner[-1][0], f"{inner[-1][1]} {closing}")
            return inner
        sep = node.sep if isinstance(node, Seq) else "+"
        one_per_line = isinstance(node, Sum) and node.one_per_line
        return self.pack(_pieces(node), first, level, depth, one_per_line, sep)

    def pack(self, pieces: Sequence[tuple[str, Math]], first: float, level: int, depth: int,
             one_per_line: bool, sep: str) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        line_level, line = level - 1, ""
        capacity = first
        for op, item in pieces:
            text = _item(item, sep)
            piece = f"{op} {text}" if op else text
            if line and not one_per_line and width(f"{line} {piece}") <= capacity:
                line = f"{line} {piece}"
                continue
            if not line and width(piece) <= capacity:
                line = piece
                continue
            room_left = capacity - width(line) - 1.0
            if (line and not one_per_line and not isinstance(item, Atom)
                    and room_left >= 0.4 * self.available
                    and _lead_width(item, self.room(level)) <= room_left - width(op)):
                # Continue on this line (opening any parentheses here) and break the item.
                sub = self.lines(item, room_left - width(op), line_level + 1, depth)
                joined = f"{line} {op} {sub[0][1]}" if op else f"{line} {sub[0][1]}"
                if len(sub) == 1:
                    line = joined
                    continue
                out.append((line_level, joined))
                out.extend(sub[1:-1])
                line_level, line = sub[-1]
                capacity = self.room(line_level)
                continue
            if line:
                out.append((line_level, line))
                line_level, line, capacity = level, "", self.room(level)
            lead = ("{}" + op + " ") if op else ""
            if width(lead + text) <= capacity:
                line = lead + text
                continue
            # The item does not fit a line of its own: break it.
            sub = self.lines(item, capacity - width(lead), line_level + 1, depth)
            out.append((line_level, lead + sub[0][1]))
            out.extend(sub[1:-1])
            line_level, line = sub[-1] if len(sub) > 1 else (line_level, "")
            if len(sub) == 1:
                out.pop()
                line = lead + sub[0][1]
            capacity = self.room(line_level)
        if line:
            out.append((line_level, line))
        return out


# -- estimated widths ------------------------------------------------------------------------------

_CHAR_EM = 0.5
_WIDE = {
    "partial": 0.57, "cdot": 0.78, "times": 1.0, "to": 1.55, "quad": 1.0, "qquad": 2.0,
    ",": 0.17, ";": 0.28, ":": 0.22, "!": -0.17, "mathcal": 0.0, "hat": 0.0, "sigma": 0.6,
    "delta": 0.45, "eta": 0.5, "odot": 1.3, "sum": 1.5, "prod": 1.6, "exp": 1.3, "log": 1.3,
    "ln": 0.9, "tanh": 2.0, "left": 0.0, "right": 0.0, "Bigl": 0.0, "Bigr": 0.0, "bigl": 0.0,
    "bigr": 0.0, "boldsymbol": 0.0, "mathbf": 0.0, "mathrm": 0.0, "text": 0.0, "operatorname": 0.0,
    "approx": 1.3, "checkmark": 0.8, "cdots": 1.2, "ldots": 1.2, "top": 0.75, "leq": 1.3,
    "tfrac": 0.0, "frac": 0.0, "dfrac": 0.0, "max": 1.8, "min": 1.6,
}
_SPACED = {"+": 1.3, "-": 1.3, "=": 1.35, "<": 1.35, ">": 1.35}
_NARROW = {"(": 0.39, ")": 0.39, "[": 0.28, "]": 0.28, ",": 0.28, ".": 0.28, "|": 0.28,
           "'": 0.28, "{": 0.0, "}": 0.0, " ": 0.0, "&": 0.0, "\\": 0.0, "1": 0.5}
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")


def width(latex: str, scale: float = 1.0) -> float:
    r"""An estimate of the width, in em, of ``latex`` set in display math.

    Letters and digits count half an em, binary operators with their spacing about 1.3 em,
    fractions the wider of numerator and denominator, sub- and superscripts 70 %.  Close enough
    to break lines before they overflow (the LaTeX tests check the real widths with pdflatex).

    Examples
    --------
    >>> width("x"), width("a + b"), round(width(r"\frac{\partial e}{\partial b}"), 2)
    (0.5, 2.3, 1.32)
    """
    return _Measure(latex).run(scale)


class _Measure:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def group(self, scale: float) -> float:
        """The width of the next brace group (or single token)."""
        self.skip_spaces()
        if self.i < len(self.text) and self.text[self.i] == "{":
            depth, start = 0, self.i
            while self.i < len(self.text):
                char = self.text[self.i]
                if char == "\\":
                    self.i += 2
                    continue
                depth += char == "{"
                depth -= char == "}"
                self.i += 1
                if depth == 0:
                    break
            return _Measure(self.text[start + 1:self.i - 1]).run(scale)
        start = self.i
        self.token()
        return _Measure(self.text[start:self.i]).run(scale)

    def skip_spaces(self) -> None:
        while self.i < len(self.text) and self.text[self.i] == " ":
            self.i += 1

    def token(self) -> str:
        match = _COMMAND.match(self.text, self.i)
        if match:
            self.i = match.end()
            return match.group(0)
        self.i += 1
        return self.text[self.i - 1]

    def run(self, scale: float) -> float:
        total = 0.0
        while self.i < len(self.text):
            token = self.token()
            if token.startswith("\\") and len(token) > 1:
                name = token[1:]
                if name in ("frac", "dfrac"):
                    total += max(self.group(scale), self.group(scale)) + 0.25 * scale
                elif name == "tfrac":
                    total += max(self.group(0.7 * scale), self.group(0.7 * scale)) + 0.2
                elif name in ("text", "mathrm", "operatorname"):
                    total += 0.9 * self.group(scale)
                elif name in ("hat", "mathcal", "boldsymbol", "mathbf", "bar", "tilde"):
                    total += 1.1 * self.group(scale)
                elif name in ("left", "right", "Bigl", "Bigr", "bigl", "bigr", "Big", "big"):
                    delimiter = self.token()
                    total += 0.45 * scale if delimiter != "." else 0.0
                elif name == "begin" or name == "end":
                    self.group(scale)
                else:
                    total += _WIDE.get(name, 0.6) * scale
            elif token in ("_", "^"):
                total += self.group(0.8 * scale)
            elif token in _SPACED:
                total += _SPACED[token] * scale
            elif token in _NARROW:
                total += _NARROW[token] * scale
            else:
                total += _CHAR_EM * scale
        return total
