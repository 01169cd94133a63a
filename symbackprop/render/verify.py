"""The gradient check of ``symbackprop verify`` as a text table and as JSON-ready data.

Every method of :func:`symbackprop.numeric.oracles.gradient_check` side by side, one row per
parameter, to :data:`~symbackprop.render.numbers.CHECK_DIGITS` significant digits.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.numeric.oracles import gradient_check
>>> problem = load_problem("branching_graph")
>>> checks = gradient_check(problem.graph, problem.values, wrt=["b"])
>>> print(verify_text("tree", checks, []))
Gradient check: tree
wrt  path sum  sympy.diff  reverse sweep  matrix backprop  finite diff.
b    5         5           5              —                5             ok
1 agree, 0 disagree (exact methods to 1e-8 relative; finite differences Richardson-extrapolated)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..numeric.oracles import GradientCheck
from .numbers import CHECK_DIGITS, text_number
from .plaintext import columns

__all__ = ["verify_data", "verify_text"]

_HEADER = ("wrt", "path sum", "sympy.diff", "reverse sweep", "matrix backprop", "finite diff.",
           "")


def _cell(value: float | None) -> str:
    return text_number(value, CHECK_DIGITS, missing="—")


def verify_text(title: str | None, checks: Sequence[GradientCheck],
                randomised: Sequence[str], skipped: str | None = None) -> str:
    """The table ``verify --format text`` prints: a row per check, then the count.

    ``randomised`` names the leaves the file gave no value (checked at seeded random values);
    ``skipped`` says why the ``sympy.diff`` oracle did not run, if it was skipped
    (:func:`~symbackprop.numeric.oracles.composed_skip`).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.numeric.oracles import gradient_check
    >>> problem = load_problem("mazur_2_2_2")
    >>> checks = gradient_check(problem.graph, problem.values, network=problem.network,
    ...                         wrt=["w5"], composed=False)
    >>> print(verify_text("Mazur", checks, ["x1"]).splitlines()[3])
    w5   0.0821670405642  —           0.0821670405642  0.0821670405642  0.0821670405643  ok
    """
    header = _HEADER
    rows = [[c.wrt, _cell(c.path_sum), _cell(c.composed), _cell(c.backprop), _cell(c.matrix),
             _cell(c.finite_difference), "ok" if c.agrees else "DISAGREE"] for c in checks]
    lines = [f"Gradient check: {title}"]
    if randomised:
        lines.append(f"(no values given for {', '.join(randomised)}: checked at seeded random "
                     "values)")
    lines += columns(header, rows)
    bad = sum(not c.agrees for c in checks)
    lines.append(f"{len(checks) - bad} agree, {bad} disagree "
                 "(exact methods to 1e-8 relative; finite differences Richardson-extrapolated)")
    if skipped is not None:
        lines.append(f"({skipped})")
    return "\n".join(lines)


def verify_data(file: str | None, checks: Sequence[GradientCheck],
                randomised: Sequence[str], skipped: str | None = None) -> dict[str, Any]:
    """What ``verify --format json`` prints: the file, the randomised leaves, every check
    (its JSON Schema: ``docs/verify.schema.json``), and ``sympy_diff_skipped``, why the
    ``sympy.diff`` oracle was skipped, when it was.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.numeric.oracles import gradient_check
    >>> problem = load_problem("branching_graph")
    >>> checks = gradient_check(problem.graph, problem.values, wrt=["a", "b"])
    >>> data = verify_data("tree.toml", checks, [])
    >>> [(c["wrt"], c["path_sum"], c["agrees"]) for c in data["checks"]], data["disagree"]
    ([('a', 2.0, True), ('b', 5.0, True)], 0)
    """
    failed = sum(not c.agrees for c in checks)
    data = {
        "file": file, "randomised_values": list(randomised),
        "checks": [{
            "wrt": c.wrt, "path_sum": c.path_sum, "sympy_diff": c.composed,
            "reverse_sweep": c.backprop, "matrix_backprop": c.matrix,
            "finite_difference": c.finite_difference, "finite_difference_error": c.fd_error,
            "agrees": c.agrees,
        } for c in checks],
        "agree": len(checks) - failed, "disagree": failed,
    }
    if skipped is not None:
        data["sympy_diff_skipped"] = skipped
    return data
