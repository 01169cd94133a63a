"""One table of activations and losses, each with its textbook derivative.

An activation maps a pre-activation ``a`` to an activation ``h``; its textbook derivative is
written in terms of the output symbol where a textbook does (``sigmoid' = h (1 - h)``,
``tanh' = 1 - h^2``).  A loss maps targets ``y`` and outputs ``yhat`` to a number; its textbook
partial with respect to one output is written in ``y_j`` and ``yhat_j``.  ``tests/test_registry``
proves every entry equal to sympy's own ``diff``.

Examples
--------
>>> import sympy
>>> a, h = sympy.symbols("a h", real=True)
>>> ACTIVATIONS["sigmoid"].derivative(h, a)
h*(1 - h)
>>> y, yhat = sympy.symbols("y yhat", real=True)
>>> LOSSES["half_squared_error"].derivative(y, yhat, 1)
-y + yhat
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import sympy

from .functions import leaky_relu, relu, sigmoid, softplus

__all__ = [
    "ACTIVATIONS",
    "ACTIVATION_ALIASES",
    "LOSSES",
    "LOSS_ALIASES",
    "LOSS_LOOKALIKES",
    "SOFTMAX_DEFINITION",
    "Activation",
    "Loss",
    "activation",
    "softmax",
    "softmax_partial",
]

Expr: TypeAlias = sympy.Expr


@dataclass(frozen=True)
class Activation:
    """An element-wise activation function with its textbook derivative.

    Attributes
    ----------
    name : str
        The name used in problem files.
    function : callable
        ``function(a)`` is the sympy expression of the activation of ``a``.
    derivative : callable
        ``derivative(h, a)`` is ``dh/da`` written as a textbook does, in the output ``h`` where
        that is the custom (``h (1 - h)`` for the sigmoid) and in ``a`` otherwise.
    formula : str
        The derivative in words, for documentation.
    definition : str
        The function in LaTeX, ``h`` of ``a`` (a handout states it).

    Examples
    --------
    >>> import sympy
    >>> a, h = sympy.symbols("a h", real=True)
    >>> tanh = ACTIVATIONS["tanh"]
    >>> tanh
    Activation('tanh', derivative: 1 - h^2)
    >>> tanh.function(a), tanh.derivative(h, a)
    (tanh(a), 1 - h**2)
    """

    name: str
    function: Callable[[Expr], Expr]
    derivative: Callable[[Expr, Expr], Expr]
    formula: str
    definition: str = ""

    def __repr__(self) -> str:
        return f"Activation({self.name!r}, derivative: {self.formula})"


@dataclass(frozen=True)
class Loss:
    """A loss over targets ``y`` and outputs ``yhat`` with its textbook partial derivative.

    ``function(ys, yhats)`` is the loss; ``derivative(y_j, yhat_j, m)`` is ``dL/dyhat_j`` for a
    network with ``m`` outputs; ``definition`` is the loss in LaTeX (a handout states it).

    Examples
    --------
    >>> import sympy
    >>> y1, y2, yhat1, yhat2 = sympy.symbols("y1 y2 yhat1 yhat2", real=True)
    >>> loss = LOSSES["cross_entropy"]
    >>> loss
    Loss('cross_entropy', dL/dyhat_j: -y_j / yhat_j)
    >>> loss.function([y1, y2], [yhat1, yhat2]), loss.derivative(y1, yhat1, 2)
    (-y1*log(yhat1) - y2*log(yhat2), -y1/yhat1)
    """

    name: str
    function: Callable[[Sequence[Expr], Sequence[Expr]], Expr]
    derivative: Callable[[Expr, Expr, int], Expr]
    formula: str
    definition: str = ""

    def __repr__(self) -> str:
        return f"Loss({self.name!r}, dL/dyhat_j: {self.formula})"


def _leaky(slope: Expr) -> Activation:
    return Activation(
        "leaky_relu",
        lambda a: leaky_relu(a, slope),
        lambda h, a: sympy.Piecewise((1, a > 0), (slope, True)),
        f"1 if a > 0 else {slope}",
        rf"h = a \text{{ if }} a > 0 \text{{, else }} h = {float(slope):g}\, a",
    )


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", lambda a: a, lambda h, a: sympy.S.One, "1", "h = a"),
    "sigmoid": Activation("sigmoid", sigmoid, lambda h, a: h * (1 - h), "h (1 - h)",
                          r"h = \sigma(a) = \frac{1}{1 + e^{-a}}"),
    "tanh": Activation("tanh", sympy.tanh, lambda h, a: 1 - h**2, "1 - h^2", r"h = \tanh a"),
    "relu": Activation("relu", relu, lambda h, a: sympy.Heaviside(a, 0), "1 if a > 0 else 0",
                       r"h = \max(a, 0)"),
    "leaky_relu": _leaky(sympy.Rational(1, 100)),
    "softplus": Activation("softplus", softplus, lambda h, a: sigmoid(a), "sigmoid(a)",
                           r"h = \log\left(1 + e^{a}\right)"),
}
"""Element-wise activations by name. ``softmax`` couples its outputs: see :func:`softmax`."""

ACTIVATION_ALIASES = {"linear": "identity", "logistic": "sigmoid"}
"""Other names of activations, as other libraries write them: Keras's ``linear`` and
scikit-learn's ``logistic``."""
OUTPUT_ONLY = ("softmax",)
SOFTMAX_DEFINITION = r"\hat{y}_j = \frac{e^{a_j}}{\sum_k e^{a_k}}"
"""The softmax in LaTeX, as :attr:`Activation.definition` states an activation."""


def activation(name: str, slope: Expr | float | None = None) -> Activation:
    """The activation called ``name`` (aliases resolved; ``slope`` for ``leaky_relu``).

    Examples
    --------
    >>> activation("linear").name
    'identity'
    >>> activation("leaky_relu", slope=0.2).formula
    '1 if a > 0 else 1/5'
    """
    name = ACTIVATION_ALIASES.get(name, name)
    if name == "leaky_relu" and slope is not None:
        return _leaky(sympy.nsimplify(slope, rational=True))
    return ACTIVATIONS[name]


def softmax(pre_activations: Sequence[Expr], i: int) -> Expr:
    """Output ``i`` (0-based) of the softmax of ``pre_activations``.

    Examples
    --------
    >>> import sympy
    >>> a1, a2 = sympy.symbols("a1 a2", real=True)
    >>> softmax([a1, a2], 0)
    exp(a1)/(exp(a1) + exp(a2))
    """
    return sympy.exp(pre_activations[i]) / sympy.Add(*(sympy.exp(a) for a in pre_activations))


def softmax_partial(outputs: Sequence[Expr], i: int, j: int) -> Expr:
    r"""``d yhat_i / d a_j`` of a softmax, written :math:`\hat y_i(\delta_{ij} - \hat y_j)`.

    Examples
    --------
    >>> import sympy
    >>> y1, y2 = sympy.symbols("yhat1 yhat2", real=True)
    >>> softmax_partial([y1, y2], 0, 0), softmax_partial([y1, y2], 0, 1)
    (yhat1*(1 - yhat1), -yhat1*yhat2)
    """
    return outputs[i] * ((1 if i == j else 0) - outputs[j])


LOSSES: dict[str, Loss] = {
    "squared_error": Loss(
        "squared_error",
        lambda ys, yhats: sympy.Add(*((y - yh) ** 2 for y, yh in zip(ys, yhats, strict=True))),
        lambda y, yhat, m: -2 * (y - yhat),
        "-2 (y_j - yhat_j)",
        r"\mathcal{L} = \sum_j (y_j - \hat{y}_j)^2",
    ),
    "half_squared_error": Loss(
        "half_squared_error",
        lambda ys, yhats: sympy.Rational(1, 2)
        * sympy.Add(*((y - yh) ** 2 for y, yh in zip(ys, yhats, strict=True))),
        lambda y, yhat, m: -(y - yhat),
        "-(y_j - yhat_j)",
        r"\mathcal{L} = \frac{1}{2} \sum_j (y_j - \hat{y}_j)^2",
    ),
    "mean_squared_error": Loss(
        "mean_squared_error",
        lambda ys, yhats: sympy.Rational(1, len(ys))
        * sympy.Add(*((y - yh) ** 2 for y, yh in zip(ys, yhats, strict=True))),
        lambda y, yhat, m: sympy.Rational(-2, m) * (y - yhat),
        "-(2/m) (y_j - yhat_j)",
        r"\mathcal{L} = \frac{1}{m} \sum_j (y_j - \hat{y}_j)^2",
    ),
    "cross_entropy": Loss(
        "cross_entropy",
        lambda ys, yhats: -sympy.Add(
            *(y * sympy.log(yh) for y, yh in zip(ys, yhats, strict=True))
        ),
        lambda y, yhat, m: -y / yhat,
        "-y_j / yhat_j",
        r"\mathcal{L} = -\sum_j y_j \log \hat{y}_j",
    ),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy",
        lambda ys, yhats: -sympy.Add(
            *(
                y * sympy.log(yh) + (1 - y) * sympy.log(1 - yh)
                for y, yh in zip(ys, yhats, strict=True)
            )
        ),
        lambda y, yhat, m: -y / yhat + (1 - y) / (1 - yhat),
        "-y_j / yhat_j + (1 - y_j) / (1 - yhat_j)",
        r"\mathcal{L} = -\sum_j \left(y_j \log \hat{y}_j + (1 - y_j) \log(1 - \hat{y}_j)"
        r"\right)",
    ),
}
"""Losses by name (docs/reference/problem-files.md)."""

LOSS_ALIASES = {"mse": "mean_squared_error", "mse_loss": "mean_squared_error",
                "categorical_crossentropy": "cross_entropy"}
"""Other names of losses that mean the same function: Keras's ``mse`` and PyTorch's
``mse_loss`` (``MSELoss``; both the mean over the outputs), Keras's ``categorical_crossentropy``
(of probabilities, summed over the classes)."""

_AVERAGED = ("binary_cross_entropy sums over the outputs, where PyTorch's BCELoss and Keras's "
             "binary_crossentropy average them (the same for one output): write "
             "loss = \"binary_cross_entropy\"")
_LOGITS = ("cross_entropy takes probabilities (a softmax output layer), where PyTorch's "
           "CrossEntropyLoss takes the pre-activations: write output = \"softmax\" and "
           "loss = \"cross_entropy\"")
LOSS_LOOKALIKES = {"bce": _AVERAGED, "binary_crossentropy": _AVERAGED, "ce": _LOGITS,
                   "crossentropyloss": _LOGITS}
"""Names other libraries give a loss that differs from ours (so not an alias), and what to write
instead; an error message quotes it."""
