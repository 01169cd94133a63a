"""``derive`` and ``paths`` on a tensor problem, through the command line: every bundled tensor
example and parameter in every format (text, LaTeX that compiles, Markdown, JSON that
validates against docs/tensor-derive.schema.json), ``--wrt all``, ``--expand`` and ``--full``;
batch norm's three paths from its input with their VJP chains and operand shapes in every
format; the scalar-only options and commands refused with exit status 2."""

from __future__ import annotations

import copy
import itertools
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "render"))
from test_latex_compile import compile_latex

from symbackprop.calculus.derivation import derive
from symbackprop.calculus.tensor_sweep import tensor_gradients
from symbackprop.cli import main
from symbackprop.render.tensor_data import tensor_derivation_data
from symbackprop.spec import bundled_examples, load_problem

TENSOR = sorted(bundled_examples("tensor"))
SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "tensor-derive.schema.json")
                    .read_text(encoding="utf-8"))
BN_PATHS = [["x", "Y.mu", "Y.xhat", "Y", "H", "L"], ["x", "Y.var", "Y.xhat", "Y", "H", "L"],
            ["x", "Y.xhat", "Y", "H", "L"]]
"""Batch norm expanded: from its input, directly, through the mean, through the variance."""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    status = main(list(argv))
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return captured.out


def validate(data: Any) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(data)


def parameters(name: str) -> list[str]:
    return load_problem(name).graph.parameters


def test_the_bundled_tensor_examples_are_the_issues():
    assert {"tensor_mlp", "tensor_batchnorm", "tensor_layernorm", "tensor_rnn", "tensor_conv1d",
            "tensor_attention", "tensor_ninja", "tensor_mazur"} <= set(TENSOR)


@pytest.mark.parametrize("name", TENSOR)
def test_every_parameter_in_json(name, capsys):
    problem = load_problem(name)
    grads = tensor_gradients(problem.graph, problem.values).gradients
    for wrt in parameters(name):
        data = json.loads(run(capsys, "derive", name, "--wrt", wrt, "--format", "json"))
        validate(data)
        assert data["level"] == "tensor" and data["wrt"] == wrt
        assert data["adjoints"][0]["node"] == data["of"] and data["adjoints"][-1]["node"] == wrt
        np.testing.assert_allclose(np.array(data["gradient"], dtype=float), grads[wrt],
                                   rtol=1e-12, atol=0)
        if data["paths_listed"]:  # the paths' contributions (whole with --full) sum to it
            whole = json.loads(run(capsys, "derive", name, "--wrt", wrt, "--format", "json",
                                   "--full"))
            validate(whole)
            total = sum(np.array(p["value"], dtype=float) for p in whole["paths"])
            np.testing.assert_allclose(total, grads[wrt], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", TENSOR)
def test_text_markdown_and_paths(name, capsys):
    wrt = parameters(name)[0]
    text = run(capsys, "derive", name, "--wrt", wrt)
    for heading in ("Paths (each tensor with its shape)", "Forward pass", "Adjoints δn",
                    "Local VJPs", "Result", "Numbers"):
        assert f"\n{heading}" in text, heading
    markdown = run(capsys, "derive", name, "--wrt", wrt, "--format", "markdown")
    assert "## The adjoints: the factored form" in markdown
    paths = json.loads(run(capsys, "paths", name, "--wrt", wrt, "--format", "json"))
    validate(paths)
    count = paths["path_count"]
    assert f"  {count:,} path{'s' if count > 1 else ''} from {wrt} to" in text
    assert run(capsys, "paths", name, "--wrt", wrt).startswith(f"{count:,} path")


@pytest.mark.parametrize("name", TENSOR)
def test_derive_wrt_all_is_every_gradient_of_one_sweep(name, capsys):
    problem = load_problem(name)
    grads = tensor_gradients(problem.graph, problem.values).gradients
    data = json.loads(run(capsys, "derive", name, "--wrt", "all", "--format", "json"))
    validate(data)
    assert data["parameters"] == [p for p in problem.graph.order if p in parameters(name)]
    assert set(data["gradients"]) == set(grads)
    for wrt, value in grads.items():
        np.testing.assert_allclose(np.array(data["gradients"][wrt], dtype=float), value,
                                   rtol=1e-12, atol=0)
    text = run(capsys, "derive", name, "--wrt", "all")
    assert "\nGradients\n" in text
    assert all(f"\n  δ{wrt} " in text for wrt in data["parameters"])


@pytest.mark.parametrize("name", TENSOR)
def test_latex_compiles(name, tmp_path, capsys):
    for wrt in parameters(name)[:2]:
        document = run(capsys, "derive", name, "--wrt", wrt, "--format", "latex",
                       "--standalone")
        assert r"\documentclass" in document
        compile_latex(document, tmp_path, f"{name}_{wrt}")


def test_batch_norm_has_three_paths_from_its_input_in_every_format(capsys):
    data = json.loads(run(capsys, "derive", "tensor_batchnorm", "--wrt", "x", "--format",
                          "json"))
    assert data["path_count"] == 3
    assert [p["nodes"] for p in data["paths"]] == BN_PATHS
    for path in data["paths"]:  # each chain from the output end, every operand with its shape
        assert [s["child"] for s in path["steps"]] == path["nodes"][:0:-1]
        assert [s["parent"] for s in path["steps"]] == path["nodes"][-2::-1]
        for step in path["steps"]:
            assert step["operands"] and step["shape"] == data["shapes"][step["parent"]]
    first = data["paths"][0]["steps"][-1]  # through the mean: δx += δY.mu / N, N = 6
    assert (first["vjp"], first["operands"]) == ("δY.mu / 6", [{"name": "δY.mu", "shape": [4]}])
    text = run(capsys, "derive", "tensor_batchnorm", "--wrt", "x")
    paths = run(capsys, "paths", "tensor_batchnorm", "--wrt", "x")
    for out in (text, paths):
        assert "3 paths from x to L" in out
        for k, nodes in enumerate(BN_PATHS, 1):
            assert f"  path {k}: {' → '.join(nodes)}\n" in out
        assert "    δx += δY.mu / 6\n          shapes: δx (6, 4); δY.mu (4,)\n" in out
        assert out.count("shapes: ") == 5 + 5 + 4
    markdown = run(capsys, "derive", "tensor_batchnorm", "--wrt", "x", "--format", "markdown")
    latex = run(capsys, "derive", "tensor_batchnorm", "--wrt", "x", "--format", "latex")
    for out in (markdown, latex):
        assert "There are 3 paths from $x$ to $L$" in out
        assert out.count("Path ") == 3
        assert out.count(r"\mathrel{+}=") == 5 + 5 + 4
        assert "\n" + r"\delta_{x} &\mathrel{+}= \frac{\delta_{\mu_{Y}}}{6} \\" + "\n" in out
        assert r"{\scriptstyle (6 \times 4)\colon\ \delta_{\mu_{Y}}\ (4)}" in out


def test_expand_writes_layer_norm_as_its_primitives(capsys):
    whole = json.loads(run(capsys, "paths", "tensor_layernorm", "--wrt", "W1", "--format",
                           "json"))
    expanded = json.loads(run(capsys, "paths", "tensor_layernorm", "--wrt", "W1", "--expand",
                              "--format", "json"))
    assert whole["path_count"] == 1 and expanded["path_count"] == 3
    assert {"N.mu", "N.var", "N.xhat"} <= set(expanded["shapes"])
    np.testing.assert_allclose(np.array(whole["gradient"]), np.array(expanded["gradient"]),
                               rtol=1e-10, atol=1e-14)


def test_full_prints_every_entry(capsys):
    summarised = run(capsys, "derive", "tensor_ninja", "--wrt", "W2")
    full = run(capsys, "derive", "tensor_ninja", "--wrt", "W2", "--full")
    assert "⋱" in summarised and "--full prints it whole" in summarised
    assert "⋱" not in full and len(full) > 10 * len(summarised)


def test_json_summarises_every_value_but_the_gradient_unless_full(capsys):
    """As the text prints them: past 6 rows or columns an adjoint's value, a path's and the
    update's are a summary (shape, norm, largest entry, the entries at the kept indices);
    the gradient asked for is whole; ``--full`` writes every value whole."""
    problem = load_problem("tensor_ninja")
    grads = tensor_gradients(problem.graph, problem.values).gradients
    data = json.loads(run(capsys, "derive", "tensor_ninja", "--wrt", "W2", "--format", "json"))
    full = json.loads(run(capsys, "derive", "tensor_ninja", "--wrt", "W2", "--format", "json",
                          "--full"))
    validate(data)
    validate(full)
    np.testing.assert_array_equal(np.array(data["gradient"]), grads["W2"])
    assert data["gradient"] == full["gradient"]
    summaries = 0
    for short, whole in zip(data["adjoints"] + data["paths"], full["adjoints"] + full["paths"],
                            strict=True):
        value = np.array(whole["value"], dtype=float)
        if not isinstance(short["value"], dict):  # small enough to be whole
            assert max(value.shape[-2:], default=0) <= 6 and short["value"] == whole["value"]
            continue
        summaries += 1
        summary = short["value"]
        assert summary["shape"] == list(value.shape) and max(value.shape) > 6
        assert summary["norm"] == pytest.approx(np.linalg.norm(value), rel=1e-12)
        assert summary["max_abs"] == np.abs(value).max()
        for axis, kept in zip(value.shape, summary["indices"], strict=True):
            assert kept == (list(range(axis)) if axis <= 6 else
                            [0, 1, 2, axis - 3, axis - 2, axis - 1])
        np.testing.assert_array_equal(np.array(summary["entries"]),
                                      value[np.ix_(*summary["indices"])])
    assert summaries >= 2
    derivation = derive(problem.graph, "W2", values=problem.values)  # a step of 200 x 27
    for whole, kind in ((False, dict), (True, list)):
        update = tensor_derivation_data(derivation, 0.1, full=whole)["update"]
        assert isinstance(update["before"], kind) and isinstance(update["after"], kind)
    wrt_all = json.loads(run(capsys, "derive", "tensor_ninja", "--wrt", "all", "--format",
                             "json"))
    validate(wrt_all)
    assert any(isinstance(a["value"], dict) for a in wrt_all["adjoints"])
    for name, value in grads.items():  # every gradient of --wrt all whole
        np.testing.assert_array_equal(np.array(wrt_all["gradients"][name]), value)


def test_the_update_with_a_learning_rate_is_mazurs(capsys):
    data = json.loads(run(capsys, "derive", "tensor_mazur", "--wrt", "W2", "--format", "json"))
    assert data["update"]["learning_rate"] == 0.5
    assert round(data["update"]["after"][0][0], 8) == 0.35891648  # Mazur's w5+
    text = run(capsys, "derive", "tensor_mazur", "--wrt", "W2")
    assert "update (η = 0.5): W2+ (2, 2) = W2 − 0.5 δW2 =\n    ⎡0.358916  0.511301⎤\n" in text


@pytest.mark.parametrize("argv, message", [
    (["derive", "tensor_mlp", "--wrt", "W1", "--matrix"], "--matrix: a scalar problem's option"),
    (["derive", "tensor_mlp", "--wrt", "W1", "--simplify", "expanded"], "--simplify"),
    (["paths", "tensor_mlp", "--wrt", "W1", "--stream-limit", "5"], "--stream-limit"),
    (["derive", "branching_graph", "--wrt", "b", "--expand"], "--expand: branching_graph is a"),
    (["paths", "branching_graph", "--wrt", "b", "--full"], "--full: branching_graph is a"),
    (["derive", "tensor_mlp", "--wrt", "all", "--format", "latex"], "text or json"),
    (["codegen", "tensor_mlp", "--wrt", "W1"], "codegen reads a [network] or [graph] problem"),
])
def test_what_does_not_apply_is_refused(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_the_schema_rejects_what_it_must(capsys):
    data = json.loads(run(capsys, "derive", "tensor_mlp", "--wrt", "b2", "--format", "json"))
    validate(data)
    broken = []
    for change in (lambda d: d.pop("adjoints"), lambda d: d.update(level="scalar"),
                   lambda d: d["paths"][0]["steps"][0].pop("operands"),
                   lambda d: d["shapes"].update(b2="3"),
                   lambda d: d["adjoints"][0].update(value="1")):
        copied = copy.deepcopy(data)
        change(copied)
        broken.append(copied)
    for bad in broken:
        with pytest.raises(jsonschema.ValidationError):
            validate(bad)


PATH_COLOURS = ("#1f5fd1", "#d62728", "#e7298a")
"""The first three paths' colours (draw.scene.PALETTE)."""


def test_draw_colours_each_of_batch_norms_paths(capsys):
    dot = run(capsys, "draw", "tensor_batchnorm", "--wrt", "x", "-o", "-", "--format", "dot")
    coloured = {line.split(" [")[0].strip(): line for line in dot.splitlines()
                if "->" in line and "#c9c9c9" not in line}
    for colour, nodes in zip(PATH_COLOURS, BN_PATHS, strict=True):  # each path, edge by edge
        for u, v in itertools.pairwise(nodes):
            assert any(edge == f'"{u}" -> "{v}"' and colour in line
                       for edge, line in coloured.items()), (u, v, colour)
    tex = run(capsys, "draw", "tensor_batchnorm", "--wrt", "x", "-o", "-", "--format", "tex")
    strokes = [line for line in tex.splitlines() if "% path " in line]
    assert {line.rsplit("% path ", 1)[1] for line in strokes} == {"1", "2", "3"}
    assert sum(len(p) - 1 for p in BN_PATHS) == len(strokes)  # one stroke per edge of a path


@pytest.mark.parametrize("name", TENSOR)
def test_draw_every_tensor_example(name, tmp_path, capsys):
    from symbackprop.calculus.derivation import derive
    from symbackprop.draw.tensor_scene import tensor_scene

    problem = load_problem(name)
    for wrt in parameters(name):
        scene = tensor_scene(derive(problem.graph, wrt))
        assert len(scene.paths) == scene.path_count  # every path in its own colour
        assert not scene.layout.overlapping_labels()
        blocked = {edge for edge, _ in scene.layout.blocked_edges()}
        assert not blocked & {e for p in scene.paths for e in p.edges}  # no path hidden
    wrt = parameters(name)[0]
    run(capsys, "draw", name, "--wrt", wrt, "-o", str(tmp_path / "g.png"))
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def test_draw_refuses_a_scalar_pictures_options_on_a_tensor_problem(capsys):
    assert main(["draw", "tensor_mlp", "--wrt", "W1", "-o", "-", "--format", "dot",
                 "--edge-labels", "value"]) == 2
    assert "--edge-labels: a scalar problem's option" in capsys.readouterr().err


def test_one_entry_has_the_scalar_view_and_agrees_with_the_tensor_view(
        capsys: pytest.CaptureFixture[str]) -> None:
    """derive/paths --wrt 'W1[2, 3]' lower the problem and list that entry's scalar paths (one
    through each sample and each output); the value is the tensor gradient's entry; above the
    lowering's limit the refusal says the tensor view needs none."""
    problem = load_problem("tensor_mlp")
    gradient = tensor_gradients(problem.graph, problem.values).gradients["W1"]  # type: ignore[union-attr]
    data = json.loads(run(capsys, "derive", "tensor_mlp", "--wrt", "W1[2, 3]", "--format",
                          "json"))
    assert data["wrt"] == "W1[2,3]" and data["path_count"] == len(data["paths"]) > 1
    assert abs(data["value"] - gradient[2, 3]) <= 1e-12 * abs(gradient).max()
    listing = run(capsys, "paths", "tensor_mlp", "--wrt", "W1[2,3]")
    assert listing.startswith(f"{data['path_count']} paths from W1[2,3] to L")
    assert main(["derive", "examples/tensor/mlp_784.toml", "--wrt", "W1[0,0]"]) == 2
    assert "the tensor view needs no lowering" in capsys.readouterr().err
