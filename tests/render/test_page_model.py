"""The page model: built once from a derivation, format-free, written by the text, LaTeX and
Markdown writers, each with its own headings and limits."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sympy

import symbackprop.render.page as builder
from symbackprop.calculus.derivation import derive
from symbackprop.numeric.matrix import matrix_form
from symbackprop.render import derivation_markdown, derivation_text, latex_page
from symbackprop.render.model import Equations, Form, FormKind, Items, Kind, Table, TotalShare
from symbackprop.render.page import page_model
from symbackprop.render.pieces import LEAVES_SHOWN as PAGE_LEAVES
from symbackprop.render.text import LEAVES_SHOWN as TEXT_LEAVES
from symbackprop.spec import load_problem

MODEL = Path(builder.__file__).with_name("model.py")


def test_the_model_knows_no_derivation():
    """A tensor-level derivation will be rendered through the same model, built by another
    builder: the model's types must not read a scalar Derivation."""
    tree = ast.parse(MODEL.read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "Derivation" not in imported
    assert not any(m and m.endswith("derivation") for m in modules)


def test_a_page_has_every_kind_of_section_in_order():
    problem = load_problem("mazur_2_2_2")
    d = derive(problem.graph, "w1", values=problem.values)
    page = page_model(d, learning_rate=0.5, matrix=matrix_form(problem.network, d))
    # the forward pass is a tensor page's section (render.tensor_page); a scalar page has the rest
    assert [s.kind for s in page.sections] == [k for k in Kind if k is not Kind.FORWARD]
    text = derivation_text(d, learning_rate=0.5, matrix=matrix_form(problem.network, d))
    for heading in ("Paths", "Chain rule:", "Factored (backprop) form:", "Deltas δ_n",
                    "Local partials", "Result (textbook:", "Numbers", "Matrix form:"):
        assert f"\n\n{heading}" in text


@pytest.mark.parametrize("writer", [derivation_text, derivation_markdown,
                                    lambda d, **kw: latex_page(d, **kw).body],
                         ids=["text", "markdown", "latex"])
def test_each_writer_decides_the_result_forms_once(writer, monkeypatch):
    """The forms of the result are chosen in the builder (one call of ``results``), not again
    by a writer."""
    calls = []
    original = builder.results

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(builder, "results", counted)
    problem = load_problem("mazur_2_2_2")
    writer(derive(problem.graph, "w1", values=problem.values), strategy="factor")
    assert len(calls) == 1


def test_the_leaves_form_is_built_once_and_each_writer_shows_it_under_its_own_limit():
    assert TEXT_LEAVES < PAGE_LEAVES
    problem = load_problem("mazur_2_2_2")
    d = derive(problem.graph, "b2")
    leaves = page_model(d).section(Kind.RESULT).blocks[-1]
    assert isinstance(leaves, Form) and leaves.kind is FormKind.LEAVES
    assert leaves.formula is not None and TEXT_LEAVES < leaves.operations <= PAGE_LEAVES
    assert "in leaves only: 99 operations (shown with --simplify leaves)" in derivation_text(d)
    latex = latex_page(d)
    assert "In leaves only (inputs, targets and parameters):" in latex.body
    assert any(expr == leaves.expression for expr, _ in latex.formulas)
    assert "In leaves only (inputs, targets and parameters):" in derivation_markdown(d)


def test_a_leaves_form_past_every_limit_is_not_built():
    d = derive(load_problem("mazur_2_2_2").graph, "w1")
    (leaves,) = [f for f in page_model(d).section(Kind.RESULT).blocks
                 if isinstance(f, Form) and f.kind is FormKind.LEAVES]
    assert leaves.formula is None and leaves.operations == 129
    assert "in leaves only: 129 operations (shown with --simplify leaves)" in derivation_text(d)
    assert "the result has 129 operations: too long to print here" in latex_page(d).body


def test_the_factored_form_and_the_deltas_share_a_heading_in_latex_and_markdown():
    d = derive(load_problem("mazur_2_2_2").graph, "w1")
    body = latex_page(d).body
    factored = body.index(r"\subsection*{The factored form}")
    deltas = body.index("Read from the output back")
    assert factored < deltas and r"\subsection*" not in body[factored + 1:deltas]
    assert "The delta recursion" not in body
    assert "## The factored form" in derivation_markdown(d)
    alone = latex_page(derive(load_problem("mazur_2_2_2").graph, "w5")).body
    assert r"\subsection*{The delta recursion}" in alone and "factored form" not in alone


def test_markdown_tabulates_the_models_local_partials():
    problem = load_problem("sigmoid_chain")
    d = derive(problem.graph, "w1", values=problem.values)
    (block,) = page_model(d).section(Kind.PARTIALS).blocks
    assert isinstance(block, Equations)
    markdown = derivation_markdown(d)
    table = markdown.split("## Local partial derivatives\n\n")[1].split("\n\n")[0].splitlines()
    assert table[0] == "| local partial | textbook formula | value |"
    assert len(table) == 2 + len(block.rows)
    for line, row in zip(table[2:], block.rows, strict=True):
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        assert cells[0].startswith(r"$\frac{\partial ") and cells[2] != ""
        assert sympy.Float(cells[2]) == pytest.approx(row.value.value, rel=1e-5)


def test_the_numbers_table_is_typed_and_says_when_the_paths_cancel():
    from symbackprop.graph import ComputationGraph

    graph = ComputationGraph.from_definitions({"c": "2*a", "d": "-2*a", "e": "c + d"},
                                              inputs=["a"], output="e")
    d = derive(graph, "a", values={"a": 1.0})
    table = page_model(d).section(Kind.NUMBERS).blocks[0]
    assert isinstance(table, Table) and table.footer is not None
    assert table.footer[-1] == TotalShare(cancels=True)
    assert "(paths cancel)" in derivation_text(d)
    assert "The paths cancel: the total is zero up to rounding." in latex_page(d).body
    assert "| total |  | $0$ |  |" in derivation_markdown(d)


def test_unlisted_paths_leave_the_items_empty_and_the_text_without_a_chain_rule():
    problem = load_problem("padhai_4_4_2")
    d = derive(problem.graph, "w111", max_paths=2)
    assert d.terms is None
    (items,) = page_model(d).section(Kind.PATHS).blocks
    assert isinstance(items, Items) and items.entries == () and items.count == d.path_count
    text = derivation_text(d)
    assert "Chain rule" not in text and f"{d.path_count} paths from w111 to L" in text
    assert rf"\cdots \text{{ ({d.path_count} more)}}" in latex_page(d).body
