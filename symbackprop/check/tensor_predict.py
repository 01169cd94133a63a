"""What each tensor mistake gives: the wrong gradients a student who makes it computes.

:class:`TensorPredictor` runs the right backward pass once, then one backward pass per place
a ``paths`` or ``edge`` mistake of :mod:`symbackprop.check.tensor_mistakes` applies, and
applies every ``answer`` mistake to the right gradient and to each of those; pairs of mistakes
(two places at once, or a place and an answer mistake) come after the single mistakes, within
:data:`MAX_PAIRED` places.  A prediction equal to the right gradient is left out (a mistake
that changes nothing there cannot be seen there).  This is the API a course tool calls: every
mistake's value for a node, in the order a diagnosis prefers them.

Examples
--------
>>> from symbackprop.spec.problems import load_problem
>>> problem = load_problem("tensor_batchnorm")
>>> predictor = TensorPredictor(problem.graph, problem.graph.forward(problem.values))
>>> [p.names for p in predictor.predictions("x")][:3]
[('batchnorm_mean_path',), ('batchnorm_variance_path',), ('activation_at_input',)]
>>> predictor.predictions("x")[0].value.shape
(6, 4)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..errors import DomainError
from ..graph.tensor import TensorGraph
from .tensor_backward import Variant, backward
from .tensor_mistakes import TENSOR_MISTAKES, Instance, TensorMistake, unreduced
from .tensor_places import instances

__all__ = ["MAX_PAIRED", "TensorPrediction", "TensorPredictor", "same_tensor"]

MAX_PAIRED = 12
"""Pairs of places are searched among at most this many (the named ones, not the generic
``missing_paths``)."""
ANSWERS = tuple(m for m in TENSOR_MISTAKES if m.way == "answer")
SCALES = ("sign", "mean_missing", "mean_extra")
"""The answer mistakes that scale a gradient (combined with the others in pairs)."""


def same_tensor(a: np.ndarray, b: np.ndarray, rtol: float = 1e-9) -> bool:
    """Whether two tensors are equal up to floating-point noise (relative to the larger's
    largest entry).

    Examples
    --------
    >>> same_tensor(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-14]))
    True
    >>> same_tensor(np.array([1.0, 2.0]), np.array([[1.0, 2.0]]))
    False
    """
    if a.shape != b.shape:
        return False
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    return bool(np.all(np.abs(a - b) <= rtol * scale + 1e-300))


@dataclass(frozen=True, eq=False)
class TensorPrediction:
    """The wrong gradient of one node that one mistake (or a pair) gives.

    Attributes
    ----------
    names : tuple of str
        The mistakes' names, one or two.
    sentences : tuple of str
        Each mistake's diagnosis, its place filled in.
    value : numpy array
        May have another shape than the right gradient (a gradient not summed, transposed).

    Examples
    --------
    >>> TensorPrediction(("sign",), ("the sign flipped",), np.array([-1.0])).text
    'the sign flipped'
    """

    names: tuple[str, ...]
    sentences: tuple[str, ...]
    value: np.ndarray

    @property
    def text(self) -> str:
        """The sentences joined (with "and" for a pair)."""
        return ", and ".join(self.sentences)


class TensorPredictor:
    """Every mistake's gradients for one problem at one set of values.

    Parameters
    ----------
    graph : TensorGraph
    forward : mapping of str to array
        The forward pass (:meth:`TensorGraph.forward`).
    pairs : bool
        Whether pairs of mistakes are predicted too (after the single ones).

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> problem = load_problem("tensor_mlp")
    >>> predictor = TensorPredictor(problem.graph, problem.graph.forward(problem.values))
    >>> predictor.truth["b1"].shape, len(predictor.instances) > 3
    ((5,), True)
    """

    def __init__(self, graph: TensorGraph, forward: Mapping[str, np.ndarray], *,
                 pairs: bool = True) -> None:
        self.graph, self.forward, self.pairs = graph, forward, pairs
        self.truth = backward(graph, forward)
        self.instances: tuple[Instance, ...] = instances(graph, forward)
        self._predicted: dict[str, list[TensorPrediction]] = {}

    @cached_property
    def _singles(self) -> list[tuple[tuple[Instance, ...], dict[str, np.ndarray]]]:
        return [((i,), found) for i in self.instances
                if (found := self._run(i.variant)) is not None]

    @cached_property
    def _pairs(self) -> list[tuple[tuple[Instance, ...], dict[str, np.ndarray]]]:
        named = [i for i in self.instances if i.name != "missing_paths"][:MAX_PAIRED]
        found: list[tuple[tuple[Instance, ...], dict[str, np.ndarray]]] = []
        for a, b in itertools.combinations(named, 2):
            if set(a.variant.edges) & set(b.variant.edges):
                continue  # two wrong rules for one edge: not a pair a student makes
            result = self._run(a.variant.combined(b.variant))
            if result is not None:
                found.append(((a, b), result))
        return found

    def _run(self, variant: Variant) -> dict[str, np.ndarray] | None:
        try:
            with np.errstate(all="ignore"):
                found = backward(self.graph, self.forward, variant)
        except DomainError:
            return None
        return found if all(np.all(np.isfinite(v)) for v in found.values()) else None

    def _answers(self, node: str, adjoints: Mapping[str, np.ndarray]
                 ) -> Iterator[tuple[TensorMistake, np.ndarray]]:
        value = adjoints.get(node)
        if value is None:
            return
        inner = unreduced(self.graph, self.forward, adjoints, node)
        for mistake in ANSWERS:
            assert mistake.answer is not None  # every answer mistake has its rule
            wrong = mistake.answer(self.graph, node, value, inner)
            if wrong is not None:
                yield mistake, np.asarray(wrong, dtype=float)

    def predictions(self, node: str) -> list[TensorPrediction]:
        """Every mistake's gradient of ``node`` that differs from the right one: single
        mistakes (places, then answers), then pairs; a mistake's equal values once.

        Examples
        --------
        >>> from symbackprop.spec.problems import load_problem
        >>> problem = load_problem("tensor_mlp")
        >>> predictor = TensorPredictor(problem.graph, problem.graph.forward(problem.values))
        >>> [p.names for p in predictor.predictions("b1")][:4]
        [('softmax_diagonal',), ('activation_at_input',), ('missing_paths',), ('bias_not_summed',)]
        """
        found = self._predicted.get(node)
        if found is None:
            found = self._predicted[node] = list(self._predict(node))
        return found

    def _predict(self, node: str) -> Iterator[TensorPrediction]:
        right = self.truth.get(node)
        if right is None:
            return
        seen: dict[tuple[str, ...], list[np.ndarray]] = {}

        def new(value: np.ndarray, names: tuple[str, ...]) -> bool:
            """Not the right gradient, nor a value these mistakes gave already."""
            if same_tensor(value, right) or any(same_tensor(value, s)
                                                for s in seen.get(names, ())):
                return False
            seen.setdefault(names, []).append(value)
            return True

        singles = self._singles
        for (instance,), found in singles:
            value = found.get(node, np.zeros_like(right))  # every path left out: zero
            if new(value, (instance.name,)):
                yield TensorPrediction((instance.name,), (instance.sentence,), value)
        for mistake, value in self._answers(node, self.truth):
            if new(value, (mistake.name,)):
                yield TensorPrediction((mistake.name,), (mistake.diagnosis,), value)
        if not self.pairs:
            return
        answers = list(self._answers(node, self.truth))
        for shaped, value in answers:
            if shaped.name in SCALES:
                continue
            for scale, _ in answers:
                if scale.name in SCALES:
                    assert scale.answer is not None  # an answer mistake
                    wrong = scale.answer(self.graph, node, value, None)
                    if wrong is not None and new(wrong, (shaped.name, scale.name)):
                        yield TensorPrediction((shaped.name, scale.name),
                                               (shaped.diagnosis, scale.diagnosis), wrong)
        for (instance,), found in singles:
            for mistake, value in self._answers(node, found):
                if new(value, (instance.name, mistake.name)):
                    yield TensorPrediction((instance.name, mistake.name),
                                           (instance.sentence, mistake.diagnosis), value)
        for (a, b, *_), found in self._pairs:
            value = found.get(node, np.zeros_like(right))
            if new(value, (a.name, b.name)):
                yield TensorPrediction((a.name, b.name), (a.sentence, b.sentence), value)
