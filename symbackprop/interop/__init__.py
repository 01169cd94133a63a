"""Bring your own model: problems from PyTorch, micrograd-style graphs, sympy and networkx.

- :mod:`~symbackprop.interop.torch_models`: :func:`from_torch`, a PyTorch model, one sample
  and a loss (torch is imported only when it is called: the ``[torch]`` extra);
- :mod:`~symbackprop.interop.chain`: the plain description it reads a model into (dense
  layers, activations, a loss) and the problem of it: a layered network where the format holds
  the model, else a general graph;
- :mod:`~symbackprop.interop.micrograd`: :func:`from_micrograd`, a graph of micrograd-style
  ``Value`` objects (duck-typed, no dependency);
- :mod:`~symbackprop.interop.sympy_expr`: :func:`from_sympy`, an expression or a set of
  definitions;
- :mod:`~symbackprop.interop.networkx_graph`: :func:`from_networkx`, a DiGraph whose nodes
  carry formulas;
- :mod:`~symbackprop.interop.exact`: numbers from a model made exact, as a file reads them.

Each returns a :class:`~symbackprop.spec.Problem`, which :meth:`~symbackprop.spec.Problem.to_toml`
writes as a problem file.

On the numeric row of the layers, beside ``numeric`` and independent of it: may
import :mod:`symbackprop.spec`, :mod:`symbackprop.graph` and :mod:`symbackprop.rules` (and the
foundation modules).
"""

from __future__ import annotations

from .micrograd import from_micrograd
from .networkx_graph import from_networkx
from .sympy_expr import from_sympy
from .torch_models import from_torch

__all__ = ["from_micrograd", "from_networkx", "from_sympy", "from_torch"]
