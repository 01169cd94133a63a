"""The JSON Schemas in docs/ hold for what the commands print, and reject what they must.

derive.schema.json, paths.schema.json and verify.schema.json are checked against the output of
:func:`symbackprop.cli.main` for every bundled example and parameter: ``derive`` as it is, past
``--max-terms`` (its written-out forms omitted), past ``--max-paths`` (no path listed), with
``--matrix`` and with ``--wrt all``; ``paths`` listed, streamed and factored; ``verify``. Then
the cases no bundled example reaches: a problem without values (every number null), a
leaves-only form too large to write out, and a local partial that float64 cannot hold.  Each
schema is shown to fail on a required key left out, a wrong type and a null where none is
allowed, so that a schema accepting anything would fail these tests.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from symbackprop.calculus.options import STRATEGIES
from symbackprop.calculus.sweep import default_wrt
from symbackprop.cli import main
from symbackprop.spec import bundled_examples, load_problem
from symbackprop.spec.problems import Problem

DOCS = Path(__file__).parents[2] / "docs"
SCHEMA_FILES = ("check", "derive", "paths", "verify")
SCHEMAS = {name: json.loads((DOCS / f"{name}.schema.json").read_text(encoding="utf-8"))
           for name in SCHEMA_FILES}

SMALL = 12
"""Examples with up to this many parameters are run in every form for every parameter; the
larger ones (the 4-4-2 networks, 24 weights) for every third parameter, past the default form."""

SYMBOLIC_GRAPH = ('[graph]\noutput = "e"\ninputs = ["a", "b"]\n[graph.nodes]\n'
                  'c = "a*b"\ne = "c + a"\n')
"""e = a*b + a, and no values."""


def validate(data: Any, schema: str) -> None:
    jsonschema.Draft202012Validator(SCHEMAS[schema]).validate(data)


def output(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    """What ``symbackprop ARGV`` prints, read as JSON (the command must succeed)."""
    status = main(list(argv))
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return json.loads(captured.out)


def parameters(problem: Problem) -> list[str]:
    """What ``derive --wrt all`` and ``verify`` differentiate with respect to."""
    if problem.network is not None:
        return problem.network.parameter_names()
    return default_wrt(problem.graph)


def sampled(names: list[str]) -> list[str]:
    return names if len(names) <= SMALL else names[::3]


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- the schemas themselves -------------------------------------------------------------------

def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _pointer(schema: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref}: every reference is inside its own schema"
    node: Any = schema
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_every_schema_is_valid_and_every_reference_resolves(name: str) -> None:
    schema = SCHEMAS[name]
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == f"urn:symbackprop:{name}.schema.json"
    refs = _refs(schema)
    assert refs, "each schema names its parts in $defs"
    for ref in refs:
        assert isinstance(_pointer(schema, ref), dict), ref
    # every definition is used (a definition nothing refers to is a leftover)
    assert {f"#/$defs/{d}" for d in schema["$defs"]} <= set(refs)


def test_the_copied_definitions_are_identical() -> None:
    derive, paths, verify = (SCHEMAS[n]["$defs"] for n in ("derive", "paths", "verify"))
    assert set(paths) < set(derive)
    for name, definition in paths.items():
        assert definition == derive[name], name
    assert verify["name"] == derive["name"]


def test_the_strategies_are_the_schema_s() -> None:
    enum = SCHEMAS["derive"]["$defs"]["derivation"]["properties"]["strategy"]["enum"]
    assert enum == list(STRATEGIES)


# -- every bundled example --------------------------------------------------------------------

def _check_paths(data: dict[str, Any]) -> None:
    """What the schema cannot say: the listed paths are path_count paths from wrt to of."""
    if data["paths_listed"]:
        assert len(data["paths"]) == data["path_count"]
    for path in data["paths"]:
        assert path["nodes"][0] == data["wrt"] and path["nodes"][-1] == data["of"]
        assert [(f["wrt"], f["of"]) for f in path["factors"]] == list(
            zip(path["nodes"], path["nodes"][1:], strict=False))


@pytest.mark.parametrize("name", list(bundled_examples("scalar")))
def test_derive_json_of_every_example_and_parameter(name: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    problem = load_problem(name)
    names = parameters(problem)
    assert names
    for wrt in names:
        data = output(capsys, "derive", name, "--wrt", wrt, "--format", "json")
        validate(data, "derive")
        assert data["wrt"] == wrt and data["value"] is not None and "omitted" not in data
        assert ("update" in data) == (problem.learning_rate is not None)
        _check_paths(data)
    for wrt in sampled(names):
        short = output(capsys, "derive", name, "--wrt", wrt, "--format", "json",
                       "--max-terms", "1")
        validate(short, "derive")
        assert ("omitted" in short) == (short["path_count"] > 1)
        unlisted = output(capsys, "derive", name, "--wrt", wrt, "--format", "json",
                          "--max-paths", "1")
        validate(unlisted, "derive")
        assert unlisted["paths_listed"] == (unlisted["path_count"] == 1)
        _check_paths(unlisted)
        if problem.network is not None:
            matrix = output(capsys, "derive", name, "--wrt", wrt, "--format", "json", "--matrix")
            validate(matrix, "derive")
            assert matrix["matrix"]["wrt"] == wrt and matrix["matrix"]["agrees"]


@pytest.mark.parametrize("name", list(bundled_examples("scalar")))
def test_derive_all_paths_and_verify_json_of_every_example(
        name: str, capsys: pytest.CaptureFixture[str]) -> None:
    problem = load_problem(name)
    names = parameters(problem)
    every = output(capsys, "derive", name, "--wrt", "all", "--format", "json")
    validate(every, "derive")
    assert every["wrt"] == names == [g["wrt"] for g in every["gradients"]]
    for wrt in sampled(names):
        listed = output(capsys, "paths", name, "--wrt", wrt, "--format", "json")
        streamed = output(capsys, "paths", name, "--wrt", wrt, "--format", "json",
                          "--max-paths", "0")
        factored = output(capsys, "paths", name, "--wrt", wrt, "--format", "json",
                          "--max-paths", "0", "--stream-limit", "0")
        for data in (listed, streamed, factored):
            validate(data, "paths")
            _check_paths(data)
        assert "streamed" not in listed and streamed["streamed"] is True
        assert [p["nodes"] for p in streamed["paths"]] == [p["nodes"] for p in listed["paths"]]
        assert not factored["paths_listed"] and factored["factored"]["wrt"] == [wrt]
    # sympy.diff of the composed loss takes seconds on the 4-4-2 networks: skipped there
    # (which also gives the null sympy_diff of --no-composed)
    composed = len(names) <= SMALL
    report = output(capsys, "verify", name, "--format", "json",
                    *(() if composed else ("--no-composed",)))
    validate(report, "verify")
    assert [c["wrt"] for c in report["checks"]] == names
    assert report["agree"] == len(names) and report["disagree"] == 0
    assert all((c["sympy_diff"] is None) != composed for c in report["checks"])
    assert all((c["matrix_backprop"] is None) == (problem.network is None)
               for c in report["checks"])


def test_derive_json_of_other_nodes_and_strategies(capsys: pytest.CaptureFixture[str]) -> None:
    to_a21 = output(capsys, "derive", "mazur_2_2_2", "--wrt", "w5", "--of", "a21",
                    "--format", "json")
    validate(to_a21, "derive")
    assert to_a21["of"] == "a21" and "update" not in to_a21  # not the loss: no update
    delta = output(capsys, "derive", "mazur_2_2_2", "--wrt", "h11", "--format", "json")
    validate(delta, "derive")
    assert "update" not in delta  # not a parameter
    itself = output(capsys, "derive", "mazur_2_2_2", "--wrt", "L", "--format", "json")
    validate(itself, "derive")
    assert itself["paths"] == [{"nodes": ["L"], "factors": [], "value": 1.0}]
    for strategy in STRATEGIES:
        data = output(capsys, "derive", "branching_graph", "--wrt", "b", "--format", "json",
                      "--simplify", strategy)
        validate(data, "derive")
        assert data["strategy"] == strategy


# -- what no bundled example reaches ------------------------------------------------------------

def test_a_problem_without_values_gives_null_numbers(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "symbolic.toml", SYMBOLIC_GRAPH)
    for wrt in ("a", "b", "e"):
        data = output(capsys, "derive", path, "--wrt", wrt, "--format", "json")
        validate(data, "derive")
        assert data["value"] is None and data["simplified"] is not None
        assert all(p["value"] is None and all(f["value"] is None for f in p["factors"])
                   for p in data["paths"])
        for extra in ((), ("--max-paths", "0"), ("--max-paths", "0", "--stream-limit", "0")):
            listing = output(capsys, "paths", path, "--wrt", wrt, "--format", "json", *extra)
            validate(listing, "paths")
            assert listing["value"] is None
    every = output(capsys, "derive", path, "--wrt", "all", "--format", "json")
    validate(every, "derive")
    assert [a["value"] for a in every["adjoints"]] == [None]
    assert [(g["wrt"], g["value"]) for g in every["gradients"]] == [("a", None), ("b", None)]
    report = output(capsys, "verify", path, "--format", "json")
    validate(report, "verify")
    assert sorted(report["randomised_values"]) == ["a", "b"] and report["disagree"] == 0


def test_a_leaves_only_form_too_large_to_write_out(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "deep.toml", "[network]\nlayers = [1, 3, 3, 3, 1]\n")
    data = output(capsys, "derive", path, "--wrt", "w111", "--format", "json")
    validate(data, "derive")
    assert data["path_count"] == 9 and "omitted" not in data
    assert data["leaves"] is None and data["expression"] is not None


def test_a_local_partial_float64_cannot_hold(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """At a = -1000 the sigmoid output is 0 in float64 and -y1/yhat1 is infinite: that
    factor's value is null, while the path's and the derivative's (at 50 digits) are -1."""
    path = write(tmp_path, "saturated.toml", (
        '[network]\nlayers = [1, 1]\noutput = "sigmoid"\nloss = "cross_entropy"\n'
        'bias = "none"\nnaming = "flat"\n[values]\nx = [1.0]\ny = [1.0]\nw1 = -1000\n'))
    for data in (output(capsys, "derive", path, "--wrt", "w1", "--format", "json"),
                 output(capsys, "paths", path, "--wrt", "w1", "--format", "json"),
                 output(capsys, "paths", path, "--wrt", "w1", "--max-paths", "0",
                        "--format", "json")):
        validate(data, "derive" if "strategy" in data else "paths")
        [only] = data["paths"]
        assert [f["value"] is None for f in only["factors"]] == [False, False, True]
        assert only["value"] == data["value"] == -1.0
    matrix = output(capsys, "derive", path, "--wrt", "w1", "--matrix", "--format", "json")
    validate(matrix, "derive")
    assert matrix["matrix"]["loss_gradient"] == [None]
    every = output(capsys, "derive", path, "--wrt", "all", "--format", "json")
    validate(every, "derive")
    assert [a["value"] for a in every["adjoints"]] == [None, -1.0]
    assert every["gradients"][0]["value"] == -1.0


# -- each schema can fail -----------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _rejected(data: dict[str, Any], schema: str, mutation: Mutation) -> None:
    validate(data, schema)  # the output as printed is valid: the mutation is what fails
    broken = copy.deepcopy(data)
    mutation(broken)
    assert json.dumps(broken) != json.dumps(data)  # (1 == True in Python, not in JSON)
    with pytest.raises(jsonschema.ValidationError):
        validate(broken, schema)


def _set(*keys: str | int, value: Any) -> Mutation:
    def mutation(data: dict[str, Any]) -> None:
        node: Any = data
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return mutation


def _delete(*keys: str | int) -> Mutation:
    def mutation(data: dict[str, Any]) -> None:
        node: Any = data
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]
    return mutation


def _numbers_nulled(keeping: str) -> Mutation:
    """The value, every path's and every factor's made null, as without values, but the update
    or the matrix form (``keeping``) kept, the other removed: what the schema must reject."""
    def mutation(data: dict[str, Any]) -> None:
        data["value"] = None
        for path in data["paths"]:
            path["value"] = None
            for factor in path["factors"]:
                factor["value"] = None
        del data["matrix" if keeping == "update" else "update"]
    return mutation


DERIVATION_MUTATIONS: dict[str, Mutation] = {
    "no paths_listed": _delete("paths_listed"),
    "no value": _delete("value"),
    "no factor value": _delete("paths", 0, "factors", 0, "value"),
    "no update after": _delete("update", "after"),
    "no matrix entry": _delete("matrix", "entry"),
    "path_count a string": _set("path_count", value="1"),
    "path_count a fraction": _set("path_count", value=1.5),
    "value a string": _set("value", value="0.08"),
    "paths_listed a number": _set("paths_listed", value=1),
    "an unknown strategy": _set("strategy", value="magic"),
    "an empty expression": _set("expression", value=""),
    "a path without nodes": _set("paths", 0, "nodes", value=[]),
    "expression null without omitted": _set("expression", value=None),
    "latex null without omitted": _set("latex", value=None),
    "strategy null": _set("strategy", value=None),
    "path_count null": _set("path_count", value=None),
    "factor expression null": _set("paths", 0, "factors", 0, "expression", value=None),
    "update learning_rate null": _set("update", "learning_rate", value=None),
    "matrix path_sum null": _set("matrix", "path_sum", value=None),
    "matrix row 0": _set("matrix", "row", value=0),
    "omitted, expression kept": _set("omitted", value="left out"),
    "not listed, paths kept": _set("paths_listed", value=False),
    "listed, no path": _set("paths", value=[]),
    "a null value, a path's a number": _set("value", value=None),
    "null numbers with an update": _numbers_nulled(keeping="update"),
    "null numbers with a matrix form": _numbers_nulled(keeping="matrix"),
}


@pytest.mark.parametrize("mutation", DERIVATION_MUTATIONS.values(),
                         ids=DERIVATION_MUTATIONS.keys())
def test_the_derive_schema_rejects(mutation: Mutation,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    data = output(capsys, "derive", "mazur_2_2_2", "--wrt", "w5", "--format", "json",
                  "--matrix")
    assert {"update", "matrix"} <= set(data)
    _rejected(data, "derive", mutation)


GRADIENTS_MUTATIONS: dict[str, Mutation] = {
    "no adjoints": _delete("adjoints"),
    "no contributions": _delete("adjoints", 0, "contributions"),
    "no gradient latex": _delete("gradients", 0, "latex"),
    "wrt one name": _set("wrt", value="w1"),
    "wrt twice": _set("wrt", value=["w1", "w1"]),
    "a value as a string": _set("gradients", 0, "value", value="0.1"),
    "an adjoint without contributions": _set("adjoints", 0, "contributions", value=[]),
    "a null symbol": _set("adjoints", 0, "symbol", value=None),
    "a null gradient expression": _set("gradients", 0, "expression", value=None),
    "one gradient null among numbers": _set("gradients", 0, "value", value=None),
}


@pytest.mark.parametrize("mutation", GRADIENTS_MUTATIONS.values(),
                         ids=GRADIENTS_MUTATIONS.keys())
def test_the_derive_schema_rejects_in_the_gradients(mutation: Mutation,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    data = output(capsys, "derive", "mazur_2_2_2", "--wrt", "all", "--format", "json")
    _rejected(data, "derive", mutation)


PATHS_MUTATIONS: dict[str, Mutation] = {
    "no value": _delete("value"),
    "no paths": _delete("paths"),
    "no path nodes": _delete("paths", 0, "nodes"),
    "path_count a string": _set("path_count", value="2"),
    "path_count 0": _set("path_count", value=0),
    "factors an object": _set("paths", 0, "factors", value={}),
    "streamed false": _set("streamed", value=False),
    "paths_listed null": _set("paths_listed", value=None),
    "a null node": _set("paths", 0, "nodes", 0, value=None),
    "not listed, without the factored form": _set("paths_listed", value=False),
    "a factored form with the listing": _set("factored", value={
        "of": "L", "wrt": ["w1"], "adjoints": [], "gradients": []}),
    "a null value, a path's a number": _set("value", value=None),
}


@pytest.mark.parametrize("mutation", PATHS_MUTATIONS.values(), ids=PATHS_MUTATIONS.keys())
def test_the_paths_schema_rejects(mutation: Mutation,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    data = output(capsys, "paths", "mazur_2_2_2", "--wrt", "w1", "--format", "json",
                  "--max-paths", "0")
    assert data["streamed"] is True
    _rejected(data, "paths", mutation)


def test_the_paths_schema_rejects_a_factored_form_without_its_parts(
        capsys: pytest.CaptureFixture[str]) -> None:
    data = output(capsys, "paths", "mazur_2_2_2", "--wrt", "w1", "--format", "json",
                  "--max-paths", "0", "--stream-limit", "0")
    listed = output(capsys, "paths", "mazur_2_2_2", "--wrt", "w1", "--format", "json")
    _rejected(data, "paths", _delete("factored"))
    _rejected(data, "paths", _delete("factored", "gradients"))
    _rejected(data, "paths", _set("paths", value=listed["paths"]))  # listed after all
    _rejected(data, "paths", _set("streamed", value=True))


VERIFY_MUTATIONS: dict[str, Mutation] = {
    "no file": _delete("file"),
    "no disagree": _delete("disagree"),
    "no agrees": _delete("checks", 0, "agrees"),
    "no matrix_backprop": _delete("checks", 0, "matrix_backprop"),
    "agree a string": _set("agree", value="10"),
    "agree negative": _set("agree", value=-1),
    "agrees a number": _set("checks", 0, "agrees", value=1),
    "an empty file name": _set("file", value=""),
    "a leaf randomised twice": _set("randomised_values", value=["x1", "x1"]),
    "path_sum null": _set("checks", 0, "path_sum", value=None),
    "finite_difference null": _set("checks", 0, "finite_difference", value=None),
    "file null": _set("file", value=None),
}


@pytest.mark.parametrize("mutation", VERIFY_MUTATIONS.values(), ids=VERIFY_MUTATIONS.keys())
def test_the_verify_schema_rejects(mutation: Mutation,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    data = output(capsys, "verify", "mazur_2_2_2", "--format", "json", "--no-composed")
    _rejected(data, "verify", mutation)


def test_a_strategy_past_its_limit_is_valid_with_its_note(
        capsys: pytest.CaptureFixture[str]) -> None:
    data = output(capsys, "derive", "padhai_4_4_2", "--wrt", "w131", "--simplify", "full",
                  "--format", "json")
    validate(data, "derive")
    assert data["simplify_note"]
    _rejected(data, "derive", lambda d: d.update(simplify_note=""))
