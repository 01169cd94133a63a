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
- :mod:`~symbackprop.check.report`: check reports as text, Markdown and JSON;
- tensor problems: :mod:`~symbackprop.check.tensor_check` (claims judged entry by entry),
  :mod:`~symbackprop.check.tensor_mistakes` (the tensor-level mistakes), where they apply
  (:mod:`~symbackprop.check.tensor_places`), the gradients they give
  (:mod:`~symbackprop.check.tensor_predict`, by :mod:`~symbackprop.check.tensor_backward`),
  the workbook (:mod:`~symbackprop.check.tensor_workbook`) and the reports
  (:mod:`~symbackprop.check.tensor_report`).

May import :mod:`symbackprop.render`, :mod:`symbackprop.numeric`, :mod:`symbackprop.calculus`,
:mod:`symbackprop.spec`, :mod:`symbackprop.graph` and :mod:`symbackprop.rules`.
"""

from __future__ import annotations

from .batch import FileCheck, Source, check_source, check_sources, collect_sources
from .claims import VERDICTS, CheckReport, ClaimResult, check_problem
from .judge import Judgement, judge_number
from .predict import MistakenValue, Predicted, Predictor, mistaken_forward_values, mistaken_values
from .tensor_check import TensorCheckReport, TensorClaimResult, check_tensor_problem
from .tensor_predict import TensorPrediction, TensorPredictor
from .tensor_workbook import Workbook, check_workbook, read_answers

__all__ = [
    "VERDICTS",
    "CheckReport",
    "ClaimResult",
    "FileCheck",
    "Judgement",
    "MistakenValue",
    "Predicted",
    "Predictor",
    "Source",
    "TensorCheckReport",
    "TensorClaimResult",
    "TensorPrediction",
    "TensorPredictor",
    "Workbook",
    "check_problem",
    "check_source",
    "check_sources",
    "check_tensor_problem",
    "check_workbook",
    "collect_sources",
    "judge_number",
    "mistaken_forward_values",
    "mistaken_values",
    "read_answers",
]
