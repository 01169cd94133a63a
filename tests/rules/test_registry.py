"""Every textbook derivative in the registry equals sympy's own diff."""

from __future__ import annotations

import pytest
import sympy

from symbackprop.rules.registry import ACTIVATIONS, LOSSES, activation, softmax, softmax_partial

a = sympy.Symbol("a", real=True)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivative_is_diff(name: str) -> None:
    act = ACTIVATIONS[name]
    h = act.function(a)
    textbook = act.derivative(h, a)  # the output symbol written as the function itself
    assert sympy.simplify(sympy.diff(h, a) - textbook) == 0


@pytest.mark.parametrize("slope", [0.2, 0.01, 0.5])
def test_leaky_relu_slope(slope: float) -> None:
    act = activation("leaky_relu", slope=slope)
    for point in (-2.0, 3.0):
        value = act.function(sympy.Float(point))
        assert float(value) == pytest.approx(point if point > 0 else slope * point)
        assert float(act.derivative(value, sympy.Float(point))) == pytest.approx(
            1.0 if point > 0 else slope)


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("width", [1, 3])
def test_loss_derivative_is_diff(name: str, width: int) -> None:
    ys = sympy.symbols(f"y1:{width + 1}", real=True)
    yhats = sympy.symbols(f"yhat1:{width + 1}", real=True)
    loss = LOSSES[name]
    expr = loss.function(ys, yhats)
    for y, yhat in zip(ys, yhats, strict=True):
        assert sympy.simplify(sympy.diff(expr, yhat) - loss.derivative(y, yhat, width)) == 0


@pytest.mark.parametrize("width", [2, 3])
def test_softmax_partial_is_diff(width: int) -> None:
    pre = sympy.symbols(f"a1:{width + 1}", real=True)
    outputs = [softmax(pre, i) for i in range(width)]
    for i in range(width):
        for j in range(width):
            exact = sympy.diff(outputs[i], pre[j])
            assert sympy.simplify(exact - softmax_partial(outputs, i, j)) == 0


def test_aliases_and_reprs() -> None:
    assert activation("linear") is ACTIVATIONS["identity"]
    assert "h (1 - h)" in repr(ACTIVATIONS["sigmoid"])
    assert "-y_j / yhat_j" in repr(LOSSES["cross_entropy"])
