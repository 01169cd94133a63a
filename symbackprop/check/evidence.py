"""What a diagnosis works with and what it produces.

:class:`Scenario` holds node values at one or more *points* (the file's values, or seeded random
points for a formula) and the derivations a diagnosis needs; :class:`Known` is one of the file's
claims as another claim's diagnosis may use it; :class:`Finding` and :class:`Diagnosis` are the
result: what went wrong, with its evidence.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> problem = load_problem("padhai_4_4_2")
>>> scenario = Scenario.at_values(problem.graph, problem.values)
>>> scenario
Scenario(1 point(s), file values)
>>> round(float(scenario.derivative("L", "w212")[0]), 10)
-0.1303767062
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from ..calculus.derivation import Derivation, derive
from ..calculus.options import DEFAULT_PATH_LIMIT
from ..errors import NoPathError
from ..graph.computation import ComputationGraph
from ..graph.evaluation import at_points
from ..graph.precision import is_precise
from .edges import loss_name
from .judge import SLACK as SLACK  # importable here, as from the flat layout's module
from .judge import within
from .mistakes import SCALE_MISTAKES, STEP_MISTAKES

__all__ = ["FINDING_KINDS", "Diagnosis", "Finding", "Known", "Scenario", "matches"]

FINDING_KINDS = (
    "missing_paths", "wrong_factor", "follows_from_claim", "rounded_values",
    *(m.name for m in SCALE_MISTAKES), "wrong_gradient", *(m.name for m in STEP_MISTAKES),
    "wrong_node", "activation_not_applied", "no_path", "unexplained",
)
"""Every kind of :class:`Finding`, as it appears in JSON reports (a mistake of scale or of the
step is named as :mod:`symbackprop.check.mistakes` registers it)."""


def matches(a: np.ndarray, b: np.ndarray, tolerance: np.ndarray) -> bool:
    """Whether ``a`` and ``b`` agree within ``tolerance`` at every point (the rule of
    :func:`symbackprop.check.judge.within`).

    Examples
    --------
    >>> tolerance = np.array([1e-3, 1e-3])
    >>> matches(np.array([0.1, 0.2]), np.array([0.1004, 0.2]), tolerance)
    True
    >>> matches(np.array([0.1, 0.2]), np.array([0.1, 0.21]), tolerance)
    False
    """
    return bool(np.all(within(a, b, tolerance)))


# -- results -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    """One part of a diagnosis, with its evidence.

    Attributes
    ----------
    kind : str
        One of :data:`FINDING_KINDS`.
    message : str
        One or two sentences saying what went wrong.
    missing_paths : tuple of tuple of str
        The paths left out (node names, ``wrt`` first), for ``missing_paths``.
    factors : tuple of (str, str)
        The local partials ``(of, wrt)`` written wrongly, for ``wrong_factor`` and
        ``follows_from_claim``.
    right : str or None
        The right formula (or value) where one is named.
    used : str or None
        What the claim used instead.
    claim : int or None
        The index of the file's claim this follows from.
    mistake : str or None
        The name of the registered mistake (:data:`symbackprop.check.mistakes.MISTAKES`).

    Examples
    --------
    >>> finding = Finding("missing_paths", "Uses 1 of the 2 paths.",
    ...                   missing_paths=(("w212", "a21", "yhat2", "L"),))
    >>> finding.data()["missing_paths"]
    [['w212', 'a21', 'yhat2', 'L']]
    """

    kind: str
    message: str
    missing_paths: tuple[tuple[str, ...], ...] = ()
    factors: tuple[tuple[str, str], ...] = ()
    right: str | None = None
    used: str | None = None
    claim: int | None = None
    mistake: str | None = None

    def data(self) -> dict[str, Any]:
        """The finding as plain data (for JSON)."""
        return {"kind": self.kind, "message": self.message,
                "missing_paths": [list(p) for p in self.missing_paths],
                "factors": [{"of": of, "wrt": wrt} for of, wrt in self.factors],
                "right": self.right, "used": self.used, "claim": self.claim,
                "mistake": self.mistake}


@dataclass(frozen=True)
class Diagnosis:
    """What went wrong with an incorrect claim.

    Attributes
    ----------
    findings : tuple of Finding
        The parts of the explanation (or one ``unexplained`` finding).
    explained : bool
        Whether the findings reproduce the claimed number (or formula).
    reproduces : float or None
        The number the findings reproduce, at the file's values.
    alternatives : int
        How many other explanations of the same size also reproduce it.
    others : tuple of str
        A few of them, in words.
    summary : str
        The closing sentence (what the findings give together).
    derivation : str
        The right derivation, shown when nothing explains the claim.

    Examples
    --------
    >>> diagnosis = Diagnosis((Finding("sign", "The sign is flipped."),), True, -0.0822,
    ...                       summary="This gives -0.0822.")
    >>> diagnosis.kinds
    ('sign',)
    >>> diagnosis.text
    'The sign is flipped. This gives -0.0822.'
    """

    findings: tuple[Finding, ...]
    explained: bool
    reproduces: float | None = None
    alternatives: int = 0
    summary: str = ""
    derivation: str = ""
    others: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The diagnosis as prose."""
        parts = [f.message for f in self.findings]
        if self.summary:
            parts.append(self.summary)
        if self.others:
            more = self.alternatives - len(self.others)
            parts.append("Other explanations of the same size fit as well: "
                         + "; ".join(self.others) + (f"; and {more} more" if more > 0 else "")
                         + ".")
        text = " ".join(parts)
        return f"{text}\n{self.derivation}" if self.derivation else text

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(f.kind for f in self.findings)

    @property
    def missing_paths(self) -> tuple[tuple[str, ...], ...]:
        return tuple(p for f in self.findings for p in f.missing_paths)


@dataclass(frozen=True, eq=False)
class Known:
    """One of the file's claims, as the diagnosis of another claim may use it.

    ``value`` holds the claimed number (or formula) at the scenario's points; ``shown`` is the
    claim as the file prints it; ``findings`` its own diagnosis, once known.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> scenario = Scenario.at_values(problem.graph, problem.values)
    >>> known = Known(3, "dL/dw5", "derivative", "L", "w5", np.array([0.0822]), "0.0822",
    ...               tolerance=1e-4)
    >>> known
    Known(dL/dw5 = 0.0822)
    >>> known.close_to(scenario.derivative("L", "w5"), scenario)
    True
    """

    index: int
    of: str
    kind: str
    target: str
    wrt: str | None
    value: np.ndarray
    shown: str
    tolerance: float = 0.0
    correct: bool | None = None
    findings: tuple[Finding, ...] = ()

    def __repr__(self) -> str:
        return f"Known({self.of} = {self.shown})"

    def close_to(self, values: np.ndarray, scenario: Scenario) -> bool:
        """Whether this claim equals ``values`` within its own tolerance (1e-9 relative at
        random points)."""
        tolerance = (1e-9 * np.maximum(1.0, np.abs(values)) if scenario.random
                     else np.full(scenario.points, self.tolerance))
        return matches(self.value, values, tolerance)


# -- where numbers are computed ------------------------------------------------------------------

class Scenario:
    """Node values at one or more points, and the derivations the diagnosis needs.

    Build with :meth:`at_values` (the file's values: one point) or :meth:`at_random_points`.
    ``rounded`` holds the node values with the file's own claimed forward values put in (a
    student works with rounded numbers), ``rounded_from`` the claims used.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> Scenario.at_values(problem.graph, problem.values).derivative("L", "w5")
    array([0.08216704])
    >>> scenario = Scenario.at_random_points(problem.graph, 3, seed=0)
    >>> scenario
    Scenario(3 point(s), random points)
    >>> scenario.derivative("L", "w5").round(6)
    array([ 0.00579 , -0.023316, -0.044176])
    """

    def __init__(self, graph: ComputationGraph, values: Mapping[str, np.ndarray], *,
                 random: bool = False, loss: str | None = None,
                 max_paths: int = DEFAULT_PATH_LIMIT) -> None:
        self.graph = graph
        self.values = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in values.items()}
        self.points = max(len(v) for v in self.values.values()) if self.values else 1
        self.random = random
        self.loss = loss if loss is not None else loss_name(graph)
        self.max_paths = max_paths
        self.rounded: dict[str, np.ndarray] | None = None
        self.rounded_from: tuple[Known, ...] = ()
        self.leaf_values: Mapping[str, float] | None = None
        self._derivations: dict[tuple[str, str], Derivation | None] = {}
        self._evaluated: dict[tuple[sympy.Expr, bool], np.ndarray] = {}
        self._swept: dict[str, dict[str, np.ndarray]] = {}

    @classmethod
    def at_values(cls, graph: ComputationGraph, values: Mapping[str, float],
                  **options: Any) -> Scenario:
        """The file's values (one point); its derivations carry their numbers too."""
        scenario = cls(graph, graph.forward(values), **options)
        scenario.leaf_values = dict(values)
        return scenario

    @classmethod
    def at_random_points(cls, graph: ComputationGraph, count: int, seed: int,
                         **options: Any) -> Scenario:
        """Every leaf (and unknown constant) drawn uniformly from [-1.5, 1.5], seeded."""
        rng = np.random.default_rng(seed)
        leaves = {name: rng.uniform(-1.5, 1.5, count) for name in graph.missing_values({})}
        with np.errstate(all="ignore"):
            return cls(graph, graph.forward(leaves), random=True, **options)

    def restricted(self, keep: np.ndarray) -> Scenario:
        """The same scenario at the points ``keep`` (a boolean mask) only; derivations are
        shared."""
        scenario = Scenario(self.graph, {k: v[keep] for k, v in self.values.items()},
                            random=self.random, loss=self.loss, max_paths=self.max_paths)
        scenario.leaf_values = self.leaf_values
        scenario._derivations = self._derivations
        return scenario

    def with_rounded(self, known: Sequence[Known]) -> Scenario:
        """This scenario, with the forward values the file claims available as ``rounded``."""
        claimed = [k for k in known if k.kind == "value" and k.target in self.values]
        if claimed:
            self.rounded = dict(self.values)
            self.rounded.update({k.target: k.value for k in claimed})
            self.rounded_from = tuple(claimed)
        return self

    def evaluate(self, expr: sympy.Expr, values: Mapping[str, np.ndarray] | None = None
                 ) -> np.ndarray:
        """``expr`` (in node symbols) at every point
        (:func:`symbackprop.graph.evaluation.at_points`); at the scenario's own values, each
        expression is computed once (a diagnosis and an answer key evaluate the same local
        partials again and again) and a copy returned."""
        if values:
            return at_points(expr, values, self.points)
        key = (expr, is_precise())
        known = self._evaluated.get(key)
        if known is None:
            known = self._evaluated[key] = at_points(expr, self.values, self.points)
        return known.copy()

    def derivation(self, of: str, wrt: str) -> Derivation | None:
        """``d of / d wrt`` (with the file's numbers when the scenario is at the file's
        values), or ``None`` when ``of`` does not depend on ``wrt``."""
        key = (of, wrt)
        if key not in self._derivations:
            try:
                self._derivations[key] = derive(self.graph, wrt, of, values=self.leaf_values,
                                                max_paths=self.max_paths)
            except NoPathError:
                self._derivations[key] = None
        return self._derivations[key]

    def derivative(self, of: str, wrt: str) -> np.ndarray:
        """The value of ``d of / d wrt`` at every point (1 when equal, 0 without a path)."""
        if of == wrt:
            return np.ones(self.points)
        derivation = self.derivation(of, wrt)
        if derivation is None:
            return np.zeros(self.points)
        return self.adjoint(derivation)

    def gradient(self, of: str, wrt: str) -> np.ndarray:
        """The value of ``d of / d wrt`` at every point, the numbers of :meth:`derivative`
        bit for bit, read off one reverse sweep of every node above ``of`` (made on first
        use): every parameter's gradient for the cost of one.

        Notes
        -----
        O(V + E) evaluations of small expressions for the first ``wrt``, O(1) after.

        Examples
        --------
        >>> from symbackprop.spec import load_problem
        >>> problem = load_problem("mazur_2_2_2")
        >>> scenario = Scenario.at_values(problem.graph, problem.values)
        >>> scenario.gradient("L", "w1"), scenario.derivative("L", "w1")
        (array([0.00043857]), array([0.00043857]))
        """
        of = self.graph.node(of).name
        if of == wrt:
            return np.ones(self.points)
        deltas = self._swept.get(of)
        if deltas is None:
            deltas = self._swept[of] = self._sweep(of)
        found = deltas.get(wrt)
        return np.zeros(self.points) if found is None else found.copy()

    def _sweep(self, of: str) -> dict[str, np.ndarray]:
        """Every node's adjoint ``d of / d node``, summed as :meth:`adjoint` sums it: its
        children's contributions in the graph's order, from 0."""
        graph = self.graph
        deltas = {of: np.ones(self.points)}
        for node in reversed(graph.order[:graph.position(of)]):
            children = [c for c in graph.children(node) if c in deltas]
            if children:
                deltas[node] = sum(
                    (self.evaluate(graph.local_partial(node, c)) * deltas[c] for c in children),
                    np.zeros(self.points))
        return deltas

    def adjoint(self, derivation: Derivation) -> np.ndarray:
        """The derivation's value by its adjoint (delta) recursion, one local partial at a
        time: linear in the edges, where evaluating the whole expression is not.

        Notes
        -----
        O(E) evaluations of small expressions (each compiled once and cached).
        """
        deltas: dict[str, np.ndarray] = {}
        for adjoint in derivation.adjoints:  # from ``of`` back to ``wrt``
            if not adjoint.contributions:
                deltas[adjoint.node] = np.ones(self.points)
                continue
            deltas[adjoint.node] = sum(
                (self.evaluate(f.expression) * deltas[child]
                 for f, child in adjoint.contributions), np.zeros(self.points))
        return deltas[derivation.wrt]

    def __repr__(self) -> str:
        kind = "random points" if self.random else "file values"
        return f"Scenario({self.points} point(s), {kind})"
