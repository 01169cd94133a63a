"""Finite differences of a tensor graph's output with respect to one leaf tensor: the third
oracle of :mod:`~symbackprop.numeric.tensor_oracles`, independent of the VJP registry (it runs
only the forward pass).

Central differences extrapolated by Ridders' method (:func:`~symbackprop.numeric.oracles.ridders`,
as the scalar oracles), one entry at a time for a tensor of at most :data:`FD_ENTRIES` entries;
for a larger one a seeded sample of :data:`FD_SAMPLE` entries (the largest entry of the gradient
among them) and the derivative along one seeded random direction ``v`` of norm 1, which must
equal ``Σ g ⊙ v``.  An estimate that disagrees is taken again from a first step 100 and 10,000
times smaller (:data:`FD_STEPS`): in a network of ``relu`` s some pre-activation lies within
1e-2 of its kink, where a difference is wrong; a wrong gradient disagrees at every step.

Tolerance, as the scalar ``verify``: within twice Ridders' error estimate or 1e-8 relative (of
the larger of the two numbers; of the gradient's norm along a direction), plus 1e-10.

Examples
--------
>>> from symbackprop.graph.tensor import TensorNode
>>> from symbackprop.graph.tensor_build import build_tensor_graph
>>> graph = build_tensor_graph([TensorNode("w", "parameter", (3,))], {"L": "sum(sin(w))"}, "L")
>>> fd = finite_difference_gradient(graph, {"w": np.array([0.0, 1.0, 2.0])}, "w")
>>> fd.compare(np.cos(np.array([0.0, 1.0, 2.0])))[0]
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from ..errors import GraphError
from ..graph.tensor import TensorGraph
from ..rules.tensor.evaluate import evaluate
from .oracles import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE, ridders

__all__ = ["FD_ENTRIES", "FD_SAMPLE", "FD_STEPS", "FiniteDifferences",
           "finite_difference_gradient"]

FD_ENTRIES = 64
"""Finite differences take every entry of a tensor of at most this many entries."""
FD_SAMPLE = 8
"""... and of a larger tensor this many seeded entries, and one seeded direction."""
FD_STEPS = (1e-2, 1e-4, 1e-6)
"""Ridders' first steps: the next is taken only where the one before disagrees with the
engine (a kink of ``relu`` or ``max`` within the step, where differences are wrong)."""


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

    def compare(self, gradient: np.ndarray) -> tuple[bool, float]:
        """Whether ``gradient`` agrees with these estimates (the module's tolerance), and the
        largest ``|gradient - estimate|`` (along the direction too).

        Examples
        --------
        >>> fd = FiniteDifferences(((0,), (1,)), np.array([1.0, 2.0]), np.zeros(2),
        ...                        np.full(2, 1e-2))
        >>> fd.compare(np.array([1.0, 2.0]))[0], fd.compare(np.array([1.0, 2.1]))
        (True, (False, 0.10000000000000009))
        """
        engine = np.array([gradient[index] for index in self.entries], dtype=float)
        agrees = all(_close(a, b, e) for a, b, e in zip(engine, self.values, self.errors,
                                                            strict=True))
        worst = float(np.max(np.abs(engine - self.values), initial=0.0))
        if self.direction is not None:
            projected = float(np.sum(gradient * self.direction))
            agrees = agrees and _close(projected, self.along, self.along_error,
                                       float(np.linalg.norm(gradient)))
            worst = max(worst, abs(projected - self.along))
        return agrees, worst


def _close(engine: float, estimate: float, error: float, scale: float = 0.0) -> bool:
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
            if expected is None or _close(expected, value, error, scale):
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
