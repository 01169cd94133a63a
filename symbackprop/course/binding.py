"""Whose submission is it: a submission bound to its student, so that answers cannot be copied.

Each student gets their own numbers; a file that names a classmate's ``variant`` with the
classmate's answers would score full marks if the file were trusted to say whose it is.  So
where the platform knows who submitted (Gradescope's ``/autograder/submission_metadata.json``
names the submitters by email; another setting says it with ``grade --student ID``), the
submission is bound to that student: the variant it names must be the submitter's own, found
in the roster the variants were drawn for (``symbackprop variants`` writes each student's
``email`` and ``sid`` into their key).  A mismatch is graded 0 with a message saying so, never
with the classmate's score.

Gradescope's ``submission_metadata.json`` (its "Submission Metadata" documentation) holds,
among the assignment and the previous submissions, ``users``: one entry per submitter (several
for a group submission), each with ``email``, ``id`` (Gradescope's own number) and ``name``,
and, where the course roster gives one, ``sid``.

Examples
--------
>>> keys = {"ada": {"variant": "ada", "roster": {"email": "ada@x.org"}},
...         "alan": {"variant": "alan", "roster": {"email": "alan@x.org"}}}
>>> from symbackprop.course.grading import Submission
>>> copied = Submission("alan", "answers.toml", {"q1": "0.08"})
>>> print(bind(copied, keys, Submitter(emails=("ADA@x.org",))).error)
answers.toml: the file names variant 'alan', but it was submitted by ADA@x.org, whose variant \
is 'ada': a submission is graded against its submitter's own variant only (write variant = \
"ada" in the file and submit again)
>>> bind(Submission("ada", "answers.toml"), keys, Submitter(emails=("ada@x.org",))).error is None
True
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path as FilePath
from typing import Any

from ..errors import SpecError
from .grading import Submission

__all__ = ["GRADESCOPE_METADATA", "Submitter", "bind", "one_submission", "read_metadata"]

GRADESCOPE_METADATA = "/autograder/submission_metadata.json"
"""Where Gradescope's autograder finds the metadata of the submission it grades."""
MAX_METADATA_BYTES = 20_000_000


@dataclass(frozen=True)
class Submitter:
    """Who handed a submission in: Gradescope's users' emails and sids, or roster ids given
    on the command line (``--student``).

    Examples
    --------
    >>> Submitter(emails=("ada@x.org",), names=("Ada",))
    Submitter(Ada <ada@x.org>)
    """

    emails: tuple[str, ...] = ()
    sids: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def owns(self, key: Mapping[str, Any]) -> bool:
        """Whether the student of ``key`` (an answer key) is this submitter (or one of them)."""
        roster = key.get("roster") or {}
        email, sid = str(roster.get("email", "")).lower(), str(roster.get("sid", ""))
        return (str(key.get("variant")) in self.ids
                or (bool(email) and email in {e.lower() for e in self.emails})
                or (bool(sid) and sid in self.sids))

    def __str__(self) -> str:
        if self.ids:
            return ", ".join(self.ids)
        return ", ".join(self.emails or self.sids or ("an unknown user",))

    def __repr__(self) -> str:
        named = zip(self.names, self.emails, strict=False) if self.names else ()
        people = [f"{n} <{e}>" if n else e for n, e in named] or [str(self)]
        return f"Submitter({', '.join(people)})"


def read_metadata(path: str | FilePath) -> Submitter:
    """The submitters named by Gradescope's ``submission_metadata.json`` at ``path``.

    Raises
    ------
    SpecError
        For a file that cannot be read, or names no user.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = FilePath(folder) / "submission_metadata.json"
    ...     _ = path.write_text('{"id": 1, "users": [{"email": "ada@x.org", "id": 7, '
    ...                         '"name": "Ada", "sid": "1001"}]}')
    ...     read_metadata(path).sids
    ('1001',)
    """
    path = FilePath(path)
    try:
        if path.stat().st_size > MAX_METADATA_BYTES:
            raise SpecError(f"{path}: larger than {MAX_METADATA_BYTES:,} bytes")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SpecError(f"{path}: not Gradescope's submission metadata ({err})") from None
    users = data.get("users") if isinstance(data, dict) else None
    if not isinstance(users, list) or not users or not all(isinstance(u, dict) for u in users):
        raise SpecError(f"{path}: no users (the submitters) in the submission metadata")
    return Submitter(emails=tuple(str(u["email"]) for u in users if u.get("email")),
                     sids=tuple(str(u["sid"]) for u in users if u.get("sid")),
                     names=tuple(str(u.get("name", "")) for u in users if u.get("email")))


def one_submission(submissions: Sequence[Submission]) -> Submission:
    """The one submission a single student's run grades (Gradescope's, or ``--student``'s);
    several or none are an error submission saying so.

    Examples
    --------
    >>> one_submission([Submission("s01", "a.csv"), Submission("s02", "a.csv")]).error
    "a.csv holds 2 submissions (s01, s02): a student hands in one file with their own \
variant's answers"
    """
    if len(submissions) == 1:
        return submissions[0]
    sources = ", ".join(dict.fromkeys(s.source for s in submissions)) or "the files given"
    who = ", ".join(s.student for s in submissions)
    return Submission("?", sources, error=(
        f"{sources} holds {len(submissions)} submissions ({who or 'none'}): a student hands "
        "in one file with their own variant's answers"))


def bind(submission: Submission, keys: Mapping[str, Mapping[str, Any]],
         submitter: Submitter) -> Submission:
    """``submission`` if the variant it names is the submitter's own (by the roster in the
    keys), else the same submission with an error saying whose it is.

    Examples
    --------
    >>> keys = {"s01": {"variant": "s01"}}
    >>> print(bind(Submission("s01", "a.toml"), keys, Submitter(emails=("a@x.org",))).error)
    a.toml: cannot tell whose submission this is: the answer keys name no email or sid (draw \
the variants from a roster with an email or sid column, symbackprop variants --roster)
    >>> bind(Submission("s01", "a.toml"), keys, Submitter(ids=("s01",))).error is None
    True
    """
    if submission.error is not None:
        return submission
    owners = [sid for sid, key in keys.items() if submitter.owns(key)]
    where = submission.source
    if not owners:
        if submitter.ids:
            why = f"no variant {', '.join(map(repr, submitter.ids))} in the answer keys"
        elif not any((key.get("roster") or {}).keys() & {"email", "sid"}
                     for key in keys.values()):
            why = ("cannot tell whose submission this is: the answer keys name no email or sid "
                   "(draw the variants from a roster with an email or sid column, symbackprop "
                   "variants --roster)")
        else:
            why = (f"{submitter} is not on the roster the variants were drawn for; ask your "
                   "instructor")
        return replace(submission, error=f"{where}: {why}")
    if submission.student not in owners:
        return replace(submission, error=(
            f"{where}: the file names variant {submission.student!r}, but it was submitted by "
            f"{submitter}, whose variant is {owners[0]!r}: a submission is graded against its "
            f"submitter's own variant only (write variant = \"{owners[0]}\" in the file and "
            "submit again)"))
    return submission
