"""All-parameter gradients (one reverse sweep) as text and as JSON-ready data.

``symbackprop derive FILE --wrt all`` prints these: the named adjoints, each defined once in
reverse topological order, then every parameter's gradient in terms of them.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.sweep import gradients
>>> problem = load_problem("branching_graph")
>>> print(gradients_text(gradients(problem.graph, values=problem.values), title="tree"))
∂e/∂(every input)  —  tree
==========================
<BLANKLINE>
Adjoints (δ_n = ∂e/∂n, each defined once, from e back to the inputs)
  δ_d = ∂e/∂d · 1 = c  = 3
  δ_c = ∂e/∂c · 1 = d  = 2
<BLANKLINE>
Gradients
  ∂e/∂a = ∂c/∂a · δ_c = δ_c  = 2
  ∂e/∂b = ∂c/∂b · δ_c + ∂d/∂b · δ_d = δ_c + δ_d  = 5
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy

from ..calculus.sweep import Gradients
from ..graph.canonical import product
from .jsontext import held
from .plaintext import WIDTH, leibniz, number
from .typeset import natural_forms, natural_latex, natural_str, plain_str

__all__ = ["gradients_data", "gradients_math", "gradients_text"]


def _expr(expr: sympy.Expr) -> str:
    return natural_str(expr).replace("**", "^")


def _delta(name: str, of: str) -> str:
    return "1" if name == of else f"δ_{name}"


def _sum(grads: Gradients, node: str, contributions: Any) -> str:
    return " + ".join(f"{leibniz(child, node)} · {_delta(child, grads.of)}"
                      for _, child in contributions) or "0"


def gradients_text(grads: Gradients, *, title: str = "") -> str:
    """Every named adjoint and every gradient, with values where known.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.sweep import gradients
    >>> problem = load_problem("sigmoid_chain")
    >>> print(gradients_text(gradients(problem.graph, wrt=["w3"])))
    ∂L/∂w3
    ======
    <BLANKLINE>
    Adjoints (δ_n = ∂L/∂n, each defined once, from L back to the parameters)
      δ_yhat1 = ∂L/∂yhat1 · 1 = -2*y1 + 2*yhat1
      δ_a31 = ∂yhat1/∂a31 · δ_yhat1 = yhat1*δ_yhat1*(1 - yhat1)
    <BLANKLINE>
    Gradients
      ∂L/∂w3 = ∂a31/∂w3 · δ_a31 = h21*δ_a31
    """
    kinds = {grads.graph.node(w).kind for w in grads.wrt}
    what = "every parameter" if kinds == {"parameter"} else (
        "every input" if kinds == {"input"} else "the nodes asked for")
    head = leibniz(grads.of, grads.wrt[0] if len(grads.wrt) == 1 else f"({what})")
    head += f"  —  {title}" if title else ""
    lines = [head, "=" * min(len(head), WIDTH), "",
             f"Adjoints (δ_n = ∂{grads.of}/∂n, each defined once, from {grads.of} back to the "
             f"{'parameters' if kinds == {'parameter'} else 'inputs'})"]
    symbols = {a.symbol: sympy.Symbol(f"δ_{a.node}") for a in grads.adjoints}
    for adjoint in grads.adjoints:
        value = "" if adjoint.value is None else f"  = {number(adjoint.value)}"
        lines.append(f"  δ_{adjoint.node} = {_sum(grads, adjoint.node, adjoint.contributions)} "
                     f"= {_expr(adjoint.expression.xreplace(symbols))}{value}")
    lines += ["", "Gradients"]
    named = grads.symbols
    for wrt in grads.wrt:
        value = "" if grads.value(wrt) is None else f"  = {number(grads.value(wrt))}"
        if wrt in named:  # an intermediate node: its adjoint is the gradient
            lines.append(f"  {leibniz(grads.of, wrt)} = δ_{wrt}{value}")
            continue
        children = [c for c in grads.graph.children(wrt) if c == grads.of or c in named]
        chain = " + ".join(f"{leibniz(c, wrt)} · {_delta(c, grads.of)}" for c in children)
        body = f"{chain} = " if chain else ""
        lines.append(f"  {leibniz(grads.of, wrt)} = {body}{_expr(_renamed(grads[wrt], symbols))}"
                     f"{value}")
    return "\n".join(lines)


def _renamed(expr: sympy.Expr, symbols: dict[sympy.Expr, sympy.Expr]) -> sympy.Expr:
    """``expr.xreplace(symbols)``; a weight's gradient (a product of two symbols, one of them an
    adjoint's) made directly, as ``xreplace`` would remake it (8,832 at [64, 64, 64, 10])."""
    if type(expr) is sympy.Mul and len(expr.args) == 2 and all(
            type(arg) is sympy.Symbol for arg in expr.args):
        left, right = (symbols.get(arg, arg) for arg in expr.args)
        return product(left, right)
    return expr.xreplace(symbols)


def gradients_data(grads: Gradients) -> dict[str, Any]:
    """What ``derive --wrt all --format json`` prints.

    ``adjoints`` in reverse topological order, each with its symbol, LaTeX, definition and the
    local partials it sums; ``gradients`` in ``wrt`` order, each with its expression in adjoint
    symbols and its value (``null`` without values).  Its JSON Schema is the ``gradients``
    definition of ``docs/derive.schema.json``.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.sweep import gradients
    >>> problem = load_problem("branching_graph")
    >>> data = gradients_data(gradients(problem.graph, values=problem.values))
    >>> [(a["symbol"], a["expression"], a["value"]) for a in data["adjoints"]]
    [('delta_d', 'c', 3.0), ('delta_c', 'd', 2.0)]
    >>> [(g["wrt"], g["expression"], g["value"]) for g in data["gradients"]]
    [('a', 'delta_c', 2.0), ('b', 'delta_c + delta_d', 5.0)]
    """
    names = grads.latex_names()
    return {
        "of": grads.of,
        "wrt": list(grads.wrt),
        "adjoints": [{
            "node": a.node,
            "symbol": str(a.symbol),
            "latex": names[a.symbol],
            "expression": natural_str(a.expression),
            "contributions": [{"child": child, "partial": plain_str(factor.expression)}
                              for factor, child in a.contributions],
            "value": held(a.value),
        } for a in grads.adjoints],
        "gradients": [_gradient(grads, w, names) for w in grads.wrt],
    }


def _gradient(grads: Gradients, wrt: str, names: Mapping[sympy.Symbol, str]) -> dict[str, Any]:
    expression, latex = natural_forms(grads.expressions[wrt], names)
    values = grads.gradient_values
    return {"wrt": wrt, "expression": expression, "latex": latex,
            "value": None if values is None else values[wrt]}


def gradients_math(grads: Gradients) -> str:
    r"""The adjoints and the gradients as one display (``$\displaystyle ...$``): what Jupyter
    shows for a :class:`~symbackprop.calculus.sweep.Gradients`.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.sweep import gradients
    >>> math = gradients_math(gradients(load_problem("branching_graph").graph))
    >>> for row in math.split(r"\\ "):
    ...     print(row)
    $\displaystyle \begin{aligned}\delta_{d} &= c
    \delta_{c} &= d
    \frac{\partial e}{\partial a} &= \delta_{c}
    \frac{\partial e}{\partial b} &= \delta_{c} + \delta_{d}\end{aligned}$
    """
    names = grads.latex_names()
    rows = [rf"{names[a.symbol]} &= {natural_latex(a.expression, names)}"
            for a in grads.adjoints]
    rows += [rf"\frac{{\partial {grads.graph.node(grads.of).latex}}}{{\partial "
             rf"{grads.graph.node(w).latex}}} &= {natural_latex(e, names)}"
             for w, e in grads.expressions.items()]
    return r"$\displaystyle \begin{aligned}" + r"\\ ".join(rows) + r"\end{aligned}$"
