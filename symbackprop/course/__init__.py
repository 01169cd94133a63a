"""Courses: seeded problem variants, answer keys, handouts, grading and gradebook exports.

An instructor writes a template (a problem file with ``[variants]`` and ``[[questions]]``,
read by :mod:`symbackprop.spec.variants`); this package draws each student's numbers, answers
every question with the values the common mistakes give, writes the files and handouts, grades
answers-only submissions and exports to Gradescope, PrairieLearn, Moodle and Canvas.

- :mod:`~symbackprop.course.roster`: students and their safe ids, and
  :mod:`~symbackprop.course.filenames`: the file each id is written to;
- :mod:`~symbackprop.course.variants`: the seeded draws, redrawn while degenerate;
  :mod:`~symbackprop.course.keys`: the answer keys and what makes a draw degenerate;
- :mod:`~symbackprop.course.files` (TOML written by :mod:`symbackprop.spec.tomlwriter`),
  :mod:`~symbackprop.course.handout` (a student's sheet, what it states in
  :mod:`~symbackprop.course.statement`) and :mod:`~symbackprop.course.solutions`: the files of
  an assignment;
- :mod:`~symbackprop.course.submissions`, :mod:`~symbackprop.course.grading` (with
  :mod:`~symbackprop.course.marking`, one answer judged, and
  :mod:`~symbackprop.course.binding`, a submission bound to its student),
  :mod:`~symbackprop.course.reports`, :mod:`~symbackprop.course.gradebooks` (what an LMS
  imports), :mod:`~symbackprop.course.gradescope`: grading;
- at the tensor level, :mod:`~symbackprop.course.tensor_variants` (each entry drawn),
  :mod:`~symbackprop.course.tensor_keys` (the right tensors and every tensor mistake's),
  :mod:`~symbackprop.course.tensor_files` (a student's files) and
  :mod:`~symbackprop.course.tensor_marking` (a matrix answer judged);
- :mod:`~symbackprop.course.prairielearn` with :mod:`~symbackprop.course.pl_server`: a
  PrairieLearn question folder;
- :mod:`~symbackprop.course.moodle` and :mod:`~symbackprop.course.qti` (Canvas), with what they
  share in :mod:`~symbackprop.course.banks`: question banks for those LMSs.

May import :mod:`symbackprop.check`, :mod:`symbackprop.draw`, :mod:`symbackprop.render`,
:mod:`symbackprop.calculus`, :mod:`symbackprop.spec`, :mod:`symbackprop.graph` and
:mod:`symbackprop.rules` (a sheet states the network and its activations).
"""

from __future__ import annotations

from .files import assignment_files
from .grading import Grade, Submission, grade_all, grade_submission, load_keys
from .keys import Answer, answer_key, degeneracy
from .marking import Mark
from .moodle import moodle_xml
from .prairielearn import prairielearn_files
from .qti import canvas_files, canvas_zip
from .roster import Student, numbered, read_roster
from .submissions import read_submissions
from .tensor_keys import TensorAnswer, tensor_answer_key
from .tensor_variants import TensorVariant, make_tensor_variant
from .variants import Variant, make_variant, template_variants

__all__ = [
    "Answer", "Grade", "Mark", "Student", "Submission", "TensorAnswer", "TensorVariant",
    "Variant", "answer_key", "assignment_files", "canvas_files", "canvas_zip", "degeneracy",
    "grade_all", "grade_submission", "load_keys", "make_tensor_variant", "make_variant",
    "moodle_xml", "numbered", "prairielearn_files", "read_roster", "read_submissions",
    "template_variants", "tensor_answer_key",
]
