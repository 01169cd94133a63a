r"""A small line breaker for display math (``align*`` / ``aligned``), apart from sympy.

:class:`Atom`, :class:`Seq`, :class:`Sum` and :class:`Group` describe an expression's
structure (:func:`symbackprop.render.typeset.math_structure` builds one from sympy);
:func:`flat` writes it on one line and :func:`breaklines` cuts it into lines of an estimated
width (:func:`symbackprop.render.widths.width`, in em).

Examples
--------
>>> node = Sum(((False, Atom("a")), (True, Seq((Atom("b"), Atom("c")), DOT))))
>>> print(flat(node))
a - b \cdot c
>>> breaklines(node, 2.5, 10)
[(0, 'a'), (1, '{}- b \\cdot c')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .widths import width

__all__ = ["CONTINUATION_EM", "DOT", "Atom", "Group", "Math", "Seq", "Sum", "breaklines",
           "flat"]


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
