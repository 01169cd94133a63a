"""The workbook: a student's gradients of a tensor problem, checked step by step, in order.

The backprop-ninja exercise asks for every intermediate gradient in turn (``dlogprobs``,
``dprobs``, ..., ``dW1``, ``db1``, ``dC``). A problem file lists those steps with a top-level
``workbook = ["logprobs", "probs", ...]`` (the nodes whose gradients are asked, in that order);
without it, the steps are the answers file's keys, in the file's order. The answers file
(``symbackprop check FILE --answers ANSWERS``) is TOML, JSON or YAML (a table of nested lists),
or a numpy ``.npz`` (read with ``allow_pickle=False``); every answers file is size-checked
before it is read. Its keys are ``dNAME``, the gradient of the loss with respect to node
``NAME`` as the notebook names it, or ``grad(NAME)``; the gradient of a node whose own name
starts with ``d`` (a tensor called ``dW``) is ``grad(dW)`` (or ``ddW``).

Each step is judged as a claim is (:func:`~symbackprop.check.tensor_check.judge_tensor`;
the printed digits of a TOML or JSON answer set each entry's tolerance; an ``.npz`` holds
unprinted floats, judged as ``numpy.allclose`` does: ``1e-8 + 1e-5 |true entry|``):

- ``right``;
- ``follows``: wrong, but what the right rules give from the student's own answers of the
  steps before (a mistake carried forward, counted as right in the score), within
  :data:`FOLLOWS` units of its last digit;
- ``incorrect``: wrong, with the mistake named when one of the registry gives it;
- ``missing``: not in the answers file.

The report says where the first wrong step is and why.

Examples
--------
>>> import numpy as np
>>> from symbackprop.spec.problems import load_problem
>>> problem = load_problem("tensor_mlp")
>>> truth = check_workbook(problem, {}).predictor.truth
>>> answers = {"Z2": truth["Z2"] * 4, "H1": truth["H1"] * 4, "Z1": truth["Z1"]}
>>> book = check_workbook(problem, {k: Answer(v) for k, v in answers.items()})
>>> [(s.node, s.verdict, s.kinds) for s in book.steps]   # doctest: +NORMALIZE_WHITESPACE
[('Z2', 'incorrect', ('mean_missing',)), ('H1', 'follows', ('follows_from_answer',)),
 ('Z1', 'right', ())]
>>> book.first_wrong.node, book.score
('Z2', (2, 3))
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path as FilePath
from typing import Any

import networkx as nx
import numpy as np

from ..errors import SpecError
from ..limits import MAX_FILE_BYTES, MAX_TENSOR_ENTRIES
from ..spec.problems import read_problem_data
from ..spec.tensor import TensorProblem
from ..spec.tensor_claims import TensorClaim, nested_numbers
from .tensor_backward import Variant, backward
from .tensor_check import TensorClaimResult, judge_tensor
from .tensor_predict import TensorPredictor

__all__ = ["STEP_VERDICTS", "Answer", "Step", "Workbook", "answer_node", "check_workbook",
           "read_answers"]

STEP_VERDICTS = ("right", "follows", "incorrect", "missing")
FOLLOWS = 10
"""An answer follows from the earlier ones when within this many units of its last digit (and
1e-5 of the largest entry) of what the right rules give from them: the earlier answers'
rounding is carried along."""
_GRAD_KEY = re.compile(r"\s*grad\s*\(\s*([A-Za-z_][\w.]*)\s*\)\s*\Z")


@dataclass(frozen=True, eq=False)
class Answer:
    """One answer of the file: printed numbers (TOML, JSON) or floats (``.npz``).

    Examples
    --------
    >>> Answer(np.array([1.0, 2.0])).shape
    (2,)
    """

    value: np.ndarray
    printed: tuple[Decimal, ...] | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.value.shape)

    def claim(self, node: str, output: str, index: int) -> TensorClaim:
        """The answer as a claim about ``d output / d node``."""
        numbers = self.printed if self.printed is not None else tuple(
            Decimal(repr(float(x))) for x in self.value.ravel())
        return TensorClaim(f"d{output}/d{node}", "gradient", node, index, numbers, self.shape)


@dataclass(frozen=True, eq=False)
class Step:
    """One step of the workbook: the gradient of one node.

    Examples
    --------
    >>> Step(1, "probs", "missing")
    Step(1. dprobs: missing)
    """

    index: int
    node: str
    verdict: str
    kinds: tuple[str, ...] = ()
    diagnosis: str = ""
    result: TensorClaimResult | None = None

    def __repr__(self) -> str:
        return f"Step({self.index}. d{self.node}: {self.verdict})"


@dataclass(frozen=True, eq=False)
class Workbook:
    """Every step's verdict, in order.

    Examples
    --------
    >>> Workbook("f.toml", "", (), None).score
    (0, 0)
    """

    source: str
    answers: str
    steps: tuple[Step, ...]
    predictor: Any

    @property
    def first_wrong(self) -> Step | None:
        """The first step that is neither right nor follows from the earlier answers."""
        return next((s for s in self.steps if s.verdict in ("incorrect", "missing")), None)

    @property
    def score(self) -> tuple[int, int]:
        """(right or following steps, steps)."""
        return (sum(s.verdict in ("right", "follows") for s in self.steps), len(self.steps))

    @property
    def status(self) -> str:
        return "correct" if all(s.verdict == "right" for s in self.steps) else "incorrect"


def answer_node(key: str, problem: TensorProblem, where: str) -> str:
    """The node an answers file's key is the gradient of: ``dNAME`` or ``grad(NAME)``.

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> problem = load_problem("tensor_mlp")
    >>> answer_node("dW1", problem, "a.toml"), answer_node("grad(Z1)", problem, "a.toml")
    ('W1', 'Z1')
    """
    match = _GRAD_KEY.match(key)
    node = match.group(1) if match else key[1:] if key.startswith("d") else None
    if node is None or node not in problem.graph.nodes:
        raise SpecError(f"{where}: key {key!r}: the keys are dNAME or grad(NAME), NAME a "
                        "tensor of the problem")
    if problem.graph.node(node).dtype != "float":
        raise SpecError(f"{where}: key {key!r}: {node!r} holds integers; it has no gradient")
    return node


def read_answers(path: str | FilePath, problem: TensorProblem) -> dict[str, Answer]:
    """The answers of a file, by node: TOML, JSON or YAML nested lists, or an ``.npz``.

    Raises
    ------
    SpecError
        For a file too large, unreadable, with an unknown key or a value that is not numbers.

    Examples
    --------
    >>> import tempfile, os
    >>> from symbackprop.spec.problems import load_problem
    >>> problem = load_problem("tensor_mlp")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "a.npz")
    ...     np.savez(path, db2=np.zeros(3))
    ...     answers = read_answers(path, problem)
    >>> answers["b2"].shape, answers["b2"].printed is None
    ((3,), True)
    """
    path = FilePath(path)
    where = str(path)
    if not path.is_file():
        raise SpecError(f"{where}: no such answers file")
    MAX_FILE_BYTES.check(path.stat().st_size, where, "bytes")
    found: dict[str, Answer] = {}
    if path.suffix.lower() == ".npz":
        try:
            with zipfile.ZipFile(path) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
            MAX_TENSOR_ENTRIES.check(unpacked // 8, where, "entries (unpacked)")
            with np.load(path, allow_pickle=False) as arrays:
                for key in arrays.files:
                    value = arrays[key]
                    if value.dtype.kind not in "fiu":
                        raise SpecError(f"{where}: {key!r} does not hold numbers")
                    found[answer_node(key, problem, where)] = Answer(value.astype(float))
        except (OSError, ValueError, zipfile.BadZipFile) as err:
            raise SpecError(f"{where}: not a readable .npz file ({err})") from None
        return found
    _, data = read_problem_data(path)
    for key, value in data.items():
        numbers, shape = nested_numbers(value, f"{where}: {key}")
        node = answer_node(key, problem, where)
        found[node] = Answer(np.array([float(n) for n in numbers]).reshape(shape), numbers)
    return found


def check_workbook(problem: TensorProblem, answers: Mapping[str, Answer], *,
                   source: str = "", steps: Sequence[str] | None = None) -> Workbook:
    """Judge ``answers`` (by node) step by step: the file's ``workbook`` order, else
    ``steps``, else the answers' own order.

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> problem = load_problem("tensor_mlp")
    >>> [s.verdict for s in check_workbook(problem, {}, steps=["W1"]).steps]
    ['missing']
    """
    if not problem.has_values:
        raise SpecError(f"{problem.path}: the file gives no values for "
                        f"{', '.join(problem.graph.missing_values(problem.values))}")
    predictor = TensorPredictor(problem.graph, problem.graph.forward(problem.values))
    if problem.workbook:
        nodes = list(problem.workbook)
    elif steps is not None:
        nodes = list(steps)
    else:
        nodes = list(answers)
    output = problem.graph.output
    done: list[Step] = []
    earlier: dict[str, np.ndarray] = {}
    for index, node in enumerate(nodes, 1):
        answer = answers.get(node)
        right = predictor.truth.get(node)
        if answer is None or right is None:
            done.append(Step(index, node, "missing", diagnosis=(
                "not in the answers file" if answer is None else
                f"{output!r} does not depend on {node!r}")))
            continue
        claim = answer.claim(node, output, index)
        tolerance = None
        if answer.printed is None:  # floats: numpy.allclose's tolerance
            scale = np.abs(right).ravel() if answer.shape == right.shape else np.full(
                answer.value.size, float(np.max(np.abs(right), initial=0.0)))
            tolerance = 1e-8 + 1e-5 * scale
        result = judge_tensor(claim, right, predictor, tolerance=tolerance)
        wrong = [s.node for s in done if s.verdict in ("incorrect", "follows")]
        step = _step(index, node, result, answer, predictor, earlier, wrong)
        done.append(step)
        if answer.shape == right.shape:
            earlier[node] = answer.value
    return Workbook(problem.path or "", source, tuple(done), predictor)


def _step(index: int, node: str, result: TensorClaimResult, answer: Answer,
          predictor: TensorPredictor, earlier: Mapping[str, np.ndarray],
          wrong_before: Sequence[str]) -> Step:
    if result.verdict == "correct":
        return Step(index, node, "right", result=result)
    if wrong_before and answer.shape == predictor.truth[node].shape:
        carried = backward(predictor.graph, predictor.forward, Variant(given=dict(earlier)))
        value = carried.get(node)
        tolerance = result.tolerance
        if value is not None and tolerance is not None and bool(np.all(
                np.abs(answer.value - value) <= FOLLOWS * tolerance + 1e-5 * float(
                    np.max(np.abs(value), initial=0.0)))):
            below = nx.descendants(predictor.graph.digraph, node)
            used = [f"d{n}" for n in wrong_before if n in earlier and n in below]
            return Step(index, node, "follows", ("follows_from_answer",), (
                f"follows from your {', '.join(used)}: the right rule applied to your earlier "
                "answers gives these numbers"), result)
    return Step(index, node, "incorrect", result.kinds, result.diagnosis, result)
