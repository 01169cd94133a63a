"""The tensor problem a PyTorch model is read into, while it is being written.

A :class:`Draft` collects the problem's leaves (inputs, targets, parameters, constants, each
with its numbers and where they come from) and its nodes (formula text in the matrix grammar,
:mod:`symbackprop.interop.torch_formulas`), names them (the textbook's letters, numbered: ``Z1``
the first linear layer's output, ``W1`` its weight), and builds the
:class:`~symbackprop.spec.tensor.TensorProblem`.  No torch object is held: the numbers are numpy
arrays.

Examples
--------
>>> import numpy as np
>>> from symbackprop.interop.torch_formulas import call, matmul, number, power, transpose
>>> draft = Draft()
>>> x = draft.leaf("X", "input", np.ones((4, 3)), origin="x")
>>> w = draft.leaf("W", "parameter", np.zeros((2, 3)), origin="model.fc.weight", number=True)
>>> z = draft.node("Z", matmul(x, transpose(w), (4, 2)))
>>> z, draft.formulas
(Formula('Z1', (4, 2)), {'Z1': 'X @ W1.T'})
>>> draft.node("L", call("mean", [power(z, number(2), (4, 2))], ()), name="L")
Formula('L', ())
>>> draft.problem("L", title="tiny").graph
TensorGraph(4 nodes, 3 edges, output='L')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..graph.tensor import TensorNode
from ..graph.tensor_build import build_tensor_graph
from ..spec.tensor import TensorProblem
from .torch_formulas import Formula

__all__ = ["Draft"]


@dataclass
class _Leaf:
    kind: str
    values: np.ndarray
    dtype: str
    origin: str


@dataclass
class Draft:
    """The problem being written: leaves, nodes (formula text in dependency order), their
    origins, notes for the description, and torch's value of each node to check against.

    Names are the textbook's letters numbered per letter (``Z1``, ``Z2``, ``W1``); a name
    already taken gets a suffix (``Z1_2``).

    Examples
    --------
    >>> draft = Draft()
    >>> draft.fresh("Z1"), draft.fresh("Z1"), draft.count("W"), draft.count("W")
    ('Z1', 'Z1_2', 1, 2)
    """

    leaves: dict[str, _Leaf] = field(default_factory=dict)
    formulas: dict[str, str] = field(default_factory=dict)
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    checks: list[tuple[str, np.ndarray, str]] = field(default_factory=list)
    _counts: dict[str, int] = field(default_factory=dict)
    _reserved: set[str] = field(default_factory=lambda: {"L"})

    def fresh(self, name: str) -> str:
        """``name`` if no tensor has it, else ``name_2``, ``name_3`` ...; now taken."""
        chosen, n = name, 1
        while chosen in self._reserved:
            n += 1
            chosen = f"{name}_{n}"
        self._reserved.add(chosen)
        return chosen

    def count(self, letter: str) -> int:
        """The next number of ``letter`` (1, 2 ...)."""
        self._counts[letter] = self._counts.get(letter, 0) + 1
        return self._counts[letter]

    def leaf(self, name: str, kind: str, values: np.ndarray, *, origin: str,
             number: bool = False) -> Formula:
        """A leaf of ``kind`` (input, target, parameter, constant) with its values; named
        ``name`` (``name{n}`` with ``number``)."""
        if number:
            name = f"{name}{self.count(name)}"
        chosen = self.fresh(name)
        dtype = "int" if np.issubdtype(values.dtype, np.integer) or values.dtype == bool \
            else "float"
        array = np.asarray(values, dtype=int if dtype == "int" else float)
        self.leaves[chosen] = _Leaf(kind, array, dtype, origin)
        self.shapes[chosen] = tuple(array.shape)
        return Formula(chosen, tuple(array.shape), dtype)

    def node(self, letter: str, formula: Formula, *, name: str | None = None) -> Formula:
        """A computed node defined by ``formula``, named ``name`` or ``{letter}{n}``."""
        if name == "L":  # the loss: reserved from the start
            chosen = name
        else:
            chosen = self.fresh(name if name is not None else f"{letter}{self.count(letter)}")
        self.formulas[chosen] = formula.text
        self.shapes[chosen] = formula.shape
        return Formula(chosen, formula.shape, formula.dtype)

    def check(self, formula: Formula, value: np.ndarray, where: str) -> None:
        """Hold the node ``formula`` (a name) to torch's ``value`` once the problem is built."""
        if formula.text in self.shapes:
            self.checks.append((formula.text, value, where))

    def problem(self, output: str, *, title: str = "", source: str = "",
                description: str = "") -> TensorProblem:
        """The tensor problem of the leaves and formulas, ``output`` its loss."""
        leaves = [TensorNode(name, leaf.kind, leaf.values.shape, leaf.dtype)
                  for name, leaf in self.leaves.items()]
        graph = build_tensor_graph(leaves, self.formulas, output, title=title,
                                   where="the model's problem:")
        return TensorProblem(
            graph=graph, values={name: leaf.values for name, leaf in self.leaves.items()},
            title=title, source=source, description=description,
            origins=self.origins)

    @property
    def origins(self) -> Mapping[str, str]:
        """Where each leaf's numbers come from (``W1``: ``model.fc1.weight``)."""
        return {name: leaf.origin for name, leaf in self.leaves.items()}
