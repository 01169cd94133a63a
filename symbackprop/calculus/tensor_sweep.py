"""Every parameter's gradient at the tensor level from one reverse sweep (``derive --wrt all``).

Examples
--------
>>> import numpy as np
>>> from symbackprop.graph.tensor import TensorNode
>>> from symbackprop.graph.tensor_build import build_tensor_graph
>>> graph = build_tensor_graph(
...     [TensorNode("x", "input", (2,)), TensorNode("w", "parameter", (2,)),
...      TensorNode("b", "parameter", ())], {"L": "sum((w*x + b)**2)"}, "L")
>>> grads = tensor_gradients(graph, {"x": np.array([1.0, 2.0]), "w": np.array([0.5, -1.0]),
...                                  "b": np.array(0.25)})
>>> grads
TensorGradients(dL/d(b, w), 3 adjoints)
>>> grads.gradients["w"], float(grads.gradients["b"])
(array([ 1.5, -7. ]), -2.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import GraphError, NoPathError
from ..graph.tensor import TensorGraph
from .paths import children_on_paths, on_paths
from .tensor_derivation import adjoint_sweep_tensor
from .tensor_terms import TensorAdjoint

__all__ = ["TensorGradients", "tensor_gradients"]


@dataclass(frozen=True, eq=False)
class TensorGradients:
    """Every parameter's gradient (of ``of``) and the adjoints of the sweep that gave them.

    Attributes
    ----------
    of : str
    parameters : tuple of str
        The tensors differentiated, in topological order.
    adjoints : tuple of TensorAdjoint
        Every node on a path from one of them to ``of``, ``of`` first.
    values : mapping of str to array, or None
        The forward pass, when numbers were given.

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("w", "parameter", ())], {"L": "w**3"}, "L")
    >>> tensor_gradients(graph).adjoint("w").expression
    Map(3*w**2*δL, ())
    """

    of: str
    parameters: tuple[str, ...]
    adjoints: tuple[TensorAdjoint, ...]
    values: Mapping[str, np.ndarray] | None = None

    def adjoint(self, node: str) -> TensorAdjoint:
        for adjoint in self.adjoints:
            if adjoint.node == node:
                return adjoint
        raise GraphError(f"{node!r} is not on a path to {self.of!r} from a parameter")

    @property
    def gradients(self) -> dict[str, np.ndarray]:
        """Each parameter's gradient's value (empty without numbers)."""
        if self.values is None:
            return {}
        found = {a.node: a.value for a in self.adjoints
                 if a.node in self.parameters and a.value is not None}
        return {name: found[name] for name in self.parameters if name in found}

    def __repr__(self) -> str:
        return (f"TensorGradients(d{self.of}/d({', '.join(self.parameters)}), "
                f"{len(self.adjoints)} adjoints)")


def tensor_gradients(graph: TensorGraph, values: Mapping[str, Any] | None = None, *,
                     wrt: Sequence[str] | None = None, of: str | None = None) -> TensorGradients:
    """The gradient of ``of`` (default: the output) with respect to every tensor of ``wrt``
    (default: every parameter on a path to it) from one reverse sweep.

    Raises
    ------
    NoPathError
        If none of ``wrt`` reaches ``of``.

    Notes
    -----
    One VJP built and (with numbers) evaluated per edge on the paths: the cost of one
    backward pass, however many parameters.

    Examples
    --------
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> graph = build_tensor_graph([TensorNode("w", "parameter", ())], {"L": "2*w"}, "L")
    >>> tensor_gradients(graph, {"w": 1.0}).gradients
    {'w': array(2.)}
    """
    of = graph.output if of is None else of
    graph.node(of)
    sources = graph.parameters if wrt is None else list(wrt)
    for name in sources:
        if graph.node(name).dtype == "int":
            raise GraphError(f"{name!r} holds integers (labels, indices): it has no gradient")
    reached = on_paths(graph, sources, of)
    reaching = tuple(name for name in graph.order if name in sources and name in reached)
    if not reaching:
        raise NoPathError(f"{of} depends on none of {', '.join(sources) or 'no parameters'}")
    children = children_on_paths(graph, reached)
    forward = graph.forward(values) if values is not None else None
    adjoints = adjoint_sweep_tensor(graph, children, of, forward)
    return TensorGradients(of, reaching, adjoints, forward)
