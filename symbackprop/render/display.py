r"""Display math for the LaTeX and Markdown pages: the page model's formulas as LaTeX.

:func:`side` writes a left side (``\frac{\partial e}{\partial b}``, ``\delta_{c}``).  The
formulas become display math to break into lines that fit the page (:func:`aligned`,
:func:`fits`): :func:`products_node` (products of Leibniz fractions: one per path, in
chain-rule order, or a delta from its children's), :func:`factored_node` (the factors shared by
paths pulled out) and :func:`result_node` (a result in node symbols, as a textbook lays out a
:class:`~symbackprop.calculus.simplify.Collected` form: :func:`collected_math`).  A row with a
value column is one line (:func:`valued_row`).  Expressions go through sympy's printer with the
graph's labels; products of partials are laid out here, in path order, never in the order
sympy prints a ``Mul``.  :func:`chain_rule_math`, :func:`factored_math` and
:func:`result_math` write a derivation's forms directly.

Examples
--------
>>> from symbackprop import derive, load_problem
>>> d = derive(load_problem("branching_graph").graph, "b")
>>> print(chain_rule_math(d))
\frac{\partial e}{\partial b} &= \frac{\partial e}{\partial c} \frac{\partial c}{\partial b} \\
&\qquad {}+ \frac{\partial e}{\partial d} \frac{\partial d}{\partial b}
>>> print(result_math(d))
\frac{\partial e}{\partial b} &= d + c
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache

import sympy

from ..calculus.derivation import Derivation
from ..calculus.simplify import Collected
from ..calculus.terms import Group
from .breaking import DOT, Atom, Math, Seq, Sum, breaklines
from .breaking import Group as Parens
from .model import Delta, Lhs, Partial, Products, Updated
from .numbers import EMPTY_PRODUCT
from .page import chain_rule, factored, labels
from .parts import Product, collected_layout, results
from .scripts import directed, script_of
from .tensor_typeset import side_latex
from .typeset import latex_expr, leibniz, math_structure
from .widths import width

__all__ = [
    "MAX_LINES",
    "SAFETY",
    "TEXTWIDTH_EM",
    "aligned",
    "chain_rule_math",
    "collected_math",
    "factored_math",
    "factored_node",
    "fits",
    "latex_text",
    "products_node",
    "result_math",
    "result_node",
    "side",
    "valued_row",
]


TEXTWIDTH_EM = 41.0
"""The text width of :func:`latex_document` (A4, 2.5 cm margins, 11 pt) in em."""

SAFETY = 0.93
"""Line breaking aims at this fraction of the width (the estimate of a width is rough)."""

MAX_LINES = 14
"""A form that needs more lines than this is summarised rather than printed."""



@lru_cache(maxsize=4096)  # a course writes the same mistakes' sentences for every student
def latex_text(text: str) -> str:
    r"""Plain text (a title, a note, a name) made safe for LaTeX text mode.

    LaTeX's special characters are escaped and a few symbols written as LaTeX does (a dash,
    quotes, an isolated Greek letter as math); a letter of another script is kept as it is
    (NFC-normalised), and a right-to-left run wrapped for LuaLaTeX
    (:func:`symbackprop.render.scripts.directed`): a document holding one needs LuaLaTeX
    (:func:`symbackprop.render.scripts.tex_program`, which :func:`latex_document` follows).  A
    character no font of that document has (:func:`symbackprop.render.scripts.untypeset`: an
    emoji, a script such as Devanagari) is written ``?``.

    Examples
    --------
    >>> print(latex_text('50% of δ_h & "x" — done'))
    50\% of $\delta$\_h \& ``x'' --- done
    >>> print(latex_text("one\n\\input{/etc/passwd}"))   # a line break ends no comment
    one \textbackslash{}input\{/etc/passwd\}
    >>> print(latex_text("Zoë Müller, Σωκράτης, 李雷, דוד 🙂"))
    Zoë Müller, Σωκράτης, 李雷, \sbpRTL{דוד} ?
    """
    text = unicodedata.normalize("NFC", re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", text))
    text = re.sub(r"(^|(?<=[\s(\[]))'", "`", text)  # an opening quote
    text = re.sub(r'(^|(?<=[\s(\[]))"', "``", text)
    words = {m.start() + i for m in _GREEK_WORD.finditer(text) for i in range(len(m.group()))}
    out = []
    for i, c in enumerate(text):
        if c in _SPECIAL and not (i in words and c in _GREEK_SYMBOLS):
            out.append(_SPECIAL[c])
        elif c.isascii() or c == "`" or script_of(c) is not None:
            out.append(c)
        else:
            out.append("?")
    return directed("".join(out))


_SPECIAL = {"\\": r"\textbackslash{}", '"': "''", "{": r"\{", "}": r"\}", "$": r"\$",
            "&": r"\&", "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}",
            "—": "---", "–": "--", "’": "'", "‘": "`", "“": "``", "”": "''",
            "→": r"$\to$", "·": r"$\cdot$", "∂": r"$\partial$", "η": r"$\eta$",
            "δ": r"$\delta$", "Σ": r"$\Sigma$", "×": r"$\times$", "−": "-", "…": r"\dots{}"}
_GREEK_SYMBOLS = "ηδΣ"
"""Written as math when alone (``δ_h``), as text inside a Greek word (``Σωκράτης``)."""
_GREEK_WORD = re.compile("[\u0370-\u03ff\u1f00-\u1fff]{2,}")



def _available(lhs: str, textwidth: float) -> float:
    return (textwidth - width(lhs) - 1.5) * SAFETY



def aligned(lhs: str, node: Math, textwidth: float = TEXTWIDTH_EM) -> list[str]:
    """``lhs &= node`` broken into ``align*`` lines (without the trailing ``\\\\``).

    Examples
    --------
    >>> from symbackprop.render.breaking import Atom, Sum
    >>> aligned("x", Sum(((False, Atom("a")), (True, Atom("b")))))
    ['x &= a - b']
    """
    room = _available(lhs, textwidth)
    out = []
    for i, (level, text) in enumerate(breaklines(node, room, room)):
        if i == 0:
            out.append(f"{lhs} &= {text}")
        else:
            out.append("&" + r"\qquad" * max(level, 1) + f" {text}")
    return out



def fits(lines: Sequence[str], lhs: str, textwidth: float = TEXTWIDTH_EM) -> bool:
    """Whether ``align*`` lines from :func:`aligned` fit the text width (and are few).

    Examples
    --------
    >>> fits(["x &= a - b"], "x"), fits(["x &= " + "a + " * 40 + "a"], "x")
    (True, False)
    """
    limit = textwidth - width(lhs) - 1.0
    return len(lines) <= MAX_LINES and all(
        width(line.split("&", 1)[1]) <= limit for line in lines)



def side(lhs: Lhs, names: Mapping[str, str]) -> str:
    r"""A left side (or a factor) of the page model in LaTeX, with the nodes' labels ``names``
    (a tensor page's: :func:`~symbackprop.render.tensor_typeset.side_latex`).

    Examples
    --------
    >>> names = {"L": r"\mathcal{L}", "w5": "w_{5}"}
    >>> print(side(Partial("L", "w5"), names), side(Delta("w5"), names), side(Updated("w5"), names))
    \frac{\partial \mathcal{L}}{\partial w_{5}} \delta_{w_{5}} w_{5}^{+}
    """
    if isinstance(lhs, Partial):
        return leibniz(lhs.of, lhs.wrt, names)
    if isinstance(lhs, Delta):
        return rf"\delta_{{{names[lhs.node]}}}"
    if isinstance(lhs, Updated):
        return rf"{names[lhs.parameter]}^{{+}}"
    return side_latex(lhs, names)


def products_node(products: Products, names: Mapping[str, str]) -> Math:
    r"""The chain rule as display math to break: one product of partials per path (juxtaposed,
    in the order given), one path per line, then how many paths are left out.

    Examples
    --------
    >>> from symbackprop.render.breaking import flat
    >>> node = products_node(Products(((Partial("e", "c"),), ()), more=3), {"e": "e", "c": "c"})
    >>> print(flat(node))
    \frac{\partial e}{\partial c} + 1 + \cdots \text{ (3 more)}
    """
    pieces: list[tuple[bool, Math]] = [
        (False, Seq(tuple(Atom(side(f, names)) for f in term)) if term else Atom(EMPTY_PRODUCT))
        for term in products.terms]
    if products.more:
        pieces.append((False, Atom(rf"\cdots \text{{ ({products.more:,} more)}}")))
    return Sum(tuple(pieces), one_per_line=True, always=True)


def _factored(group: Group, names: Mapping[str, str], depth: int = 0) -> list[Math]:
    if not group.branches:
        return []
    if len(group.branches) == 1:
        factor, sub = group.branches[0]
        return [Atom(leibniz(factor.of, factor.wrt, names)), *_factored(sub, names, depth)]
    terms = []
    for factor, sub in group.branches:
        items = [Atom(leibniz(factor.of, factor.wrt, names)), *_factored(sub, names, depth + 1)]
        terms.append((False, items[0] if len(items) == 1 else Seq(tuple(items))))
    return [Parens(Sum(tuple(terms), one_per_line=depth == 0))]


def factored_node(group: Group, names: Mapping[str, str]) -> Math:
    r"""The factored form as display math to break: path order inside each product (the
    factors shared by all paths first), the branches of a fork in parentheses.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.render.breaking import flat
    >>> d = derive(load_problem("branching_graph").graph, "b")
    >>> print(flat(factored_node(d.factored, labels(d.graph))))    # doctest: +NORMALIZE_WHITESPACE
    \left(\frac{\partial c}{\partial b} \frac{\partial e}{\partial c} +
    \frac{\partial d}{\partial b} \frac{\partial e}{\partial d}\right)
    """
    items = _factored(group, names)
    return items[0] if len(items) == 1 else Seq(tuple(items))


def chain_rule_math(d: Derivation, textwidth: float = TEXTWIDTH_EM) -> str:
    r"""The chain rule as ``align*`` lines: one product of partials per path, in chain-rule
    order (output end first), at most :data:`~symbackprop.render.parts.MAX_LISTED` paths.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> print(chain_rule_math(derive(load_problem("branching_graph").graph, "a")))
    \frac{\partial e}{\partial a} &= \frac{\partial e}{\partial c} \frac{\partial c}{\partial a}
    """
    names = labels(d.graph)
    node = products_node(chain_rule(d), names)
    return " \\\\\n".join(aligned(leibniz(d.of, d.wrt, names), node, textwidth))


def factored_math(d: Derivation, textwidth: float = TEXTWIDTH_EM) -> str | None:
    r"""The factored form as ``align*`` lines (:func:`factored_node`), or ``None`` when the
    page has none (:func:`symbackprop.render.page.factored`).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> graph = load_problem("branching_graph").graph
    >>> print(factored_math(derive(graph, "a")))                  # one path: nothing shared
    None
    >>> lhs, rhs = factored_math(derive(graph, "b")).split(" &= ")
    >>> for term in rhs.split(" + "):
    ...     print(term)
    \left(\frac{\partial c}{\partial b} \frac{\partial e}{\partial c}
    \frac{\partial d}{\partial b} \frac{\partial e}{\partial d}\right)
    """
    group = factored(d)
    if group is None:
        return None
    names = labels(d.graph)
    return " \\\\\n".join(aligned(leibniz(d.of, d.wrt, names), factored_node(group, names),
                                   textwidth))


def _factor_node(expr: sympy.Expr, names: Mapping[sympy.Symbol, str]) -> Math:
    """One factor of a chain: a sum in parentheses; a short textbook product such as
    ``h (1 - h)`` as sympy prints it; a longer product (in leaves) dot-separated."""
    if isinstance(expr, sympy.Add):
        return Parens(math_structure(expr, names))
    if isinstance(expr, sympy.Mul):
        others = [a for a in expr.args if not _juxtaposes(a)]
        if len(others) > 1 or (others and not isinstance(others[0], sympy.Add)):
            return math_structure(expr, names)
    return Atom(latex_expr(expr, names))



def _juxtaposes(factor: sympy.Expr) -> bool:
    return factor.is_Number or isinstance(factor, sympy.Symbol) or (
        isinstance(factor, sympy.Pow) and isinstance(factor.base, sympy.Symbol))



def _product_node(product: Product, names: Mapping[sympy.Symbol, str],
                  tail: Sequence[Math] = ()) -> Math:
    """``coefficient factor · factor · ... · tail``: the number juxtaposed in front, the
    factors (one local partial each) separated by dots, as a textbook writes a chain."""
    items: list[Math] = []
    run: list[sympy.Expr] = []  # consecutive symbols are juxtaposed: w_{311} w_{211}
    for factor in product.factors:
        if isinstance(factor, sympy.Symbol):
            run.append(factor)
            continue
        if run:
            items.append(Atom(" ".join(latex_expr(f, names) for f in run)))
            run = []
        node = _factor_node(factor, names)
        # A dotted product inside a dotted product is one product: a · (b · c) = a · b · c.
        items += list(node.items) if isinstance(node, Seq) and node.sep == DOT else [node]
    if run:
        items.append(Atom(" ".join(latex_expr(f, names) for f in run)))
    items += list(tail)
    if not items:
        return Atom(latex_expr(product.coefficient))
    body = items[0] if len(items) == 1 else Seq(tuple(items), DOT)
    if product.coefficient != 1:
        return Seq((Atom(latex_expr(product.coefficient)), body))
    return body



def _signed_sum(products: Sequence[tuple[bool, Math]], one_per_line: bool = False) -> Math:
    if len(products) == 1 and not products[0][0]:
        return products[0][1]
    return Sum(tuple(products), one_per_line=one_per_line)



def collected_math(grouped: Collected, names: Mapping[sympy.Symbol, str]) -> Math:
    r"""A :class:`~symbackprop.calculus.simplify.Collected` form laid out as a textbook writes it:
    numeric factors in front, the shared factors in path order, then one term per output delta (lead
    first), each times the sum over its paths.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> from symbackprop.calculus.simplify import collected
    >>> from symbackprop.render.breaking import flat
    >>> graph = load_problem("sigmoid_chain").graph
    >>> print(flat(collected_math(collected(derive(graph, "w3")), graph.latex_names())))
    2 h_{21} \cdot {\hat{y}_{1} \left(1 - \hat{y}_{1}\right)} \cdot \left(\hat{y}_{1} - y_{1}\right)
    """
    layout = collected_layout(grouped)
    tail: list[Math] = []
    if layout.terms:
        terms: list[tuple[bool, Math]] = []
        for negative, product, inner in layout.terms:
            if inner is None:
                terms.append((negative, _product_node(product, names)))
                continue
            paths = _signed_sum([(neg, _product_node(p, names)) for neg, p in inner])
            terms.append((negative, _product_node(product, names, [Parens(paths)])))
        body = _signed_sum(terms, one_per_line=True)
        tail = [Parens(body) if layout.scaled and isinstance(body, Sum) else body]
    node = _product_node(layout.front, names, tail)
    return Sum(((True, node),)) if layout.negative else node



def result_node(expr: sympy.Expr | Collected, names: Mapping[sympy.Symbol, str]) -> Math:
    """A result (a sympy expression, or a collected form) as display math to break.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> from symbackprop.render.breaking import flat
    >>> print(flat(result_node(symbol("b") - symbol("a"), {})))
    b - a
    """
    if isinstance(expr, Collected):
        return collected_math(expr, names)
    return math_structure(expr, names)



def result_math(d: Derivation, form: sympy.Expr | Collected | None = None,
                textwidth: float = TEXTWIDTH_EM) -> str:
    r"""``d of / d wrt = form`` (default: the textbook form) as ``align*`` lines.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> derivation = derive(load_problem("branching_graph").graph, "b")
    >>> print(result_math(derivation))
    \frac{\partial e}{\partial b} &= d + c
    >>> print(result_math(derivation, derivation.leaves))
    \frac{\partial e}{\partial b} &= a + 2 b + 1
    """
    if form is None:
        form = results(d).textbook or d.simplified("textbook")
    return " \\\\\n".join(aligned(leibniz(d.of, d.wrt, labels(d.graph)),
                                   result_node(form, d.graph.latex_names()), textwidth))



def valued_row(lhs: str, rhs: str, value: str = "") -> str:
    r"""An ``alignat*{2}`` row ``lhs = rhs = value`` (no value column without a value).

    Examples
    --------
    >>> print(valued_row("x", "a", "2"))
    x &= a &\qquad &= 2
    >>> print(valued_row("x", "a"))
    x &= a
    """
    tail = rf" &\qquad &= {value}" if value else ""
    return f"{lhs} &= {rhs}{tail}"
