"""Paths: the DP count equals the enumeration; the bundled networks' paths are exactly right."""

from __future__ import annotations

import math

import networkx as nx
import pytest
from conftest import ZOO_GRAPHS

from symbackprop.calculus.paths import (
    children_on_paths,
    count_paths,
    find_paths,
    iter_paths,
    path_counts,
    relevant,
    walk_paths,
)
from symbackprop.errors import NoPathError, PathLimitError
from symbackprop.graph.network import LayeredNetwork
from symbackprop.spec import load_problem


def test_padhai_w131_has_exactly_four_paths() -> None:
    graph = load_problem("padhai_4_4_2").graph
    paths = {p.nodes for p in iter_paths(graph, "w131")}
    assert paths == {
        ("w131", "a13", "h13", "a21", "yhat1", "L"),
        ("w131", "a13", "h13", "a21", "yhat2", "L"),
        ("w131", "a13", "h13", "a22", "yhat1", "L"),
        ("w131", "a13", "h13", "a22", "yhat2", "L"),
    }
    # Through a softmax the second-layer weight reaches the loss through both outputs.
    assert {p.nodes for p in iter_paths(graph, "w212")} == {
        ("w212", "a21", "yhat1", "L"), ("w212", "a21", "yhat2", "L")}


def test_the_chains_of_w1_and_w5_stop_where_they_should() -> None:
    graph = load_problem("mazur_2_2_2").graph
    assert [p.nodes for p in iter_paths(graph, "w5")] == [("w5", "a21", "yhat1", "L")]
    assert [p.nodes for p in iter_paths(graph, "w1")] == [
        ("w1", "a11", "h11", "a21", "yhat1", "L"), ("w1", "a11", "h11", "a22", "yhat2", "L")]


@pytest.mark.parametrize("layers", [(3, 4, 5, 2), (2, 3, 3, 3, 2), (5, 2, 6)])
@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_count_is_product_of_widths(layers: tuple[int, ...], output: str) -> None:
    network = LayeredNetwork(layers, ("tanh",) * (len(layers) - 2), output, "squared_error")
    graph = network.build()
    coupling = layers[-1] if output == "softmax" else 1
    for layer in range(1, len(layers)):
        expected = math.prod(layers[layer + 1:]) * coupling
        assert count_paths(graph, network.weight_name(layer, 1, 1)) == expected


@pytest.mark.parametrize("name", sorted(ZOO_GRAPHS))
def test_dp_count_equals_networkx_enumeration(name: str) -> None:
    graph = ZOO_GRAPHS[name][0]()
    counts = path_counts(graph)
    for node in graph.order:
        enumerated = (1 if node == graph.output else
                      sum(1 for _ in nx.all_simple_paths(graph.digraph, node, graph.output)))
        assert counts[node] == enumerated


def test_limit_and_no_path() -> None:
    network = LayeredNetwork((2, 6, 6, 6, 3), ("sigmoid",) * 3, "softmax", "cross_entropy")
    graph = network.build()
    assert count_paths(graph, "w111") == 6 * 6 * 3 * 3
    with pytest.raises(PathLimitError, match=r"324 paths .* more than the limit of 100"):
        list(iter_paths(graph, "w111", limit=100))
    with pytest.raises(NoPathError, match="h12 does not depend on w211"):
        relevant(graph, "w211", "h12")
    with pytest.raises(NoPathError, match="h22 does not depend on w211"):
        relevant(graph, "w211", "h22")
    with pytest.raises(NoPathError):
        list(iter_paths(graph, "y1", "yhat1"))


def test_paths_are_in_a_stable_order() -> None:
    graph = load_problem("padhai_4_4_2").graph
    first = [p.nodes for p in iter_paths(graph, "w131")]
    assert first == [p.nodes for p in iter_paths(graph, "w131")]
    assert first[0] == ("w131", "a13", "h13", "a21", "yhat1", "L")


@pytest.mark.parametrize("name", sorted(ZOO_GRAPHS))
def test_the_walk_lists_networkx_simple_paths_in_topological_order(name: str) -> None:
    graph = ZOO_GRAPHS[name][0]()
    position = {node: i for i, node in enumerate(graph.order)}
    for source in graph.order:
        if source == graph.output:
            continue
        expected = sorted(nx.all_simple_paths(graph.digraph, source, graph.output),
                          key=lambda p: [position[n] for n in p])
        assert [list(p.nodes) for p in iter_paths(graph, source, limit=None)] == expected


def test_the_walk_says_how_much_each_path_shares_with_the_last() -> None:
    graph = load_problem("padhai_4_4_2").graph
    children = children_on_paths(graph, relevant(graph, "w131"))
    walked = list(walk_paths(children, "w131", "L"))
    before: tuple[str, ...] = ()
    for nodes, shared in walked:
        common = next((i for i, (a, b) in enumerate(zip(nodes, before, strict=False))
                       if a != b), min(len(nodes), len(before)))
        assert shared == max(common, 1)
        before = nodes
    assert [shared for _, shared in walked] == [1, 4, 3, 4]


@pytest.mark.parametrize("name", sorted(ZOO_GRAPHS))
def test_a_path_set_counts_and_lists_what_the_whole_graph_gives(name: str) -> None:
    graph = ZOO_GRAPHS[name][0]()
    counts = path_counts(graph)
    position = {node: i for i, node in enumerate(graph.order)}
    for source in graph.order:
        if counts[source] == 0:
            with pytest.raises(NoPathError):
                find_paths(graph, source)
            continue
        paths = find_paths(graph, source)
        assert paths.count == counts[source]
        assert set(paths.children) == relevant(graph, source)
        assert [position[n] for n in paths.children] == sorted(
            position[n] for n in paths.children)           # topological order
        assert list(paths) == list(iter_paths(graph, source, limit=None))


def test_derive_finds_its_paths_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The nodes on the paths, their children and the count are found once and shared by the
    sweep, the count and the listing (none of them searches the graph again)."""
    from symbackprop.calculus import derivation, paths

    calls: list[str] = []

    def counted(function):
        def wrapper(*args, **kwargs):
            calls.append(function.__name__)
            return function(*args, **kwargs)
        return wrapper

    for name in ("relevant", "on_paths", "children_on_paths", "path_counts"):
        monkeypatch.setattr(paths, name, counted(getattr(paths, name)))
    problem = load_problem("padhai_4_4_2")
    d = derivation.derive(problem.graph, "w131", values=problem.values)
    assert d.path_count == 4 and len(d.terms) == 4
    assert sorted(calls) == ["children_on_paths", "on_paths", "relevant"]


def test_a_path_set_of_one_node() -> None:
    graph = load_problem("mazur_2_2_2").graph
    paths = find_paths(graph, "L")
    assert (paths.count, [p.nodes for p in paths]) == (1, [("L",)])
    assert repr(paths) == "PathSet(L -> L, 1 path)"
