"""The files of an assignment from a tensor template: each student's problem file and key.

:func:`symbackprop.course.files.assignment_files` calls these for a template with a
``[tensor]`` table: ``<id>.toml``
(:func:`~symbackprop.course.tensor_variants.tensor_student_data`) and ``key/<id>.json``
(:func:`~symbackprop.course.tensor_variants.tensor_key_data`).  Handouts are not written for
a tensor template (their LaTeX shows a scalar problem's values and derivations), and
:func:`tensor_template` refuses them with a message that says so.

Examples
--------
>>> from symbackprop.spec.problems import load_problem, read_problem_data
>>> from symbackprop.course.roster import Student
>>> template = load_problem("tensor_assignment")
>>> _, data = read_problem_data("tensor_assignment")
>>> files = tensor_student_files(template, data, "tensor_assignment", Student("s01"), "s01")
>>> sorted(files)
['key/s01.json', 's01.toml']
>>> print(files["s01.toml"].splitlines()[0])
# Variant s01 of tensor_assignment, seed 2026: symbackprop variants
"""

from __future__ import annotations

from typing import Any

from ..errors import SpecError
from ..render.jsontext import to_json
from ..spec.tensor import TensorProblem, tensor_problem_from_dict
from ..spec.tomlwriter import dumps as toml_text
from .grading import MAX_KEY_BYTES
from .roster import Student
from .tensor_variants import make_tensor_variant, tensor_key_data, tensor_student_data

__all__ = ["scalar_bank", "tensor_student_files", "tensor_template"]


def tensor_template(problem: TensorProblem, handouts: bool = False) -> None:
    """Refuse a tensor problem that is no template (no ``[[questions]]``), and handouts.

    Raises
    ------
    SpecError

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> tensor_template(load_problem("tensor_mlp"))
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: tensor_mlp (bundled example): not a template: it has no \
[[questions]] (see docs/reference/problem-files.md, Templates)
    >>> tensor_template(load_problem("tensor_assignment"), handouts=True)
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: tensor_assignment (bundled example): --handout is for \
scalar templates: a tensor template's handouts are not written (give each student their \
<id>.toml, whose values `symbackprop derive` and `paths` show as matrices)
    """
    where = problem.path or "the template"
    if not problem.questions:
        raise SpecError(f"{where}: not a template: it has no [[questions]] (see "
                        "docs/reference/problem-files.md, Templates)")
    if handouts:
        raise SpecError(f"{where}: --handout is for scalar templates: a tensor template's "
                        "handouts are not written (give each student their <id>.toml, whose "
                        "values `symbackprop derive` and `paths` show as matrices)")


def scalar_bank(name: str, data: dict[str, Any]) -> None:
    """Refuse a tensor template (``data``, the file ``name`` as read) for a question-bank
    export: Moodle's, Canvas's and PrairieLearn's questions take one number.  The tensor file
    is read first, so that a broken one is refused for what is wrong in it, as every command
    refuses it.

    Raises
    ------
    SpecError

    Examples
    --------
    >>> from symbackprop.spec.problems import read_problem_data
    >>> scalar_bank(*read_problem_data("tensor_assignment"))
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: tensor_assignment (bundled example): a tensor problem \
([tensor]); the question-bank exports (moodle, canvas, prairielearn) write questions answered \
with one number and take a scalar template only (for a tensor assignment, `symbackprop \
variants` writes each student's file and key and `symbackprop grade` grades their matrices)
    """
    if "tensor" in data:
        tensor_problem_from_dict(data, name=name)
        raise SpecError(f"{name}: a tensor problem ([tensor]); the question-bank exports (moodle, "
                        "canvas, prairielearn) write questions answered with one number and "
                        "take a scalar template only (for a tensor assignment, `symbackprop "
                        "variants` writes each student's file and key and `symbackprop grade` "
                        "grades their matrices)")


def _comment(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)


def tensor_student_files(template: TensorProblem, data: dict[str, Any], short: str,
                         student: Student, stem: str, seed: int | None = None
                         ) -> dict[str, str]:
    """One student's problem file and answer key, by relative path (``stem`` names them).

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem, read_problem_data
    >>> _, data = read_problem_data("tensor_assignment")
    >>> files = tensor_student_files(load_problem("tensor_assignment"), data, "t",
    ...                              Student("CON"), "CON_", seed=3)
    >>> sorted(files)
    ['CON_.toml', 'key/CON_.json']
    """
    variant = make_tensor_variant(template, student, seed)
    header = (f"# Variant {student.id} of {_comment(short)}, seed {variant.seed}: "
              "symbackprop variants\n")
    key = to_json(tensor_key_data(variant, short, None if stem == student.id else stem)) + "\n"
    size = len(key.encode())
    if size > MAX_KEY_BYTES:
        largest = max(variant.key, key=lambda a: a.value.size)
        raise SpecError(f"{template.path or 'the template'}: the answer key of {student.id!r} "
                        f"would be {size:,} bytes, more than grade reads ({MAX_KEY_BYTES:,}): "
                        f"ask about smaller tensors ({largest.question.of} has "
                        f"{largest.value.size:,} entries, and the key holds each mistake's) "
                        "or fewer questions")
    return {f"{stem}.toml": header + toml_text(tensor_student_data(data, variant)),
            f"key/{stem}.json": key}
