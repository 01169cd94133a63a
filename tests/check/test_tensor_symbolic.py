"""A tensor formula claim shown equal symbolically: the problem lowered to scalars, the formula
and the truth written in the leaves' entries, compared entry by entry; too large a problem
left to the numbers, with the reason in the method."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from symbackprop.check.report import check_data
from symbackprop.check.tensor_check import check_tensor_problem
from symbackprop.check.tensor_symbolic import SHOWN_EQUAL, decide
from symbackprop.spec.problems import load_problem, load_problem_text
from symbackprop.spec.tensor import TensorProblem
from symbackprop.spec.tensor_claims import TensorClaim, read_tensor_claims

ROOT = Path(__file__).resolve().parents[2]
TENSOR = ROOT / "symbackprop" / "spec" / "examples"
NOT_SHOWN = "agrees at the file's values and 3 random draws (not shown equal symbolically: "


def problem_and_claim(example: str, of: str, expression: str) -> tuple[TensorProblem,
                                                                        TensorClaim]:
    problem = load_problem(f"tensor_{example}")
    assert isinstance(problem, TensorProblem)
    [claim] = read_tensor_claims([{"of": of, "expression": expression}], problem.graph, "test")
    assert claim.problem is None, claim.problem
    return problem, claim


def checked(example: str, of: str, expression: str) -> tuple[str, str, tuple[str, ...]]:
    text = (TENSOR / f"tensor_{example}.toml").read_text(encoding="utf-8")
    text += f'\n[[claims]]\nof = "{of}"\nexpression = "{expression}"\n'
    problem = load_problem_text(text, name=f"{example}.toml")
    [result] = check_tensor_problem(problem).results  # type: ignore[arg-type]
    return result.verdict, result.method, result.kinds


RIGHT = [
    ("mlp", "dL/dW1", "X.T @ ((grad(Z2) @ W2.T) * (1 - H1**2))"),
    ("mlp", "dL/dW1", "X.T @ (grad(H1) * (1 - tanh(Z1)**2))"),
    ("mlp", "dL/dW1", "X.T @ grad(Z1)"),
    ("mlp", "dL/dW2", "H1.T @ grad(Z2)"),
    ("mlp", "dL/db1", "sum(grad(Z1), axis=0)"),
    ("mlp", "dL/db1", "sum((grad(Z2) @ W2.T) * (1 - H1**2), axis=0)"),
    ("mlp", "dL/dH1", "grad(Z2) @ W2.T"),
    ("mazur", "dL/dW2", "H1.T @ grad(Z2)"),
    ("mazur", "dL/dZ2", "(Yhat - Y) * Yhat * (1 - Yhat)"),
    ("mazur", "dL/dZ2", "(Yhat - Y) * exp(-Z2) / (1 + exp(-Z2))**2"),  # sigmoid' in exp
    ("mlp", "dL/dZ1", "grad(H1) * 4 / (exp(Z1) + exp(-Z1))**2"),  # tanh' in exp
    ("conv1d", "dL/db", "sum(grad(y))"),
]


@pytest.mark.parametrize(("example", "of", "expression"), RIGHT)
def test_a_right_formula_is_shown_equal_symbolically(example: str, of: str,
                                                     expression: str) -> None:
    problem, claim = problem_and_claim(example, of, expression)
    verdict = decide(claim, problem)
    assert verdict.equal and verdict.method == SHOWN_EQUAL
    assert checked(example, of, expression)[:2] == ("correct", SHOWN_EQUAL)


WRONG = [
    ("mlp", "dL/dW1", "X.T @ ((grad(Z2) @ W2.T) * (1 - Z1**2))", "activation_at_input"),
    ("mlp", "dL/dW1", "-(X.T @ grad(Z1))", None),
    ("mlp", "dL/dW1", "2 * (X.T @ grad(Z1))", None),
    ("mlp", "dL/db1", "mean(grad(Z1), axis=0)", "bias_averaged"),
    ("mlp", "dL/dZ1", "grad(H1) * (1 - H1)", None),
    ("mazur", "dL/dW2", "grad(Z2).T @ H1", "transposed"),  # square: the shape says nothing
]


@pytest.mark.parametrize(("example", "of", "expression", "mistake"), WRONG)
def test_a_wrong_formula_is_not_shown_equal_and_the_numbers_name_it(
        example: str, of: str, expression: str, mistake: str | None) -> None:
    problem, claim = problem_and_claim(example, of, expression)
    verdict = decide(claim, problem)
    assert not verdict.equal and verdict.method.startswith("entry [")
    result, method, kinds = checked(example, of, expression)
    assert (result, method) == ("incorrect", "differs at the values")
    if mistake is not None:
        assert mistake in kinds


def test_a_forward_tensor_formula_is_decided_too() -> None:
    problem, claim = problem_and_claim("mlp", "H1", "tanh(X @ W1 + b1)")
    assert decide(claim, problem).equal
    problem, claim = problem_and_claim("mlp", "H1", "tanh(X @ W1)")
    assert not decide(claim, problem).equal


def test_over_the_budget_the_numbers_judge_and_the_method_says_why() -> None:
    problem, claim = problem_and_claim("mlp", "dL/dW1", "X.T @ grad(Z1)")
    verdict = decide(claim, problem, budget=500)
    assert (verdict.equal, verdict.method) == (False, "over the budget of 500 expression nodes")
    # attention: every entry of the output reads every score through the softmax
    verdict, method, _ = checked("attention", "dL/dWV", "X.T @ grad(V)")
    assert verdict == "correct" and method.startswith("agrees at the file's values and ")
    assert method.endswith(" random draws (not shown equal symbolically: over the budget of "
                           "200,000 expression nodes)")


def test_a_problem_too_large_to_lower_stays_numeric() -> None:
    problem, claim = problem_and_claim("ninja", "dloss/dW2", "h.T @ grad(logits)")
    assert decide(claim, problem).method == "too large to lower to scalars"
    verdict, method, _ = checked("ninja", "dloss/dW2", "h.T @ grad(logits)")
    assert (verdict, method) == ("correct", NOT_SHOWN + "too large to lower to scalars)")


def test_the_method_in_the_json_report_follows_the_schema() -> None:
    schema = json.loads((ROOT / "docs" / "check.schema.json").read_text(encoding="utf-8"))
    text = (TENSOR / "tensor_mlp.toml").read_text(encoding="utf-8") + (
        '\n[[claims]]\nof = "dL/dW2"\nexpression = "H1.T @ grad(Z2)"\n'
        '[[claims]]\nof = "dL/dW1"\nexpression = "X.T @ (grad(H1) * (1 - Z1**2))"\n')
    report = check_tensor_problem(load_problem_text(text, name="mlp.toml"))  # type: ignore[arg-type]
    data = json.loads(json.dumps(check_data(report)))
    jsonschema.Draft202012Validator(schema).validate(data)
    methods = [claim["method"] for claim in data["claims"]]
    assert methods == [SHOWN_EQUAL, "differs at the values"]
