"""The files of an assignment: each student's problem file, answer key and handout.

:func:`assignment_files` lays them out, as relative paths to texts (the command line writes
each one):

- ``<id>.toml``: the template with that student's values (every leaf by name in ``[values]``),
  its ``[[questions]]`` kept and its ``[variants]`` and ``[[claims]]`` left out: a problem file
  ``symbackprop derive``, ``paths`` and ``check`` read like any other;
- ``key/<id>.json``: the answer key (:func:`symbackprop.course.variants.key_data`);
- with handouts, ``handout/<id>.tex`` (:mod:`symbackprop.course.handout`) and
  ``handout/solutions.tex`` (:mod:`symbackprop.course.solutions`).

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

from typing import Any

from ..render.jsontext import to_json
from ..spec.problems import problem_from_dict, read_problem_data
from ..spec.tomlwriter import dumps as toml_text
from .handout import check_names, make_sheet, student_handout
from .roster import Student
from .solutions import solutions_document, student_solution
from .variants import Variant, key_data, template_variants

__all__ = ["assignment_files", "student_data"]


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


def assignment_files(template: str, students: tuple[Student, ...], *, seed: int | None = None,
                     handouts: bool = False, figures: bool = False) -> dict[str, str]:
    """Every file of an assignment, by relative path; with ``handouts`` the LaTeX sheets, and
    with ``figures`` too a picture of each answer's paths in the solutions.

    Raises
    ------
    SpecError
        For a template that is not one, or whose draws stay degenerate.

    Examples
    --------
    >>> from symbackprop.course.roster import numbered
    >>> files = assignment_files("assignment_2_2_2", numbered(1), seed=1, handouts=True)
    >>> sorted(files)
    ['handout/s01.tex', 'handout/solutions.tex', 'key/s01.json', 's01.toml']
    """
    if handouts:
        check_names(students)
    name, data = read_problem_data(template)
    problem = problem_from_dict(data, name=name)
    variants = template_variants(problem, students, seed)
    short = name.removesuffix(" (bundled example)")
    sheet = make_sheet(problem) if handouts else None
    files: dict[str, str] = {}
    parts: list[str] = []
    for variant in variants:
        sid = variant.student.id
        header = (f"# Variant {sid} of {_comment(short)}, seed {variant.seed}: "
                  "symbackprop variants\n")
        files[f"{sid}.toml"] = header + toml_text(student_data(data, variant))
        files[f"key/{sid}.json"] = to_json(key_data(variant, short)) + "\n"
        if sheet is not None:
            files[f"handout/{sid}.tex"] = student_handout(variant, sheet)
            parts.append(student_solution(variant))
    if handouts:
        files["handout/solutions.tex"] = solutions_document(
            problem, parts, f"{problem.title or short}: solutions", figures=figures)
    return files


def _comment(text: str) -> str:
    """``text`` safe in a one-line TOML comment (a file name may hold anything)."""
    return "".join(c if c.isprintable() else "?" for c in text)
