"""The interactive page of a tensor problem, read as HTML (the browser tests are in
test_tensor_explore_browser.py): every bundled tensor example makes a page; each parameter
carries its tensor paths as ``derive`` lists them, its derivation as ``derive`` prints it, its
gradient by the display rule, and every tensor mistake's predicted gradient; the page stays
under its size limit (the 784-256-10 MLP included); text from a file stays text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from test_explore_page import EXAMPLES, HOSTILE, _parsed, raw_data

from symbackprop.calculus.tensor_derivation import tensor_derive
from symbackprop.check.tensor_predict import TensorPredictor
from symbackprop.cli import main
from symbackprop.draw.tensor_scene import tensor_layout
from symbackprop.errors import SymbackpropError
from symbackprop.explore import explore_tensor_page, explore_tensor_problem
from symbackprop.explore.tensor_data import MAX_TYPED_ENTRIES
from symbackprop.limits import MAX_PAGE_BYTES
from symbackprop.render.tensor_values import matrix_text
from symbackprop.render.text import derivation_text
from symbackprop.spec import load_problem

ROOT = Path(__file__).resolve().parents[2]
TENSOR = sorted(p.stem for p in EXAMPLES.glob("tensor_*.toml"))


def test_the_bundled_tensor_examples_are_the_ones_tested() -> None:
    assert len(TENSOR) >= 8 and "tensor_mlp" in TENSOR and "tensor_ninja" in TENSOR


@pytest.mark.parametrize("name", TENSOR)
def test_every_bundled_tensor_example_makes_a_page_with_what_derive_says(
        name: str, tmp_path: Path) -> None:
    out = tmp_path / f"{name}.html"
    assert main(["explore", name, "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert len(page.encode()) < MAX_PAGE_BYTES.value()
    problem = load_problem(name)
    data = raw_data(page)
    assert [c["name"] for c in data["choices"]] == list(problem.graph.parameters)
    edges = [(e["from"], e["to"]) for e in data["edges"]]
    predictor = TensorPredictor(problem.graph, problem.graph.forward(problem.values))
    for choice in data["choices"]:
        d = tensor_derive(problem.graph, choice["name"], values=problem.values)
        assert choice["count"] == d.path_count
        assert d.terms is not None
        assert [[edges[e] for e in path] for path in choice["paths"]] == [
            list(zip(t.path.nodes, t.path.nodes[1:], strict=False)) for t in d.terms]
        assert choice["derivation"] == derivation_text(d, learning_rate=problem.learning_rate)
        assert choice["total"] == "\n".join(matrix_text(d.gradient))
        assert choice["shape"] == list(d.gradient.shape)
        if d.gradient.size > MAX_TYPED_ENTRIES:
            assert choice["value"] is None and choice["mistakes"] == []
            continue
        np.testing.assert_array_equal(np.reshape(choice["value"], d.gradient.shape), d.gradient)
        carried = [p for p in predictor.predictions(choice["name"])
                   if p.value.size <= MAX_TYPED_ENTRIES]
        assert [tuple(m[0]) for m in choice["mistakes"]] == [p.names for p in carried]
        for row, prediction in zip(choice["mistakes"], carried, strict=True):
            assert row[1] == prediction.text
            np.testing.assert_array_equal(np.reshape(row[3], row[2]), prediction.value)


def test_the_page_draws_the_graph_where_draw_places_it() -> None:
    problem = load_problem("tensor_mlp")
    exploration = explore_tensor_problem(problem)
    page = explore_tensor_page(exploration)
    union = {(a.node, c) for ch in exploration.choices for a in ch.derivation.adjoints
             for c, _ in a.contributions}
    layout = tensor_layout(problem.graph, union)
    data = raw_data(page)
    assert [(e["from"], e["to"]) for e in data["edges"]] == list(layout.edges)
    assert page.count('class="sbp-node sbp-') == len(layout.nodes) == len(problem.graph.order)
    assert ">W1 (3×5)</text>" in page


def test_the_784_mlp_gives_a_page_under_the_limit_that_judges_only_what_can_be_typed(
        tmp_path: Path) -> None:
    out = tmp_path / "mlp_784.html"
    assert main(["explore", str(ROOT / "examples" / "tensor" / "mlp_784.toml"), "-o",
                 str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert len(page.encode()) < 1_000_000
    choices = {c["name"]: c for c in raw_data(page)["choices"]}
    assert choices["W1"]["entries"] == 784 * 256
    assert choices["W1"]["value"] is None and choices["W1"]["mistakes"] == []
    assert "(784, 256): ‖·‖ = " in choices["W1"]["total"]      # the display rule's summary
    assert choices["b2"]["value"] is not None and choices["b2"]["mistakes"]


def test_a_page_past_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(MAX_PAGE_BYTES.env, "50000")
    assert main(["explore", "tensor_mlp", "-o", "-"]) != 0
    assert MAX_PAGE_BYTES.env in capsys.readouterr().err


def test_wrt_chooses_the_parameter_and_an_unknown_one_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.html"
    assert main(["explore", "tensor_mlp", "--wrt", "b2", "-o", str(out)]) == 0
    assert raw_data(out.read_text(encoding="utf-8"))["selected"] == "b2"
    assert main(["explore", "tensor_mlp", "--wrt", "Z1", "-o", str(out)]) == 2
    assert "not a parameter; allowed: W1, W2, b1, b2" in capsys.readouterr().err


def test_a_file_without_values_gives_a_page_that_judges_nothing(tmp_path: Path) -> None:
    text = (EXAMPLES / "tensor_mlp.toml").read_text(encoding="utf-8")
    text = re.sub(r"draw = \{ normal = 0.5 \}", "draw = 'none'", text)
    text = text.replace('W2 = { shape = [5, 3], draw = "normal" }', "W2 = { shape = [5, 3] }")
    text = text.replace('W1 = { shape = [3, 5], draw = \'none\' }', "W1 = { shape = [3, 5] }")
    path = tmp_path / "novalues.toml"
    path.write_text(text, encoding="utf-8")
    problem = load_problem(str(path))
    assert not problem.has_values
    data = raw_data(explore_tensor_page(explore_tensor_problem(problem)))
    assert all(c["value"] is None and c["total"] is None for c in data["choices"])


def _hostile_tensor_problem(tmp_path: Path) -> Path:
    text = (EXAMPLES / "tensor_mlp.toml").read_text(encoding="utf-8")
    for key, value in (("title", HOSTILE), ("source", HOSTILE[::-1])):
        text = re.sub(rf'^{key} = ".*"$', lambda _, k=key, v=value: f"{k} = {json.dumps(v)}",
                      text, count=1, flags=re.MULTILINE)
    path = tmp_path / "hostile_tensor.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_hostile_text_stays_text(tmp_path: Path) -> None:
    page = explore_tensor_page(explore_tensor_problem(load_problem(
        str(_hostile_tensor_problem(tmp_path)))))
    parsed = _parsed(page)
    tags = [tag for tag, _ in parsed.tags]
    assert tags.count("script") == 2                    # the data and the page's script
    assert "img" not in tags
    assert parsed.text("h1") == HOSTILE and parsed.text("title") == HOSTILE
    assert raw_data(page)["title"] == HOSTILE


def test_a_hostile_tensor_name_never_reaches_the_page(tmp_path: Path) -> None:
    """A tensor's name is an identifier (dotted for a composite's parts), checked where the
    file is read: no markup can be a name (the picture escapes names all the same)."""
    text = (EXAMPLES / "tensor_mlp.toml").read_text(encoding="utf-8")
    text = text.replace('b2 = [0.1, 0.0, -0.1]', '"b2<img src=x>" = [0.1, 0.0, -0.1]')
    path = tmp_path / "name.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SymbackpropError, match="not a valid name"):
        load_problem(str(path))
