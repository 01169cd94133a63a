r"""The builder of a tensor-level derivation page: a
:class:`~symbackprop.calculus.tensor_derivation.TensorDerivation` made into the one page model
(:mod:`symbackprop.render.model`, ``level="tensor"``) that the text, LaTeX and Markdown writers
write.

:func:`tensor_page_model` gathers, in order:

1. the paths (:attr:`Kind.PATHS`), each node with its shape;
2. the forward pass (:attr:`Kind.FORWARD`): every computed tensor on the paths, its
   definition and shape;
3. the chain rule (:attr:`Kind.CHAIN_RULE`): each listed path's chain of VJPs
   (:class:`~symbackprop.render.model.Chain`) in chain-rule order, the output end first,
   each step ``δparent +=`` the edge's VJP of the path's share of ``δchild``, with the shapes
   of its operands;
4. the factored (adjoint) form (:attr:`Kind.FACTORED`): every adjoint on the paths, computed
   once from its children's, ``δL = 1`` first;
5. the local VJPs (:attr:`Kind.PARTIALS`): each edge on the paths once;
6. the result (:attr:`Kind.RESULT`): the gradient written out, every adjoint substituted
   into ``wrt``'s (up to :data:`RESULT_NODES` nodes of IR);
7. with numbers (:attr:`Kind.NUMBERS`): every adjoint's value, each path's contribution (when
   there are several), and with a learning rate one step of gradient descent on a parameter
   (:class:`~symbackprop.calculus.terms.Step`, its fields arrays).

The paths, their chains and their contributions are listed up to
:data:`~symbackprop.render.parts.MAX_LISTED` paths; past it the factored form holds them all.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("tensor_mlp")
>>> page = tensor_page_model(derive(problem.graph, "W1", values=problem.values))
>>> for section in page.sections:
...     print(section.kind.value, [type(block).__name__ for block in section.blocks])
paths ['Items']
forward pass ['Equations']
chain rule ['Chain']
factored form ['Equations']
local partials ['Equations']
result ['Equations']
numbers ['Values']
>>> from symbackprop.render.tensor_typeset import tensor_text
>>> print(tensor_text(page.section(Kind.RESULT).blocks[0].rows[0].formula.terms[0]))
Xᵀ ((((softmax(Z2) − onehot(y)) / 4) W2ᵀ) ⊙ (1 − H1²))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import sympy

from ..calculus.tensor_derivation import TensorDerivation
from ..calculus.terms import Step
from ..rules.tensor.build import Builder
from ..rules.tensor.expr import Adj, Map, Op, Ref, TExpr, walk
from .model import (
    Block,
    Chain,
    Equation,
    Equations,
    Items,
    Kind,
    Page,
    Section,
    Updated,
    ValueRow,
    Values,
)
from .parts import MAX_LISTED
from .tensor_model import Adjoint, TensorFormula, Value, Vjp
from .tensor_typeset import tensor_label

__all__ = ["RESULT_NODES", "composed", "operands", "tensor_page_model"]

RESULT_NODES = 120
"""The gradient is written out (every adjoint substituted) only up to this many nodes of IR."""


def operands(expr: TExpr) -> tuple[TExpr, ...]:
    """The operands whose shapes a chain shows: every tensor and adjoint ``expr`` reads, a
    transposed one as it is read (``Xᵀ``), each once, in the order they are read.

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("X", "input", (4, 3)),
    ...                             TensorNode("W", "parameter", (3, 2))],
    ...                            {"Z": "tanh(X @ W)", "L": "sum(Z)"}, "L")
    >>> [(str(o), o.shape) for o in operands(graph.edge_vjp("W", "Z"))]
    [('X.T', (3, 4)), ('δZ', (4, 2)), ('Z', (4, 2))]
    """
    found: dict[TExpr, None] = {}
    stack: list[TExpr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Ref | Adj) or (isinstance(node, Op) and node.name == "transpose"
                                           and isinstance(node.args[0], Ref | Adj)):
            found.setdefault(node)
            continue
        stack.extend(reversed(node.args))
    return tuple(found)


def composed(d: TensorDerivation, builder: Builder | None = None) -> TExpr:
    """``wrt``'s adjoint written out: every adjoint on the paths substituted into it, from the
    output's (``δL = 1``) down, and simplified as it is built.

    Notes
    -----
    The expression grows with the paths that share a node (each use repeats the shared
    adjoint's expression); :func:`tensor_page_model` shows it up to :data:`RESULT_NODES`.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("tensor_mlp")
    >>> composed(derive(problem.graph, "b2"))
    Op(sum_to(-onehot(y, classes=3)/4 + softmax(Z2, axis=-1)/4, shape=(3,)), (3,))
    """
    build = builder or Builder()
    written: dict[str, TExpr] = {}
    for adjoint in d.adjoints:
        if adjoint.node == d.of:
            written[adjoint.node] = Map(sympy.S.One, (), (), adjoint.shape)
            continue
        terms = [_substituted(vjp, written, build) for _, vjp in adjoint.contributions]
        written[adjoint.node] = build.add(*terms)
    return written[d.wrt]


def _substituted(expr: TExpr, adjoints: Mapping[str, TExpr], build: Builder) -> TExpr:
    if isinstance(expr, Adj):
        return adjoints[expr.name]
    if isinstance(expr, Ref) or not expr.adjoints:
        return expr
    args = tuple(_substituted(arg, adjoints, build) for arg in expr.args)
    if isinstance(expr, Map):
        return build.map(expr.expr, list(zip(expr.slots, args, strict=True)))
    assert isinstance(expr, Op)  # the nodes with arguments are maps and operations
    (first, *_) = args
    if expr.name == "broadcast_to" and isinstance(first, Map) and not first.args:
        return Map(first.expr, (), (), expr.shape)  # a constant, spread: still a constant
    return build.op(expr.name, *args, **expr.attributes)


def _formula(expr: TExpr, shapes: bool = False) -> TensorFormula:
    return TensorFormula((expr,), operands(expr) if shapes else ())


def _paths(d: TensorDerivation) -> Items:
    listed = (d.terms or ())[:MAX_LISTED]
    entries = tuple(term.path.nodes for term in listed)
    named = dict.fromkeys(n for path in entries for n in path) or dict.fromkeys((d.wrt, d.of))
    return Items(entries, d.path_count,
                 tuple((n, d.graph.node(n).shape) for n in d.graph.order if n in named))


def _forward(d: TensorDerivation) -> Equations:
    on_paths = {a.node for a in d.adjoints}
    rows = []
    for name in d.graph.order:
        node = d.graph.node(name)
        if name in on_paths and node.definition is not None:
            rows.append(Equation(Value(name), TensorFormula((node.definition,), (node.ref,))))
    return Equations(tuple(rows))


def _chains(d: TensorDerivation) -> tuple[Chain, ...]:
    listed = (d.terms or ())[:MAX_LISTED]
    return tuple(Chain(k, term.path.nodes, tuple(
        Equation(Adjoint(step.parent, share=True), _formula(step.expression, shapes=True))
        for step in term.steps)) for k, term in enumerate(listed, start=1))


def _factored(d: TensorDerivation) -> Equations:
    rows = []
    for adjoint in d.adjoints:
        if adjoint.node == d.of:
            one = Map(sympy.S.One, (), (), adjoint.shape)
            rows.append(Equation(Adjoint(adjoint.node), TensorFormula((one,))))
            continue
        terms = tuple(vjp for _, vjp in adjoint.contributions)
        rows.append(Equation(Adjoint(adjoint.node), TensorFormula(terms)))
    return Equations(tuple(rows))


def _local_vjps(d: TensorDerivation) -> Equations:
    return Equations(tuple(Equation(Vjp(adjoint.node, child), _formula(vjp, shapes=True))
                           for adjoint in d.adjoints for child, vjp in adjoint.contributions))


def _result(d: TensorDerivation) -> Equations:
    written = composed(d)
    size = sum(1 for _ in walk(written))
    formula = _formula(written, shapes=True) if size <= RESULT_NODES else \
        TensorFormula((), omitted=size)
    return Equations((Equation(Adjoint(d.wrt), formula),))


def _numbers(d: TensorDerivation, learning_rate: float | None, full: bool) -> tuple[Block, ...]:
    rows = [ValueRow(Adjoint(a.node), a.value) for a in d.adjoints if a.value is not None]
    terms = d.terms or ()
    if len(terms) > 1:
        rows += [ValueRow(Adjoint(d.wrt, path=k), term.value) for k, term in
                 enumerate(terms[:MAX_LISTED], start=1) if term.value is not None]
        rows.append(rows.pop(len(d.adjoints) - 1))  # the gradient last, after its paths
    blocks: list[Block] = [Values(tuple(rows), full)]
    step = tensor_step(d, learning_rate)
    if step is not None:
        update = Builder().ew(lambda w, g: w - step.learning_rate * g,
                              d.graph.node(d.wrt).ref, Adj(d.wrt, d.graph.node(d.wrt).shape))
        blocks.append(Values((ValueRow(Updated(d.wrt), np.asarray(step.after),
                                       TensorFormula((update,))),), full, step.learning_rate))
    return tuple(blocks)


def tensor_step(d: TensorDerivation, learning_rate: float | None) -> Step[np.ndarray] | None:
    """One step of gradient descent on ``wrt`` (arrays), or ``None``: without a learning rate
    or numbers, or when ``wrt`` is not a parameter of the loss the graph outputs.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("tensor_mazur")
    >>> step = tensor_step(derive(problem.graph, "W2", values=problem.values), 0.5)
    >>> step.after[0, 0]                                          # Mazur's w5+
    np.float64(0.35891647971788465)
    """
    if learning_rate is None or d.gradient is None or d.values is None:
        return None
    if d.graph.node(d.wrt).kind != "parameter" or d.of != d.graph.output:
        return None
    return Step(d.wrt, learning_rate, np.asarray(d.values[d.wrt]), d.gradient)


def labels(names: Iterable[str]) -> dict[str, str]:
    r"""Each tensor's LaTeX label (:func:`~symbackprop.render.tensor_typeset.tensor_label`).

    Examples
    --------
    >>> labels(["W1", "Y.xhat"])
    {'W1': 'W_{1}', 'Y.xhat': '\\hat{x}_{Y}'}
    """
    return {name: tensor_label(name) for name in names}


def tensor_page_model(derivation: TensorDerivation, *, learning_rate: float | None = None,
                      full: bool = False) -> Page:
    """The page of a tensor-level ``derivation`` (the module's sections), its numbers when the
    values are known, printed whole with ``full``, and one step of gradient descent given a
    ``learning_rate``.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> page = tensor_page_model(derive(load_problem("tensor_batchnorm").graph, "W"))
    >>> page, page.level, [chain.nodes for chain in page.section(Kind.CHAIN_RULE).blocks]
    ... # doctest: +NORMALIZE_WHITESPACE
    (Page(∂L/∂W, 6 sections), 'tensor',
     [('W', 'x', 'Y.mu', 'Y.xhat', 'Y', 'H', 'L'), ('W', 'x', 'Y.var', 'Y.xhat', 'Y', 'H', 'L'),
      ('W', 'x', 'Y.xhat', 'Y', 'H', 'L')])
    """
    d = derivation
    sections = [Section(Kind.PATHS, (_paths(d),)), Section(Kind.FORWARD, (_forward(d),))]
    chains = _chains(d)
    if chains:
        sections.append(Section(Kind.CHAIN_RULE, chains))
    sections += [Section(Kind.FACTORED, (_factored(d),)),
                 Section(Kind.PARTIALS, (_local_vjps(d),)),
                 Section(Kind.RESULT, (_result(d),))]
    if d.gradient is not None:
        sections.append(Section(Kind.NUMBERS, _numbers(d, learning_rate, full)))
    return Page(d.of, d.wrt, "textbook", tuple(sections), labels(d.graph.order), {},
                level="tensor")
