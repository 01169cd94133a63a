"""Every textbook derivative in the registry equals sympy's own diff."""

from __future__ import annotations

import pytest
import sympy

from symbackprop.errors import SpecError
from symbackprop.rules.registry import (
    ACTIVATION_ALIASES,
    ACTIVATIONS,
    LOSS_ALIASES,
    LOSS_LOOKALIKES,
    LOSSES,
    activation,
    softmax,
    softmax_partial,
)
from symbackprop.spec import load_problem_text

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
    assert activation("logistic") is ACTIVATIONS["sigmoid"]
    assert set(ACTIVATION_ALIASES.values()) <= set(ACTIVATIONS)
    assert set(LOSS_ALIASES.values()) <= set(LOSSES)
    assert not set(LOSS_LOOKALIKES) & (set(LOSSES) | set(LOSS_ALIASES))
    assert "h (1 - h)" in repr(ACTIVATIONS["sigmoid"])
    assert "-y_j / yhat_j" in repr(LOSSES["cross_entropy"])


def _problem(hidden: str, loss: str) -> str:
    return (f'[network]\nlayers = [2, 2, 2]\nhidden = "{hidden}"\nloss = "{loss}"\n'
            "[values]\nx = [0.5, -1.0]\ny = [1, 0]\nW1 = [[0.1, 0.2], [0.3, 0.4]]\n"
            "W2 = [[0.5, -0.6], [0.7, 0.8]]\n")


@pytest.mark.parametrize("alias", sorted(LOSS_ALIASES))
def test_a_loss_alias_is_the_same_loss(alias: str) -> None:
    """A file that names the loss as Keras or PyTorch does gives the same graph, values and
    gradients as one naming ours; the problem's network carries our name."""
    ours = load_problem_text(_problem("sigmoid", LOSS_ALIASES[alias]), name="ours.toml")
    theirs = load_problem_text(_problem("sigmoid", alias), name="theirs.toml")
    assert theirs.network is not None and theirs.network.loss == LOSS_ALIASES[alias]
    assert theirs.graph.forward(theirs.values) == ours.graph.forward(ours.values)
    assert "loss = \"" + LOSS_ALIASES[alias] + "\"" in theirs.to_toml()


@pytest.mark.parametrize("alias", sorted(ACTIVATION_ALIASES))
def test_an_activation_alias_is_the_same_activation(alias: str) -> None:
    ours = load_problem_text(_problem(ACTIVATION_ALIASES[alias], "mse"), name="ours.toml")
    theirs = load_problem_text(_problem(alias, "mse"), name="theirs.toml")
    assert theirs.graph.forward(theirs.values) == ours.graph.forward(ours.values)
    assert activation(alias) is ACTIVATIONS[ACTIVATION_ALIASES[alias]]


def test_mse_is_the_mean_over_the_outputs() -> None:
    """Keras's and PyTorch's mse: (1/m) sum (y - yhat)^2, so 2 outputs give half the squared
    error."""
    mse = load_problem_text(_problem("sigmoid", "mse"), name="mse.toml")
    summed = load_problem_text(_problem("sigmoid", "squared_error"), name="se.toml")
    out = mse.graph.output
    assert mse.graph.forward(mse.values)[out] == pytest.approx(
        summed.graph.forward(summed.values)[out] / 2, rel=1e-12)


@pytest.mark.parametrize("name", sorted(LOSS_LOOKALIKES))
def test_a_loss_that_only_looks_alike_is_refused_with_what_to_write(name: str) -> None:
    with pytest.raises(SpecError) as info:
        load_problem_text(_problem("sigmoid", name), name="t.toml")
    message = str(info.value)
    assert f"unknown loss {name!r}" in message and "write" in message
    assert "aliases: mse, mse_loss, categorical_crossentropy" in message


@pytest.mark.parametrize("entry", [*ACTIVATIONS.values(), *LOSSES.values(),
                                   activation("leaky_relu", slope=0.2)],
                         ids=lambda e: e.name)
def test_every_entry_states_its_function_in_latex(entry) -> None:
    """A handout states each activation and loss: a LaTeX definition of ``h`` (of ``L``),
    braces balanced."""
    text = entry.definition
    assert text.startswith(r"h = " if entry in ACTIVATIONS.values() or entry.name ==
                           "leaky_relu" else r"\mathcal{L} = ")
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
    assert "0.2" in activation("leaky_relu", slope=0.2).definition
