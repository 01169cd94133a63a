"""The files of an assignment: each student's problem file, answer key and handout.

:func:`assignment_files` lays them out, as relative paths to texts (the command line writes
each one):

- ``<id>.toml``: the template with that student's values (every leaf by name in ``[values]``),
  its ``[[questions]]`` kept and its ``[variants]`` and ``[[claims]]`` left out: a problem file
  ``symbackprop derive``, ``paths`` and ``check`` read like any other;
- ``key/<id>.json``: the answer key (:func:`symbackprop.course.variants.key_data`);
- with handouts, ``handout/<id>.tex`` (:mod:`symbackprop.course.handout`) and
  ``handout/solutions.tex`` (:mod:`symbackprop.course.solutions`).

An id that is no safe file name (``solutions``, ``CON``, two ids differing only in case) is
written under another name, kept in its key (:mod:`symbackprop.course.filenames`).

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.course.roster import numbered
>>> files = assignment_files("assignment_2_2_2", numbered(2), seed=1)
>>> sorted(files)
['key/s01.json', 'key/s02.json', 's01.toml', 's02.toml']
>>> print(files["s01.toml"].splitlines()[0])
# Variant s01 of assignment_2_2_2, seed 1: symbackprop variants
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..render.jsontext import to_json
from ..spec.problems import Problem, problem_from_dict, read_problem_data
from ..spec.tensor import TensorProblem, tensor_problem_from_dict
from ..spec.tomlwriter import dumps as toml_text
from .filenames import file_names
from .handout import Sheet, check_names, make_sheet, student_handout
from .roster import Student
from .solutions import solutions_document, student_solution
from .tensor_files import tensor_student_files, tensor_template
from .variants import Variant, key_data, make_variant, template_variants
from .workers import worker_pool

__all__ = ["CHUNK", "MIN_PER_JOB", "Progress", "assignment_files", "student_data"]


def student_data(template_data: dict[str, Any], variant: Variant) -> dict[str, Any]:
    """A student's problem file as data: the template's, with the student's values.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.course.variants import make_variant
    >>> _, data = read_problem_data("assignment_2_2_2")
    >>> variant = make_variant(load_problem("assignment_2_2_2"), Student("s01"), seed=1)
    >>> list(student_data(data, variant))
    ['title', 'source', 'description', 'learning_rate', 'network', 'values', 'questions']
    """
    data = {k: v for k, v in template_data.items()
            if k not in ("variants", "claims", "values", "questions")}
    data["values"] = dict(variant.values)
    if "questions" in template_data:
        data["questions"] = template_data["questions"]
    return data


MIN_PER_JOB = 40
"""A worker process is started for at least this many students: a smaller roster runs in one
process, where starting another costs more than it saves."""
CHUNK = 20
"""Students a worker makes at a time, and how often the progress is reported."""

Progress = Callable[[int, int], None]
"""Called with the students done and their number, as the work goes on."""


@dataclass(frozen=True)
class _Course:
    """What every student's files share, made once: the template (as read and as data), its
    short name, the seed and, with handouts, the sheet typeset once."""

    template: str
    short: str
    data: dict[str, Any]
    problem: Problem | TensorProblem
    seed: int | None
    sheet: Sheet | None


_PREPARED: dict[tuple[str, int | None, bool], _Course] = {}
"""The course being written, by (template, seed, handouts): made before any worker starts, so
that forked workers inherit it (a worker started otherwise makes it again, the same)."""


def _prepared(key: tuple[str, int | None, bool]) -> _Course:
    if key not in _PREPARED:
        template, seed, handouts = key
        name, data = read_problem_data(template)
        problem: Problem | TensorProblem = (
            tensor_problem_from_dict(data, name=name) if "tensor" in data
            else problem_from_dict(data, name=name))
        if isinstance(problem, TensorProblem):
            tensor_template(problem, handouts)
        else:
            template_variants(problem, (), seed)  # a template, or a clear error
        _PREPARED.clear()
        _PREPARED[key] = _Course(template, name.removesuffix(" (bundled example)"), data,
                                 problem, seed,
                                 make_sheet(problem) if handouts and isinstance(problem, Problem)
                                 else None)
    return _PREPARED[key]


def _student_files(key: tuple[str, int | None, bool],
                   students: Sequence[tuple[Student, str]]
                   ) -> list[tuple[dict[str, str], str]]:
    """Each student's files (named by the stem given with the student) and, with handouts,
    their part of the solutions."""
    course = _prepared(key)
    if isinstance(course.problem, TensorProblem):
        return [(tensor_student_files(course.problem, course.data, course.short, student, stem,
                                      course.seed), "") for student, stem in students]
    made = []
    for student, stem in students:
        variant = make_variant(course.problem, student, course.seed)
        header = (f"# Variant {student.id} of {_comment(course.short)}, seed {variant.seed}: "
                  "symbackprop variants\n")
        files = {f"{stem}.toml": header + toml_text(student_data(course.data, variant)),
                 f"key/{stem}.json": to_json(key_data(
                     variant, course.short, None if stem == student.id else stem)) + "\n"}
        part = ""
        if course.sheet is not None:
            files[f"handout/{stem}.tex"] = student_handout(variant, course.sheet)
            part = student_solution(variant)
        made.append((files, part))
    return made


def assignment_files(template: str, students: Sequence[Student], *, seed: int | None = None,
                     handouts: bool = False, figures: bool = False, jobs: int = 1,
                     progress: Progress | None = None) -> dict[str, str]:
    """Every file of an assignment, by relative path; with ``handouts`` the LaTeX sheets, and
    with ``figures`` too a picture of each question's paths in the solutions.

    Each student's files are made alone (their numbers depend on the seed and their id only),
    in ``jobs`` worker processes (at most one per :data:`MIN_PER_JOB` students); the files are
    the same byte for byte whatever ``jobs``.  ``progress`` is told the students done, every
    :data:`CHUNK` students.

    Raises
    ------
    SpecError
        For a template that is not one, a name the handouts cannot typeset, or draws that stay
        degenerate.

    Notes
    -----
    What every student shares is made once (the template read, the sheet typeset, in the
    solutions the questions' derivations); a student costs the keys' numbers and the text of
    their files.

    Examples
    --------
    >>> from symbackprop.course.roster import numbered
    >>> files = assignment_files("assignment_2_2_2", numbered(1), seed=1, handouts=True)
    >>> sorted(files)
    ['handout/s01.tex', 'handout/solutions.tex', 'key/s01.json', 's01.toml']
    """
    if handouts:
        check_names(students)
    key = (template, seed, handouts)
    _PREPARED.clear()
    course = _prepared(key)
    stems = file_names(students)
    named = [(student, stems[student.id]) for student in students]
    chunks = [named[i:i + CHUNK] for i in range(0, len(named), CHUNK)]
    jobs = max(1, min(jobs, -(-len(students) // MIN_PER_JOB)))
    files: dict[str, str] = {}
    parts: list[str] = []
    with contextlib.ExitStack() as stack:
        if jobs == 1:
            made: Iterable[list[tuple[dict[str, str], str]]] = map(
                partial(_student_files, key), chunks)
        else:
            pool = stack.enter_context(worker_pool(jobs))
            made = pool.map(partial(_student_files, key), chunks)
        done = 0
        for chunk in made:
            for student_files, part in chunk:
                files.update(student_files)
                parts.append(part)
            done += len(chunk)
            if progress is not None:
                progress(done, len(students))
    if handouts and isinstance(course.problem, Problem):
        title = f"{course.problem.title or course.short}: solutions"
        files["handout/solutions.tex"] = solutions_document(course.problem, parts, title,
                                                            figures=figures)
    return files


def _comment(text: str) -> str:
    """``text`` safe in a one-line TOML comment (a file name may hold anything)."""
    return "".join(c if c.isprintable() else "?" for c in text)
