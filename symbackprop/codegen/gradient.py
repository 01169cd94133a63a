"""Numeric gradient functions, generated as readable source: numpy, jax, plain Python, C.

:func:`generate` writes the source; :func:`compile_gradient` also loads it and returns a
:class:`GradientFunction` (call it; read its ``.source``).  Two kinds of code:

* **layer-wise** (numpy and jax, for a layered network when every parameter is wanted): matrix
  code vectorised over a batch, as fast as a hand-written numpy backprop
  (:mod:`symbackprop.codegen.layered`);
* **node by node** (every target, any graph): straight-line code from one reverse sweep
  (:mod:`symbackprop.calculus.sweep`): the forward values the local partials need, then one line per
  named adjoint ``delta_n = dL/dn`` with a comment naming its node, then the gradients, with
  common subexpressions pulled out.  In numpy and jax every argument may be an array (each
  element one point); in C the arguments come in one array, in the order the header lists.

Numerically stable forms throughout (:mod:`symbackprop.codegen.printers`): sigmoid and softmax do
not overflow at ``|a| = 1000``.

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

import ctypes
import itertools
import keyword
import linecache
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import CodegenError, SymbackpropError
from ..graph.computation import ComputationGraph
from ..graph.network import LayeredNetwork, matrices
from .blocks import block_rows_for, in_blocks
from .layered import GeneratedCode, layered_source
from .nodewise import C_RESERVED, node_source
from .numpy_helpers import HELPER_NAMES
from .printers import TARGETS

__all__ = ["GradientFunction", "compile_gradient", "generate"]

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

    Notes
    -----
    Layered networks, with every parameter wanted and ``of`` the loss, get layer-wise matrix
    code in numpy and jax; everything else gets node-by-node code.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> generate(load_problem("mazur_2_2_2"))
    GeneratedCode(gradient, numpy, layer-wise, 6 arguments, 4 outputs, 80 lines)
    >>> code = generate(load_problem("branching_graph"), target="python")
    >>> print(code.source.split("# backward")[0].split("def ")[1].splitlines()[0])
    gradient(a, b):
    """
    if target not in TARGETS:
        raise CodegenError(f"unknown target {target!r}; allowed: {', '.join(TARGETS)}")
    if not name.isidentifier() or keyword.iskeyword(name) or name in C_RESERVED:
        raise CodegenError(f"function name {name!r} is not a usable identifier")
    graph, network, title = _parts(problem_or_graph)
    if isinstance(wrt, str):
        wrt = None if wrt == "all" else [wrt]
    layered = (network is not None and wrt is None and (of is None or of == graph.output)
               and not graph.constants and target in ("numpy", "jax"))
    if layered:
        assert network is not None
        if name in HELPER_NAMES:
            raise CodegenError(f"function name {name!r} is taken by a helper of the generated "
                               f"code ({', '.join(sorted(HELPER_NAMES))}); choose another")
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

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("branching_graph")
    >>> f = compile_gradient(problem, target="python")
    >>> f.target, f.arguments
    ('python', ('a', 'b'))
    >>> f(2.0, 1.0), f.from_values(problem.values)
    ((2.0, 5.0), {'a': 2.0, 'b': 5.0})
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
                args.append(float(values[_bias(network, layer, 1)]))
            elif network.bias == "per_neuron":
                args.append(arrays[f"b{layer}"])
        results = dict(zip(self.outputs, self(*args), strict=True))
        out: dict[str, float] = {}
        for layer in range(1, network.depth + 1):
            matrix = np.asarray(results[f"W{layer}"], dtype=float)
            for row, names in zip(matrix, network.weight_matrix_names(layer), strict=True):
                out.update(zip(names, map(float, row), strict=True))
            if network.bias == "per_layer":
                out[_bias(network, layer, 1)] = float(results[f"b{layer}"])
            elif network.bias == "per_neuron":
                biases = np.asarray(results[f"b{layer}"], dtype=float)
                for j, value in enumerate(biases, start=1):
                    out[_bias(network, layer, j)] = float(value)
        return {name: out[name] for name in network.parameter_names()}

    def __repr__(self) -> str:
        return f"GradientFunction({self.code!r})"


_COUNTER = itertools.count()


def _bias(network: LayeredNetwork, layer: int, j: int) -> str:
    """The name of a bias that the network has (it is asked only when it has biases)."""
    name = network.bias_name(layer, j)
    if name is None:
        raise CodegenError(f"layer {layer} of the network has no bias")
    return name


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
    return function


C_OPTIMISE_LINES = 4_000
"""Generated C up to this many lines is compiled with ``-O2``, longer with ``-O0``: gcc's
optimiser is superlinear in the length of one function (a [32,32,32,10] network's 5,000 lines
take about 30 s at ``-O1`` or ``-O2`` and under 1 s at ``-O0``; its [64,64,64,10] 18,600 lines
did not finish in 15 minutes at ``-O2``)."""


def c_compiler() -> str | None:
    """The C compiler: ``$CC`` or ``cc`` on the ``PATH``, or ``None``.

    Examples
    --------
    >>> compiler = c_compiler()     # e.g. '/usr/bin/cc'
    >>> compiler is None or os.access(compiler, os.X_OK)
    True
    """
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
            level = "-O2" if self.code.source.count("\n") <= C_OPTIMISE_LINES else "-O0"
            command = [compiler, level, "-std=c99", "-shared", "-fPIC", "-o", str(library),
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
                     target: str = "numpy", *, of: str | None = None, name: str = "gradient",
                     threads: int | None = None,
                     block_rows: int | None = None) -> GradientFunction:
    """A callable gradient function, generated for ``target`` and loaded.

    Parameters
    ----------
    problem_or_graph, wrt, target, of, name
        As for :func:`generate`.
    threads : int, optional
        Layer-wise numpy code only: threads a large batch is shared out on (default: one per
        core; 1 runs it in the calling thread).  See :mod:`symbackprop.codegen.blocks`.
    block_rows : int, optional
        Layer-wise numpy code only: the most rows of a batch run in one call of the generated
        function (default: :func:`symbackprop.codegen.blocks.block_rows_for` the network's widths);
        0 runs every batch in one call.

    Notes
    -----
    The ``jax`` target returns ``jax.jit`` of the generated function (enable
    ``jax_enable_x64`` for float64); the ``c`` target compiles with the system C compiler on
    first call and runs through ctypes.  Layer-wise numpy code runs a batch larger than
    ``block_rows`` in blocks, on ``threads`` threads, and adds the blocks' gradients: the same
    result up to rounding, faster (cache-sized arrays, every core busy).

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
    if code.layered and target == "numpy" and block_rows != 0:
        assert network is not None
        function = in_blocks(function, block_rows or block_rows_for(network.layers), threads,
                             width=max(network.layers), work=True)
    return GradientFunction(code, graph, network if code.layered else None, function)
