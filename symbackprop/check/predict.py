"""The values the common mistakes give: the forward prediction of what :mod:`.diagnose` explains.

:mod:`symbackprop.check.diagnose` works backwards, from a wrong number to the mistakes that
reproduce it.  :func:`mistaken_values` works forwards: for one derivation at given numbers it
lists what a student who makes each common mistake writes.  An answer key lists them (a grader
recognises the mistake at a glance) and a page that lets a student explore a derivation shows
them.  Each mistake is made the way the diagnosis searches for it, by the same machinery
(:class:`~symbackprop.check.pathsearch.PathSearch`) and from the same registry entry
(:mod:`symbackprop.check.mistakes`: its value, its name and its description), so that an answer
with one of these values, checked, is diagnosed as that mistake.  :func:`mistaken_forward_values`
does the same for a forward value.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("padhai_4_4_2")
>>> derivation = derive(problem.graph, "w212", values=problem.values)
>>> round(derivation.value, 6)
-0.130377
>>> for mistake in mistaken_values(derivation)[:3]:
...     print(f"{mistake.name:19} {mistake.value:+.6f}  {mistake.description[:36]}")
missing_path        -0.065188  the path w212 -> a21 -> yhat2 -> L l
softmax_notes_form  -0.036037  the softmax partial d yhat_i / d a_i
softmax_no_coupling -0.283842  the softmax partial without its coup
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from ..calculus.derivation import Derivation
from ..calculus.terms import Step
from ..errors import SymbackpropError
from .evidence import Scenario
from .mistakes import LOSS_FACTORS, PRE_UPDATE_ORDER, SCALE_MISTAKES, SIGN, STEP_SLIPS
from .pathsearch import Mod, PathSearch
from .updates import stale_gradient

__all__ = ["MistakenValue", "Predicted", "Predictor", "mistaken_forward_values",
           "mistaken_values"]

RELATIVE = 1e-9
"""Two values closer than this (relative) are the same value: the later entry is dropped."""


@dataclass(frozen=True)
class MistakenValue:
    """The value one common mistake gives.

    Attributes
    ----------
    name : str
        A stable id: ``missing_path``, a name of
        :data:`~symbackprop.check.mistakes.MISTAKES` (``sigmoid_output_only``,
        ``softmax_no_coupling``, ...), ``sign``, ``half_of_loss``; for an update also
        ``update_not_applied``, ``update_sign``, ``update_learning_rate``,
        ``update_already_updated``, ``update_step_only`` and ``pre_update_order``.
    description : str
        The mistake in one sentence a student understands.
    value : float
        What the mistake gives for the derivative (or, with a learning rate, the update).
    path : int or None
        For ``missing_path``: the index (0-based, in the derivation's path order) of the path
        left out.

    Examples
    --------
    >>> MistakenValue("sign", "the sign flipped", -0.25)
    MistakenValue(sign = -0.25)
    """

    name: str
    description: str
    value: float
    path: int | None = None

    def __repr__(self) -> str:
        where = "" if self.path is None else f" (path {self.path})"
        return f"MistakenValue({self.name}{where} = {self.value:.10g})"


@dataclass(frozen=True)
class Predicted:
    """What the common mistakes give for one derivation (:func:`mistaken_values`): for its
    derivative, and for its update when a learning rate was given.

    Examples
    --------
    >>> Predicted((MistakenValue("sign", "the sign flipped", -0.25),)).update is None
    True
    """

    derivative: tuple[MistakenValue, ...]
    update: tuple[MistakenValue, ...] | None = None


class Predictor:
    """:func:`mistaken_values` for many derivations of one graph at the same numbers (a page
    or an answer key of every parameter), and for a derivation's derivative and its update at
    once.

    The derivations share one :class:`~symbackprop.check.evidence.Scenario` while their
    numbers are the same (each local partial evaluated once; every later parameter's gradient
    for *pre-update order* read off one sweep), and a derivation's derivative and update share
    its :class:`~symbackprop.check.pathsearch.PathSearch`.  The values are those
    :func:`mistaken_values` gives, to the bit.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> predictor = Predictor()
    >>> predicted = [predictor.predict(derive(problem.graph, w, values=problem.values),
    ...                                learning_rate=0.5) for w in ("w1", "w5")]
    >>> predicted[0].derivative[0]
    MistakenValue(missing_path (path 0) = -0.0002298282867)
    >>> predicted[0].update[0]
    MistakenValue(update_not_applied = 0.15)
    >>> [m.name for m in predicted[0].update if m.name.startswith("pre")]
    ['pre_update_order']
    """

    def __init__(self) -> None:
        self._scenario: Scenario | None = None
        self._source: tuple[object, Mapping[str, float] | None] = (None, None)

    def scenario(self, derivation: Derivation, values: Mapping[str, float] | None = None
                 ) -> Scenario:
        """The scenario of ``derivation`` at ``values`` (default: its own numbers): the one
        of the derivation before when the graph and the numbers are the same.

        Raises
        ------
        SymbackpropError
            When neither ``values`` nor the derivation give numbers.
        """
        numbers = values if values is not None else derivation.values
        graph, known = self._source
        if (self._scenario is None or graph is not derivation.graph or known is None
                or numbers is None or dict(known) != dict(numbers)):
            self._scenario = _scenario(derivation, values)
            self._source = (derivation.graph, numbers)
        return self._scenario

    def predict(self, derivation: Derivation, values: Mapping[str, float] | None = None, *,
                learning_rate: float | None = None, limit: int = 64) -> Predicted:
        """What each common mistake gives for the derivative of ``derivation`` and, with
        ``learning_rate``, for its update (the parameters of :func:`mistaken_values`)."""
        scenario = self.scenario(derivation, values)
        derivative, scale = _derivative_mistakes(derivation, scenario, limit)
        truth = float(scenario.adjoint(derivation)[0])
        found = tuple(_distinct(derivative, truth, scale))
        if learning_rate is None:
            return Predicted(found)
        eta = float(learning_rate)
        weight = float(scenario.values[derivation.wrt][0])
        update = _distinct(_update_mistakes(derivation, scenario, eta, derivative),
                           Step(derivation.wrt, eta, weight, truth).after, abs(eta) * scale)
        return Predicted(found, tuple(update))


def _scenario(derivation: Derivation, values: Mapping[str, float] | None) -> Scenario:
    if values is not None:
        return Scenario.at_values(derivation.graph, values)
    if derivation.values is None:
        raise SymbackpropError(f"d{derivation.of}/d{derivation.wrt}: the mistaken values need "
                               "numbers; derive with values=, or pass values")
    return Scenario(derivation.graph, {k: np.atleast_1d(v) for k, v in derivation.values.items()})


def _missing_paths(search: PathSearch, path_values: np.ndarray, limit: int
                   ) -> list[MistakenValue]:
    """One entry per path left out, in path order; of paths whose omission gives the same
    value, the one the diagnosis names: a path through the softmax's coupling, else the
    later path (:attr:`~symbackprop.check.pathsearch.Candidate.key`)."""
    total = float(np.sum(np.abs(path_values)))
    kept: list[tuple[float, int]] = []  # (value, path index)
    for i in range(min(limit, len(search.paths))):
        value = float(np.sum(np.delete(path_values, i)))
        same = [k for k, (v, _) in enumerate(kept) if _close(v, value, total)]
        if not same:
            kept.append((value, i))
        elif (i in search.coupled) >= (kept[same[0]][1] in search.coupled):
            kept[same[0]] = (value, i)
    return [MistakenValue("missing_path", f"the path {search.paths[i]} left out", value, i)
            for value, i in kept]


def _close(a: float, b: float, scale: float) -> bool:
    """Whether ``a`` and ``b`` are the same value: within :data:`RELATIVE` of the larger of
    them and ``scale`` (the size of the terms: floating-point noise around 0 is 0)."""
    return abs(a - b) <= RELATIVE * max(abs(a), abs(b), abs(scale))


def _derivative_mistakes(derivation: Derivation, scenario: Scenario, limit: int
                         ) -> tuple[list[MistakenValue], float]:
    """The entries for the derivative, and the size of its terms (the scale of its noise)."""
    truth = float(scenario.adjoint(derivation)[0])
    found = []
    scale = abs(truth)
    if derivation.terms is not None:
        search = PathSearch(derivation, scenario, (), None)
        path_values = np.prod(search.base[search.index], axis=1)[:, 0]
        scale = max(scale, float(np.sum(np.abs(path_values))))
        if len(search.paths) > 1:
            found += _missing_paths(search, path_values, limit)
        named = set()
        for m, (mistake, _) in enumerate(search.mistakes):
            if mistake.name in named:
                continue  # the first entry of a mistake: on every edge of its kind at once
            named.add(mistake.name)
            table = search.table(Mod(mistakes=(m,)))
            value = float(np.prod(table[search.index], axis=1)[:, 0].sum())
            found.append(MistakenValue(mistake.name, mistake.title, value))
    found.append(MistakenValue(SIGN.name, SIGN.description, SIGN.factor * truth))
    own = LOSS_FACTORS.get(scenario.loss) if scenario.loss is not None else None
    if derivation.of == scenario.graph.output and own is not None:
        found.append(MistakenValue(own.name, own.description, own.scale.factor * truth))
    return found, scale


def _update_mistakes(derivation: Derivation, scenario: Scenario, eta: float,
                     derivative: list[MistakenValue]) -> list[MistakenValue]:
    weight = float(scenario.values[derivation.wrt][0])

    def step(gradient: float) -> Step[float]:
        return Step(derivation.wrt, eta, weight, gradient)

    right = step(float(scenario.adjoint(derivation)[0]))
    found = [MistakenValue(m.name, m.described(eta), m.gives(right))
             for m in STEP_SLIPS if m.applies(eta)]
    stale = stale_gradient(derivation, scenario, eta)
    if stale is not None:
        found.append(MistakenValue(PRE_UPDATE_ORDER.name, PRE_UPDATE_ORDER.described(eta),
                                   PRE_UPDATE_ORDER.gives(step(float(stale[0])))))
    found += [MistakenValue(m.name, f"the gradient with {m.description}", step(m.value).after,
                            m.path) for m in derivative]
    return found


def _distinct(entries: list[MistakenValue], right: float, scale: float
              ) -> list[MistakenValue]:
    """The entries with a finite value different from ``right`` and from every earlier
    one's; a value within noise of 0 (relative to ``scale``, the sum of the paths' sizes)
    written 0."""
    kept: list[MistakenValue] = []
    seen = [right]
    for entry in entries:
        if not np.isfinite(entry.value):
            continue
        if abs(entry.value) <= RELATIVE * abs(scale):
            entry = replace(entry, value=0.0)
        if any(_close(entry.value, v, scale) for v in seen):
            continue
        kept.append(entry)
        seen.append(entry.value)
    return kept


def mistaken_values(derivation: Derivation, values: Mapping[str, float] | None = None, *,
                    learning_rate: float | None = None, limit: int = 64
                    ) -> list[MistakenValue]:
    """What each common mistake gives for ``derivation`` at the given numbers.

    In this order:

    - ``missing_path``: one entry per path left out (the first ``limit`` paths; none when there
      is only one path);
    - each registered mistake (:data:`~symbackprop.check.mistakes.MISTAKES`) that changes a
      local partial on the paths, applied to every edge of its kind at once (a misconception,
      the way :mod:`symbackprop.check.diagnose` tries it first);
    - ``sign``: the derivative negated (:data:`~symbackprop.check.mistakes.SIGN`);
    - ``half_of_loss``, for the derivative of a squared-error loss
      (:data:`~symbackprop.check.mistakes.LOSS_FACTORS`): for ``squared_error`` and
      ``mean_squared_error`` the 2 of ``d (y - yhat)^2`` dropped (half the value), for
      ``half_squared_error`` its 1/2 dropped (twice the value).

    With ``learning_rate`` the values are those of the updated parameter ``w - eta dL/dw``
    instead: first the slips of the step (:data:`~symbackprop.check.mistakes.STEP_SLIPS`:
    ``update_not_applied`` ``w`` itself, ``update_sign`` ``w + eta g``,
    ``update_learning_rate`` ``w - g``,
    ``update_already_updated`` ``w - 2 eta g``, ``update_step_only`` ``-eta g``), then
    ``pre_update_order``, then each mistake above in
    the gradient, ``w - eta g'``.  *Pre-update order* is updating the later layers first and
    backpropagating through their new values: ``g'`` is ``dL/dw`` with every parameter that
    feeds a node on the paths after the node ``w`` feeds (the later layers' weights and biases,
    :func:`~symbackprop.check.updates.later_parameters`) stepped to ``p - eta dL/dp`` and the
    forward values kept; it applies to the weights of all but the last layer (the classic
    worked example's warning: use the original weights when you backpropagate further).

    An entry whose value equals the right value, or an earlier entry's, within
    :data:`RELATIVE` (of the larger of the two and the sum of the paths' sizes) is dropped
    (a student making that mistake writes the right number, or the number is explained by the
    earlier mistake first); so is a value that is not finite.  Of paths whose omission gives
    the same value, the entry names the one the diagnosis names (a path through the softmax's
    coupling, else the later path).  A value within that noise of 0 is written 0.

    Parameters
    ----------
    derivation : Derivation
        The derivative, its paths listed (without them only ``sign`` and ``half_of_loss``).
    values : mapping, optional
        The leaves' values; by default the derivation's own (derived with ``values=``).
    learning_rate : float, optional
        Predict the updated parameter instead of the derivative.
    limit : int
        At most this many ``missing_path`` entries.

    Raises
    ------
    SymbackpropError
        When neither ``values`` nor the derivation give numbers.

    Notes
    -----
    One evaluation of every local partial and of each mistake's wrong partials (the
    :class:`~symbackprop.check.pathsearch.PathSearch` table), O(P D) for P paths of length D;
    ``pre_update_order`` one sweep of every node's adjoint.  :class:`Predictor` shares the
    work between derivations of one graph, and between a derivative and its update.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")                    # dL/dw1 = 0.000438568
    >>> derivation = derive(problem.graph, "w1", values=problem.values)
    >>> [(m.name, round(m.value, 9)) for m in mistaken_values(derivation)][:3]
    [('missing_path', -0.000229828), ('missing_path', 0.000668396), ('sigmoid_output_only', \
0.00412097)]
    >>> update = mistaken_values(derivation, learning_rate=0.5)  # w1+ = 0.149780716
    >>> [(m.name, round(m.value, 9)) for m in update][:3]
    [('update_not_applied', 0.15), ('update_sign', 0.150219284), ('update_learning_rate', \
0.149561432)]
    """
    predicted = Predictor().predict(derivation, values, learning_rate=learning_rate,
                                    limit=limit)
    return list(predicted.derivative if predicted.update is None else predicted.update)


def mistaken_forward_values(scenario: Scenario, node: str) -> list[MistakenValue]:
    """What the common mistakes give for the forward value of ``node`` at the scenario's
    (first) point: the mistakes :func:`~symbackprop.check.diagnose.diagnose_value` names.

    In this order: ``activation_not_applied`` (the node's one input given for it, when it
    applies a function to one input), ``sign``, and for the graph's output (the loss)
    ``factor_of_2`` and ``factor_of_one_half``
    (:data:`~symbackprop.check.mistakes.SCALE_MISTAKES`).  An entry that gives the right value
    itself is dropped.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> scenario = Scenario.at_values(problem.graph, problem.values)
    >>> [(m.name, round(m.value, 6)) for m in mistaken_forward_values(scenario, "yhat1")]
    [('activation_not_applied', 1.105906), ('sign', -0.751365)]
    >>> [m.description for m in mistaken_forward_values(scenario, "L")]
    ['the sign flipped', 'twice the loss', 'half the loss']
    """
    graph = scenario.graph
    value = float(scenario.values[node][0])
    definition = graph.node(node).definition
    parents = graph.parents(node)
    found = []
    if definition is not None and len(parents) == 1:
        found.append(MistakenValue(
            "activation_not_applied", f"the input {parents[0]} given: {node} = {definition} "
            "not applied", float(scenario.values[parents[0]][0])))
    scales = SCALE_MISTAKES if node == graph.output else (SIGN,)
    found += [MistakenValue(m.name, m.of_value, m.factor * value) for m in scales]
    return [m for m in found if m.value != value]
