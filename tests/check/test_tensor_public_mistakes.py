"""Wrong answers found in public material, each written as a claim on our examples.

Each case cites where the mistake was seen (a Q&A page, an issue thread), says what the
author's backward pass does, and makes the same wrong gradient on one of our bundled tensor
examples with a backward pass written by hand (tests/numpy_backward.py).  The issue's
acceptance: at least 80% of them get a named diagnosis (not "unexplained", not only a shape
note).  Cases the registry does not name are kept, marked, so that the share is honest.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy_backward as by_hand
import pytest
from test_tensor_mistakes import claim

from symbackprop.check.tensor_check import judge_tensor
from symbackprop.check.tensor_predict import TensorPredictor
from symbackprop.spec.problems import load_problem

TENSOR = Path(__file__).resolve().parents[2] / "symbackprop" / "spec" / "examples"

# (source, what the author did, example, hand-written mistake flag, gradient, expected name)
CASES = [
    ("https://datascience.stackexchange.com/questions/20139",
     "db2 = dz2: the bias gradient of a mini-batch not summed over the examples",
     "mlp", "bias_not_summed", "db1", "bias_not_summed"),
    ("https://community.deeplearning.ai/t/trouble-understanding-b-vector-back-propagation/536725",
     "'wouldn't it make more sense to set db = dZ': one bias gradient per example",
     "batchnorm", "bias_not_summed", "dbeta", "bias_not_summed"),
    ("https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1 (CS231n 'softmax staged "
     "computation' question)",
     "d_denom computed entry by entry and not summed over the row it is broadcast along",
     "ninja", "normaliser_not_summed", "dcounts_sum_inv", "bias_not_summed"),
    ("https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1 (same question, its edit)",
     "'forgot to include this portion earlier: dW /= N': the mean's 1/N left out",
     "ninja", "mean_missing", "dW2", "mean_missing"),
    ("https://newbe.dev/numpy-calculate-the-derivative-of-the-softmax-function",
     "the softmax's gradient computed one entry at a time (no sum over the Jacobian's row): "
     "its diagonal alone",
     "attention", "softmax_diagonal", "dWQ", "softmax_diagonal"),
    ("https://packtpub.com/en-MT/product/hands-on-computer-vision-with-tensorflow-2-"
     "9781788830645/chapter/video-and-recurrent-neural-networks-11/section/"
     "backpropagation-through-time-ch11lvl1sec66",
     "the trap it warns of: h<4> also depends on h<3>, which depends on Wrec; taking the "
     "earlier state as a constant keeps the last step's path only",
     "rnn", "rnn_last_step_only", "dWhh", "rnn_last_step_only"),
    ("https://github.com/denizyuret/Knet.jl/issues/288",
     "batch norm's dx computed from dy without the scale gamma (dyivar used where g .* dy "
     "belongs)",
     "batchnorm", "gamma_left_out", "dx", None),  # not in the registry
]
NAMED_SHARE = 0.8


def judged(example: str, mistake: str, gradient: str) -> tuple[str, tuple[str, ...]]:
    problem = load_problem(TENSOR / f"tensor_{example}.toml")
    forward = problem.graph.forward(problem.values)
    predictor = TensorPredictor(problem.graph, forward)
    wrong = getattr(by_hand, example)(forward, frozenset({mistake}))[gradient]
    node = gradient[1:]
    result = judge_tensor(claim(node, wrong), predictor.truth[node], predictor)
    return result.verdict, result.kinds + result.alternatives


@pytest.mark.parametrize(("source", "what", "example", "mistake", "gradient", "name"), CASES,
                         ids=[f"{c[2]}-{c[3]}" for c in CASES])
def test_each_public_mistake(source: str, what: str, example: str, mistake: str,
                             gradient: str, name: str | None) -> None:
    verdict, kinds = judged(example, mistake, gradient)
    assert verdict == "incorrect"
    if name is None:
        assert set(kinds) <= {"unexplained", "shape"}, "now named: update the case"
    else:
        assert name in kinds, kinds


def test_at_least_80_percent_are_named() -> None:
    named = sum(case[5] is not None for case in CASES)
    assert named / len(CASES) >= NAMED_SHARE, f"{named} of {len(CASES)}"
    assert np.isclose(named / len(CASES), 6 / 7)
