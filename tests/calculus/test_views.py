"""A derivation's views come from the registry that render, draw and explore fill, and only
from it."""

from __future__ import annotations

import pytest

import symbackprop
from symbackprop.calculus import views
from symbackprop.calculus.derivation import derive
from symbackprop.calculus.sweep import gradients
from symbackprop.errors import MissingExtraError, SymbackpropError
from symbackprop.render.gradients import gradients_math
from symbackprop.render.latex import derivation_math
from symbackprop.render.markdown import derivation_markdown
from symbackprop.spec import load_problem


def _derivation(name: str = "mazur_2_2_2", wrt: str = "w1") -> symbackprop.Derivation:
    problem = load_problem(name)
    return derive(problem.graph, wrt, values=problem.values)


def test_importing_symbackprop_registers_every_view() -> None:
    from symbackprop.draw.figure import draw_derivation
    from symbackprop.explore.page import derivation_html

    assert views.view("latex") is derivation_math
    assert views.view("html") is derivation_html
    assert views.view("markdown") is derivation_markdown
    assert views.view("figure") is draw_derivation
    assert views.view("gradients") is gradients_math


def test_the_gradients_of_a_sweep_show_in_jupyter_through_their_view(
        monkeypatch: pytest.MonkeyPatch) -> None:
    grads = gradients(load_problem("mazur_2_2_2").graph)
    assert grads._repr_latex_() == gradients_math(grads)
    monkeypatch.setattr(views, "_VIEWS", {})
    assert grads._repr_latex_() is None


@pytest.mark.parametrize(("name", "wrt"), [("mazur_2_2_2", "w1"), ("branching_graph", "b")])
def test_jupyter_reprs_are_what_render_produces(name: str, wrt: str) -> None:
    d = _derivation(name, wrt)
    assert d._repr_latex_() == derivation_math(d)
    assert d._repr_markdown_() == derivation_markdown(d)
    from symbackprop.explore.page import derivation_html

    assert d._repr_html_() == derivation_html(d)


def test_the_registered_view_is_the_one_called(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "_VIEWS", {})
    calls = []
    views.register_view("figure", lambda d, **options: calls.append((d.wrt, options)) or "fig")
    views.register_view("latex", lambda d: f"$${d.of}$$")
    d = _derivation()
    assert d.draw(edge_labels="formula") == "fig"
    assert calls == [("w1", {"edge_labels": "formula"})]
    assert d._repr_latex_() == "$$L$$"
    assert d._repr_markdown_() is None


def test_without_views_reprs_are_none_and_draw_says_what_to_import(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "_VIEWS", {})
    d = _derivation()
    assert d._repr_latex_() is None
    assert d._repr_markdown_() is None
    assert d._repr_html_() is None
    with pytest.raises(MissingExtraError,
                       match=r"dL/dw1: no figure view .* import symbackprop\.draw"):
        d.draw()
    assert repr(d) == "Derivation(dL/dw1, 2 paths = 0.0004385677345)"


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(SymbackpropError, match="unknown kind of view 'pdf'"):
        views.register_view("pdf", derivation_math)
    with pytest.raises(SymbackpropError, match="unknown kind of view 'svg'"):
        views.view("svg")
