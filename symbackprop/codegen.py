"""Numeric gradient functions, generated as readable source: numpy, jax, plain Python, C.

:func:`generate` writes the source; :func:`compile_gradient` also loads it and returns a
:class:`GradientFunction` (call it; read its ``.source``).  Two kinds of code:

* **layer-wise** (numpy and jax, for a layered network when every parameter is wanted): matrix
  code vectorised over a batch, as fast as a hand-written numpy backprop
  (:mod:`symbackprop.layered_code`);
* **node by node** (every target, any graph): straight-line code from one reverse sweep
  (:mod:`symbackprop.sweep`): the forward values the local partials need, then one line per
  named adjoint ``delta_n = dL/dn`` with a comment naming its node, then the gradients, with
  common subexpressions pulled out.  In numpy and jax every argument may be an array (each
  element one point); in C the arguments come in one array, in the order the header lists.

Numerically stable forms throughout (:mod:`symbackprop.printers`): sigmoid and softmax do not
overflow at ``|a| = 1000``.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> problem = load_problem("branching_graph")
>>> f = compile_gradient(problem, target="python")
>>> f.arguments, f.outputs
(('a', 'b'), ('a', 'b'))
>>> f(2.0, 1.0)
(2.0, 5.0)
>>> backward = f.source.split("# backward")[1].split("return")[0]
>>> for line in backward.splitlines()[1:-1]:
...     print(line.strip())
delta_d = c  # de/dd
delta_c = d  # de/dc
# gradients
grad_a = delta_c  # de/da
grad_b = delta_c + delta_d  # de/db
"""

from __future__ import annotations

import builtins
import ctypes
import itertools
import keyword
import linecache
import os
import shutil
import subprocess
import tempfile
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy

from . import __version__
from .errors import SymbackpropError
from .graph import ComputationGraph
from .layered_code import GeneratedCode, layered_source
from .naming import symbol
from .network import LayeredNetwork, matrices
from .printers import TARGETS, printer, stabilise
from .sweep import gradients

__all__ = ["CSE_LIMIT", "TARGETS", "GradientFunction", "compile_gradient", "generate"]

CSE_LIMIT = 3_000
"""Common-subexpression elimination runs over all lines up to this many; above it only over the
forward lines (the adjoint form already shares every repeated product)."""

_C_WORDS = frozenset({
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "bool", "true", "false", "NAN", "INFINITY",
    "in", "out", "exp", "log", "tanh", "fmax", "fmin", "fabs", "pow", "sqrt", "log1p", "sin",
    "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "floor", "ceil",
})
_PY_WORDS = frozenset({*keyword.kwlist, *dir(builtins), "math", "np", "jnp", "jax", "functools",
                       "zeros"})


class CodegenError(SymbackpropError):
    """Code cannot be generated or run (an unknown target, a missing compiler or package)."""


# -- what a problem offers -------------------------------------------------------------------------

def _parts(problem_or_graph: Any) -> tuple[ComputationGraph, LayeredNetwork | None, str]:
    """The graph, the network (if layered) and a title of a Problem, network or graph."""
    if isinstance(problem_or_graph, ComputationGraph):
        return problem_or_graph, None, problem_or_graph.title
    if isinstance(problem_or_graph, LayeredNetwork):
        return problem_or_graph.build(), problem_or_graph, ""
    graph = getattr(problem_or_graph, "graph", None)
    if isinstance(graph, ComputationGraph):
        return graph, getattr(problem_or_graph, "network", None), getattr(
            problem_or_graph, "title", "")
    raise CodegenError(f"cannot generate code for a {type(problem_or_graph).__name__}: give a "
                       "Problem, a LayeredNetwork or a ComputationGraph")


def _argument_order(graph: ComputationGraph, network: LayeredNetwork | None) -> list[str]:
    """Inputs, targets, parameters, then constants (by index in a network)."""
    if network is not None and not graph.constants:
        inputs = [network.neuron_name(0, k) for k in range(1, network.layers[0] + 1)]
        targets = [network.names.target(j) for j in range(1, network.layers[-1] + 1)]
        return [*inputs, *targets, *network.parameter_names()]
    return [*graph.kind_of("input"), *graph.kind_of("target"), *graph.kind_of("parameter"),
            *graph.kind_of("constant"), *graph.constants]


# -- node-by-node code ---------------------------------------------------------------------------

@dataclass
class _Namer:
    """Identifiers for the generated code: node names where they are safe in the target."""

    target: str
    taken: set[str]
    names: dict[str, str] = field(default_factory=dict)
    given: set[str] = field(default_factory=set)

    def __call__(self, name: str) -> str:
        found = self.names.get(name)
        if found is None:
            reserved = _C_WORDS if self.target == "c" else _PY_WORDS
            found = name
            while found in reserved or found in self.given or (
                    found != name and found in self.taken):
                found += "_"
            self.names[name] = found
            self.given.add(found)
        return found

    def prefix(self, base: str) -> str:
        """A prefix ``p`` such that no ``p<digits>`` is a name already."""
        while any(n.startswith(base) and n[len(base):].isdigit() for n in self.taken):
            base += "_"
        return base


@dataclass(frozen=True)
class _Line:
    target: sympy.Symbol
    expr: sympy.Expr
    section: str
    comment: str = ""


def _lines(graph: ComputationGraph, wrt: Sequence[str] | None, of: str | None,
           arguments: Sequence[str]) -> tuple[list[_Line], list[str], list[str]]:
    """Forward, backward and gradient lines (before CSE), the outputs and used arguments."""
    sweep = gradients(graph, of, wrt=wrt)
    of = sweep.of
    outputs = list(sweep.wrt)
    backward = [_Line(a.symbol, stabilise(a.expression), "backward", f"d{of}/d{a.node}")
                for a in sweep.adjoints]
    prefix = "grad_"
    while any(prefix + w in graph for w in outputs):
        prefix = "g" + prefix
    grads = [_Line(symbol(prefix + w), stabilise(sweep.expressions[w]), "gradients",
                   f"d{of}/d{w}") for w in outputs]
    needed: set[str] = set()
    stack = [str(s) for line in backward + grads for s in line.expr.free_symbols]
    while stack:
        name = stack.pop()
        if name in needed or name not in graph or graph.node(name).is_leaf:
            continue
        needed.add(name)
        stack.extend(graph.parents(name))
    forward = [_Line(graph.node(n).symbol, stabilise(graph.node(n).definition), "forward")
               for n in graph.order if n in needed]  # type: ignore[arg-type]
    lines = forward + backward + grads
    used = set().union(*(line.expr.free_symbols for line in lines)) if lines else set()
    used_names = {str(s) for s in used}
    return lines, outputs, [a for a in arguments if a in used_names]


def _cse(lines: list[_Line], namer: _Namer) -> list[_Line]:
    """Pull out common subexpressions, each placed just before its first use."""
    if len(lines) > CSE_LIMIT:
        head = [line for line in lines if line.section == "forward"]
        return _cse(head, namer) + lines[len(head):] if len(head) <= CSE_LIMIT else lines
    prefix = namer.prefix("t")
    temps = sympy.numbered_symbols(prefix, real=True)
    replacements, reduced = sympy.cse([line.expr for line in lines], symbols=temps,
                                      order="none", list=True)
    definitions = dict(replacements)
    emitted: set[sympy.Symbol] = set()
    out: list[_Line] = []

    def emit(temp: sympy.Symbol, section: str) -> None:
        if temp in emitted:
            return
        for inner in sorted(definitions[temp].free_symbols & definitions.keys(), key=str):
            emit(inner, section)
        emitted.add(temp)
        out.append(_Line(temp, definitions[temp], section))

    for line, expr in zip(lines, reduced, strict=True):
        for temp in sorted(expr.free_symbols & definitions.keys(),
                           key=lambda s: int(str(s)[len(prefix):])):
            emit(temp, line.section)
        out.append(_Line(line.target, expr, line.section, line.comment))
    return out


_SECTIONS = {
    "forward": "forward: the node values the local partials need",
    "backward": "backward: one line per named adjoint, delta_n = d{of}/dn, defined once",
    "gradients": "gradients",
}


def node_source(graph: ComputationGraph, target: str, *, wrt: Sequence[str] | None = None,
                of: str | None = None, name: str = "gradient", title: str = "",
                network: LayeredNetwork | None = None) -> GeneratedCode:
    """Straight-line code for ``d of / d wrt`` from one reverse sweep (any graph, any target).

    Notes
    -----
    O(V + E) lines; common-subexpression elimination (``sympy.cse``) over them up to
    :data:`CSE_LIMIT` lines.
    """
    arguments = _argument_order(graph, network)
    if wrt is None:  # every parameter (else every input), in argument order
        wrt = [a for a in arguments if a in graph and graph.node(a).kind == "parameter"] or [
            a for a in arguments if a in graph and graph.node(a).kind == "input"]
    lines, outputs, used = _lines(graph, wrt, of, arguments)
    of = graph.output if of is None else of
    namer = _Namer(target, set(graph.order) | set(graph.constants) | {
        str(line.target) for line in lines})
    lines = _cse(lines, namer)
    rename = {s: symbol(namer(str(s))) for line in lines
              for s in (line.target, *line.expr.free_symbols) if namer(str(s)) != str(s)}
    print_ = printer(target)
    body: list[tuple[str, str, str]] = []  # (section, statement target, code + comment)
    section = ""
    for line in lines:
        if line.section != section:
            section = line.section
            body.append((section, "", ""))
        code = print_.doprint(line.expr.xreplace(rename) if rename else line.expr)
        target_name = namer(str(line.target))
        body.append((section, target_name, code + (f"  # {line.comment}" if line.comment else "")))
    results = [namer(str(line.target)) for line in lines if line.section == "gradients"
               and line.comment]
    safe_arguments = [namer(a) for a in arguments]
    heading = _SECTIONS
    describe = title or graph.title or f"the graph with output {of!r}"
    if target == "c":
        return _c_code(name, describe, of, arguments, safe_arguments, used, outputs, results,
                       body, heading, graph)
    return _python_code(target, name, describe, of, arguments, safe_arguments, outputs, results,
                        body, heading, graph)


def _kinds(graph: ComputationGraph, names: Sequence[str]) -> list[str]:
    return [f"{n} ({graph.node(n).kind})" if n in graph else f"{n} (constant)" for n in names]


def _python_code(target: str, name: str, describe: str, of: str, arguments: Sequence[str],
                 safe: Sequence[str], outputs: Sequence[str], results: Sequence[str],
                 body: Sequence[tuple[str, str, str]], heading: Mapping[str, str],
                 graph: ComputationGraph) -> GeneratedCode:
    module = {"numpy": "import numpy as np", "jax": "import jax.numpy as jnp",
              "python": "import math"}[target]
    points = {"numpy": "Each argument is a number or a numpy array; arrays broadcast, each "
                       "element one point, and every gradient has the broadcast shape.",
              "jax": "Each argument is a number or an array; arrays broadcast, each element "
                     "one point. jit-able: jax.jit(this function).",
              "python": "Each argument is a number (plain math, no numpy)."}[target]
    doc = [
        *_fill(f'"""d{of}/d({", ".join(outputs)}) for {describe}.'),
        "",
        *_fill("Arguments, in order: " + ", ".join(_kinds(graph, arguments)) + "."),
        "",
        *_fill(f"Returns a tuple: {', '.join(f'd{of}/d{w}' for w in outputs)}. {points}"),
        '"""',
    ]
    lines = [*_wrap_call(f"def {name}(", safe, "):", ""), *("    " + d if d else "" for d in doc)]
    for section, lhs, code in body:
        lines.append(f"    # {heading[section].format(of=of)}" if not lhs else
                     f"    {lhs} = {code}")
    if target in ("numpy", "jax"):
        m = "np" if target == "numpy" else "jnp"
        lines += _wrap_call(f"zeros = {m}.zeros({m}.broadcast_shapes(*map({m}.shape, (", safe,
                            ",))))" if len(safe) == 1 else "))))", "    ")
        results = [f"{r} + zeros" for r in results]
    lines += _wrap_call("return (", results, ",)" if len(results) == 1 else ")", "    ")
    source = "\n".join([
        f'"""Gradient of {describe}.',
        "",
        f"Generated by symbackprop {__version__} (target: {target}): straight-line code from "
        "one reverse",
        'sweep, one line per named adjoint."""',
        "",
        module,
        "",
        "",
        *lines,
        "",
    ])
    return GeneratedCode(target, name, source, tuple(arguments), tuple(outputs))


def _c_code(name: str, describe: str, of: str, arguments: Sequence[str], safe: Sequence[str],
            used: Sequence[str], outputs: Sequence[str], results: Sequence[str],
            body: Sequence[tuple[str, str, str]], heading: Mapping[str, str],
            graph: ComputationGraph) -> GeneratedCode:
    guard = f"SYMBACKPROP_{name.upper()}_H"
    upper = name.upper()
    header = "\n".join([
        f"/* Gradient of {describe}.",
        f" * Generated by symbackprop {__version__} (target: c).",
        " *",
        f" * {name}(in, out): in[0..{len(arguments) - 1}] holds the arguments below, in this "
        f"order; out[0..{len(outputs) - 1}]",
        f" * receives the gradients d{of}/d(...) in the order below. */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        f"#define {upper}_N_ARGUMENTS {len(arguments)}",
        f"#define {upper}_N_GRADIENTS {len(outputs)}",
        "",
        "/* Arguments:",
        *(f" *   in[{i}] {k}" for i, k in enumerate(_kinds(graph, arguments))),
        " * Gradients:",
        *(f" *   out[{i}] d{of}/d{w}" for i, w in enumerate(outputs)),
        " */",
        f"void {name}(const double *in, double *out);",
        "",
        f"#endif /* {guard} */",
        "",
    ])
    used_set = set(used)
    lines = [f"    const double {s} = in[{i}];  /* {a} */"
             for i, (a, s) in enumerate(zip(arguments, safe, strict=True)) if a in used_set]
    result_index = {r: i for i, r in enumerate(results)}
    for section, lhs, code in body:
        if not lhs:
            lines.append(f"    /* {heading[section].format(of=of)} */")
            continue
        statement, _, comment = code.partition("  # ")
        tail = f"  /* {comment} */" if comment else ""
        if lhs in result_index:
            lines.append(f"    out[{result_index[lhs]}] = {statement};{tail}")
        else:
            lines.append(f"    const double {lhs} = {statement};{tail}")
    source = "\n".join([
        f"/* Gradient of {describe}.",
        f" * Generated by symbackprop {__version__} (target: c): straight-line code from one "
        "reverse sweep,",
        " * one line per named adjoint. Compile with: cc -O2 -c FILE.c (link with -lm). */",
        "#include <math.h>",
        f'#include "{name}.h"',
        "",
        f"void {name}(const double *in, double *out) {{",
        *lines,
        "}",
        "",
    ])
    return GeneratedCode("c", name, source, tuple(arguments), tuple(outputs), header)


def _wrap_call(head: str, items: Sequence[str], tail: str, indent: str) -> list[str]:
    """``head item, item, ... tail`` in lines of at most 100 columns (inside brackets)."""
    one = f"{indent}{head}{', '.join(items)}{tail}"
    if len(one) <= 100:
        return [one]
    wrapped = textwrap.wrap(", ".join(items), 100 - len(indent) - 8, break_long_words=False,
                            break_on_hyphens=False)
    return [f"{indent}{head}", *(f"{indent}        {line}" for line in wrapped),
            f"{indent}{tail}"]


def _fill(text: str) -> list[str]:
    return textwrap.wrap(text, 92, break_long_words=False, break_on_hyphens=False)


# -- the public API ------------------------------------------------------------------------------

def generate(problem_or_graph: Any, wrt: Sequence[str] | str | None = None,
             target: str = "numpy", *, of: str | None = None,
             name: str = "gradient") -> GeneratedCode:
    """The source of a gradient function, without loading it.

    Parameters
    ----------
    problem_or_graph : Problem, LayeredNetwork or ComputationGraph
    wrt : sequence of str, or "all", optional
        The nodes to differentiate with respect to; by default (or ``"all"``) every parameter.
    target : {"numpy", "python", "jax", "c"}
    of : str, optional
        The node differentiated (default: the output).
    name : str
        The generated function's name (an identifier).

    Layered networks, with every parameter wanted and ``of`` the loss, get layer-wise matrix
    code in numpy and jax; everything else gets node-by-node code.
    """
    if target not in TARGETS:
        raise CodegenError(f"unknown target {target!r}; allowed: {', '.join(TARGETS)}")
    if not name.isidentifier() or keyword.iskeyword(name) or name in _C_WORDS:
        raise CodegenError(f"function name {name!r} is not a usable identifier")
    graph, network, title = _parts(problem_or_graph)
    if isinstance(wrt, str):
        wrt = None if wrt == "all" else [wrt]
    layered = (network is not None and wrt is None and (of is None or of == graph.output)
               and not graph.constants and target in ("numpy", "jax"))
    if layered:
        assert network is not None
        return layered_source(network, target, name=name, title=title)
    return node_source(graph, target, wrt=wrt, of=of, name=name, title=title, network=network)


@dataclass(frozen=True)
class GradientFunction:
    """A generated gradient function, loaded: call it, read its source.

    Attributes
    ----------
    code : GeneratedCode
        ``.source`` (and ``.header`` for C), ``.arguments``, ``.outputs``.
    graph : ComputationGraph
    network : LayeredNetwork or None
        Set for layer-wise code (array arguments ``x, y, W1, b1, ...``).
    """

    code: GeneratedCode
    graph: ComputationGraph = field(repr=False)
    network: LayeredNetwork | None = field(repr=False)
    function: Callable[..., Any] = field(repr=False)

    @property
    def source(self) -> str:
        return self.code.source

    @property
    def header(self) -> str | None:
        return self.code.header

    @property
    def target(self) -> str:
        return self.code.target

    @property
    def arguments(self) -> tuple[str, ...]:
        return self.code.arguments

    @property
    def outputs(self) -> tuple[str, ...]:
        return self.code.outputs

    def __call__(self, *args: Any) -> Any:
        return self.function(*args)

    def from_values(self, values: Mapping[str, float]) -> dict[str, float]:
        """Every gradient at one point given by node values (``name -> float``, as
        ``Problem.values``), by parameter name."""
        missing = [a for a in self._leaf_names() if a not in values and not (
            a in self.graph.constants and not np.isnan(self.graph.constants[a]))]
        if missing:
            raise SymbackpropError(f"no value given for {', '.join(missing)}")
        if self.code.layered:
            return self._layered_values(values)
        args = [float(values[a]) if a in values else self.graph.constants[a]
                for a in self.arguments]
        results = self(*args)
        return {w: float(np.asarray(r, dtype=float)) for w, r in zip(
            self.outputs, results, strict=True)}

    def _leaf_names(self) -> list[str]:
        return list(self.arguments) if not self.code.layered else self.graph.leaves

    def _layered_values(self, values: Mapping[str, float]) -> dict[str, float]:
        network = self.network
        assert network is not None
        arrays = matrices(network, values)
        args: list[Any] = [arrays["x"], arrays["y"]]
        for layer in range(1, network.depth + 1):
            args.append(arrays[f"W{layer}"])
            if network.bias == "per_layer":
                args.append(float(values[network.bias_name(layer, 1)]))  # type: ignore[index]
            elif network.bias == "per_neuron":
                args.append(arrays[f"b{layer}"])
        results = dict(zip(self.outputs, self(*args), strict=True))
        out: dict[str, float] = {}
        for layer in range(1, network.depth + 1):
            matrix = np.asarray(results[f"W{layer}"], dtype=float)
            for row, names in zip(matrix, network.weight_matrix_names(layer), strict=True):
                out.update(zip(names, map(float, row), strict=True))
            if network.bias == "per_layer":
                out[network.bias_name(layer, 1)] = float(results[f"b{layer}"])  # type: ignore[index]
            elif network.bias == "per_neuron":
                biases = np.asarray(results[f"b{layer}"], dtype=float)
                for j, value in enumerate(biases, start=1):
                    out[network.bias_name(layer, j)] = float(value)  # type: ignore[index]
        return {name: out[name] for name in network.parameter_names()}

    def __repr__(self) -> str:
        return f"GradientFunction({self.code!r})"


_COUNTER = itertools.count()


def _load_python(code: GeneratedCode) -> Callable[..., Any]:
    """Run generated Python source (ours, from validated names) in a fresh namespace."""
    filename = f"<symbackprop-{code.target}-{next(_COUNTER)}>"
    linecache.cache[filename] = (len(code.source), None, code.source.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": f"symbackprop_generated_{code.name}"}
    try:
        exec(compile(code.source, filename, "exec"), namespace)  # our own source
    except ModuleNotFoundError as err:
        raise CodegenError(f"target {code.target!r} needs the package {err.name!r}: "
                           f"pip install {err.name}") from None
    function = namespace[code.name]
    if code.target == "jax":
        import jax

        function = jax.jit(function)
    return function  # type: ignore[no-any-return]


def c_compiler() -> str | None:
    """The C compiler: ``$CC`` or ``cc`` on the ``PATH``, or ``None``."""
    return shutil.which(os.environ.get("CC", "cc"))


@dataclass
class _CFunction:
    """Generated C, compiled with the system compiler on first call and run through ctypes."""

    code: GeneratedCode
    _function: Any = None

    def build(self) -> Any:
        compiler = c_compiler()
        if compiler is None:
            raise CodegenError("target 'c' needs a C compiler: none found as $CC or cc")
        with tempfile.TemporaryDirectory(prefix="symbackprop-") as folder:
            path = Path(folder)
            (path / f"{self.code.name}.c").write_text(self.code.source, encoding="utf-8")
            (path / f"{self.code.name}.h").write_text(self.code.header or "", encoding="utf-8")
            library = path / f"lib{self.code.name}.so"
            command = [compiler, "-O2", "-std=c99", "-shared", "-fPIC", "-o", str(library),
                       str(path / f"{self.code.name}.c"), "-lm"]
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise CodegenError(f"the C compiler failed ({' '.join(command)}):\n"
                                   f"{result.stderr.strip()}")
            loaded = ctypes.CDLL(str(library))
        function = getattr(loaded, self.code.name)
        pointer = ctypes.POINTER(ctypes.c_double)
        function.argtypes = [pointer, pointer]
        function.restype = None
        return function

    def __call__(self, *args: float) -> tuple[float, ...]:
        if self._function is None:
            self._function = self.build()
        if len(args) != len(self.code.arguments):
            raise CodegenError(f"{self.code.name} takes {len(self.code.arguments)} arguments "
                               f"({', '.join(self.code.arguments)}), got {len(args)}")
        inputs = (ctypes.c_double * len(args))(*map(float, args))
        outputs = (ctypes.c_double * len(self.code.outputs))()
        self._function(inputs, outputs)
        return tuple(outputs)


def compile_gradient(problem_or_graph: Any, wrt: Sequence[str] | str | None = None,
                     target: str = "numpy", *, of: str | None = None,
                     name: str = "gradient") -> GradientFunction:
    """A callable gradient function, generated for ``target`` and loaded.

    Parameters are those of :func:`generate`.  The ``jax`` target returns ``jax.jit`` of the
    generated function (enable ``jax_enable_x64`` for float64); the ``c`` target compiles with
    the system C compiler on first call and runs through ctypes.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("padhai_4_4_2")
    >>> grad = compile_gradient(problem)
    >>> grad.arguments
    ('x', 'y', 'W1', 'W2')
    >>> round(grad.from_values(problem.values)["w212"], 9)
    -0.130376706
    """
    code = generate(problem_or_graph, wrt, target, of=of, name=name)
    graph, network, _ = _parts(problem_or_graph)
    function: Callable[..., Any] = (_CFunction(code) if target == "c"
                                    else _load_python(code))
    return GradientFunction(code, graph, network if code.layered else None, function)
