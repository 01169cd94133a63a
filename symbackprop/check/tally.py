"""A check report's tally: the counts of its claims' verdicts, its status and its summary,
shared by the reports of both levels (:class:`~symbackprop.check.claims.CheckReport`,
:class:`~symbackprop.check.tensor_check.TensorCheckReport`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["Tally"]


class Tally:
    """A report's counts of its claims' verdicts and its status, for a check of either level
    (:class:`~symbackprop.check.claims.CheckReport`,
    :class:`~symbackprop.check.tensor_check.TensorCheckReport`): a
    subclass holds ``results``, each with a ``verdict``.

    Examples
    --------
    >>> from symbackprop.check.claims import CheckReport
    >>> CheckReport("f.toml", "", ()).status
    'correct'
    """

    results: Sequence[Any]
    source: str
    title: str

    def count(self, verdict: str) -> int:
        return sum(r.verdict == verdict for r in self.results)

    @property
    def correct(self) -> int:
        return self.count("correct")

    @property
    def incorrect(self) -> int:
        return self.count("incorrect")

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def status(self) -> str:
        """``incorrect`` if any claim is, else ``error`` if any claim cannot be judged, else
        ``correct``."""
        return "incorrect" if self.incorrect else "error" if self.errors else "correct"

    def summary_data(self) -> dict[str, Any]:
        """The counts, the file, the title and the status, as a JSON report gives them
        (beside its claims).

        Examples
        --------
        >>> from symbackprop.check.claims import CheckReport
        >>> CheckReport("f.toml", "T", ()).summary_data()  # doctest: +NORMALIZE_WHITESPACE
        {'correct': 0, 'incorrect': 0, 'errors': 0, 'file': 'f.toml', 'title': 'T',
         'status': 'correct'}
        """
        return {"correct": self.correct, "incorrect": self.incorrect, "errors": self.errors,
                "file": self.source, "title": self.title, "status": self.status}
