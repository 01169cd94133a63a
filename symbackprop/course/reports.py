"""Grade reports: feedback per student and a class summary, as text, Markdown, JSON or CSV.

The class summary gives, per question, how many answered, how many were right (and how many
earned the rounding credit, or gave too few digits), the mean points, and the most common
named mistakes; for the class, the students (a class's gradebook lists every student of the
roster: one who handed nothing in scores 0, marked ``not_submitted``), how many did not
submit, and any variant that more than one submission claims.  The CSV is the gradebook: one
row per answer, a ``total`` row per student, an ``error`` row per submission that could not
be graded, each with the file it came from (``source``); every cell goes through :mod:`csv`
(names and answers are untrusted text; Markdown gets them through
:func:`symbackprop.render.markdown.markdown_text`, the one Markdown escaper), and a text cell
that a spreadsheet would read as a formula (one starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return, and not a number) is written with a leading ``'``, as OWASP advises
against CSV injection; numbers such as ``-0.08`` stay numbers.

Examples
--------
>>> from symbackprop.course.grading import Grade
>>> from symbackprop.course.marking import Mark
>>> grades = [Grade("s01", "a.csv", (Mark("q1", "dL/dw5", "0.08", 0.08, 0.0822, "incorrect",
...                                       0.0, 2.0, "sign", "The sign is flipped."),)),
...           Grade("s02", "b.toml", error="b.toml: not valid TOML")]
>>> summary = class_summary(grades)
>>> summary["questions"][0]["mistakes"], summary["errors"]
([{'name': 'sign', 'count': 1}], 1)
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..render.markdown import markdown_code, markdown_text
from ..render.numbers import text_number
from .grading import Grade

__all__ = ["class_summary", "csv_cell", "grades_csv", "grades_data", "grades_markdown",
           "grades_text"]

COMMON = 3
"""How many of the most common mistakes the summary names per question."""


def class_summary(grades: Sequence[Grade]) -> dict[str, Any]:
    """Per question: answered, correct, rounding, too few digits, mean points and the commonest
    mistakes; for the class, how many students (the roster's, when the grades list everyone:
    those who handed nothing in count, with no points), how many did not submit, and the
    variants more than one submission claims.

    Examples
    --------
    >>> class_summary([])["students"]
    0
    """
    graded = [g for g in grades if g.error is None]
    claimed: dict[str, list[str]] = {}
    for grade in graded:
        if grade.submitted:
            claimed.setdefault(grade.student, []).append(grade.source)
    order: dict[str, str] = {}
    for grade in graded:
        for mark in grade.marks:
            order.setdefault(mark.question, mark.of)
    questions = []
    for qid, of in order.items():
        marks = [m for g in graded for m in g.marks if m.question == qid]
        mistakes = Counter(m.mistake for m in marks if m.mistake and m.mistake != "unexplained")
        questions.append({
            "id": qid, "of": of,
            "answered": sum(m.verdict not in ("missing", "not_submitted") for m in marks),
            "correct": sum(m.verdict == "correct" for m in marks),
            "rounding": sum(m.verdict == "rounding" for m in marks),
            "digits": sum(m.verdict == "digits" for m in marks),
            "mean_points": round(sum(m.points for m in marks) / len(marks), 6) if marks else 0,
            "max_points": marks[0].max_points if marks else 0,
            "mistakes": [{"name": n, "count": c} for n, c in sorted(
                mistakes.items(), key=lambda item: (-item[1], item[0]))[:COMMON]],
        })
    scores = [g.score for g in graded]
    return {"students": len(graded), "errors": len(grades) - len(graded),
            "not_submitted": sum(not g.submitted for g in graded),
            "mean_score": round(sum(scores) / len(scores), 6) if scores else 0,
            "max_score": graded[0].max_score if graded else 0, "questions": questions,
            "claimed_twice": [{"variant": v, "sources": sources}
                              for v, sources in claimed.items() if len(sources) > 1]}


def grades_data(grades: Sequence[Grade]) -> dict[str, Any]:
    """Every grade and the class summary as plain data (``--format json``).

    Examples
    --------
    >>> from symbackprop.course.grading import Grade
    >>> grades_data([Grade("s02", "b.toml", error="bad")])["students"][0]["error"]
    'bad'
    """
    students = []
    for g in grades:
        students.append({
            "student": g.student, "name": g.name, "source": g.source,
            "submitted": g.submitted, "error": g.error,
            "score": None if g.error else g.score, "max_score": None if g.error else g.max_score,
            "notes": list(g.notes),
            "marks": [{"question": m.question, "of": m.of, "answer": m.answer,
                       "value": m.value, "right": m.right, "verdict": m.verdict,
                       "points": m.points, "max_points": m.max_points, "mistake": m.mistake,
                       "feedback": m.feedback} for m in g.marks]})
    return {"students": students, "summary": class_summary(grades)}


def _points(value: float) -> str:
    return f"{value:g}"


def grades_text(grades: Sequence[Grade]) -> str:
    """Feedback per student, then the class summary, as plain text.

    Examples
    --------
    >>> from symbackprop.course.grading import Grade
    >>> print(grades_text([Grade("s02", "b.toml", error="b.toml: not valid TOML")]))
    s02: error: b.toml: not valid TOML
    <BLANKLINE>
    Class summary: 0 students graded, 1 submission could not be graded
    """
    lines: list[str] = []
    for g in grades:
        if g.error:
            lines += [f"{g.student}: error: {g.error}", ""]
            continue
        who = f"{g.student} ({g.name})" if g.name else g.student
        if not g.submitted:
            lines += [f"{who}: not submitted, 0 of {_points(g.max_score)} points", ""]
            continue
        lines.append(f"{who}: {_points(g.score)} of {_points(g.max_score)} points")
        for m in g.marks:
            line = (f"  {m.question} {m.of} = {m.answer if m.answer is not None else '-'}: "
                    f"{m.verdict}, {_points(m.points)}/{_points(m.max_points)}")
            lines.append(line + (f". {m.feedback}" if m.feedback else ""))
        lines += [f"  note: {n}" for n in g.notes] + [""]
    s = class_summary(grades)
    failed = (f", {s['errors']} submission{'s' if s['errors'] != 1 else ''} could not be "
              "graded" if s["errors"] else "")
    absent = (f" ({s['not_submitted']} did not submit: 0 points)" if s["not_submitted"]
              else "")
    lines.append(f"Class summary: {s['students']} students graded{absent}{failed}")
    if s["students"]:
        lines.append(f"  mean score {_points(s['mean_score'])} of {_points(s['max_score'])}")
    lines += [f"  variant {c['variant']} is claimed by {len(c['sources'])} submissions: "
              f"{', '.join(c['sources'])}" for c in s["claimed_twice"]]
    for q in s["questions"]:
        common = ", ".join(f"{m['name']} ({m['count']})" for m in q["mistakes"]) or "none"
        short = f", {q['digits']} with too few digits" if q["digits"] else ""
        lines.append(f"  {q['id']} {q['of']}: {q['correct']} of {q['answered']} right, "
                     f"{q['rounding']} rounding{short}, mean "
                     f"{text_number(q['mean_points'], 4)} of {_points(q['max_points'])}; most "
                     f"common mistakes: {common}")
    return "\n".join(lines)


def grades_markdown(grades: Sequence[Grade]) -> str:
    """Feedback per student (a table each), then the class summary, as Markdown.

    Examples
    --------
    >>> from symbackprop.course.grading import Grade
    >>> grades_markdown([]).splitlines()[0]
    '# Grades'
    """
    lines = ["# Grades", ""]
    for g in grades:
        who = markdown_text(f"{g.student} ({g.name})" if g.name else g.student)
        if g.error:
            lines += [f"## {who}", "", f"Error: {markdown_text(g.error)}", ""]
            continue
        if not g.submitted:
            lines += [f"## {who}: not submitted, 0 of {_points(g.max_score)} points", ""]
            continue
        lines += [f"## {who}: {_points(g.score)} of {_points(g.max_score)} points", "",
                  "| question | answer | verdict | points | feedback |", "|---|---|---|---|---|"]
        lines += [f"| {markdown_text(m.question)} {markdown_code(m.of, in_table=True)} | "
                  f"{markdown_text(m.answer or '-')} | "
                  f"{m.verdict} | {_points(m.points)}/{_points(m.max_points)} | "
                  f"{markdown_text(m.feedback)} |"
                  for m in g.marks]
        lines += [f"Note: {markdown_text(n)}" for n in g.notes] + [""]
    s = class_summary(grades)
    absent = f" ({s['not_submitted']} did not submit)" if s["not_submitted"] else ""
    lines += ["## Class summary", "", f"{s['students']} students graded{absent}, {s['errors']} "
              "submissions could not be graded.", ""]
    lines += [f"Variant {markdown_code(c['variant'])} is claimed by {len(c['sources'])} "
              f"submissions: {markdown_text(', '.join(c['sources']))}."
              for c in s["claimed_twice"]]
    lines += [*([""] if s["claimed_twice"] else []),
              "| question | right | rounding | answered | mean points | most common mistakes |",
              "|---|---|---|---|---|---|"]
    for q in s["questions"]:
        common = ", ".join(f"{m['name']} ({m['count']})" for m in q["mistakes"]) or "none"
        lines.append(f"| {markdown_text(q['id'])} {markdown_code(q['of'], in_table=True)} | "
                     f"{q['correct']} | {q['rounding']} | "
                     f"{q['answered']} | {text_number(q['mean_points'], 4)} / "
                     f"{_points(q['max_points'])} | {common} |")
    return "\n".join(lines)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """``text`` for a spreadsheet cell: a would-be formula gets a leading ``'``.

    Examples
    --------
    >>> print(csv_cell("=1+2"), csv_cell("-0.08"), csv_cell("-A1"), csv_cell("Ann"))
    '=1+2 -0.08 '-A1 Ann
    """
    if not text.startswith(_FORMULA_START):
        return text
    try:
        float(text)
    except ValueError:
        return "'" + text
    return text


CSV_COLUMNS = ("student", "name", "question", "of", "answer", "verdict", "points", "max_points",
               "mistake", "feedback", "source")


def grades_csv(grades: Sequence[Grade]) -> str:
    """The gradebook: a row per answer, a ``total`` row per student, an ``error`` row per
    submission that could not be graded, each with the file it came from (``source``; empty
    for a roster student who handed nothing in).

    Examples
    --------
    >>> from symbackprop.course.grading import Grade
    >>> print(grades_csv([Grade("s02", "b.toml", error='bad, "very" bad')]), end="")
    student,name,question,of,answer,verdict,points,max_points,mistake,feedback,source
    s02,,,,,error,,,,"bad, ""very"" bad",b.toml
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def write(*cells: str) -> None:
        writer.writerow([csv_cell(cell) for cell in cells])

    for g in grades:
        if g.error:
            write(g.student, g.name, "", "", "", "error", "", "", "", g.error, g.source)
            continue
        for m in g.marks:
            write(g.student, g.name, m.question, m.of, m.answer or "", m.verdict,
                  _points(m.points), _points(m.max_points), m.mistake or "", m.feedback,
                  g.source)
        write(g.student, g.name, "total", "", "", "", _points(g.score), _points(g.max_score),
              "", "; ".join(g.notes), g.source)
    return out.getvalue()
