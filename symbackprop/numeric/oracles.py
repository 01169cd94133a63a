"""Three independent oracles for every gradient the engine produces.

1. :func:`composed_diff`: ``sympy.diff`` of the output with every definition substituted down
   to the leaves (no paths, no textbook forms).
2. Numerical backprop, written apart from the symbolic path machinery:
   :func:`matrix_backprop` for layered networks (delta_L = dL/dyhat J_out,
   delta_l = (W_{l+1}^T delta_{l+1}) * f'(a_l), dL/dW_l = delta_l h_{l-1}^T, in numpy with its own
   activation derivatives: the sweep of :mod:`symbackprop.numeric.layered`) and
   :func:`reverse_sweep` for any DAG (numeric local partials from ``diff`` of each node's own
   definition, accumulated in reverse topological order).

They are independent of the symbolic path machinery by design (they are its correctness
check): none of them reads paths, factors or textbook forms.
3. :func:`finite_difference`: central differences in float64 with Richardson extrapolation.

:func:`gradient_check` runs all of them against the path sum for every parameter.

Examples
--------
>>> from symbackprop.graph.network import LayeredNetwork
>>> net = LayeredNetwork((2, 2, 2), hidden=("sigmoid",), output="sigmoid",
...                      loss="half_squared_error", bias="per_layer", naming="flat")
>>> values = net.values_from_arrays({"x": [0.05, 0.1], "y": [0.01, 0.99],
...     "W1": [[0.15, 0.2], [0.25, 0.3]], "b1": 0.35, "W2": [[0.4, 0.45], [0.5, 0.55]],
...     "b2": 0.6})
>>> round(matrix_backprop(net, values)["w5"], 9)
0.082167041
>>> checks = gradient_check(net.build(), values, network=net)
>>> all(c.agrees for c in checks), len(checks)
(True, 10)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from ..calculus.derivation import derive
from ..calculus.options import DEFAULT_PATH_LIMIT
from ..errors import DomainError, NoPathError, SymbackpropError
from ..graph import precision
from ..graph.computation import ComputationGraph
from ..graph.evaluation import lambdify
from ..graph.network import LayeredNetwork
from ..limits import MAX_COMPOSED_DEPTH, MAX_COMPOSED_WORK, MAX_VERIFY_WORK
from ..naming import symbol
from .layered import layered_sweep

__all__ = [
    "GradientCheck",
    "composed_diff",
    "composed_skip",
    "finite_difference",
    "finite_difference_estimate",
    "gradient_check",
    "matrix_backprop",
    "reverse_sweep",
    "ridders",
    "values_to_check",
]

RELATIVE_TOLERANCE = 1e-8
"""Oracles agree when they are within this relative distance (with an absolute floor)."""
ABSOLUTE_TOLERANCE = 1e-10


def composed_diff(graph: ComputationGraph, wrt: str, of: str | None = None) -> sympy.Expr:
    """``sympy.diff`` of ``of`` (default: the output) composed down to the leaves.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> graph = load_problem("branching_graph").graph        # e = (a + b) * (b + 1)
    >>> composed_diff(graph, "b")
    a + 2*b + 1
    """
    of = graph.output if of is None else of
    if graph.node(wrt).is_leaf:
        return sympy.diff(graph.composed(of), symbol(wrt))
    # An intermediate node: hold it fixed as a fresh leaf, differentiate, substitute back.
    free = sympy.Dummy(wrt, real=True)
    cut = graph.composed_with_cut(of, wrt, free)
    return sympy.diff(cut, free).xreplace({free: graph.composed(wrt)})


# -- numerical backprop for layered networks (matrix form) ------------------------------------

def matrix_backprop(network: LayeredNetwork, values: Mapping[str, float]) -> dict[str, float]:
    """Every parameter's gradient by the vectorised recursion, in numpy.

    The gradients are read off :func:`symbackprop.numeric.layered.layered_sweep` (the one
    layered numpy backprop, which the matrix form shows too): numpy and the network's shape
    only, none of the symbolic path machinery.

    Notes
    -----
    O(sum of |W_l|): one forward and one backward sweep of matrix-vector products.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> grads = matrix_backprop(problem.network, problem.values)
    >>> round(grads["w5"], 10), round(grads["w1"], 10)
    (0.0821670406, 0.0004385677)
    """
    sweep = layered_sweep(network, values)
    gradients: dict[str, float] = {}
    for layer in range(network.depth, 0, -1):
        delta = sweep.deltas[layer - 1]
        weight_gradient = sweep.weight_gradient(layer)
        for row, names in zip(weight_gradient, network.weight_matrix_names(layer), strict=True):
            gradients.update(zip(names, row.tolist(), strict=True))
        for j, d in enumerate(delta, start=1):
            bias = network.bias_name(layer, j)
            if bias is not None:
                gradients[bias] = gradients.get(bias, 0.0) + float(d)
    return gradients


# -- numerical backprop for any DAG ----------------------------------------------------------

def reverse_sweep(graph: ComputationGraph, values: Mapping[str, float],
                  of: str | None = None) -> dict[str, float]:
    """``d of / d n`` for every node ``n``, by one reverse sweep with numeric local partials.

    The local partials are sympy's ``diff`` of each node's own definition, evaluated at the
    forward values: no paths and no textbook forms are involved.

    Notes
    -----
    O(V + E) evaluations after the forward pass.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> problem = load_problem("branching_graph")           # e = (a + b) * (b + 1)
    >>> deltas = reverse_sweep(problem.graph, problem.values)
    >>> deltas["e"], deltas["c"], deltas["d"], deltas["b"]
    (1.0, 2.0, 3.0, 5.0)
    """
    of = graph.output if of is None else of
    node_values = graph.forward(values)
    adjoint = dict.fromkeys(graph.order, 0.0)
    adjoint[of] = 1.0
    for name in reversed(graph.order):
        node = graph.node(name)
        if node.definition is None or adjoint[name] == 0.0:
            continue
        for parent in graph.parents(name):
            partial = sympy.diff(node.definition, symbol(parent))
            try:
                local = graph.evaluate(partial, node_values)
            except (ZeroDivisionError, OverflowError) as err:
                raise DomainError(f"the local partial ∂{name}/∂{parent} = {partial} cannot be "
                                  f"evaluated at these values ({err})") from None
            adjoint[parent] += adjoint[name] * local
    return adjoint


# -- finite differences ------------------------------------------------------------------------

def finite_difference(graph: ComputationGraph, values: Mapping[str, float], wrt: str,
                      of: str | None = None, *, step: float = 1e-2) -> float:
    """Central differences of ``of`` with respect to ``wrt``, extrapolated to step 0 (Ridders'
    method): :func:`finite_difference_estimate` without its error estimate.

    For an intermediate ``wrt`` the node's value is perturbed and everything it feeds is
    recomputed (the other leaves held fixed): the total derivative a claim ``dA/dB`` means.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> round(finite_difference(problem.graph, problem.values, "w5"), 10)
    0.0821670406
    """
    return finite_difference_estimate(graph, values, wrt, of, step=step)[0]


FD_LEVELS = 16
"""Step sizes tried by :func:`finite_difference_estimate`, each 1.4 times smaller (the last
is 1/155 of the first)."""
FD_ORDERS = 6
"""Richardson extrapolations at most of each central difference (orders up to h^12)."""
SETTLED = 1e-6
"""The relative error estimate below which :func:`finite_difference_estimate` may stop."""


def finite_difference_estimate(graph: ComputationGraph, values: Mapping[str, float], wrt: str,
                               of: str | None = None, *, step: float = 1e-2) -> tuple[
                                   float, float]:
    """Central differences extrapolated to step 0, and an estimate of their error.

    Ridders' method (Numerical Recipes' ``dfridr``): central differences ``D(h)`` at steps
    ``h, h/1.4, h/1.4^2, ...`` (from ``h = step``, at most :data:`FD_LEVELS`) fill a Neville
    tableau of Richardson extrapolations (up to :data:`FD_ORDERS` of each); the answer is the
    entry that differs least from its neighbours, that difference its error estimate.  The walk
    stops where a higher order does worse, but only once the estimate has settled below
    :data:`SETTLED` (a first step coarser than the function's scale can look settled by chance
    before that).  The first step is absolute, not relative to ``|x|``: how fast a loss varies
    in a weight has nothing to do with the weight's size (``sigmoid(w x + b)`` at ``w = 100,
    b = -100`` varies on a scale of 1; a step of ``10^-3 |w|`` there is off by 1e-7 relative,
    more than verify tolerates), and each difference is divided by the step the floats really took,
    so a large ``|x|`` costs no accuracy.

    Returns
    -------
    value, error : float
        The derivative, and the estimated absolute error of it.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> value, error = finite_difference_estimate(problem.graph, problem.values, "w5")
    >>> round(value, 10), error < 1e-12
    (0.0821670406, True)
    """
    of = graph.output if of is None else of
    leaf = graph.node(wrt).is_leaf
    x = float(values[wrt]) if leaf else float(graph.forward(values)[wrt])

    def f(at: float) -> Any:
        # a float, or an mpmath number under precision.precise (never rounded: a loss of
        # 2000 must keep its digits)
        if leaf:
            return graph.forward({**values, wrt: at})[of]
        return graph.forward(values, overrides={wrt: at})[of]

    return ridders(f, x, step=step)


def ridders(f: Callable[[float], Any], x: float, *, step: float = 1e-2) -> tuple[float, float]:
    """The derivative of ``f`` at ``x`` by Ridders' method, and an estimate of its error: what
    :func:`finite_difference_estimate` does for one node of a graph, for any function of one
    number (the tensor level's finite differences perturb one entry of a tensor, or move along
    a direction, with it).

    Examples
    --------
    >>> value, error = ridders(math.exp, 0.0)
    >>> round(value, 12), error < 1e-12
    (1.0, True)
    """
    def central(width: float) -> Any:
        up, down = x + width, x - width  # divided by the step the floats really took
        return (f(up) - f(down)) / (up - down)

    shrink, width = 1.4, step
    previous = [central(width)]
    best, error = previous[0], math.inf
    for _ in range(1, FD_LEVELS):
        width /= shrink
        row = [central(width)]
        factor = shrink**2
        for j in range(1, min(len(previous), FD_ORDERS) + 1):
            row.append((row[j - 1] * factor - previous[j - 1]) / (factor - 1.0))
            factor *= shrink**2
            estimate = max(abs(row[j] - row[j - 1]), abs(row[j] - previous[j - 1]))
            if estimate <= error:
                best, error = row[j], estimate
        # Once settled (to 1e-6 relative), stop where a higher order does worse: smaller steps
        # only add rounding noise, whose chance agreements would look like tiny errors.  Not
        # before: a first step coarser than the function's scale looks settled too early.
        if error <= SETTLED * abs(best) and abs(row[-1] - previous[-1]) >= 2.0 * error:
            break
        previous = row
    return best, float(error)


# -- all of them -----------------------------------------------------------------------------

@dataclass(frozen=True)
class GradientCheck:
    """One parameter's gradient by every method, and whether they agree.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> problem = load_problem("branching_graph")
    >>> [check] = gradient_check(problem.graph, problem.values, wrt=["b"])
    >>> check.path_sum, check.composed, round(check.finite_difference, 6), check.agrees
    (5.0, 5.0, 5.0, True)
    """

    wrt: str
    path_sum: float
    composed: float | None
    backprop: float
    matrix: float | None
    finite_difference: float
    fd_tolerance: float
    fd_error: float = 0.0
    """The finite difference's own error estimate (:func:`finite_difference_estimate`)."""

    @property
    def exact(self) -> list[float]:
        """The values that must agree to rounding error."""
        return [v for v in (self.path_sum, self.composed, self.backprop, self.matrix)
                if v is not None]

    @property
    def agrees(self) -> bool:
        scale = max(abs(v) for v in [*self.exact, self.finite_difference])
        exact_ok = max(self.exact) - min(self.exact) <= RELATIVE_TOLERANCE * scale + \
            ABSOLUTE_TOLERANCE
        # within the tolerance, or within twice the finite difference's own error estimate
        # where that is larger (a function that varies fast next to a large weight)
        fd_ok = abs(self.finite_difference - self.path_sum) <= max(
            self.fd_tolerance * scale, 2.0 * self.fd_error) + ABSOLUTE_TOLERANCE
        return exact_ok and fd_ok

    def __repr__(self) -> str:
        mark = "agrees" if self.agrees else "DISAGREES"
        return f"GradientCheck({self.wrt}: {self.path_sum:.10g}, {mark})"


def gradient_check(
    graph: ComputationGraph,
    values: Mapping[str, float],
    *,
    network: LayeredNetwork | None = None,
    wrt: Sequence[str] | None = None,
    composed: bool = True,
    fd_tolerance: float = RELATIVE_TOLERANCE,
) -> list[GradientCheck]:
    """Compare the path sum with every oracle, for each parameter (or each name in ``wrt``).

    ``composed=False`` skips the ``sympy.diff`` oracle (slow for deep networks: see
    :func:`composed_skip`).  A parameter with no path to the output has a gradient of 0 by
    every method.

    Raises
    ------
    SymbackpropError
        Before any work, when the parameters to check times the nodes of the graph exceed
        :data:`symbackprop.limits.MAX_VERIFY_WORK`.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> gradient_check(problem.graph, problem.values, network=problem.network, wrt=["w5", "w1"])
    [GradientCheck(w5: 0.08216704056, agrees), GradientCheck(w1: 0.0004385677345, agrees)]
    """
    names = list(graph.parameters if wrt is None else wrt)
    MAX_VERIFY_WORK.check(len(names) * len(graph), "verify",
                          f"(= {len(names):,} parameters × {len(graph):,} nodes)",
                          error=SymbackpropError)
    # float64, or 50 digits where a probability underflows (see precision.stable)
    return precision.stable(
        lambda: _checks(graph, values, network, names, composed, fd_tolerance),
        lambda checks: [v for c in checks for v in (*c.exact, c.finite_difference)])


def _checks(graph: ComputationGraph, values: Mapping[str, float],
            network: LayeredNetwork | None, names: list[str], composed: bool,
            fd_tolerance: float) -> list[GradientCheck]:
    sweep = reverse_sweep(graph, values)
    by_matrix = matrix_backprop(network, values) if network is not None else {}
    leaf_values: dict[str, Any] = {**graph.constants, **values}
    checks = []
    for name in names:
        try:
            derivation = derive(graph, name, values=values, max_paths=DEFAULT_PATH_LIMIT)
        except NoPathError:  # no path: a gradient of 0, as every command gives it
            path_sum = 0.0
        else:
            if derivation.value is None:
                missing = ", ".join(graph.missing_values(values))
                raise SymbackpropError(f"d{graph.output}/d{name} cannot be checked: no value "
                                       f"for {missing}")
            path_sum = float(derivation.value)
        composed_value = None
        if composed:
            composed_value = graph.evaluate(composed_diff(graph, name), leaf_values)
        fd, fd_error = finite_difference_estimate(graph, values, name)
        checks.append(GradientCheck(
            name, path_sum, composed_value, sweep[name],
            by_matrix.get(name), fd, fd_tolerance, fd_error,
        ))
    return checks


def composed_skip(graph: ComputationGraph, names: Sequence[str]) -> str | None:
    """Why verify skips the ``sympy.diff`` oracle for ``names``, or ``None`` when it runs it.

    Its cost is estimated as the parameters checked times the nodes of the composed output
    (every definition substituted, a shared subexpression counted each time it occurs, as
    ``diff`` walks it; counted on the graph, nothing composed): above
    :data:`~symbackprop.limits.MAX_COMPOSED_WORK` the oracle is skipped and the others run.

    Examples
    --------
    >>> import os
    >>> from symbackprop import load_problem
    >>> graph = load_problem("padhai_4_4_2").graph
    >>> composed_skip(graph, graph.parameters) is None
    True
    >>> os.environ["SYMBACKPROP_MAX_COMPOSED_WORK"] = "1000"
    >>> print(composed_skip(graph, graph.parameters))
    sympy.diff skipped: its estimated cost, 24 parameters × 417 nodes of the composed L = \
10,008, is more than the limit of 1,000; to raise it, set SYMBACKPROP_MAX_COMPOSED_WORK
    >>> del os.environ["SYMBACKPROP_MAX_COMPOSED_WORK"]

    Its cost also grows exponentially with the depth of the composed output (``diff`` of
    functions nested ``D`` deep, compiled: a tanh chain 10 deep takes half a minute, 40 deep
    hours, 150 deep is past Python's recursion limit): above
    :data:`~symbackprop.limits.MAX_COMPOSED_DEPTH` edges on the longest path from a leaf to the
    output, the oracle is skipped too.

    >>> chain = load_problem("sigmoid_chain").graph
    >>> os.environ["SYMBACKPROP_MAX_COMPOSED_DEPTH"] = "3"
    >>> print(composed_skip(chain, ["w3"]))
    sympy.diff skipped: the composed L is 7 deep (edges on its longest path from a leaf), more \
than the limit of 3; sympy's work grows exponentially with the depth; to raise it, set \
SYMBACKPROP_MAX_COMPOSED_DEPTH
    >>> del os.environ["SYMBACKPROP_MAX_COMPOSED_DEPTH"]

    Notes
    -----
    O(V + E): the depth is found by dynamic programming over the topological order, the size
    without composing anything.
    """
    depth = _depth(graph)
    if depth > MAX_COMPOSED_DEPTH.value():
        return (f"sympy.diff skipped: the composed {graph.output} is {depth:,} deep (edges on "
                f"its longest path from a leaf), more than the limit of "
                f"{MAX_COMPOSED_DEPTH.value():,}; sympy's work grows exponentially with the "
                f"depth; {MAX_COMPOSED_DEPTH.how_to_raise()}")
    size = graph.leaves_size(symbol(graph.output))
    work = len(names) * size
    if work <= MAX_COMPOSED_WORK.value():
        return None
    return (f"sympy.diff skipped: its estimated cost, {len(names):,} parameters × {size:,} "
            f"nodes of the composed {graph.output} = {work:,}, is more than the limit of "
            f"{MAX_COMPOSED_WORK.value():,}; {MAX_COMPOSED_WORK.how_to_raise()}")


def _depth(graph: ComputationGraph) -> int:
    """Edges on the longest path from a leaf to the output."""
    depth: dict[str, int] = {}
    for name in graph.order:
        parents = graph.parents(name)
        depth[name] = 1 + max(depth[p] for p in parents) if parents else 0
    return depth[graph.output]


def lambdified_gradient(graph: ComputationGraph, wrt: str) -> Callable[..., Any]:
    """The composed ``sympy.diff`` oracle as a numpy function of the leaves (sorted by name).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> graph = load_problem("branching_graph").graph     # e = (a + b) * (b + 1)
    >>> sorted(graph.leaves)
    ['a', 'b']
    >>> lambdified_gradient(graph, "b")(2.0, 1.0)          # de/db = 2b + a + 1
    5.0
    """
    expr = composed_diff(graph, wrt)
    return lambdify([symbol(n) for n in sorted(graph.leaves)], expr)


def values_to_check(graph: ComputationGraph, values: Mapping[str, float], *,
                    seed: int) -> tuple[dict[str, float], list[str]]:
    """``values``, with seeded random values in [0.1, 0.9] for the leaves (and constants) they
    leave symbolic, and the names of those: the point ``verify`` checks the gradients at.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> graph = load_problem("branching_graph").graph
    >>> values, randomised = values_to_check(graph, {"a": 2.0}, seed=1)
    >>> randomised, values["a"], 0.1 <= values["b"] <= 0.9
    (['b'], 2.0, True)
    """
    missing = graph.missing_values(values)
    rng = np.random.default_rng(seed)
    checked = dict(values)
    for name in missing:
        checked[name] = float(rng.uniform(0.1, 0.9))
    return checked, missing
