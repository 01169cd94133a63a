"""Problem files in (TOML, YAML or JSON, validated, a :class:`Problem`) and out (TOML).

- :mod:`~symbackprop.spec.problems`: :class:`Problem`, :func:`load_problem` (either level) and
  the other ways in (text, a parsed dict), reading the file and its top level;
  :func:`scalar_problem` narrows to a :class:`Problem`;
- :mod:`~symbackprop.spec.tables`: the ``[network]``, ``[graph]`` and ``[values]`` tables (a
  graph's formulas are built by :meth:`symbackprop.graph.ComputationGraph.from_definitions`);
- :mod:`~symbackprop.spec.tensor`: :class:`TensorProblem`, a ``[tensor]`` file (its tensors
  read by :mod:`~symbackprop.spec.tensor_values`), which :func:`load_problem` returns for one;
- :mod:`~symbackprop.spec.tensor_questions`: a tensor template's ``[variants]`` and
  ``[[questions]]`` (:class:`TensorQuestion`);
- :mod:`~symbackprop.spec.lowered`: a tensor problem as a scalar :class:`Problem` whose graph
  has a node per entry (``W1[2,3]``), :func:`lowered_problem`;
- :mod:`~symbackprop.spec.quantity`: :class:`Quantity`, what a claim states or a question asks
  (``dL/dw212``, ``h13``, ``w212+``), read by :func:`~symbackprop.spec.quantity.read_quantity`;
- :mod:`~symbackprop.spec.claims`: :class:`Claim`, the ``[[claims]]`` of a file;
- :mod:`~symbackprop.spec.writing`: a problem written back as a TOML file
  (:meth:`Problem.to_toml`), with :mod:`~symbackprop.spec.tomlwriter`, a writer for the part
  of TOML problem files use;
- :mod:`~symbackprop.spec.variants`: a file as a template, its ``[variants]`` (what is drawn
  for each student) and ``[[questions]]``;
- :mod:`~symbackprop.spec.fields`: the keys of a file and reading one field, with errors that
  name the file and the key;
- :mod:`~symbackprop.spec.folders`: a file found by searching a folder is read only when it is
  inside it (:func:`~symbackprop.spec.folders.refuse_link_out`);
- ``spec/examples/``: the bundled example problems.

May import :mod:`symbackprop.graph` and :mod:`symbackprop.rules` (and the foundation modules).
"""

from __future__ import annotations

from .claims import Claim
from .lowered import lowered_problem
from .problems import (
    TENSOR_COMMANDS,
    Problem,
    bundled_examples,
    load_problem,
    load_problem_text,
    problem_from_dict,
    read_problem_data,
    scalar_problem,
)
from .quantity import Quantity
from .tensor import TensorProblem
from .tensor_questions import TensorQuestion
from .variants import DrawRule, Question, Variants

__all__ = [
    "TENSOR_COMMANDS", "Claim", "DrawRule", "Problem", "Quantity", "Question", "TensorProblem",
    "TensorQuestion", "Variants", "bundled_examples", "load_problem", "load_problem_text",
    "lowered_problem", "problem_from_dict", "read_problem_data", "scalar_problem",
]
