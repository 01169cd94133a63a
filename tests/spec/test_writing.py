"""Problems written back as TOML load back to the same problem (Problem.to_toml, export toml)."""

from __future__ import annotations

import itertools
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
import sympy
from conftest import BUNDLED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbackprop.cli import main
from symbackprop.errors import SpecError
from symbackprop.graph import ComputationGraph
from symbackprop.interop.chain import (
    ACTIVATION_NAMES,
    LOSS_NAMES,
    Act,
    Dense,
    LossSpec,
    chain_problem,
)
from symbackprop.naming import symbol
from symbackprop.rules.formula import parse_formula
from symbackprop.rules.functions import leaky_relu, relu, sigmoid, softplus
from symbackprop.rules.printing import formula_text
from symbackprop.spec import Problem, load_problem, load_problem_text
from symbackprop.spec.tomlwriter import comment, dumps, string


def assert_same_problem(a: Problem, b: Problem) -> None:
    """Same nodes (name, kind, definition, structurally), edges, values, network and claims."""
    assert list(a.graph.nodes) == list(b.graph.nodes)
    for name, node in a.graph.nodes.items():
        other = b.graph.nodes[name]
        assert (node.kind, node.definition) == (other.kind, other.definition), name
        assert a.graph.parents(name) == b.graph.parents(name)
        assert dict(node.textbook) == dict(other.textbook), name
    assert a.graph.output == b.graph.output
    assert a.values == b.values
    assert a.network == b.network
    assert a.claims == b.claims
    assert (a.title, a.source, a.description, a.learning_rate) == (
        b.title, b.source, b.description, b.learning_rate)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_example_round_trips(name: str) -> None:
    problem = load_problem(name)
    assert_same_problem(load_problem_text(problem.to_toml()), problem)


@pytest.mark.parametrize("name", BUNDLED)
def test_writing_is_a_fixed_point(name: str) -> None:
    text = load_problem(name).to_toml()
    assert load_problem_text(text).to_toml() == text


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text())
def test_any_string_survives_toml(text: str) -> None:
    surrogates = any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)
    if surrogates:
        with pytest.raises(SpecError, match="surrogate"):
            string(text)
        return
    assert tomllib.loads(dumps({"title": text, "t": {"k": [text]}})) == {
        "title": text, "t": {"k": [text]}}


@pytest.mark.parametrize("text", ['"""', 'end"', "back\\slash\\", "\r\n", "a\rb", "\x00\x7f\x1b",
                                  "\n", "é ∂ 🙂", "'''", '\\"""'])
def test_hostile_strings_survive_as_titles_and_descriptions(text: str) -> None:
    graph = ComputationGraph.from_definitions({"e": "a*b"}, inputs=["a", "b"], output="e")
    from symbackprop.spec.writing import problem_toml

    written = problem_toml(graph, {"a": 1.0}, title=text, source=text, description=text)
    again = load_problem_text(written)
    assert (again.title, again.source, again.description) == (text, text, text)


def test_comments_never_break_out_of_a_line() -> None:
    assert tomllib.loads(comment("a\nb\r\x00c") + "\nk = 1") == {"k": 1}


def test_claims_keep_their_printed_precision() -> None:
    text = '''
learning_rate = 0.5
[graph]
output = "e"
inputs = {a = 2}
parameters = {b = 1}
[graph.nodes]
e = "a*b"
[[claims]]
of = "de/db"
value = 2.000
[[claims]]
of = "b+"
value = 1E-2
tolerance = 0.25
[[claims]]
of = "de/db"
expression = "a"
'''
    problem = load_problem_text(text)
    again = load_problem_text(problem.to_toml())
    assert [c.value for c in again.claims[:2]] == [Decimal("2.000"), Decimal("1E-2")]
    assert again.claims[0].printed_tolerance == 0.001
    assert_same_problem(again, problem)


def test_values_missing_for_some_leaves_round_trip() -> None:
    text = '''
[graph]
output = "e"
inputs = ["a", "b"]
[graph.nodes]
e = "a*b"
[values]
a = 2
'''
    problem = load_problem_text(text)
    assert_same_problem(load_problem_text(problem.to_toml()), problem)
    network = load_problem_text('[network]\nlayers = [2, 1]\n[values]\nx = [1, 2]\nw111 = 0.5\n')
    assert_same_problem(load_problem_text(network.to_toml()), network)


def test_a_graph_with_folded_constants_is_refused() -> None:
    network = load_problem("mazur_2_2_2").network
    assert network is not None
    graph = network.build(expose="w5")
    from symbackprop.spec.writing import problem_toml

    with pytest.raises(SpecError, match="constants folded"):
        problem_toml(graph, {})


# -- formulas written from sympy ---------------------------------------------------------------

X, Y, W = symbol("x"), symbol("y"), symbol("w")
NAMES = {"x": X, "y": Y, "w": W}


@pytest.mark.parametrize("expr", [
    X**-2, 1 / X, sympy.sqrt(X), 1 / sympy.sqrt(X), X ** sympy.Rational(3, 2), -X / 2,
    sympy.exp(-X), sympy.Max(X, Y, W), sympy.Min(X, 1), sympy.Abs(X - Y), sympy.E * X, 2**X,
    (-1) ** X, -((X + Y) ** 2), sympy.Rational(1, 100000) * W, sigmoid(X) * (1 - sigmoid(X)),
    relu(W * X), softplus(-X), leaky_relu(X, sympy.Rational(1, 5)), sympy.log(1 + sympy.exp(X)),
    sympy.tanh(X) ** 2, sympy.sin(X) + sympy.cos(Y) / sympy.tan(W), X ** (-sympy.Rational(1, 3)),
    sympy.exp(X) / (sympy.exp(X) + sympy.exp(Y)), X - sympy.log(sympy.exp(X) + sympy.exp(Y)),
])
def test_formula_text_reads_back_as_the_expression(expr: sympy.Expr) -> None:
    assert parse_formula(formula_text(expr), NAMES) == expr


@pytest.mark.parametrize(("expr", "what"), [
    (sympy.sinh(X), "the function 'sinh'"), (sympy.pi * X, "the constant 'pi'"),
    (sympy.I * X, "the constant 'I'"), (sympy.Heaviside(X), "the function 'Heaviside'"),
    (sympy.Function("f")(X), "the function 'f'"),
])
def test_formula_text_refuses_what_the_grammar_lacks(expr: sympy.Expr, what: str) -> None:
    with pytest.raises(SpecError, match=f"node 'h': cannot write {what}"):
        formula_text(expr, where="node 'h'")


# -- imported chains round-trip too (layered and general graphs; no torch needed) ----------------

numbers = st.floats(min_value=-2, max_value=2, allow_nan=False, width=32)


@st.composite
def chains(draw: st.DrawFn) -> tuple[list[Dense | Act], list[float], list[float], LossSpec]:
    widths = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    chain: list[Dense | Act] = []
    for layer, (inp, out) in enumerate(itertools.pairwise(widths)):
        weight = [[draw(numbers) for _ in range(inp)] for _ in range(out)]
        bias = draw(st.none() | st.just([draw(numbers) for _ in range(out)]))
        chain.append(Dense(weight, bias, f"model[{2 * layer}]"))
        name = draw(st.sampled_from(ACTIVATION_NAMES))
        chain.append(Act(name, f"model[{2 * layer + 1}]", slope=draw(st.sampled_from(
            [0.01, 0.2])), beta=draw(st.sampled_from([1.0, 2.0]))))
    x = [draw(numbers) for _ in range(widths[0])]
    y = [draw(st.floats(0.1, 0.9)) for _ in range(widths[-1])]
    loss = LossSpec(draw(st.sampled_from(LOSS_NAMES)), draw(st.sampled_from(["mean", "sum"])))
    return chain, x, y, loss


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(chains(), st.sampled_from(["layer_to_from", "flat"]))
def test_imported_chains_round_trip(chain: tuple, naming: str) -> None:
    layers, x, y, loss = chain
    problem = chain_problem(layers, x, y, loss, naming=naming, title="random chain")
    text = problem.to_toml()
    assert_same_problem(load_problem_text(text), problem)
    assert "# Where the numbers come from:" in text
    for name, origin in problem.origins.items():
        assert f"{name}  " in text and origin in text


def test_export_toml_normalises_any_problem_file(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "tree.json"
    source.write_text('{"graph": {"output": "e", "inputs": {"a": 2, "b": 1}, "nodes": '
                      '{"c": "a + b", "e": "c * b"}}, "title": "tab\\there"}', encoding="utf-8")
    out = tmp_path / "tree.toml"
    assert main(["export", "toml", str(source), "-o", str(out)]) == 0
    assert_same_problem(load_problem(out), load_problem(source))
    assert main(["export", "toml", "mazur_2_2_2"]) == 0
    assert_same_problem(load_problem_text(capsys.readouterr().out), load_problem("mazur_2_2_2"))
    assert main(["export", "toml", str(tmp_path / "missing.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
