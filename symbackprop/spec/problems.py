"""Problem files: TOML, YAML or JSON in, a validated :class:`Problem` out.

The format is docs/reference/problem-files.md.

Nothing in a file is executed: TOML is read with ``tomllib``, JSON with ``json``, YAML with
``yaml.safe_load``; formulas go through :func:`symbackprop.rules.formula.parse_formula`.  Numbers
are read as :class:`decimal.Decimal` first, so that a claim's printed precision (``0.80`` versus
``0.8``) survives and sets its default tolerance.  Every error names the file and the key.

Examples
--------
>>> problem = load_problem_text('''
... [graph]
... output = "e"
... [graph.inputs]
... a = 2
... b = 1
... [graph.nodes]
... c = "a + b"
... d = "b + 1"
... e = "c * d"
... ''', name="tree.toml")
>>> problem.graph
ComputationGraph(5 nodes, 5 edges, output='e')
>>> problem.values
{'a': 2.0, 'b': 1.0}
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path as FilePath
from typing import Any

from ..errors import FormulaError, GraphError, SpecError
from ..graph.computation import ComputationGraph
from ..graph.network import LayeredNetwork
from ..limits import MAX_DATA_ITEMS, MAX_DATA_NESTING, MAX_FILE_BYTES
from .claims import Claim, read_claims
from .fields import TOP_KEYS, as_table, check_keys, number, text
from .tables import named_values, network_values, read_graph, read_network
from .tensor import TensorProblem, tensor_problem_from_dict
from .variants import Variants, read_questions, read_variants

__all__ = [
    "LEVELS",
    "TENSOR_COMMANDS",
    "Problem",
    "bundled_examples",
    "load_problem",
    "load_problem_text",
    "problem_from_dict",
    "read_problem_data",
    "scalar_problem",
]

FORMATS = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}


@dataclass(frozen=True)
class Problem:
    """A loaded, validated problem file.

    ``origins`` says, for a problem imported from a model (:mod:`symbackprop.interop`), where
    each node's number comes from (``{"w212": "model[2].weight[0, 1]"}``); it is empty for a
    problem read from a file.

    Examples
    --------
    >>> problem = load_problem("mazur_2_2_2")
    >>> problem.graph, len(problem.claims)
    (ComputationGraph(23 nodes, 28 edges, output='L'), 6)
    >>> problem.values["w5"], problem.learning_rate, problem.network.layers
    (0.4, 0.5, (2, 2, 2))
    """

    graph: ComputationGraph
    values: dict[str, float]
    title: str = ""
    source: str = ""
    description: str = ""
    path: str | None = None
    network: LayeredNetwork | None = None
    learning_rate: float | None = None
    claims: tuple[Claim, ...] = field(default=())
    origins: Mapping[str, str] = field(default_factory=dict)
    variants: Variants | None = None
    """The template part (``[variants]``, ``[[questions]]``): ``None`` for a file without."""

    @property
    def has_values(self) -> bool:
        """Whether every leaf has a value (so that numbers can be computed)."""
        return not self.graph.missing_values(self.values)

    @property
    def numeric_values(self) -> dict[str, float] | None:
        """:attr:`values` when complete, else ``None``."""
        return self.values if self.has_values else None

    def to_toml(self) -> str:
        """This problem as a TOML problem file, which loads back to the same graph, values
        and claims (:mod:`symbackprop.spec.writing`); :attr:`origins` become comments.

        Examples
        --------
        >>> problem = load_problem("mazur_2_2_2")
        >>> text = problem.to_toml()
        >>> print(text[text.index("[network]"):text.index("[values]")], end="")
        [network]
        layers = [2, 2, 2]
        hidden = "sigmoid"
        output = "sigmoid"
        loss = "half_squared_error"
        bias = "per_layer"
        naming = "flat"
        <BLANKLINE>
        >>> again = load_problem_text(text)
        >>> again.values == problem.values, again.claims == problem.claims
        (True, True)
        """
        from .writing import problem_toml

        return problem_toml(
            self.graph, self.values, title=self.title, source=self.source,
            description=self.description, network=self.network,
            learning_rate=self.learning_rate, claims=self.claims, origins=self.origins)

    def __repr__(self) -> str:
        name = self.title or self.path or "problem"
        return f"Problem({name!r}, {self.graph!r}, {len(self.claims)} claims)"


# -- reading files -------------------------------------------------------------------------------

LEVELS = ("scalar", "tensor")
"""The levels of a problem: scalar ([network] or [graph]) and tensor ([tensor])."""


def bundled_examples(level: str | None = None) -> dict[str, str]:
    """The bundled example problems: name -> title, in name order; only those of ``level``
    (``"scalar"`` or ``"tensor"``, :data:`LEVELS`) when given.

    Examples
    --------
    >>> examples = bundled_examples()
    >>> examples["padhai_4_4_2"]
    '4-4-2 network, sigmoid hidden layer, softmax output, squared error'
    >>> "tensor_mlp" in bundled_examples("tensor"), "tensor_mlp" in bundled_examples("scalar")
    (True, False)
    """
    if level is not None and level not in LEVELS:
        raise SpecError(f"unknown level {level!r}; allowed: {', '.join(LEVELS)}")
    examples = {}
    folder = resources.files("symbackprop.spec.examples")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            if level is None or level == ("tensor" if "tensor" in data else "scalar"):
                examples[entry.name.removesuffix(".toml")] = str(data.get("title", ""))
    return examples


def _resolve(path_or_name: str | FilePath) -> tuple[str, str, str]:
    """(display name, text, format) of a file path or a bundled example's name."""
    path = FilePath(path_or_name)
    if path.is_file():
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise SpecError(f"{path}: unknown file type {path.suffix!r}; allowed: "
                            f"{', '.join(FORMATS)}")
        MAX_FILE_BYTES.check(path.stat().st_size, str(path), "bytes")
        try:
            return str(path), path.read_text(encoding="utf-8"), fmt
        except UnicodeDecodeError as err:
            raise SpecError(f"{path}: not UTF-8 text ({err.reason})") from None
    name = str(path_or_name).removesuffix(".toml")
    examples = bundled_examples()
    if name in examples:
        entry = resources.files("symbackprop.spec.examples").joinpath(f"{name}.toml")
        return f"{name} (bundled example)", entry.read_text(encoding="utf-8"), "toml"
    if path.exists():
        raise SpecError(f"{path}: not a file")
    raise SpecError(f"{path_or_name}: no such file, and no bundled example of that name; "
                    f"bundled examples: {', '.join(examples)}")


def load_problem(path_or_name: str | FilePath, *,
                 expand: bool | None = None) -> Problem | TensorProblem:
    """Load a problem file (TOML, YAML or JSON by extension) or a bundled example by name: a
    :class:`~symbackprop.spec.tensor.TensorProblem` for a file with a ``[tensor]`` table, else
    a :class:`Problem` (:func:`scalar_problem` narrows to the latter, refusing the former).
    ``expand`` (a tensor problem's) overrides the file's ``[tensor] expand``: composite layers
    written as their primitives.

    Examples
    --------
    >>> problem = load_problem("branching_graph")        # a bundled example, by name
    >>> problem.graph, problem.values
    (ComputationGraph(5 nodes, 5 edges, output='e'), {'a': 2.0, 'b': 1.0})
    >>> load_problem("tensor_mlp").graph
    TensorGraph(10 nodes, 9 edges, output='L')
    """
    name, text, fmt = _resolve(path_or_name)
    return load_problem_text(text, fmt=fmt, name=name, expand=expand)


TENSOR_COMMANDS = ("derive", "paths", "draw", "verify", "check", "explore", "variants")
"""The commands that read a tensor problem; every other one refuses it, naming these."""


def _tensor_refusal(name: str, command: str = "") -> str:
    who = f"{command} reads" if command else "this needs"
    return (f"{name}: a tensor problem ([tensor]); {who} a [network] or [graph] problem (the "
            f"commands that read a tensor problem: {', '.join(TENSOR_COMMANDS)})")


def scalar_problem(problem: Problem | TensorProblem, command: str = "") -> Problem:
    """``problem`` if it is a scalar problem ([network] or [graph]); a tensor problem is
    refused with a :class:`~symbackprop.errors.SpecError` naming its file, ``command`` (what
    refuses it) and the commands that read one (:data:`TENSOR_COMMANDS`).

    Examples
    --------
    >>> scalar_problem(load_problem("branching_graph")).graph
    ComputationGraph(5 nodes, 5 edges, output='e')
    >>> scalar_problem(load_problem("tensor_mlp"), "codegen")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: tensor_mlp (bundled example): a tensor problem ([tensor]); \
codegen reads a [network] or [graph] problem (the commands that read a tensor problem: derive, \
paths, draw, verify, check, explore, variants)
    """
    if isinstance(problem, TensorProblem):
        raise SpecError(_tensor_refusal(problem.path or "<problem>", command))
    return problem


def read_problem_data(path_or_name: str | FilePath) -> tuple[str, dict[str, Any]]:
    """A problem file (or bundled example) parsed but not validated: its display name and its
    top-level table, numbers as :class:`~decimal.Decimal` (for tools that rewrite a file).

    Examples
    --------
    >>> name, data = read_problem_data("mazur_2_2_2")
    >>> name, data["network"]["layers"], data["values"]["b1"]
    ('mazur_2_2_2 (bundled example)', [2, 2, 2], Decimal('0.35'))
    """
    name, text, fmt = _resolve(path_or_name)
    data = _parse(text, fmt, name)
    if not isinstance(data, dict):
        raise SpecError(f"{name}: the top level must be a table of keys, got "
                        f"{type(data).__name__}")
    return name, data


def load_problem_text(text: str, *, fmt: str = "toml", name: str = "<string>",
                      expand: bool | None = None) -> Problem | TensorProblem:
    """Load a problem from its text in ``fmt`` (``toml``, ``yaml`` or ``json``), of either
    level, as :func:`load_problem` does (``expand``: a tensor problem's composite layers as
    primitives, overriding the file).

    Examples
    --------
    >>> problem = load_problem_text('''
    ... [graph]
    ... output = "y"
    ... inputs = ["x"]
    ... [graph.nodes]
    ... y = "exp(x^2)"
    ... ''', name="square.toml")
    >>> problem.graph, problem.values, problem.has_values
    (ComputationGraph(2 nodes, 1 edges, output='y'), {}, False)
    >>> load_problem_text('''
    ... [tensor]
    ... output = "L"
    ... inputs.x = [1.0, 2.0]
    ... nodes.L = "sum(x**2)"
    ... ''', name="square.toml")
    TensorProblem('square.toml', TensorGraph(2 nodes, 1 edges, output='L'), 0 claims)
    """
    data = _parse(text, fmt, name)
    if not isinstance(data, dict):
        raise SpecError(f"{name}: the top level must be a table of keys, got "
                        f"{type(data).__name__}")
    if "tensor" in data:
        return tensor_problem_from_dict(data, name=name, expand=expand)
    return problem_from_dict(data, name=name)


def _parse(text: str, fmt: str, name: str) -> Any:
    """The data of a problem file's text, size-checked (:func:`_check_size`) for every reader."""
    data = _parse_unchecked(text, fmt, name)
    _check_size(data, name)
    return data


def _parse_unchecked(text: str, fmt: str, name: str) -> Any:
    MAX_FILE_BYTES.check(len(text.encode("utf-8")), name, "bytes")
    try:
        if fmt == "toml":
            return tomllib.loads(text, parse_float=Decimal)
        if fmt == "json":
            return json.loads(text, parse_float=Decimal, parse_constant=_no_constant,
                              object_pairs_hook=_unique_keys)
        if fmt == "yaml":
            return _load_yaml(text)
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{name}: not valid TOML: {err}") from None
    except json.JSONDecodeError as err:
        raise SpecError(f"{name}: not valid JSON: {err}") from None
    except SpecError:  # a ValueError too, but already says what is wrong (no PyYAML)
        raise
    except ValueError as err:
        raise SpecError(f"{name}: {err}") from None
    except RecursionError:  # json, tomllib and PyYAML recurse once per level of nesting
        raise SpecError(MAX_DATA_NESTING.message(
            name, None, "levels of nested arrays or tables")) from None
    raise SpecError(f"{name}: unknown format {fmt!r}; allowed: toml, yaml, json")


def _check_size(data: Any, name: str) -> None:
    """Refuse data nested deeper than :data:`~symbackprop.limits.MAX_DATA_NESTING` or with more
    values than :data:`~symbackprop.limits.MAX_DATA_ITEMS` (YAML aliases counted as often as
    they are used, so that a 'billion laughs' file is refused before anything walks it).

    Refuse, too, a text holding a lone surrogate (``"\\ud800"`` in JSON or YAML): it is no
    character, and no output (UTF-8 text, a terminal) could write it.

    Iterative, and stops at the first excess: O(min(size, limit)).
    """
    depth_limit, item_limit = MAX_DATA_NESTING.value(), MAX_DATA_ITEMS.value()
    stack: list[tuple[Any, int]] = [(data, 1)]
    items = 0
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value, name)
            continue
        if not isinstance(value, dict | list):
            continue
        if isinstance(value, dict):
            for key in value:
                if isinstance(key, str):
                    _check_text(key, name)
        if depth > depth_limit:
            raise SpecError(MAX_DATA_NESTING.message(
                name, depth, "levels of nested arrays or tables"))
        items += len(value)
        if items > item_limit:
            raise SpecError(MAX_DATA_ITEMS.message(name, None, "values"))
        stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict)
                                              else value))


def _check_text(value: str, name: str) -> None:
    """Refuse a text that UTF-8 cannot hold: one with a lone surrogate (U+D800-U+DFFF)."""
    if value.isascii():
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise SpecError(
            f"{name}: the text {value[max(0, err.start - 20):err.start + 1]!r} holds a lone "
            f"surrogate (U+{ord(value[err.start]):04X}), which is no character; write the "
            "character itself") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's pairs as a dict; a key given twice is refused, as TOML refuses it (the
    standard library keeps the last value silently)."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"the key {key!r} is given twice in one table")
        data[key] = value
    return data


def _no_constant(word: str) -> Any:
    raise ValueError(f"{word} is not allowed as a number")


def _load_yaml(text: str) -> Any:
    try:
        import yaml
    except ImportError:
        raise SpecError("reading YAML needs PyYAML: pip install 'symbackprop[yaml]'") from None

    class Loader(yaml.SafeLoader):
        """The safe loader, reading floats as Decimal so their printed precision survives."""

    def decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
        raw = loader.construct_scalar(node).replace("_", "")
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"{raw!r} is not allowed as a number") from None

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:  # the keys written (a merge's may be overridden)
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                raise ValueError(f"the key {key!r} is given twice in one table (line "
                                 f"{key_node.start_mark.line + 1})")
            seen.add(key)
        return loader.construct_mapping(node, deep=True)

    Loader.add_constructor("tag:yaml.org,2002:float", decimal)
    Loader.add_constructor("tag:yaml.org,2002:map", mapping)
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError as err:
        raise ValueError(f"not valid YAML: {err}") from None


# -- validating ----------------------------------------------------------------------------------

def problem_from_dict(data: Mapping[str, Any], *, name: str = "<problem>") -> Problem:
    """Validate a parsed problem file (a dict as TOML, YAML or JSON give it).

    Examples
    --------
    >>> data = {"network": {"layers": [1, 1], "output": "identity", "loss": "half_squared_error"},
    ...         "values": {"x": [2.0], "y": [1.0], "W1": [[0.5]]}}
    >>> problem = problem_from_dict(data, name="tiny")
    >>> problem.network.parameter_names(), problem.values
    (['w111'], {'x1': 2.0, 'y1': 1.0, 'w111': 0.5})
    """
    if "tensor" in data:
        tensor_problem_from_dict(data, name=name)  # its own errors first, naming the key
        raise SpecError(_tensor_refusal(name))
    check_keys(data, TOP_KEYS, name)
    if ("network" in data) == ("graph" in data):
        raise SpecError(f"{name}: give exactly one of [network] (a layered network) and "
                        "[graph] (any computation graph)")
    title = text(data.get("title", ""), f"{name}: title")
    try:
        if "network" in data:
            network = read_network(as_table(data["network"], f"{name}: [network]"), name)
            graph = network.build(title=title)
            values = network_values(network, graph, data.get("values", {}), name)
        else:
            network = None
            graph, values = read_graph(as_table(data["graph"], f"{name}: [graph]"), name, title)
            values.update(named_values(graph, data.get("values", {}), f"{name}: [values]"))
    except (GraphError, FormulaError) as err:
        if str(err).startswith(name):
            raise
        raise type(err)(f"{name}: {err}") from None
    rate = data.get("learning_rate")
    learning_rate = None if rate is None else number(rate, f"{name}: learning_rate")
    claims = read_claims(data.get("claims", []), graph, name, learning_rate)
    variants = None
    if "variants" in data or "questions" in data:
        rules, options = read_variants(data.get("variants", {}), graph, name)
        questions = read_questions(data.get("questions", []), graph, name, learning_rate)
        variants = Variants(rules, questions, **options)
    return Problem(
        graph=graph, values=values, title=title,
        source=text(data.get("source", ""), f"{name}: source"),
        description=text(data.get("description", ""), f"{name}: description"),
        path=name, network=network, learning_rate=learning_rate, claims=claims,
        variants=variants,
    )
