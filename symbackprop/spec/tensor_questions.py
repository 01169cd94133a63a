"""A tensor problem file as a template: its ``[variants]`` table and ``[[questions]]``.

As for a scalar template (:mod:`symbackprop.spec.variants`), ``[variants.draw]`` says how the
values are drawn for each student, a rule naming a tensor (or a pattern: ``"W*"`` matches
``W1`` and ``W2``) and drawing each of its entries on its own; ``[[questions]]`` ask
``of = "dL/dW1"`` (the gradient of the loss with respect to any float tensor) or a tensor's
name (its forward value), with ``points`` and ``digits`` or ``tolerance``.  A matrix answer is
right when every entry is; there is no partial credit per entry.  Formula answers are a
scalar template's only.

Examples
--------
>>> from symbackprop.spec.problems import load_problem
>>> template = load_problem("tensor_assignment")
>>> template.variants
Variants(2 draw rules, 0 questions, seed 2026)
>>> template.questions
(TensorQuestion(q1: dL/dW1, 2 points), TensorQuestion(q2: dL/db1, 1 points), \
TensorQuestion(q3: dL/dW2, 2 points), TensorQuestion(q4: H1, 1 points))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import SpecError
from ..graph.tensor import TensorGraph
from .fields import as_table, check_keys, text
from .tensor_claims import tensor_asked
from .variants import (
    DEFAULT_DIGITS,
    MAX_QUESTIONS,
    QUESTION_KEYS,
    Variants,
    question_marking,
    read_draw_rules,
)

__all__ = ["TensorQuestion", "read_tensor_questions", "read_tensor_variants"]


@dataclass(frozen=True)
class TensorQuestion:
    """One question of a tensor template: a tensor's gradient or forward value, and how it
    is marked.

    Attributes
    ----------
    of : str
        As written: ``dL/dW1`` or ``Z1``.
    kind : {"gradient", "value"}
    node : str
        The tensor asked about.
    id, points, tolerance, digits, text
        As for a scalar :class:`~symbackprop.spec.variants.Question`; ``digits`` and
        ``tolerance`` apply to every entry.

    Examples
    --------
    >>> TensorQuestion("dL/dW1", "gradient", "W1", "q1", 2.0)
    TensorQuestion(q1: dL/dW1, 2 points)
    """

    of: str
    kind: str
    node: str
    id: str
    points: float = 1.0
    tolerance: float | None = None
    digits: int = DEFAULT_DIGITS
    text: str = ""

    def __repr__(self) -> str:
        return f"TensorQuestion({self.id}: {self.of}, {self.points:g} points)"


def read_tensor_variants(value: Any, graph: TensorGraph, name: str) -> Variants:
    """The ``[variants]`` table of tensor file ``name``: its rules checked to draw some leaf
    tensor of ``graph``; questions are read apart (:func:`read_tensor_questions`).

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> graph = load_problem("tensor_mlp").graph
    >>> read_tensor_variants({"seed": 3, "draw": {"W*": {"range": [-1, 1]}}}, graph, "f")
    Variants(1 draw rules, 0 questions, seed 3)
    >>> read_tensor_variants({"draw": {"Z1": 1}}, graph, "f")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f: [variants.draw] 'Z1': matches no input, target or \
parameter (leaves: W1, W2, X, b1, b2, y)
    """
    leaves = [n for n in graph.order if graph.node(n).is_leaf]
    rules, options = read_draw_rules(value, leaves, name)
    return Variants(rules, (), **options)


def read_tensor_questions(value: Any, graph: TensorGraph, name: str
                          ) -> tuple[TensorQuestion, ...]:
    """The ``[[questions]]`` of tensor file ``name``, checked against ``graph``.

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> graph = load_problem("tensor_mlp").graph
    >>> read_tensor_questions([{"of": "dL/dW2", "digits": 4}], graph, "f")
    (TensorQuestion(q1: dL/dW2, 1 points),)
    >>> read_tensor_questions([{"of": "dL/dW2", "answer": "formula"}], graph, "f")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f: question 1 (dL/dW2) answer: a tensor question is answered \
with numbers (nested lists), not a formula
    """
    if not isinstance(value, list):
        raise SpecError(f"{name}: questions: must be an array of tables ([[questions]])")
    if len(value) > MAX_QUESTIONS:
        raise SpecError(f"{name}: more than {MAX_QUESTIONS} questions")
    questions: list[TensorQuestion] = []
    for index, raw in enumerate(value, 1):
        entry = as_table(raw, f"{name}: questions[{index}]")
        if "of" not in entry:
            raise SpecError(f"{name}: question {index}: missing key 'of'")
        of = text(entry["of"], f"{name}: question {index} of").strip()
        where = f"{name}: question {index} ({of})"
        check_keys(entry, QUESTION_KEYS, where)
        kind, node = tensor_asked(of, graph, where)
        marking = question_marking(entry, index, where, {q.id for q in questions})
        if marking["answer"] != "number":
            raise SpecError(f"{where} answer: a tensor question is answered with numbers "
                            "(nested lists), not a formula")
        questions.append(TensorQuestion(of, kind, node, marking["id"], marking["points"],
                                        marking["tolerance"], marking["digits"],
                                        marking["text"]))
    return tuple(questions)
