"""Nothing costly is built unless an output needs it: the sum over paths, the simplified and
leaves-only forms of a wide network's derivation are left out past their limits (with a line
saying so), and the leaves-only form is never built when its estimated size is too large."""

from __future__ import annotations

import json

import pytest
import sympy

from symbackprop.calculus.derivation import derive
from symbackprop.calculus.options import EXPRESSION_LIMIT, LEAVES_BUILD_LIMIT
from symbackprop.calculus.simplify import leaves_operations
from symbackprop.cli import main
from symbackprop.graph.network import LayeredNetwork
from symbackprop.render import derivation_data, derivation_markdown, derivation_text
from symbackprop.render.latex import derivation_latex
from symbackprop.render.typeset import natural_str
from symbackprop.spec import bundled_examples, load_problem


def _network(shape: tuple[int, ...]) -> LayeredNetwork:
    return LayeredNetwork(shape, ("sigmoid",) * (len(shape) - 2), "softmax", "cross_entropy",
                          bias="per_neuron")


@pytest.fixture(scope="module")
def wide() -> LayeredNetwork:
    return _network((8, 8, 8, 2))


def _built(derivation: object) -> set[str]:
    """Which lazy forms a derivation has built."""
    return {name for name in ("expression", "leaves") if name in vars(derivation)}


@pytest.mark.parametrize("name", sorted(bundled_examples("scalar")))
def test_the_estimated_leaves_size_is_close_to_the_true_one(name: str) -> None:
    graph = load_problem(name).graph
    for wrt in graph.parameters or graph.kind_of("input"):
        d = derive(graph, wrt)
        true = sum(1 for _ in sympy.preorder_traversal(d.leaves))
        assert true <= d.leaves_size <= 2 * true, (wrt, d.leaves_size, true)


def test_a_leaves_form_too_large_to_write_is_never_built(wide: LayeredNetwork) -> None:
    d = derive(wide.build(), wide.weight_name(1, 1, 1))       # 32 paths, leaves of ~500,000
    assert d.leaves_size > LEAVES_BUILD_LIMIT
    assert leaves_operations(d) is None
    page = derivation_text(d)
    assert "in leaves only: more than 5,000 operations (too large to write out)" in page
    assert derivation_data(d)["leaves"] is None
    assert "leaves" not in _built(d)


def test_past_the_term_limit_nothing_is_written_out_or_built(wide: LayeredNetwork) -> None:
    d = derive(wide.build(), wide.weight_name(1, 1, 1))
    limit = d.path_count - 1
    pages = {"text": derivation_text(d, max_terms=limit),
             "latex": derivation_latex(d, max_terms=limit),
             "markdown": derivation_markdown(d, max_terms=limit)}
    data = derivation_data(d, max_terms=limit)
    assert _built(d) == set()                 # neither the sum nor the leaves-only form
    why = f"the sum over its {d.path_count:,} paths is not written out"
    for fmt, page in pages.items():
        assert why in page, fmt
        assert f"--max-terms {d.path_count}" in page, fmt
    assert why in data["omitted"]
    assert [data[k] for k in ("expression", "simplified", "latex", "leaves")] == [None] * 4
    assert len(data["paths"]) == d.path_count and data["value"] is None  # paths still listed
    written = derivation_data(d, max_terms=d.path_count)     # asked for: written out, right
    assert "omitted" not in written
    assert written["expression"] == natural_str(d.expression)


def test_the_command_line_leaves_the_forms_out_and_says_how_to_ask(
        tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    problem = tmp_path / "wide.toml"
    problem.write_text('[network]\nlayers = [2, 12, 12, 12]\nhidden = "sigmoid"\n'
                       'output = "softmax"\nloss = "cross_entropy"\n', encoding="utf-8")
    assert main(["derive", str(problem), "--wrt", "w_1_1_1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["path_count"] == 12 * 12 * 12 > EXPRESSION_LIMIT
    assert data["expression"] is None and "--max-terms 1728" in data["omitted"]
    assert main(["derive", str(problem), "--wrt", "w_3_1_1", "--format", "json",
                 "--max-terms", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["path_count"] == 12 and data["simplified"] is None
