r"""The layered (matrix) backprop in numpy: one forward and one backward sweep, every layer kept.

.. math::

    \delta_L = J_{f_L}(a_L)^\top \nabla_{\hat y} L, \qquad
    \delta_l = J_{f_l}(a_l)^\top (W_{l+1}^\top \delta_{l+1}), \qquad
    \frac{\partial L}{\partial W_l} = \delta_l\, h_{l-1}^\top .

:func:`layered_sweep` returns every layer's pre-activation, activation, upstream vector and
delta (a :class:`LayeredSweep`).  It is the one numeric layered backprop of the package: the
oracle :func:`symbackprop.numeric.oracles.matrix_backprop` reads the gradients off it, and the
matrix form (:func:`symbackprop.numeric.matrix.matrix_form`) shows its vectors.

It uses numpy and the network's shape only (its own activation functions and their
derivatives, :func:`activate` and :func:`jacobian_transpose_times`, and the loss gradients of
:func:`loss_gradient`): nothing of the symbolic path machinery, so that it stays an
independent check of it.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> problem = load_problem("mazur_2_2_2")
>>> sweep = layered_sweep(problem.network, problem.values)
>>> sweep.depth, sweep.deltas[1].round(6)                  # delta_2 = dL/da_2
(2, array([ 0.138499, -0.038098]))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np

from ..graph.network import LayeredNetwork, matrices

__all__ = ["LayeredSweep", "activate", "activation_jacobian", "jacobian_transpose_times",
           "layered_sweep", "loss_gradient"]


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))


_FORWARD: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda a: a,
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "relu": lambda a: np.maximum(a, 0.0),
    "softplus": lambda a: np.logaddexp(0.0, a),
}
_DERIVATIVE: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "identity": lambda a, h: np.ones_like(a),
    "sigmoid": lambda a, h: h * (1.0 - h),
    "tanh": lambda a, h: 1.0 - h * h,
    "relu": lambda a, h: (a > 0).astype(float),
    "softplus": lambda a, h: _sigmoid(a),
}


def activate(network: LayeredNetwork, layer: int, a: np.ndarray) -> np.ndarray:
    """``h_layer = f_layer(a)``: the activation of ``layer`` applied to its pre-activation.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> network = load_problem("padhai_4_4_2").network           # softmax output layer
    >>> activate(network, 2, np.array([0.0, np.log(3.0)])).round(6)
    array([0.25, 0.75])
    """
    name = network.activation_name(layer)
    if name == "softmax":
        e = np.exp(a - a.max())
        return e / e.sum()
    if name == "leaky_relu":
        return np.where(a > 0, a, network.slopes.get(layer, 0.01) * a)
    return _FORWARD[name](a)


def jacobian_transpose_times(network: LayeredNetwork, layer: int, a: np.ndarray, h: np.ndarray,
                             upstream: np.ndarray) -> np.ndarray:
    """``J_f(a)^T @ upstream`` for the activation ``f`` of ``layer`` (``h = f(a)``).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> network = load_problem("mazur_2_2_2").network            # sigmoid: f' = h (1 - h)
    >>> a = np.array([0.0, 0.0])
    >>> jacobian_transpose_times(network, 1, a, activate(network, 1, a), np.array([1.0, 2.0]))
    array([0.25, 0.5 ])
    """
    name = network.activation_name(layer)
    if name == "softmax":
        jacobian = np.diag(h) - np.outer(h, h)
        return jacobian.T @ upstream
    if name == "leaky_relu":
        return np.where(a > 0, 1.0, network.slopes.get(layer, 0.01)) * upstream
    return _DERIVATIVE[name](a, h) * upstream


def activation_jacobian(network: LayeredNetwork, layer: int, a: np.ndarray,
                        h: np.ndarray) -> np.ndarray:
    """``d h_layer / d a_layer`` as a matrix: diagonal for an element-wise activation, full for
    a softmax (column by column from :func:`jacobian_transpose_times`).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> network = load_problem("mazur_2_2_2").network
    >>> a = np.array([0.0, 0.0])
    >>> activation_jacobian(network, 1, a, activate(network, 1, a))
    array([[0.25, 0.  ],
           [0.  , 0.25]])
    """
    identity = np.eye(len(a))
    jacobian_t = np.column_stack([jacobian_transpose_times(network, layer, a, h, identity[:, i])
                                  for i in range(len(a))])
    return jacobian_t.T


def loss_gradient(loss: str, y: np.ndarray, yhat: np.ndarray) -> np.ndarray:
    r"""``\nabla_{\hat y} L`` for the network's loss ``loss`` at target ``y`` and output ``yhat``.

    Examples
    --------
    >>> loss_gradient("half_squared_error", np.array([0.0, 1.0]), np.array([0.25, 0.5]))
    array([ 0.25, -0.5 ])
    """
    m = len(y)
    return {
        "squared_error": lambda: 2.0 * (yhat - y),
        "half_squared_error": lambda: yhat - y,
        "mean_squared_error": lambda: 2.0 * (yhat - y) / m,
        "cross_entropy": lambda: -y / yhat,
        "binary_cross_entropy": lambda: -y / yhat + (1.0 - y) / (1.0 - yhat),
    }[loss]()


@dataclass(frozen=True)
class LayeredSweep:
    """Every layer's vectors from one forward and one backward sweep (index ``layer - 1``).

    Attributes
    ----------
    arrays : dict of str to numpy.ndarray
        ``x``, ``y``, ``W{l}``, ``b{l}`` (from :func:`symbackprop.graph.network.matrices`).
    pre, out : tuple of numpy.ndarray
        ``a_l`` and ``h_l`` for the layers ``1 .. L``.
    loss_gradient : numpy.ndarray
        The gradient of the loss by the output ``h_L``.
    upstream : tuple of numpy.ndarray
        ``dL/dh_l``: the loss gradient for the last layer, ``W_{l+1}^T delta_{l+1}`` below it.
    deltas : tuple of numpy.ndarray
        ``delta_l = dL/da_l``.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> sweep = layered_sweep(problem.network, problem.values)
    >>> sweep
    LayeredSweep(2 layers: 2 -> 2 -> 2)
    >>> sweep.activation(0)
    array([0.05, 0.1 ])
    >>> sweep.weight_gradient(2).round(5)                      # delta_2 h_1^T
    array([[ 0.08217,  0.08267],
           [-0.0226 , -0.02274]])
    """

    network: LayeredNetwork
    arrays: dict[str, np.ndarray]
    pre: tuple[np.ndarray, ...]
    out: tuple[np.ndarray, ...]
    loss_gradient: np.ndarray
    upstream: tuple[np.ndarray, ...]
    deltas: tuple[np.ndarray, ...]

    @property
    def depth(self) -> int:
        return len(self.pre)

    def weights(self, layer: int) -> np.ndarray:
        """``W_layer``."""
        return self.arrays[f"W{layer}"]

    def activation(self, layer: int) -> np.ndarray:
        """``h_layer`` (``x`` for layer 0)."""
        return self.arrays["x"] if layer == 0 else self.out[layer - 1]

    def weight_gradient(self, layer: int) -> np.ndarray:
        """``dL/dW_layer = delta_layer h_{layer-1}^T``."""
        return np.outer(self.deltas[layer - 1], self.activation(layer - 1))

    def __repr__(self) -> str:
        shape = " -> ".join(str(n) for n in self.network.layers)
        return f"LayeredSweep({self.depth} layers: {shape})"


_COMBINED: dict[tuple[str, str], Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    # the output layer's delta dL/da for a loss and output activation whose product cancels
    ("softmax", "cross_entropy"): lambda y, yhat: yhat * y.sum() - y,
    ("sigmoid", "binary_cross_entropy"): lambda y, yhat: yhat - y,
    ("sigmoid", "cross_entropy"): lambda y, yhat: -y * (1.0 - yhat),
}


def layered_sweep(network: LayeredNetwork, values: Mapping[str, float]) -> LayeredSweep:
    """The forward and backward sweeps of ``network`` at ``values``, every layer kept.

    Notes
    -----
    O(sum of |W_l|): one forward and one backward sweep of matrix-vector products.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> sweep = layered_sweep(problem.network, problem.values)
    >>> sweep.out[-1].round(6), sweep.loss_gradient.round(6)     # yhat, yhat - y
    (array([0.751365, 0.772928]), array([ 0.741365, -0.217072]))
    """
    arrays = matrices(network, values)
    outs = [arrays["x"]]
    pres: list[np.ndarray] = [np.empty(0)]
    for layer in range(1, network.depth + 1):
        pres.append(arrays[f"W{layer}"] @ outs[-1] + arrays[f"b{layer}"])
        outs.append(activate(network, layer, pres[-1]))
    output = network.activation_name(network.depth)
    combined = _COMBINED.get((output, network.loss))
    with np.errstate(divide="ignore", invalid="ignore") if combined else nullcontext():
        gradient = loss_gradient(network.loss, arrays["y"], outs[-1])
    upstream, deltas = [gradient], []
    for layer in range(network.depth, 0, -1):
        if layer == network.depth and combined is not None:
            # -y/yhat times yhat(1 - yhat), cancelled: finite when yhat underflows to 0
            deltas.append(combined(arrays["y"], outs[-1]))
        else:
            deltas.append(jacobian_transpose_times(network, layer, pres[layer], outs[layer],
                                                   upstream[-1]))
        if layer > 1:
            upstream.append(arrays[f"W{layer}"].T @ deltas[-1])
    return LayeredSweep(network, arrays, tuple(pres[1:]), tuple(outs[1:]), gradient,
                        tuple(reversed(upstream)), tuple(reversed(deltas)))
