"""Three oracles for the tensor engine, each independent of its VJP registry, and
:func:`tensor_gradient_check`, which holds every parameter's gradient against all of them.

1. :func:`lowered_gradients`: the scalar engine on the tensor graph lowered to scalars
   (:mod:`symbackprop.graph.tensor_lowering`: every entry a node, each definition the
   operations' forward code run on sympy symbols), its gradients gathered back into tensors.
   Refused above the lowering's limits.
2. :func:`~symbackprop.numeric.tensor_torch.torch_gradients`: torch autograd on the forward
   pass written in torch's own operations (when torch is installed).
3. :func:`~symbackprop.numeric.tensor_differences.finite_difference_gradient`: central
   differences extrapolated by Ridders' method, every entry of a small tensor, a seeded sample
   of entries and a seeded direction of a large one.

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

import numpy as np

from ..calculus.options import DEFAULT_PATH_LIMIT
from ..calculus.sweep import gradients
from ..calculus.tensor_derivation import tensor_derive
from ..errors import SpecError, SymbackpropError
from ..graph.tensor import TensorGraph
from ..graph.tensor_lowering import lower, lowering_size
from ..limits import MAX_TENSOR_VERIFY_WORK
from ..rules.tensor.expr import Shape, format_shape
from .tensor_differences import (
    FD_ENTRIES,
    FD_SAMPLE,
    FiniteDifferences,
    finite_difference_gradient,
)

__all__ = [
    "ORACLES",
    "OracleResult",
    "TensorGradientCheck",
    "lowered_gradients",
    "tensor_gradient_check",
    "tensor_values_to_check",
]

RELATIVE = 1e-10
"""The engine and the exact oracles (lowering, torch) agree entry by entry to this, relative."""
FLOOR = 1e-12
"""... with an absolute floor of this times the largest entry of the loss's gradients."""
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
            _differences(finite_difference_gradient(graph, values, n, seed=seed, gradient=g),
                         g),
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


def _differences(fd: FiniteDifferences, gradient: np.ndarray) -> OracleResult:
    agrees, worst = fd.compare(gradient)
    return OracleResult("finite differences", agrees, worst, _relative(worst, gradient),
                        fd.checked)


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
