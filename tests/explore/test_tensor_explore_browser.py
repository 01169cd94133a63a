"""The interactive page of a tensor problem in a real browser (Debian's chromium driven by
Playwright, opened as browsing.py opens it).

Every bundled tensor example and every parameter: clicking its node lights as many paths as
``derive`` lists, the panel shows its derivation and gradient as ``derive`` prints them.  The
wrong answers typed come from the backward passes written by hand (tests/numpy_backward.py),
not from the page's own predictions; the page's judge of a typed matrix is compared with
:func:`symbackprop.check.tensor_check.judge_tensor` on a grid of answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import numpy_backward as by_hand
import pytest
from browsing import Visit, assert_hostile_text_kept, visits, written_pages
from launching import launched_browser
from test_tensor_explore_page import TENSOR, _hostile_tensor_problem

from symbackprop.calculus.tensor_derivation import tensor_derive
from symbackprop.check.tensor_check import judge_tensor
from symbackprop.check.tensor_predict import TensorPredictor
from symbackprop.cli import main
from symbackprop.render.tensor_values import matrix_text
from symbackprop.render.text import derivation_text
from symbackprop.spec import load_problem
from symbackprop.spec.tensor_claims import TensorClaim, nested_numbers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One browser for the module."""
    with launched_browser() as launched:
        yield launched


@pytest.fixture
def visit(chromium: Any) -> Iterator[Any]:
    """Open a page (a fresh context a test); every page is closed, without script errors."""
    yield from visits(chromium)


@pytest.fixture(scope="module")
def tensor_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The page of every bundled tensor example, written by the command line."""
    return written_pages(tmp_path_factory.mktemp("tensor_explore"), TENSOR)


def typed(value: Any, digits: int = 6) -> str:
    """A tensor as a student types it: nested lists, each entry to ``digits`` digits."""
    value = np.asarray(value, dtype=float)
    if value.ndim == 0:
        return f"{float(value):.{digits}g}"
    return "[" + ", ".join(typed(row, digits) for row in value) + "]"


def python_verdict(text: str, node: str, predictor: TensorPredictor) -> tuple[str, str | None]:
    """``check``'s verdict on ``text`` as a claim on ``dL/dNODE``, in the page's words."""
    numbers, shape = nested_numbers(json.loads(text, parse_float=Decimal, parse_int=Decimal),
                                    "answer")
    claim = TensorClaim(f"dL/d{node}", "gradient", node, 1, numbers, shape)
    result = judge_tensor(claim, predictor.truth[node], predictor)
    if result.verdict == "correct":
        return "right", None
    if result.kinds in (("shape",), ("unexplained",)):
        return ("shape" if result.kinds == ("shape",) else "wrong"), None
    return "mistake", "+".join(result.kinds)


def page_verdicts(page: Visit, answers: list[tuple[str, str]]) -> list[tuple[str, str | None]]:
    """The page's verdicts on ``(typed, parameter)`` pairs, judged by its script."""
    found = page.page.evaluate(
        "answers => answers.map(([t, n]) => { const v = document.querySelector('.sbp-explore')"
        ".sbpJudge(t, n); return [v.kind, v.mistake]; })", answers)
    return [(kind, mistake) for kind, mistake in found]


# -- every example, every parameter ---------------------------------------------------------------

@pytest.mark.parametrize("name", TENSOR)
def test_clicking_each_parameter_lights_its_paths_and_shows_its_derivation(
        name: str, tensor_pages: dict[str, Path], visit: Any) -> None:
    problem = load_problem(name)
    predictor = TensorPredictor(problem.graph, problem.graph.forward(problem.values))
    page = visit(tensor_pages[name])
    for wrt in problem.graph.parameters:
        d = tensor_derive(problem.graph, wrt, values=problem.values)
        page.page.locator(f'svg [data-node="{wrt}"]').click()
        lit, rows, total, text, chosen = page.page.evaluate(
            "() => [document.querySelectorAll('svg [data-path].highlighted').length, "
            "document.querySelectorAll('.sbp-row').length, "
            "document.getElementById('total').textContent, "
            "document.querySelector('.sbp-text').textContent, "
            "document.getElementById('sbp-choice').value]")
        assert (chosen, lit, rows) == (wrt, d.path_count, d.path_count)
        assert total == "\n".join(matrix_text(d.gradient))
        assert text == derivation_text(d, learning_rate=problem.learning_rate)
        kind, _, said = page.answer(typed(d.gradient, 10))
        if d.gradient.size > 1_000:
            assert kind == "unknown" and "too many to check on this page" in said
            continue
        assert kind == "right", said
        for prediction in predictor.predictions(wrt)[:3]:
            text = typed(prediction.value, 10)
            kind, mistake, said = page.answer(text)
            assert (kind, mistake) == python_verdict(text, wrt, predictor), said


# -- the acceptance on the MLP: the answers of numpy code written by hand -------------------------

@pytest.fixture
def mlp(tensor_pages: dict[str, Path], visit: Any) -> tuple[Visit, dict[str, np.ndarray]]:
    problem = load_problem("tensor_mlp")
    page = visit(tensor_pages["tensor_mlp"])
    return page, problem.graph.forward(problem.values)


def test_the_right_dW1_is_right(mlp: tuple[Visit, dict[str, np.ndarray]]) -> None:
    page, forward = mlp
    page.page.locator('svg [data-node="W1"]').click()
    kind, mistake, said = page.answer(typed(by_hand.mlp(forward)["dW1"]))
    assert (kind, mistake) == ("right", None)
    assert said.startswith("Right: dL/dW1 (3×5)")


@pytest.mark.parametrize(("mistakes", "node", "named", "note"), [
    ({"softmax_diagonal"}, "W1", "softmax_diagonal", "entries are off"),
    ({"activation_at_input"}, "W1", "activation_at_input", "entries are off"),
    ({"mean_missing"}, "W2", "mean_missing", "entries are off"),
    ({"transposed"}, "W1", "transposed", "you gave 5×3; dL/dW1 is 3×5: a transpose?"),
    ({"bias_not_summed"}, "b1", "bias_not_summed",
     "you gave 4×5; dL/db1 is 5: a sum over the batch axis left out?"),
    ({"transposed", "sign"}, "W1", "transposed+sign", "a transpose?"),
    ({"activation_at_input", "sign"}, "b1", "activation_at_input+sign", "entries are off"),
], ids=lambda v: "-".join(sorted(v)) if isinstance(v, set) else None)
def test_a_hand_written_mistake_is_named(mlp: tuple[Visit, dict[str, np.ndarray]],
                                         mistakes: set[str], node: str, named: str,
                                         note: str) -> None:
    page, forward = mlp
    page.page.locator(f'svg [data-node="{node}"]').click()
    wrong = by_hand.mlp(forward, frozenset(mistakes))[f"d{node}"]
    kind, mistake, said = page.answer(typed(wrong))
    assert (kind, mistake) == ("mistake", named), said
    assert note in said


def test_a_transposed_matrix_no_mistake_gives_gets_the_shape_note(
        mlp: tuple[Visit, dict[str, np.ndarray]]) -> None:
    page, _ = mlp
    page.page.locator('svg [data-node="W1"]').click()
    made_up = np.arange(15.0).reshape(5, 3)
    kind, mistake, said = page.answer(typed(made_up))
    assert (kind, mistake) == ("shape", None)
    assert "you gave 5×3; dL/dW1 is 3×5: a transpose?" in said


@pytest.mark.parametrize(("text", "kind", "said"), [
    ("X.T @ grad(Z1)", "formula", "symbackprop check"),
    ("-X.T @ grad(Z1)", "formula", "symbackprop check"),
    ("[[1e-3, 2]] + 1", "unreadable", "nested lists of numbers (JSON)"),
    ("[[1, 2], [3]]", "unreadable", "ragged"),
    ("[[1, true]]", "unreadable", "every entry must be a number"),
    ("[[1, 2]", "unreadable", "nested lists of numbers (JSON)"),
    ("", "unreadable", "Type the gradient as nested lists"),
])
def test_what_is_not_a_matrix_is_said(mlp: tuple[Visit, dict[str, np.ndarray]], text: str,
                                      kind: str, said: str) -> None:
    page, _ = mlp
    found, mistake, sentence = page.answer(text)
    assert (found, mistake) == (kind, None)
    assert said in sentence


# -- one judge: the page and check agree ----------------------------------------------------------

@pytest.mark.parametrize("name", ["tensor_mlp", "tensor_mazur", "tensor_batchnorm", "tensor_rnn"])
def test_the_page_and_check_judge_a_grid_of_matrices_alike(
        name: str, tensor_pages: dict[str, Path], visit: Any) -> None:
    problem = load_problem(name)
    predictor = TensorPredictor(problem.graph, problem.graph.forward(problem.values))
    answers: list[tuple[str, str]] = []
    rng = np.random.default_rng(5)
    for wrt in problem.graph.parameters:
        right = predictor.truth[wrt]
        grid = [typed(right, d) for d in (1, 2, 3, 4, 6, 12)]
        grid += [typed(right * 1.001), typed(right + rng.normal(0, 1e-3, right.shape), 4),
                 typed(np.zeros_like(right)), typed(right.ravel()), typed(right.T, 5)]
        for prediction in predictor.predictions(wrt)[:14]:
            grid += [typed(prediction.value, 3), typed(prediction.value, 8)]
        answers += [(text, wrt) for text in grid]
    page = visit(tensor_pages[name])
    found = page_verdicts(page, answers)
    assert found == [python_verdict(t, n, predictor) for t, n in answers]
    assert {"right", "mistake", "wrong", "shape"} <= {kind for kind, _ in found}


# -- large, offline, safe -------------------------------------------------------------------------

def test_the_784_mlp_page_says_its_weights_are_too_many_to_type(tmp_path: Path,
                                                                 visit: Any) -> None:
    out = tmp_path / "mlp_784.html"
    assert main(["explore", str(ROOT / "examples" / "tensor" / "mlp_784.toml"), "-o",
                 str(out)]) == 0
    page = visit(out)
    page.page.locator('svg [data-node="W1"]').click()
    kind, _, said = page.answer("[[1, 2], [3, 4]]")
    assert kind == "unknown"
    assert "dL/dW1 has 200,704 entries: too many to check on this page" in said
    page.page.locator('svg [data-node="b2"]').click()
    assert page.answer("[0.1]")[0] == "shape"


def test_the_page_makes_no_request(tensor_pages: dict[str, Path], visit: Any) -> None:
    page = visit(tensor_pages["tensor_batchnorm"])
    page.page.locator('svg [data-node="gamma"]').click()
    page.answer("[1, 2, 3, 4]")
    page.hover_edge(0)
    assert page.page.locator(".sbp-edge-info").text_content().startswith(
        page.page.evaluate("() => document.querySelector('.sbp-explore').sbpData.edges[0].from"))
    assert page.requests == [page.url]
    assert page.blocked == []


def test_hostile_text_stays_text_in_the_browser(tmp_path: Path, visit: Any) -> None:
    out = tmp_path / "hostile.html"
    assert main(["explore", str(_hostile_tensor_problem(tmp_path)), "-o", str(out)]) == 0
    page = visit(out)
    page.page.locator('svg [data-node="b1"]').click()
    page.answer("[0, 0, 0, 0, 0]")
    assert_hostile_text_kept(page)


def test_the_keyboard_chooses_a_parameter(tensor_pages: dict[str, Path], visit: Any) -> None:
    page = visit(tensor_pages["tensor_rnn"])
    page.page.locator('svg [data-node="Why"]').focus()
    page.page.keyboard.press("Enter")
    assert page.page.evaluate("() => document.getElementById('sbp-choice').value") == "Why"


def test_the_files_tolerance_judges_every_entry(tmp_path: Path, visit: Any) -> None:
    """A claim on dL/db2 with a tolerance: the page judges b2 with it, as check does."""
    text = (ROOT / "symbackprop" / "spec" / "examples" / "tensor_mlp.toml").read_text(
        encoding="utf-8")
    path = tmp_path / "tolerant.toml"
    path.write_text(text + '\n[[claims]]\nof = "dL/db2"\nvalue = [0, 0, 0]\ntolerance = 0.05\n',
                    encoding="utf-8")
    problem = load_problem(str(path))
    predictor = TensorPredictor(problem.graph, problem.graph.forward(problem.values))
    right = predictor.truth["b2"]
    out = tmp_path / "tolerant.html"
    assert main(["explore", str(path), "--wrt", "b2", "-o", str(out)]) == 0
    page = visit(out)
    close, far = typed(right + 0.04, 2), typed(right + 0.06, 8)
    assert page_verdicts(page, [(close, "b2"), (far, "b2")]) == [("right", None),
                                                                 ("wrong", None)]
    kind, _, said = page.answer(close)
    assert kind == "right" and "±0.05, the problem file's tolerance" in said
    claim = problem.claims[0]
    for typed_text, verdict in ((close, "correct"), (far, "incorrect")):
        numbers, shape = nested_numbers(json.loads(typed_text, parse_float=Decimal), "answer")
        mine = TensorClaim(claim.of, "gradient", "b2", 1, numbers, shape, tolerance=0.05)
        assert judge_tensor(mine, right, predictor).verdict == verdict
