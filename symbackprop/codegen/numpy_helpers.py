"""The small functions that numpy layer-wise code defines beside the gradient function.

The large arrays of a wide layer are computed in place of one whose value is not needed again (a
fresh (batch, width) array per operation costs page faults and cache misses that dominate the
arithmetic at batch 10,000): ``scratch`` hands out the arrays a call writes into (kept in
``work=`` from call to call), ``sigmoid`` and ``softmax`` overwrite their argument, and the
``times_..._slope`` helpers multiply a delta by an activation's slope in place.
:mod:`symbackprop.codegen.layered` writes the code that calls them and, with
:func:`helpers_used`, only the helpers that code needs.

Examples
--------
>>> sorted(HELPER_NAMES)[:4]
['leaky_relu', 'row_max', 'row_sums', 'scratch']
>>> print(NUMPY_HELPERS["row_sums"].strip().splitlines()[0])
def row_sums(a):
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

__all__ = ["HELPER_NAMES", "NUMPY_HELPERS", "helpers_used", "scratch_call"]

NUMPY_HELPERS: Mapping[str, str] = MappingProxyType({
    "scratch": '''
def scratch(work, name, shape, fill=None):
    """An array of this shape to write into: a new one, or with work (a dict the caller keeps,
    one per thread) the one kept there under name, made anew only when too small. Memory reused
    so is not given back to the system and faulted in again, page by page, on the next call.
    With fill, every element is fill (such an array is only ever read)."""
    kept = None if work is None else work.get(name)
    if kept is None or kept.shape[0] < shape[0] or kept.shape[1:] != shape[1:]:
        kept = np.empty(shape) if fill is None else np.full(shape, fill)
        if work is not None:
            work[name] = kept
    return kept[:shape[0]]
''',
    "sigmoid": '''
def sigmoid(a):
    """1/(1 + exp(-a)), in place of a. exp(-a) = inf (a < -709) gives 0, as it should."""
    with np.errstate(over="ignore"):
        np.exp(np.negative(a, out=a), out=a)
    a += 1.0
    return np.reciprocal(a, out=a)
''',
    "softmax": '''
def softmax(a):
    """exp(a_j) / sum_i exp(a_i) along each row, in place of a; shifted by the row maximum, so
    nothing overflows."""
    a -= row_max(a)
    np.exp(a, out=a)
    a /= row_sums(a)
    return a
''',
    "row_max": '''
def row_max(a):
    """The largest element of each row, as a column. For a few columns, one pass per column is
    several times faster than numpy's reduction along a row (a.max(axis=1))."""
    if a.shape[1] > 16:
        return a.max(axis=1, keepdims=True)
    largest = a[:, 0].copy()
    for j in range(1, a.shape[1]):
        np.maximum(largest, a[:, j], out=largest)
    return largest[:, None]
''',
    "row_sums": '''
def row_sums(a):
    """The sum of each row, as a column: a matrix product with ones, several times faster than
    numpy's reduction along a row (a.sum(axis=1)) for a few columns."""
    return (a @ np.ones(a.shape[1]))[:, None]
''',
    "leaky_relu": '''
def leaky_relu(a, slope, out):
    """a where a > 0, else slope a, written into out."""
    np.multiply(a, slope, out=out)
    np.copyto(out, a, where=a > 0)
    return out
''',
    "times_sigmoid_slope": '''
def times_sigmoid_slope(delta, h):
    """delta h (1 - h), the sigmoid's slope at h = sigmoid(a), in place of delta (h becomes
    1 - h)."""
    delta *= h
    delta *= np.subtract(1.0, h, out=h)
    return delta
''',
    "times_softmax_slope": '''
def times_softmax_slope(delta, s):
    """s_j (delta_j - sum_i s_i delta_i) in each row: the softmax's Jacobian at s = softmax(a)
    (symmetric) times delta, in place of delta."""
    delta -= row_sums(s*delta)
    delta *= s
    return delta
''',
    "times_tanh_slope": '''
def times_tanh_slope(delta, h):
    """delta (1 - h^2), the slope of tanh at h = tanh(a), in place of delta (h becomes
    1 - h^2)."""
    np.multiply(h, h, out=h)
    delta *= np.subtract(1.0, h, out=h)
    return delta
''',
})
"""Each helper's source, by name, in the order generated code defines them."""

HELPER_NAMES = frozenset(NUMPY_HELPERS)
"""Functions that numpy layer-wise code may define beside the gradient function."""


def helpers_used(body: Sequence[str]) -> list[str]:
    """The source of the helpers the code lines call, and of those they call, in the order they
    are defined (comments after ``  #`` do not count).

    Examples
    --------
    >>> used = helpers_used(["h1 = sigmoid(a1)  # softmax(a1) in a comment is no call",
    ...                      "delta_a1 = np.multiply(delta_h1, sigmoid(a1), out=delta_h1)"])
    >>> [text.split("(")[0].strip() for text in used]
    ['def sigmoid']
    >>> [text.split("(")[0].strip() for text in helpers_used(["h2 = softmax(a2)"])]
    ['def softmax', 'def row_max', 'def row_sums']
    """
    code = [line.split("  #")[0] for line in body]
    used: set[str] = set()
    while True:
        found = {helper for helper in NUMPY_HELPERS
                 if any(re.search(rf"(?<![\w.]){helper}\(", line) for line in code)}
        if found <= used:
            break
        used |= found
        code = [NUMPY_HELPERS[helper] for helper in used]
    return [text for helper, text in NUMPY_HELPERS.items() if helper in used]


def scratch_call(name: str, shape: str, fill: str | None = None) -> str:
    """numpy code for the array ``name`` of ``shape`` that a call writes into (kept in work).

    Examples
    --------
    >>> scratch_call("a1", "(batch, 3)"), scratch_call("ones", "(batch,)", "1.0")
    ('scratch(work, "a1", (batch, 3))', 'scratch(work, "ones", (batch,), fill=1.0)')
    """
    return f'scratch(work, "{name}", {shape}' + ("" if fill is None else f", fill={fill}") + ")"
