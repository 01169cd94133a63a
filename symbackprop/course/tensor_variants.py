"""Each student's variant of a tensor template: every entry drawn, redrawn while degenerate.

A tensor template's draw rules (:mod:`symbackprop.spec.tensor_questions`) draw each entry of
a tensor on its own, from the student's generator
(:func:`~symbackprop.course.variants.student_rng`, the scalar variants' own: the same seed and
id give the same numbers on every machine); a tensor no rule draws keeps the template's
values.  A draw whose questions are degenerate
(:func:`~symbackprop.course.tensor_keys.tensor_degeneracy`) is drawn again, up to the
template's ``attempts``, and the key records why.

A student's problem file is the template with every leaf tensor's values written out
(``values = [[...]]``), its ``[[questions]]`` kept and its ``[variants]`` and
``[[claims]]`` left out; the key (``key/<id>.json``) holds each question's right tensor,
each entry's tolerance, and every mistake's tensor, as nested lists.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.course.roster import Student
>>> template = load_problem("tensor_assignment")
>>> variant = make_tensor_variant(template, Student("ada"), seed=1)
>>> variant
TensorVariant('ada', 4 answers, 0 rejected draws)
>>> variant.problem.values["W1"][0]
array([-0.9, -0.1,  0.4, -0.5,  0.1])
>>> bool(np.all(make_tensor_variant(template, Student("ada"), seed=1).problem.values["X"]
...             == variant.problem.values["X"]))
True
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import SpecError
from ..spec.tensor import TensorProblem
from ..spec.variants import Variants
from .roster import Student
from .tensor_keys import TensorAnswer, tensor_answer_key, tensor_degeneracy
from .variants import Rejection, rounded, student_rng

__all__ = ["TensorVariant", "draw_tensor_values", "make_tensor_variant", "nested",
           "tensor_key_data", "tensor_student_data"]


@dataclass(frozen=True, eq=False)
class TensorVariant:
    """One student's variant of a tensor template: the problem at their values, its key and
    the draws rejected before it.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> variant = make_tensor_variant(load_problem("tensor_assignment"), Student("al"))
    >>> variant.student, [a.question.id for a in variant.key]
    (Student('al'), ['q1', 'q2', 'q3', 'q4'])
    """

    student: Student
    seed: int
    problem: TensorProblem
    key: tuple[TensorAnswer, ...]
    rejected: tuple[Rejection, ...] = ()

    def __repr__(self) -> str:
        return (f"TensorVariant({self.student.id!r}, {len(self.key)} answers, "
                f"{len(self.rejected)} rejected draws)")


def draw_tensor_values(template: TensorProblem, rng: np.random.Generator
                       ) -> dict[str, np.ndarray]:
    """One draw of every leaf tensor: each entry by the tensor's rule, else the template's
    values.

    Raises
    ------
    SpecError
        For a leaf with neither values nor a rule, or a rule drawing fractions for an integer
        tensor.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.course.variants import student_rng
    >>> values = draw_tensor_values(load_problem("tensor_assignment"), student_rng(0, "s1"))
    >>> values["X"].shape, sorted(set(values["X"].ravel()) - set(np.arange(-1, 1.25, 0.25)))
    ((4, 3), [])
    """
    variants = template.variants or Variants()
    where = template.path or "the template"
    values: dict[str, np.ndarray] = {}
    for leaf in [n for n in template.graph.order if template.graph.node(n).is_leaf]:
        node = template.graph.node(leaf)
        rule = variants.rule_for(leaf)
        if rule is None:
            if leaf not in template.values:
                raise SpecError(f"{where}: {leaf!r} has no values in [tensor] and no rule in "
                                "[variants.draw]")
            values[leaf] = template.values[leaf]
            continue
        picks = rng.integers(rule.count, size=node.shape)
        drawn = [rule.value(int(k)) for k in np.ravel(picks)]
        if node.dtype == "int":
            if any(d != d.to_integral_value() for d in drawn):
                raise SpecError(f"{where}: [variants.draw] {rule.pattern!r} draws fractions "
                                f"for {leaf!r}, which holds integers")
            values[leaf] = np.array([int(d) for d in drawn], dtype=int).reshape(node.shape)
        else:
            values[leaf] = np.array([float(d) for d in drawn], dtype=float).reshape(node.shape)
    return values


def make_tensor_variant(template: TensorProblem, student: Student, seed: int | None = None
                        ) -> TensorVariant:
    """The variant of ``student``: draw, and draw again while degenerate.

    Raises
    ------
    SpecError
        When every one of the template's ``attempts`` draws is degenerate.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> make_tensor_variant(load_problem("tensor_assignment"), Student("s01")).seed
    2026
    """
    variants = template.variants or Variants()
    seed = variants.seed if seed is None else seed
    rng = student_rng(seed, student.id)
    rejected: list[Rejection] = []
    for draw in range(1, variants.attempts + 1):
        problem = replace(template, values=draw_tensor_values(template, rng), claims=(),
                          path=f"{student.id}.toml")
        key = tensor_answer_key(problem)
        reason = tensor_degeneracy(problem, key)
        if reason is None:
            return TensorVariant(student, seed, problem, key, tuple(rejected))
        rejected.append(Rejection(draw, reason))
    where = template.path or "the template"
    last = "; ".join(r.reason for r in rejected[-3:])
    raise SpecError(f"{where}: student {student.id!r}: all {variants.attempts} draws were "
                    f"degenerate (the last: {last}); widen the ranges of [variants.draw], ask "
                    "other questions or raise [variants] attempts")


def nested(value: np.ndarray) -> Any:
    """A tensor as nested lists of numbers to the keys' digits
    (:func:`~symbackprop.course.variants.rounded`).

    Examples
    --------
    >>> nested(np.array([[0.1 + 0.2, 1.0], [-2.5, 1 / 3]]))
    [[0.3, 1.0], [-2.5, 0.333333333333]]
    """
    return np.vectorize(rounded, otypes=[float])(np.asarray(value, dtype=float)).tolist()


def tensor_key_data(variant: TensorVariant, template_name: str, file: str | None = None
                    ) -> dict[str, Any]:
    """The answer key of one tensor variant as plain data (``DIR/key/<id>.json``): each
    question's ``value``, ``tolerance`` (one per entry) and ``mistakes`` (name, description,
    value) as nested lists, with the ``shape`` that tells ``grade`` a tensor question.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> variant = make_tensor_variant(load_problem("tensor_assignment"), Student("ada"))
    >>> data = tensor_key_data(variant, "tensor_assignment")
    >>> data["level"], [(q["id"], q["shape"]) for q in data["questions"]][:2]
    ('tensor', [('q1', [3, 5]), ('q2', [5])])
    >>> data["questions"][0]["mistakes"][3]["name"]
    'transposed'
    """
    problem = variant.problem
    questions = []
    for answer in variant.key:
        q = answer.question
        questions.append({
            "id": q.id, "of": q.of, "kind": q.kind, "node": q.node, "answer": "number",
            "points": q.points, "text": q.text, "shape": list(answer.value.shape),
            "value": nested(answer.value), "tolerance": nested(answer.tolerance),
            "digits": q.digits if q.tolerance is None else None,
            "mistakes": [{"name": "+".join(m.names), "description": m.text,
                          "value": nested(m.value)} for m in answer.mistakes],
        })
    return {
        "format": "symbackprop answer key", "version": 1, "level": "tensor",
        "template": template_name, "title": problem.title,
        "variant": variant.student.id, **({"file": file} if file is not None else {}),
        "name": variant.student.name,
        **({"roster": variant.student.columns} if variant.student.columns else {}),
        "seed": variant.seed, "learning_rate": problem.learning_rate,
        "values": {k: nested(v) for k, v in problem.values.items()},
        "questions": questions,
        "draws": len(variant.rejected) + 1,
        "rejected": [{"draw": r.draw, "reason": r.reason} for r in variant.rejected],
    }


_LEAF_TABLES = ("inputs", "targets", "parameters", "constants")


def tensor_student_data(template_data: dict[str, Any], variant: TensorVariant
                        ) -> dict[str, Any]:
    """A student's tensor problem file as data: the template's, every leaf tensor's values
    written out (so that no draw of the file's own generator is left), its questions kept.

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem, read_problem_data
    >>> _, data = read_problem_data("tensor_assignment")
    >>> variant = make_tensor_variant(load_problem("tensor_assignment"), Student("s01"))
    >>> student = tensor_student_data(data, variant)
    >>> list(student), student["tensor"]["parameters"]["b1"]
    (['title', 'source', 'description', 'learning_rate', 'tensor', 'questions'], \
{'shape': [5], 'values': [0.0, 0.0, 0.0, 0.0, 0.0]})
    """
    data = {k: v for k, v in template_data.items() if k not in ("variants", "claims")}
    tensor = dict(data["tensor"])
    graph = variant.problem.graph
    for table in _LEAF_TABLES:
        if table not in tensor:
            continue
        leaves = {}
        for leaf in tensor[table]:
            node = graph.node(leaf)
            spec: dict[str, Any] = {"shape": list(node.shape)}
            if node.dtype == "int":
                spec["dtype"] = "int"
            spec["values"] = variant.problem.values[leaf].tolist()
            leaves[leaf] = spec
        tensor[table] = leaves
    data["tensor"] = tensor
    if "questions" in data:  # after the tensor table, as a reader expects them
        data["questions"] = data.pop("questions")
    return data
