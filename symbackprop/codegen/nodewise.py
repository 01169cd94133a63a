"""Node-by-node gradient code: straight-line source from one reverse sweep, for any target.

The forward values the local partials need, then one line per named adjoint
``delta_n = dL/dn`` (a comment names its node), then the gradients; common subexpressions are
pulled out by ``sympy.cse``, each placed just before its first use.  Names that would clash with
the target language are renamed.  :mod:`symbackprop.codegen` is the public entry point.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> code = node_source(load_problem("sigmoid_chain").graph, "c")
>>> code.arguments, code.outputs
(('x1', 'y1', 'w1', 'w2', 'w3'), ('w1', 'w2', 'w3'))
>>> print(code.header.splitlines()[-3])
void gradient(const double *in, double *out);
"""

from __future__ import annotations

import builtins
import keyword
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sympy

from .._version import __version__
from ..calculus.sweep import gradients
from ..graph.computation import ComputationGraph
from ..graph.network import LayeredNetwork
from ..naming import symbol
from .escape import c_comment_text, python_text
from .layered import GeneratedCode
from .printers import printer, stabilise

__all__ = ["CSE_LIMIT", "C_RESERVED", "argument_order", "node_source"]

CSE_LIMIT = 3_000
"""Common-subexpression elimination runs over all lines up to this many; above it only over the
forward lines (the adjoint form already shares every repeated product)."""

C_RESERVED = frozenset({  # C keywords, math.h names, the function's parameters
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "bool", "true", "false", "NAN", "INFINITY",
    "in", "out", "exp", "log", "tanh", "fmax", "fmin", "fabs", "pow", "sqrt", "log1p", "sin",
    "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "floor", "ceil",
})
_PY_WORDS = frozenset({*keyword.kwlist, *dir(builtins), "math", "np", "jnp", "jax", "functools",
                       "zeros"})


def argument_order(graph: ComputationGraph, network: LayeredNetwork | None) -> list[str]:
    """Inputs, targets, parameters, then constants (by index in a network).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> argument_order(problem.graph, problem.network)
    ['x1', 'x2', 'y1', 'y2', 'w1', 'w2', 'w3', 'w4', 'b1', 'w5', 'w6', 'w7', 'w8', 'b2']
    >>> argument_order(problem.graph, None)                 # by kind, then by name
    ['x1', 'x2', 'y1', 'y2', 'b1', 'b2', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8']
    """
    if network is not None and not graph.constants:
        inputs = [network.neuron_name(0, k) for k in range(1, network.layers[0] + 1)]
        targets = [network.names.target(j) for j in range(1, network.layers[-1] + 1)]
        return [*inputs, *targets, *network.parameter_names()]
    return [*graph.kind_of("input"), *graph.kind_of("target"), *graph.kind_of("parameter"),
            *graph.kind_of("constant"), *graph.constants]


def _identifier(name: str) -> str:
    """``name`` if it is an identifier; a lowered tensor's entry ``W1[2,3]`` (or ``Y.mu[0]``)
    as one, ``W1_2_3`` (``Y_mu_0``)."""
    if name.isidentifier():
        return name
    return re.sub(r"[^A-Za-z0-9_]+", "_", name).rstrip("_")


@dataclass
class _Namer:
    """Identifiers for the generated code: node names where they are safe in the target (an
    entry of a lowered tensor, ``W1[2,3]``, written ``W1_2_3``)."""

    target: str
    taken: set[str]
    names: dict[str, str] = field(default_factory=dict)
    given: set[str] = field(default_factory=set)

    def __call__(self, name: str) -> str:
        found = self.names.get(name)
        if found is None:
            reserved = C_RESERVED if self.target == "c" else _PY_WORDS
            found = _identifier(name)
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
    backward = _fused(backward, grads)
    needed: set[str] = set()
    stack = [str(s) for line in backward + grads for s in line.expr.free_symbols]
    while stack:
        name = stack.pop()
        if name in needed or name not in graph or graph.node(name).is_leaf:
            continue
        needed.add(name)
        stack.extend(graph.parents(name))
    forward = [_Line(graph.node(n).symbol, stabilise(graph.node(n).definition), "forward")
               for n in graph.order if n in needed]
    lines = forward + backward + grads
    used = set().union(*(line.expr.free_symbols for line in lines)) if lines else set()
    used_names = {str(s) for s in used}
    return lines, outputs, [a for a in arguments if a in used_names]


def _divides(expr: sympy.Expr) -> bool:
    """Whether ``expr`` divides by something that is not a number (``-y1/yhat1``)."""
    return any(p.exp.is_negative and p.base.free_symbols for p in expr.atoms(sympy.Pow))


def _fused(backward: list[_Line], grads: list[_Line]) -> list[_Line]:
    """The adjoints that divide by a node (``delta_yhat1 = -y1/yhat1``, the loss's) put into
    the adjoints that use them, where the product no longer divides:
    ``delta_a11 = -y1*(1 - yhat1)`` computes the same number without dividing by a
    probability that may underflow to 0 (softmax or sigmoid with cross-entropy at ±1000).
    An adjoint still used elsewhere stays."""
    dividing = {line.target: line.expr for line in backward if _divides(line.expr)}
    if not dividing:
        return backward
    lines = []
    for line in backward:
        if line.target not in dividing and line.expr.free_symbols & dividing.keys():
            product = sympy.cancel(line.expr.xreplace(dividing))
            if not _divides(product):
                line = _Line(line.target, product, line.section, line.comment)
        lines.append(line)
    used = set().union(*(line.expr.free_symbols for line in lines + grads))
    return [line for line in lines if line.target not in dividing or line.target in used]


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

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> code = node_source(load_problem("sigmoid_chain").graph, "numpy", wrt=["w1"])
    >>> code
    GeneratedCode(gradient, numpy, node-by-node, 5 arguments, 1 outputs, 35 lines)
    >>> backward = code.source.split("defined once")[1].split("# gradients")[0]
    >>> for line in backward.strip().splitlines():
    ...     print(line.strip())
    delta_yhat1 = -2*y1 + 2*yhat1  # dL/dyhat1
    delta_a31 = delta_yhat1*yhat1*(1 - yhat1)  # dL/da31
    delta_h21 = delta_a31*w3  # dL/dh21
    delta_a21 = delta_h21*h21*(1 - h21)  # dL/da21
    delta_h11 = delta_a21*w2  # dL/dh11
    delta_a11 = delta_h11*h11*(1 - h11)  # dL/da11
    """
    arguments = argument_order(graph, network)
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
        return _c_code(name, c_comment_text(describe), of, arguments, safe_arguments, used,
                       outputs, results, body, heading, graph)
    return _python_code(target, name, python_text(describe), of, arguments, safe_arguments,
                        outputs, results, body, heading, graph)


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
        " * one line per named adjoint. Compile with: cc -O2 -c FILE.c (link with -lm); for",
        " * a file of many thousand lines, -O0 (gcc's optimiser is superlinear in its length). */",
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
