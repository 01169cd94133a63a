"""Gradebooks an LMS imports: one row per student of the roster, a column per question, a total.

Three forms of the same table (``grade --format wide|canvas|moodle``), every student of the
keys in the keys' order (a student who handed nothing in scores 0), the roster's columns taken
from the keys (``symbackprop variants`` writes them there; a column the roster lacks stays
empty):

- **wide**: ``student``, ``name``, one column per question (its id), ``total``, ``notes`` (not
  submitted, a variant claimed by two submissions, an error).
- **canvas**: Canvas's gradebook import (its importer reads the header ``Student``, ``ID``,
  ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per assignment, and a
  ``Points Possible`` row): a column per question and one for the total, each named after the
  assignment's title, so that importing creates them.  Canvas matches a row to a student by
  ``ID`` (Canvas's own number, which a roster does not have: left empty), then ``SIS User
  ID``, then ``SIS Login ID``, then the name: the roster needs ``sis_user_id`` or
  ``sis_login_id``.
- **moodle**: Moodle's grade import from CSV (Grades > Import > CSV file): ``ID number``,
  ``Email address``, ``Full name``, a column per question, the total.  On import, map the
  students from ``ID number`` (to the user field "ID number") or ``Email address`` (to
  "Email address"): the roster needs ``idnumber`` or ``email``; map each grade column to a
  grade item (or a new one).

In those LMSs their own grading then applies to what they grade themselves; these files carry
symbackprop's points, judged by its own rule (the asked digits, the named mistakes, the
binding of a submission to its student).  Cells go through :mod:`csv`, text that a
spreadsheet would run as a formula with a leading ``'``
(:func:`symbackprop.course.reports.csv_cell`).

Examples
--------
>>> from symbackprop.course.grading import Grade, not_submitted
>>> from symbackprop.course.marking import Mark
>>> keys = {v: {"variant": v, "name": n, "title": "Homework 3", "roster": r, "questions": [
...     {"id": "q1", "of": "dL/dw5", "value": 0.08, "points": 2}]} for v, n, r in (
...     ("ada", "Ada Lovelace", {"sis_login_id": "ada.l"}), ("li", "李雷", {}))}
>>> ada = Grade("ada", "a.toml", (Mark("q1", "dL/dw5", "0.08", 0.08, 0.08, "correct", 2, 2),))
>>> print(canvas_csv([ada, not_submitted(keys["li"])], keys), end="")
Student,ID,SIS User ID,SIS Login ID,Section,Homework 3 q1,Homework 3 total
Points Possible,,,,,2,2
Ada Lovelace,,,ada.l,,2,2
李雷,,,,,0,0
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .grading import Grade
from .reports import csv_cell

__all__ = ["GRADEBOOK_FORMATS", "RosterRow", "canvas_csv", "gradebook_csv", "moodle_csv",
           "roster_rows", "wide_csv"]

GRADEBOOK_FORMATS = ("wide", "canvas", "moodle")


@dataclass(frozen=True)
class RosterRow:
    """One student of the roster in a gradebook: their key, their points per question, their
    total and what to note.

    Examples
    --------
    >>> RosterRow({"variant": "ada"}, {"q1": 2.0}, 2.0)
    RosterRow('ada': 2 points)
    """

    key: Mapping[str, Any]
    points: Mapping[str, float]
    total: float
    notes: str = ""

    def column(self, name: str) -> str:
        """The roster's column ``name`` (``email``, ``sis_user_id``, ...), or ``""``."""
        return str((self.key.get("roster") or {}).get(name, ""))

    def __repr__(self) -> str:
        return f"RosterRow({self.key.get('variant')!r}: {self.total:g} points)"


def roster_rows(grades: Sequence[Grade], keys: Mapping[str, Mapping[str, Any]]
                ) -> list[RosterRow]:
    """A row for every student of the keys: the points of their grade (of two grades for one
    variant, the last; a grade with an error counts 0), noting what the grades note.

    Examples
    --------
    >>> keys = {"s01": {"variant": "s01", "questions": [{"id": "q1", "points": 2}]}}
    >>> roster_rows([Grade("s01", "a.toml", error="a.toml: not valid TOML")], keys)[0].notes
    'error: a.toml: not valid TOML'
    """
    by_student: dict[str, list[Grade]] = {}
    for grade in grades:
        by_student.setdefault(grade.student, []).append(grade)
    rows = []
    for sid, key in keys.items():
        mine = by_student.get(sid, [])
        graded = [g for g in mine if g.error is None]
        notes = [f"error: {g.error}" for g in mine if g.error is not None]
        if graded:
            grade = graded[-1]
            points = {m.question: m.points for m in grade.marks}
            notes = [*grade.notes, *notes]
        else:
            points = {str(q["id"]): 0.0 for q in key["questions"]}
            notes = notes or ["not submitted"]
        rows.append(RosterRow(key, points, sum(points.values()), "; ".join(notes)))
    return rows


def _points(value: float) -> str:
    return f"{value:g}"


def _table(rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([[csv_cell(cell) for cell in row] for row in rows])
    return out.getvalue()


def _questions(keys: Mapping[str, Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    first: Mapping[str, Any] = next(iter(keys.values()), {"questions": []})
    return list(first["questions"])


def wide_csv(grades: Sequence[Grade], keys: Mapping[str, Mapping[str, Any]]) -> str:
    """The generic wide gradebook: ``student``, ``name``, a column per question, ``total``,
    ``notes``.

    Examples
    --------
    >>> keys = {"s01": {"variant": "s01", "questions": [{"id": "q1", "points": 2}]}}
    >>> print(wide_csv([], keys), end="")
    student,name,q1,total,notes
    s01,,0,0,not submitted
    """
    questions = [str(q["id"]) for q in _questions(keys)]
    table = [["student", "name", *questions, "total", "notes"]]
    table += [[str(r.key["variant"]), str(r.key.get("name", "")),
               *(_points(r.points.get(q, 0.0)) for q in questions), _points(r.total), r.notes]
              for r in roster_rows(grades, keys)]
    return _table(table)


def _title(keys: Mapping[str, Mapping[str, Any]]) -> str:
    first: Mapping[str, Any] = next(iter(keys.values()), {})
    return str(first.get("title") or first.get("template") or "symbackprop")


def canvas_csv(grades: Sequence[Grade], keys: Mapping[str, Mapping[str, Any]]) -> str:
    """Canvas's gradebook import CSV (see the module's docstring).

    Examples
    --------
    >>> keys = {"s01": {"variant": "s01", "name": "Ann", "title": "HW", "roster": {
    ...     "sis_user_id": "u1", "section": "A"}, "questions": [{"id": "q1", "points": 2}]}}
    >>> print(canvas_csv([], keys).splitlines()[-1])
    Ann,,u1,,A,0,0
    """
    questions = _questions(keys)
    title = _title(keys)
    table = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
              *(f"{title} {q['id']}" for q in questions), f"{title} total"],
             ["Points Possible", "", "", "", "",
              *(_points(float(q["points"])) for q in questions),
              _points(sum(float(q["points"]) for q in questions))]]
    table += [[str(r.key.get("name") or r.key["variant"]), "", r.column("sis_user_id"),
               r.column("sis_login_id"), r.column("section"),
               *(_points(r.points.get(str(q["id"]), 0.0)) for q in questions), _points(r.total)]
              for r in roster_rows(grades, keys)]
    return _table(table)


def moodle_csv(grades: Sequence[Grade], keys: Mapping[str, Mapping[str, Any]]) -> str:
    """Moodle's grade import CSV (see the module's docstring).

    Examples
    --------
    >>> keys = {"s01": {"variant": "s01", "name": "Ann", "title": "HW", "roster": {
    ...     "idnumber": "N1", "email": "ann@x.org"}, "questions": [{"id": "q1", "points": 2}]}}
    >>> print(moodle_csv([], keys), end="")
    ID number,Email address,Full name,HW q1,HW total
    N1,ann@x.org,Ann,0,0
    """
    questions = _questions(keys)
    title = _title(keys)
    table = [["ID number", "Email address", "Full name",
              *(f"{title} {q['id']}" for q in questions), f"{title} total"]]
    table += [[r.column("idnumber"), r.column("email"),
               str(r.key.get("name") or r.key["variant"]),
               *(_points(r.points.get(str(q["id"]), 0.0)) for q in questions), _points(r.total)]
              for r in roster_rows(grades, keys)]
    return _table(table)


def gradebook_csv(form: str, grades: Sequence[Grade], keys: Mapping[str, Mapping[str, Any]]
                  ) -> str:
    """The gradebook of ``form`` (one of :data:`GRADEBOOK_FORMATS`).

    Examples
    --------
    >>> gradebook_csv("wide", [], {}).splitlines()[0]
    'student,name,total,notes'
    """
    writer = {"wide": wide_csv, "canvas": canvas_csv, "moodle": moodle_csv}[form]
    return writer(grades, keys)
