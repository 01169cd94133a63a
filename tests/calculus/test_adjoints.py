"""One symbolic reverse sweep serves both views: derive's written-out adjoints and the named
definitions of gradients have the same nodes, children and local partials, and substituting
the named adjoints back gives derive's definitions exactly."""

from __future__ import annotations

import pytest
import sympy
from conftest import BUNDLED

from symbackprop.calculus.adjoints import adjoint_sweep
from symbackprop.calculus.derivation import derive
from symbackprop.calculus.paths import find_paths
from symbackprop.calculus.sweep import gradients
from symbackprop.spec import load_problem

CASES = [(name, wrt) for name in BUNDLED for wrt in load_problem(name).graph.parameters[:3]]


@pytest.mark.parametrize(("name", "wrt"), CASES, ids=[f"{n}-{w}" for n, w in CASES])
def test_derive_and_gradients_share_the_sweep(name: str, wrt: str) -> None:
    problem = load_problem(name)
    graph, values = problem.graph, problem.values if problem.has_values else None
    derivation = derive(graph, wrt, values=values)
    grads = gradients(graph, values=values, wrt=[wrt])
    written = {a.node: a for a in derivation.adjoints}
    assert derivation.adjoints[0].node == graph.output and not derivation.adjoints[0].contributions
    assert derivation.adjoints[0].expression == 1
    assert all(a.symbol is None for a in derivation.adjoints)
    for named in grads.adjoints:
        assert named.symbol == grads.symbols[named.node]
        adjoint = written[named.node]
        assert [(f.of, f.wrt, f.expression, c) for f, c in adjoint.contributions] == \
            [(f.of, f.wrt, f.expression, c) for f, c in named.contributions]
        if values is not None:  # the same sums, fsum against in order: equal to rounding
            assert adjoint.value == pytest.approx(named.value, rel=1e-12, abs=1e-300)
            assert [f.value for f, _ in adjoint.contributions] == pytest.approx(
                [f.value for f, _ in named.contributions], rel=1e-12, abs=1e-300)
    assert set(written) - {graph.output} == {a.node for a in grads.adjoints} | {wrt}
    assert derivation.factored_expression == written[wrt].expression
    assert sympy.expand(derivation.expression - grads.expanded(wrt)) == 0


def test_named_and_written_out_sweeps_agree_node_by_node() -> None:
    graph = load_problem("mazur_2_2_2").graph
    nodes = set(graph.order)
    named = {n: sympy.Symbol(f"delta_{n}") for n in graph.order}
    written = {a.node: a.expression for a in adjoint_sweep(graph, nodes, "L")}
    by_name = list(adjoint_sweep(graph, nodes, "L", name=named.get))
    assert [a.node for a in by_name] == list(written)
    assert list(written) == [n for n in reversed(graph.order) if n != "L"]
    for adjoint in by_name:
        assert adjoint.symbol == named[adjoint.node]
        assert adjoint.expression == sympy.Add(*(
            f.expression * named[child] if child != "L" else f.expression
            for f, child in adjoint.contributions))
        assert adjoint.expression.xreplace({named[c]: written[c] for _, c in adjoint.contributions
                                            if c != "L"}) == written[adjoint.node]


def test_the_output_is_not_yielded_and_its_adjoint_is_one() -> None:
    graph = load_problem("branching_graph").graph
    steps = list(adjoint_sweep(graph, {"b", "c", "d", "e"}, "e"))
    assert [a.node for a in steps] == ["d", "c", "b"]
    assert steps[0].expression == graph.local_partial("d", "e")
    assert all(a.value is None and a.symbol is None for a in steps)


def test_values_sum_each_factor_times_its_childs_adjoint() -> None:
    problem = load_problem("branching_graph")            # c = a + b, d = b + 1, e = c * d
    graph = problem.graph
    values = graph.forward(problem.values)
    added: list[list[float]] = []

    def add(products):
        products = list(products)
        added.append(products)
        return sum(products)

    steps = {a.node: a for a in adjoint_sweep(graph, set(graph.order), "e",
                                              evaluate=lambda e: graph.evaluate(e, values),
                                              add=add)}
    assert steps["c"].value == values["d"] and steps["d"].value == values["c"]
    assert steps["b"].value == values["c"] + values["d"]
    assert added[2] == [1.0 * values["d"], 1.0 * values["c"]]  # b: dc/db * delta_c, dd/db ...
    assert [f.value for f, _ in steps["b"].contributions] == [1.0, 1.0]


def test_a_mapping_of_children_is_used_as_it_is() -> None:
    graph = load_problem("mazur_2_2_2").graph
    paths = find_paths(graph, "w1")
    given = [(a.node, a.expression) for a in adjoint_sweep(graph, paths.children, "L")]
    assert given == [(a.node, a.expression) for a in adjoint_sweep(graph, set(paths.children),
                                                                    "L")]
