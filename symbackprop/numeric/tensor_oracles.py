"""Three oracles for the tensor engine, each independent of its VJP registry, and
:func:`tensor_gradient_check`, which holds every parameter's gradient against all of them.

1. :func:`lowered_gradients`: the scalar engine on the tensor graph lowered to scalars
   (:mod:`symbackprop.graph.tensor_lowering`: every entry a node, each definition the
   operations' forward code run on sympy symbols), its gradients gathered back into tensors.
   Refused above the lowering's limits.
2. :func:`~symbackprop.numeric.tensor_torch.torch_gradients`: torch autograd on the forward
   pass written in torch's own operations (when torch is installed).
3. :func:`finite_difference_gradient`: central differences extrapolated by Ridders' method
   (:func:`~symbackprop.numeric.oracles.ridders`, as the scalar oracles), one entry at a time
   for a tensor of at most :data:`FD_ENTRIES` entries; for a larger one a seeded sample of
   :data:`FD_SAMPLE` entries (the largest entry of the gradient among them) and the derivative
   along one seeded random direction ``v`` of norm 1, which must equal ``Σ g ⊙ v``.  An
   estimate that disagrees is taken again from a first step 100 and 10,000 times smaller
   (:data:`FD_STEPS`): in a network of ``relu`` s some pre-activation lies within 1e-2 of its
   kink, where a difference is wrong; a wrong gradient disagrees at every step.

Tolerances: against the lowering and torch, every entry within ``1e-10 |b| + 1e-12 S``, where
``b`` is the oracle's entry and ``S`` the largest entry of any gradient of the same loss (at
least that gradient's own largest entry: a gradient that is zero in exact arithmetic is rounding
noise of about 1e-17 in both computations, which no relative test can ask to agree).  Against
finite differences, as the scalar ``verify``: within twice Ridders' error estimate or 1e-8
relative (of the larger of the two numbers; of the gradient's norm along a direction), plus
1e-10.

Examples
--------
>>> from symbackprop.graph.tensor import TensorNode
>>> from symbackprop.graph.tensor_build import build_tensor_graph
>>> graph = build_tensor_graph(
...     [TensorNode("x", "input", (3,)), TensorNode("w", "parameter", (3,))],
...     {"L": "sum(sigmoid(w * x))"}, "L")
>>> values = {"x": np.array([1.0, -2.0, 0.5]), "w": np.array([0.3, 0.1, -1.0])}
>>> [check] = tensor_gradient_check(graph, values)
>>> check
TensorGradientCheck(w (3,): path sum ok, lowered ok, torch ok, finite differences ok)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from ..calculus.options import DEFAULT_PATH_LIMIT
from ..calculus.sweep import gradients
from ..calculus.tensor_derivation import tensor_derive
from ..errors import GraphError, SpecError, SymbackpropError
from ..graph.tensor import TensorGraph
from ..graph.tensor_lowering import lower, lowering_size
from ..limits import MAX_TENSOR_VERIFY_WORK
from ..rules.tensor.evaluate import evaluate
from ..rules.tensor.expr import Shape, format_shape
from .oracles import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE, ridders

__all__ = [
    "FD_ENTRIES",
    "FD_SAMPLE",
    "FD_STEPS",
    "ORACLES",
    "FiniteDifferences",
    "OracleResult",
    "TensorGradientCheck",
    "finite_difference_gradient",
    "lowered_gradients",
    "tensor_gradient_check",
    "tensor_values_to_check",
]

RELATIVE = 1e-10
"""The engine and the exact oracles (lowering, torch) agree entry by entry to this, relative."""
FLOOR = 1e-12
"""... with an absolute floor of this times the largest entry of the loss's gradients."""
FD_ENTRIES = 64
"""Finite differences take every entry of a tensor of at most this many entries."""
FD_SAMPLE = 8
"""... and of a larger tensor this many seeded entries, and one seeded direction."""
FD_STEPS = (1e-2, 1e-4, 1e-6)
"""Ridders' first steps: the next is taken only where the one before disagrees with the
engine (a kink of ``relu`` or ``max`` within the step, where differences are wrong)."""
ORACLES = ("path sum", "lowered", "torch", "finite differences")
"""What each gradient is held against, in the order a report shows them (the path sum is the
engine's own sum over its paths, against its factored form)."""


@dataclass(frozen=True)
class OracleResult:
    """One gradient against one oracle.

    Attributes
    ----------
    oracle : str
        One of :data:`ORACLES`.
    agrees : bool or None
        ``None`` when the oracle was not run (:attr:`reason` says why).
    max_abs_error : float or None
        The largest ``|engine - oracle|`` over the entries compared.
    max_rel_error : float or None
        That, divided by the largest entry of the gradient (the max-norm relative error).
    checked : str
        What was compared (``"every entry"``, ``"8 entries and a direction"``).
    reason : str
        Why it was not run.

    Examples
    --------
    >>> OracleResult("torch", None, reason="torch is not installed")
    OracleResult(torch: skipped, torch is not installed)
    """

    oracle: str
    agrees: bool | None
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    checked: str = ""
    reason: str = ""

    @property
    def status(self) -> str:
        """``"agrees"``, ``"disagrees"`` or ``"skipped"``."""
        return "skipped" if self.agrees is None else "agrees" if self.agrees else "disagrees"

    def __repr__(self) -> str:
        if self.agrees is None:
            return f"OracleResult({self.oracle}: skipped, {self.reason})"
        return f"OracleResult({self.oracle}: {self.status}, {self.max_rel_error:.1e} relative)"


@dataclass(frozen=True, eq=False)
class TensorGradientCheck:
    """One parameter's gradient (the engine's factored form) against every oracle.

    Attributes
    ----------
    wrt : str
    shape : tuple of int
    gradient : numpy array
        The engine's gradient (its factored form).
    paths : int
        The tensor paths from ``wrt`` to the loss.
    results : tuple of OracleResult
        One per oracle of :data:`ORACLES`, in that order.
    floor : float
        The absolute floor of the exact comparisons: :data:`FLOOR` times the largest entry of
        the loss's gradients.

    Examples
    --------
    >>> check = TensorGradientCheck("W", (2, 2), np.ones((2, 2)), 1,
    ...                             (OracleResult("torch", True, 0.0, 0.0, "every entry"),))
    >>> check.agrees, check.result("torch").status
    (True, 'agrees')
    """

    wrt: str
    shape: Shape
    gradient: np.ndarray
    paths: int
    results: tuple[OracleResult, ...]
    floor: float = 0.0

    @property
    def agrees(self) -> bool:
        """No oracle that ran disagrees."""
        return all(r.agrees is not False for r in self.results)

    def result(self, oracle: str) -> OracleResult:
        for found in self.results:
            if found.oracle == oracle:
                return found
        raise KeyError(oracle)

    def __repr__(self) -> str:
        shown = ", ".join(f"{r.oracle} {'ok' if r.agrees else r.status}" if r.agrees is not None
                          else f"{r.oracle} skipped" for r in self.results)
        return f"TensorGradientCheck({self.wrt} {format_shape(self.shape)}: {shown})"


# -- the oracles ---------------------------------------------------------------------------------

def lowered_gradients(graph: TensorGraph, values: Mapping[str, Any],
                      wrt: Sequence[str] | None = None, *,
                      where: str = "") -> dict[str, np.ndarray]:
    """Each tensor of ``wrt`` (default: every parameter)'s gradient by the scalar engine
    (:func:`~symbackprop.calculus.sweep.gradients`) on the lowered graph, entry by entry.

    Raises
    ------
    SpecError
        Above the lowering's limits (:func:`~symbackprop.graph.tensor_lowering.lower`).

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("w", "parameter", (2,))],
    ...                            {"L": "sum(tanh(w))"}, "L")
    >>> lowered_gradients(graph, {"w": np.array([0.0, 1.0])})["w"].round(6)
    array([1.      , 0.419974])
    """
    names = list(graph.parameters if wrt is None else wrt)
    lowering = lower(graph, values, where=where)
    entries = [entry for name in names for entry in lowering.entries[name].flat]
    found = gradients(lowering.graph, values=lowering.values, wrt=entries).gradient_values
    if found is None:
        raise SpecError(f"{where or 'the tensor graph'}: the lowered graph has leaves without "
                        f"values: {', '.join(lowering.graph.missing_values(lowering.values))}")
    return {name: lowering.gather(found, name) for name in names}


@dataclass(frozen=True, eq=False)
class FiniteDifferences:
    """Ridders' finite differences of one tensor's gradient: at some entries, and (for a
    sampled tensor) along one direction.

    Attributes
    ----------
    entries : tuple of tuple of int
        The entries differentiated one by one.
    values, errors, steps : numpy arrays
        The derivative at each, Ridders' estimate of its error, and the first step it took
        (:data:`FD_STEPS`).
    direction : numpy array or None
        The unit direction ``v`` of a sampled tensor, and ``along``, ``along_error`` and
        ``along_step`` the derivative of the loss along it, its error estimate and first step.

    Examples
    --------
    >>> fd = FiniteDifferences(((0,),), np.array([1.0]), np.array([1e-13]), np.array([1e-2]))
    >>> fd.checked
    'every entry'
    """

    entries: tuple[tuple[int, ...], ...]
    values: np.ndarray
    errors: np.ndarray
    steps: np.ndarray
    direction: np.ndarray | None = None
    along: float = 0.0
    along_error: float = 0.0
    along_step: float = FD_STEPS[0]

    @property
    def checked(self) -> str:
        smaller = int(np.sum(self.steps < FD_STEPS[0])) + (
            self.direction is not None and self.along_step < FD_STEPS[0])
        more = f", {smaller} at a smaller step" if smaller else ""
        if self.direction is None:
            return f"every entry{more}"
        return f"{len(self.entries)} entries and a direction{more}"

    def compare(self, gradient: np.ndarray) -> OracleResult:
        """``gradient`` against these estimates (the module's tolerance).

        Examples
        --------
        >>> fd = FiniteDifferences(((0,), (1,)), np.array([1.0, 2.0]), np.zeros(2),
        ...                        np.full(2, 1e-2))
        >>> fd.compare(np.array([1.0, 2.0])).agrees, fd.compare(np.array([1.0, 2.1])).agrees
        (True, False)
        """
        engine = np.array([gradient[index] for index in self.entries], dtype=float)
        agrees = all(_fd_close(a, b, e) for a, b, e in zip(engine, self.values, self.errors,
                                                               strict=True))
        worst = float(np.max(np.abs(engine - self.values), initial=0.0))
        if self.direction is not None:
            projected = float(np.sum(gradient * self.direction))
            agrees = agrees and _fd_close(projected, self.along, self.along_error,
                                          float(np.linalg.norm(gradient)))
            worst = max(worst, abs(projected - self.along))
        return OracleResult("finite differences", agrees, worst, _relative(worst, gradient),
                            self.checked)


def _fd_close(engine: float, estimate: float, error: float, scale: float = 0.0) -> bool:
    """The scalar ``verify``'s rule: within twice Ridders' error estimate or 1e-8 relative (of
    the larger number, or of ``scale``), plus 1e-10."""
    size = max(abs(engine), abs(estimate), scale)
    return abs(engine - estimate) <= max(RELATIVE_TOLERANCE * size,
                                         2.0 * error) + ABSOLUTE_TOLERANCE


def finite_difference_gradient(graph: TensorGraph, values: Mapping[str, Any], wrt: str, *,
                               seed: int = 0, max_entries: int = FD_ENTRIES,
                               sample: int = FD_SAMPLE,
                               gradient: np.ndarray | None = None) -> FiniteDifferences:
    """Ridders' finite differences of the output with respect to the leaf ``wrt``: every entry
    of a tensor of at most ``max_entries`` entries, else ``sample`` seeded entries (the one
    where ``gradient``, when given, is largest among them) and the derivative along a seeded
    unit direction.  With ``gradient`` (the engine's), an estimate that disagrees with it is
    taken again from a smaller first step (:data:`FD_STEPS`): a kink of ``relu`` or ``max``
    within the step makes a difference wrong, and a smaller step is unlikely to hold one,
    while a wrong gradient disagrees at every step.

    Notes
    -----
    Up to 32 forward passes (numpy) per entry and per direction, each of the nodes ``wrt``
    feeds only: O(their entries) arithmetic or more.

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("w", "parameter", (2,))], {"L": "sum(w**3)"},
    ...                            "L")
    >>> fd = finite_difference_gradient(graph, {"w": np.array([1.0, -2.0])}, "w")
    >>> fd.values.round(8), fd.checked
    (array([ 3., 12.]), 'every entry')
    """
    if not graph.node(wrt).is_leaf:
        raise GraphError(f"finite differences perturb a leaf; {wrt!r} is computed")
    base = np.asarray(values[wrt], dtype=float)
    forward = graph.forward(values)
    below = nx.descendants(graph.digraph, wrt)
    affected = [(name, definition) for name in graph.order if name in below
                for definition in [graph.node(name).definition] if definition is not None]

    def loss_at(point: np.ndarray) -> float:
        current = {**forward, wrt: point}  # only what ``wrt`` feeds is computed again
        for name, definition in affected:
            current[name] = evaluate(definition, current)
        return float(current[graph.output])

    def along(direction: np.ndarray, expected: float | None,
              scale: float = 0.0) -> tuple[float, float, float]:
        """The derivative along ``direction``, at the first step of :data:`FD_STEPS` whose
        estimate agrees with ``expected`` (the last when none does)."""
        for step in FD_STEPS:
            value, error = ridders(lambda t: loss_at(base + t * direction), 0.0, step=step)
            if expected is None or _fd_close(expected, value, error, scale):
                break
        return value, error, step

    if base.size <= max_entries:
        entries = list(np.ndindex(*base.shape))
        direction = None
    else:
        rng = np.random.default_rng(seed)
        picked = rng.choice(base.size, size=sample, replace=False).tolist()
        if gradient is not None:
            largest = int(np.argmax(np.abs(gradient)))
            if largest not in picked:
                picked[0] = largest
        entries = [np.unravel_index(i, base.shape) for i in sorted(picked)]
        direction = rng.normal(size=base.shape)
        direction /= np.linalg.norm(direction)
    found = []
    for index in entries:
        unit = np.zeros(base.shape)
        unit[index] = 1.0
        found.append(along(unit, None if gradient is None else float(gradient[index])))
    entry_tuples = tuple(tuple(int(i) for i in index) for index in entries)
    estimates, errors, steps = (np.array([f[k] for f in found]) for k in range(3))
    if direction is None:
        return FiniteDifferences(entry_tuples, estimates, errors, steps)
    projected = None if gradient is None else float(np.sum(gradient * direction))
    scale = 0.0 if gradient is None else float(np.linalg.norm(gradient))
    value, error, step = along(direction, projected, scale)
    return FiniteDifferences(entry_tuples, estimates, errors, steps, direction, value, error,
                             step)


# -- all of them ---------------------------------------------------------------------------------

def tensor_values_to_check(graph: TensorGraph, values: Mapping[str, Any], *,
                           seed: int) -> tuple[dict[str, np.ndarray], list[str]]:
    """``values``, with seeded random values in [0.1, 0.9] for the float leaves they leave
    out, and the names of those: the point ``verify`` checks the gradients at.

    Raises
    ------
    SpecError
        For an integer leaf without values (labels and indices are not drawn at random).

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("w", "parameter", (2,))], {"L": "sum(w)"}, "L")
    >>> checked, randomised = tensor_values_to_check(graph, {}, seed=1)
    >>> randomised, checked["w"].shape, bool(np.all((0.1 <= checked["w"]) & (checked["w"] <= 0.9)))
    (['w'], (2,), True)
    """
    rng = np.random.default_rng(seed)
    checked = dict(values)
    missing = graph.missing_values(values)
    for name in missing:
        node = graph.node(name)
        if node.dtype == "int":
            raise SpecError(f"verify needs the values of the integer tensor {name!r} (labels "
                            "and indices are not drawn at random)")
        checked[name] = rng.uniform(0.1, 0.9, size=node.shape)
    return checked, missing


def tensor_gradient_check(graph: TensorGraph, values: Mapping[str, Any], *,
                          wrt: Sequence[str] | None = None, lowering: bool = True,
                          where: str = "", seed: int = 0) -> list[TensorGradientCheck]:
    """Each tensor of ``wrt`` (default: every parameter)'s gradient by the tensor engine (its
    factored form, :func:`~symbackprop.calculus.tensor_derivation.tensor_derive`) against its
    own sum over paths and every oracle of the module, at the module's tolerances.  An oracle
    that cannot run is skipped with its reason: the lowering above its limits (or with
    ``lowering=False``), torch when it is not installed.

    Raises
    ------
    SymbackpropError
        Before any work, when the graph's entries times the finite differences to take exceed
        :data:`~symbackprop.limits.MAX_TENSOR_VERIFY_WORK`.

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("w", "parameter", (2,))], {"L": "sum(w**2)"},
    ...                            "L")
    >>> [check] = tensor_gradient_check(graph, {"w": np.array([1.0, 2.0])}, lowering=False)
    >>> check.gradient, check.result("lowered").reason
    (array([2., 4.]), 'not asked for')
    """
    names = list(graph.parameters if wrt is None else wrt)
    differenced = sum(size if size <= FD_ENTRIES else FD_SAMPLE + 1
                      for size in (graph.node(n).size for n in names))
    MAX_TENSOR_VERIFY_WORK.check(graph.entries * differenced, where or "verify",
                                 f"(= {graph.entries:,} entries × {differenced:,} finite "
                                 "differences)", error=SymbackpropError)
    derivations = {n: tensor_derive(graph, n, values=values, max_paths=DEFAULT_PATH_LIMIT)
                   for n in names}
    engine = {n: np.asarray(d.gradient, dtype=float) for n, d in derivations.items()}
    scale = max((float(np.max(np.abs(g), initial=0.0)) for g in engine.values()), default=0.0)
    lowered, lowered_reason = _lowered(graph, values, names, lowering, where)
    by_torch, torch_reason = _torch(graph, values, names)
    checks = []
    for n in names:
        g = engine[n]
        terms = derivations[n].terms
        results = [
            _compare("path sum", g, None if terms is None else _path_sum(terms, g.shape), scale,
                     f"more paths than {DEFAULT_PATH_LIMIT:,}: only the factored form is built"),
            _compare("lowered", g, lowered.get(n), scale, lowered_reason),
            _compare("torch", g, by_torch.get(n), scale, torch_reason),
            finite_difference_gradient(graph, values, n, seed=seed, gradient=g).compare(g),
        ]
        checks.append(TensorGradientCheck(n, graph.node(n).shape, g,
                                          derivations[n].path_count, tuple(results),
                                          FLOOR * scale))
    return checks


def _path_sum(terms: Sequence[Any], shape: Shape) -> np.ndarray:
    total = np.zeros(shape)
    for term in terms:
        total = total + term.value
    return total


def _lowered(graph: TensorGraph, values: Mapping[str, Any], names: list[str], asked: bool,
             where: str) -> tuple[dict[str, np.ndarray], str]:
    if not asked:
        return {}, "not asked for"
    refusal = lowering_size(graph).refusal(where or graph.title or "the tensor graph")
    if refusal is not None:
        return {}, "refused: " + refusal.split(": lowered to scalars: ", 1)[-1]
    return lowered_gradients(graph, values, names, where=where), ""


def _torch(graph: TensorGraph, values: Mapping[str, Any],
           names: list[str]) -> tuple[dict[str, np.ndarray], str]:
    try:
        import torch  # noqa: F401
    except ImportError:
        return {}, "torch is not installed (pip install 'symbackprop[torch]')"
    from .tensor_torch import torch_gradients

    return torch_gradients(graph, values, names), ""


def _relative(error: float, gradient: np.ndarray) -> float:
    largest = float(np.max(np.abs(gradient), initial=0.0))
    return error / largest if largest > 0 else (0.0 if error == 0 else math.inf)


def _compare(oracle: str, engine: np.ndarray, other: np.ndarray | None, scale: float,
             reason: str) -> OracleResult:
    if other is None:
        return OracleResult(oracle, None, reason=reason)
    differences = np.abs(engine - other)
    floor = FLOOR * max(scale, float(np.max(np.abs(other), initial=0.0)))
    agrees = bool(np.all(differences <= RELATIVE * np.abs(other) + floor))
    worst = float(np.max(differences, initial=0.0))
    return OracleResult(oracle, agrees, worst, _relative(worst, engine), "every entry")
