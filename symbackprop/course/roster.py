"""Students: their ids (safe in every output) and names, from a roster or numbered.

A student id becomes a file name (``DIR/<id>.toml``), a CSV cell, a JSON string and LaTeX text,
so it is checked against one safe alphabet, :data:`ID_PATTERN`: letters, digits, ``.``, ``_``
and ``-``, not ``..``, at most :data:`MAX_ID` characters.  A name is free text: each writer
escapes it for its own language (LaTeX through :func:`symbackprop.render.display.latex_text`,
CSV through :mod:`csv`, JSON through :mod:`json`).

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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path as FilePath

from ..errors import SpecError
from ..spec.variants import ID_PATTERN

__all__ = [
    "MAX_ID",
    "MAX_STUDENTS",
    "Student",
    "check_id",
    "numbered",
    "read_roster",
    "roster_from_rows",
]

MAX_ID = 64
MAX_STUDENTS = 10_000
MAX_ROSTER_BYTES = 5_000_000


@dataclass(frozen=True)
class Student:
    """One student: an id (:data:`ID_PATTERN`) and an optional name.

    Examples
    --------
    >>> Student("ada", "Ada Lovelace")
    Student('ada', 'Ada Lovelace')
    """

    id: str
    name: str = ""

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


def read_roster(path: str | FilePath) -> tuple[Student, ...]:
    """The students of a roster CSV: a header row with ``id`` (or ``student``) and optionally
    ``name``; other columns are ignored.

    Raises
    ------
    SpecError
        Naming the file and row: no such column, an unsafe id, an id used twice, no students.

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
    return roster_from_rows(list(csv.reader(io.StringIO(text))), str(path))


def roster_from_rows(rows: Sequence[Sequence[str]], name: str) -> tuple[Student, ...]:
    """The students of a roster's rows (the first is the header).

    Examples
    --------
    >>> roster_from_rows([["student"], ["b"], ["a"]], "r.csv")
    (Student('b'), Student('a'))
    >>> roster_from_rows([["id"], ["a"], ["a"]], "r.csv")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: r.csv row 3: student id 'a' is used twice (row 2)
    """
    if not rows:
        raise SpecError(f"{name}: empty; the first row names the columns (id, name)")
    header = [h.strip().lower() for h in rows[0]]
    column = next((header.index(c) for c in ("id", "student") if c in header), None)
    if column is None:
        raise SpecError(f"{name}: no 'id' (or 'student') column; the header is "
                        f"{', '.join(rows[0]) or '(empty)'}")
    name_column = header.index("name") if "name" in header else None
    students: list[Student] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{name} row {number}"
        if column >= len(row):
            raise SpecError(f"{where}: no student id")
        sid = check_id(row[column].strip(), where)
        if sid in seen:
            raise SpecError(f"{where}: student id {sid!r} is used twice (row {seen[sid]})")
        seen[sid] = number
        who = row[name_column].strip() if name_column is not None and name_column < len(row) \
            else ""
        students.append(Student(sid, who))
        if len(students) > MAX_STUDENTS:
            raise SpecError(f"{name}: more than {MAX_STUDENTS:,} students")
    if not students:
        raise SpecError(f"{name}: no students")
    return tuple(students)
