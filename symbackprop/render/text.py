"""Derivations as Unicode text for a terminal (at most 100 columns where it can).

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.derivation import derive
>>> problem = load_problem("branching_graph")
>>> print(paths_text(derive(problem.graph, "b", values=problem.values)))
2 paths from b to e
  1. b → c → e    ∂e/∂c · ∂c/∂b = d · 1 = 2 · 1 = 2
  2. b → d → e    ∂e/∂d · ∂d/∂b = c · 1 = 3 · 1 = 3
     total = 5
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

import sympy

from ..derivation import Derivation, Factor, Group, Term

__all__ = ["derivation_text", "paths_text"]

WIDTH = 100
LEAVES_SHOWN = 60
"""The leaves-only form is shown beside another strategy only up to this many operations."""


def number(value: float | None) -> str:
    """A value to 10 significant digits (``?`` when unknown)."""
    return "?" if value is None else f"{value:.10g}"


def leibniz(of: str, wrt: str) -> str:
    return f"∂{of}/∂{wrt}"


def _expr(expr: sympy.Expr) -> str:
    return str(expr).replace("**", "^")


def _factor_label(factor: Factor) -> str:
    return leibniz(factor.of, factor.wrt)


def _wrap(text: str, indent: int) -> str:
    return textwrap.fill(text, WIDTH, subsequent_indent=" " * indent, break_long_words=False,
                         break_on_hyphens=False)


def _chain(term: Term) -> str:
    return " · ".join(_factor_label(f) for f in term.chain_rule_order)


def paths_text(derivation: Derivation) -> str:
    """Every path, its factors in chain-rule order, their formulas and values."""
    d = derivation
    plural = "path" if d.path_count == 1 else "paths"
    lines = [f"{d.path_count:,} {plural} from {d.wrt} to {d.of}"]
    if d.terms is None:
        lines.append("  (too many to list; see the factored form with `derive`)")
        return "\n".join(lines)
    width = max(len(" → ".join(t.path.nodes)) for t in d.terms) + 4
    for i, term in enumerate(d.terms, 1):
        factors = term.chain_rule_order
        formulas = " · ".join(_bracket(f.expression) for f in factors)
        line = f"  {i}. {' → '.join(term.path.nodes):<{width}}{_chain(term)} = {formulas}"
        if term.value is not None:
            line += f" = {' · '.join(number(f.value) for f in factors)} = {number(term.value)}"
        lines.append(_wrap(line, 6))
    if d.value is not None:
        lines.append(f"     total = {number(d.value)}")
    return "\n".join(lines)


def _bracket(expr: sympy.Expr) -> str:
    text = _expr(expr)
    return f"({text})" if isinstance(expr, sympy.Add) else text


def _group_text(group: Group) -> str:
    parts = []
    for factor, sub in group.branches:
        inner = _group_text(sub)
        parts.append(_factor_label(factor) + ("" if not inner else " · " + inner))
    if len(parts) > 1:
        return "(" + " + ".join(parts) + ")"
    return parts[0] if parts else ""


def _section(title: str, body: Iterable[str]) -> list[str]:
    return ["", title, *body]


def derivation_text(derivation: Derivation, *, strategy: str = "textbook",
                    learning_rate: float | None = None, title: str = "") -> str:
    """The whole derivation: paths, chain rule, local partials, factored form, result."""
    d = derivation
    head = f"{leibniz(d.of, d.wrt)}" + (f"  —  {title}" if title else "")
    lines = [head, "=" * min(len(head), WIDTH)]
    lines += _section("Paths", paths_text(d).splitlines())
    if d.terms is not None:
        sums = [_chain(t) for t in d.terms]
        lines += _section("Chain rule: the sum over every path of the product of local partials",
                          [_wrap(f"  {leibniz(d.of, d.wrt)} = " + "\n + ".join(sums), 8)])
        seen: dict[tuple[str, str], Factor] = {}
        for term in d.terms:
            for factor in term.chain_rule_order:
                seen.setdefault((factor.of, factor.wrt), factor)
        label_width = max(len(_factor_label(f)) for f in seen.values())
        rows = []
        for factor in seen.values():
            row = f"  {_factor_label(factor):<{label_width}} = {_expr(factor.expression)}"
            if factor.value is not None:
                row += f"  = {number(factor.value)}"
            rows.append(_wrap(row, label_width + 5))
        lines += _section("Local partials", rows)
    if d.factored is not None:
        lines += _section("Factored (backprop) form: shared factors pulled out",
                          [_wrap(f"  {leibniz(d.of, d.wrt)} = {_group_text(d.factored)}", 8)])
    lines += _section("Deltas (each node's ∂{}/∂node, defined once)".format(d.of), [
        _wrap(f"  δ_{a.node} = " + (" + ".join(f"{_factor_label(f)} · δ_{c}"
                                                for f, c in a.contributions) or "1")
              + ("" if a.value is None else f"  = {number(a.value)}"), 8)
        for a in d.adjoints
    ])
    result = [_wrap(f"  {leibniz(d.of, d.wrt)} = {_expr(d.simplified(strategy))}", 8)]
    if strategy != "leaves":
        leaves = d.simplified("leaves")
        size = sympy.count_ops(leaves)
        shown = _expr(leaves) if size <= LEAVES_SHOWN else (
            f"({size} operations; shown with --simplify leaves)")
        result.append(_wrap(f"  in leaves only: {shown}", 8))
    lines += _section(f"Result ({strategy})", result)
    if d.value is not None:
        lines += _section("Value", [f"  {leibniz(d.of, d.wrt)} = {number(d.value)}"])
        if learning_rate is not None and d.values is not None:
            before = d.values[d.wrt]
            after = before - learning_rate * d.value
            lines.append(f"  update: {d.wrt}+ = {d.wrt} − η {leibniz(d.of, d.wrt)} = "
                         f"{number(before)} − {number(learning_rate)} · {number(d.value)} = "
                         f"{number(after)}")
    return "\n".join(lines)
