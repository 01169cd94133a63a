"""The forward prediction of the common mistakes agrees with the diagnosis run backwards.

For every bundled example with numbers and every parameter in it, each value
:func:`mistaken_values` predicts is checked as a claim would be (:func:`diagnose_derivative`,
:func:`diagnose_update`), and the diagnosis must name that same mistake.  Independently of the
diagnosis, a few values are recomputed by hand from the forward values.
"""

from __future__ import annotations

import numpy as np
import pytest

from symbackprop.calculus.derivation import derive
from symbackprop.check import MistakenValue, Predictor, mistaken_forward_values, mistaken_values
from symbackprop.check.diagnose import diagnose_derivative, diagnose_update, diagnose_value
from symbackprop.check.evidence import Diagnosis, Scenario
from symbackprop.check.mistakes import (
    LOSS_FACTORS,
    MISTAKES_BY_NAME,
    SIGN,
    STEP_MISTAKES,
    LossFactor,
)
from symbackprop.check.pathsearch import (
    EXACT_PATHS,
    EXACT_PATHS_COMBINED,
    PathSearch,
    _subset_masks,
)
from symbackprop.errors import SymbackpropError
from symbackprop.spec import bundled_examples, load_problem

NUMERIC = [name for name in sorted(bundled_examples("scalar"))
           if load_problem(name).has_values]
UPDATE_SLIPS = {m.name for m in STEP_MISTAKES}


def _cases(name: str) -> list[tuple[str, str]]:
    problem = load_problem(name)
    parameters = [n for n in problem.graph.order if problem.graph.node(n).kind == "parameter"]
    return [(name, w) for w in parameters]


CASES = [case for name in NUMERIC for case in _cases(name)]


def _tolerance(value: float, right: float) -> np.ndarray:
    return np.array([1e-9 * max(abs(value), abs(right), 1e-12)])


def _names(diagnosis: Diagnosis, entry: MistakenValue, derivation, loss: str | None) -> bool:
    """Whether the diagnosis names the mistake ``entry`` says it is: as its explanation, or,
    when another mistake happens to give the same number (``x2 = 0.1`` and ``w2 = 0.2`` in the
    2-2-2 example make a swapped weight exactly twice the value), among the explanations of
    the same size it lists as fitting as well."""
    if _first(diagnosis, entry, derivation, loss):
        return True
    words = {SIGN.name: SIGN.brief}.get(entry.name)
    if entry.name == LossFactor.name and loss is not None:
        words = LOSS_FACTORS[loss].scale.brief
    if entry.name == "missing_path":
        words = f"missing {' -> '.join(derivation.paths[entry.path].nodes)}"
    if entry.name in MISTAKES_BY_NAME:  # in words, as the report says it
        words = MISTAKES_BY_NAME[entry.name].brief
    return diagnosis.alternatives > 0 and any((words or entry.name) in other
                                              for other in diagnosis.others)


def _first(diagnosis: Diagnosis, entry: MistakenValue, derivation, loss: str | None) -> bool:
    """Whether the diagnosis's one finding is the mistake ``entry`` names; for a mistake of
    scale, in the registry's words for the loss."""
    findings = [f for f in diagnosis.findings if f.kind != "wrong_gradient"]
    if entry.name == "missing_path":
        return ([f.kind for f in findings] == ["missing_paths"]
                and diagnosis.missing_paths == (derivation.paths[entry.path].nodes,))
    if entry.name in MISTAKES_BY_NAME:
        return [f.mistake for f in findings] == [entry.name]
    if entry.name == SIGN.name:
        return [f.kind for f in findings] == [SIGN.name]
    if entry.name == LossFactor.name:
        scale = LOSS_FACTORS[str(loss)].scale
        return [(f.kind, f.message) for f in findings] == [(scale.name, scale.diagnosed(loss))]
    return [f.kind for f in findings] == [entry.name]


def test_there_are_cases() -> None:
    assert len(NUMERIC) >= 5 and len(CASES) >= 20


@pytest.mark.parametrize("name, wrt", CASES, ids=[f"{n}-{w}" for n, w in CASES])
def test_each_predicted_derivative_is_diagnosed_as_that_mistake(name: str, wrt: str) -> None:
    problem = load_problem(name)
    scenario = Scenario.at_values(problem.graph, problem.values)
    derivation = scenario.derivation(problem.graph.output, wrt)
    if derivation is None or derivation.path_count > EXACT_PATHS:
        pytest.skip("no path, or more paths than the diagnosis searches exactly")
    right = float(derivation.value)
    entries = mistaken_values(derivation)
    assert len({e.value for e in entries}) == len(entries)
    for entry in entries:
        assert not np.isclose(entry.value, right, rtol=1e-9, atol=0)
        diagnosis = diagnose_derivative(derivation, [entry.value],
                                        _tolerance(entry.value, right), scenario)
        assert _names(diagnosis, entry, derivation, scenario.loss), (entry, diagnosis.text)


@pytest.mark.parametrize("name, wrt", CASES, ids=[f"{n}-{w}" for n, w in CASES])
def test_each_predicted_update_is_diagnosed_as_that_mistake(name: str, wrt: str) -> None:
    problem = load_problem(name)
    eta = problem.learning_rate or 0.3
    scenario = Scenario.at_values(problem.graph, problem.values)
    derivation = scenario.derivation(problem.graph.output, wrt)
    if derivation is None or derivation.path_count > EXACT_PATHS:
        pytest.skip("no path, or more paths than the diagnosis searches exactly")
    right = problem.values[wrt] - eta * float(derivation.value)
    entries = mistaken_values(derivation, learning_rate=eta)
    assert {e.name for e in entries} & UPDATE_SLIPS
    for entry in entries:
        diagnosis = diagnose_update(derivation, eta, [entry.value],
                                    _tolerance(entry.value, right), scenario)
        if entry.name not in UPDATE_SLIPS:
            assert diagnosis.kinds[0] == "wrong_gradient"
        assert _names(diagnosis, entry, derivation, scenario.loss), (entry, diagnosis.text)


@pytest.mark.parametrize("name", NUMERIC)
def test_each_predicted_forward_value_is_diagnosed_as_that_mistake(name: str) -> None:
    problem = load_problem(name)
    scenario = Scenario.at_values(problem.graph, problem.values)
    seen = set()
    for node in problem.graph.order:
        right = float(scenario.values[node][0])
        for entry in mistaken_forward_values(scenario, node):
            diagnosis = diagnose_value(problem.graph, node, [entry.value],
                                       _tolerance(entry.value, right), scenario)
            if entry.name == "activation_not_applied" or node == problem.graph.output:
                assert diagnosis.kinds == (entry.name,), (node, entry, diagnosis.text)
            elif diagnosis.kinds != (entry.name,):  # a neighbour has that very value
                finding = diagnosis.findings[0]  # (the 4-4-2 weights are +-0.2, ..., +-0.5)
                assert finding.kind == "wrong_node", (node, entry, diagnosis.text)
                assert float(scenario.values[str(finding.used)][0]) == entry.value
            seen.add(entry.name)
    assert {"sign", "factor_of_2", "factor_of_one_half"} <= seen


def test_values_by_hand_mazur_w1() -> None:
    """dL/dw1 of the 2-2-2 example: each path, the sign, the 1/2, by hand."""
    problem = load_problem("mazur_2_2_2")
    v = problem.graph.forward(problem.values)
    out = [(v[f"yhat{j}"] - v[f"y{j}"]) * v[f"yhat{j}"] * (1 - v[f"yhat{j}"]) for j in (1, 2)]
    hidden = v["h11"] * (1 - v["h11"]) * v["x1"]
    paths = [out[0] * v["w5"] * hidden, out[1] * v["w7"] * hidden]
    g = sum(paths)
    entries = {(e.name, e.path): e.value
               for e in mistaken_values(derive(problem.graph, "w1", values=problem.values))}
    assert entries[("missing_path", 0)] == pytest.approx(paths[1], rel=1e-12)
    assert entries[("missing_path", 1)] == pytest.approx(paths[0], rel=1e-12)
    assert entries[("sign", None)] == pytest.approx(-g, rel=1e-12)
    assert entries[("half_of_loss", None)] == pytest.approx(2 * g, rel=1e-12)  # half squared
    only_h = [(v[f"yhat{j}"] - v[f"y{j}"]) * v[f"yhat{j}"] for j in (1, 2)]
    expected = (only_h[0] * v["w5"] + only_h[1] * v["w7"]) * v["h11"] * v["x1"]
    assert entries[("sigmoid_output_only", None)] == pytest.approx(expected, rel=1e-12)


def test_pre_update_order_by_hand() -> None:
    """w1+ computed after w5 and w7 were stepped, the forward values kept."""
    problem = load_problem("mazur_2_2_2")
    eta = problem.learning_rate
    v = problem.graph.forward(problem.values)
    step = {w: v[w] - eta * derive(problem.graph, w, values=problem.values).value
            for w in ("w5", "w7")}
    out = [(v[f"yhat{j}"] - v[f"y{j}"]) * v[f"yhat{j}"] * (1 - v[f"yhat{j}"]) for j in (1, 2)]
    stale = (out[0] * step["w5"] + out[1] * step["w7"]) * v["h11"] * (1 - v["h11"]) * v["x1"]
    entries = {e.name: e.value for e in mistaken_values(
        derive(problem.graph, "w1", values=problem.values), learning_rate=eta)}
    assert entries["pre_update_order"] == pytest.approx(v["w1"] - eta * stale, rel=1e-12)
    last = {e.name for e in mistaken_values(derive(problem.graph, "w5", values=problem.values),
                                            learning_rate=eta)}
    assert "pre_update_order" not in last  # nothing after the last layer


def test_equal_omissions_name_the_coupling_path() -> None:
    """Both paths of dL/dw212 have the same value: the entry names the softmax coupling path,
    the one the diagnosis names."""
    problem = load_problem("padhai_4_4_2")
    derivation = derive(problem.graph, "w212", values=problem.values)
    missing = [e for e in mistaken_values(derivation) if e.name == "missing_path"]
    assert len(missing) == 1
    assert derivation.paths[missing[0].path].nodes == ("w212", "a21", "yhat2", "L")


def test_limit_and_values_argument() -> None:
    problem = load_problem("padhai_4_4_2")
    symbolic = derive(problem.graph, "w131")
    with pytest.raises(SymbackpropError, match="need"):
        mistaken_values(symbolic)
    given = mistaken_values(symbolic, problem.values, limit=1)
    own = mistaken_values(derive(problem.graph, "w131", values=problem.values), limit=1)
    assert [e.name for e in given].count("missing_path") == 1
    assert [(e.name, e.value) for e in given] == [(e.name, e.value) for e in own]


@pytest.mark.parametrize("name", NUMERIC)
def test_shared_predictor_gives_the_values_one_at_a_time(name: str) -> None:
    """Every parameter of a file through one :class:`Predictor` (one scenario for all of them,
    the later parameters' gradients read off one sweep, the derivative and the update from one
    path search) gives what a fresh prediction per parameter and per question gives, to the
    bit."""
    problem = load_problem(name)
    eta = problem.learning_rate if problem.learning_rate is not None else 0.5
    predictor = Predictor()
    for _, wrt in _cases(name):
        derivation = derive(problem.graph, wrt, values=problem.values)
        shared = predictor.predict(derivation, learning_rate=eta)
        assert list(shared.derivative) == mistaken_values(derivation)
        assert shared.update is not None
        assert list(shared.update) == mistaken_values(derivation, learning_rate=eta)


@pytest.mark.parametrize("name", NUMERIC)
def test_swept_gradients_are_the_derivations(name: str) -> None:
    """:meth:`Scenario.gradient` (one sweep for every node) against one derivation per node,
    by brute force: the same numbers to the bit, 1 for the output, 0 without a path."""
    problem = load_problem(name)
    graph = problem.graph
    scenario = Scenario.at_values(graph, problem.values)
    for node in graph.order:
        swept = scenario.gradient(graph.output, node)
        assert swept.tobytes() == scenario.derivative(graph.output, node).tobytes(), node
    assert scenario.gradient(graph.output, graph.output).tolist() == [1.0]


def test_the_search_tables_are_made_when_first_read() -> None:
    """A prediction never sums subsets of the paths: the path search builds its subset tables
    only for a search, and then the tables :func:`_subset_masks` gives."""
    problem = load_problem("padhai_4_4_2")
    scenario = Scenario.at_values(problem.graph, problem.values)
    search = PathSearch(scenario.derivation("L", "w111"), scenario, [], None)
    assert "exact" not in vars(search) and "combined" not in vars(search)
    found = search.search(np.array([-0.5]), np.array([1e-6]))
    assert isinstance(found, list) and "combined" in vars(search)
    assert np.array_equal(search.exact, _subset_masks(search.paths, EXACT_PATHS))
    assert np.array_equal(search.combined, _subset_masks(search.paths, EXACT_PATHS_COMBINED))
