"""Path listings written as they are produced (``symbackprop paths`` past the derivation limit).

The lines read as :func:`symbackprop.render.text.paths_text` writes them, one per path, but come
from :func:`symbackprop.calculus.streaming.iter_path_terms` one at a time: every factor's label,
formula and value is formatted once per edge, not once per path.  Past the streaming limit the
listing gives way to the factored (adjoint) form, which holds every path grouped.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.streaming import iter_path_terms
>>> problem = load_problem("branching_graph")
>>> terms = iter_path_terms(problem.graph, "b", values=problem.values)
>>> print("\\n".join(streamed_paths_lines(terms, of="e", wrt="b", count=2, width=9)))
2 paths from b to e
  1. b → c → e    ∂e/∂c · ∂c/∂b = d · 1 = 2 · 1 = 2
  2. b → d → e    ∂e/∂d · ∂d/∂b = c · 1 = 3 · 1 = 3
     total = 5
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

import sympy

from ..calculus.sweep import Gradients
from ..calculus.terms import Factor, Term
from .gradients import gradients_data, gradients_text
from .jsontext import Later, held
from .numbers import EMPTY_PRODUCT
from .plaintext import leibniz, number
from .typeset import natural_str

__all__ = ["factored_paths_data", "factored_paths_text", "streamed_paths_data",
           "streamed_paths_lines"]


def _formula(expr: sympy.Expr) -> str:
    text = natural_str(expr).replace("**", "^")
    return f"({text})" if isinstance(expr, sympy.Add) else text


def streamed_paths_lines(terms: Iterable[Term], *, of: str, wrt: str, count: int,
                         width: int) -> Iterator[str]:
    """One line per path (chain-rule order: the output end first), then the total (the
    correctly rounded sum of the path values, when they are known).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.streaming import iter_path_terms
    >>> graph = load_problem("branching_graph").graph            # no values: formulas only
    >>> for line in streamed_paths_lines(iter_path_terms(graph, "b"), of="e", wrt="b",
    ...                                  count=2, width=9):
    ...     print(line)
    2 paths from b to e
      1. b → c → e    ∂e/∂c · ∂c/∂b = d · 1
      2. b → d → e    ∂e/∂d · ∂d/∂b = c · 1
    """
    plural = "path" if count == 1 else "paths"
    yield f"{count:,} {plural} from {wrt} to {of}"
    # Each factor's label, formula and value printed once (keyed by the shared Factor object);
    # a path's line is then three joins of strings already made.
    labels: dict[int, str] = {}
    formulas: dict[int, str] = {}
    numbers: dict[int, str] = {}
    path_values: list[float] = []
    for i, term in enumerate(terms, 1):
        keys = [id(f) for f in reversed(term.factors)]
        if not all(key in labels for key in keys):
            for factor in term.factors:
                key = id(factor)
                labels[key] = leibniz(factor.of, factor.wrt)
                formulas[key] = _formula(factor.expression)
                numbers[key] = number(factor.value)
        if not keys:  # the path of one node: no factor, and the empty product
            yield f"  {i}. {term.path.nodes[0]:<{width + 4}}{EMPTY_PRODUCT}"
            if term.value is not None:
                path_values.append(term.value)
            continue
        line = (f"  {i}. {' → '.join(term.path.nodes):<{width + 4}}"
                f"{' · '.join(map(labels.__getitem__, keys))} = "
                f"{' · '.join(map(formulas.__getitem__, keys))}")
        if term.value is not None:
            line += f" = {' · '.join(map(numbers.__getitem__, keys))} = {number(term.value)}"
            path_values.append(term.value)
        yield line
    if path_values:
        yield f"     total = {number(math.fsum(path_values))}"


def streamed_paths_data(terms: Iterable[Term], *, of: str, wrt: str,
                        count: int) -> dict[str, Any]:
    """The shape of :func:`symbackprop.render.data.paths_data`, from streamed terms (with
    ``"streamed": true``): the paths an iterator, made as they are written
    (:func:`~symbackprop.render.jsontext.json_lines`), and the total, the sum of their values,
    made after them (a :class:`~symbackprop.render.jsontext.Later`).

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> from symbackprop.calculus.streaming import iter_path_terms
    >>> problem = load_problem("branching_graph")
    >>> data = streamed_paths_data(iter_path_terms(problem.graph, "b", values=problem.values),
    ...                            of="e", wrt="b", count=2)
    >>> [(p["nodes"], p["value"]) for p in data["paths"]], data["value"].make(), data["streamed"]
    ([(['b', 'c', 'e'], 2.0), (['b', 'd', 'e'], 3.0)], 5.0, True)
    """
    factors: dict[int, dict[str, Any]] = {}

    def factor_data(factor: Factor) -> dict[str, Any]:
        key = id(factor)
        if key not in factors:
            factors[key] = {"of": factor.of, "wrt": factor.wrt,
                            "expression": natural_str(factor.expression),
                            "value": held(factor.value)}
        return factors[key]

    known: list[float] = []
    unknown = [False]

    def paths() -> Iterator[dict[str, Any]]:
        for t in terms:
            value = held(t.value)
            if value is None:
                unknown[0] = True
            else:
                known.append(value)
            yield {"nodes": list(t.path.nodes), "factors": [factor_data(f) for f in t.factors],
                   "value": value}

    def total() -> float | None:
        return math.fsum(known) if known and not unknown[0] else None

    return {"of": of, "wrt": wrt, "path_count": count, "paths_listed": True, "streamed": True,
            "paths": paths(), "value": Later(total)}


def factored_paths_text(grads: Gradients, *, wrt: str, count: int, limit: int) -> str:
    """The count, and the factored form in place of the listing (past the streaming limit).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.sweep import gradients
    >>> problem = load_problem("branching_graph")
    >>> grads = gradients(problem.graph, wrt=["b"], values=problem.values)
    >>> print(factored_paths_text(grads, wrt="b", count=2, limit=1))  # doctest: +ELLIPSIS
    2 paths from b to e
      (more than 1: not listed; every path is in the factored form below, each node's ...)
    <BLANKLINE>
    ∂e/∂b
    =====
    ...
      ∂e/∂b = ∂c/∂b · δ_c + ∂d/∂b · δ_d = δ_c + δ_d  = 5
    """
    lines = [f"{count:,} paths from {wrt} to {grads.of}",
             f"  (more than {limit:,}: not listed; every path is in the factored form below, "
             "each node's adjoint summing the paths through it)", "", ""]
    return "\n".join(lines) + gradients_text(grads)


def factored_paths_data(grads: Gradients, *, wrt: str, count: int) -> dict[str, Any]:
    """The shape of :func:`symbackprop.render.data.paths_data` past the streaming limit: no
    path listed, the factored (adjoint) form instead (``paths --format json``).

    Examples
    --------
    >>> from symbackprop import gradients, load_problem
    >>> problem = load_problem("branching_graph")
    >>> data = factored_paths_data(gradients(problem.graph, wrt=["b"], values=problem.values),
    ...                            wrt="b", count=2)
    >>> data["paths_listed"], data["value"], data["factored"]["gradients"][0]["expression"]
    (False, 5.0, 'delta_c + delta_d')
    """
    return {"of": grads.of, "wrt": wrt, "path_count": count, "paths_listed": False,
            "paths": [], "value": grads.value(wrt), "factored": gradients_data(grads)}
