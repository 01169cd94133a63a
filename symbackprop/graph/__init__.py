"""The computation graph: a networkx DAG of sympy nodes, layered networks and their surgery.

- :mod:`~symbackprop.graph.computation`: :class:`Node`, :class:`ComputationGraph`, evaluation;
- :mod:`~symbackprop.graph.network`: :class:`LayeredNetwork` and :func:`surgery`, which makes
  every weight and bias a node of its own.

May import :mod:`symbackprop.rules`, :mod:`symbackprop.errors` and :mod:`symbackprop.naming`.
"""

from __future__ import annotations

from .computation import (
    LEAF_KINDS,
    NODE_KINDS,
    ComputationGraph,
    Evaluator,
    Node,
    NodeKind,
    direct_evaluator,
)
from .network import BIAS_MODES, NAMINGS, LayeredNetwork, surgery

__all__ = [
    "BIAS_MODES",
    "LEAF_KINDS",
    "NAMINGS",
    "NODE_KINDS",
    "ComputationGraph",
    "Evaluator",
    "LayeredNetwork",
    "Node",
    "NodeKind",
    "direct_evaluator",
    "surgery",
]
