"""Answer keys at the tensor level: each question's right tensor and every mistake's tensor.

:func:`tensor_answer_key` answers every question of a tensor template at one student's values:
a gradient ``dL/dW1`` (the true adjoint) or a forward value ``H1``, each entry's tolerance
one unit in the last asked digit of that entry (the question's ``tolerance`` when it sets
one), and, for a gradient, what every registered tensor mistake (and pair of mistakes)
gives, from :class:`~symbackprop.check.tensor_predict.TensorPredictor`: the predictions
``check`` diagnoses with, so that the key and the grading name the same mistakes.

:func:`tensor_degeneracy` says why a draw makes a bad question, so that it is drawn again: a
gradient within its tolerance of zero everywhere, a ReLU unit dead on the whole batch (every
entry of a ``relu`` node at most 0), or a single mistake whose tensor is the right one to the
digits asked (an answer could not tell them apart).

Examples
--------
>>> from symbackprop.spec import load_problem
>>> key = tensor_answer_key(load_problem("tensor_assignment"))
>>> key[0]
TensorAnswer(q1: dL/dW1 (3, 5), 24 mistakes)
>>> [p.names for p in key[0].mistakes][:4]
[('softmax_diagonal',), ('activation_at_input',), ('missing_paths',), ('transposed',)]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..check.judge import asked_tolerance, within
from ..check.tensor_predict import TensorPrediction, TensorPredictor
from ..errors import SymbackpropError
from ..rules.functions import relu
from ..rules.tensor.expr import Map
from ..spec.tensor import TensorProblem
from ..spec.tensor_questions import TensorQuestion

__all__ = ["TensorAnswer", "tensor_answer_key", "tensor_degeneracy"]


@dataclass(frozen=True, eq=False)
class TensorAnswer:
    """A tensor question answered at one student's values.

    Attributes
    ----------
    question : TensorQuestion
    value : numpy array
        The right tensor.
    tolerance : numpy array
        Each entry's tolerance, in the shape of ``value``.
    mistakes : tuple of TensorPrediction
        What the registered mistakes give (none for a forward value).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> answer = tensor_answer_key(load_problem("tensor_assignment"))[3]
    >>> answer.value.shape, answer.tolerance.shape, answer.mistakes
    ((4, 5), (4, 5), ())
    """

    question: TensorQuestion
    value: np.ndarray
    tolerance: np.ndarray
    mistakes: tuple[TensorPrediction, ...]

    def __repr__(self) -> str:
        return (f"TensorAnswer({self.question.id}: {self.question.of} {self.value.shape}, "
                f"{len(self.mistakes)} mistakes)")


def _tolerances(question: TensorQuestion, value: np.ndarray) -> np.ndarray:
    return np.array([asked_tolerance(float(v), question.digits, question.tolerance)
                     for v in value.ravel()], dtype=float).reshape(value.shape)


def tensor_answer_key(problem: TensorProblem) -> tuple[TensorAnswer, ...]:
    """Every question of the tensor template ``problem`` answered at its values.

    Raises
    ------
    SymbackpropError
        When the problem has no questions or lacks values, or the loss does not depend on a
        tensor asked about.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> [a.question.of for a in tensor_answer_key(load_problem("tensor_assignment"))]
    ['dL/dW1', 'dL/db1', 'dL/dW2', 'H1']
    """
    where = problem.path or problem.title or "the template"
    if not problem.questions:
        raise SymbackpropError(f"{where}: no [[questions]] to answer")
    if not problem.has_values:
        missing = ", ".join(problem.graph.missing_values(problem.values))
        raise SymbackpropError(f"{where}: no value for {missing}: give one in [tensor] or a "
                               "rule in [variants.draw]")
    with np.errstate(all="ignore"):
        predictor = TensorPredictor(problem.graph, problem.graph.forward(problem.values))
    answers = []
    for question in problem.questions:
        if question.kind == "value":
            value = np.asarray(predictor.forward[question.node], dtype=float)
            mistakes: tuple[TensorPrediction, ...] = ()
        else:
            found = predictor.truth.get(question.node)
            if found is None:
                raise SymbackpropError(
                    f"question {question.id} ({question.of}): {problem.graph.output} does not "
                    f"depend on {question.node}, so the answer is always 0; ask another "
                    "question")
            value = np.asarray(found, dtype=float)
            mistakes = tuple(predictor.predictions(question.node))
        answers.append(TensorAnswer(question, value, _tolerances(question, value), mistakes))
    return tuple(answers)


def _dead_relu(problem: TensorProblem) -> str | None:
    """The first ``relu`` node that is at most 0 on every entry, at the problem's values."""
    forward = problem.graph.forward(problem.values)
    for name in problem.graph.order:
        definition = problem.graph.node(name).definition
        if isinstance(definition, Map) and definition.expr.has(relu) and bool(
                np.all(np.asarray(forward[name]) <= 0)):
            return name
    return None


def tensor_degeneracy(problem: TensorProblem, key: tuple[TensorAnswer, ...]) -> str | None:
    """Why the questions are degenerate at ``problem``'s values, or ``None`` when they are not.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("tensor_assignment")
    >>> print(tensor_degeneracy(problem, tensor_answer_key(problem)))
    None
    >>> flat = replace(problem, values={**problem.values, "W2": 0 * problem.values["W2"]})
    >>> print(tensor_degeneracy(flat, tensor_answer_key(flat)))
    q1 (dL/dW1): a zero gradient (every entry within its tolerance of 0)
    """
    for answer in key:
        q = answer.question
        where = f"{q.id} ({q.of})"
        if q.kind == "gradient" and bool(np.all(np.abs(answer.value) <= answer.tolerance)):
            return f"{where}: a zero gradient (every entry within its tolerance of 0)"
        for mistake in answer.mistakes:
            if len(mistake.names) == 1 and mistake.value.shape == answer.value.shape and bool(
                    np.all(within(mistake.value, answer.value, answer.tolerance))):
                return (f"{where}: the right value and {mistake.names[0]} give the same "
                        "answer to the digits asked")
    dead = _dead_relu(problem)
    if dead is not None:
        return f"{dead}: a ReLU dead on the whole batch (every entry at most 0)"
    return None
