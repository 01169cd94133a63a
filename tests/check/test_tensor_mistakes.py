"""The tensor mistakes registry against backward passes written by hand (tests/numpy_backward.py):
every bundled tensor example, every mistake that applies to it, pairs of mistakes, square
shapes where a missing transpose changes no shape; as numbers and as formulas."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy_backward as by_hand
import pytest

from symbackprop.check.tensor_check import judge_tensor
from symbackprop.check.tensor_mistakes import TENSOR_MISTAKES, TENSOR_MISTAKES_BY_NAME
from symbackprop.check.tensor_predict import TensorPredictor
from symbackprop.spec.problems import load_problem
from symbackprop.spec.tensor import tensor_problem_from_dict
from symbackprop.spec.tensor_claims import TensorClaim

TENSOR = Path(__file__).resolve().parents[2] / "symbackprop" / "spec" / "examples"
EXAMPLES = {
    "mlp": ("dW1", "db1", "dZ1", "dW2"),
    "attention": ("dWV", "dWQ", "dWK", "dX"),
    "batchnorm": ("dx", "dW", "dbeta", "dgamma"),
    "rnn": ("dWhh", "dWxh", "dbh"),
    "ninja": ("dW1", "dW2", "db2", "dC", "dhprebn"),
}
MISTAKES = {
    "mlp": ("softmax_diagonal", "mean_missing", "mean_extra", "sign", "activation_at_input",
            "bias_not_summed", "bias_averaged", "reduction_wrong_axis", "transposed"),
    "attention": ("mean_missing", "matmul_missing_transpose", "softmax_diagonal",
                  "attention_keys_path"),
    "batchnorm": ("mean_missing", "activation_at_input", "batchnorm_mean_path",
                  "batchnorm_variance_path", "bias_not_summed"),
    "rnn": ("rnn_last_step_only", "matmul_missing_transpose"),
    "ninja": ("mean_missing", "softmax_normaliser_path", "transposed", "bias_not_summed",
              "activation_at_input", "activation_at_output", "batchnorm_variance_path",
              "batchnorm_mean_path"),
}
PAIRS = {
    "mlp": [("softmax_diagonal", "transposed"), ("mean_missing", "bias_not_summed"),
            ("activation_at_input", "mean_missing"), ("activation_at_input", "softmax_diagonal")],
    "batchnorm": [("batchnorm_mean_path", "batchnorm_variance_path"),
                  ("batchnorm_mean_path", "activation_at_input")],
    "ninja": [("batchnorm_mean_path", "batchnorm_variance_path"),
              ("softmax_normaliser_path", "activation_at_input")],
    "attention": [("softmax_diagonal", "attention_keys_path")],
}
_CACHE: dict[str, tuple[dict[str, np.ndarray], TensorPredictor]] = {}


def printed(value: np.ndarray, digits: int = 8) -> tuple[Decimal, ...]:
    """The entries as a student prints them: ``digits`` significant digits of the largest."""
    top = max(float(np.max(np.abs(value), initial=0.0)), 1e-3)  # noise is printed as 0
    places = max(0, digits - int(np.floor(np.log10(top))))
    return tuple(Decimal(f"{x:.{places}f}") for x in np.ravel(value))


def claim(node: str, value: np.ndarray) -> TensorClaim:
    return TensorClaim(f"dL/d{node}", "gradient", node, 1, printed(value), np.shape(value))


def example(name: str) -> tuple[dict[str, np.ndarray], TensorPredictor]:
    if name not in _CACHE:
        problem = load_problem(TENSOR / f"tensor_{name}.toml")
        forward = problem.graph.forward(problem.values)
        _CACHE[name] = (forward, TensorPredictor(problem.graph, forward))
    return _CACHE[name]


def verdicts(name: str, mistakes: frozenset[str]) -> dict[str, tuple[str, tuple[str, ...]]]:
    forward, predictor = example(name)
    right = getattr(by_hand, name)(forward)
    wrong = getattr(by_hand, name)(forward, mistakes)
    found = {}
    for key in EXAMPLES[name]:
        if wrong[key].shape == right[key].shape and np.allclose(wrong[key], right[key]):
            continue  # the mistake does not reach this gradient
        result = judge_tensor(claim(key[1:], wrong[key]), predictor.truth[key[1:]], predictor)
        found[key] = (result.verdict, result.kinds + result.alternatives)
    return found


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_hand_written_right_answers_are_right(name: str) -> None:
    forward, predictor = example(name)
    right = getattr(by_hand, name)(forward)
    for key, value in right.items():
        result = judge_tensor(claim(key[1:], value), predictor.truth[key[1:]], predictor)
        assert result.verdict == "correct", (key, result.diagnosis)


@pytest.mark.parametrize(("name", "mistake"), [(n, m) for n in sorted(MISTAKES)
                                               for m in MISTAKES[n]])
def test_each_hand_written_mistake_is_named(name: str, mistake: str) -> None:
    found = verdicts(name, frozenset({mistake}))
    assert found, "the mistake changes none of the gradients checked"
    for key, (verdict, kinds) in found.items():
        assert verdict == "incorrect"
        assert mistake in kinds, (key, kinds)


@pytest.mark.parametrize(("name", "pair"), [(n, p) for n in sorted(PAIRS) for p in PAIRS[n]])
def test_pairs_of_mistakes_are_named(name: str, pair: tuple[str, str]) -> None:
    found = verdicts(name, frozenset(pair))
    named = [kinds for verdict, kinds in found.values() if set(pair) <= set(kinds)]
    assert named, found
    assert all(verdict == "incorrect" for verdict, _ in found.values())


def square_mlp() -> tuple[dict[str, np.ndarray], TensorPredictor]:
    problem = tensor_problem_from_dict({"tensor": {
        "output": "L", "seed": 4,
        "inputs": {"X": {"shape": [3, 3], "draw": "normal"},
                   "y": {"shape": [3], "dtype": "int", "values": [0, 2, 1]}},
        "parameters": {"W1": {"shape": [3, 3], "draw": "normal"},
                       "b1": {"shape": [3], "draw": "normal"},
                       "W2": {"shape": [3, 3], "draw": "normal"},
                       "b2": {"shape": [3], "draw": "normal"}},
        "nodes": {"Z1": "X @ W1 + b1", "H1": "tanh(Z1)", "Z2": "H1 @ W2 + b2",
                  "L": "cross_entropy(Z2, y)"}}}, name="square.toml")
    forward = problem.graph.forward(problem.values)
    return forward, TensorPredictor(problem.graph, forward)


@pytest.mark.parametrize("mistake", ["matmul_missing_transpose", "matmul_operand_order",
                                     "transposed", "reduction_wrong_axis"])
def test_square_shapes_where_a_transpose_changes_no_shape(mistake: str) -> None:
    forward, predictor = square_mlp()
    wrong = by_hand.mlp(forward, frozenset({mistake}))
    node = "b1" if mistake == "reduction_wrong_axis" else "W1"
    assert wrong[f"d{node}"].shape == predictor.truth[node].shape
    result = judge_tensor(claim(node, wrong[f"d{node}"]), predictor.truth[node], predictor)
    assert result.verdict == "incorrect" and mistake in result.kinds, result.kinds


def test_a_missing_transpose_deep_in_the_chain_is_named_upstream() -> None:
    forward, predictor = square_mlp()
    wrong = by_hand.mlp(forward, frozenset({"hidden_missing_transpose"}))
    result = judge_tensor(claim("W1", wrong["dW1"]), predictor.truth["W1"], predictor)
    assert "matmul_missing_transpose" in result.kinds
    assert "δZ2 @ W2" in result.diagnosis


def test_a_shape_mismatch_is_explained() -> None:
    forward, predictor = example("mlp")
    wrong = by_hand.mlp(forward, frozenset({"transposed"}))
    result = judge_tensor(claim("W1", wrong["dW1"]), predictor.truth["W1"], predictor)
    assert result.diagnosis.startswith("you gave 5×3; dL/dW1 is 3×5: a transpose?")
    unknown = judge_tensor(claim("W1", np.ones((5, 3))), predictor.truth["W1"], predictor)
    assert unknown.kinds == ("shape",) and "a transpose?" in unknown.diagnosis
    summed = judge_tensor(claim("b1", np.ones((4, 5))), predictor.truth["b1"], predictor)
    assert "a sum over the batch axis left out?" in summed.diagnosis


def test_every_mistake_of_the_registry_is_tested_by_hand() -> None:
    tested = {m for ms in MISTAKES.values() for m in ms} | {
        "matmul_operand_order", "missing_paths"}
    assert tested >= {m.name for m in TENSOR_MISTAKES} - {"missing_paths"}
    assert TENSOR_MISTAKES_BY_NAME["missing_paths"].way == "paths"


def test_an_unknown_wrong_answer_is_not_named() -> None:
    _, predictor = example("mlp")
    noise = predictor.truth["W1"] + np.random.default_rng(0).normal(0, 0.05, (3, 5))
    result = judge_tensor(claim("W1", noise), predictor.truth["W1"], predictor)
    assert result.kinds == ("unexplained",) and "entries are off" in result.diagnosis
