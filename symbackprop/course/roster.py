"""Students: their ids (safe in every output), names and the columns an LMS knows them by.

A student id becomes a file name (``DIR/<id>.toml``), a CSV cell, a JSON string and LaTeX text,
so it is checked against one safe alphabet, :data:`ID_PATTERN`: letters, digits, ``.``, ``_``
and ``-``, not ``..``, at most :data:`MAX_ID` characters.  A name is free text: each writer
escapes it for its own language (LaTeX through :func:`symbackprop.render.display.latex_text`,
CSV through :mod:`csv`, JSON through :mod:`json`).

A roster may also carry what binds a submission to its student and what an LMS's gradebook
import matches students on (:data:`ROSTER_COLUMNS`): ``email`` and ``sid`` (Gradescope's
submission metadata names the submitter by email), ``sis_user_id``, ``sis_login_id`` and
``section`` (Canvas), ``idnumber`` (Moodle).  ``symbackprop variants`` writes them into each
student's answer key, so ``grade`` finds them there.

A roster is a CSV file whose delimiter is a comma, a semicolon (as spreadsheets write CSV in
locales with a decimal comma) or a tab: the first of them that splits the header row into the
columns asked for (:func:`csv_rows`).

Examples
--------
>>> numbered(3)
(Student('s01'), Student('s02'), Student('s03'))
>>> check_id("../etc/passwd", "roster.csv row 2")
Traceback (most recent call last):
    ...
symbackprop.errors.SpecError: roster.csv row 2: student id '../etc/passwd' may use only \
letters, digits and . _ - (no '..', at most 64 characters)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path as FilePath

from ..errors import SpecError
from ..spec.variants import ID_PATTERN

__all__ = [
    "DELIMITERS",
    "MAX_ID",
    "MAX_STUDENTS",
    "ROSTER_COLUMNS",
    "CsvRow",
    "Student",
    "check_id",
    "csv_records",
    "csv_rows",
    "header_name",
    "numbered",
    "read_roster",
    "roster_from_rows",
]

MAX_ID = 64
MAX_STUDENTS = 10_000
MAX_ROSTER_BYTES = 5_000_000
ROSTER_COLUMNS = ("email", "sid", "sis_user_id", "sis_login_id", "section", "idnumber")
"""The roster's columns besides ``id`` and ``name``: what binds a submission to its student
(``email``, ``sid``) and what LMS gradebook imports match on (Canvas: ``sis_user_id``,
``sis_login_id``, ``section``; Moodle: ``idnumber`` or ``email``)."""
UNIQUE = ("email", "sid", "sis_user_id", "sis_login_id", "idnumber")
"""The columns that name one student each (a value used twice is an error)."""
ALIASES = {"student": "id", "id_number": "idnumber", "email_address": "email"}
"""Other names of a roster's columns (``student`` for ``id``, Moodle's ``ID number`` and
``Email address``)."""
DELIMITERS = (",", ";", "\t")
"""The delimiters a CSV file may use, tried in this order (:func:`csv_rows`)."""


@dataclass(frozen=True)
class Student:
    """One student: an id (:data:`ID_PATTERN`), an optional name, and the roster's other
    columns (:data:`ROSTER_COLUMNS`, empty when the roster has none).

    Examples
    --------
    >>> Student("ada", "Ada Lovelace", email="ada@example.org").columns
    {'email': 'ada@example.org'}
    >>> Student("ada", "Ada Lovelace")
    Student('ada', 'Ada Lovelace')
    """

    id: str
    name: str = ""
    email: str = ""
    sid: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    idnumber: str = ""

    @property
    def columns(self) -> dict[str, str]:
        """The roster's columns besides id and name that this student has, by name."""
        return {c: getattr(self, c) for c in ROSTER_COLUMNS if getattr(self, c)}

    def __repr__(self) -> str:
        return f"Student({self.id!r}, {self.name!r})" if self.name else f"Student({self.id!r})"


def check_id(value: str, where: str) -> str:
    """``value`` when it is a safe student id, else :class:`SpecError` naming ``where``.

    Examples
    --------
    >>> check_id("s-01.b", "roster.csv row 3")
    's-01.b'
    """
    if not ID_PATTERN.match(value) or ".." in value or len(value) > MAX_ID or value in (".",):
        raise SpecError(f"{where}: student id {value!r} may use only letters, digits and . _ - "
                        f"(no '..', at most {MAX_ID} characters)")
    return value


def numbered(count: int) -> tuple[Student, ...]:
    """``count`` students ``s01``, ``s02``, ... (as many digits as ``count`` needs, at least 2).

    Examples
    --------
    >>> [s.id for s in numbered(100)][-2:]
    ['s099', 's100']
    """
    if not 1 <= count <= MAX_STUDENTS:
        raise SpecError(f"--count must be between 1 and {MAX_STUDENTS:,}, got {count}")
    width = max(2, len(str(count)))
    return tuple(Student(f"s{k:0{width}d}") for k in range(1, count + 1))


def header_name(cell: str) -> str:
    """A header cell as a column name: stripped, lower case, spaces and hyphens as ``_``.

    Examples
    --------
    >>> [header_name(c) for c in ("SIS Login ID", " Email ", "ID number", "Student")]
    ['sis_login_id', 'email', 'id_number', 'student']
    """
    return "_".join(cell.strip().lower().replace("-", " ").split())


def csv_rows(text: str, wanted: Callable[[list[str]], bool]) -> list[list[str]]:
    """The rows of a CSV ``text`` (the header first), its delimiter the first of
    :data:`DELIMITERS` that splits the header row into cells ``wanted`` accepts (given their
    :func:`header_name`), else a comma (the caller then names the columns missing).

    Raises
    ------
    SpecError
        Naming the line of a row that cannot be read (a cell over the CSV reader's limit).

    Examples
    --------
    >>> csv_rows("student;question;answer\\ns01;q1;0,85\\n", lambda h: "answer" in h)
    [['student', 'question', 'answer'], ['s01', 'q1', '0,85']]
    >>> csv_rows("id,name\\nada,Ada\\n", lambda h: "id" in h)[1]
    ['ada', 'Ada']
    """
    rows = []
    for row in csv_records(text, wanted):
        if row.error is not None:
            raise SpecError(f"line {row.line}: {row.error}")
        rows.append(list(row.cells))
    return rows


@dataclass(frozen=True)
class CsvRow:
    """One row of a CSV file: the line it ends on, its cells, or why it cannot be read.

    Examples
    --------
    >>> CsvRow(2, ("s01", "q1", "0.5")).error is None, CsvRow(3, error="too long").cells
    (True, ())
    """

    line: int
    cells: tuple[str, ...] = ()
    error: str | None = None


def csv_records(text: str, wanted: Callable[[list[str]], bool]) -> list[CsvRow]:
    """The rows of a CSV ``text`` as :func:`csv_rows` reads them, each with its line; a row
    that cannot be read (a cell over the CSV reader's limit of 128 KiB) is one
    :class:`CsvRow` with an error, and the rows after it are read on.

    Examples
    --------
    >>> rows = csv_records("id\\n" + "x" * 200_000 + "\\nada\\n", lambda h: "id" in h)
    >>> [(row.line, row.cells, row.error) for row in rows]  # doctest: +NORMALIZE_WHITESPACE
    [(1, ('id',), None), (2, (), 'a cell longer than 131,072 characters'),
     (3, ('ada',), None)]
    """
    first = text.split("\n", 1)[0]
    delimiter = ","
    for candidate in DELIMITERS:
        header = next(csv.reader([first], delimiter=candidate), [])
        if wanted([header_name(h) for h in header]):
            delimiter = candidate
            break
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[CsvRow] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return rows
        except csv.Error as err:
            limit = csv.field_size_limit()
            why = (f"a cell longer than {limit:,} characters" if "field limit" in str(err)
                   else str(err))
            rows.append(CsvRow(reader.line_num, error=why))
            continue
        rows.append(CsvRow(reader.line_num, tuple(cells)))


def read_roster(path: str | FilePath) -> tuple[Student, ...]:
    """The students of a roster CSV: a header row with ``id`` (or ``student``) and optionally
    ``name`` and the columns of :data:`ROSTER_COLUMNS`; other columns are ignored.  The
    delimiter is a comma, a semicolon or a tab (:func:`csv_rows`).

    Raises
    ------
    SpecError
        Naming the file and row: no such column, an unsafe id, an id (or email, sid, ...) used
        twice, no students.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = FilePath(folder) / "roster.csv"
    ...     _ = path.write_text('id,name\\nada,Ada Lovelace\\nalan,"Turing, Alan"\\n')
    ...     read_roster(path)
    (Student('ada', 'Ada Lovelace'), Student('alan', 'Turing, Alan'))
    """
    path = FilePath(path)
    try:
        if path.stat().st_size > MAX_ROSTER_BYTES:
            raise SpecError(f"{path}: larger than {MAX_ROSTER_BYTES:,} bytes")
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise SpecError(f"{path}: cannot read the roster ({err.strerror})") from None
    except UnicodeDecodeError as err:
        raise SpecError(f"{path}: not UTF-8 text ({err.reason})") from None
    try:
        rows = csv_rows(text, lambda h: "id" in h or "student" in h)
    except SpecError as err:
        raise SpecError(f"{path}: {err}") from None
    return roster_from_rows(rows, str(path))


def _cell(row: Sequence[str], at: int | None) -> str:
    return row[at].strip() if at is not None and at < len(row) else ""


def roster_from_rows(rows: Sequence[Sequence[str]], name: str) -> tuple[Student, ...]:
    """The students of a roster's rows (the first is the header).

    Examples
    --------
    >>> roster_from_rows([["student", "Email"], ["b", "b@x.org"], ["a", ""]], "r.csv")
    (Student('b'), Student('a'))
    >>> roster_from_rows([["id"], ["a"], ["a"]], "r.csv")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: r.csv row 3: student id 'a' is used twice (row 2)
    """
    if not rows:
        raise SpecError(f"{name}: empty; the first row names the columns (id, name)")
    header = [ALIASES.get(header_name(h), header_name(h)) for h in rows[0]]
    if "id" not in header:
        raise SpecError(f"{name}: no 'id' (or 'student') column; the header is "
                        f"{', '.join(rows[0]) or '(empty)'}")
    at: Mapping[str, int] = {c: header.index(c) for c in ("id", "name", *ROSTER_COLUMNS)
                             if c in header}
    students: list[Student] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{name} row {number}"
        if at["id"] >= len(row):
            raise SpecError(f"{where}: no student id")
        columns = {c: _cell(row, at.get(c)) for c in ROSTER_COLUMNS}
        student = Student(check_id(row[at["id"]].strip(), where), _cell(row, at.get("name")),
                          **columns)
        for column in ("id", *UNIQUE):
            value = getattr(student, column)
            key = (column, value.lower() if column == "email" else value)
            if value and key in seen:
                what = "student id" if column == "id" else column
                raise SpecError(f"{where}: {what} {value!r} is used twice (row {seen[key]})")
            seen[key] = number
        students.append(student)
        if len(students) > MAX_STUDENTS:
            raise SpecError(f"{name}: more than {MAX_STUDENTS:,} students")
    if not students:
        raise SpecError(f"{name}: no students")
    return tuple(students)
