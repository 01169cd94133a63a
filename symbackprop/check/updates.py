"""The order of the updates: a gradient computed after the later layers were already updated.

Gradient descent updates every parameter from the gradients of *one* backward pass: the weights
of the output layer are stepped only after the gradients of the earlier layers have been
computed with their old values.  The classic step-by-step example of a 2-2-2 network (the
numbers of the bundled ``mazur_2_2_2``) stresses it: "we use the original weights, not the
updated weights, when we continue the backpropagation algorithm".  The mistake it warns about,
*pre-update order*, is to update a later layer first and then backpropagate through its new
weights: for ``w1`` of that network, the factors ``da21/dh11 = w5`` and ``da22/dh11 = w7`` are
taken at ``w5 - eta dL/dw5`` and ``w7 - eta dL/dw7``.

:func:`later_parameters` names the parameters such a student has already updated; and
:func:`stale_gradient` gives the gradient they then compute.  The forward values (``h``,
``yhat``) stay those of the one forward pass: only the later parameters change.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.check.evidence import Scenario
>>> problem = load_problem("mazur_2_2_2")
>>> scenario = Scenario.at_values(problem.graph, problem.values)
>>> derivation = scenario.derivation("L", "w1")
>>> later_parameters(derivation)
('b2', 'w5', 'w6', 'w7', 'w8')
>>> round(float(stale_gradient(derivation, scenario, 0.5)[0]), 9)
0.000364723
"""

from __future__ import annotations

import numpy as np

from ..calculus.derivation import Derivation
from ..calculus.terms import Step
from .evidence import Scenario

__all__ = ["later_parameters", "stale_gradient"]


def later_parameters(derivation: Derivation) -> tuple[str, ...]:
    """The parameters that feed a node on the paths *after* the node ``wrt`` feeds: the later
    layers' weights and biases (in the graph's order), which a student who updates the later
    layers first has already changed.

    Empty for a parameter of the last layer, or of any graph whose paths meet no other
    parameter.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> later_parameters(derive(problem.graph, "w1")), later_parameters(derive(problem.graph, "w5"))
    (('b2', 'w5', 'w6', 'w7', 'w8'), ())
    """
    graph = derivation.graph
    on_paths = {adjoint.node for adjoint in derivation.adjoints}
    first = {child for adjoint in derivation.adjoints if adjoint.node == derivation.wrt
             for _, child in adjoint.contributions}
    later = on_paths - first - {derivation.wrt}
    found = {p for node in later for p in graph.parents(node)
             if graph.node(p).kind == "parameter" and p != derivation.wrt and p not in on_paths}
    return tuple(n for n in graph.order if n in found)


def stale_gradient(derivation: Derivation, scenario: Scenario, learning_rate: float
                   ) -> np.ndarray | None:
    """``d of / d wrt`` at every point of ``scenario`` with each of :func:`later_parameters`
    stepped to ``p - learning_rate * d of / d p`` first (the forward values kept); ``None``
    when there are no later parameters.

    Notes
    -----
    The later parameters' gradients read off one sweep of the scenario's
    (:meth:`~symbackprop.check.evidence.Scenario.gradient`, shared by every parameter), then
    one adjoint sweep.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> scenario = Scenario.at_values(problem.graph, problem.values)
    >>> stale_gradient(scenario.derivation("L", "w5"), scenario, 0.5) is None
    True
    """
    later = later_parameters(derivation)
    if not later:
        return None
    values = dict(scenario.values)
    for p in later:
        gradient = scenario.gradient(derivation.of, p)
        values[p] = Step(p, learning_rate, scenario.values[p], gradient).after
    stale = Scenario(scenario.graph, values, random=scenario.random, loss=scenario.loss,
                     max_paths=scenario.max_paths)
    return stale.adjoint(derivation)
