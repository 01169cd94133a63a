"""Bring your own model: problems from PyTorch, micrograd-style graphs, sympy and networkx.

- :mod:`~symbackprop.interop.torch_models`: :func:`from_torch`, a PyTorch model, its inputs
  and targets and a loss, at the scalar or the tensor level (torch is imported only when it is
  called: the ``[torch]`` extra);
- the tensor level: :mod:`~symbackprop.interop.torch_tensor` (the route: trace, read, check),
  :mod:`~symbackprop.interop.torch_trace` (``torch.fx`` and the user's lines),
  :mod:`~symbackprop.interop.torch_fx` (the reader of traced steps),
  :mod:`~symbackprop.interop.torch_draft` and :mod:`~symbackprop.interop.torch_formulas` (the
  problem and its formula text being written), and the translators:
  :mod:`~symbackprop.interop.torch_layers`, :mod:`~symbackprop.interop.torch_activations`,
  :mod:`~symbackprop.interop.torch_recurrent`, :mod:`~symbackprop.interop.torch_attention`,
  :mod:`~symbackprop.interop.torch_losses`, :mod:`~symbackprop.interop.torch_functions`;
- the scalar level: :mod:`~symbackprop.interop.torch_scalar` (one sample through a chain) and
  :mod:`~symbackprop.interop.chain`, the plain description it reads a model into (dense layers,
  activations, a loss) and the problem of it: a layered network where the format holds the
  model, else a general graph;
- :mod:`~symbackprop.interop.micrograd`: :func:`from_micrograd`, a graph of micrograd-style
  ``Value`` objects (duck-typed, no dependency);
- :mod:`~symbackprop.interop.sympy_expr`: :func:`from_sympy`, an expression or a set of
  definitions;
- :mod:`~symbackprop.interop.networkx_graph`: :func:`from_networkx`, a DiGraph whose nodes
  carry formulas;
- :mod:`~symbackprop.interop.exact`: numbers from a model made exact, as a file reads them.

Each returns a :class:`~symbackprop.spec.Problem` (``from_torch`` at the tensor level a
:class:`~symbackprop.spec.tensor.TensorProblem`), which ``to_toml()`` writes as a problem file.

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
