"""The computation graph: a networkx DAG of sympy nodes, layered networks and their surgery.

- :mod:`~symbackprop.graph.node`: :class:`Node`, its kinds, and the names a node may take;
- :mod:`~symbackprop.graph.computation`: :class:`ComputationGraph`, built from nodes or from
  formulas (:meth:`ComputationGraph.from_definitions`), with its local partials;
- :mod:`~symbackprop.graph.evaluation`: every way numbers are put into the graph's expressions
  (the forward pass, :func:`direct_evaluator`, whole-expression evaluation, ``lambdify``);
- :mod:`~symbackprop.graph.precision`: float64 first, and many digits (mpmath) where a
  probability underflows: :func:`~symbackprop.graph.precision.stable`;
- :mod:`~symbackprop.graph.network`: :class:`LayeredNetwork` and :func:`surgery`, which makes
  every weight and bias a node of its own;
- :mod:`~symbackprop.graph.tensor`: :class:`TensorGraph`, the DAG of named tensors whose edges'
  local derivatives are vector-Jacobian products, built from formulas (composite layers
  expanded on request) by :mod:`~symbackprop.graph.tensor_build`;
- :mod:`~symbackprop.graph.tensor_lowering`: a small tensor graph lowered to a
  :class:`ComputationGraph`, one node per entry (``W1[2,3]``): :func:`lower`.

May import :mod:`symbackprop.rules`, :mod:`symbackprop.errors` and :mod:`symbackprop.naming`.
"""

from __future__ import annotations

from .computation import ComputationGraph
from .evaluation import Evaluator, direct_evaluator
from .network import BIAS_MODES, NAMINGS, LayeredNetwork, surgery
from .node import LEAF_KINDS, NODE_KINDS, Node, NodeKind
from .tensor import TensorGraph, TensorNode
from .tensor_lowering import Lowering, lower

__all__ = [
    "BIAS_MODES",
    "LEAF_KINDS",
    "NAMINGS",
    "NODE_KINDS",
    "ComputationGraph",
    "Evaluator",
    "LayeredNetwork",
    "Lowering",
    "Node",
    "NodeKind",
    "TensorGraph",
    "TensorNode",
    "direct_evaluator",
    "lower",
    "surgery",
]
