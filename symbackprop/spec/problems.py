"""Problem files (SPEC.md section 1): TOML, YAML or JSON in, a validated :class:`Problem` out.

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
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path as FilePath
from typing import Any

import sympy

from ..errors import FormulaError, GraphError, SpecError
from ..graph.computation import ComputationGraph, Node
from ..graph.network import LayeredNetwork
from ..naming import symbol
from ..rules.formula import free_names, parse_formula

__all__ = [
    "Claim",
    "Problem",
    "bundled_examples",
    "load_problem",
    "load_problem_text",
    "problem_from_dict",
]

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 5_000
MAX_CLAIMS = 1_000

TOP_KEYS = ("title", "source", "description", "network", "graph", "values", "learning_rate",
            "claims")
NETWORK_KEYS = ("layers", "hidden", "output", "loss", "bias", "naming")
GRAPH_KEYS = ("output", "inputs", "parameters", "targets", "nodes")
CLAIM_KEYS = ("of", "value", "expression", "tolerance", "comment")
FORMATS = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}

_DERIVATIVE = re.compile(r"\s*d\s*([A-Za-z_]\w*)\s*/\s*d\s*([A-Za-z_]\w*)\s*\Z")
_UPDATE = re.compile(r"\s*([A-Za-z_]\w*)\s*\+\s*\Z")
_VALUE = re.compile(r"\s*([A-Za-z_]\w*)\s*\Z")


@dataclass(frozen=True)
class Claim:
    """One assertion of a problem file (SPEC.md 1c).

    Attributes
    ----------
    index : int
        1-based position in the file.
    of : str
        As written: ``dL/dw212``, ``h13`` or ``w212+``.
    kind : {"derivative", "value", "update"}
    target : str
        The node differentiated (derivative), evaluated (value) or updated (update).
    wrt : str or None
        The node differentiated with respect to (derivative claims only).
    value : Decimal or None
        The number as printed (its precision sets the default tolerance).
    expression : sympy.Expr or None
        A symbolic claim, parsed by the safe parser.
    expression_text : str or None
    tolerance : float or None
        An absolute tolerance overriding the printed precision.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> claim = load_problem("padhai_4_4_2").claims[15]
    >>> claim, claim.kind, claim.target, claim.wrt
    (Claim(dL/dw212 = -0.029), 'derivative', 'L', 'w212')
    >>> claim.printed_tolerance
    0.001
    """

    index: int
    of: str
    kind: str
    target: str
    wrt: str | None = None
    value: Decimal | None = None
    expression: sympy.Expr | None = None
    expression_text: str | None = None
    tolerance: float | None = None

    @property
    def printed_tolerance(self) -> float | None:
        """One unit in the last printed digit of :attr:`value` (``-0.029`` gives ``0.001``)."""
        if self.value is None:
            return None
        exponent = self.value.as_tuple().exponent
        return float(Decimal(1).scaleb(int(exponent)))  # type: ignore[arg-type]

    @property
    def effective_tolerance(self) -> float | None:
        return self.tolerance if self.tolerance is not None else self.printed_tolerance

    def __repr__(self) -> str:
        claimed = self.expression_text if self.value is None else str(self.value)
        return f"Claim({self.of} = {claimed})"


@dataclass(frozen=True)
class Problem:
    """A loaded, validated problem file.

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

    @property
    def has_values(self) -> bool:
        """Whether every leaf has a value (so that numbers can be computed)."""
        return not self.graph.missing_values(self.values)

    @property
    def numeric_values(self) -> dict[str, float] | None:
        """:attr:`values` when complete, else ``None``."""
        return self.values if self.has_values else None

    def __repr__(self) -> str:
        name = self.title or self.path or "problem"
        return f"Problem({name!r}, {self.graph!r}, {len(self.claims)} claims)"


# -- reading files -------------------------------------------------------------------------------

def bundled_examples() -> dict[str, str]:
    """The bundled example problems: name -> title.

    Examples
    --------
    >>> examples = bundled_examples()
    >>> examples["padhai_4_4_2"]
    '4-4-2 network, sigmoid hidden layer, softmax output, squared error'
    """
    examples = {}
    folder = resources.files("symbackprop.spec.examples")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
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
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SpecError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes")
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


def load_problem(path_or_name: str | FilePath) -> Problem:
    """Load a problem file (TOML, YAML or JSON by extension) or a bundled example by name.

    Examples
    --------
    >>> problem = load_problem("branching_graph")        # a bundled example, by name
    >>> problem.graph, problem.values
    (ComputationGraph(5 nodes, 5 edges, output='e'), {'a': 2.0, 'b': 1.0})
    """
    name, text, fmt = _resolve(path_or_name)
    return load_problem_text(text, fmt=fmt, name=name)


def load_problem_text(text: str, *, fmt: str = "toml", name: str = "<string>") -> Problem:
    """Load a problem from its text in ``fmt`` (``toml``, ``yaml`` or ``json``).

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
    """
    data = _parse(text, fmt, name)
    if not isinstance(data, dict):
        raise SpecError(f"{name}: the top level must be a table of keys, got "
                        f"{type(data).__name__}")
    return problem_from_dict(data, name=name)


def _parse(text: str, fmt: str, name: str) -> Any:
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise SpecError(f"{name}: larger than {MAX_FILE_BYTES:,} bytes")
    try:
        if fmt == "toml":
            return tomllib.loads(text, parse_float=Decimal)
        if fmt == "json":
            return json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
        if fmt == "yaml":
            return _load_yaml(text)
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{name}: not valid TOML: {err}") from None
    except json.JSONDecodeError as err:
        raise SpecError(f"{name}: not valid JSON: {err}") from None
    except ValueError as err:
        raise SpecError(f"{name}: {err}") from None
    raise SpecError(f"{name}: unknown format {fmt!r}; allowed: toml, yaml, json")


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

    Loader.add_constructor("tag:yaml.org,2002:float", decimal)
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError as err:
        raise ValueError(f"not valid YAML: {err}") from None


# -- validating ----------------------------------------------------------------------------------

def _table(value: Any, where: str, what: str = "a table") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SpecError(f"{where}: must be {what}, got {_describe(value)}")
    return value


def _describe(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:40] + '...' if len(text) > 40 else text}"


def _check_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in allowed:
            from ..graph.computation import suggest

            raise SpecError(f"{where}: unknown key {key!r}{suggest(str(key), allowed)} "
                            f"(allowed keys: {', '.join(allowed)})")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise SpecError(f"{where}: must be a number, got {_describe(value)}")
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise SpecError(f"{where}: must be a finite number, got {value}")
    return number


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise SpecError(f"{where}: must be a string, got {_describe(value)}")
    return value


def _floats(value: Any) -> Any:
    """Decimals (from the parsers) to floats, recursively, for arrays."""
    if isinstance(value, list):
        return [_floats(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


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
    _check_keys(data, TOP_KEYS, name)
    if ("network" in data) == ("graph" in data):
        raise SpecError(f"{name}: give exactly one of [network] (a layered network) and "
                        "[graph] (any computation graph)")
    title = _text(data.get("title", ""), f"{name}: title")
    try:
        if "network" in data:
            network = _network(_table(data["network"], f"{name}: [network]"), name)
            graph = network.build(title=title)
            values = _network_values(network, graph, data.get("values", {}), name)
        else:
            network = None
            graph, values = _graph(_table(data["graph"], f"{name}: [graph]"), name, title)
            values.update(_named_values(graph, data.get("values", {}), f"{name}: [values]"))
    except (GraphError, FormulaError) as err:
        if str(err).startswith(name):
            raise
        raise type(err)(f"{name}: {err}") from None
    rate = data.get("learning_rate")
    learning_rate = None if rate is None else _number(rate, f"{name}: learning_rate")
    claims = _claims(data.get("claims", []), graph, name, learning_rate)
    return Problem(
        graph=graph, values=values, title=title,
        source=_text(data.get("source", ""), f"{name}: source"),
        description=_text(data.get("description", ""), f"{name}: description"),
        path=name, network=network, learning_rate=learning_rate, claims=claims,
    )


def _activation_spec(value: Any, where: str) -> tuple[str, float | None]:
    if isinstance(value, str):
        return value, None
    table = _table(value, where, 'an activation name or a table {name = "leaky_relu", slope = 0.2}')
    _check_keys(table, ("name", "slope"), where)
    if "name" not in table:
        raise SpecError(f"{where}: missing key 'name'")
    slope = table.get("slope")
    return _text(table["name"], f"{where}.name"), None if slope is None else _number(
        slope, f"{where}.slope")


def _network(table: dict[str, Any], name: str) -> LayeredNetwork:
    where = f"{name}: [network]"
    _check_keys(table, NETWORK_KEYS, where)
    if "layers" not in table:
        raise SpecError(f"{where}: missing key 'layers' (the widths: inputs, hidden..., outputs)")
    layers = table["layers"]
    if not isinstance(layers, list) or not all(
            isinstance(w, int) and not isinstance(w, bool) for w in layers):
        raise SpecError(f"{where} layers: must be a list of whole numbers, got "
                        f"{_describe(layers)}")
    hidden_count = max(len(layers) - 2, 0)
    hidden = table.get("hidden", "sigmoid")
    specs = ([_activation_spec(h, f"{where} hidden[{i}]") for i, h in enumerate(hidden, 1)]
             if isinstance(hidden, list) else [_activation_spec(hidden, f"{where} hidden")]
             * hidden_count)
    if len(specs) != hidden_count:
        raise SpecError(f"{where} hidden: {hidden_count} hidden layer(s) need as many "
                        f"activations, got {len(specs)}")
    output, output_slope = _activation_spec(table.get("output", "sigmoid"), f"{where} output")
    slopes = {i: s for i, (_, s) in enumerate(specs, 1) if s is not None}
    if output_slope is not None:
        slopes[len(layers) - 1] = output_slope
    try:
        return LayeredNetwork(
            tuple(layers), tuple(n for n, _ in specs), output,
            _text(table.get("loss", "squared_error"), f"{where} loss"),
            bias=_text(table.get("bias", "none"), f"{where} bias"),
            naming=_text(table.get("naming", "layer_to_from"), f"{where} naming"),
            slopes=slopes,
        )
    except SpecError as err:
        raise SpecError(f"{where}: {err}") from None


def _network_values(network: LayeredNetwork, graph: ComputationGraph, table: Any,
                    name: str) -> dict[str, float]:
    where = f"{name}: [values]"
    values: dict[str, float] = {}
    arrays = {k: v for k, v in _table(table, where).items() if k in network.array_keys()
              or (isinstance(v, list) and k not in graph and k not in graph.constants)}
    values.update(network.values_from_arrays({k: _floats(v) for k, v in arrays.items()},
                                             where=where))
    scalars = {k: v for k, v in table.items() if k not in arrays}
    values.update(_named_values(graph, scalars, where))
    return values


def _named_values(graph: ComputationGraph, table: Any, where: str) -> dict[str, float]:
    values = {}
    settable = set(graph.leaves) | set(graph.constants)
    for key, value in _table(table, where).items():
        if key in TOP_KEYS:
            raise SpecError(f"{where}: {key!r} belongs at the top level of the file; in TOML, "
                            "put it before the first [table] header (keys after [values] "
                            "belong to [values])")
        if key not in settable:
            from ..graph.computation import suggest

            kind = "not a leaf (its value follows from its definition)" if key in graph else (
                "not a node")
            raise SpecError(f"{where}: {key!r} is {kind}{suggest(str(key), settable)}; values "
                            f"are given for inputs, targets and parameters")
        values[key] = _number(value, f"{where} {key}")
    return values


def _names_with_values(value: Any, where: str) -> dict[str, float | None]:
    if isinstance(value, list):
        return {_text(n, f"{where}[{i}]"): None for i, n in enumerate(value, 1)}
    table = _table(value, where, "a table of name = value (or a list of names)")
    return {k: None if v is None else _number(v, f"{where} {k}") for k, v in table.items()}


def _graph(table: dict[str, Any], name: str, title: str) -> tuple[ComputationGraph,
                                                                 dict[str, float]]:
    where = f"{name}: [graph]"
    _check_keys(table, GRAPH_KEYS, where)
    for key in ("output", "nodes"):
        if key not in table:
            raise SpecError(f"{where}: missing key {key!r}")
    output = _text(table["output"], f"{where} output")
    leaves: dict[str, tuple[str, float | None]] = {}
    for key, kind in (("inputs", "input"), ("parameters", "parameter"), ("targets", "target")):
        for leaf, value in _names_with_values(table.get(key, {}), f"{name}: [graph.{key}]").items():
            if leaf in leaves:
                raise SpecError(f"{name}: [graph.{key}]: {leaf!r} is already a {leaves[leaf][0]}")
            leaves[leaf] = (kind, value)
    nodes_where = f"{name}: [graph.nodes]"
    nodes_table = _table(table["nodes"], nodes_where,
                         'a table of node = "formula"')
    if len(nodes_table) + len(leaves) > MAX_NODES:
        raise SpecError(f"{where}: more than {MAX_NODES:,} nodes")
    formulas = {}
    for node, formula in nodes_table.items():
        if node in leaves:
            raise SpecError(f"{nodes_where}: {node!r} is a {leaves[node][0]} and has a formula")
        if isinstance(formula, int | float | Decimal) and not isinstance(formula, bool):
            formula = str(formula)
        formulas[node] = _text(formula, f"{nodes_where} {node}")
    known = [*leaves, *formulas]
    symbols = {}
    for node in known:
        try:
            symbols[node] = symbol(node)
        except (TypeError, ValueError):
            raise SpecError(f"{where}: {node!r} is not a valid name") from None
    nodes = [Node(leaf, kind) for leaf, (kind, _) in leaves.items()]
    for node, formula in formulas.items():
        context = f"{nodes_where} {node}"
        free_names(formula, where=context)
        expr = parse_formula(formula, symbols, where=context)
        nodes.append(Node(node, "loss" if node == output else "hidden", expr))
    try:
        graph = ComputationGraph(nodes, output, title=title)
    except GraphError as err:
        raise GraphError(f"{where}: {err}") from None
    values = {leaf: value for leaf, (_, value) in leaves.items() if value is not None}
    return graph, values


def _claims(value: Any, graph: ComputationGraph, name: str,
            learning_rate: float | None) -> tuple[Claim, ...]:
    if not isinstance(value, list):
        raise SpecError(f"{name}: claims must be an array of tables ([[claims]]), got "
                        f"{_describe(value)}")
    if len(value) > MAX_CLAIMS:
        raise SpecError(f"{name}: more than {MAX_CLAIMS:,} claims")
    claims = []
    symbols = {n: symbol(n) for n in [*graph.order, *graph.constants]}
    for index, item in enumerate(value, start=1):
        where = f"{name}: claim {index}"
        table = _table(item, where)
        _check_keys(table, CLAIM_KEYS, where)
        if "of" not in table:
            raise SpecError(f"{where}: missing key 'of' (dL/dw212, h13 or w212+)")
        of = _text(table["of"], f"{where} of")
        where = f"{name}: claim {index} ({of})"
        kind, target, wrt = _claim_target(of, graph, where)
        if kind == "update" and learning_rate is None:
            raise SpecError(f"{where}: an update claim needs learning_rate at the top level")
        if "value" not in table and "expression" not in table:
            raise SpecError(f"{where}: give a value or an expression")
        claimed = None
        if "value" in table:
            raw = table["value"]
            _number(raw, f"{where} value")
            claimed = raw if isinstance(raw, Decimal) else Decimal(raw)
        expression = text = None
        if "expression" in table:
            text = _text(table["expression"], f"{where} expression")
            expression = parse_formula(text, symbols, where=f"{where} expression")
        tolerance = table.get("tolerance")
        if tolerance is not None:
            tolerance = _number(tolerance, f"{where} tolerance")
            if tolerance < 0:
                raise SpecError(f"{where} tolerance: must not be negative")
        claims.append(Claim(index, of, kind, target, wrt, claimed, expression, text, tolerance))
    return tuple(claims)


def _claim_target(of: str, graph: ComputationGraph, where: str) -> tuple[str, str, str | None]:
    def known(node: str) -> str:
        try:
            graph.node(node)
        except GraphError as err:
            raise SpecError(f"{where}: {err}") from None
        return node

    if match := _DERIVATIVE.match(of):
        return "derivative", known(match.group(1)), known(match.group(2))
    if match := _UPDATE.match(of):
        target = known(match.group(1))
        if graph.node(target).kind != "parameter":
            raise SpecError(f"{where}: {target!r} is not a parameter, so it has no update")
        return "update", target, None
    if match := _VALUE.match(of):
        return "value", known(match.group(1)), None
    raise SpecError(f"{where}: cannot read {of!r}; allowed: 'dA/dB' (a derivative), 'name' "
                    "(a forward value) or 'name+' (a parameter after one update)")
