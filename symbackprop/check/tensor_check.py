"""Check the claims of a tensor problem: each judged entry by entry, each wrong one diagnosed.

- **Numbers**: each entry is judged by :mod:`symbackprop.check.judge`'s rule (within one unit
  in its own last printed digit of the true entry, or the claim's ``tolerance``); the tensor
  is right when every entry is.  A wrong tensor is *that mistake* when every entry is within
  its tolerance of a mistake's prediction (:mod:`symbackprop.check.tensor_predict`); a tensor
  of the wrong shape is explained by its shape ("you gave 5×3; dL/dW1 is 3×5: a transpose?")
  and matched against the mistakes that change the shape.  A wrong gradient that the
  earlier claims' own (wrong) gradients give, carried back by the right rules, *follows from*
  them.
- **Formulas**: evaluated with the file's values and the true adjoints (``grad(NAME)``),
  then at :data:`RANDOM_DRAWS` seeded random draws of every float leaf; right when equal
  (up to :data:`FORMULA_TOLERANCE`) at every one, and then, where the problem is small
  enough, shown equal symbolically entry by entry (:mod:`symbackprop.check.tensor_symbolic`;
  the method says which).  A wrong formula is diagnosed by its value at the file's values.

Examples
--------
>>> from symbackprop.spec.problems import load_problem
>>> report = check_tensor_problem(load_problem("examples/check/mlp_student.toml"))
>>> report
TensorCheckReport('examples/check/mlp_student.toml', 2 correct, 3 incorrect, 0 errors)
>>> [(r.claim.of, r.verdict, r.kinds) for r in report.results][2:]
[('dL/dW1', 'incorrect', ('transposed',)), ('dL/db1', 'incorrect', ('bias_not_summed',)), \
('dL/dZ1', 'incorrect', ('activation_at_input',))]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import SymbackpropError
from ..rules.tensor.evaluate import evaluate
from ..spec.tensor import TensorProblem
from ..spec.tensor_claims import TensorClaim, claim_numbers
from .judge import entry_tolerances, within
from .tally import Tally
from .tensor_backward import Variant, backward
from .tensor_predict import TensorPredictor, same_tensor
from .tensor_symbolic import decide

__all__ = ["FORMULA_TOLERANCE", "RANDOM_DRAWS", "TensorCheckReport", "TensorClaimResult",
           "check_tensor_problem", "dimensions", "judge_tensor", "shape_note"]

RANDOM_DRAWS = 3
RANDOM_SEED = 1_729
FORMULA_TOLERANCE = 1e-8
"""A formula agrees with the truth when every entry is within this, relative to the largest."""


@dataclass(frozen=True, eq=False)
class TensorClaimResult:
    """The verdict on one tensor claim.

    Attributes
    ----------
    claim : TensorClaim
    verdict : {"correct", "incorrect", "error"}
    claimed, expected : numpy array or None
        The claimed numbers (a formula's value at the file's values) and the true tensor.
    tolerance : numpy array or None
        Each entry's tolerance.
    off : int
        How many entries are off (0 for a tensor of the wrong shape: see ``diagnosis``).
    largest_error : float or None
    kinds : tuple of str
        The mistakes named (``follows_from_claim``, ``shape`` or ``unexplained`` otherwise).
    alternatives : tuple of str
        Other single mistakes that give the same numbers (to these digits).
    diagnosis : str
    method : str
    message : str
        Why the claim cannot be judged (an ``error``).

    Examples
    --------
    >>> TensorClaimResult(TensorClaim("w", "value", "w", 1), "error", message="no values")
    TensorClaimResult(w: error)
    """

    claim: TensorClaim
    verdict: str
    claimed: np.ndarray | None = None
    expected: np.ndarray | None = None
    tolerance: np.ndarray | None = None
    off: int = 0
    largest_error: float | None = None
    kinds: tuple[str, ...] = ()
    diagnosis: str = ""
    method: str = ""
    message: str = ""
    follows_from: int | None = None
    alternatives: tuple[str, ...] = ()

    @property
    def diagnosis_text(self) -> str:
        return self.message if self.verdict == "error" else self.diagnosis

    def __repr__(self) -> str:
        return f"TensorClaimResult({self.claim.of}: {self.verdict})"


@dataclass(frozen=True)
class TensorCheckReport(Tally):
    """The verdicts on every claim of one tensor problem, in the file's order.

    Examples
    --------
    >>> TensorCheckReport("f.toml", "", ()).status
    'correct'
    """

    source: str
    title: str
    results: tuple[TensorClaimResult, ...]

    def __repr__(self) -> str:
        return (f"TensorCheckReport({self.source!r}, {self.correct} correct, {self.incorrect} "
                f"incorrect, {self.errors} errors)")


def dimensions(shape: tuple[int, ...]) -> str:
    """A shape as a textbook writes it: ``3×5``; ``5`` for a vector, ``a scalar`` for ().

    Examples
    --------
    >>> dimensions((3, 5)), dimensions((5,)), dimensions(())
    ('3×5', '5', 'a scalar')
    """
    return "×".join(map(str, shape)) if shape else "a scalar"


def shape_note(given: tuple[int, ...], right: tuple[int, ...], what: str) -> str:
    """The sentence on a tensor of the wrong shape, with the likeliest cause.

    Examples
    --------
    >>> shape_note((5, 3), (3, 5), "dL/dW1")
    'you gave 5×3; dL/dW1 is 3×5: a transpose?'
    >>> shape_note((4, 5), (5,), "dL/db1")
    'you gave 4×5; dL/db1 is 5: a sum over the batch axis left out?'
    """
    text = f"you gave {dimensions(given)}; {what} is {dimensions(right)}"
    if len(given) == 2 and given == right[::-1]:
        return text + ": a transpose?"
    if len(given) > len(right) and given[len(given) - len(right):] == right:
        return text + ": a sum over the batch axis left out?"
    if len(given) == len(right) + 1 and given[1:] != right:
        return text + ": summed over the wrong axis?"
    if len(given) == len(right) and sorted(given) == sorted(right):
        return text + ": the axes in the wrong order?"
    return text


def judge_tensor(claim: TensorClaim, right: np.ndarray, predictor: TensorPredictor | None,
                 given: Mapping[str, np.ndarray] | None = None,
                 earlier: Mapping[str, int] | None = None, *,
                 tolerance: np.ndarray | None = None) -> TensorClaimResult:
    """Judge the numbers of ``claim`` against ``right``: entry by entry, then diagnosed by
    the predictions of ``predictor`` and by the gradients ``given`` by earlier claims
    (``earlier``: each such node's claim number); ``tolerance``, one per entry, overrides
    the claim's (unprinted floats, an ``.npz``'s).

    Examples
    --------
    >>> from decimal import Decimal as D
    >>> claim = TensorClaim("dL/dw", "gradient", "w", 1, (D("0.50"), D("-1.2")), (2,))
    >>> judge_tensor(claim, np.array([0.5, -1.25]), None).verdict
    'correct'
    >>> result = judge_tensor(claim, np.array([0.5, -1.4]), None)
    >>> result.verdict, result.off, round(result.largest_error, 6)
    ('incorrect', 1, 0.2)
    """
    assert claim.value is not None  # judged only when it gives numbers
    numbers = claim_numbers(claim)
    tolerance = entry_tolerances(claim.value, claim.tolerance if tolerance is None
                                 else tolerance)
    base = {"claim": claim, "claimed": numbers, "expected": right,
            "tolerance": tolerance.reshape(numbers.shape), "method": "numeric"}
    what = claim.of if claim.kind == "gradient" else f"{claim.node}"
    if numbers.shape == right.shape:
        ok = within(numbers.ravel(), right.ravel(), tolerance)
        if bool(np.all(ok)):
            return TensorClaimResult(verdict="correct", **base)  # type: ignore[arg-type]
        off = int(np.sum(~ok))
        largest = float(np.max(np.abs(numbers - right)))
        head = (f"{off} of {numbers.size} entries are off (the largest error "
                f"{largest:.4g})")
    else:
        off, largest = numbers.size, None
        head = shape_note(numbers.shape, right.shape, what)
    base.update(off=off, largest_error=largest)

    def matches(value: np.ndarray) -> bool:
        return value.shape == numbers.shape and bool(np.all(
            within(numbers.ravel(), value.ravel(), tolerance)))

    if predictor is not None and claim.kind == "gradient":
        fitting = [p for p in predictor.predictions(claim.node) if matches(p.value)]
        if fitting:
            first = fitting[0]
            single = [p for p in fitting[1:] if len(p.names) == 1
                      and p.names[0] not in first.names]
            others = tuple(dict.fromkeys(p.names[0] for p in single))
            texts = dict.fromkeys(p.text for p in single)
            also = f" (as does: {'; '.join(texts)})" if texts else ""
            return TensorClaimResult(
                verdict="incorrect", kinds=first.names, alternatives=others,
                diagnosis=f"{_sentence(head)} It is what this mistake gives: {first.text}{also}.",
                **base)  # type: ignore[arg-type]
        if given and earlier:
            from_earlier = backward(predictor.graph, predictor.forward, Variant(given=given))
            value = from_earlier.get(claim.node)
            if value is not None and matches(value):
                names = ", ".join(f"claim {earlier[n]} (d{predictor.graph.output}/d{n})"
                                  for n in given)
                return TensorClaimResult(
                    verdict="incorrect", kinds=("follows_from_claim",),
                    diagnosis=f"{_sentence(head)} It follows from the earlier {names}: "
                              "carried back "
                              "by the right rules, those give these numbers.",
                    follows_from=min(earlier.values()), **base)  # type: ignore[arg-type]
    kind = "shape" if numbers.shape != right.shape else "unexplained"
    return TensorClaimResult(
        verdict="incorrect", kinds=(kind,),
        diagnosis=f"{_sentence(head)} No mistake of the registry gives these numbers.",
        **base)  # type: ignore[arg-type]


def _sentence(text: str) -> str:
    return text if text.endswith(("?", ".")) else text + "."


def _draws(problem: TensorProblem, count: int) -> list[dict[str, np.ndarray]]:
    """The file's values, then ``count`` seeded random draws of every float leaf (the
    integer ones, labels and indices, kept)."""
    rng = np.random.default_rng(RANDOM_SEED)
    draws = [dict(problem.values)]
    for _ in range(count):
        values = dict(problem.values)
        for name in problem.graph.leaves:
            node = problem.graph.node(name)
            if node.dtype == "float":
                values[name] = np.round(rng.normal(0.0, 1.0, node.shape), 4)
        draws.append(values)
    return draws


def _formula(claim: TensorClaim, problem: TensorProblem,
             predictor: TensorPredictor) -> TensorClaimResult:
    assert claim.expression is not None  # judged only when it has one
    graph = problem.graph
    right_at_file = None
    claimed_at_file = None
    checked = 0
    for values in _draws(problem, RANDOM_DRAWS):
        try:
            with np.errstate(all="ignore"):
                forward = graph.forward(values) if checked else predictor.forward
                adjoints = backward(graph, forward) if checked else predictor.truth
                right = (adjoints.get(claim.node, np.zeros(graph.node(claim.node).shape))
                         if claim.kind == "gradient" else forward[claim.node])
                full = {n: adjoints.get(n, np.zeros(graph.node(n).shape))
                        for n in graph.nodes if graph.node(n).dtype == "float"}
                value = np.asarray(evaluate(claim.expression, forward, full), dtype=float)
        except SymbackpropError:
            if checked == 0:
                raise
            continue
        if right_at_file is None:
            right_at_file, claimed_at_file = right, value
        scale = float(np.max(np.abs(right), initial=0.0))
        if value.shape != right.shape or not bool(np.all(
                np.abs(value - right) <= FORMULA_TOLERANCE * max(scale, 1e-300))):
            break
        checked += 1
    else:
        symbolic = decide(claim, problem)
        method = symbolic.method if symbolic.equal else (
            f"agrees at the file's values and {checked - 1} random draws "
            f"(not shown equal symbolically: {symbolic.method})")
        return TensorClaimResult(claim, "correct", claimed_at_file, right_at_file,
                                 method=method)
    assert right_at_file is not None and claimed_at_file is not None
    where = "at the file's values" if checked == 0 else f"at random draw {checked}"
    kinds: tuple[str, ...] = ("unexplained",)
    text = f"differs from the true {claim.of} {where}."
    if checked == 0 and claim.kind == "gradient":
        for prediction in predictor.predictions(claim.node):
            if same_tensor(prediction.value, claimed_at_file, 1e-7):
                kinds = prediction.names
                text += f" It is what this mistake gives: {prediction.text}."
                break
        else:
            if claimed_at_file.shape != right_at_file.shape:
                kinds = ("shape",)
                text += " " + shape_note(claimed_at_file.shape, right_at_file.shape,
                                         claim.of) + "."
    return TensorClaimResult(claim, "incorrect", claimed_at_file, right_at_file, kinds=kinds,
                             diagnosis=text, method="differs at the values")


def check_tensor_problem(problem: TensorProblem) -> TensorCheckReport:
    """The verdict on every claim of a tensor problem.

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> check_tensor_problem(load_problem("tensor_mlp")).results
    ()
    """
    results: list[TensorClaimResult] = []
    source = problem.path or problem.title
    if not problem.claims:
        return TensorCheckReport(source, problem.title, ())
    if not problem.has_values:
        missing = ", ".join(problem.graph.missing_values(problem.values))
        return TensorCheckReport(source, problem.title, tuple(
            TensorClaimResult(c, "error", message=f"the file gives no values for {missing}")
            for c in problem.claims))
    predictor = TensorPredictor(problem.graph, problem.graph.forward(problem.values))
    given: dict[str, np.ndarray] = {}
    earlier: dict[str, int] = {}
    for claim in problem.claims:
        results.append(_one(claim, problem, predictor, given, earlier))
        result = results[-1]
        if claim.kind == "gradient" and result.claimed is not None and \
                result.verdict == "incorrect" and result.expected is not None and \
                result.claimed.shape == result.expected.shape:
            given[claim.node] = result.claimed
            earlier[claim.node] = claim.index
    return TensorCheckReport(source, problem.title, tuple(results))


def _one(claim: TensorClaim, problem: TensorProblem, predictor: TensorPredictor,
         given: Mapping[str, np.ndarray], earlier: Mapping[str, int]) -> TensorClaimResult:
    if claim.problem is not None:
        return TensorClaimResult(claim, "error", message=claim.problem)
    if claim.kind == "gradient":
        right = predictor.truth.get(claim.node)
        if right is None:
            return TensorClaimResult(claim, "error", message=(
                f"{problem.graph.output!r} does not depend on {claim.node!r}"))
    else:
        right = predictor.forward[claim.node]
    if claim.expression is not None:
        formula = _formula(claim, problem, predictor)
        if claim.value is None or formula.verdict != "correct":
            return formula
    relevant = {n: v for n, v in given.items() if n != claim.node}
    return judge_tensor(claim, right, predictor, relevant, earlier)
