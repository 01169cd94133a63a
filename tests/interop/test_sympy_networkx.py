"""from_sympy and from_networkx: problems from an expression or a graph someone already has."""

from __future__ import annotations

import networkx as nx
import pytest
import sympy

from symbackprop.calculus.derivation import derive
from symbackprop.errors import FormulaError, SpecError
from symbackprop.interop import from_networkx, from_sympy
from symbackprop.numeric.oracles import composed_diff
from symbackprop.rules.functions import sigmoid
from symbackprop.spec import load_problem, load_problem_text


def test_from_sympy_matches_sympy_diff() -> None:
    w, b, x, y = sympy.symbols("w b x y")  # no assumptions: matched to the nodes by name
    loss = (sigmoid(w * x + b) - y) ** 2 / 2 + 0.1 * w**2
    problem = from_sympy(loss, parameters=[w, b], targets=["y"],
                         values={w: 0.3, b: -0.2, x: 1.5, y: 1})
    assert problem.graph.parameters == ["b", "w"]
    assert problem.graph.kind_of("input", "target") == ["x", "y"]
    real = {s: sympy.Symbol(s.name, real=True) for s in (w, b, x, y)}
    expected = sympy.diff(loss.xreplace(real), real[w]).subs(
        {real[w]: 0.3, real[b]: -0.2, real[x]: 1.5, real[y]: 1})
    assert derive(problem.graph, "w", values=problem.values).value == pytest.approx(
        float(expected), rel=1e-12)
    assert problem.graph.nodes["L"].definition.atoms(sympy.Float) == set()  # 0.1 is 1/10
    again = load_problem_text(problem.to_toml())
    assert again.graph.nodes["L"].definition == problem.graph.nodes["L"].definition
    assert again.values == problem.values


def test_from_sympy_with_definitions_gives_a_graph_of_nodes() -> None:
    x, w, h, g = sympy.symbols("x w h g")
    problem = from_sympy({"h": sympy.tanh(w * x), "g": h * w, "L": g**2 + h},
                         parameters=["w"], values={"x": 0.5, "w": 2.0})
    assert set(problem.graph.parents("L")) == {"g", "h"}
    d = derive(problem.graph, "w", values=problem.values)
    assert len(d.terms) == 3
    assert d.value == pytest.approx(float(composed_diff(problem.graph, "w").subs(
        {sympy.Symbol("x", real=True): 0.5, sympy.Symbol("w", real=True): 2.0})), rel=1e-12)


def test_from_sympy_refusals() -> None:
    x, w = sympy.symbols("x w")
    with pytest.raises(SpecError, match="node 'L': the function 'sinh' cannot be written"):
        from_sympy(sympy.sinh(w * x), parameters=[w])
    with pytest.raises(SpecError, match="parameter 'q' is not a free symbol"):
        from_sympy(w * x, parameters=["q"])
    with pytest.raises(SpecError, match="two different symbols are called 'x'"):
        from_sympy(x + sympy.Symbol("x", positive=True), parameters=[w])
    with pytest.raises(SpecError, match="'z' is not a leaf"):
        from_sympy(w * x, parameters=[w], values={"z": 1})



def test_from_sympy_takes_a_symbol_named_like_a_function() -> None:
    # a node may be called exp: a formula tells the name (exp) from the call (exp(x))
    w, named = sympy.symbols("w exp")
    problem = from_sympy(named * sympy.exp(w), parameters=[w], values={"w": 0.0, "exp": 2.0})
    assert sorted(problem.graph.nodes) == ["L", "exp", "w"]
    assert derive(problem.graph, "w", values=problem.values).value == pytest.approx(2.0)


def test_from_networkx_reads_formulas_and_sympy() -> None:
    bundled = load_problem("branching_graph")
    g = nx.DiGraph(output="e")
    g.add_node("a", kind="input", value=2)
    g.add_node("b", kind="input", value=1)
    g.add_node("c", expr="a + b")
    g.add_node("d", expr=sympy.Symbol("b") + 1)
    g.add_node("e", expr="c * d")
    g.add_edges_from([("a", "c"), ("b", "c"), ("b", "d"), ("c", "e"), ("d", "e")])
    problem = from_networkx(g)
    assert problem.values == bundled.values
    for name, node in bundled.graph.nodes.items():
        assert (node.kind, node.definition) == (problem.graph.nodes[name].kind,
                                                problem.graph.nodes[name].definition)
    assert derive(problem.graph, "b", values=problem.values).value == 5.0


def test_from_networkx_errors_name_the_node_and_attribute() -> None:
    g = nx.DiGraph([("x", "h")])
    with pytest.raises(SpecError, match="node 'h': has predecessors but no expr attribute"):
        from_networkx(g)
    g.nodes["h"]["expr"] = "x * w"
    g.add_node("w")
    with pytest.raises(SpecError, match="2 nodes have no successors"):
        from_networkx(g)
    g.add_edge("w", "h")
    g.nodes["x"]["kind"] = "weight"
    with pytest.raises(SpecError, match="node 'x': kind 'weight'; allowed: input, parameter"):
        from_networkx(g)
    g.nodes["x"]["kind"] = "input"
    g.add_node("q")
    g.add_edge("q", "h")
    with pytest.raises(SpecError, match="edge from q, but expr does not use it"):
        from_networkx(g)
    g.remove_node("q")
    g.nodes["h"]["expr"] = "__import__('os')"
    with pytest.raises(FormulaError, match="node 'h' expr"):
        from_networkx(g)
    g.nodes["h"]["expr"] = "x * w"
    g.add_edge("h", "x")
    with pytest.raises(SpecError, match="cycle"):
        from_networkx(g)
