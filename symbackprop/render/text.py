"""Derivations as Unicode text for a terminal: at most 100 columns.

Structure is written with Unicode (``∂``, ``·``, ``→``, ``δ``, ``η``); single formulas keep
the problem-file formula syntax (``2*(yhat1 - y1)``, ``h13*(1 - h13)``) so that they can be
copied into a claim.  :func:`derivation_text` is the page of ``derive --format text``;
:func:`paths_text` the listing of ``paths`` (one line per path, as the streamed listing of
:mod:`symbackprop.render.streamed` writes it).

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("branching_graph")
>>> print(paths_text(derive(problem.graph, "b", values=problem.values)))
2 paths from b to e
  1. b → c → e    ∂e/∂c · ∂c/∂b = d · 1 = 2 · 1 = 2
  2. b → d → e    ∂e/∂d · ∂d/∂b = c · 1 = 3 · 1 = 3
     total = 5
>>> page = derivation_text(derive(problem.graph, "b", values=problem.values))
>>> print(page.split("Numbers")[1].strip("\\n"))
  path  product of local partials (chain-rule order)  value    share
     1  2 · 1                                             2   40.0 %
     2  3 · 1                                             3   60.0 %
        total                                             5  100.0 %
  ∂e/∂b = 5
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence

import sympy

from ..calculus.derivation import Derivation, Factor, Group, Step, Term
from ..calculus.options import EXPRESSION_LIMIT
from ..calculus.simplify import STRATEGY_DESCRIPTIONS, Collected
from .matrix import MatrixForm, matrix_text
from .numbers import EMPTY_PRODUCT, FACTOR_DIGITS, percent, text_number
from .parts import (
    MAX_LISTED,
    Product,
    cancels,
    collected_layout,
    local_partials,
    path_shares,
    results,
)
from .typeset import natural_str, text_expr

__all__ = ["WIDTH", "collected_text", "derivation_text", "leibniz", "number", "paths_text",
           "step_text"]

WIDTH = 100
"""Lines are at most this wide (a single unbreakable token may be longer)."""
LEAVES_SHOWN = 60
"""The leaves-only form is printed beside another strategy only up to this many operations."""
PRODUCT_WIDTH = 56
"""The product column of the numbers table wraps past this width."""

number = text_number
"""A value to 10 significant digits: :func:`symbackprop.render.numbers.text_number`."""


def leibniz(of: str, wrt: str) -> str:
    """The partial derivative ``∂of/∂wrt`` in Leibniz notation, as text.

    Examples
    --------
    >>> leibniz("L", "w5")
    '∂L/∂w5'
    """
    return f"∂{of}/∂{wrt}"


def step_text(step: Step[float], of: str) -> str:
    """One step of gradient descent with its numbers, on one line.

    Examples
    --------
    >>> print(step_text(Step("w1", 0.5, 0.15, 0.0004385677345), "L"))
    w1+ = w1 − η ∂L/∂w1 = 0.15 − 0.5 · 0.0004385677345 = 0.1497807161
    """
    w = step.parameter
    return (f"{w}+ = {w} − η {leibniz(of, w)} = {number(step.before)} − "
            f"{number(step.learning_rate)} · {number(step.gradient)} = {number(step.after)}")


def _expr(expr: sympy.Expr) -> str:
    return text_expr(expr)


def _factor_label(factor: Factor) -> str:
    return leibniz(factor.of, factor.wrt)


def _wrap(text: str, indent: int) -> str:
    """``text`` in lines of at most :data:`WIDTH`, continuation lines indented by ``indent``;
    a line breaks at the least nested space in its second half, before a ``+`` or ``-`` if it
    can (between the terms of a sum, then the factors of a product, rather than inside a
    parenthesis)."""
    lines, rest = [], text
    while len(rest) > WIDTH:
        depth, best, best_key = 0, -1, (10**9, 1)
        for i, char in enumerate(rest[:WIDTH + 1]):
            if char in "([":
                depth += 1
            elif char in ")]":
                depth -= 1
            elif char == " " and i >= WIDTH // 2 and i > indent:
                key = (depth, 0 if rest[i + 1:i + 3] in ("+ ", "- ") else 1)
                if key <= best_key:  # least nested, before a sign if possible, then last
                    best, best_key = i, key
        if best < 0:  # no space to break at: the rest of the first word stays whole
            best = rest.find(" ", WIDTH)
            if best < 0:
                break
        lines.append(rest[:best].rstrip())
        rest = " " * indent + rest[best:].lstrip()
    return "\n".join([*lines, rest])


def _chain(term: Term) -> str:
    return " · ".join(_factor_label(f) for f in term.chain_rule_order) or EMPTY_PRODUCT


def paths_text(derivation: Derivation) -> str:
    """Every path, its factors in chain-rule order, their formulas and values.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("exp_exp_square")      # y = exp(h2), h2 = exp(h1), h1 = x^2
    >>> print(paths_text(derive(problem.graph, "x")))
    1 path from x to y
      1. x → h1 → h2 → y    ∂y/∂h2 · ∂h2/∂h1 · ∂h1/∂x = y · h2 · 2*x
    >>> print(paths_text(derive(problem.graph, "x", values=problem.values)).splitlines()[-1])
         total = 4.636804375
    """
    d = derivation
    plural = "path" if d.path_count == 1 else "paths"
    lines = [f"{d.path_count:,} {plural} from {d.wrt} to {d.of}"]
    if d.terms is None:
        lines.append("  (too many to list; see the factored form with `derive`)")
        return "\n".join(lines)
    width = max(len(" → ".join(t.path.nodes)) for t in d.terms) + 4
    # each factor (shared by the paths through its edge) printed once
    printed: dict[int, tuple[str, str, str]] = {}
    for i, term in enumerate(d.terms, 1):
        parts = []
        for f in term.chain_rule_order:
            if id(f) not in printed:
                printed[id(f)] = (_factor_label(f), _bracket(f.expression), number(f.value))
            parts.append(printed[id(f)])
        if not parts:  # the path of one node: no factor, and the empty product
            lines.append(f"  {i}. {term.path.nodes[0]:<{width}}{EMPTY_PRODUCT}")
            continue
        line = (f"  {i}. {' → '.join(term.path.nodes):<{width}}"
                f"{' · '.join(p[0] for p in parts)} = {' · '.join(p[1] for p in parts)}")
        if term.value is not None:
            line += f" = {' · '.join(p[2] for p in parts)} = {number(term.value)}"
        lines.append(_wrap(line, 6))
    if d.value is not None:
        lines.append(f"     total = {number(d.value)}")
    return "\n".join(lines)


def _bracket(expr: sympy.Expr) -> str:
    text = natural_str(expr).replace("**", "^")
    return f"({text})" if isinstance(expr, sympy.Add) else text


# -- the derivation page ---------------------------------------------------------------------------

def _sum_lines(head: str, terms: Sequence[str]) -> list[str]:
    """``head = t1`` then ``+ t2`` ... aligned under the first term, each wrapped."""
    pad = " " * (len(head) + 1)
    out = []
    for i, term in enumerate(terms):
        line = f"{head} = {term}" if i == 0 else f"{pad}+ {term}"
        out.append(_wrap(line, len(pad) + 4))
    return out


def _group_text(group: Group) -> str:
    parts = []
    for factor, sub in group.branches:
        inner = _group_text(sub)
        parts.append(_factor_label(factor) + ("" if not inner else " · " + inner))
    if len(parts) > 1:
        return "(" + " + ".join(parts) + ")"
    return parts[0] if parts else ""


def _factor_text(expr: sympy.Expr) -> str:
    text = _expr(expr)
    return f"({text})" if isinstance(expr, sympy.Add) else text


def _product_text(product: Product, tail: Sequence[str] = ()) -> str:
    items = [_factor_text(f) for f in product.factors] + list(tail)
    body = " · ".join(items)
    if product.coefficient != 1 or not items:
        return f"{product.coefficient} · {body}" if items else str(product.coefficient)
    return body


def _signed_join(parts: Sequence[tuple[bool, str]]) -> str:
    out = ""
    for i, (negative, text) in enumerate(parts):
        if i == 0:
            out = f"-{text}" if negative else text
        else:
            out += f" - {text}" if negative else f" + {text}"
    return out


def collected_text(grouped: Collected) -> str:
    """A :class:`~symbackprop.calculus.simplify.Collected` form on one line: numeric factors in
    front, the shared factors (path order), then one term per output delta, each times the sum over
    its paths; factors (one local partial each) separated by ``·``.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> from symbackprop.calculus.simplify import collected
    >>> graph = load_problem("linear_2_2_2_2").graph
    >>> print(collected_text(collected(derive(graph, "w111"))))
    x1 · [(yhat1 - y1) · (w311 · w211 + w312 · w221) + (yhat2 - y2) · (w321 · w211 + w322 · w221)]
    """
    layout = collected_layout(grouped)
    tail = []
    if layout.terms:
        terms = []
        for negative, product, inner in layout.terms:
            if inner is None:
                terms.append((negative, _product_text(product)))
                continue
            paths = _signed_join([(n, _product_text(p)) for n, p in inner])
            terms.append((negative, _product_text(product, [f"({paths})"])))
        body = _signed_join(terms)
        wrap = len(terms) > 1 and layout.scaled
        tail = [f"[{body}]" if wrap else body]
    text = _product_text(layout.front, tail)
    return f"-{text}" if layout.negative else text


def _result(form: Collected | sympy.Expr) -> str:
    return collected_text(form) if isinstance(form, Collected) else _expr(form)


def _section(title: str, body: Iterable[str]) -> list[str]:
    return ["", title, *body]


def _numbers_table(d: Derivation) -> list[str]:
    rows = []
    for i, (term, share) in enumerate(zip(d.terms or (), path_shares(d), strict=False), 1):
        if i > MAX_LISTED:
            break
        product = " · ".join(text_number(f.value, FACTOR_DIGITS)
                             for f in term.chain_rule_order) or EMPTY_PRODUCT
        rows.append((str(i), product, number(term.value),
                     "" if share is None else f"{percent(share)} %"))
    total_share = "100.0 %" if d.value and not cancels(d) else "(paths cancel)"
    rows.append(("", "total", number(d.value), total_share))
    header = ("path", "product of local partials (chain-rule order)", "value", "share")
    product_width = min(PRODUCT_WIDTH, max(len(header[1]), *(len(r[1]) for r in rows)))
    widths = [max(len(header[0]), 4), product_width,
              max(len(r[2]) for r in [header, *rows]), max(len(r[3]) for r in [header, *rows])]
    out = [f"{header[0]}  {header[1]:<{product_width}}  {header[2]:>{widths[2]}}  "
           f"{header[3]:>{widths[3]}}".rstrip()]
    for row in rows:
        pieces = textwrap.wrap(row[1], product_width, break_long_words=False) or [""]
        out.append(f"{row[0]:>{widths[0]}}  {pieces[0]:<{product_width}}  "
                   f"{row[2]:>{widths[2]}}  {row[3]:>{widths[3]}}".rstrip())
        out += [f"{'':>{widths[0]}}  {p}" for p in pieces[1:]]
    return out


def derivation_text(derivation: Derivation, *, strategy: str = "textbook",
                    learning_rate: float | None = None, title: str = "",
                    matrix: MatrixForm | None = None, max_terms: int = EXPRESSION_LIMIT) -> str:
    """The whole derivation: paths, chain rule, factored form and deltas, local partials,
    result (textbook, the strategy, leaves only; past ``max_terms`` paths a line saying why
    not), numbers, and the matrix form if given.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> page = derivation_text(derive(problem.graph, "w1", values=problem.values),
    ...                        learning_rate=problem.learning_rate)
    >>> print(page[page.index("Deltas"):page.index("Local partials")].strip())
    Deltas δ_n = ∂L/∂n, each computed once from the output back
      δ_yhat2 = ∂L/∂yhat2  = -0.2170715347
      δ_yhat1 = ∂L/∂yhat1  = 0.7413650696
      δ_a22   = ∂yhat2/∂a22 · δ_yhat2  = -0.03809823652
      δ_a21   = ∂yhat1/∂a21 · δ_yhat1  = 0.1384985616
      δ_h11   = ∂a21/∂h11 · δ_a21 + ∂a22/∂h11 · δ_a22  = 0.03635030639
      δ_a11   = ∂h11/∂a11 · δ_h11  = 0.008771354689
      δ_w1    = ∂a11/∂w1 · δ_a11  = 0.0004385677345
    >>> print(page.splitlines()[-1])
      update: w1+ = w1 − η ∂L/∂w1 = 0.15 − 0.5 · 0.0004385677345 = 0.1497807161
    """
    d = derivation
    head = leibniz(d.of, d.wrt)
    top = head + (f"  —  {title}" if title else "")
    lines = [_wrap(top, 4), "═" * min(len(top), WIDTH)]
    plural = "path" if d.path_count == 1 else "paths"
    paths = [f"  {d.path_count:,} {plural} from {d.wrt} to {d.of}"]
    if d.terms is not None:
        shown = d.terms[:MAX_LISTED]
        paths += [_wrap(f"  {i:>3}. {' → '.join(t.path.nodes)}", 8)
                  for i, t in enumerate(shown, 1)]
        if len(d.terms) > len(shown):
            paths.append(f"       ... and {len(d.terms) - len(shown):,} more (`paths` lists "
                         "them all)")
    lines += _section("Paths", paths)
    if d.terms is not None:
        lines += _section(
            "Chain rule: over every path, the product of its local partials (output end first)",
            _sum_lines(f"  {head}", [_chain(t) for t in d.terms[:MAX_LISTED]]))
    if d.factored is not None and 1 < d.path_count <= MAX_LISTED:
        lines += _section("Factored (backprop) form: the factors shared by paths pulled out",
                          [_wrap(f"  {head} = {_group_text(d.factored)}", 8)])
    label = max((len(a.node) for a in d.adjoints), default=1) + 2
    deltas = []
    for a in d.adjoints:
        if a.node == d.of:
            continue
        rule = " + ".join(_factor_label(f) + ("" if c == d.of else f" · δ_{c}")
                          for f, c in a.contributions)
        value = "" if a.value is None else f"  = {number(a.value)}"
        deltas.append(_wrap(f"  {'δ_' + a.node:<{label}} = {rule}{value}", label + 5))
    lines += _section(f"Deltas δ_n = ∂{d.of}/∂n, each computed once from the output back", deltas)
    partials = local_partials(d)
    width = max((len(_factor_label(f)) for f in partials), default=1)
    formula_width = min(30, max((len(_expr(f.expression)) for f in partials), default=1))
    rows = []
    for factor in partials:
        row = f"  {_factor_label(factor):<{width}} = {_expr(factor.expression):<{formula_width}}"
        if factor.value is not None:
            row += f" = {number(factor.value)}"
        rows.append(_wrap(row.rstrip(), width + 5))
    lines += _section("Local partials", rows)
    lines += _section(f"Result ({strategy}: {STRATEGY_DESCRIPTIONS[strategy]})",
                      _result_lines(d, strategy, head, max_terms))
    if d.value is not None:
        numbers = _numbers_table(d) if d.terms is not None else []
        numbers = ["  " + n for n in numbers]
        numbers.append(f"  {head} = {number(d.value)}")
        step = d.step(learning_rate)
        if step is not None:
            numbers.append(_wrap(f"  update: {step_text(step, d.of)}", 10))
        lines += _section("Numbers", numbers)
    if matrix is not None:
        lines += ["", *matrix_text(matrix).splitlines()]
    return "\n".join(lines)


MAX_RESULT_LINES = 24
"""A result longer than this many lines is cut (its first lines and its length shown)."""


def _cut(text: str) -> str:
    lines = text.splitlines()
    if len(lines) <= MAX_RESULT_LINES:
        return text
    return "\n".join([*lines[:MAX_RESULT_LINES // 2],
                      f"        ... ({len(lines):,} lines in all: too long to print whole; the "
                      "deltas above give its value)"])


def _result_lines(d: Derivation, strategy: str, head: str, max_terms: int) -> list[str]:
    forms = results(d, strategy, max_terms)
    textbook = forms.textbook if forms.textbook is not None else forms.textbook_expr
    if textbook is None:
        return [_wrap(f"  {head}: {forms.omitted}", 8)]
    out = [_cut(_wrap(f"  {head} = {_result(textbook)}", 8))]
    if strategy != "textbook":
        if forms.strategy_expr is None:
            out.append(_wrap(f"  {strategy}: {forms.note}", 8))
        else:
            shown = forms.strategy_collected or forms.strategy_expr
            out.append(_cut(_wrap(f"  {strategy}: {head} = {_result(shown)}", 8)))
    if strategy not in ("leaves", "full"):
        if forms.leaves is not None and (forms.leaves_ops or 0) <= LEAVES_SHOWN:
            out.append(_wrap(f"  in leaves only: {_result(forms.leaves)}", 8))
        else:
            where = "shown with --simplify leaves" if forms.leaves_ops is not None else \
                "too large to write out"
            out.append(f"  in leaves only: {forms.leaves_size} ({where})")
    return out
