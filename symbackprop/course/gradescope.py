"""Gradescope: the ``results.json`` an autograder writes for one submission.

Gradescope runs an autograder once per submission and reads
``/autograder/results/results.json`` (its documented "Autograder Specifications"): a top-level
``score``, ``output`` (shown to the student), ``extra_data`` and ``tests``, each with ``name``,
``score``, ``max_score``, ``status`` (``passed`` or ``failed``) and ``output``.  One test per
question; its output is the feedback, naming the mistake and the right value; the top-level
output names the variant graded (as ``extra_data``'s ``variant`` does).  The submission is
bound to its submitter first (:mod:`symbackprop.course.binding`, from
``/autograder/submission_metadata.json``).  In an autograder's ``run_autograder``::

    symbackprop grade /autograder/source/assignment /autograder/submission/answers.toml \\
        --format gradescope -o /autograder/results/results.json

Examples
--------
>>> from symbackprop.course.grading import Grade
>>> from symbackprop.course.marking import Mark
>>> grade = Grade("s01", "answers.toml", (
...     Mark("q1", "dL/dw5", "0.0822", 0.0822, 0.08217, "correct", 2.0, 2.0),
...     Mark("q2", "dL/dw1", "-0.00044", -0.00044, 0.00044, "incorrect", 0.0, 3.0, "sign",
...          "The sign is flipped.")))
>>> data = gradescope_results(grade)
>>> data["score"], [(t["name"], t["score"], t["status"]) for t in data["tests"]]
(2.0, [('q1: dL/dw5', 2.0, 'passed'), ('q2: dL/dw1', 0.0, 'failed')])
>>> data["output"]
'2 of 5 points, variant s01.'
"""

from __future__ import annotations

from typing import Any

from .grading import Grade

__all__ = ["gradescope_results"]


def gradescope_results(grade: Grade) -> dict[str, Any]:
    """One graded submission as Gradescope's ``results.json`` data.

    A submission that could not be graded (an unreadable file, a classmate's variant, several
    students in one file) scores 0 with the error as its output (Gradescope shows it to the
    student, who can fix the file and submit again).

    Examples
    --------
    >>> from symbackprop.course.grading import Grade
    >>> gradescope_results(Grade("s01", "a.toml", error="a.toml: not valid TOML"))
    {'score': 0.0, 'output': 'a.toml: not valid TOML', 'tests': []}
    """
    if grade.error:
        return {"score": 0.0, "output": grade.error, "tests": []}
    tests = [{"name": f"{m.question}: {m.of}", "score": m.points, "max_score": m.max_points,
              "status": "passed" if m.verdict == "correct" else "failed",
              "output": (f"Your answer: {m.answer if m.answer is not None else '(none)'}: "
                         f"{m.verdict}. {m.feedback}").strip()}
             for m in grade.marks]
    notes = "".join(f" Note: {n}." for n in grade.notes)
    whose = f"variant {grade.student}" + (f" ({grade.name})" if grade.name else "")
    return {"score": grade.score,
            "output": f"{grade.score:g} of {grade.max_score:g} points, {whose}.{notes}",
            "tests": tests, "extra_data": {"variant": grade.student}}
