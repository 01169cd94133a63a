"""The workbook on the backprop-ninja example: the answers of the notebook's backward pass,
written by hand in numpy (tests/numpy_backward.py), right and with one mistake at a time."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy_backward as by_hand
import pytest

from symbackprop.check.tensor_workbook import Answer, check_workbook, read_answers
from symbackprop.errors import SpecError
from symbackprop.spec.problems import load_problem

ROOT = Path(__file__).resolve().parents[2]
NINJA = ROOT / "symbackprop" / "spec" / "examples" / "tensor_ninja.toml"
STEPS = ("logprobs", "probs", "counts_sum_inv", "counts_sum", "counts", "norm_logits",
         "logit_maxes", "logits", "h", "W2", "b2", "hpreact", "bngain", "bnbias", "bnraw",
         "bnvar_inv", "bnvar", "bndiff2", "bndiff", "bnmeani", "hprebn", "embcat", "W1", "b1",
         "emb", "C")
# the step at which each mistake is made (in the notebook's order)
MADE_AT = {"mean_missing": "logprobs", "activation_at_output": "probs",
           "softmax_normaliser_path": "counts", "transposed": "W2", "bias_not_summed": "b2",
           "activation_at_input": "hpreact", "batchnorm_variance_path": "bndiff",
           "batchnorm_mean_path": "hprebn"}
_PROBLEM = load_problem(NINJA)
_FORWARD = _PROBLEM.graph.forward(_PROBLEM.values)


def printed(value: np.ndarray) -> tuple[Decimal, ...]:
    top = max(float(np.max(np.abs(value), initial=0.0)), 1e-3)
    places = max(0, 7 - int(np.floor(np.log10(top))))
    return tuple(Decimal(f"{x:.{places}f}") for x in np.ravel(value))


def answers(mistakes: frozenset[str] = frozenset(), *, floats: bool = False
            ) -> dict[str, Answer]:
    grads = by_hand.ninja(_FORWARD, mistakes)
    return {key[1:]: Answer(value) if floats else Answer(
        np.array([float(d) for d in printed(value)]).reshape(value.shape), printed(value))
        for key, value in grads.items()}


@pytest.mark.parametrize("floats", [False, True], ids=["printed", "npz-floats"])
def test_a_fully_right_answers_file_scores_full_marks(floats: bool) -> None:
    book = check_workbook(_PROBLEM, answers(floats=floats), steps=STEPS)
    assert [s.verdict for s in book.steps] == ["right"] * len(STEPS)
    assert book.score == (26, 26) and book.first_wrong is None and book.status == "correct"


@pytest.mark.parametrize("mistake", sorted(MADE_AT))
def test_a_single_step_mistake_is_named_there_and_later_steps_follow(mistake: str) -> None:
    book = check_workbook(_PROBLEM, answers(frozenset({mistake})), steps=STEPS)
    at = STEPS.index(MADE_AT[mistake])
    verdicts = [s.verdict for s in book.steps]
    assert verdicts[:at] == ["right"] * at
    first = book.first_wrong
    assert first is not None and first.node == MADE_AT[mistake]
    assert mistake in first.kinds + (first.result.alternatives if first.result else ()), \
        first.diagnosis
    assert set(verdicts[at + 1:]) <= {"right", "follows"}, list(zip(STEPS, verdicts, strict=True))
    followers = [s for s in book.steps[at + 1:] if s.verdict == "follows"]
    assert all(f"d{MADE_AT[mistake]}" in s.diagnosis for s in followers[:1])


def test_the_cli_reads_toml_json_and_npz_answers(tmp_path: Path) -> None:
    grads = by_hand.ninja(_FORWARD, frozenset({"activation_at_input"}))
    toml = tmp_path / "answers.toml"
    toml.write_text("\n".join(
        f"{key} = {json.dumps([float(d) for d in printed(value)])}" if value.ndim == 1 else
        f"{key} = {np.array([str(d) for d in printed(value)]).reshape(value.shape).tolist()}"
        .replace("'", "") for key, value in grads.items()) + "\n")
    npz = tmp_path / "answers.npz"
    np.savez(npz, **grads)
    for path in (toml, npz):
        run = subprocess.run([sys.executable, "-m", "symbackprop", "check", str(NINJA),
                              "--answers", str(path), "--format", "json"],
                             capture_output=True, text=True, cwd=ROOT, check=False)
        assert run.returncode == 1, run.stderr
        data = json.loads(run.stdout)
        assert data["first_wrong"] == "dhpreact" and data["out_of"] == 26
        step = next(s for s in data["steps"] if s["of"] == "dhpreact")
        assert step["kinds"] == ["activation_at_input"] and step["verdict"] == "incorrect"
        assert data["incorrect"] == 1 and data["score"] == 25


def test_answers_files_are_refused_when_unsafe_or_wrong(tmp_path: Path) -> None:
    pickled = tmp_path / "objects.npz"
    np.savez(pickled, dW1=np.array([object()], dtype=object))
    with pytest.raises(SpecError, match=r"not a readable \.npz"):
        read_answers(pickled, _PROBLEM)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("dnothing = [1.0]\n")
    with pytest.raises(SpecError, match="dNAME or grad"):
        read_answers(unknown, _PROBLEM)
    labels = tmp_path / "labels.json"
    labels.write_text('{"grad(Yb)": [1.0]}')
    with pytest.raises(SpecError, match="holds integers"):
        read_answers(labels, _PROBLEM)


def test_a_problem_file_can_list_the_workbook_steps() -> None:
    from symbackprop.spec.problems import load_problem_text

    text = NINJA.read_text(encoding="utf-8")
    problem = load_problem_text('workbook = ["logprobs", "probs", "W1"]\n' + text, name="n.toml")
    assert problem.workbook == ("logprobs", "probs", "W1")  # type: ignore[union-attr]
    book = check_workbook(problem, answers())  # type: ignore[arg-type]
    assert [s.node for s in book.steps] == ["logprobs", "probs", "W1"]
    assert book.score == (3, 3)
    for bad, message in (('["Yb"]', "has no gradient"), ('["nothing"]', "no tensor is called"),
                         ('["h", "h"]', "listed twice"), ('"h"', "a list of node names")):
        with pytest.raises(SpecError, match=message):
            load_problem_text(f"workbook = {bad}\n" + text, name="n.toml")
