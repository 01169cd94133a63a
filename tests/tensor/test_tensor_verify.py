"""``symbackprop verify`` on a tensor problem: a row per parameter against the sum over paths,
the lowered scalar engine, torch autograd and finite differences, text or JSON (held to
docs/verify-tensor.schema.json, which rejects what it must), exit status 1 on a disagreement,
and every method that did not run named with its reason."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import require_module
from tensor_cases import EXAMPLE_FILES, ROOT

from symbackprop.cli import main
from symbackprop.graph.tensor import TensorGraph
from symbackprop.rules.tensor.build import Builder

MLP = str(EXAMPLE_FILES["mlp"])
SCHEMA = json.loads((ROOT / "docs" / "verify-tensor.schema.json").read_text(encoding="utf-8"))


def validate(data: Any) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(data)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def wrong_vjp(monkeypatch: pytest.MonkeyPatch) -> None:
    """δH1 = δZ2 W2ᵀ off by a factor of 1.001: every gradient below H1 is wrong."""
    right = TensorGraph.edge_vjp
    build = Builder()

    def wrong(self: TensorGraph, parent: str, child: str) -> Any:
        found = right(self, parent, child)
        return build.ew(lambda v: v * 1.001, found) if (parent, child) == ("H1", "Z2") else found

    monkeypatch.setattr(TensorGraph, "edge_vjp", wrong)


def test_every_parameter_agrees_with_every_method(capsys: pytest.CaptureFixture[str]) -> None:
    require_module("torch")
    status, out, _ = run(capsys, "verify", MLP)
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "Gradient check: A two-layer MLP on a mini-batch, softmax cross-entropy"
    assert lines[1].split() == ["wrt", "shape", "max", "|g|", "paths", "path", "sum", "lowered",
                                "torch", "finite", "diff."]
    rows = {line.split()[0]: line for line in lines[2:6]}
    assert list(rows) == ["W1", "W2", "b1", "b2"]
    assert all(row.endswith("ok") and "—" not in row for row in rows.values())
    assert lines[6].startswith("4 agree, 0 disagree")
    assert "Finite differences: every entry of W1, W2, b1, b2." in out
    assert "Not run" not in out


def test_json_holds_to_its_schema(capsys: pytest.CaptureFixture[str]) -> None:
    require_module("torch")
    status, out, _ = run(capsys, "verify", MLP, "--format", "json", "--no-lowering")
    assert status == 0
    data = json.loads(out)
    validate(data)
    assert data["file"] == MLP and data["level"] == "tensor" and data["disagree"] == 0
    [w1] = [c for c in data["checks"] if c["wrt"] == "W1"]
    assert w1["shape"] == [3, 5] and w1["paths"] == 1
    statuses = {o["oracle"]: (o["status"], o["reason"]) for o in w1["oracles"]}
    assert statuses == {"path sum": ("agrees", None), "lowered": ("skipped", "not asked for"),
                        "torch": ("agrees", None), "finite differences": ("agrees", None)}


def test_a_wrong_gradient_fails_the_command(capsys: pytest.CaptureFixture[str],
                                            wrong_vjp: None) -> None:
    require_module("torch")
    status, out, _ = run(capsys, "verify", MLP)
    assert status == 1
    rows = {line.split()[0]: line for line in out.splitlines()[2:6]}
    assert rows["W1"].endswith("DISAGREE") and rows["b1"].endswith("DISAGREE")
    assert rows["W2"].endswith("ok") and "2 agree, 2 disagree" in out
    assert rows["W1"].count("✗") == 3  # lowered, torch, finite differences; not the path sum
    status, out, _ = run(capsys, "verify", MLP, "--format", "json", "--no-lowering")
    assert status == 1
    data = json.loads(out)
    validate(data)
    assert data["disagree"] == 2


def test_leaves_without_values_are_drawn_and_said(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    text = Path(MLP).read_text(encoding="utf-8").replace(
        'W2 = { shape = [5, 3], draw = "normal" }', "W2 = { shape = [5, 3] }")
    assert "W2 = { shape = [5, 3] }" in text
    path = tmp_path / "partial.toml"
    path.write_text(text, encoding="utf-8")
    status, out, _ = run(capsys, "verify", str(path), "--no-lowering")
    assert status == 0
    assert out.splitlines()[1] == ("(no values given for W2: checked at seeded random values in "
                                   "[0.1, 0.9])")
    status, out, _ = run(capsys, "verify", str(path), "--format", "json", "--no-lowering")
    assert json.loads(out)["randomised_values"] == ["W2"]


def test_labels_without_values_are_an_error(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    text = Path(MLP).read_text(encoding="utf-8").replace(
        'y = { shape = [4], dtype = "int", values = [0, 2, 1, 1] }',
        'y = { shape = [4], dtype = "int" }')
    path = tmp_path / "labels.toml"
    path.write_text(text, encoding="utf-8")
    status, out, err = run(capsys, "verify", str(path))
    assert status == 2 and not out
    assert "verify needs the values of the integer tensor 'y'" in err


def test_a_graph_without_parameters_checks_its_float_inputs(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "inputs.toml"
    path.write_text('[tensor]\noutput = "L"\n[tensor.inputs]\nx = [0.5, -1.0]\n'
                    'y = { shape = [], dtype = "int", values = 1 }\n'
                    '[tensor.nodes]\nL = "cross_entropy(x, y)"\n', encoding="utf-8")
    status, out, _ = run(capsys, "verify", str(path), "--format", "json")
    assert status == 0
    data = json.loads(out)
    validate(data)
    assert [c["wrt"] for c in data["checks"]] == ["x"]


# -- the schema rejects ------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _drop(key: str) -> Mutation:
    return lambda data: data.pop(key)


def _oracle(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return lambda data: change(data["checks"][0]["oracles"][1])


MUTATIONS: dict[str, Mutation] = {
    "no checks": _drop("checks"),
    "no tolerances": _drop("tolerances"),
    "a scalar verify's level": lambda data: data.__setitem__("level", "scalar"),
    "a shape of text": lambda data: data["checks"][0].__setitem__("shape", "(3, 5)"),
    "three oracles": lambda data: data["checks"][0]["oracles"].pop(),
    "an unknown oracle": _oracle(lambda o: o.__setitem__("oracle", "jax")),
    "a skipped oracle with an error": _oracle(lambda o: o.__setitem__("max_abs_error", 0.0)),
    "a skipped oracle without its reason": _oracle(lambda o: o.__setitem__("reason", None)),
    "a negative error": lambda data: data["checks"][0]["oracles"][0].__setitem__(
        "max_abs_error", -1.0),
    "agrees as text": lambda data: data["checks"][0].__setitem__("agrees", "yes"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_the_schema_rejects(mutation: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "verify", MLP, "--format", "json", "--no-lowering")
    assert status == 0
    data = json.loads(out)
    validate(data)
    changed = copy.deepcopy(data)
    MUTATIONS[mutation](changed)
    with pytest.raises(jsonschema.ValidationError):
        validate(changed)
