"""Natural order everywhere a list of nodes or parameters is shown (``yhat_2`` before
``yhat_10``), and no value printed as ``-0``; outputs of networks no wider than 9 unchanged."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symbackprop.calculus.derivation import derive
from symbackprop.calculus.paths import iter_paths
from symbackprop.calculus.sweep import gradients
from symbackprop.graph.network import LayeredNetwork
from symbackprop.naming import natural_key
from symbackprop.render import derivation_text
from symbackprop.render.gradients import gradients_text
from symbackprop.render.numbers import decimal_number, latex_number, percent, text_number
from symbackprop.render.typeset import latex_expr, natural_str, text_expr
from symbackprop.spec import bundled_examples, load_problem


@pytest.fixture(scope="module")
def eleven() -> LayeredNetwork:
    return LayeredNetwork((2, 11, 11), ("sigmoid",), "softmax", "cross_entropy")


def _natural(names: list[str]) -> bool:
    return names == sorted(names, key=natural_key)


def test_the_graph_order_and_the_paths_are_natural(eleven: LayeredNetwork) -> None:
    graph = eleven.build()
    outputs = [n for n in graph.order if n.startswith("yhat")]
    assert outputs[:3] == ["yhat_1", "yhat_2", "yhat_3"] and outputs[-1] == "yhat_11"
    assert _natural(graph.parameters)
    second = [p.nodes[3] for p in iter_paths(graph, "w_1_1_1")][::11]
    assert second == [f"a_2_{j}" for j in range(1, 12)]


def test_printed_sums_and_listings_are_natural(eleven: LayeredNetwork) -> None:
    graph = eleven.build()
    h = graph.node("h_1_1").symbol
    delta = graph.local_partial("h_1_1", "a_2_1") * h + sum(
        graph.node(f"w_2_{j}_1").symbol for j in (2, 10, 11))
    for text in (text_expr(delta), natural_str(delta)):
        positions = [text.index(f"w_2_{j}_1") for j in (1, 2, 10, 11)]
        assert positions == sorted(positions), text
    latex = latex_expr(delta, graph.latex_names())
    assert latex.index("w_{2,2,1}") < latex.index("w_{2,10,1}")
    page = gradients_text(gradients(graph, wrt=eleven.parameter_names()))
    deltas = [line.split()[0] for line in page.splitlines() if line.startswith("  δ_yhat")]
    assert deltas == [f"δ_yhat_{j}" for j in range(11, 0, -1)]   # reverse topological
    listed = [line.split()[0] for line in page.splitlines() if line.startswith("  ∂L/∂w_2")]
    assert _natural([name.removeprefix("∂L/∂") for name in listed])


@pytest.mark.parametrize("name", sorted(bundled_examples("scalar")))
def test_narrow_networks_print_as_sympy_orders_them(name: str) -> None:
    graph = load_problem(name).graph
    for wrt in graph.parameters or graph.kind_of("input"):
        d = derive(graph, wrt)
        for expr in (d.expression, d.simplified("textbook"), *(
                f.expression for t in d.terms or () for f in t.factors)):
            assert natural_str(expr) == str(expr)


def test_no_value_prints_as_minus_zero() -> None:
    assert [text_number(-0.0), latex_number(-0.0), decimal_number(-0.0), percent(-1e-5)] == [
        "0", "0", "0.0000000000", "0.0"]
    assert text_number(-1e-300) == "-1e-300"          # a negative number keeps its sign
    graph = load_problem("branching_graph").graph
    d = derive(graph, "a", values={"a": 0.0, "b": -1.0})   # de/da = d = b + 1 = 0
    assert d.value == 0 and "-0" not in derivation_text(d)


@pytest.mark.parametrize("name", sorted(bundled_examples("scalar")))
def test_gradients_print_as_sympy_prints_them(name: str) -> None:
    """The products of two symbols (``h11*delta_a21``) are written without the printer: as it
    would write them, whatever the symbols' names."""
    import sympy

    from symbackprop.naming import symbol
    from symbackprop.render.typeset import natural_latex

    grads = gradients(load_problem(name).graph)
    names = grads.latex_names()
    renamed = {s: symbol("δ_" + s.name.removeprefix("delta_")) for s in names
               if s.name.startswith("delta_")}
    for w in grads.wrt:
        for expr in (grads[w], grads[w].xreplace(renamed)):
            assert natural_str(expr) == str(expr)
            assert natural_latex(expr, names) == sympy.latex(expr, symbol_names=names)


_NAMES = ["x", "x1", "x10", "x2", "a2_1", "a10", "h_1_2", "h_1_10", "h_10_1", "w_3_1_64",
          "w_3_10_64", "w_3_2_9", "delta_a_3_1", "delta_a_3_10", "delta_a_3_2", "δ_a_2",
          "yhat_1", "yhat_10", "yhat_2", "b", "B", "_z", "z_09", "z_9"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_NAMES), st.sampled_from(_NAMES)), min_size=2,
                max_size=12))
def test_a_sum_of_symbol_pairs_prints_as_the_natural_printer_does(
        pairs: list[tuple[str, str]]) -> None:
    """The fast path for a sum of products of two symbols (an adjoint of a wide layer) gives
    exactly the string of the natural-order printer it stands in for, and leaves every other
    shape (a square, a coefficient, a lone symbol) to that printer."""
    import sympy

    from symbackprop.naming import symbol
    from symbackprop.render.typeset import _NaturalStr, _pair_sum_str

    expr = sympy.Add(*(symbol(a) * symbol(b) for a, b in pairs))
    expected = _NaturalStr().doprint(expr)
    assert natural_str(expr) == expected
    shaped = isinstance(expr, sympy.Add) and all(
        isinstance(t, sympy.Mul) and len(t.args) == 2 and all(a.is_Symbol for a in t.args)
        for t in expr.args)
    assert (_pair_sum_str(expr) is not None) == shaped


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_NAMES), st.sampled_from(_NAMES), st.booleans(), st.booleans(),
       st.sampled_from(_NAMES))
def test_the_fast_paths_of_a_weights_gradient_print_as_sympy_does(
        left: str, right: str, left_real: bool, right_real: bool, renamed_to: str) -> None:
    """A product of two symbols, real or not (the text view's adjoints are not), prints, and is
    renamed, exactly as sympy's printer and ``xreplace`` do."""
    import sympy

    from symbackprop.render.gradients import _renamed
    from symbackprop.render.typeset import _symbol_pair, plain_str

    a = sympy.Symbol(left, real=True) if left_real else sympy.Symbol(left)
    b = sympy.Symbol(right, real=True) if right_real else sympy.Symbol(right)
    expr = a * b
    assert natural_str(expr) == str(expr) and plain_str(a) == str(a)
    if _symbol_pair(expr) is not None:
        assert [s.name for s in _symbol_pair(expr)] == [
            s.name for s in expr.as_ordered_factors()]
    renaming = {a: sympy.Symbol(renamed_to)}
    assert _renamed(expr, renaming) == expr.xreplace(renaming)
    assert str(_renamed(expr, renaming)) == str(expr.xreplace(renaming))
