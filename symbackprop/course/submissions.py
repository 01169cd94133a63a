"""Reading answers-only submissions: a small TOML/YAML/JSON file per student, or a class CSV.

A file per student::

    variant = "s01"          # the student's id (the variant they were given)
    [answers]
    q1 = 0.0822              # by question id ...
    "dL/dw1" = 0.000439      # ... or by what the question asks

A CSV for the class has a header row ``student,question,answer`` (in any order, other columns
ignored) and one row per answer; its delimiter is a comma, a semicolon (spreadsheets in
locales with a decimal comma write ``;``) or a tab, the first that splits the header row into
those columns (:func:`symbackprop.course.roster.csv_rows`).  A question answered in two rows is
graded on the last, and the student's notes say so once.  Anything that cannot be read becomes a
:class:`~symbackprop.course.grading.Submission` with an error: one error row in the grades,
never a crash.  Answers are kept as text (a number's digits as written) and judged by
:mod:`symbackprop.course.grading`.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "class.csv").write_text("student,question,answer\\ns01,q1,0.08\\n"
...                                       "s02,q1,0.5\\ns01,q2,1e-3\\n../x,q1,1\\n")
>>> _ = (folder / "s03.toml").write_text('variant = "s03"\\n[answers]\\nq1 = 0.0822\\n')
>>> for s in read_submissions([folder / "class.csv", folder / "s03.toml"]):
...     print(s)
Submission('s01' from '...class.csv', 2 answers)
Submission('s02' from '...class.csv', 1 answers)
Submission('../x' from '...class.csv row 5', error: ...class.csv row 5: student id '../x' \
may use only letters, digits and . _ - (no '..', at most 64 characters))
Submission('s03' from '...s03.toml', 1 answers)
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path as FilePath
from typing import Any

from ..errors import SpecError
from ..spec.folders import refuse_link_out
from ..spec.problems import FORMATS, read_problem_data
from .grading import Submission
from .roster import check_id, csv_records, header_name

__all__ = ["MAX_SUBMISSION_BYTES", "read_submissions"]

MAX_SUBMISSION_BYTES = 5_000_000
SUBMISSION_KEYS = ("variant", "student", "answers")


def _text(value: Any) -> str:
    """An answer as text: a number's digits as written; nested lists (a matrix answer) as
    JSON, each number's digits as written."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return str(value) if isinstance(value, int | float | Decimal | str) else repr(value)


def _read_text(path: FilePath) -> str:
    if path.stat().st_size > MAX_SUBMISSION_BYTES:
        raise SpecError(f"{path}: larger than {MAX_SUBMISSION_BYTES:,} bytes")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise SpecError(f"{path}: not UTF-8 text ({err.reason})") from None


def _one_file(path: FilePath) -> Submission:
    """A per-student file: ``variant`` (or ``student``) and ``[answers]``."""
    source = str(path)
    _, data = read_problem_data(path)  # the problem files' reader: size-limited, safe
    unknown = [k for k in data if k not in SUBMISSION_KEYS]
    if unknown:
        raise SpecError(f"{source}: unknown key {unknown[0]!r} (allowed keys: "
                        f"{', '.join(SUBMISSION_KEYS)})")
    student = data.get("variant", data.get("student"))
    if not isinstance(student, str):
        raise SpecError(f"{source}: no variant = \"<id>\" (the student's id)")
    check_id(student, f"{source}: variant")
    answers = data.get("answers", {})
    if not isinstance(answers, dict):
        raise SpecError(f"{source}: answers must be a table of question = answer")
    return Submission(student, source, {str(k): _text(v) for k, v in answers.items()})


def _csv(path: FilePath) -> list[Submission]:
    """A class CSV: ``student,question,answer`` rows, grouped by student in their order; of
    two rows answering one question, the last counts (a note says so)."""
    source = str(path)
    columns = ("student", "question", "answer")
    records = csv_records(_read_text(path), lambda header: all(c in header for c in columns))
    if not records:
        raise SpecError(f"{source}: empty; the first row names the columns "
                        "(student, question, answer)")
    if records[0].error is not None:
        raise SpecError(f"{source}: {records[0].error}")
    rows = [list(record.cells) for record in records]
    header = [header_name(h) for h in rows[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise SpecError(f"{source}: no {', '.join(missing)} column; the header is "
                        f"{', '.join(rows[0]) or '(empty)'}")
    at = {c: header.index(c) for c in columns}
    grouped: dict[str, dict[str, str]] = {}
    answered: dict[tuple[str, str], list[int]] = {}
    errors: list[Submission] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row) and records[number - 1].error is None:
            continue
        where = f"{source} row {number}"
        if records[number - 1].error is not None:
            errors.append(Submission("?", where, error=f"{where}: {records[number - 1].error}"))
            continue
        if len(row) <= max(at.values()):
            errors.append(Submission(row[0] if row else "?", where,
                                     error=f"{where}: {len(row)} columns, the header has "
                                           f"{len(header)}"))
            continue
        student = row[at["student"]].strip()
        try:
            check_id(student, where)
        except SpecError as err:
            errors.append(Submission(student, where, error=str(err)))
            continue
        answers = grouped.setdefault(student, {})
        question = row[at["question"]].strip()
        answers.pop(question, None)  # the last answer counts, in its place
        answers[question] = row[at["answer"]]
        answered.setdefault((student, question), []).append(number)
    notes: dict[str, list[str]] = {}
    for (student, question), numbers in answered.items():
        if len(numbers) > 1:
            notes.setdefault(student, []).append(
                f"{question} answered {len(numbers)} times; the last answer (row "
                f"{numbers[-1]}) is graded")
    return [Submission(s, source, a, notes=tuple(notes.get(s, ()))) for s, a in grouped.items()
            ] + errors


def read_submissions(paths: Sequence[str | FilePath]) -> list[Submission]:
    """Every submission in ``paths`` (files, or folders searched for ``.csv``, ``.toml``,
    ``.yaml``, ``.yml`` and ``.json`` files), in order; a file that cannot be read is one
    submission with an error, and so is a file of a folder that is a symbolic link out of it
    (its contents are not read).

    Examples
    --------
    >>> read_submissions(["no_such_file.toml"])[0].error
    'no_such_file.toml: no such file'
    """
    files: list[tuple[FilePath, FilePath | None]] = []  # (file, the folder it was found in)
    for item in paths:
        path = FilePath(item)
        if path.is_dir():
            files += sorted((p, path) for p in path.rglob("*") if p.is_file() and
                            p.suffix.lower() in (".csv", *FORMATS) and not p.name.startswith("."))
        else:
            files.append((path, None))
    found: list[Submission] = []
    for path, folder in files:
        try:
            if folder is not None:
                refuse_link_out(path, folder)
            if not path.is_file():
                raise SpecError(f"{path}: no such file")
            suffix = path.suffix.lower()
            if suffix == ".csv":
                found += _csv(path)
            elif suffix in FORMATS:
                found.append(_one_file(path))
            else:
                raise SpecError(f"{path}: unknown file type {suffix!r}; allowed: .csv, "
                                f"{', '.join(FORMATS)}")
        except SpecError as err:
            found.append(Submission(path.stem, str(path), error=str(err)))
        except (OSError, RecursionError) as err:
            found.append(Submission(path.stem, str(path), error=f"{path}: cannot read ({err})"))
    return found

