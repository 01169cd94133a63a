r"""The matrix (vectorised) form of one weight's gradient on a layered network: the numbers.

.. math::

    \delta_L = J_{f_L}(a_L)^\top \nabla_{\hat y} L, \qquad
    \delta_l = (W_{l+1}^\top \delta_{l+1}) \odot f_l'(a_l), \qquad
    \frac{\partial L}{\partial W_l} = \delta_l\, h_{l-1}^\top .

:func:`matrix_form` takes every layer's vectors from the layered numpy backprop
(:func:`symbackprop.numeric.layered.layered_sweep`, the sweep the oracle
:func:`symbackprop.numeric.oracles.matrix_backprop` reads too), apart from the path sum, picks
the entry of the chosen weight, and checks, symbolically, that the entry written through the
recursion in node symbols expands to the derivation's sum over paths.  The renderers
(:mod:`symbackprop.render.matrix`) only typeset a :class:`MatrixForm`.

Examples
--------
>>> from symbackprop import derive, load_problem
>>> problem = load_problem("mazur_2_2_2")
>>> matrix_form(problem.network, derive(problem.graph, "w1", values=problem.values))
MatrixForm(w1 = (delta_1)_1 (h_0)_1 = 0.0004385677345, path sum 0.0004385677345)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from ..calculus.derivation import Derivation
from ..errors import SymbackpropError
from ..graph.network import LayeredNetwork
from ..naming import symbol
from .layered import activation_jacobian, layered_sweep
from .oracles import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE

__all__ = ["LayerStep", "MatrixForm", "matrix_form"]


@dataclass(frozen=True)
class LayerStep:
    """One layer of the forward and backward sweeps (numpy arrays, 0-based indices).

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> problem = load_problem("padhai_4_4_2")               # softmax output layer
    >>> form = matrix_form(problem.network, derive(problem.graph, "w212", values=problem.values))
    >>> [(step.layer, step.elementwise) for step in form.steps]
    [(1, True), (2, False)]
    >>> form.steps[1].delta.round(6)                        # dL/da2
    array([-0.162527,  0.162527])
    """

    layer: int
    weights: np.ndarray
    pre: np.ndarray
    out: np.ndarray
    jacobian: np.ndarray
    """``d h_l / d a_l``: diagonal for an element-wise activation, full for a softmax."""
    delta: np.ndarray
    """``dL/da_l``."""
    weight_gradient: np.ndarray
    """``delta_l h_{l-1}^T``."""
    upstream: np.ndarray
    """``dL/dh_l``: ``W_{l+1}^T delta_{l+1}`` (the loss gradient for the last layer)."""

    @property
    def elementwise(self) -> bool:
        off = self.jacobian - np.diag(np.diag(self.jacobian))
        return bool(np.all(off == 0.0))


@dataclass(frozen=True)
class MatrixForm:
    """The vectorised derivation of one weight's (or bias's) gradient.

    Attributes
    ----------
    layer, row, column : int
        The parameter's place: ``W_layer[row, column]`` (1-based); ``column`` is ``None`` for
        a bias.
    steps : tuple of LayerStep
        Layers ``1 .. L`` (index ``layer - 1``).
    entry : float
        The gradient read from the matrices.
    path_sum : float or None
        The derivation's value (the sum over paths), to compare with.
    symbolic : sympy.Expr
        The entry through the recursion, in node symbols (``delta`` written out).
    symbolic_agrees : bool
        Whether :attr:`symbolic` expands to the derivation's sum over paths.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> form = matrix_form(problem.network, derive(problem.graph, "w5", values=problem.values))
    >>> form
    MatrixForm(w5 = (delta_2)_1 (h_1)_1 = 0.08216704056, path sum 0.08216704056)
    >>> (form.layer, form.row, form.column), form.agrees
    ((2, 1, 1), True)
    >>> form.symbolic
    h11*yhat1*(1 - yhat1)*(-y1 + yhat1)
    """

    network: LayeredNetwork
    derivation: Derivation
    layer: int
    row: int
    column: int | None
    x: np.ndarray
    y: np.ndarray
    loss_gradient: np.ndarray
    steps: tuple[LayerStep, ...]
    entry: float
    symbolic: sympy.Expr
    symbolic_agrees: bool

    @property
    def wrt(self) -> str:
        return self.derivation.wrt

    @property
    def path_sum(self) -> float | None:
        return self.derivation.value

    @property
    def agrees(self) -> bool | None:
        """Whether the matrix entry equals the path sum (to rounding), when values are known."""
        if self.path_sum is None:
            return None
        scale = max(abs(self.entry), abs(self.path_sum))
        return abs(self.entry - self.path_sum) <= RELATIVE_TOLERANCE * scale + ABSOLUTE_TOLERANCE

    def activation(self, layer: int) -> np.ndarray:
        """``h_layer`` (``x`` for layer 0)."""
        return self.x if layer == 0 else self.steps[layer - 1].out

    def __repr__(self) -> str:
        where = f"(h_{self.layer - 1})_{self.column}" if self.column else "1"
        path = "" if self.path_sum is None else f", path sum {self.path_sum:.10g}"
        return (f"MatrixForm({self.wrt} = (delta_{self.layer})_{self.row} {where} = "
                f"{self.entry:.10g}{path})")


def _locate(network: LayeredNetwork, name: str) -> tuple[int, int, int | None]:
    for layer in range(1, network.depth + 1):
        for j, row in enumerate(network.weight_matrix_names(layer), start=1):
            if name in row:
                return layer, j, row.index(name) + 1
        for j in range(1, network.layers[layer] + 1):
            if network.bias_name(layer, j) == name:
                return layer, j, None
    raise SymbackpropError(
        f"the matrix form is for the weights and biases of a layered network; {name!r} is "
        f"not one (try one of {', '.join(network.parameter_names()[:4])}, ...)")


def matrix_form(network: LayeredNetwork, derivation: Derivation) -> MatrixForm:
    """The matrix form of ``derivation`` (a weight's or bias's gradient) on ``network``.

    Raises
    ------
    SymbackpropError
        When the derivation is not of the loss with respect to a parameter, or its values are
        not known.

    Notes
    -----
    One forward and one backward sweep of matrix-vector products, O(sum of |W_l|); the
    symbolic check expands the recursion for one entry (its size is the number of paths).

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> form = matrix_form(problem.network, derive(problem.graph, "w1", values=problem.values))
    >>> form.steps[0].weight_gradient.round(7)                 # dL/dW1 = delta_1 x^T
    array([[0.0004386, 0.0008771],
           [0.0004977, 0.0009954]])
    >>> bool(form.entry == form.steps[0].weight_gradient[0, 0]), form.symbolic_agrees
    (True, True)
    """
    d = derivation
    if d.of != d.graph.output:
        raise SymbackpropError(f"the matrix form is for d{d.graph.output}/dW; got "
                               f"d{d.of}/d{d.wrt}")
    layer, row, column = _locate(network, d.wrt)
    if d.values is None:
        raise SymbackpropError("the matrix form needs numbers: give every input, target and "
                               "parameter a value in [values]")
    sweep = layered_sweep(network, d.values)
    steps = [LayerStep(n, sweep.weights(n), sweep.pre[n - 1], sweep.out[n - 1],
                       activation_jacobian(network, n, sweep.pre[n - 1], sweep.out[n - 1]),
                       sweep.deltas[n - 1], sweep.weight_gradient(n), sweep.upstream[n - 1])
             for n in range(1, network.depth + 1)]
    delta = steps[layer - 1].delta
    if column is None:
        entry = float(delta[row - 1]) if network.bias == "per_neuron" else float(delta.sum())
    else:
        entry = float(steps[layer - 1].weight_gradient[row - 1, column - 1])
    symbolic = _symbolic_entry(network, d, layer, row, column)
    agrees = sympy.expand(symbolic - d.expression) == 0
    return MatrixForm(network, d, layer, row, column, sweep.arrays["x"], sweep.arrays["y"],
                      sweep.loss_gradient, tuple(steps), entry, symbolic, bool(agrees))


def _symbolic_deltas(network: LayeredNetwork, d: Derivation, down_to: int) -> dict[
        tuple[int, int], sympy.Expr]:
    """``delta_{l,j}`` in node symbols for the layers ``L .. down_to`` (the recursion)."""
    graph, names = d.graph, network.names
    depth = network.depth
    deltas: dict[tuple[int, int], sympy.Expr] = {}
    for j in range(1, network.layers[depth] + 1):
        a = names.pre_activation(depth, j)
        deltas[depth, j] = sympy.Add(*(
            graph.local_partial(a, yk) * graph.local_partial(yk, graph.output)
            for yk in graph.children(a)))
    for n in range(depth - 1, down_to - 1, -1):
        for j in range(1, network.layers[n] + 1):
            a, h = names.pre_activation(n, j), network.neuron_name(n, j)
            back = sympy.Add(*(
                graph.local_partial(h, names.pre_activation(n + 1, i)) * deltas[n + 1, i]
                for i in range(1, network.layers[n + 1] + 1)))
            deltas[n, j] = graph.local_partial(a, h) * back
    return deltas


def _symbolic_entry(network: LayeredNetwork, d: Derivation, layer: int, row: int,
                    column: int | None) -> sympy.Expr:
    deltas = _symbolic_deltas(network, d, layer)
    if column is None:
        rows = [row] if network.bias == "per_neuron" else range(1, network.layers[layer] + 1)
        return sympy.Add(*(deltas[layer, j] for j in rows))
    return deltas[layer, row] * symbol(network.neuron_name(layer - 1, column))
