"""Each student's variant of a template: values drawn reproducibly, redrawn while degenerate.

A student's numbers come from :func:`numpy.random.default_rng` seeded with a SHA-256 hash of
the seed and the student's id (:func:`student_rng`): the same seed and id give the same numbers
on every machine and in every run, and no student's numbers depend on who else is on the
roster.  Every drawn value is an exact decimal (a multiple of its rule's step, or one of its
choices), so a student's problem file is byte-identical from run to run.

A draw whose questions are degenerate (:func:`symbackprop.course.keys.degeneracy`: a zero
gradient, a saturated unit, two mistakes giving the same answer) is rejected and the student's
generator draws again, up to the template's ``attempts``; the key records each rejected draw
and why.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.course.roster import Student
>>> template = load_problem("assignment_2_2_2")
>>> variant = make_variant(template, Student("ada"), seed=1)
>>> variant
Variant('ada', 4 answers, 2 rejected draws)
>>> variant.values["x1"], variant.values["w5"]
(Decimal('0.5'), Decimal('-0.55'))
>>> make_variant(template, Student("ada"), seed=1).values == variant.values
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import numpy as np

from ..errors import SpecError
from ..spec.problems import Problem
from ..spec.variants import Variants
from .keys import Answer, answer_key, degeneracy
from .roster import Student

__all__ = ["KEY_DIGITS", "Rejection", "Variant", "draw_values", "key_data", "leaves",
           "make_variant", "rounded", "student_rng",
           "template_variants"]

KEY_DIGITS = 12
"""Numbers in keys are written to this many significant digits: the last bits of a float
computed through ``exp`` may differ between machines' maths libraries, these digits do not."""


@dataclass(frozen=True)
class Rejection:
    """A draw rejected as degenerate: its number (1-based) and why.

    Examples
    --------
    >>> Rejection(1, "q1 (dL/dw5): a zero gradient")
    Rejection(draw 1: q1 (dL/dw5): a zero gradient)
    """

    draw: int
    reason: str

    def __repr__(self) -> str:
        return f"Rejection(draw {self.draw}: {self.reason})"


@dataclass(frozen=True)
class Variant:
    """One student's variant: the values of every leaf, the problem at them, its answer key
    and the draws rejected before it.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> variant = make_variant(load_problem("assignment_2_2_2"), Student("alan"), seed=5)
    >>> variant.student, [a.question.id for a in variant.key]
    (Student('alan'), ['q1', 'q2', 'q3', 'q4'])
    """

    student: Student
    seed: int
    values: Mapping[str, Decimal]
    problem: Problem
    key: tuple[Answer, ...]
    rejected: tuple[Rejection, ...] = ()

    def __repr__(self) -> str:
        return (f"Variant({self.student.id!r}, {len(self.key)} answers, "
                f"{len(self.rejected)} rejected draws)")


def student_rng(seed: int, student: str) -> np.random.Generator:
    """The generator of one student's draws: ``default_rng`` of the SHA-256 of
    ``"symbackprop-variants:<seed>:<student id>"`` (stable everywhere, unlike ``hash``).

    Examples
    --------
    >>> int(student_rng(7, "ada").integers(1000)), int(student_rng(7, "ada").integers(1000))
    (644, 644)
    """
    digest = hashlib.sha256(f"symbackprop-variants:{seed}:{student}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest, "big"))


def _base(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def leaves(problem: Problem) -> list[str]:
    """The names that take values: every leaf of the graph, in its order.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> leaves(load_problem("branching_graph"))
    ['a', 'b']
    """
    graph = problem.graph
    return [n for n in graph.order if graph.node(n).definition is None]


def draw_values(problem: Problem, rng: np.random.Generator) -> dict[str, Decimal]:
    """One draw of every leaf: by its rule (:meth:`Variants.rule_for`), else its base value.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> template = load_problem("assignment_2_2_2")
    >>> values = draw_values(template, student_rng(0, "s01"))
    >>> sorted(values)[:4], all(v != 0 for k, v in values.items() if k.startswith("w"))
    (['b1', 'b2', 'w1', 'w2'], True)
    """
    variants = problem.variants or Variants()
    values: dict[str, Decimal] = {}
    for leaf in leaves(problem):
        rule = variants.rule_for(leaf)
        if rule is not None:
            values[leaf] = rule.value(int(rng.integers(rule.count)))
        elif leaf in problem.values:
            values[leaf] = _base(problem.values[leaf])
        else:
            where = problem.path or "the template"
            raise SpecError(f"{where}: {leaf!r} has no value in [values] and no rule in "
                            "[variants.draw]")
    return values


def make_variant(template: Problem, student: Student, seed: int | None = None) -> Variant:
    """The variant of ``student``: draw, and draw again while degenerate.

    Raises
    ------
    SpecError
        When every one of the template's ``attempts`` draws is degenerate (the last reasons
        are named: widen the ranges, or ask other questions).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> template = load_problem("assignment_2_2_2")
    >>> make_variant(template, Student("s01"), seed=0).rejected
    ()
    """
    variants = template.variants or Variants()
    seed = variants.seed if seed is None else seed
    rng = student_rng(seed, student.id)
    rejected: list[Rejection] = []
    for draw in range(1, variants.attempts + 1):
        values = draw_values(template, rng)
        problem = replace(template, values={k: float(v) for k, v in values.items()}, claims=(),
                          path=f"{student.id}.toml", title=template.title)
        key = answer_key(problem)
        reason = degeneracy(problem, key, variants.saturation)
        if reason is None:
            return Variant(student, seed, values, problem, key, tuple(rejected))
        rejected.append(Rejection(draw, reason))
    where = template.path or "the template"
    last = "; ".join(dict.fromkeys(r.reason for r in rejected[-3:]))  # each reason once
    raise SpecError(f"{where}: student {student.id!r}: all {variants.attempts} draws were "
                    f"degenerate (the last: {last}); widen the ranges of [variants.draw], ask "
                    "other questions or raise [variants] attempts")


def template_variants(template: Problem, students: tuple[Student, ...],
                      seed: int | None = None) -> list[Variant]:
    """:func:`make_variant` for every student, in the roster's order.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.course.roster import numbered
    >>> variants = template_variants(load_problem("assignment_2_2_2"), numbered(2), seed=3)
    >>> variants[0].values != variants[1].values
    True
    """
    if template.variants is None or not template.variants.questions:
        where = template.path or "the template"
        raise SpecError(f"{where}: not a template: it has no [[questions]] (see "
                        "docs/reference/problem-files.md, Templates)")
    return [make_variant(template, s, seed) for s in students]


def rounded(value: float) -> float:
    """``value`` to :data:`KEY_DIGITS` significant digits.

    Examples
    --------
    >>> rounded(0.1 + 0.2)
    0.3
    """
    return float(f"{value:.{KEY_DIGITS}g}")


def key_data(variant: Variant, template_name: str, file: str | None = None) -> dict[str, Any]:
    """The answer key of one variant as plain data (``DIR/key/<id>.json``); ``file`` is the
    stem of the student's files where it is not their id
    (:func:`symbackprop.course.filenames.file_names`).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> variant = make_variant(load_problem("assignment_2_2_2"), Student("ada"), seed=1)
    >>> data = key_data(variant, "assignment_2_2_2")
    >>> data["variant"], [q["id"] for q in data["questions"]], len(data["rejected"])
    ('ada', ['q1', 'q2', 'q3', 'q4'], 2)
    """
    problem = variant.problem
    questions = []
    for answer in variant.key:
        q = answer.question
        questions.append({
            "id": q.id, "of": q.of, "kind": q.kind, "target": q.target, "wrt": q.wrt,
            "answer": q.answer, "points": q.points,
            "text": q.text, "value": rounded(answer.value), "formula": answer.formula,
            "tolerance": rounded(answer.tolerance),
            "digits": q.digits if q.tolerance is None else None,
            "mistakes": [{"name": m.name, "description": m.description,
                          "value": rounded(m.value), "path": m.path} for m in answer.mistakes],
        })
    return {
        "format": "symbackprop answer key", "version": 1,
        "template": template_name, "title": problem.title,
        "variant": variant.student.id, **({"file": file} if file is not None else {}),
        "name": variant.student.name,
        **({"roster": variant.student.columns} if variant.student.columns else {}),
        "seed": variant.seed,
        "learning_rate": problem.learning_rate,
        "values": {k: float(v) for k, v in variant.values.items()},
        "questions": questions,
        "draws": len(variant.rejected) + 1,
        "rejected": [{"draw": r.draw, "reason": r.reason} for r in variant.rejected],
    }
