"""Checking claims: verdicts, right values, diagnoses, reports and the check command.

The wrong answers below are built by the tests themselves, by hand from the forward values (not
through the diagnosis code), one mistake at a time; each test asserts the diagnosis names it.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from importlib import resources
from pathlib import Path as FilePath
from typing import Any

import jsonschema
import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symbackprop.check.claims as check_module
from symbackprop.calculus.derivation import derive
from symbackprop.check import Source, check_problem, check_source, collect_sources
from symbackprop.check.edges import edge_info
from symbackprop.check.evidence import FINDING_KINDS
from symbackprop.check.mistakes import MISTAKES, MISTAKES_BY_NAME
from symbackprop.check.report import (
    batch_data,
    check_data,
    check_markdown,
    check_text,
    right_value,
)
from symbackprop.cli import main
from symbackprop.errors import SpecError
from symbackprop.naming import symbol
from symbackprop.rules.formula import parse_formula
from symbackprop.spec import Problem, load_problem, load_problem_text, problem_from_dict

SCHEMA = json.loads((FilePath(__file__).parents[2] / "docs" / "check.schema.json").read_text())


def num(value: float, digits: int = 10) -> Decimal:
    """A claim's number as a student prints it, to ``digits`` significant digits."""
    return Decimal(f"{value:.{digits}g}")


def make(network: dict[str, Any], values: dict[str, Any], claims: list[dict[str, Any]],
         learning_rate: float | None = None) -> Problem:
    data: dict[str, Any] = {"network": network, "values": values, "claims": claims}
    if learning_rate is not None:
        data["learning_rate"] = Decimal(str(learning_rate))
    return problem_from_dict(data, name="test")


def forward(network: dict[str, Any], values: dict[str, Any]) -> dict[str, float]:
    problem = make(network, values, [])
    return problem.graph.forward(problem.values)


def result_for(problem: Problem, of: str, index: int = -1):
    matches = [r for r in check_problem(problem).results if r.claim.of == of]
    return matches[index]


# A 2-2-1 sigmoid network with an identity output and half squared error: dL/dyhat1 = yhat1 - y1.
SIG = {"layers": [2, 2, 1], "hidden": "sigmoid", "output": "identity",
       "loss": "half_squared_error"}
SIG_VALUES = {"x": [0.7, -0.4], "y": [0.3], "W1": [[0.6, -0.9], [0.4, 0.8]], "W2": [[1.3, -0.7]]}

# A 2-2-2 sigmoid network (the Q&A thread's shape): dL/dw111 has two paths, one through each output.
SIG2 = {"layers": [2, 2, 2], "hidden": "sigmoid", "output": "sigmoid",
        "loss": "half_squared_error"}
SIG2_VALUES = {"x": [0.35, 0.9], "y": [0.1, 0.8], "W1": [[0.6, -0.9], [0.4, 0.8]],
               "W2": [[1.3, -0.7], [0.5, 1.1]]}

# A 2-2 softmax layer: dL/dw111 has a diagonal path (through yhat1) and a coupling path.
SOFT = {"layers": [2, 2], "hidden": [], "output": "softmax", "loss": "squared_error"}
SOFT_VALUES = {"x": [0.5, -1.2], "y": [1, 0], "W1": [[0.3, -0.8], [0.9, 0.2]]}
SOFT_CE = {**SOFT, "loss": "cross_entropy"}


def sig2_path(v: dict[str, float], j: int) -> float:
    """dL/dw111 along the path through output j of SIG2, by hand."""
    w = {1: v["w211"], 2: v["w221"]}[j]
    yhat, y = v[f"yhat{j}"], v[f"y{j}"]
    return (yhat - y) * yhat * (1 - yhat) * w * v["h11"] * (1 - v["h11"]) * v["x1"]


# -- the acceptance of issue 4: the PadhAI notes ------------------------------------------------

@pytest.fixture(scope="module")
def padhai():
    return check_problem(load_problem("padhai_4_4_2"))


@pytest.fixture(scope="module")
def student():
    return check_problem(load_problem("padhai_4_4_2_student"))


def by_of(report, of):
    return next(r for r in report.results if r.claim.of == of)


FORWARD = ["a11", "a12", "a13", "a14", "h11", "h12", "h13", "h14", "a21", "a22", "yhat1",
           "yhat2"]


def test_padhai_forward_values_are_correct(padhai) -> None:
    for of in FORWARD:
        result = by_of(padhai, of)
        assert result.verdict == "correct", of
        assert result.diagnosis is None and result.diagnosis_text == ""


def test_padhai_softmax_partial(padhai) -> None:
    result = by_of(padhai, "dyhat1/da21")
    assert result.verdict == "incorrect"
    assert round(result.expected, 10) == 0.1769184530
    right = parse_formula(result.formula, {"yhat1": symbol("yhat1")})
    assert sympy.simplify(right - symbol("yhat1") * (1 - symbol("yhat1"))) == 0
    mistakes = [f.mistake for f in result.findings]
    assert mistakes == ["softmax_notes_form"]
    assert "0.1769184530" in check_text(padhai)


def test_padhai_dl_dw212(padhai) -> None:
    result = by_of(padhai, "dL/dw212")
    assert result.verdict == "incorrect"
    assert round(result.expected, 10) == -0.1303767062
    # One path, with the notes' own softmax partial, and the sign flipped.
    assert result.missing_paths == (("w212", "a21", "yhat2", "L"),)
    kinds = result.diagnosis.kinds
    assert set(kinds) == {"missing_paths", "follows_from_claim", "sign"}
    follows = next(f for f in result.findings if f.kind == "follows_from_claim")
    assert follows.claim == by_of(padhai, "dyhat1/da21").claim.index
    assert abs(result.diagnosis.reproduces - (-0.029)) <= 0.001


def test_student_dl_dw212_misses_the_coupling_path(student) -> None:
    result = by_of(student, "dL/dw212")
    assert result.verdict == "incorrect"
    assert round(result.expected, 10) == -0.1303767062
    assert result.diagnosis.kinds[0] == "missing_paths"
    assert result.missing_paths == (("w212", "a21", "yhat2", "L"),)
    assert "missing path: w212 -> a21 -> yhat2 -> L" in result.diagnosis_text


def test_padhai_dl_dw131(padhai) -> None:
    result = by_of(padhai, "dL/dw131")
    assert result.verdict == "incorrect"
    assert round(result.expected, 10) == 0.0031593568
    # The two diagonal paths, with the notes' own (wrong) factors.
    assert set(result.missing_paths) == {
        ("w131", "a13", "h13", "a21", "yhat2", "L"), ("w131", "a13", "h13", "a22", "yhat1", "L")}
    used = {f.claim for f in result.findings if f.kind == "follows_from_claim"}
    assert {by_of(padhai, "dyhat1/da21").claim.index,
            by_of(padhai, "dyhat2/da22").claim.index} <= used


def test_padhai_update_linked_to_the_missing_path(padhai, student) -> None:
    result = by_of(padhai, "w212+")
    assert result.verdict == "incorrect"
    assert round(result.expected, 10) == round(0.8 + 0.1303767062, 10)
    assert result.diagnosis.kinds[:2] == ("wrong_gradient", "missing_paths")
    assert result.missing_paths == (("w212", "a21", "yhat2", "L"),)
    # In the student's file the update follows from the student's own gradient.
    result = by_of(student, "w212+")
    follows = result.findings[0]
    assert follows.kind == "follows_from_claim"
    assert follows.claim == by_of(student, "dL/dw212").claim.index
    assert follows.missing_paths == (("w212", "a21", "yhat2", "L"),)
    assert "dL/dw212 = -0.0652" in result.diagnosis_text


def test_padhai_rounded_partial_is_reported_honestly(padhai) -> None:
    # The notes' dh13/da13 = 0.0979 is 0.89 * 0.11, from the rounded h13: at its printed
    # precision it is wrong (0.0971947...), and the diagnosis says why.
    result = by_of(padhai, "dh13/da13")
    assert result.verdict == "incorrect"
    assert result.diagnosis.kinds == ("rounded_values",)
    assert "h13 = 0.89" in result.diagnosis_text


def test_correct_claims_have_no_diagnosis(padhai) -> None:
    for result in padhai.results:
        assert (result.diagnosis is None) == (result.verdict == "correct")
    assert padhai.correct == 16 and padhai.incorrect == 6 and padhai.errors == 0


# -- verdicts and tolerance ----------------------------------------------------------------------

def branching(claims: list[dict[str, Any]]) -> Problem:
    data = {"graph": {"output": "e", "inputs": {"a": 2, "b": 1},
                      "nodes": {"c": "a + b", "d": "b + 1", "e": "c * d"}},
            "claims": claims}
    return problem_from_dict(data, name="branching")


@pytest.mark.parametrize("value, tolerance, verdict", [
    ("6.1", None, "correct"),       # one unit in the last printed digit is allowed
    ("6.11", None, "incorrect"),
    ("6.15", 0.2, "correct"),       # an explicit tolerance overrides the printed precision
    ("6.15", 0.1, "incorrect"),
    ("6", None, "correct"),
])
def test_tolerance(value: str, tolerance: float | None, verdict: str) -> None:
    claim: dict[str, Any] = {"of": "e", "value": Decimal(value)}
    if tolerance is not None:
        claim["tolerance"] = tolerance
    result = check_problem(branching([claim])).results[0]
    assert result.verdict == verdict
    assert result.expected == 6.0


def test_derivative_without_a_path_is_zero() -> None:
    report = check_problem(branching([{"of": "dc/dd", "value": Decimal("0")},
                                      {"of": "dd/da", "value": Decimal("0.5")}]))
    assert [r.verdict for r in report.results] == ["correct", "incorrect"]
    assert report.results[1].diagnosis.kinds == ("no_path",)


def test_numbers_without_values_are_errors() -> None:
    data = {"graph": {"output": "e", "inputs": ["a", "b"],
                      "nodes": {"c": "a + b", "d": "b + 1", "e": "c * d"}},
            "claims": [{"of": "de/db", "value": Decimal("5")},
                       {"of": "de/db", "expression": "c + d"}]}
    report = check_problem(problem_from_dict(data, name="symbolic"))
    assert [r.verdict for r in report.results] == ["error", "correct"]
    assert "without values" in report.results[0].message
    assert report.results[0].expected is None and report.results[1].expected is None
    assert report.status == "error"


# -- formulas ------------------------------------------------------------------------------------

def test_formula_proved_equal() -> None:
    problem = make(SIG2, SIG2_VALUES, [
        {"of": "dL/dw211", "expression": "(yhat1 - y1)*yhat1*(1 - yhat1)*h11"},
        {"of": "h11", "expression": "sigmoid(w111*x1 + w112*x2)"}])
    results = check_problem(problem).results
    assert [r.verdict for r in results] == ["correct", "correct"]
    assert all(r.method == check_module.PROVED for r in results)
    assert results[0].claimed == pytest.approx(results[0].expected)


def test_formula_random_points_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_module, "equivalent", lambda a, b: False)
    problem = make(SIG2, SIG2_VALUES, [
        {"of": "dL/dw211", "expression": "(yhat1 - y1)*(yhat1 - yhat1^2)*h11"}])
    result = check_problem(problem).results[0]
    assert result.verdict == "correct"
    assert result.method.startswith(f"agrees at {check_module.RANDOM_POINTS} random points")


def test_formula_missing_path_diagnosed() -> None:
    one_path = "(yhat1 - y1)*yhat1*(1 - yhat1)*w211*h11*(1 - h11)*x1"
    result = check_problem(make(SIG2, SIG2_VALUES, [{"of": "dL/dw111",
                                                      "expression": one_path}])).results[0]
    assert result.verdict == "incorrect" and result.method == "differs at random points"
    assert result.missing_paths == (("w111", "a11", "h11", "a22", "yhat2", "L"),)
    assert "random points" in result.diagnosis_text


def test_formula_wrong_partial_diagnosed() -> None:
    wrong = ("((yhat1 - y1)*yhat1*(1 - yhat1)*w211 + (yhat2 - y2)*yhat2*(1 - yhat2)*w221)"
             "*a11*(1 - a11)*x1")
    result = check_problem(make(SIG2, SIG2_VALUES, [{"of": "dL/dw111",
                                                      "expression": wrong}])).results[0]
    assert result.verdict == "incorrect"
    assert [f.mistake for f in result.findings] == ["sigmoid_pre_activation"]
    assert result.findings[0].factors == (("h11", "a11"),)


# -- diagnoses of derivatives, each mistake built by hand ----------------------------------------

def test_missing_path_small() -> None:
    v = forward(SIG2, SIG2_VALUES)
    problem = make(SIG2, SIG2_VALUES, [{"of": "dL/dw111", "value": num(sig2_path(v, 1))}])
    result = check_problem(problem).results[0]
    assert result.diagnosis.kinds == ("missing_paths",)
    assert result.missing_paths == (("w111", "a11", "h11", "a22", "yhat2", "L"),)


def test_missing_paths_grouped_when_there_are_many() -> None:
    network = {"layers": [1, 3, 3, 3, 2], "hidden": "sigmoid", "output": "sigmoid",
               "loss": "half_squared_error"}
    rng = np.random.default_rng(3)
    values = {"x": [0.8], "y": [0.2, 0.9],
              **{f"W{layer}": rng.uniform(-1, 1, (rows, cols)).round(2).tolist()
                 for layer, (rows, cols) in enumerate([(3, 1), (3, 3), (3, 3), (2, 3)], 1)}}
    problem = make(network, values, [])
    derivation = derive(problem.graph, "w111", values=problem.values)
    assert derivation.path_count == 18  # above the exact subset search
    kept = sum(t.value for t in derivation.terms if "yhat2" not in t.path.nodes)
    result = check_problem(make(network, values, [{"of": "dL/dw111",
                                                   "value": num(kept)}])).results[0]
    assert result.diagnosis.kinds == ("missing_paths",)
    missing = {t.path.nodes for t in derivation.terms if "yhat2" in t.path.nodes}
    assert set(result.missing_paths) == missing and len(missing) == 9


def test_factor_from_the_files_own_wrong_claim() -> None:
    v = forward(SIG2, SIG2_VALUES)
    wrong_partial = 0.41  # the student's dh11/da11 (really h11 (1 - h11) = 0.2287...)
    right_partial = v["h11"] * (1 - v["h11"])
    claimed = (sig2_path(v, 1) + sig2_path(v, 2)) / right_partial * wrong_partial
    problem = make(SIG2, SIG2_VALUES, [{"of": "dh11/da11", "value": Decimal("0.41")},
                                       {"of": "dL/dw111", "value": num(claimed)}])
    report = check_problem(problem)
    assert report.results[0].verdict == "incorrect"
    result = report.results[1]
    assert result.diagnosis.kinds == ("follows_from_claim",)
    assert result.findings[0].claim == 1 and result.findings[0].factors == (("h11", "a11"),)
    assert "your dh11/da11 = 0.41" in result.diagnosis_text


def test_follows_through_a_node_every_path_passes() -> None:
    v = forward(SIG2, SIG2_VALUES)
    dl_da11 = 0.123  # the student's (wrong) dL/da11
    problem = make(SIG2, SIG2_VALUES, [{"of": "dL/da11", "value": Decimal("0.123")},
                                       {"of": "dL/dw111", "value": num(dl_da11 * v["x1"])}])
    result = check_problem(problem).results[1]
    assert result.diagnosis.kinds == ("follows_from_claim",)
    assert result.findings[0].claim == 1


@pytest.mark.parametrize("sign, scale, kinds", [
    (-1, 1, ("sign",)), (1, 2, ("factor_of_2",)), (1, 0.5, ("factor_of_one_half",)),
    (-1, 2, ("sign", "factor_of_2")),
])
def test_sign_and_factor_of_2(sign: int, scale: float, kinds: tuple[str, ...]) -> None:
    v = forward(SIG2, SIG2_VALUES)
    truth = sig2_path(v, 1) + sig2_path(v, 2)
    problem = make(SIG2, SIG2_VALUES, [{"of": "dL/dw111", "value": num(sign * scale * truth)}])
    result = check_problem(problem).results[0]
    assert result.diagnosis.kinds == kinds


def test_rounded_forward_values() -> None:
    v = forward(SIG2, SIG2_VALUES)
    h11 = round(v["h11"], 2)
    assert abs(h11 - v["h11"]) > 1e-4  # so the rounding shows at 4 decimals
    problem = make(SIG2, SIG2_VALUES, [{"of": "h11", "value": Decimal(f"{h11:.2f}")},
                                       {"of": "dh11/da11",
                                        "value": Decimal(f"{h11 * (1 - h11):.6f}")}])
    report = check_problem(problem)
    assert report.results[0].verdict == "correct"
    assert report.results[1].diagnosis.kinds == ("rounded_values",)


def test_unexplained_shows_the_derivation() -> None:
    problem = make(SIG2, SIG2_VALUES, [{"of": "dL/dw111", "value": Decimal("12.345")}])
    result = check_problem(problem).results[0]
    assert result.diagnosis.kinds == ("unexplained",)
    assert not result.diagnosis.explained
    assert "2 paths from w111 to L" in result.diagnosis_text


# -- every registered mistake, built by hand -----------------------------------------------------

def _sig_case(hidden: str, wrong_partial) -> tuple[dict, dict, str, Any]:
    network = {**SIG, "hidden": hidden}

    def claimed(v: dict[str, float]) -> float:
        return (v["yhat1"] - v["y1"]) * v["w211"] * wrong_partial(v) * v["x1"]
    return network, SIG_VALUES, "dL/dw111", claimed


def _soft(v: dict[str, float], diagonal: float, coupling: float, loss_partial=None) -> float:
    """dL/dw111 of SOFT: x1 (dL/dyhat1 dyhat1/da11 + dL/dyhat2 dyhat2/da11), the two softmax
    partials given."""
    if loss_partial is None:
        def loss_partial(j: int) -> float:
            return 2 * (v[f"yhat{j}"] - v[f"y{j}"])
    return v["x1"] * (loss_partial(1) * diagonal + loss_partial(2) * coupling)


MISTAKE_CASES = {
    "sigmoid_output_only": _sig_case("sigmoid", lambda v: v["h11"]),
    "sigmoid_pre_activation": _sig_case("sigmoid", lambda v: v["a11"] * (1 - v["a11"])),
    "tanh_without_square": _sig_case("tanh", lambda v: 1 - v["h11"]),
    "tanh_pre_activation": _sig_case("tanh", lambda v: 1 - v["a11"] ** 2),
    "relu_as_output": _sig_case("relu", lambda v: v["h11"]),
    "softmax_notes_form": (SOFT, SOFT_VALUES, "dL/dw111", lambda v: _soft(
        v, v["yhat1"] * (1 - v["yhat1"]) * -v["a12"], -v["yhat1"] * v["yhat2"])),
    "softmax_no_coupling": (SOFT, SOFT_VALUES, "dL/dw111", lambda v: _soft(v, v["yhat1"], 0)),
    "softmax_coupling_sign": (SOFT, SOFT_VALUES, "dL/dw111", lambda v: _soft(
        v, v["yhat1"] * (1 - v["yhat1"]), v["yhat1"] * v["yhat2"])),
    "weight_pre_activation": (SIG, SIG_VALUES, "dL/dw211",
                              lambda v: (v["yhat1"] - v["y1"]) * v["a11"]),
    "weight_input_swapped": (SIG, SIG_VALUES, "dL/dw211",
                             lambda v: (v["yhat1"] - v["y1"]) * v["w211"]),
    "cross_entropy_difference": (SOFT_CE, SOFT_VALUES, "dL/dw111", lambda v: _soft(
        v, v["yhat1"] * (1 - v["yhat1"]), -v["yhat1"] * v["yhat2"],
        lambda j: v[f"yhat{j}"] - v[f"y{j}"])),
}


def test_every_mistake_has_a_case() -> None:
    assert set(MISTAKE_CASES) == {m.name for m in MISTAKES}


@pytest.mark.parametrize("name", sorted(MISTAKE_CASES))
def test_registered_mistake_is_diagnosed(name: str) -> None:
    network, values, of, claimed = MISTAKE_CASES[name]
    v = forward(network, values)
    problem = make(network, values, [{"of": of, "value": num(claimed(v))}])
    result = check_problem(problem).results[0]
    assert result.verdict == "incorrect"
    assert [f.mistake for f in result.findings if f.kind == "wrong_factor"] == [name]
    assert result.diagnosis.explained


@pytest.mark.parametrize("name", sorted(MISTAKE_CASES))
def test_registered_mistake_is_really_wrong(name: str) -> None:
    """Each wrong form differs from the right partial on every edge it names (shown at seeded
    random points: a function that differs at one point is a different function)."""
    network, values, _, _ = MISTAKE_CASES[name]
    graph = make(network, values, []).graph
    rng = np.random.default_rng(7)
    at = graph.forward({leaf: rng.uniform(-1.5, 1.5, 8) for leaf in graph.leaves})
    mistake = MISTAKES_BY_NAME[name]
    edges = [(p, c) for c in graph.order for p in graph.parents(c)]
    applied = 0
    for parent, child in edges:
        info = edge_info(graph, parent, child)
        wrong = None if info is None else mistake.wrong(info)
        if wrong is not None:
            applied += 1
            right = graph.local_partial(parent, child)
            difference = graph.evaluate(wrong, at) - graph.evaluate(right, at)
            assert np.max(np.abs(difference)) > 1e-6, (parent, child)
    assert applied > 0


# -- updates and forward values ------------------------------------------------------------------

ETA = 0.3


def _update_problem(claims: list[dict[str, Any]]) -> Problem:
    return make(SIG2, SIG2_VALUES, claims, learning_rate=ETA)


@pytest.mark.parametrize("kind, step", [
    ("update_sign", lambda w, g: w + ETA * g),
    ("update_learning_rate", lambda w, g: w - g),
    ("update_already_updated", lambda w, g: w - 2 * ETA * g),
    ("update_step_only", lambda w, g: -ETA * g),
])
def test_update_mistakes(kind: str, step) -> None:
    v = forward(SIG2, SIG2_VALUES)
    g = sig2_path(v, 1) + sig2_path(v, 2)
    result = check_problem(_update_problem([{"of": "w111+",
                                             "value": num(step(v["w111"], g))}])).results[0]
    assert result.verdict == "incorrect"
    assert result.diagnosis.kinds == (kind,)


def test_update_follows_from_the_files_wrong_gradient() -> None:
    v = forward(SIG2, SIG2_VALUES)
    one_path = num(sig2_path(v, 1))
    problem = _update_problem([{"of": "dL/dw111", "value": one_path},
                               {"of": "w111+", "value": num(v["w111"] - ETA * float(one_path))}])
    result = check_problem(problem).results[1]
    assert result.findings[0].kind == "follows_from_claim"
    assert result.findings[0].claim == 1
    assert result.missing_paths == (("w111", "a11", "h11", "a22", "yhat2", "L"),)
    assert f"your dL/dw111 = {one_path}" in result.diagnosis_text


def test_update_from_a_wrong_gradient_not_claimed() -> None:
    v = forward(SIG2, SIG2_VALUES)
    problem = _update_problem([{"of": "w111+",
                                "value": num(v["w111"] - ETA * sig2_path(v, 1))}])
    result = check_problem(problem).results[0]
    assert result.diagnosis.kinds == ("wrong_gradient", "missing_paths")
    assert result.missing_paths == (("w111", "a11", "h11", "a22", "yhat2", "L"),)


@pytest.mark.parametrize("of, wrong, kind", [
    ("h11", lambda v: v["a11"], "activation_not_applied"),
    ("a11", lambda v: v["a12"], "wrong_node"),
    ("a11", lambda v: -v["a11"], "sign"),
])
def test_value_mistakes(of: str, wrong, kind: str) -> None:
    v = forward(SIG2, SIG2_VALUES)
    result = check_problem(make(SIG2, SIG2_VALUES, [{"of": of,
                                                      "value": num(wrong(v))}])).results[0]
    assert result.diagnosis.kinds == (kind,)


def test_value_from_the_files_own_wrong_input() -> None:
    problem = make(SIG2, SIG2_VALUES, [
        {"of": "a11", "value": Decimal("0.5")},
        {"of": "h11", "value": num(1 / (1 + math.exp(-0.5)))}])
    report = check_problem(problem)
    assert [r.verdict for r in report.results] == ["incorrect", "incorrect"]
    assert report.results[1].diagnosis.kinds == ("follows_from_claim",)
    assert report.results[1].findings[0].claim == 1


# -- a correct claim is never diagnosed: random small networks ------------------------------------

ACTIVATIONS = ["sigmoid", "tanh", "identity", "softplus"]


@st.composite
def networks(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    widths = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    output = draw(st.sampled_from(["sigmoid", "identity"] + (["softmax"] if widths[-1] > 1
                                                             else [])))
    loss = draw(st.sampled_from(["squared_error", "half_squared_error", "mean_squared_error"]
                                + (["cross_entropy"] if output == "softmax" else [])))
    network = {"layers": widths, "output": output, "loss": loss,
               "hidden": [draw(st.sampled_from(ACTIVATIONS)) for _ in widths[1:-1]]}
    small = st.floats(-1.5, 1.5, allow_nan=False).map(lambda f: round(f, 3))
    values: dict[str, Any] = {"x": [draw(small) for _ in range(widths[0])],
                              "y": [draw(st.floats(0.05, 0.95)) for _ in range(widths[-1])]}
    for layer in range(1, len(widths)):
        values[f"W{layer}"] = [[draw(small) for _ in range(widths[layer - 1])]
                               for _ in range(widths[layer])]
    return network, values


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.integers(1, 8), st.data())
def test_property_correct_never_diagnosed_wrong_always_caught(case, digits: int, data) -> None:
    network, values = case
    base = make(network, values, [])
    graph = base.graph
    node_values = graph.forward(base.values)
    claims: list[tuple[str, float]] = []
    for wrt in data.draw(st.lists(st.sampled_from(graph.parameters), min_size=1, max_size=3)):
        gradient = derive(graph, wrt, values=base.values).value
        claims += [(f"dL/d{wrt}", gradient), (f"{wrt}+", node_values[wrt] - 0.1 * gradient)]
    node = data.draw(st.sampled_from([n for n in graph.order if not graph.node(n).is_leaf]))
    claims.append((node, node_values[node]))
    quantum = Decimal(1).scaleb(-digits)
    rounded = [Decimal(repr(value)).quantize(quantum) for _, value in claims]
    problem = make(network, values, [{"of": of, "value": r}
                                     for (of, _), r in zip(claims, rounded, strict=True)],
                   learning_rate=0.1)
    for result in check_problem(problem).results:
        assert result.verdict == "correct", result
        assert result.diagnosis is None and result.diagnosis_text == ""
    shift = data.draw(st.sampled_from([-1, 1])) * 100 * quantum
    wrong = make(network, values, [{"of": of, "value": r + shift}
                                   for (of, _), r in zip(claims, rounded, strict=True)],
                 learning_rate=0.1)
    for result in check_problem(wrong).results:
        assert result.verdict == "incorrect", result
        assert result.diagnosis is not None and result.diagnosis_text


# -- reports -------------------------------------------------------------------------------------

def test_json_shape_and_schema(padhai) -> None:
    data = json.loads(json.dumps(check_data(padhai)))
    jsonschema.validate(data, SCHEMA)
    assert [c["of"] for c in data["claims"]] == [c.of for c in load_problem(
        "padhai_4_4_2").claims]
    assert data["correct"] == 16 and data["incorrect"] == 6
    claim = next(c for c in data["claims"] if c["of"] == "dL/dw212")
    assert {"of", "claimed", "expected", "verdict", "diagnosis", "missing_paths"} <= set(claim)
    assert claim["claimed"] == -0.029 and round(claim["expected"], 10) == -0.1303767062
    assert claim["missing_paths"] == [["w212", "a21", "yhat2", "L"]]
    correct = next(c for c in data["claims"] if c["of"] == "a11")
    assert correct["diagnosis"] is None and correct["missing_paths"] == []


def test_schema_rejects_a_diagnosed_correct_claim(padhai) -> None:
    data = json.loads(json.dumps(check_data(padhai)))
    data["claims"][0]["diagnosis"] = "made up"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)
    del data["claims"][0]["expected"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)


def test_null_numbers_validate() -> None:
    data = {"graph": {"output": "e", "inputs": ["a", "b"],
                      "nodes": {"c": "a + b", "d": "b + 1", "e": "c * d"}},
            "claims": [{"of": "de/db", "value": Decimal("5")},
                       {"of": "de/db", "expression": "c"}]}
    report = check_problem(problem_from_dict(data, name="symbolic"))
    payload = json.loads(json.dumps(check_data(report)))
    jsonschema.validate(payload, SCHEMA)
    assert payload["claims"][0]["expected"] is None and payload["claims"][0]["verdict"] == "error"
    assert payload["claims"][1]["verdict"] == "incorrect"


def test_text_and_markdown(padhai) -> None:
    text = check_text(padhai)
    assert "✗ 16. dL/dw212 = -0.029" in text
    assert "right value: -0.1303767062" in text
    assert "missing path: w212 -> a21 -> yhat2 -> L" in text
    assert text.splitlines()[-1] == "16 correct, 6 incorrect"
    assert all(len(line) <= 100 for line in text.splitlines()
               if "→" not in line and "right formula" not in line)
    markdown = check_markdown(padhai)
    assert "| # | claim | claimed | true value | verdict |" in markdown
    assert "| 16 | `dL/dw212` | -0.029 | -0.1303767062 | ✗ incorrect |" in markdown


def test_right_value_format() -> None:
    assert right_value(0.17691845300745082) == "0.1769184530"
    assert right_value(0.0031593567636541797) == "0.0031593568"
    assert right_value(1.234e-9) == "1.234e-09"
    assert right_value(None) == "—"


# -- the command -----------------------------------------------------------------------------------

def _bundled_text(name: str) -> str:
    return resources.files("symbackprop.spec.examples").joinpath(f"{name}.toml").read_text("utf-8")


@pytest.fixture
def folder(tmp_path: FilePath) -> FilePath:
    (tmp_path / "a_right.toml").write_text(_bundled_text("mazur_2_2_2"), encoding="utf-8")
    (tmp_path / "b_wrong.toml").write_text(_bundled_text("padhai_4_4_2_student"),
                                           encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c_bad.toml").write_text("title = [unclosed", encoding="utf-8")
    (tmp_path / ".hidden.toml").write_text("not read", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a problem file", encoding="utf-8")
    return tmp_path


def test_cli_single_file_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "mazur_2_2_2"]) == 0
    assert "6 correct, 0 incorrect" in capsys.readouterr().out
    assert main(["check", "padhai_4_4_2", "--format", "json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    jsonschema.validate(payload, SCHEMA)
    assert "files" not in payload and payload["incorrect"] == 6
    assert main(["check", "no_such_file.toml"]) == 2
    captured = capsys.readouterr()
    assert "no_such_file.toml" in captured.err and captured.out == ""


def test_cli_file_whose_claims_cannot_be_judged(tmp_path: FilePath,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "symbolic.toml"
    path.write_text('[graph]\noutput = "e"\ninputs = ["a", "b"]\n[graph.nodes]\nc = "a + b"\n'
                    'd = "b + 1"\ne = "c * d"\n[[claims]]\nof = "de/db"\nvalue = 5\n',
                    encoding="utf-8")
    assert main(["check", str(path)]) == 2
    assert "cannot be checked" in capsys.readouterr().out


def test_cli_folder(folder: FilePath, capsys: pytest.CaptureFixture[str]) -> None:
    assert [FilePath(s.name).name for s in collect_sources([str(folder)])] == [
        "a_right.toml", "b_wrong.toml", "c_bad.toml"]
    assert main(["check", str(folder), "--format", "json", "--jobs", "2"]) == 1
    parallel = json.loads(capsys.readouterr().out)
    jsonschema.validate(parallel, SCHEMA)
    assert [f["status"] for f in parallel["files"]] == ["correct", "incorrect", "error"]
    assert "not valid TOML" in parallel["files"][2]["error"]
    assert parallel["correct"] == 7 and parallel["incorrect"] == 2
    assert main(["check", str(folder), "--format", "json", "--jobs", "1"]) == 1
    assert json.loads(capsys.readouterr().out) == parallel
    assert main(["check", str(folder)]) == 1
    text = capsys.readouterr().out
    assert "Summary" in text and "cannot be read" in text
    assert main(["check", str(folder), "--format", "markdown"]) == 1
    assert "| file | status | correct | incorrect | errors |" in capsys.readouterr().out


def test_cli_only_bad_files(tmp_path: FilePath, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("one.toml", "two.json"):
        (tmp_path / name).write_text("{", encoding="utf-8")
    assert main(["check", str(tmp_path), "--format", "json"]) == 2
    payload = json.loads(capsys.readouterr().out)
    assert [f["status"] for f in payload["files"]] == ["error", "error"]


def test_cli_bad_arguments(tmp_path: FilePath, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path)]) == 2  # an empty folder
    assert "no problem files" in capsys.readouterr().err
    assert main(["check", "mazur_2_2_2", "--jobs", "0"]) == 2
    assert main(["check", "mazur_2_2_2", "--format", "latex"]) == 2


def test_check_source_reports_errors_instead_of_raising(tmp_path: FilePath) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[network]\nlayers = [2, 2]\nunknown = 1\n", encoding="utf-8")
    result = check_source(str(path))
    assert result.status == "error" and "unknown key 'unknown'" in (result.error or "")
    data = batch_data([result, check_source("mazur_2_2_2")])
    jsonschema.validate(data, SCHEMA)
    assert data["files_with_errors"] == 1 and data["files_correct"] == 1


def test_collect_sources_keeps_names_and_files(folder: FilePath) -> None:
    assert collect_sources(["padhai_4_4_2", str(folder / "a_right.toml")]) == [
        Source("padhai_4_4_2"), Source(str(folder / "a_right.toml"))]
    assert {s.folder for s in collect_sources([str(folder)])} == {str(folder)}
    (folder / "empty").mkdir()
    with pytest.raises(SpecError, match="no problem files"):
        collect_sources([str(folder / "empty")])


def test_finding_kinds_documented() -> None:
    schema_kinds = SCHEMA["$defs"]["finding"]["properties"]["kind"]["enum"]
    assert list(FINDING_KINDS) == schema_kinds


def test_a_one_decimal_old_weight_is_not_updated_not_right() -> None:
    """'w111+ = w111' to one decimal is within 0.1 of the truth, but it is the weight left as
    it was: incorrect, and named so; the truth at one decimal is right."""
    v = forward(SIG2, SIG2_VALUES)
    g = sig2_path(v, 1) + sig2_path(v, 2)
    rate = abs(0.06 / g)  # a step of 0.06 from w111 = 0.6: the truth 0.54 or 0.66
    truth = 0.6 - rate * g
    problem = make(SIG2, SIG2_VALUES, [{"of": "w111+", "value": Decimal("0.6")},
                                       {"of": "w111+", "value": Decimal(f"{truth:.1f}")}],
                   learning_rate=rate)
    old, new = check_problem(problem).results
    assert abs(old.expected - truth) < 1e-9 and old.tolerance == pytest.approx(0.1)
    assert abs(float(old.claim.value) - truth) < 0.1       # within the one-unit tolerance ...
    assert old.verdict == "incorrect" and old.diagnosis.kinds == ("update_not_applied",)
    assert "not updated" in old.diagnosis_text             # ... but the old weight
    assert new.verdict == "correct"
    exact = check_problem(_update_problem([{"of": "w111+", "value": Decimal("0.600000")}]))
    assert exact.results[0].diagnosis.kinds == ("update_not_applied",)


def test_one_unreadable_formula_leaves_the_other_claims_judged(tmp_path: FilePath) -> None:
    """An unknown function (lg) in one claim's formula is that claim's error, not the file's."""
    v = forward(SIG2, SIG2_VALUES)
    claims = [{"of": "dL/dw111", "value": num(sig2_path(v, 1) + sig2_path(v, 2), 4)},
              {"of": "dL/dw111", "expression": "lg(h11)"},
              {"of": "h11", "expression": "sigmoid(a11)"}]
    report = check_problem(make(SIG2, SIG2_VALUES, claims))
    assert [r.verdict for r in report.results] == ["correct", "error", "correct"]
    assert "unknown function 'lg'" in report.results[1].message
    assert (report.correct, report.errors, report.status) == (2, 1, "error")
    text = check_text(report)
    assert "cannot be checked" in text and "2 correct, 0 incorrect, 1 cannot be checked" in text


def test_other_explanations_are_said_in_words_once() -> None:
    """The 2-2-2 example's dL/dw4, doubled and printed to 2 digits: several explanations fit;
    each is said once, in words (not as the registry's ids), its partials named for a slip."""
    problem = load_problem("mazur_2_2_2")
    right = derive(problem.graph, "w4", values=problem.values).value
    text = problem.to_toml() + f"\n[[claims]]\nof = \"dL/dw4\"\nvalue = {right * 2:.2g}\n"
    diagnosis = check_problem(load_problem_text(text, name="half.toml")).results[-1].diagnosis
    assert diagnosis.others and len(set(diagnosis.others)) == len(diagnosis.others)
    assert diagnosis.alternatives >= len(diagnosis.others)
    assert not any(m.name in other for m in MISTAKES for other in diagnosis.others)
    swapped = MISTAKES_BY_NAME["weight_input_swapped"].brief
    assert any(other.startswith(swapped + " in d") for other in diagnosis.others), \
        diagnosis.others
    assert "weight_input_swapped" not in diagnosis.text
