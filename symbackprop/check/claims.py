"""Check the claims of a problem file: a verdict, the right value and a diagnosis for each.

A claim (see docs/reference/problem-files.md) states a derivative ``dA/dB`` (the total derivative,
over every path), a forward value ``h13`` or an updated parameter ``w212+``, as a number or as a
formula.

- A number is correct when it is within its tolerance of the true value: one unit in its last
  printed digit (``-0.029`` allows ``0.001``) unless the claim sets ``tolerance``; exactly that
  much is allowed (up to floating-point noise).  The rule is :mod:`symbackprop.check.judge`'s,
  the one ``grade`` and the interactive page apply to an answer.
- A formula is correct when it equals the true derivative (or value, or update) as a function.
  Both are evaluated at seeded random points (every leaf drawn from [-1.5, 1.5]); if they differ
  at any point the formula is wrong; if they agree, :func:`symbackprop.calculus.equality.equivalent`
  decides the identity of both (written in leaves) symbolically, and the result says whether it
  was shown equal or only "checked at N random points".
- A claim is an ``error`` when it cannot be judged: a number, but the file gives no values; a
  formula that cannot be read (the file's other claims are still judged).

Each incorrect claim gets a :class:`~symbackprop.check.evidence.Diagnosis` (missing paths, a wrong
local partial, the file's own wrong values, rounding, a sign, a factor of 2, the update's
mistakes): see :mod:`symbackprop.check.diagnose`.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> report = check_problem(load_problem("padhai_4_4_2_student"))
>>> report
CheckReport('padhai_4_4_2_student (bundled example)', 1 correct, 2 incorrect, 0 errors)
>>> result = report.results[1]
>>> result.claim.of, result.verdict, round(result.expected, 10)
('dL/dw212', 'incorrect', -0.1303767062)
>>> result.missing_paths
(('w212', 'a21', 'yhat2', 'L'),)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import sympy

from ..calculus.derivation import Derivation
from ..calculus.equality import equivalent
from ..calculus.terms import Step
from ..errors import SymbackpropError
from ..naming import symbol
from ..render.numbers import text_number
from ..render.text import paths_text
from ..spec.claims import Claim
from ..spec.problems import Problem
from .diagnose import diagnose_derivative, diagnose_update, diagnose_value
from .evidence import Diagnosis, Finding, Known, Scenario
from .judge import judge_number, tolerance_of
from .mistakes import NOT_UPDATED
from .tally import Tally

__all__ = ["VERDICTS", "CheckReport", "ClaimResult", "check_problem"]

VERDICTS = ("correct", "incorrect", "error")
RANDOM_POINTS = 6
RANDOM_SEED = 1_729
MIN_POINTS = 3
POINT_TOLERANCE = 1e-8
"""A formula agrees with the truth at a point within this, relative (absolute below 1)."""
FORMULA_PATHS = 64
"""The right formula is reported for derivatives over at most this many paths."""
SHOWN_PATHS = 24
"""An unexplained claim shows the right derivation path by path up to this many paths."""
PROVED = "shown equal symbolically"


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on one claim.

    Attributes
    ----------
    claim : Claim
    verdict : {"correct", "incorrect", "error"}
    claimed : float or None
        The claimed number (a formula's value at the file's values), ``None`` without numbers.
    expected : float or None
        The true value, ``None`` when the file gives no values.
    tolerance : float or None
        The tolerance the number was judged with.
    formula : str or None
        The right formula (node symbols) of the derivative, value or update.
    method : str
        How it was judged: ``numeric``, ``shown equal symbolically``, ``agrees at 6 random points
        (not shown equal symbolically)``, ``differs at random points``.
    diagnosis : Diagnosis or None
        For an incorrect claim: what went wrong.
    message : str
        For an ``error`` verdict: why the claim cannot be judged.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> result = check_problem(load_problem("padhai_4_4_2")).results[13]
    >>> result
    ClaimResult(dyhat1/da21: incorrect)
    >>> result.formula, [finding.kind for finding in result.findings]
    ('yhat1*(1 - yhat1)', ['wrong_factor'])
    """

    claim: Claim
    verdict: str
    claimed: float | None = None
    expected: float | None = None
    tolerance: float | None = None
    formula: str | None = None
    method: str = ""
    diagnosis: Diagnosis | None = None
    message: str = ""

    @property
    def diagnosis_text(self) -> str:
        """The diagnosis as prose; empty for a correct claim."""
        if self.verdict == "error":
            return self.message
        return "" if self.diagnosis is None else self.diagnosis.text

    @property
    def missing_paths(self) -> tuple[tuple[str, ...], ...]:
        return () if self.diagnosis is None else self.diagnosis.missing_paths

    @property
    def findings(self) -> tuple[Finding, ...]:
        return () if self.diagnosis is None else self.diagnosis.findings

    def __repr__(self) -> str:
        return f"ClaimResult({self.claim.of}: {self.verdict})"


@dataclass(frozen=True)
class CheckReport(Tally):
    """The verdicts on every claim of one problem, in the order of the file.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> report = check_problem(load_problem("padhai_4_4_2"))
    >>> report.correct, report.incorrect, report.status
    (16, 6, 'incorrect')
    """

    source: str
    title: str
    results: tuple[ClaimResult, ...]
    learning_rate: float | None = None


    def __repr__(self) -> str:
        return (f"CheckReport({self.source!r}, {self.correct} correct, {self.incorrect} "
                f"incorrect, {self.errors} errors)")


# -- the checker ---------------------------------------------------------------------------------

def _number_right(claim: Claim, expected: float, before: float | None = None) -> bool:
    """Whether the claim gives a number and it is right, by
    :func:`~symbackprop.check.judge.judge_number` (with the claim's own tolerance, if any);
    ``before``: for an update, the parameter before it (a claim that is exactly that number is
    the weight not updated, :data:`~symbackprop.check.judge.EXACT_MISTAKES`)."""
    unchanged = [] if before is None else [(NOT_UPDATED.name, before)]
    return claim.value is not None and judge_number(
        claim.value, expected, unchanged, claim.tolerance).kind == "right"


def _shown(claim: Claim) -> str:
    return str(claim.expression_text) if claim.value is None else str(claim.value)


def _expression(claim: Claim) -> sympy.Expr:
    """The claim's formula; called only for claims that have one."""
    if claim.expression is None:
        raise SymbackpropError(f"claim {claim.index} ({claim.of}) has no formula")
    return claim.expression


class _Checker:
    def __init__(self, problem: Problem, points: int, seed: int) -> None:
        self.problem = problem
        self.graph = problem.graph
        loss = problem.network.loss if problem.network is not None else None
        self.loss, self.points, self.seed = loss, points, seed
        self.numeric = (Scenario.at_values(self.graph, problem.values, loss=loss)
                        if problem.has_values else None)

    @cached_property
    def random(self) -> Scenario:
        """Seeded random points, for formulas (made only when a formula is claimed)."""
        return Scenario.at_random_points(self.graph, self.points, self.seed, loss=self.loss)

    # -- truths ------------------------------------------------------------------------------
    @property
    def at_values(self) -> Scenario:
        """The file's values as a scenario; called only when the file gives them."""
        if self.numeric is None:
            where = self.problem.path or self.problem.title
            raise SymbackpropError(f"{where}: the file gives no values")
        return self.numeric

    @property
    def rate(self) -> float:
        """The learning rate; the file has one whenever it makes an update claim."""
        if self.problem.learning_rate is None:
            where = self.problem.path or self.problem.title
            raise SymbackpropError(f"{where}: the file gives no learning_rate")
        return float(self.problem.learning_rate)

    def numeric_derivation(self, of: str, wrt: str) -> Derivation | None:
        """``d of / d wrt`` with the file's numbers (the file must give values)."""
        return self.at_values.derivation(of, wrt)

    def symbolic_derivation(self, of: str, wrt: str) -> Derivation | None:
        """``d of / d wrt``: the numeric one when the file gives values (same structure)."""
        scenario = self.numeric if self.numeric is not None else self.random
        return scenario.derivation(of, wrt)

    def gradient_expression(self, of: str, wrt: str) -> sympy.Expr:
        if of == wrt:
            return sympy.S.One
        derivation = self.symbolic_derivation(of, wrt)
        return sympy.S.Zero if derivation is None else derivation.expression

    def truth_expression(self, claim: Claim) -> sympy.Expr:
        """The true value of the claim in node symbols."""
        if claim.kind == "value":
            return symbol(claim.target)
        gradient = self.gradient_expression(*claim.differentiated(self.graph.output))
        if claim.kind == "derivative":
            return gradient
        rate = sympy.nsimplify(self.rate)
        return Step(claim.target, rate, symbol(claim.target), gradient).after

    def truth_at(self, claim: Claim, scenario: Scenario) -> np.ndarray:
        """The true value of the claim at every point of ``scenario``."""
        if claim.kind == "value":
            return scenario.values[claim.target]
        gradient = scenario.derivative(*claim.differentiated(self.graph.output))
        if claim.kind == "derivative":
            return gradient
        return Step(claim.target, self.rate, scenario.values[claim.target], gradient).after

    def expected(self, claim: Claim) -> float:
        if claim.kind == "value":
            return float(self.at_values.values[claim.target][0])
        of, wrt = claim.differentiated(self.graph.output)
        if of == wrt:
            gradient = 1.0
        else:
            derivation = self.numeric_derivation(of, wrt)
            gradient = (0.0 if derivation is None or derivation.value is None
                        else float(derivation.value))
        if claim.kind == "derivative":
            return gradient
        before = float(self.at_values.values[claim.target][0])
        return Step(claim.target, self.rate, before, gradient).after

    def before(self, claim: Claim) -> float | None:
        """For an update claim at the file's values, the parameter before the step."""
        if claim.kind != "update" or self.numeric is None:
            return None
        return float(self.numeric.values[claim.target][0])

    def formula(self, claim: Claim) -> str | None:
        if claim.kind == "value":
            definition = self.graph.node(claim.target).definition
            return None if definition is None else str(definition)
        of, wrt = claim.differentiated(self.graph.output)
        derivation = self.symbolic_derivation(of, wrt)
        if derivation is not None and derivation.path_count > FORMULA_PATHS:
            return None  # too long to print usefully: `symbackprop derive` shows it factored
        if derivation is None:
            text = "1" if of == wrt else "0"
        else:
            try:
                text = str(derivation.simplified("textbook"))
            except SymbackpropError:
                text = str(derivation.expression)
        if claim.kind == "derivative":
            return text
        return f"{claim.target} - {self.problem.learning_rate:g}*({text})"

    # -- verdicts ----------------------------------------------------------------------------
    def judge(self, claim: Claim) -> ClaimResult:
        formula = self.formula(claim)
        if claim.problem is not None:
            return ClaimResult(claim, "error", formula=formula, message=claim.problem)
        if claim.expression is None and self.numeric is None:
            missing = ", ".join(self.graph.missing_values(self.problem.values))
            return ClaimResult(claim, "error", formula=formula, message=(
                f"claim {claim.index} ({claim.of}): a number cannot be checked without values; "
                f"the file gives none for {missing}"))
        expected = self.expected(claim) if self.numeric is not None else None
        if expected is not None and not math.isfinite(expected):
            return ClaimResult(claim, "error", formula=formula, message=(
                f"claim {claim.index} ({claim.of}): the true value is not a finite number at "
                "the file's values"))
        verdicts, methods = [], []
        claimed = float(claim.value) if claim.value is not None else None
        tolerance = tolerance_of(claim.value, claim.tolerance)
        if claim.value is not None and expected is not None:
            right = _number_right(claim, expected, self.before(claim))
            verdicts.append("correct" if right else "incorrect")
            methods.append("numeric")
        if claim.expression is not None:
            verdict, method = self.judge_formula(claim)
            verdicts.append(verdict)
            methods.append(method)
            if claimed is None and self.numeric is not None:
                claimed = float(self.numeric.evaluate(claim.expression)[0])
        verdict = ("error" if "error" in verdicts else "incorrect" if "incorrect" in verdicts
                   else "correct")
        message = methods[-1] if verdict == "error" else ""
        return ClaimResult(claim, verdict, claimed, expected, tolerance, formula,
                           "; ".join(m for m in methods if verdict != "error"), message=message)

    def points_for(self, claim: Claim) -> Scenario | None:
        """The random points where both the claim's formula and the truth are finite."""
        truth = self.truth_at(claim, self.random)
        claimed = self.random.evaluate(_expression(claim))
        finite = np.isfinite(truth) & np.isfinite(claimed)
        if finite.sum() < MIN_POINTS:
            return None
        return self.random.restricted(finite)

    def judge_formula(self, claim: Claim) -> tuple[str, str]:
        scenario = self.points_for(claim)
        if scenario is None:
            return "error", (f"claim {claim.index} ({claim.of}): the formula cannot be "
                             "evaluated at enough random points (it is not finite there)")
        truth = self.truth_at(claim, scenario)
        claimed = scenario.evaluate(_expression(claim))
        if claim.tolerance is not None:
            tolerance = np.full(scenario.points, claim.tolerance)
        else:
            tolerance = POINT_TOLERANCE * np.maximum(1.0, np.abs(truth))
        if np.any(np.abs(claimed - truth) > tolerance):
            return "incorrect", "differs at random points"
        leaves = self.graph.to_leaves
        if equivalent(leaves(claim.expression), leaves(self.truth_expression(claim))):
            return "correct", PROVED
        return "correct", (f"agrees at {scenario.points} random points (not shown equal "
                           "symbolically)")

    # -- diagnoses ---------------------------------------------------------------------------
    def known(self, results: Sequence[ClaimResult], scenario: Scenario) -> list[Known]:
        known = []
        for result in results:
            claim = result.claim
            if result.verdict == "error":
                continue
            if scenario.random:
                if claim.expression is None:
                    continue
                value = scenario.evaluate(claim.expression)
            elif claim.value is not None:
                value = np.full(scenario.points, float(claim.value))
            else:
                value = scenario.evaluate(_expression(claim))
            tolerance = (tolerance_of(claim.value, claim.tolerance) if claim.value is not None
                         else 1e-9)
            known.append(Known(claim.index, claim.of, claim.kind, claim.target, claim.wrt,
                               value, _shown(claim), tolerance or 0.0,
                               result.verdict == "correct", result.findings))
        return known

    def derivation_text(self, of: str, wrt: str, scenario: Scenario) -> str:
        derivation = (self.random.derivation(of, wrt) if scenario.random
                      else self.numeric_derivation(of, wrt))
        if derivation is None:
            return ""
        if derivation.path_count > SHOWN_PATHS:
            total = "" if derivation.value is None else f"; total = {text_number(derivation.value)}"
            return (f"{derivation.path_count:,} paths from {wrt} to {of} (`symbackprop paths "
                    f"FILE --wrt {wrt}` lists them){total}")
        return paths_text(derivation)

    def diagnose(self, result: ClaimResult, results: Sequence[ClaimResult]) -> Diagnosis:
        claim = result.claim
        numeric_wrong = (claim.value is not None and result.expected is not None and
                         "numeric" in result.method
                         and not _number_right(claim, result.expected, self.before(claim)))
        if numeric_wrong and claim.value is not None:
            scenario = self.at_values.with_rounded(self.known(results, self.at_values))
            claimed = np.full(1, float(claim.value))
            tolerance = np.full(1, result.tolerance)
        else:
            points = self.points_for(claim)
            if points is None:  # judge() found them: they are seeded, the same points again
                raise SymbackpropError(f"claim {claim.index} ({claim.of}): no random points")
            scenario = points
            claimed = scenario.evaluate(_expression(claim))
            tolerance = (np.full(scenario.points, claim.tolerance) if claim.tolerance is not None
                         else POINT_TOLERANCE * np.maximum(1.0, np.abs(claimed)))
        known = self.known(results, scenario)
        if claim.kind == "value":
            return diagnose_value(self.graph, claim.target, claimed, tolerance, scenario, known,
                                  exclude=claim.index)
        of, wrt = claim.differentiated(self.graph.output)
        derivation = scenario.derivation(of, wrt)
        if derivation is None:
            return Diagnosis((Finding("no_path", f"{of} does not depend on {wrt}: there is no "
                                      f"path from {wrt} to {of}, so d{of}/d{wrt} = 0."),), True)
        text = self.derivation_text(of, wrt, scenario)
        if claim.kind == "derivative":
            return diagnose_derivative(derivation, claimed, tolerance, scenario, known,
                                       exclude=claim.index, derivation_text=text)
        return diagnose_update(derivation, self.rate,
                               claimed, tolerance, scenario, known, exclude=claim.index,
                               derivation_text=text)

    def run(self) -> CheckReport:
        results = [self.judge(claim) for claim in self.problem.claims]
        for kind_first in (True, False):  # updates last: they may follow from a gradient claim
            for i, result in enumerate(results):
                if result.verdict != "incorrect" or (result.claim.kind != "update") != kind_first:
                    continue
                results[i] = replace(result, diagnosis=self.diagnose(result, results))
        return CheckReport(self.problem.path or "<problem>", self.problem.title, tuple(results),
                           self.problem.learning_rate)


def check_problem(problem: Problem, *, points: int = RANDOM_POINTS,
                  seed: int = RANDOM_SEED) -> CheckReport:
    """Judge every claim of ``problem`` and diagnose the incorrect ones.

    Parameters
    ----------
    problem : Problem
    points : int
        How many seeded random points a formula is compared at.
    seed : int

    Notes
    -----
    One derivation per distinct derivative claimed; the diagnosis search is bounded (see
    :mod:`symbackprop.check.diagnose`).

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> report = check_problem(load_problem("padhai_4_4_2_student"))
    >>> report
    CheckReport('padhai_4_4_2_student (bundled example)', 1 correct, 2 incorrect, 0 errors)
    >>> wrong = report.results[1]
    >>> wrong.claim, wrong.verdict, round(wrong.expected, 6)
    (Claim(dL/dw212 = -0.0652), 'incorrect', -0.130377)
    >>> wrong.missing_paths
    (('w212', 'a21', 'yhat2', 'L'),)
    """
    return _Checker(problem, points, seed).run()
