"""Indexing a traced value: ``out[-1]``, ``x[:, 0]``, ``h[None]`` read into formulas, and
the :class:`Stack` of tensors (an RNN's outputs over time) that a pick along its stacking axis
reads item by item, with no node of the whole.

Examples
--------
>>> from symbackprop.interop.torch_formulas import Formula
>>> pick(Formula("X", (3, 2)), 0, ValueError).text
'X[0]'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import SpecError
from .torch_formulas import Formula, call, index, reshape, transpose

__all__ = ["Refuse", "Stack", "pick"]

#: How a refusal is made: what the step does wrong, to the error naming the step.
Refuse = Callable[[str], SpecError]


@dataclass(frozen=True)
class Stack:
    """Tensors stacked along ``axis`` that need no node of their own until something reads
    them whole: an RNN's outputs over time (``out[-1]`` is the last step's node), ``h_n``
    over layers.

    Examples
    --------
    >>> Stack((Formula("h1", (5,)), Formula("h2", (5,))), 1).materialized().text
    'concat(reshape(h1, shape=(5, 1)), reshape(h2, shape=(5, 1)), axis=1)'
    """

    items: tuple[Formula, ...]
    axis: int

    @property
    def shape(self) -> tuple[int, ...]:
        first = self.items[0].shape
        return (*first[:self.axis], len(self.items), *first[self.axis:])

    def materialized(self) -> Formula:
        """The stacked tensor as one formula (a ``concat`` of the items, each given the
        stacking axis)."""
        if len(self.items) == 1:
            return reshape(self.items[0], self.shape)
        parts = [reshape(item, (*item.shape[:self.axis], 1, *item.shape[self.axis:]))
                 for item in self.items]
        return call("concat", parts, self.shape, axis=self.axis)


def pick(value: Formula | Stack, key: Any, refuse: Refuse) -> Formula | Stack:
    """``value[key]`` for integers, full slices ``:``, ``None`` and ``...`` (and short
    ranges ``a:b``): a pick along the stacking axis of a stack is that item.  ``refuse``
    makes the error for what is not read, naming the step.

    Examples
    --------
    >>> from symbackprop.interop.torch_formulas import Formula
    >>> pick(Stack((Formula("h1", (4, 5)), Formula("h2", (4, 5))), 0), -1, ValueError)
    Formula('h2', (4, 5))
    >>> pick(Formula("X", (3, 2)), (slice(None), 1), ValueError).text
    'X.T[1]'
    """
    keys = list(key) if isinstance(key, tuple) else [key]
    rank = len(value.shape)
    if any(k is Ellipsis for k in keys):
        at = keys.index(Ellipsis)
        fill = rank - (len(keys) - 1 - sum(k is None for k in keys))
        keys[at:at + 1] = [slice(None)] * fill
    axes: list[Any] = []
    for k in keys:
        if (k is not None and not isinstance(k, int | slice)) or isinstance(k, bool):
            raise refuse(f"indexes with {type(k).__name__}; from_torch reads indexing by "
                         "integers, slices and None")
        axes.append(k)
    if isinstance(value, Stack):
        real = [k for k in axes if k is not None]
        if len(real) > value.axis and isinstance(real[value.axis], int) and all(
                k == slice(None) for k in real[:value.axis]):
            item = value.items[real[value.axis] % len(value.items)]
            rest = [k for k in axes if k is not None]
            rest = rest[:value.axis] + rest[value.axis + 1:]
            return pick(item, tuple(rest), refuse) if rest else item
        value = value.materialized()
    return _index(value, axes, refuse)


def _index(value: Formula, keys: list[Any], refuse: Refuse) -> Formula:
    shape, axis = value.shape, 0
    picks: dict[int, int] = {}
    kept: list[int] = []
    newaxes: list[int] = []
    for k in keys:
        if k is None:
            newaxes.append(len(kept))
            continue
        if axis >= len(shape):
            raise refuse("indexes more axes than the tensor has")
        if isinstance(k, int):
            picks[axis] = k % shape[axis]
        elif k != slice(None):
            start, stop, step = k.indices(shape[axis])
            chosen = list(range(start, stop, step))
            if not chosen or len(chosen) > 64:
                raise refuse(f"takes the slice {k.start}:{k.stop}:{k.step}, which from_torch "
                             "reads only for 1 to 64 entries")
            parts = [reshape(_pick_axis(value, axis, i), (*shape[:axis], 1, *shape[axis + 1:]))
                     for i in chosen]
            value = call("concat", parts, (*shape[:axis], len(chosen), *shape[axis + 1:]),
                         value.dtype, axis=axis) if len(parts) > 1 else parts[0]
            shape = value.shape
            kept.append(axis)
        else:
            kept.append(axis)
        axis += 1
    kept += list(range(axis, len(shape)))
    order = [*sorted(picks), *kept]
    moved = transpose(value, order)
    result = index(moved, [picks[a] for a in sorted(picks)]) if picks else moved
    if newaxes:
        out = list(result.shape)
        for at in newaxes:
            out.insert(at, 1)
        result = reshape(result, out)
    return result


def _pick_axis(value: Formula, axis: int, i: int) -> Formula:
    order = [axis, *(a for a in range(len(value.shape)) if a != axis)]
    return index(transpose(value, order), [i])
