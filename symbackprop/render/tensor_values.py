r"""Tensor values as pages print them: the display rule for a matrix, in text and in LaTeX.

The rule (:func:`summarised`): a tensor prints whole when its last two axes have at most
:data:`WHOLE` (6) rows and columns and it has at most that many slices along its leading
axes; a larger one prints its first and last :data:`EDGE` (3) rows, columns and slices with
``…`` (``⋮``, ``\cdots``) between them, and a line giving its shape, its Frobenius norm and
its largest entry in absolute value.  ``full=True`` (``--full``) prints every entry.  A
vector is one row; a scalar is its number.  Entries have
:data:`~symbackprop.render.numbers.DISPLAY_DIGITS` significant digits, a scalar
:data:`~symbackprop.render.numbers.VALUE_DIGITS` (as the scalar pages print a value read on
its own).  JSON writes at full precision the entries it holds: the gradient whole, other values
past this rule summarised the same way (:func:`kept`; :mod:`symbackprop.render.tensor_data`).

Examples
--------
>>> import numpy as np
>>> print("\n".join(matrix_text(np.array([[1.0, -0.5], [0.25, 2.0]]))))
⎡   1  -0.5⎤
⎣0.25     2⎦
>>> print("\n".join(matrix_text(np.arange(64.0).reshape(8, 8))))
⎡ 0   1   2  …   5   6   7⎤
⎢ 8   9  10  …  13  14  15⎥
⎢16  17  18  …  21  22  23⎥
⎢ ⋮   ⋮   ⋮  ⋱   ⋮   ⋮   ⋮⎥
⎢40  41  42  …  45  46  47⎥
⎢48  49  50  …  53  54  55⎥
⎣56  57  58  …  61  62  63⎦
(8, 8): ‖·‖ = 292.1369542, max |entry| = 63
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

from .numbers import DISPLAY_DIGITS, FACTOR_DIGITS, VALUE_DIGITS, latex_number, text_number
from .widths import width

__all__ = ["EDGE", "WHOLE", "kept", "matrix_latex", "matrix_text", "summarised", "summary_text"]

WHOLE = 6
"""A tensor prints whole up to this many rows, columns and leading slices."""
EDGE = 3
"""A larger one prints this many of each at either end."""

_GAP = None  # a row, column or slice left out


def summarised(value: np.ndarray) -> bool:
    """Whether ``value`` is too large to print whole (the module's rule).

    Examples
    --------
    >>> summarised(np.zeros((6, 6))), summarised(np.zeros((7, 2))), summarised(np.zeros(7))
    (False, True, True)
    >>> summarised(np.zeros((7, 1, 2))), summarised(np.zeros(()))
    (True, False)
    """
    shape = value.shape
    if len(shape) <= 2:
        return any(n > WHOLE for n in shape)
    return any(n > WHOLE for n in shape[-2:]) or int(np.prod(shape[:-2])) > WHOLE


def _picks(n: int, cut: bool) -> list[int | None]:
    if not cut or n <= WHOLE:
        return list(range(n))
    return [*range(EDGE), _GAP, *range(n - EDGE, n)]


def kept(shape: tuple[int, ...]) -> list[list[int]]:
    """The indices a summary keeps along each axis of a tensor of ``shape``: an axis longer
    than :data:`WHOLE` its first and last :data:`EDGE`, a shorter one every index (the rows
    and columns the text prints, axis by axis; JSON's summary of a tensor).

    Examples
    --------
    >>> kept((8, 2))
    [[0, 1, 2, 5, 6, 7], [0, 1]]
    >>> kept(())
    []
    """
    return [[i for i in _picks(n, True) if i is not None] for n in shape]


def _slices(value: np.ndarray, cut: bool) -> Iterator[tuple[tuple[int, ...] | None, np.ndarray]]:
    """The matrices of ``value`` (its last two axes; a vector is one row), each with its index
    along the leading axes (``None`` for the slices left out)."""
    if value.ndim <= 2:
        yield (), np.atleast_2d(value)
        return
    leading = list(itertools.product(*(range(n) for n in value.shape[:-2])))
    for pick in _picks(len(leading), cut):
        yield (None, value[leading[0]]) if pick is None else (leading[pick], value[leading[pick]])


def summary_text(value: np.ndarray) -> str:
    """The line under a summarised tensor: shape, Frobenius norm, largest |entry|.

    Examples
    --------
    >>> summary_text(np.array([[3.0, -4.0]]))
    '(1, 2): ‖·‖ = 5, max |entry| = 4'
    """
    norm = float(np.linalg.norm(value))
    top = float(np.max(np.abs(value), initial=0.0))
    return (f"{tuple(value.shape)}: ‖·‖ = {text_number(norm)}, "
            f"max |entry| = {text_number(top)}")


def matrix_text(value: np.ndarray, *, full: bool = False) -> list[str]:
    """``value`` as lines of text by the display rule (every entry with ``full``); a leading
    slice is headed by its index, ``[0, :, :]``.

    Examples
    --------
    >>> matrix_text(np.array(0.1 + 0.2)), matrix_text(np.array([1.0, 2.0, 3.0]))
    (['0.3'], ['[1  2  3]'])
    >>> print("\\n".join(matrix_text(np.arange(4.0).reshape(2, 1, 2))))
    [0, :, :] = [0  1]
    [1, :, :] = [2  3]
    """
    if value.ndim == 0:
        return [text_number(float(value), VALUE_DIGITS)]
    cut = not full and summarised(value)
    lines: list[str] = []
    for index, matrix in _slices(value, cut):
        rows = _grid(matrix, cut)
        if value.ndim > 2:
            if index is None:
                lines.append("…")
                continue
            head = f"[{', '.join(map(str, index))}, :, :] = "
            rows = [head + rows[0], *(" " * len(head) + r for r in rows[1:])]
        lines += rows
    if cut:
        lines.append(summary_text(value))
    return lines


def _grid(matrix: np.ndarray, cut: bool) -> list[str]:
    rows, columns = _picks(matrix.shape[0], cut), _picks(matrix.shape[1], cut)
    cells = [["⋮" if r is None or c is None else text_number(float(matrix[r, c]), DISPLAY_DIGITS)
              for c in columns] for r in rows]
    for i, r in enumerate(rows):
        for j, c in enumerate(columns):
            if c is None:
                cells[i][j] = "⋱" if r is None else "…"
    widths = [max(len(row[j]) for row in cells) for j in range(len(columns))]
    body = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True))
            for row in cells]
    if len(body) == 1:
        return [f"[{body[0]}]"]
    left = ["⎡", *["⎢"] * (len(body) - 2), "⎣"]
    right = ["⎤", *["⎥"] * (len(body) - 2), "⎦"]
    return [f"{a}{b}{c}" for a, b, c in zip(left, body, right, strict=True)]


def matrix_latex(value: np.ndarray, *, full: bool = False) -> str:
    r"""``value`` as LaTeX math by the display rule: an ``array`` in brackets (no limit on its
    columns), each leading slice headed by its index, and for a summarised tensor its shape,
    norm and largest entry; several of these stand one under the other (so that the page's
    width is a matrix's).

    Examples
    --------
    >>> print(matrix_latex(np.array([[1.0, -0.5]])))
    \left[\begin{array}{rr}1 & -0.5\end{array}\right]
    >>> print(matrix_latex(np.zeros(8)))  # doctest: +NORMALIZE_WHITESPACE
    \begin{array}{@{}l@{}}\left[\begin{array}{rrrcrrr}0 & 0 & 0 & \cdots & 0 & 0 &
    0\end{array}\right] \\[2pt] {\scriptstyle (8):\ \lVert\cdot\rVert = 0,\
    \max\lvert\cdot\rvert = 0}\end{array}
    """
    if value.ndim == 0:
        return latex_number(float(value), VALUE_DIGITS)
    cut = not full and summarised(value)
    parts = []
    for index, matrix in _slices(value, cut):
        if index is None:
            parts.append(r"\vdots")
            continue
        grid = _array(matrix, cut)
        parts.append(f"[{', '.join(map(str, index))}, :, :]\\colon {grid}" if value.ndim > 2
                     else grid)
    if cut:
        norm = latex_number(float(np.linalg.norm(value)), DISPLAY_DIGITS)
        top = latex_number(float(np.max(np.abs(value), initial=0.0)), DISPLAY_DIGITS)
        shape = r" \times ".join(map(str, value.shape))
        parts.append(rf"{{\scriptstyle ({shape}):\ \lVert\cdot\rVert = {norm},\ "
                     rf"\max\lvert\cdot\rvert = {top}}}")
    if len(parts) == 1:
        return parts[0]
    return r"\begin{array}{@{}l@{}}" + r" \\[2pt] ".join(parts) + r"\end{array}"


WIDE_EM = 26.0
"""A matrix estimated wider than this (em) prints in LaTeX in script size, its entries to
:data:`~symbackprop.render.numbers.FACTOR_DIGITS` significant digits (as a scalar page's
factors), closer together, so that it fits the page beside its left side."""


def _array(matrix: np.ndarray, cut: bool, digits: int = DISPLAY_DIGITS) -> str:
    rows, columns = _picks(matrix.shape[0], cut), _picks(matrix.shape[1], cut)
    grid: list[list[str]] = []
    for r in rows:
        cells = []
        for c in columns:
            if r is None:
                cells.append(r"\ddots" if c is None else r"\vdots")
            elif c is None:
                cells.append(r"\cdots")
            else:
                cells.append(latex_number(float(matrix[r, c]), digits))
        grid.append(cells)
    wide = sum(max(width(row[j]) for row in grid) + 0.8 for j in range(len(columns)))
    if wide > WIDE_EM and digits == DISPLAY_DIGITS:
        return _array(matrix, cut, FACTOR_DIGITS)
    small = r"\scriptstyle " if digits != DISPLAY_DIGITS else ""
    lines = [" & ".join(small + cell for cell in row) for row in grid]
    gap = r"@{\;\;}" if small else ""
    align = gap.join("c" if c is None else "r" for c in columns)
    return rf"\left[\begin{{array}}{{{align}}}" + r" \\ ".join(lines) + r"\end{array}\right]"
