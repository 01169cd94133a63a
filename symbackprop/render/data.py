"""Derivations as plain data (dicts of str, float, list) for ``--format json``
(docs/reference/cli.md).  ``docs/derive.schema.json`` is the JSON Schema of
:func:`derivation_data` and ``docs/paths.schema.json`` that of :func:`paths_data` (and of the
streamed and factored listings of :mod:`symbackprop.render.streamed`).

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("branching_graph")
>>> data = derivation_data(derive(problem.graph, "b", values=problem.values))
>>> data["value"], [p["nodes"] for p in data["paths"]]
(5.0, [['b', 'c', 'e'], ['b', 'd', 'e']])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..calculus.derivation import Derivation
from ..calculus.options import EXPRESSION_LIMIT
from ..calculus.simplify import leaves_operations
from ..calculus.terms import Factor, Term
from ..errors import SimplifyLimitError
from ..numeric.matrix import MatrixForm
from .jsontext import held
from .matrix import matrix_data
from .parts import omitted
from .typeset import natural_latex, natural_str

__all__ = ["derivation_data", "examples_data", "paths_data"]


def _factor(factor: Factor) -> dict[str, Any]:
    return {"of": factor.of, "wrt": factor.wrt, "expression": natural_str(factor.expression),
            "value": held(factor.value)}


def _term(term: Term, factors: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """A path's data; each factor's (shared by the paths through its edge) made once."""
    for f in term.factors:
        if id(f) not in factors:
            factors[id(f)] = _factor(f)
    return {"nodes": list(term.path.nodes), "factors": [factors[id(f)] for f in term.factors],
            "value": held(term.value)}


def paths_data(derivation: Derivation) -> dict[str, Any]:
    """The paths of a derivation, each with its factors (in path order) and value: a list, or
    where the derivation makes its terms as they are read (past
    :data:`~symbackprop.calculus.derivation.TERMS_KEPT` paths) an iterator, which
    :func:`~symbackprop.render.jsontext.json_lines` writes as it goes.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> data = paths_data(derive(problem.graph, "w5", values=problem.values))
    >>> data["path_count"], data["paths"][0]["nodes"]
    (1, ['w5', 'a21', 'yhat1', 'L'])
    >>> [(f["wrt"], f["of"], f["expression"]) for f in data["paths"][0]["factors"]]
    [('w5', 'a21', 'h11'), ('a21', 'yhat1', 'yhat1*(1 - yhat1)'), ('yhat1', 'L', '-y1 + yhat1')]
    """
    factors: dict[int, dict[str, Any]] = {}
    terms = derivation.terms or ()
    listing = (_term(t, factors) for t in terms)
    return {
        "of": derivation.of,
        "wrt": derivation.wrt,
        "path_count": derivation.path_count,
        "paths_listed": derivation.terms is not None,
        "paths": list(listing) if isinstance(terms, tuple) else listing,
        "value": derivation.value,
    }


def derivation_data(derivation: Derivation, strategy: str = "textbook",
                    learning_rate: float | None = None,
                    matrix: MatrixForm | None = None,
                    max_terms: int = EXPRESSION_LIMIT) -> dict[str, Any]:
    """Everything ``derive --format json`` prints (the stable keys of docs/reference/cli.md, and
    a few more); with ``matrix``, the matrix form under ``"matrix"``
    (:func:`symbackprop.render.matrix.matrix_data`).

    Past ``max_terms`` paths the written-out forms (``expression``, ``simplified``, ``latex``,
    ``leaves``) are ``null`` and ``omitted`` says why (:func:`symbackprop.render.parts.omitted`):
    they are not even built.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> derivation = derive(problem.graph, "w5", values=problem.values)
    >>> data = derivation_data(derivation, learning_rate=problem.learning_rate)
    >>> data["simplified"], round(data["update"]["after"], 9)
    ('h11*yhat1*(1 - yhat1)*(-y1 + yhat1)', 0.35891648)
    >>> short = derivation_data(derive(problem.graph, "w1"), max_terms=1)
    >>> short["expression"], short["omitted"].split(":")[0]
    (None, 'the sum over its 2 paths is not written out, nor simplified')
    """
    why = omitted(derivation, max_terms)
    forms: dict[str, Any] = dict.fromkeys(("expression", "simplified", "latex"))
    note = ""
    if not why:
        try:
            simplified = derivation.simplified(strategy)
        except SimplifyLimitError as err:  # as the text says: the textbook form, and why
            simplified, note = derivation.simplified("textbook"), str(err)
        forms = {"expression": natural_str(derivation.expression),
                 "simplified": natural_str(simplified),
                 "latex": natural_latex(simplified, derivation.graph.latex_names())}
    data: dict[str, Any] = {
        "of": derivation.of,
        "wrt": derivation.wrt,
        "value": derivation.value,
        **forms,
        "strategy": strategy,
        # The leaves-only form repeats every shared subexpression: written only when it is small
        # enough to read (null otherwise; `--simplify leaves` explains the limit).
        "leaves": None if why or leaves_operations(derivation) is None
        else natural_str(derivation.leaves),
        **({"omitted": why} if why else {}),
        **({"simplify_note": note} if note else {}),
        **{k: v for k, v in paths_data(derivation).items() if k not in ("of", "wrt", "value")},
    }
    step = derivation.step(learning_rate)
    if step is not None:
        data["update"] = {"learning_rate": step.learning_rate, "before": step.before,
                          "after": step.after}
    if matrix is not None:
        data["matrix"] = matrix_data(matrix)
    return data


def examples_data(examples: Mapping[str, str]) -> list[dict[str, str]]:
    """The bundled examples (name to title) as ``examples --format json`` prints them.

    Examples
    --------
    >>> examples_data({"branching_graph": "Branches add"})
    [{'name': 'branching_graph', 'title': 'Branches add'}]
    """
    return [{"name": k, "title": v} for k, v in examples.items()]
