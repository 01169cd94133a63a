"""The file a student's id is written to: safe on every file system, never a name the tool
writes itself.

A student id (:data:`~symbackprop.spec.variants.ID_PATTERN`) is a file name's stem
(``DIR/<id>.toml``, ``DIR/key/<id>.json``, ``DIR/handout/<id>.tex``) unless it would be one of
:func:`file_names`'s unsafe names: a name the tool writes itself (``solutions``), a Windows
device name (``CON``, ``NUL``, ``COM1``, ... whatever follows its first dot), a hidden name (a
leading dot: the readers of a folder skip hidden files), or one of two ids that differ only in
case (one file on macOS and Windows).  Such an id is written as ``<id>~<8 hex digits of its
hash>``, its dots written ``_``; ``~`` is no id's character, so the name is no other student's.  The
answer key keeps the mapping (``"file"``), and ``grade`` reads it from there.

Examples
--------
>>> from symbackprop.course.roster import Student
>>> file_names([Student("ada"), Student("solutions"), Student("CON.x"), Student("Bob"),
...             Student("bob")])  # doctest: +NORMALIZE_WHITESPACE
{'ada': 'ada', 'solutions': 'solutions~23fc951e', 'CON.x': 'CON_x~047619f5',
 'Bob': 'Bob~cd9fb1e1', 'bob': 'bob~81b637d8'}
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

from .roster import Student

__all__ = ["RESERVED", "file_names"]

RESERVED = frozenset({"solutions", "con", "prn", "aux", "nul",
                      *(f"com{d}" for d in "0123456789¹²³"),
                      *(f"lpt{d}" for d in "0123456789¹²³")})
"""Stems no student's file may have (compared in lower case, up to the first dot): the name of
the solutions handout, and the device names of Windows."""


def file_names(students: Sequence[Student]) -> dict[str, str]:
    """Each student's file stem, by id: the id itself where it is safe (see the module).

    Examples
    --------
    >>> from symbackprop.course.roster import numbered
    >>> file_names(numbered(2))
    {'s01': 's01', 's02': 's02'}
    """
    folded = Counter(s.id.casefold() for s in students)
    return {s.id: s.id if _safe(s.id, folded) else _mapped(s.id) for s in students}


def _safe(ident: str, folded: Counter[str]) -> bool:
    return (not ident.startswith(".") and ident.split(".")[0].casefold() not in RESERVED
            and folded[ident.casefold()] == 1)


def _mapped(ident: str) -> str:
    return f"{ident.replace('.', '_')}~{hashlib.sha256(ident.encode()).hexdigest()[:8]}"
