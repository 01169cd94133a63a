"""Problem files: the three formats agree, and every kind of bad input is named, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symbackprop.cli import main
from symbackprop.errors import SpecError
from symbackprop.spec import bundled_examples, load_problem, load_problem_text

GRAPH_TOML = """
title = "tree"
[graph]
output = "e"
[graph.inputs]
a = 2
b = 1
[graph.nodes]
c = "a + b"
d = "b + 1"
e = "c * d"
"""

GRAPH_DATA = {"title": "tree", "graph": {"output": "e", "inputs": {"a": 2, "b": 1},
                                         "nodes": {"c": "a + b", "d": "b + 1", "e": "c * d"}}}

NETWORK_TOML = """
[network]
layers = [2, 2, 1]
hidden = "tanh"
output = "sigmoid"
loss = "binary_cross_entropy"
bias = "per_neuron"
[values]
x = [1, 2]
y = [1]
W1 = [[0.1, 0.2], [0.3, 0.4]]
W2 = [[0.5, -0.5]]
b1 = [0.0, 0.1]
b2 = [0.2]
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


def test_three_formats_agree(tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    (tmp_path / "p.toml").write_text(GRAPH_TOML)
    (tmp_path / "p.json").write_text(json.dumps(GRAPH_DATA))
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(GRAPH_DATA))
    loaded = [load_problem(tmp_path / f"p.{ext}") for ext in ("toml", "json", "yaml")]
    for problem in loaded:
        assert problem.title == "tree"
        assert problem.values == {"a": 2.0, "b": 1.0}
        assert set(problem.graph.digraph.edges) == set(loaded[0].graph.digraph.edges)
        assert problem.graph.forward(problem.values)["e"] == 6.0


def test_network_file_values_and_names() -> None:
    problem = load_problem_text(NETWORK_TOML, name="net.toml")
    assert problem.network is not None and problem.network.layers == (2, 2, 1)
    assert problem.values["w112"] == 0.2 and problem.values["b12"] == 0.1
    assert problem.has_values
    assert problem.graph.node("L").kind == "loss"


def test_values_by_name_and_symbolic_leaves() -> None:
    problem = load_problem_text(NETWORK_TOML.replace("W2 = [[0.5, -0.5]]", "w211 = 0.5\n"
                                                     "w212 = -0.5"), name="n.toml")
    assert problem.values["w212"] == -0.5
    symbolic = load_problem_text(
        '[graph]\noutput = "e"\ninputs = ["a", "b"]\n[graph.nodes]\ne = "a*b"\n', name="s.toml")
    assert symbolic.values == {} and not symbolic.has_values
    assert symbolic.numeric_values is None


def test_claims_keep_printed_precision() -> None:
    text = NETWORK_TOML.replace("[network]", 'learning_rate = 0.5\n[network]') + """
[[claims]]
of = "dL/dw111"
value = 0.80
[[claims]]
of = "h11"
value = -6.4e-3
[[claims]]
of = "w111+"
value = 1
tolerance = 1e-6
[[claims]]
of = "dL/dh11"
expression = "(yhat1 - y1) * w211"
"""
    claims = load_problem_text(text, name="c.toml").claims
    assert [c.kind for c in claims] == ["derivative", "value", "update", "derivative"]
    assert claims[0].printed_tolerance == pytest.approx(0.01)
    assert claims[1].printed_tolerance == pytest.approx(1e-4)
    assert claims[2].tolerance == 1e-6                 # judged with it: check.judge.tolerance_of
    assert claims[3].expression is not None and claims[3].value is None
    assert (claims[0].target, claims[0].wrt) == ("L", "w111")


def test_bundled_examples_all_load() -> None:
    names = bundled_examples()
    assert {"padhai_4_4_2", "mazur_2_2_2", "sigmoid_chain", "exp_exp_square",
            "inverse_exp_square", "linear_2_2_2", "linear_2_2_2_2"} <= set(names)
    for name in names:
        assert load_problem(name).graph.output in load_problem(name).graph


BAD_FILES = {
    "cycle": (GRAPH_TOML.replace('c = "a + b"', 'c = "a + e"'), ["cycle", "c", "e"]),
    "undefined": (GRAPH_TOML.replace('e = "c * d"', 'e = "c * q"'),
                  ["[graph.nodes] e", "undefined name 'q'"]),
    "unknown top key": ("titel = 'x'\n" + GRAPH_TOML, ["unknown key 'titel'", "title"]),
    "unknown network key": (NETWORK_TOML.replace("layers", "layer"),
                            ["[network]", "unknown key 'layer'", "layers"]),
    "wrong shape": (NETWORK_TOML.replace("W2 = [[0.5, -0.5]]", "W2 = [[0.5], [-0.5]]"),
                    ["W2 has shape [2, 1], expected [1, 2]"]),
    "unknown activation": (NETWORK_TOML.replace('"tanh"', '"swish"'),
                           ["unknown hidden activation 'swish'", "sigmoid"]),
    "value of a hidden node": (NETWORK_TOML + "h11 = 0.5\n", ["'h11' is not a leaf"]),
    "learning rate in values": (NETWORK_TOML + "learning_rate = 0.1\n",
                                ["'learning_rate' belongs at the top level"]),
    "both kinds": (GRAPH_TOML + NETWORK_TOML.split("[values]")[0],
                   ["exactly one of [network]"]),
    "bad claim": (NETWORK_TOML.replace("[network]", "[[claims]]\nof = 'd/dw'\nvalue = 1\n"
                                       "[network]"), ["claim 1", "cannot read 'd/dw'"]),
    "claim on unknown node": (NETWORK_TOML + "[[claims]]\nof = 'dL/dw999'\nvalue = 1\n",
                              ["claim 1 (dL/dw999)", "no node 'w999'"]),
    "update without rate": (NETWORK_TOML + "[[claims]]\nof = 'w111+'\nvalue = 1\n",
                            ["needs learning_rate"]),
    "not toml": ("[graph\n", ["not valid TOML"]),
    "import": (GRAPH_TOML.replace('"c * d"', "\"__import__('os').system('touch pwned')\""),
               ["[graph.nodes] e"]),
    "class": (GRAPH_TOML.replace('"c * d"', '"().__class__"'), ["[graph.nodes] e"]),
    "attribute": (GRAPH_TOML.replace('"c * d"', '"c.real"'), ["[graph.nodes] e"]),
    "lambda": (GRAPH_TOML.replace('"c * d"', '"lambda: 1"'), ["[graph.nodes] e"]),
    "huge formula": (GRAPH_TOML.replace('"c * d"', '"' + "c+" * 450_000 + 'd"'),
                     ["[graph.nodes] e", "10,000"]),
    "huge file": (GRAPH_TOML.replace('"c * d"', '"' + "c+" * 2_500_000 + 'd"'),
                  ["bytes, more than the limit of 5,000,000", "SYMBACKPROP_MAX_FILE_BYTES"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_input_exit_2_names_the_culprit(case: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text, fragments = BAD_FILES[case]
    path = tmp_path / "bad.toml"
    path.write_text(text)
    status, out, err = run(["derive", str(path), "--wrt", "a"], capsys)
    assert status == 2
    assert out == ""
    assert "Traceback" not in err
    assert str(path) in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(("name", "text", "fragment"), [
    ("p.json", '{"graph": {"output": "e", "nodes": {"e": "NaN"}}, "values": {"a": NaN}}',
     "not allowed as a number"),
    ("p.json", "[1, 2]", "top level must be a table"),
    ("p.txt", "x", "unknown file type '.txt'"),
    ("p.yaml", "graph: !!python/object/apply:os.system ['touch pwned']", "not valid YAML"),
])
def test_bad_json_yaml(name: str, text: str, fragment: str, tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("yaml")
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(text)
    with pytest.raises(SpecError, match=fragment):
        load_problem(tmp_path / name)
    assert not (tmp_path / "pwned").exists()


def test_missing_file_lists_examples(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["paths", "no_such_file.toml", "--wrt", "w1"], capsys)
    assert status == 2
    assert "no such file" in err and "padhai_4_4_2" in err


def test_debug_shows_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GRAPH_TOML.replace('e = "c * d"', 'e = "c * q"'))
    with pytest.raises(SpecError):
        main(["--debug", "derive", str(path), "--wrt", "a"])
