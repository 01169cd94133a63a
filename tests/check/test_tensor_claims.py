"""Tensor claims: read from a file, judged entry by entry and as formulas, wrong ones named;
the notation grad(NAME) and dNAME; a claim that follows from an earlier wrong one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from symbackprop.check.tensor_check import check_tensor_problem
from symbackprop.errors import SpecError
from symbackprop.spec.problems import load_problem_text

ROOT = Path(__file__).resolve().parents[2]
TENSOR = ROOT / "symbackprop" / "spec" / "examples"  # the bundled tensor_NAME examples


def with_claims(example: str, claims: str) -> str:
    return (TENSOR / f"tensor_{example}.toml").read_text(encoding="utf-8") + "\n" + claims


def verdicts(example: str, claims: str) -> list[tuple[str, tuple[str, ...]]]:
    problem = load_problem_text(with_claims(example, claims), name=f"{example}.toml")
    report = check_tensor_problem(problem)  # type: ignore[arg-type]
    return [(r.verdict, r.kinds + r.alternatives) for r in report.results]


def formula(of: str, expression: str) -> str:
    return f'[[claims]]\nof = "{of}"\nexpression = "{expression}"\n'


# Wrong formulas as students write them, each with the mistake it is.
FORMULAS = [
    ("mlp", "dL/dW2", "H1.T @ grad(Z2)", None),
    ("mlp", "dL/dW2", "H1.T @ dZ2", None),
    ("mlp", "dL/dW1", "X.T @ (grad(H1) * (1 - H1**2))", None),
    ("mlp", "dL/db1", "sum(grad(Z1), axis=0)", None),
    ("mlp", "dL/dW2", "grad(Z2).T @ H1", "transposed"),
    ("mlp", "dL/dZ1", "grad(H1) * (1 - Z1**2)", "activation_at_input"),
    ("mlp", "dL/db1", "grad(Z1)", "bias_not_summed"),
    ("mlp", "dL/db1", "mean(grad(Z1), axis=0)", "bias_averaged"),
    ("mlp", "dL/db1", "sum(grad(Z1), axis=1)", "reduction_wrong_axis"),
    ("attention", "dL/dWV", "X.T @ (A @ grad(O))", "matmul_missing_transpose"),
    ("attention", "dL/dS", "A * (1 - A) * grad(A)", "softmax_diagonal"),
    ("attention", "dL/dR", "2 * (R - T)", "mean_missing"),
    ("batchnorm", "dL/dx", "grad(Y) * gamma / sqrt(var(x, axis=0) + 1e-5)",
     "batchnorm_mean_path"),
    ("rnn", "dL/dWhh", "h2.T @ (grad(h3) * (1 - h3**2))", "rnn_last_step_only"),
]


@pytest.mark.parametrize(("example", "of", "expression", "mistake"), FORMULAS)
def test_formulas_are_judged_and_wrong_ones_named(example: str, of: str, expression: str,
                                                   mistake: str | None) -> None:
    [(verdict, kinds)] = verdicts(example, formula(of, expression))
    if mistake is None:
        assert verdict == "correct"
    else:
        assert verdict == "incorrect" and mistake in kinds, kinds


def test_a_declared_name_wins_and_grad_cannot_clash() -> None:
    text = """
[tensor]
output = "L"
[tensor.inputs]
dW = [[1.0, 2.0], [0.5, -1.0]]
[tensor.parameters]
W = [[0.5, -0.25], [1.0, 0.75]]
grad = [0.1, 0.2]
[tensor.nodes]
Z = "dW @ W + grad"
L = "sum(tanh(Z))"
[[claims]]
of = "dL/dW"
expression = "dW.T @ grad(Z)"
[[claims]]
of = "dL/dgrad"
expression = "sum(dZ, axis=0)"
"""
    report = check_tensor_problem(load_problem_text(text, name="names.toml"))  # type: ignore[arg-type]
    assert [r.verdict for r in report.results] == ["correct", "correct"]


def test_a_later_claim_that_follows_from_an_earlier_wrong_one_says_so() -> None:
    problem = load_problem_text(with_claims("mlp", ""), name="mlp.toml")
    truth = check_tensor_problem(load_problem_text(with_claims("mlp", formula("dL/dZ1", "dZ1")),
                                               name="m.toml")).results[0].expected  # type: ignore[arg-type]
    assert truth is not None and problem is not None
    wrong = (truth * 1.7 + 0.01).round(5)  # an unexplained wrong dZ1
    rows = ", ".join("[" + ", ".join(f"{x:.5f}" for x in row) + "]" for row in wrong)
    weights = (load_problem_text(with_claims("mlp", ""), name="m.toml").values["X"].T  # type: ignore[union-attr]
               @ wrong).round(5)
    w_rows = ", ".join("[" + ", ".join(f"{x:.5f}" for x in row) + "]" for row in weights)
    claims = (f'[[claims]]\nof = "dL/dZ1"\nvalue = [{rows}]\n'
              f'[[claims]]\nof = "dL/dW1"\nvalue = [{w_rows}]\n')
    results = check_tensor_problem(load_problem_text(with_claims("mlp", claims),  # type: ignore[arg-type]
                                                 name="m.toml")).results
    assert results[0].kinds == ("unexplained",)
    assert results[1].kinds == ("follows_from_claim",) and "claim 1" in results[1].diagnosis


@pytest.mark.parametrize(("claim", "message"), [
    ('of = "dL/dQ"\nvalue = 1', "no tensor is called 'Q'"),
    ('of = "dZ1/dW1"\nvalue = 1', "gradients of the loss"),
    ('of = "dL/dy"\nvalue = [1, 2, 3, 4]', "holds integers"),
    ('of = "dL/dW1"\nvalue = [[1, 2], [3]]', "ragged"),
    ('of = "dL/dW1"', "give a value or an expression"),
])
def test_bad_claims_are_refused_with_the_file_and_claim_named(claim: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        load_problem_text(with_claims("mlp", f"[[claims]]\n{claim}\n"), name="mlp.toml")


def test_a_formula_that_cannot_be_read_is_an_error_of_that_claim_only() -> None:
    claims = formula("dL/dW1", "X.T @ grad(Nope)") + formula("dL/dW2", "H1.T @ grad(Z2)")
    results = check_tensor_problem(load_problem_text(with_claims("mlp", claims),  # type: ignore[arg-type]
                                                 name="m.toml")).results
    assert results[0].verdict == "error" and "no tensor is called 'Nope'" in results[0].message
    assert results[1].verdict == "correct"


def test_check_on_a_tensor_file_in_every_format() -> None:
    source = str(ROOT / "examples" / "check" / "mlp_student.toml")
    for fmt in ("text", "markdown", "json"):
        run = subprocess.run([sys.executable, "-m", "symbackprop", "check", source,
                              "--format", fmt], capture_output=True, text=True, cwd=ROOT,
                             check=False)
        assert run.returncode == 1, run.stderr
        if fmt == "json":
            data = json.loads(run.stdout)
            assert data["level"] == "tensor" and [c["verdict"] for c in data["claims"]] == [
                "correct", "correct", "incorrect", "incorrect", "incorrect"]
        else:
            assert "bias_not_summed" in run.stdout or "not summed over the batch" in run.stdout


def test_the_json_reports_follow_the_schema(tmp_path: Path) -> None:
    import jsonschema

    from symbackprop.check import check_source, check_workbook
    from symbackprop.check.report import batch_data, check_data
    from symbackprop.check.tensor_report import workbook_data
    from symbackprop.check.tensor_workbook import Answer
    from symbackprop.spec.problems import load_problem

    schema = json.loads((ROOT / "docs" / "check.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    student = check_source(str(ROOT / "examples" / "check" / "mlp_student.toml"))
    assert student.report is not None
    validator.validate(json.loads(json.dumps(check_data(student.report))))
    validator.validate(json.loads(json.dumps(batch_data([student, check_source("mazur_2_2_2")]))))
    problem = load_problem(TENSOR / "tensor_mlp.toml")
    book = check_workbook(problem, {"W1": Answer(problem.values["W1"])})  # type: ignore[arg-type]
    validator.validate(json.loads(json.dumps(workbook_data(book))))


def test_a_problem_with_claims_writes_them_back_as_printed() -> None:
    """to_toml() keeps each claim: its numbers with the digits their tolerance is read from
    (0.120 stays 0.120), nested to the shape given, and its formula as written."""
    claims = ('[[claims]]\nof = "dL/db2"\nvalue = [0.120, -0.5, 1e-3]\n'
              + formula("dL/dZ1", "grad(H1) * (1 - H1**2)")
              + '[[claims]]\nof = "dL/dW2"\nvalue = [[1.0, 2.0]]\ntolerance = 0.5\n')
    problem = load_problem_text(with_claims("mlp", claims), name="mlp.toml")
    text = problem.to_toml()  # type: ignore[union-attr]
    assert "0.120" in text and "[[1.0, 2.0]]" in text.replace("\n", "").replace("  ", " ")
    again = load_problem_text(text, name="again.toml")
    assert again.claims == problem.claims
