"""Generated gradient functions, every target, against the oracles.

Every generated function must agree with the numerical reverse sweep, the matrix backprop (for
layered networks) and central finite differences to 1e-10, relative to the gradient's largest
component, on every bundled example (its own values; seeded random ones where it is symbolic)
and on random networks.
"""

from __future__ import annotations

import ctypes
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy
from conftest import BUNDLED, ZOO_GRAPHS, ZOO_NETWORKS, require_module, require_tool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbackprop.calculus.sweep import gradients
from symbackprop.cli import main
from symbackprop.codegen import compile_gradient, generate
from symbackprop.codegen.printers import STABLE_FORMS, TARGETS, printer, stabilise
from symbackprop.errors import CodegenError
from symbackprop.graph import ComputationGraph, Node
from symbackprop.graph.network import LayeredNetwork, matrices
from symbackprop.naming import symbol
from symbackprop.numeric.oracles import finite_difference, matrix_backprop, reverse_sweep
from symbackprop.rules.functions import sigmoid
from symbackprop.rules.registry import softmax
from symbackprop.spec import load_problem, load_problem_text

SEED = 20_261_122
TOLERANCE = 1e-10


@pytest.fixture(scope="module")
def jax64():
    """jax with float64 (skipped when jax is not installed: it is an optional extra)."""
    jax = pytest.importorskip("jax", reason="jax is optional: pip install 'symbackprop[jax]'")
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", before)


def _values(graph: ComputationGraph, given: dict[str, float] | None = None) -> dict[str, float]:
    rng = np.random.default_rng(SEED)
    values = dict(given or {})
    for name in graph.missing_values(values):
        values[name] = float(rng.uniform(0.1, 0.9))
    return values


def _assert_agree(got: dict[str, float], expected: dict[str, float], what: str) -> None:
    scale = max(abs(expected[w]) for w in got)
    for wrt, value in got.items():
        assert abs(value - expected[wrt]) <= TOLERANCE * max(scale, 1e-300), (what, wrt)


def _cases() -> list[tuple[str, object, ComputationGraph, dict[str, float],
                           LayeredNetwork | None]]:
    cases = []
    for name in BUNDLED:
        problem = load_problem(name)
        cases.append((name, problem, problem.graph, _values(problem.graph, problem.values),
                      problem.network))
    for name, (make, values) in ZOO_GRAPHS.items():
        graph = make()
        cases.append((name, graph, graph, dict(values), None))
    for name, network in ZOO_NETWORKS.items():
        graph = network.build()
        cases.append((name, network, graph, _values(graph), network))
    return cases


CASES = _cases()
IDS = [c[0] for c in CASES]


def _check(function, graph, values, network, what):
    got = function.from_values(values)
    _assert_agree(got, reverse_sweep(graph, values), f"{what} vs reverse sweep")
    if network is not None:
        _assert_agree(got, matrix_backprop(network, values), f"{what} vs matrix backprop")
    fd = {w: finite_difference(graph, values, w) for w in got}
    _assert_agree(got, fd, f"{what} vs finite differences")
    return got


@pytest.mark.parametrize(("name", "source", "graph", "values", "network"), CASES, ids=IDS)
@pytest.mark.parametrize("target", ["numpy", "python"])
def test_generated_functions_agree_with_oracles(name, source, graph, values, network, target):
    function = compile_gradient(source, target=target)
    assert function.code.layered == (network is not None and target == "numpy")
    got = _check(function, graph, values, network, f"{name}/{target}")
    expected_names = network.parameter_names() if network is not None else gradients(graph).wrt
    assert list(got) == list(expected_names)


NETWORK_CASES = [c for c in CASES if c[4] is not None]


@pytest.mark.parametrize(("name", "source", "graph", "values", "network"), NETWORK_CASES,
                         ids=[c[0] for c in NETWORK_CASES])
def test_node_code_for_networks_agrees_with_layered_code(name, source, graph, values, network):
    names = network.parameter_names()
    layered = compile_gradient(source).from_values(values)
    node = compile_gradient(source, wrt=names).from_values(values)
    assert not compile_gradient(source, wrt=names).code.layered
    _assert_agree(node, layered, name)


@pytest.mark.parametrize(("name", "source", "graph", "values", "network"), CASES, ids=IDS)
def test_jax_target_agrees_with_oracles(jax64, name, source, graph, values, network):
    function = compile_gradient(source, target="jax")
    assert "jax" in type(function.function).__module__ or hasattr(function.function, "lower")
    _check(function, graph, values, network, f"{name}/jax")
    if network is not None:
        node = compile_gradient(source, wrt=network.parameter_names(), target="jax")
        _check(node, graph, values, network, f"{name}/jax node by node")


@pytest.mark.parametrize(("name", "source", "graph", "values", "network"), CASES, ids=IDS)
def test_c_target_compiles_and_agrees_with_oracles(name, source, graph, values, network):
    require_tool("cc")
    function = compile_gradient(source, target="c")
    assert function.header is not None
    assert f"#define GRADIENT_N_ARGUMENTS {len(function.arguments)}" in function.header
    assert "void gradient(const double *in, double *out);" in function.header
    _check(function, graph, values, network, f"{name}/c")


def test_c_source_compiles_cleanly_with_warnings_as_errors(tmp_path: Path):
    cc = require_tool("cc")
    code = generate(load_problem("padhai_4_4_2"), target="c")
    (tmp_path / "gradient.c").write_text(code.source)
    (tmp_path / "gradient.h").write_text(code.header)
    result = subprocess.run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c",
                             str(tmp_path / "gradient.c"), "-o", str(tmp_path / "gradient.o")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


# -- a problem file's text stays text in generated code ----------------------------------------

HOSTILE_TITLES = [
    'x""" + __import__("pathlib").Path("PWNED").touch() + """',          # closes the docstring
    'x\\""" ; import pathlib; pathlib.Path("PWNED").touch(); """',     # ... after a backslash
    'one\nimport pathlib; pathlib.Path("PWNED").touch()\n"""',         # line breaks
    'a */ int pwned = 1; /* b',                                          # closes a C comment
]
HOSTILE_GRAPH = """
[graph]
output = "e"
[graph.inputs]
a = 2
[graph.parameters]
b = 1
[graph.nodes]
e = "a * b"
"""
HOSTILE_NETWORK = """
[network]
layers = [2, 2]
output = "sigmoid"
loss = "squared_error"
"""


@pytest.mark.parametrize("kind", ["graph", "network"])
@pytest.mark.parametrize("target", ["numpy", "python", "jax"])
@pytest.mark.parametrize("title", HOSTILE_TITLES, ids=["quotes", "backslash", "lines", "c"])
def test_a_hostile_title_stays_text_in_generated_python(kind: str, target: str, title: str,
                                                        tmp_path: Path) -> None:
    if target == "jax":  # the generated module imports jax: an optional extra
        require_module("jax")
    body = HOSTILE_GRAPH if kind == "graph" else HOSTILE_NETWORK
    problem = load_problem_text(f"title = {json.dumps(title)}\n{body}")
    code = generate(problem, target=target)
    (tmp_path / "generated.py").write_text(code.source, encoding="utf-8")
    script = ("import generated, inspect; "
              "print(generated.__doc__ + inspect.getdoc(generated.gradient))")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "PWNED").exists()
    # the docstrings hold the title as written (line breaks become spaces, and lines wrap)
    assert " ".join(title.split()) in " ".join(result.stdout.split())


@pytest.mark.parametrize("title", HOSTILE_TITLES, ids=["quotes", "backslash", "lines", "c"])
def test_a_hostile_title_stays_a_comment_in_generated_c(title: str, tmp_path: Path) -> None:
    cc = require_tool("cc")
    code = generate(load_problem_text(f"title = {json.dumps(title)}\n{HOSTILE_GRAPH}"),
                    target="c")
    (tmp_path / "gradient.c").write_text(code.source)
    (tmp_path / "gradient.h").write_text(code.header)
    result = subprocess.run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c",
                             str(tmp_path / "gradient.c"), "-o", str(tmp_path / "gradient.o")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    nm = subprocess.run(["nm", str(tmp_path / "gradient.o")], capture_output=True, text=True,
                        check=False)
    assert "pwned" not in nm.stdout  # the title declared nothing
    assert "*/" not in code.header.split("\n")[0][2:]  # the first comment line stays open


# -- random networks --------------------------------------------------------------------------

NETWORKS = dict(
    widths=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    outputs=st.integers(2, 3),
    hidden=st.sampled_from(["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus"]),
    head=st.sampled_from([("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy"),
                          ("sigmoid", "cross_entropy"), ("identity", "half_squared_error"),
                          ("softmax", "squared_error"), ("tanh", "mean_squared_error"),
                          ("softplus", "squared_error")]),
    bias=st.sampled_from(["none", "per_neuron", "per_layer"]),
    seed=st.integers(0, 2**16),
)


def _random_network(widths, outputs, hidden, head, bias, seed):
    layers = (*widths, outputs)
    network = LayeredNetwork(layers, (hidden,) * (len(layers) - 2), head[0], head[1], bias=bias,
                             slopes={1: 0.2} if hidden == "leaky_relu" else {})
    graph = network.build()
    rng = np.random.default_rng(seed)
    values = {name: float(rng.normal()) for name in graph.leaves}
    for j in range(1, outputs + 1):  # targets in (0, 1), as the cross-entropies expect
        values[network.names.target(j)] = float(rng.uniform(0.05, 0.95))
    return network, values


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(**NETWORKS)
def test_random_networks_every_python_target(widths, outputs, hidden, head, bias, seed):
    network, values = _random_network(widths, outputs, hidden, head, bias, seed)
    expected = matrix_backprop(network, values)
    for wrt, target in [(None, "numpy"), (network.parameter_names(), "numpy"),
                        (None, "python")]:
        got = compile_gradient(network, wrt=wrt, target=target).from_values(values)
        _assert_agree(got, expected, f"{network.layers} {target}")


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(**NETWORKS)
def test_random_networks_jax(jax64, widths, outputs, hidden, head, bias, seed):
    network, values = _random_network(widths, outputs, hidden, head, bias, seed)
    got = compile_gradient(network, target="jax").from_values(values)
    _assert_agree(got, matrix_backprop(network, values), f"{network.layers} jax")


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(**NETWORKS)
def test_random_networks_c(widths, outputs, hidden, head, bias, seed):
    require_tool("cc")
    network, values = _random_network(widths, outputs, hidden, head, bias, seed)
    got = compile_gradient(network, target="c").from_values(values)
    _assert_agree(got, matrix_backprop(network, values), f"{network.layers} c")


# -- batches -----------------------------------------------------------------------------------

def test_layered_numpy_sums_over_a_batch():
    network = ZOO_NETWORKS["tanh_relu_ce"]
    graph = network.build()
    rng = np.random.default_rng(SEED)
    values = _values(graph)
    arrays = matrices(network, values)
    x = rng.normal(size=(6, network.layers[0]))
    y = rng.dirichlet(np.ones(network.layers[-1]), size=6)
    function = compile_gradient(network)
    args = [arrays[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3")]
    batch = function(x, y, *args)
    for index, name in enumerate(function.outputs):
        per_example = sum(function(x[i], y[i], *args)[index] for i in range(6))
        np.testing.assert_allclose(batch[index], per_example, rtol=1e-12, atol=1e-14)
        assert np.shape(batch[index]) == np.shape(arrays[name])


def test_node_numpy_is_pointwise_over_arrays():
    problem = load_problem("mazur_2_2_2")
    vector = compile_gradient(problem, wrt=problem.network.parameter_names())
    scalar = compile_gradient(problem, wrt=problem.network.parameter_names(), target="python")
    rng = np.random.default_rng(SEED)
    columns = [rng.normal(size=5) for _ in vector.arguments]
    together = vector(*columns)
    for i in range(5):
        one = scalar(*(float(c[i]) for c in columns))
        np.testing.assert_allclose([g[i] for g in together], one, rtol=1e-13, atol=1e-15)
    constant = compile_gradient(load_problem("branching_graph"))
    out = constant(np.array([1.0, 2.0, 3.0]), 1.0)
    assert all(np.shape(g) == (3,) for g in out)


# -- numerical stability ----------------------------------------------------------------------

@pytest.mark.parametrize("head", [("softmax", "cross_entropy"), ("softmax", "squared_error"),
                                  ("sigmoid", "binary_cross_entropy"),
                                  ("sigmoid", "half_squared_error")])
def test_layered_code_is_stable_at_large_pre_activations(head):
    network = LayeredNetwork((2, 2, 2), ("sigmoid",), head[0], head[1], bias="per_neuron")
    function = compile_gradient(network)
    x, y = np.array([1.0, -1.0]), np.array([0.3, 0.7])
    w1 = np.array([[1000.0, 0.0], [0.0, 1000.0]])  # hidden pre-activations +-1000
    w2 = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])  # output pre-activations +-2000
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        out = function(x, y, w1, np.zeros(2), w2, np.zeros(2))
    assert all(np.all(np.isfinite(g)) for g in out)


@pytest.mark.parametrize("outputs", [5, 20])  # row_max goes column by column up to 16
def test_layered_softmax_of_any_width_is_stable_and_right(outputs):
    network = LayeredNetwork((3, 4, outputs), ("tanh",), "softmax", "cross_entropy",
                             bias="per_neuron")
    graph = network.build()
    values = _values(graph)
    _assert_agree(compile_gradient(network).from_values(values),
                  matrix_backprop(network, values), f"softmax of {outputs}")
    rng = np.random.default_rng(SEED)
    x = rng.normal(size=(7, 3))
    y = rng.dirichlet(np.ones(outputs), size=7)
    w2 = rng.choice([-1000.0, 1000.0], size=(outputs, 4))  # pre-activations in the thousands
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = compile_gradient(network)(x, y, np.eye(4, 3), np.zeros(4), w2, np.zeros(outputs))
    assert all(np.all(np.isfinite(g)) for g in out)


def test_node_code_is_stable_at_large_pre_activations():
    a1, a2, y = symbol("a1"), symbol("a2"), symbol("y")
    graph = ComputationGraph([
        Node("a1", "parameter"), Node("a2", "parameter"), Node("y", "target"),
        Node("s", "hidden", sigmoid(a1)), Node("p", "hidden", softmax([a1, a2], 0)),
        Node("L", "loss", (symbol("s") - y) ** 2 + (symbol("p") - y) ** 2),
    ], "L")
    for target in ("numpy", "python"):
        function = compile_gradient(graph, target=target)
        for a in (1000.0, -1000.0):
            point = {"a1": a, "a2": -a, "y": 0.5}
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                out = function(*(point[n] for n in function.arguments))
            assert all(np.isfinite(g) for g in out), (target, a)
            # saturated: sigma(a)(1 - sigma(a)) and p(1 - p) are below e^-999
            assert [float(g) for g in out] == pytest.approx([0.0, 0.0], abs=1e-300)
    assert "np.maximum(a1, a2)" in generate(graph).source


def test_stable_forms_are_complete_and_equal_the_textbook_functions():
    assert all(set(forms) == set(TARGETS) for forms in STABLE_FORMS.values())
    a, b = symbol("a"), symbol("b")
    for expr in [softmax([a, b], 0), sympy.diff(softmax([a, b], 1), a)]:
        shifted = stabilise(expr)
        assert shifted != expr and shifted.has(sympy.Max)
        for u, v in [(0.3, -0.2), (2.0, 1.0), (-1.0, 0.5)]:
            assert float(shifted.subs({a: u, b: v})) == pytest.approx(
                float(expr.subs({a: u, b: v})), rel=1e-14)
    assert printer("python").doprint(sigmoid(a)) == "0.5*(1.0 + math.tanh(0.5*a))"
    assert printer("c").doprint(sympy.Heaviside(a, 0)) == "(a > 0 ? 1.0 : (a < 0 ? 0.0 : 0))"


# -- source readability ------------------------------------------------------------------------

def test_node_source_has_one_commented_line_per_named_adjoint():
    problem = load_problem("padhai_4_4_2")
    code = generate(problem, wrt=["w131", "w212"], target="python")
    grads = gradients(problem.graph, wrt=["w131", "w212"])
    lines = code.source.splitlines()
    for adjoint in grads.adjoints:
        defining = [line for line in lines if line.strip().startswith(f"{adjoint.symbol} = ")]
        assert len(defining) == 1, adjoint.node
        assert defining[0].endswith(f"# dL/d{adjoint.node}")
    assert "Arguments, in order: x1 (input)" in code.source
    assert code.arguments[:6] == ("x1", "x2", "x3", "x4", "y1", "y2")


def test_layered_source_names_every_layer_adjoint():
    code = generate(load_problem("padhai_4_4_2"))
    assert code.layered and code.arguments == ("x", "y", "W1", "W2")
    for line in ("delta_a2 = ", "delta_h1 = np.matmul(delta_a2, W2", "delta_a1 = ",
                 "dW1 = delta_a1.T @ x"):
        assert sum(1 for s in code.source.splitlines() if s.strip().startswith(line)) == 1
    assert "h1 = sigmoid(a1)  # " in code.source and "yhat = softmax(a2)  # " in code.source
    assert code.source.count("def sigmoid(a):") == code.source.count("def softmax(a):") == 1
    assert "a -= row_max(a)" in code.source  # no overflow
    assert code.source.count("def row_max(a):") == code.source.count("def row_sums(a):") == 1
    jax = generate(load_problem("padhai_4_4_2"), target="jax")
    assert "0.5*(1.0 + jnp.tanh(0.5*a1))" in jax.source and "def sigmoid" not in jax.source


@pytest.mark.parametrize(("hidden", "head"), [
    ("identity", ("sigmoid", "squared_error")), ("sigmoid", ("softmax", "cross_entropy")),
    ("tanh", ("tanh", "mean_squared_error")), ("relu", ("softmax", "squared_error")),
    ("leaky_relu", ("sigmoid", "binary_cross_entropy")),
    ("softplus", ("softplus", "squared_error")),
])
def test_layered_numpy_leaves_its_arguments_alone(hidden, head):
    """The generated code works in place on its own arrays only: the caller's x, y, weights and
    biases are unchanged, and integer arguments work."""
    network = LayeredNetwork((3, 4, 4, 2), (hidden, hidden), *head, bias="per_neuron")
    rng = np.random.default_rng(SEED)
    args = [rng.integers(-2, 3, size=(5, 3)), rng.uniform(size=(5, 2))]
    for layer in range(1, network.depth + 1):
        args += [rng.integers(-1, 2, size=(network.layers[layer], network.layers[layer - 1])),
                 rng.integers(-1, 2, size=network.layers[layer])]
    before = [a.copy() for a in args]
    function = compile_gradient(network)
    first = function(*args)
    for arg, copy in zip(args, before, strict=True):
        np.testing.assert_array_equal(arg, copy)
    floats = function(*(a.astype(float) for a in args))
    for got, expected in zip(first, floats, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-14)
    arrays = {"x": args[0][0], "y": args[1][0], **dict(zip(function.outputs, args[2:],
                                                           strict=True))}
    values = network.values_from_arrays({k: np.asarray(a, dtype=float).tolist()
                                         for k, a in arrays.items()})
    _assert_agree(function.from_values(values), matrix_backprop(network, values), hidden)
    assert all(np.all(np.isfinite(g)) for g in first)


# -- work: the arrays a call needs, kept from call to call ------------------------------------

WORK_CASES = [  # every way the numpy code computes a batch-sized array
    ("sigmoid", ("softmax", "cross_entropy")), ("tanh", ("sigmoid", "binary_cross_entropy")),
    ("relu", ("sigmoid", "cross_entropy")), ("identity", ("identity", "half_squared_error")),
    ("leaky_relu", ("softmax", "squared_error")), ("softplus", ("tanh", "mean_squared_error")),
    ("sigmoid", ("identity", "cross_entropy")), ("tanh", ("softplus", "binary_cross_entropy")),
]


def _gradient_and_parameters(network: LayeredNetwork) -> tuple[Any, list[np.ndarray]]:
    namespace: dict[str, Any] = {}
    exec(generate(network).source, namespace)
    rng = np.random.default_rng(SEED)
    parameters = []
    for layer in range(1, network.depth + 1):
        parameters += [rng.normal(size=(network.layers[layer], network.layers[layer - 1])),
                       rng.normal(size=network.layers[layer])]
    return namespace["gradient"], parameters


@pytest.mark.parametrize(("hidden", "head"), WORK_CASES)
def test_layered_numpy_reuses_the_arrays_kept_in_work(hidden, head):
    """With work=, a call writes into the arrays of the previous one (made anew only for a
    larger batch), gets the numbers it gets without, and returns new arrays."""
    network = LayeredNetwork((3, 5, 4, 2), (hidden, hidden), *head, bias="per_neuron")
    gradient, parameters = _gradient_and_parameters(network)
    rng = np.random.default_rng(SEED + 1)
    work: dict[str, np.ndarray] = {}
    largest = 0
    for rows in (40, 40, 25, 60):
        x, y = rng.normal(size=(rows, 3)), rng.uniform(0.05, 0.95, size=(rows, 2))
        before = dict(work)
        got = gradient(x, y, *parameters, work=work)
        for g, expected in zip(got, gradient(x, y, *parameters), strict=True):
            np.testing.assert_allclose(g, expected, rtol=1e-14, atol=0)
        assert not any(np.shares_memory(g, kept) for g in got for kept in work.values())
        assert {"a1", "a2", "a3", "delta_h1", "delta_h2", "ones"} <= set(work)
        if rows <= largest:
            assert work.keys() == before.keys()
            assert all(work[name] is before[name] for name in work), rows
        else:
            assert not any(work[name] is before[name] for name in before), rows
            assert all(kept.shape[0] == rows for kept in work.values())
            largest = rows


def test_layered_numpy_with_work_allocates_no_batch_sized_array():
    """After the first call, a call with work= allocates only row-sized vectors (numpy reports
    its arrays to tracemalloc); without work it allocates every layer's arrays."""
    network = LayeredNetwork((16, 16, 16, 4), ("sigmoid", "sigmoid"), "softmax",
                             "cross_entropy", bias="per_neuron")
    gradient, parameters = _gradient_and_parameters(network)
    rng = np.random.default_rng(SEED)
    batch = 4_096
    x, y = rng.normal(size=(batch, 16)), rng.dirichlet(np.ones(4), size=batch)
    work: dict[str, np.ndarray] = {}
    gradient(x, y, *parameters, work=work)
    peaks = {}
    for kept in (work, None):
        tracemalloc.start()
        try:
            gradient(x, y, *parameters, work=kept)
            peaks[kept is None] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    one_layer = batch * 16 * 8  # bytes of one (batch, 16) float64 array
    assert peaks[False] < one_layer / 4, peaks
    assert peaks[True] >= 2 * one_layer, peaks


def test_the_layered_code_shown_in_the_docs_is_what_codegen_writes():
    docs = (Path(__file__).parents[2] / "docs" / "codegen.md").read_text(encoding="utf-8")
    shown = docs.split("## The two kinds of code")[1].split("```python")[1].split("```")[0]
    source = generate(load_problem("padhai_4_4_2")).source.splitlines()
    lines = [line for line in shown.splitlines() if line.strip()]
    assert len(lines) >= 8 and all(line in source for line in lines)


def test_helper_names_are_not_function_names():
    with pytest.raises(CodegenError, match="helper"):
        generate(load_problem("padhai_4_4_2"), name="sigmoid")


def test_names_that_clash_with_the_target_are_renamed():
    np_, math_, int_ = symbol("np"), symbol("math"), symbol("int")
    graph = ComputationGraph([
        Node("np", "input"), Node("math", "parameter"),
        Node("int", "hidden", sympy.tanh(np_ * math_)), Node("zeros", "loss", int_**2 + math_),
    ], "zeros")
    values = {"np": 0.4, "math": -0.7}
    expected = reverse_sweep(graph, values)["math"]
    for target in ["numpy", "python"]:
        assert compile_gradient(graph, target=target).from_values(values)["math"] == (
            pytest.approx(expected, rel=TOLERANCE))
    if require_tool("cc"):
        assert compile_gradient(graph, target="c").from_values(values)["math"] == (
            pytest.approx(expected, rel=TOLERANCE))


def test_bad_requests_are_refused():
    problem = load_problem("branching_graph")
    with pytest.raises(CodegenError, match="unknown target"):
        generate(problem, target="fortran")
    with pytest.raises(CodegenError, match="not a usable identifier"):
        generate(problem, name="not a name")
    with pytest.raises(CodegenError, match="cannot generate code"):
        generate(42)
    with pytest.raises(Exception, match="no value given"):
        compile_gradient(problem, target="python").from_values({"a": 1.0})


# -- the command line -------------------------------------------------------------------------

def test_cli_codegen_prints_each_target(capsys):
    assert main(["codegen", "padhai_4_4_2"]) == 0
    assert "def gradient(x, y, W1, W2, *, work=None):" in capsys.readouterr().out
    assert main(["codegen", "padhai_4_4_2", "--target", "python", "--wrt", "w131,w212",
                 "--wrt", "w111"]) == 0
    out = capsys.readouterr().out
    assert "import math" in out and "return (grad_w131, grad_w212, grad_w111)" in out
    assert main(["codegen", "mazur_2_2_2", "--wrt", "all"]) == 0
    assert "def gradient(x, y, W1, b1, W2, b2, *, work=None):" in capsys.readouterr().out
    assert main(["codegen", "branching_graph", "--target", "jax"]) == 0
    assert "import jax.numpy as jnp" in capsys.readouterr().out
    assert main(["codegen", "branching_graph", "--target", "c"]) == 0
    assert "/* ---- gradient.h ---- */" in capsys.readouterr().out
    assert main(["codegen", "branching_graph", "--target", "cobol"]) == 2


def test_cli_codegen_c_files_compile_and_run(tmp_path: Path):
    cc = require_tool("cc")
    out = tmp_path / "mazur.c"
    assert main(["codegen", "mazur_2_2_2", "--target", "c", "--name", "mazur_gradient",
                 "-o", str(out)]) == 0
    assert (tmp_path / "mazur.h").read_text().count("void mazur_gradient(") == 1
    library = tmp_path / "libmazur.so"
    subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(library), str(out), "-lm"],
                   check=True)
    problem = load_problem("mazur_2_2_2")
    code = generate(problem, target="c")
    function = ctypes.CDLL(str(library)).mazur_gradient
    inputs = (ctypes.c_double * len(code.arguments))(*(problem.values[a] for a in code.arguments))
    outputs = (ctypes.c_double * len(code.outputs))()
    function(inputs, outputs)
    expected = matrix_backprop(problem.network, problem.values)
    assert dict(zip(code.outputs, outputs, strict=True))["w5"] == pytest.approx(
        expected["w5"], rel=TOLERANCE)
