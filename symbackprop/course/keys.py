"""Answer keys: each question's right value and formula, and the values the common mistakes give.

:func:`answer_key` answers every question of a template at one student's values: a derivative
``dA/dB``, an update ``w+`` (``w - learning_rate * dL/dw``) or a forward value, with the right
formula (the textbook simplification; past the paths a page writes out as a sum, the gradient
in its children's deltas, ``delta_h0*x``) and, from :func:`symbackprop.check.mistaken_values`, what
each common mistake gives (a missing path, a wrong sigmoid or softmax partial, the sign, the 1/2
of a squared error, the order of the updates).  A forward value's mistakes, from
:func:`symbackprop.check.predict.mistaken_forward_values`, are those
:func:`symbackprop.check.diagnose.diagnose_value` recognises: the activation not applied (the
node's input), the sign, and for the loss a factor of 2.

:func:`degeneracy` says why a question is a bad one at these values, so that the variant is
drawn again: the right value is within the tolerance of 0 (a zero gradient, or an update that
does not move the weight), an update too small to change the significant digits the question
asks for (the weight not updated would be right), a unit on the paths is saturated (the local
partial of a sigmoid, tanh, softplus or (leaky) relu edge below the template's ``saturation``
in size), or two of the
key's values (the right one included) are within the tolerance of each other (an answer could
not tell the mistakes apart).

Examples
--------
>>> from symbackprop.spec import load_problem
>>> problem = load_problem("assignment_2_2_2")         # the base values: Mazur's numbers
>>> key = answer_key(problem)
>>> key[0]
Answer(q1: dL/dw5 = 0.08216704056, 6 mistakes)
>>> [(m.name, round(m.value, 6)) for m in key[0].mistakes][:2]
[('sigmoid_output_only', 0.330473), ('sigmoid_pre_activation', -0.051514)]
>>> print(degeneracy(problem, key))   # asked to 3 digits, w1+ = 0.1498 cannot show the step
q3 (w1+): an update that does not change the 3 significant digits asked (w1 = 0.15, w1+ = 0.149781)
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from decimal import Decimal

from ..calculus.derivation import Derivation
from ..calculus.sweep import gradients
from ..calculus.terms import Step
from ..check.edges import edge_info
from ..check.evidence import Scenario
from ..check.judge import agrees, asked_tolerance, within
from ..check.predict import MistakenValue, mistaken_forward_values, mistaken_values
from ..errors import SymbackpropError
from ..graph.computation import ComputationGraph
from ..render.parts import omitted
from ..spec.problems import Problem
from ..spec.variants import Question

__all__ = ["SATURATING", "Answer", "answer_key", "degeneracy"]

SATURATING = ("sigmoid", "tanh", "relu", "leaky_relu", "softplus")
"""The edge kinds (:data:`symbackprop.check.mistakes.EDGE_KINDS`) whose partial can saturate."""


@dataclass(frozen=True)
class Answer:
    """A question answered at one student's values.

    Attributes
    ----------
    question : Question
    value : float
    formula : str
        The right formula, in node symbols.
    tolerance : float
        One unit in the last asked digit (:func:`~symbackprop.check.judge.asked_tolerance`)
        of the value; for an update, of the step ``learning_rate * dL/dw`` (its digits are
        what tell the mistakes apart, and what draws are kept for); the question's
        ``tolerance`` when it sets one.  ``grade`` judges an answer by the digits asked of
        the value itself (:func:`~symbackprop.check.judge.judge_number`), the tolerance when
        a question sets one; an LMS that takes one tolerance per question takes this one.
    mistakes : tuple of MistakenValue
        What the common mistakes give.
    derivation : Derivation or None
        The derivative the question rests on (not for a forward value).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> answer = answer_key(load_problem("assignment_2_2_2"))[3]
    >>> answer, answer.formula, answer.tolerance
    (Answer(q4: yhat1 = 0.7513650696, 2 mistakes), 'sigmoid(a21)', 0.001)
    """

    question: Question
    value: float
    formula: str
    tolerance: float
    mistakes: tuple[MistakenValue, ...]
    derivation: Derivation | None = None

    def matching(self, value: float) -> MistakenValue | None:
        """The first mistake whose value is within the tolerance of ``value``."""
        return next((m for m in self.mistakes if within(value, m.value, self.tolerance)),
                    None)

    def __repr__(self) -> str:
        return (f"Answer({self.question.id}: {self.question.of} = {self.value:.10g}, "
                f"{len(self.mistakes)} mistakes)")


# The textbook formula depends only on the graph: found once per graph (every variant of a
# template shares its graph, and a course answers the same questions for every student).
_FORMULAS: weakref.WeakKeyDictionary[ComputationGraph, dict[tuple[str, str], str]] = \
    weakref.WeakKeyDictionary()


def _formula(derivation: Derivation) -> str:
    """The textbook form; past the paths a page writes out as a sum (:func:`omitted`: its
    printing alone grows with the path count, 2^k for k diamonds in a row), the gradient in its
    children's deltas, as the page's gradients section writes it (``x*delta_h0``)."""
    known = _FORMULAS.setdefault(derivation.graph, {})
    key = (derivation.of, derivation.wrt)
    if key not in known:
        if omitted(derivation):
            known[key] = str(gradients(derivation.graph, derivation.of,
                                       wrt=[derivation.wrt])[derivation.wrt])
        else:
            try:
                known[key] = str(derivation.simplified("textbook"))
            except SymbackpropError:
                known[key] = str(derivation.expression)
    return known[key]


def _tolerance(question: Question, value: float) -> float:
    return asked_tolerance(value, question.digits, question.tolerance)


def _value_answer(problem: Problem, scenario: Scenario, question: Question) -> Answer:
    node = question.target
    value = float(scenario.values[node][0])
    definition = problem.graph.node(node).definition
    return Answer(question, value, "" if definition is None else str(definition),
                  _tolerance(question, value), tuple(mistaken_forward_values(scenario, node)))


def _answer(problem: Problem, scenario: Scenario, question: Question) -> Answer:
    if question.kind == "value":
        return _value_answer(problem, scenario, question)
    of, wrt = question.differentiated(problem.graph.output)
    derivation = scenario.derivation(of, wrt)
    if derivation is None:
        raise SymbackpropError(f"question {question.id} ({question.of}): {of} does not depend "
                               f"on {wrt}, so the answer is always 0; ask another question")
    gradient = float(scenario.adjoint(derivation)[0])
    formula = _formula(derivation)
    if question.kind == "derivative":
        return Answer(question, gradient, formula, _tolerance(question, gradient),
                      tuple(mistaken_values(derivation)), derivation)
    rate = float(problem.learning_rate or 0.0)
    step = Step(wrt, rate, float(scenario.values[wrt][0]), gradient)
    return Answer(question, step.after, f"{wrt} - {rate:g}*({formula})",
                  _tolerance(question, step.change),  # the step is what is computed
                  tuple(mistaken_values(derivation, learning_rate=rate)), derivation)


def answer_key(problem: Problem) -> tuple[Answer, ...]:
    """Every question of ``problem``'s template answered at its values.

    Raises
    ------
    SymbackpropError
        When the problem has no questions or lacks values, or a question has no path.

    Notes
    -----
    One derivation per derivative or update question, and the mistakes' tables
    (:func:`~symbackprop.check.mistaken_values`).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> [a.question.of for a in answer_key(load_problem("assignment_2_2_2"))]
    ['dL/dw5', 'dL/dw1', 'w1+', 'yhat1']
    """
    where = problem.path or problem.title or "the template"
    if problem.variants is None or not problem.variants.questions:
        raise SymbackpropError(f"{where}: no [[questions]] to answer")
    if not problem.has_values:
        missing = ", ".join(problem.graph.missing_values(problem.values))
        raise SymbackpropError(f"{where}: no value for {missing}: give one in [values] or a "
                               "rule in [variants.draw]")
    scenario = Scenario.at_values(problem.graph, problem.values)
    return tuple(_answer(problem, scenario, q) for q in problem.variants.questions)


def degeneracy(problem: Problem, key: tuple[Answer, ...], saturation: float | None = None
               ) -> str | None:
    """Why the questions are degenerate at ``problem``'s values, or ``None`` when they are not.

    Degenerate: a gradient or step within its tolerance of 0, an update that changes none of
    the digits asked, a saturated unit on a path (a local partial below ``saturation``), or two
    of the right value and the mistakes' values within the tolerance of each other (an answer
    could not tell them apart).  A derivative with more paths than a page writes out
    (:func:`~symbackprop.render.parts.omitted`) is not summed path by path by hand, so its
    ``missing_path`` values do not count.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("assignment_2_2_2")
    >>> saturated = replace(problem, values={**problem.values, "w1": 400.0})
    >>> print(degeneracy(saturated, answer_key(saturated)))
    q2 (dL/dw1): a saturated unit: dh11/da11 = 1.4e-09, below 0.01
    """
    threshold = saturation if saturation is not None else (
        problem.variants.saturation if problem.variants is not None else 0.01)
    for answer in key:
        q = answer.question
        where = f"{q.id} ({q.of})"
        d = answer.derivation
        if d is not None:
            moved = d.value if q.kind == "derivative" else (problem.learning_rate or 0) * (
                d.value or 0.0)
            if abs(moved or 0.0) <= answer.tolerance:
                what = ("a zero gradient" if q.kind == "derivative"
                        else "an update that does not move the weight")
                return f"{where}: {what} (within the tolerance {answer.tolerance:g} of 0)"
            before = float(problem.values.get(q.target, 0.0))
            if q.kind == "update" and q.tolerance is None and agrees(
                    Decimal(repr(before)), answer.value, q.digits):
                return (f"{where}: an update that does not change the {q.digits} significant "
                        f"digits asked ({q.target} = {before:g}, {q.target}+ = "
                        f"{answer.value:.6g})")
            seen: set[tuple[str, str]] = set()  # an edge's partial is the same in every path
            for term in d.terms or ():
                for factor in term.factors:
                    if (factor.wrt, factor.of) in seen:
                        continue
                    seen.add((factor.wrt, factor.of))
                    info = edge_info(problem.graph, factor.wrt, factor.of)
                    if (info is not None and info.kind in SATURATING
                            and abs(factor.value or 0.0) < threshold):
                        return (f"{where}: a saturated unit: d{factor.of}/d{factor.wrt} = "
                                f"{factor.value:.2g}, below {threshold:g}")
        # Past the paths a page writes out, nobody sums them by hand: leaving one out is not a
        # slip the question must tell apart (one path of thousands changes no digit asked)
        by_hand = d is None or not omitted(d)
        values = [("the right value", answer.value)] + [
            (m.name, m.value) for m in answer.mistakes if by_hand or m.name != "missing_path"]
        for i, (first, a) in enumerate(values):
            for second, b in values[i + 1:]:
                if abs(a - b) <= answer.tolerance:
                    return (f"{where}: {first} and {second} give the same answer within the "
                            f"tolerance {answer.tolerance:g} ({a:.6g} and {b:.6g})")
    return None
