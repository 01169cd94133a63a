"""A tensor formula claim decided symbolically: lowered to scalars, entry by entry.

A formula claim (``expression = "X.T @ grad(Z1)"``) is a function of every float leaf of the
problem.  :func:`decide` shows it equal to the truth as such a function, where the problem is
small enough:

1. the tensor graph is lowered to scalars (:func:`symbackprop.graph.tensor_lowering.lower`:
   one node per entry, refused above its limits);
2. every scalar node is composed in the leaf entries (each definition with its parents'
   composed expressions put in), and the adjoint of every entry the claim needs, the truth and
   each ``grad(NAME)`` the formula reads, comes from the scalar engine's reverse sweep
   (:func:`symbackprop.calculus.sweep.gradients`) composed the same way;
3. the formula is evaluated on object arrays of those expressions (the one forward code of
   each operation, :data:`~symbackprop.rules.tensor.backend.OBJECT`, that the lowering runs);
4. each entry is compared with :func:`symbackprop.calculus.equality.equivalent`, as written and
   then with the functions that have one written in ``exp`` (``tanh``, ``sigmoid`` ...).

The integer tensors (labels, indices) keep the file's values: they decide what is read.  The
work grows with the entries times the size of their expressions, so a problem whose entries'
expression trees hold more than :data:`SYMBOLIC_BUDGET` nodes in all (or whose lowering is
refused) is left to the numbers, and the verdict says why.

Examples
--------
>>> from symbackprop.spec.problems import load_problem
>>> from symbackprop.spec.tensor_claims import read_tensor_claims
>>> problem = load_problem("tensor_mlp")
>>> [claim] = read_tensor_claims([{"of": "dL/dW1", "expression": "X.T @ grad(Z1)"}],
...                              problem.graph, "claims")
>>> decide(claim, problem)
SymbolicVerdict(equal=True, 'shown equal symbolically (entry by entry, lowered to scalars)')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from ..calculus.equality import equivalent
from ..calculus.simplify import operation_count
from ..calculus.sweep import gradients
from ..errors import SymbackpropError
from ..graph.tensor_lowering import Lowering, lower
from ..naming import symbol
from ..rules.tensor.backend import OBJECT
from ..rules.tensor.evaluate import evaluate
from ..rules.tensor.expr import Adj, walk
from ..spec.tensor import TensorProblem
from ..spec.tensor_claims import TensorClaim

__all__ = ["SHOWN_EQUAL", "SYMBOLIC_BUDGET", "SymbolicVerdict", "decide"]

SYMBOLIC_BUDGET = 200_000
"""At most this many expression-tree nodes, over every entry of the truth and the formula."""

SHOWN_EQUAL = "shown equal symbolically (entry by entry, lowered to scalars)"


@dataclass(frozen=True)
class SymbolicVerdict:
    """Whether a formula was shown equal to the truth symbolically, and in what words.

    Attributes
    ----------
    equal : bool
        ``True`` when every entry is shown equal; ``False`` when not shown (too large, an
        entry undecided or different): the numbers judge it.
    method : str
        The method's words: :data:`SHOWN_EQUAL`, or why it was not shown.

    Examples
    --------
    >>> SymbolicVerdict(False, "too large to lower to scalars")
    SymbolicVerdict(equal=False, 'too large to lower to scalars')
    """

    equal: bool
    method: str

    def __repr__(self) -> str:
        return f"SymbolicVerdict(equal={self.equal}, {self.method!r})"


def decide(claim: TensorClaim, problem: TensorProblem, *,
           budget: int = SYMBOLIC_BUDGET) -> SymbolicVerdict:
    """Whether the formula of ``claim`` equals the truth as a function of every float leaf.

    Parameters
    ----------
    claim : TensorClaim
        A claim with an ``expression`` (a gradient's, or a forward tensor's).
    problem : TensorProblem
        Its problem, with the values of its integer leaves.
    budget : int
        The most expression-tree nodes examined, over every entry of both sides.

    Notes
    -----
    The lowering and the sweep are O(scalar edges); each entry's comparison is a few exact
    evaluations of its expression tree (:func:`~symbackprop.calculus.equality.equivalent`),
    bounded in all by ``budget``.

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> from symbackprop.spec.tensor_claims import read_tensor_claims
    >>> problem = load_problem("tensor_mlp")
    >>> [claim] = read_tensor_claims([{"of": "dL/dZ1", "expression": "grad(H1) * (1 - Z1**2)"}],
    ...                              problem.graph, "claims")
    >>> decide(claim, problem)
    SymbolicVerdict(equal=False, 'entry [0,0] not shown equal')
    """
    assert claim.expression is not None  # decided only for a formula
    graph = problem.graph
    try:
        lowering = lower(graph, problem.values, where=problem.path or problem.title)
    except SymbackpropError:
        return SymbolicVerdict(False, "too large to lower to scalars")
    wanted = sorted({e.name for e in walk(claim.expression) if isinstance(e, Adj)}
                    | ({claim.node} if claim.kind == "gradient" else set()))
    composed = _Composed(lowering, wanted)
    integers = [name for name, node in graph.nodes.items() if node.dtype == "int"]
    numbers = graph.forward(problem.values) if integers else {}
    values: dict[str, Any] = {name: np.asarray(numbers[name], dtype=int) for name in integers}
    values.update((name, composed.forward(name)) for name in lowering.entries)
    adjoints = {name: composed.adjoint(name) for name in wanted}
    right = adjoints[claim.node] if claim.kind == "gradient" else values[claim.node]
    try:
        claimed = np.asarray(evaluate(claim.expression, values, adjoints, backend=OBJECT))
    except (SymbackpropError, TypeError, ValueError, KeyError):
        return SymbolicVerdict(False, "its operations have no symbolic form here")
    if claimed.shape != right.shape:
        return SymbolicVerdict(False, "a shape differs")
    pairs = list(zip(np.ndindex(*right.shape), claimed.flat, right.flat, strict=True))
    spent = 0
    for _, mine, truth in pairs:
        for side in (mine, truth):
            size = operation_count(sympy.sympify(side), limit=max(budget - spent, 0))
            if size is None:
                return SymbolicVerdict(False, f"over the budget of {budget:,} expression "
                                              "nodes")
            spent += size + 1
    for index, mine, truth in pairs:
        if not _same(sympy.sympify(mine), sympy.sympify(truth)):
            where = ",".join(map(str, index))
            return SymbolicVerdict(False, f"entry [{where}] not shown equal")
    return SymbolicVerdict(True, SHOWN_EQUAL)


def _same(mine: sympy.Expr, truth: sympy.Expr) -> bool:
    """Equal as functions: as written, else with ``tanh``, ``sigmoid`` ... written in ``exp``
    (``exp(-z) / (1 + exp(-z))**2`` for ``sigmoid(z) * (1 - sigmoid(z))``), there by the
    rational skeleton alone (``sympy.simplify`` of exponentials can take minutes)."""
    if equivalent(mine, truth):
        return True
    return equivalent(mine.rewrite(sympy.exp), truth.rewrite(sympy.exp), simplify_limit=0)


class _Composed:
    """Every scalar node of a lowering, and the adjoints of the entries of ``wanted``, as
    expressions in the leaf entries; each made once from its definition (small), with the
    composed expressions of what it reads put in."""

    def __init__(self, lowering: Lowering, wanted: list[str]) -> None:
        self.lowering = lowering
        scalar = lowering.graph
        self.done: dict[sympy.Symbol, sympy.Expr] = {}
        for name in scalar.nodes:
            node = scalar.node(name)
            if node.definition is not None:
                self.done[symbol(name)] = node.definition.xreplace(self.done)
        entries = [str(e) for name in wanted for e in lowering.entries[name].flat]
        sweep = gradients(scalar, wrt=entries) if entries else None
        if sweep is not None:
            for adjoint in sweep.adjoints:  # children first
                assert adjoint.symbol is not None
                self.done[adjoint.symbol] = adjoint.expression.xreplace(self.done)
        self.sweep = sweep

    def forward(self, tensor: str) -> np.ndarray:
        return self._array(tensor, lambda entry: self.done.get(symbol(entry), symbol(entry)))

    def adjoint(self, tensor: str) -> np.ndarray:
        assert self.sweep is not None
        sweep = self.sweep
        return self._array(tensor, lambda entry: sweep[entry].xreplace(self.done))

    def _array(self, tensor: str, entry: Any) -> np.ndarray:
        names = self.lowering.entries[tensor]
        result = np.empty(names.shape, dtype=object)
        for index in np.ndindex(*names.shape):
            result[index] = entry(str(names[index]))
        return result
