"""Checking claims: a verdict for each, the right value, and a diagnosis of what went wrong.

- :mod:`~symbackprop.check.claims`: :func:`check_problem` and the verdicts;
- :mod:`~symbackprop.check.judge`: how a number is judged (its tolerance, or the digits a
  question asks for; right, a named mistake, wrong or unreadable), for ``check``, ``grade``
  and the interactive page alike, with :mod:`~symbackprop.check.reading`, which reads a number
  as people type it (a Unicode minus, a decimal comma, spaces between digit groups);
- :mod:`~symbackprop.check.batch`: many files at once, a bad file an error row;
- :mod:`~symbackprop.check.mistakes`: the registry of common mistakes (wrong local partials,
  the scale of the answer, the gradient-descent step), with :mod:`~symbackprop.check.edges`,
  which classifies the edges a wrong partial is about;
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
from .judge import Judgement, judge_number
from .predict import MistakenValue, mistaken_forward_values, mistaken_values

__all__ = [
    "VERDICTS",
    "CheckReport",
    "ClaimResult",
    "FileCheck",
    "Judgement",
    "MistakenValue",
    "check_problem",
    "check_source",
    "check_sources",
    "collect_sources",
    "judge_number",
    "mistaken_forward_values",
    "mistaken_values",
]
