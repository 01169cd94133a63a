"""The gradient check of ``symbackprop verify`` on a tensor problem, as a text table and as
JSON-ready data: one row per parameter, each oracle's largest error relative to the gradient's
largest entry (:func:`symbackprop.numeric.tensor_oracles.tensor_gradient_check`), then the
tolerances, how finite differences sampled each tensor, and every oracle that did not run with
its reason.

Examples
--------
>>> import numpy as np
>>> from symbackprop.graph.tensor import TensorNode
>>> from symbackprop.graph.tensor_build import build_tensor_graph
>>> from symbackprop.numeric.tensor_oracles import tensor_gradient_check
>>> graph = build_tensor_graph([TensorNode("w", "parameter", (2,))], {"L": "sum(w**2)"}, "L")
>>> checks = tensor_gradient_check(graph, {"w": np.array([1.0, 2.0])}, lowering=False)
>>> print(tensor_verify_text("squares", checks, []).replace("\\N{EM DASH}", "-"))
... # doctest: +NORMALIZE_WHITESPACE
Gradient check: squares
wrt  shape  max |g|  paths  path sum  lowered  torch  finite diff.
w    (2,)   4        1      0         -        0      ...  ok
1 agree, 0 disagree (each method's largest error, relative to the gradient's largest entry)
Tolerances, entry by entry (a: the engine's gradient, b: the method's):
  path sum, lowered, torch: |a - b| <= 1e-10 |b| + 4e-12 (1e-12 x the loss's largest gradient entry)
  finite differences: |a - b| <= max(1e-8 max(|a|, |b|), twice Ridders' error estimate) + 1e-10
Finite differences: every entry of w.
Not run: lowered scalar engine: not asked for.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from ..numeric.oracles import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE
from ..numeric.tensor_oracles import FLOOR, ORACLES, RELATIVE, TensorGradientCheck
from ..rules.tensor.expr import format_shape
from .numbers import text_number
from .plaintext import columns

__all__ = ["tensor_verify_data", "tensor_verify_text"]

_HEADER = ("wrt", "shape", "max |g|", "paths", "path sum", "lowered", "torch", "finite diff.",
           "")
_NAMES = {"path sum": "sum over paths", "lowered": "lowered scalar engine",
          "torch": "torch autograd", "finite differences": "finite differences"}
"""Each oracle as the notes below the table name it."""


def _error(value: float | None, agrees: bool | None) -> str:
    if agrees is None or value is None:
        return "\N{EM DASH}"
    shown = "0" if value == 0 else f"{value:.1e}"
    return shown if agrees else f"{shown} \N{BALLOT X}"


def _short(value: float) -> str:
    """``1e-08`` as ``1e-8``."""
    return f"{value:.1g}".replace("e-0", "e-").replace("e+0", "e+")


def _largest(check: TensorGradientCheck) -> float:
    return float(abs(check.gradient).max(initial=0.0))


def tensor_verify_text(title: str | None, checks: Sequence[TensorGradientCheck],
                       randomised: Sequence[str]) -> str:
    """The table ``verify --format text`` prints for a tensor problem, and its notes.

    ``randomised`` names the leaves the file gave no values (checked at seeded random values).

    Examples
    --------
    >>> import numpy as np
    >>> from symbackprop.numeric.tensor_oracles import OracleResult
    >>> check = TensorGradientCheck("W", (2, 3), np.ones((2, 3)), 2, (
    ...     OracleResult("path sum", True, 0.0, 0.0, "every entry"),
    ...     OracleResult("lowered", False, 0.5, 0.5, "every entry"),
    ...     OracleResult("torch", None, reason="torch is not installed"),
    ...     OracleResult("finite differences", True, 1e-11, 1e-11, "every entry")), 1e-12)
    >>> print(tensor_verify_text("t", [check], ["X"]).splitlines()[1:4])
    ... # doctest: +NORMALIZE_WHITESPACE
    ['(no values given for X: checked at seeded random values in [0.1, 0.9])',
     'wrt  shape   max |g|  paths  path sum  lowered    torch  finite diff.',
     'W    (2, 3)  1        2      0         5.0e-01 ✗  —      1.0e-11       DISAGREE']
    """
    rows = [[c.wrt, format_shape(c.shape), text_number(_largest(c), 7), f"{c.paths:,}",
             *(_error(c.result(o).max_rel_error, c.result(o).agrees) for o in ORACLES),
             "ok" if c.agrees else "DISAGREE"] for c in checks]
    header = _HEADER
    lines = [f"Gradient check: {title}"]
    if randomised:
        lines.append(f"(no values given for {', '.join(randomised)}: checked at seeded random "
                     "values in [0.1, 0.9])")
    lines += columns(header, rows)
    bad = sum(not c.agrees for c in checks)
    lines.append(f"{len(checks) - bad} agree, {bad} disagree (each method's largest error, "
                 "relative to the gradient's largest entry)")
    notes = [note if "\n" in note else textwrap.fill(
        note, 92, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)
        for note in _notes(checks)]
    return "\n".join(lines + notes)


def _notes(checks: Sequence[TensorGradientCheck]) -> list[str]:
    floor = max((c.floor for c in checks), default=0.0)
    notes = ["Tolerances, entry by entry (a: the engine's gradient, b: the method's):\n"
             f"  path sum, lowered, torch: |a - b| <= {_short(RELATIVE)} |b| + {_short(floor)} "
             f"({_short(FLOOR)} x the loss's largest gradient entry)\n"
             f"  finite differences: |a - b| <= max({_short(RELATIVE_TOLERANCE)} max(|a|, |b|), "
             f"twice Ridders' error estimate) + {_short(ABSOLUTE_TOLERANCE)}"]
    schemes: dict[str, list[str]] = {}
    for check in checks:
        schemes.setdefault(check.result("finite differences").checked, []).append(check.wrt)
    notes.append("Finite differences: " + "; ".join(
        f"{scheme} of {', '.join(names)}" if scheme == "every entry" else
        f"{', '.join(names)}: {scheme} (seeded; along a unit direction v, a is the sum of "
        "g * v)" for scheme, names in schemes.items()) + ".")
    noise = [c.wrt for c in checks if c.floor > 0 and _largest(c) <= c.floor]
    if noise:
        notes.append(f"{', '.join(noise)}: every entry is below the floor: a gradient that is "
                     "zero in exact arithmetic, whose relative errors compare rounding noise.")
    skipped: dict[str, list[str]] = {}
    for check in checks:
        for result in check.results:
            if result.agrees is None:
                key = f"{_NAMES[result.oracle]}: {result.reason}"
                skipped.setdefault(key, []).append(check.wrt)
    for reason, names in skipped.items():
        which = "" if len(names) == len(checks) else f" (for {', '.join(names)})"
        notes.append(f"Not run{which}: {reason}.")
    return notes


def tensor_verify_data(file: str | None, checks: Sequence[TensorGradientCheck],
                       randomised: Sequence[str]) -> dict[str, Any]:
    """What ``verify --format json`` prints for a tensor problem: the file, the randomised
    leaves, the tolerances, every parameter's check by every oracle (its JSON Schema:
    ``docs/verify-tensor.schema.json``).

    Examples
    --------
    >>> import numpy as np
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> from symbackprop.numeric.tensor_oracles import tensor_gradient_check
    >>> graph = build_tensor_graph([TensorNode("w", "parameter", (2,))], {"L": "sum(w**2)"},
    ...                            "L")
    >>> checks = tensor_gradient_check(graph, {"w": np.array([1.0, 2.0])}, lowering=False)
    >>> data = tensor_verify_data("f.toml", checks, [])
    >>> [(o["oracle"], o["status"]) for o in data["checks"][0]["oracles"]]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('path sum', 'agrees'), ('lowered', 'skipped'), ('torch', 'agrees'),
     ('finite differences', 'agrees')]
    >>> data["tolerances"]["floor"], data["disagree"]
    (4e-12, 0)
    """
    failed = sum(not c.agrees for c in checks)
    return {
        "file": file, "level": "tensor", "randomised_values": list(randomised),
        "tolerances": {
            "relative": RELATIVE, "floor": max((c.floor for c in checks), default=0.0),
            "finite_difference_relative": RELATIVE_TOLERANCE,
            "finite_difference_absolute": ABSOLUTE_TOLERANCE,
        },
        "checks": [{
            "wrt": c.wrt, "shape": list(c.shape), "max_abs_gradient": _largest(c),
            "paths": c.paths,
            "oracles": [{
                "oracle": r.oracle, "status": r.status, "max_abs_error": r.max_abs_error,
                "max_rel_error": r.max_rel_error, "checked": r.checked or None,
                "reason": r.reason or None,
            } for r in c.results],
            "agrees": c.agrees,
        } for c in checks],
        "agree": len(checks) - failed, "disagree": failed,
    }
