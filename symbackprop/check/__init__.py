"""Checking claims: a verdict for each, the right value, and a diagnosis of what went wrong.

- :mod:`~symbackprop.check.claims`: :func:`check_problem` and the verdicts;
- :mod:`~symbackprop.check.batch`: many files at once, a bad file an error row;
- :mod:`~symbackprop.check.mistakes`: the registry of common mistakes (wrong local partials);
- :mod:`~symbackprop.check.evidence`, :mod:`~symbackprop.check.pathsearch`,
  :mod:`~symbackprop.check.diagnose`: the search for the mistakes that reproduce a wrong answer;
- :mod:`~symbackprop.check.predict`: the values the common mistakes give (the diagnosis run
  forwards), with :mod:`~symbackprop.check.updates` for the order of the updates;
- :mod:`~symbackprop.check.report`: check reports as text, Markdown and JSON.

May import :mod:`symbackprop.render`, :mod:`symbackprop.numeric`, :mod:`symbackprop.calculus`,
:mod:`symbackprop.spec`, :mod:`symbackprop.graph` and :mod:`symbackprop.rules`.
"""

from __future__ import annotations

from .batch import FileCheck, check_source, check_sources, collect_sources
from .claims import VERDICTS, CheckReport, ClaimResult, check_problem
from .predict import MistakenValue, mistaken_values

__all__ = [
    "VERDICTS",
    "CheckReport",
    "ClaimResult",
    "FileCheck",
    "MistakenValue",
    "check_problem",
    "check_source",
    "check_sources",
    "collect_sources",
    "mistaken_values",
]
