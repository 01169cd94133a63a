"""The one registry of tensor operations: :data:`OPS`, each an
:class:`~symbackprop.rules.tensor.opspec.OpSpec` (arguments, attributes, shape rule, forward
pass, textbook VJP per argument, notation), checked complete when it is imported.

Elementwise functions are not operations: a formula's ``tanh``, ``*`` or ``gelu`` becomes a
:class:`~symbackprop.rules.tensor.expr.Map`, differentiated with sympy on the scalar
expression (so ``tanh`` gives ``1 - H**2`` and ``sigmoid`` gives ``H*(1 - H)``, from the
functions' own textbook derivatives).

Examples
--------
>>> sorted(name for name, spec in OPS.items() if not spec.backward_only)[:6]
['avg_pool', 'batch_norm', 'concat', 'conv1d', 'conv2d', 'cross_entropy']
>>> OPS["matmul"].notation, OPS["sum_to"].backward_only
('infix', True)
"""

from __future__ import annotations

import types
from collections.abc import Mapping

from .ops_conv import CONV_OPS
from .ops_linear import LINEAR_OPS
from .ops_nn import NN_OPS
from .ops_reduce import REDUCE_OPS
from .opspec import ATTR_KINDS, OpSpec

__all__ = ["FORMULA_OPS", "NOTATIONS", "OPS"]

#: the notation classes a printer distinguishes (:mod:`symbackprop.rules.tensor.opspec`)
NOTATIONS = ("infix", "postfix", "reduction", "axis", "call")


def _table(*groups: tuple[OpSpec, ...]) -> Mapping[str, OpSpec]:
    table: dict[str, OpSpec] = {}
    for spec in (spec for group in groups for spec in group):
        problems = []
        if spec.name in table:
            problems.append("defined twice")
        if spec.notation not in NOTATIONS:
            problems.append(f"notation {spec.notation!r}")
        if spec.variadic is None and len(spec.vjps) != len(spec.params):
            problems.append(f"{len(spec.vjps)} VJPs for {len(spec.params)} arguments")
        if spec.backward_only and any(v is not None for v in spec.vjps):
            problems.append("a backward-only operation with a VJP")
        if not spec.backward_only and spec.variadic is None and all(
                v is None for v in spec.vjps):
            problems.append("no argument has a VJP")
        problems += [f"attribute {k!r} of kind {a.kind!r}" for k, a in spec.attrs.items()
                     if a.kind not in ATTR_KINDS]
        problems += [f"int parameter {p!r}" for p in spec.int_params if p not in spec.params]
        problems += [f"linear argument {i}" for i in spec.linear
                     if not 0 <= i < len(spec.params)]
        if problems:
            raise ValueError(f"tensor operation {spec.name!r}: {'; '.join(problems)}")
        table[spec.name] = spec
    return types.MappingProxyType(table)


OPS: Mapping[str, OpSpec] = _table(LINEAR_OPS, REDUCE_OPS, NN_OPS, CONV_OPS)
"""Every tensor operation by name."""

FORMULA_OPS: tuple[str, ...] = tuple(sorted(n for n, s in OPS.items() if not s.backward_only))
"""The operations a formula may call (``index`` and ``transpose`` are written ``X[i]`` and
``X.T`` as well)."""
