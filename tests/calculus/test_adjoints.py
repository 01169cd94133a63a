"""One symbolic reverse sweep serves both views: derive's written-out adjoints and the named
definitions of gradients have the same nodes, children and local partials, and substituting
the named adjoints back gives derive's definitions exactly."""

from __future__ import annotations

import pytest
import sympy
from conftest import BUNDLED

from symbackprop.calculus.adjoints import adjoint_sweep
from symbackprop.calculus.derivation import derive
from symbackprop.calculus.sweep import gradients
from symbackprop.spec import load_problem

CASES = [(name, wrt) for name in BUNDLED for wrt in load_problem(name).graph.parameters[:3]]


@pytest.mark.parametrize(("name", "wrt"), CASES, ids=[f"{n}-{w}" for n, w in CASES])
def test_derive_and_gradients_share_the_sweep(name: str, wrt: str) -> None:
    graph = load_problem(name).graph
    derivation = derive(graph, wrt)
    grads = gradients(graph, wrt=[wrt])
    written = {a.node: a for a in derivation.adjoints}
    assert derivation.adjoints[0].node == graph.output and not derivation.adjoints[0].contributions
    for definition in grads.adjoints:
        adjoint = written[definition.node]
        assert [(f.of, f.expression) for f, _ in adjoint.contributions] == \
            list(definition.contributions)
        assert [child for _, child in adjoint.contributions] == \
            [child for child, _ in definition.contributions]
    assert set(written) - {graph.output} == {a.node for a in grads.adjoints} | {wrt}
    assert sympy.expand(derivation.expression - grads.expanded(wrt)) == 0


def test_named_and_written_out_sweeps_agree_node_by_node() -> None:
    graph = load_problem("mazur_2_2_2").graph
    nodes = set(graph.order)
    named = {n: sympy.Symbol(f"delta_{n}") for n in graph.order}
    written = {node: expression for node, _, expression in adjoint_sweep(graph, nodes, "L")}
    by_name = list(adjoint_sweep(graph, nodes, "L", name=named.get))
    assert [node for node, _, _ in by_name] == list(written)
    assert list(written) == [n for n in reversed(graph.order) if n != "L"]
    for node, contributions, expression in by_name:
        assert expression == sympy.Add(*(partial * named[child] if child != "L" else partial
                                         for child, partial in contributions))
        assert expression.xreplace({named[c]: written[c] for c, _ in contributions
                                    if c != "L"}) == written[node]


def test_the_output_is_not_yielded_and_its_adjoint_is_one() -> None:
    graph = load_problem("branching_graph").graph
    steps = list(adjoint_sweep(graph, {"b", "c", "d", "e"}, "e"))
    assert [node for node, _, _ in steps] == ["d", "c", "b"]
    assert steps[0][2] == graph.local_partial("d", "e")
