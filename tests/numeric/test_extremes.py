"""Numeric extremes: pre-activations of ±1000 give finite, right gradients everywhere.

At ``a = ±1000`` a sigmoid or softmax output underflows to 0 in float64 (``e^-2000``) and
``tanh``'s slope ``1 - tanh(a)^2`` is 0.  The loss's adjoint ``-y/yhat`` then divides by 0
while the path's product ``-y/yhat · yhat(1 - yhat)`` is finite.  Each case below is checked
in ``derive`` (its JSON value, one parameter and ``--wrt all``), ``verify`` (exit 0, every
oracle) and every code generation target (numpy layer-wise and node by node, plain Python,
JAX, C compiled and run), against a reference written here in mpmath at 50 digits from the
closed-form gradient (never from symbackprop's code).

Tolerance: 1e-8 relative, with an absolute floor of 1e-300.  Where the true gradient is
smaller than float64 can hold (``sech(1000)^2 ≈ 1e-868``, ``sigmoid'(1000) ≈ 5e-435``) the
right float64 answer is 0 or a subnormal; 1e-300 accepts exactly those and nothing that a
real error (a wrong factor, an infinity, a NaN) could produce.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import mpmath
import pytest
from conftest import require_module, require_tool

from symbackprop.cli import main
from symbackprop.codegen import compile_gradient
from symbackprop.numeric.oracles import gradient_check
from symbackprop.spec import load_problem

RELATIVE = 1e-8
FLOOR = 1e-300
mp = mpmath.mp


def _sigmoid(a: mpmath.mpf) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-a))


def _sigmoid_slope(a: mpmath.mpf) -> mpmath.mpf:
    e = mpmath.exp(-abs(a))                      # s(1 - s), without cancellation
    return e / (1 + e) ** 2


def _output_case(output: str, loss: str, y: float) -> tuple[str, Callable[[float], dict]]:
    """One neuron, ``a = w1 x`` with ``x = 1``: the text and dL/dw1 by mpmath."""
    text = f"""
title = "{output} output, {loss}"
[network]
layers = [1, 1]
output = "{output}"
loss = "{loss}"
bias = "none"
naming = "flat"
[values]
x = [1.0]
y = [{y}]
w1 = {{w}}
"""

    def reference(w: float) -> dict:
        a, t = mpmath.mpf(w), mpmath.mpf(y)
        if output == "sigmoid" and loss == "binary_cross_entropy":
            delta = _sigmoid(a) - t
        elif output == "sigmoid":                 # cross-entropy: -y/s · s(1 - s)
            delta = -t * (1 - _sigmoid(a))
        else:                                     # tanh, squared error: 2(h - y) sech(a)^2
            delta = 2 * (mpmath.tanh(a) - t) * mpmath.sech(a) ** 2
        return {"w1": delta}
    return text, reference


def _graph_case(loss: str) -> tuple[str, Callable[[float], dict]]:
    """The sigmoid output and its loss written as formulas of a general graph (no network to
    say that the loss's ``-y/yhat`` cancels against the sigmoid's slope)."""
    formula = {"binary_cross_entropy": "-(y*log(yhat) + (1 - y)*log(1 - yhat))",
               "cross_entropy": "-y*log(yhat)"}[loss]
    text = f"""
title = "a graph: sigmoid output, {loss} as formulas"
[graph]
output = "L"
[graph.inputs]
x = 1.0
y = 1.0
[graph.parameters]
w1 = {{w}}
[graph.nodes]
a = "w1*x"
yhat = "sigmoid(a)"
L = "{formula}"
"""
    return text, _output_case("sigmoid", loss, 1.0)[1]


def _softmax_case() -> tuple[str, Callable[[float], dict]]:
    text = """
title = "softmax output, cross-entropy"
[network]
layers = [1, 2]
output = "softmax"
loss = "cross_entropy"
bias = "none"
naming = "flat"
[values]
x = [1.0]
y = [1, 0]
w1 = {w}
w2 = {minus_w}
"""

    def reference(w: float) -> dict:
        a = [mpmath.mpf(w), mpmath.mpf(-w)]
        top = max(a)
        e = [mpmath.exp(v - top) for v in a]
        yhat = [v / sum(e) for v in e]
        y = [1, 0]
        return {f"w{j + 1}": yhat[j] * sum(y) - y[j] for j in range(2)}
    return text, reference


def _hidden_case(hidden: str) -> tuple[str, Callable[[float], dict]]:
    """A saturated hidden neuron feeding a linear output: dL/dw1 underflows, dL/dw2 does not."""
    text = f"""
title = "{hidden} hidden neuron at its extreme"
[network]
layers = [1, 1, 1]
hidden = "{hidden}"
output = "identity"
loss = "half_squared_error"
bias = "none"
naming = "flat"
[values]
x = [1.0]
y = [0.25]
w1 = {{w}}
w2 = 0.5
"""

    def reference(w: float) -> dict:
        a = mpmath.mpf(w)
        h = _sigmoid(a) if hidden == "sigmoid" else mpmath.tanh(a)
        slope = _sigmoid_slope(a) if hidden == "sigmoid" else mpmath.sech(a) ** 2
        error = mpmath.mpf("0.5") * h - mpmath.mpf("0.25")
        return {"w1": error * mpmath.mpf("0.5") * slope, "w2": error * h}
    return text, reference


CASES = {
    "sigmoid-bce": _output_case("sigmoid", "binary_cross_entropy", 1.0),
    "sigmoid-ce": _output_case("sigmoid", "cross_entropy", 1.0),
    "tanh-se": _output_case("tanh", "squared_error", 0.5),
    "softmax-ce": _softmax_case(),
    "hidden-sigmoid": _hidden_case("sigmoid"),
    "hidden-tanh": _hidden_case("tanh"),
    "graph-sigmoid-bce": _graph_case("binary_cross_entropy"),
    "graph-sigmoid-ce": _graph_case("cross_entropy"),
}
PARAMS = [pytest.param(name, w, id=f"{name}-{w:+.0f}") for name in CASES
          for w in (1000.0, -1000.0)]


def _problem_file(tmp_path: Path, name: str, w: float) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(CASES[name][0].format(w=w, minus_w=-w), encoding="utf-8")
    return path


def _expected(name: str, w: float) -> dict[str, mpmath.mpf]:
    with mpmath.workdps(50):
        return CASES[name][1](w)


def _assert_right(got: dict[str, float], expected: dict[str, mpmath.mpf], where: str) -> None:
    assert set(got) == set(expected), where
    for name, value in got.items():
        assert math.isfinite(value), f"{where}: d/d{name} = {value}"
        want = float(expected[name])
        assert abs(value - want) <= RELATIVE * abs(want) + FLOOR, \
            f"{where}: d/d{name} = {value!r}, the 50-digit reference is {want!r}"


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


def test_the_reference_is_not_degenerate() -> None:
    """The cases do reach the extreme: float64 holds no probability or slope there."""
    expected = _expected("softmax-ce", -1000.0)        # the true class at -1000: yhat1 ~ e^-2000
    assert float(expected["w1"]) == pytest.approx(-1.0, rel=1e-12)
    assert float(expected["w2"]) == pytest.approx(1.0, rel=1e-12)
    assert float(_expected("hidden-tanh", 1000.0)["w1"]) == 0.0
    assert _expected("hidden-tanh", 1000.0)["w1"] != 0
    assert math.exp(-2000.0) == 0.0


@pytest.mark.parametrize(("name", "w"), PARAMS)
def test_derive_prints_the_right_finite_value(name: str, w: float, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = _problem_file(tmp_path, name, w)
    expected = _expected(name, w)
    got = {}
    for wrt in expected:
        status, out, err = _run(["derive", str(path), "--wrt", wrt, "--format", "json"], capsys)
        assert status == 0, err
        got[wrt] = json.loads(out)["value"]
    _assert_right(got, expected, f"derive {name} at {w}")
    status, out, err = _run(["derive", str(path), "--wrt", "all", "--format", "json"], capsys)
    assert status == 0, err
    _assert_right({g["wrt"]: g["value"] for g in json.loads(out)["gradients"]}, expected,
                  f"derive --wrt all {name} at {w}")
    status, out, err = _run(["derive", str(path), "--wrt", next(iter(expected))], capsys)
    assert status == 0 and "Traceback" not in err and "nan" not in out, err


@pytest.mark.parametrize(("name", "w"), PARAMS)
def test_verify_agrees(name: str, w: float, tmp_path: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    path = _problem_file(tmp_path, name, w)
    status, out, err = _run(["verify", str(path)], capsys)
    assert status == 0, out + err
    problem = load_problem(path)
    checks = gradient_check(problem.graph, problem.values, network=problem.network)
    expected = _expected(name, w)
    for check in checks:
        values = {"path sum": check.path_sum, "composed": check.composed,
                  "reverse sweep": check.backprop, "matrix": check.matrix,
                  "finite difference": check.finite_difference}
        for method, value in values.items():
            if method == "matrix" and problem.network is None:
                assert value is None          # no matrix form for a general graph
                continue
            assert value is not None, method
            _assert_right({check.wrt: value}, {check.wrt: expected[check.wrt]},
                          f"verify {name} at {w}: {method}")
        assert check.agrees


@pytest.fixture
def jax_float64():
    require_module("jax")
    import jax
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", before)


@pytest.mark.parametrize(("name", "w"), PARAMS)
@pytest.mark.parametrize("target", ["numpy", "numpy-nodewise", "python", "jax",
                                    "jax-nodewise", "c"])
def test_generated_code_is_finite_and_right(name: str, w: float, target: str, tmp_path: Path,
                                            request: pytest.FixtureRequest) -> None:
    if target.startswith("jax"):
        request.getfixturevalue("jax_float64")
    if target == "c":
        require_tool("cc")
    problem = load_problem(_problem_file(tmp_path, name, w))
    language = target.split("-")[0]
    nodewise = target.endswith("nodewise") or problem.network is None  # a graph's always is
    wrt = problem.network.parameter_names() if nodewise and problem.network else None
    function = compile_gradient(problem, wrt=wrt, target=language)
    if language in ("python", "c") or nodewise:
        assert "/yhat" not in function.source.replace(" ", "")
    _assert_right(function.from_values(problem.values), _expected(name, w),
                  f"{target} code for {name} at {w}")
