"""What a new box of a picture must keep clear of, found by where it is rather than by looking
at everything: boxes and edges bucketed in a grid of square cells.

:class:`Obstacles` answers "which boxes, which edges could touch this region?" with a superset
of the true answer (every item whose cells meet the region's cells), so that a caller testing
each one exactly gets the same verdict as testing all of them, in time that grows with what is
near rather than with the whole picture.  Items added after a :meth:`Obstacles.mark` can be taken
back with :meth:`Obstacles.rollback` (a trial placement that failed).

Examples
--------
>>> from symbackprop.draw.geometry import Box
>>> obstacles = Obstacles(cell=1.0)
>>> obstacles.add_box("a", Box(0, 0, 1, 1))
>>> obstacles.add_segment((0.0, 5.0), (9.0, 5.0))
>>> [name for name, _ in obstacles.boxes_near(Box(0.5, 0.5, 0.6, 0.6))]
['a']
>>> obstacles.boxes_near(Box(7, 7, 8, 8)), len(obstacles.segments_near(Box(4, 4.9, 4.1, 5.1)))
([], 1)
"""

from __future__ import annotations

import math

from .geometry import Box, Point

__all__ = ["Obstacles"]

Cell = tuple[int, int]


class Obstacles:
    """Named boxes and segments in a grid of ``cell``-wide squares (see the module docstring).

    Parameters
    ----------
    cell : float
        The side of a grid cell (inches); about the size of a node is right.

    Examples
    --------
    >>> from symbackprop.draw.geometry import Box
    >>> obstacles = Obstacles(cell=0.5)
    >>> obstacles.add_box("h1", Box(0, 0, 0.4, 0.4))
    >>> mark = obstacles.mark()
    >>> obstacles.add_box("", Box(0.2, 0.2, 0.3, 0.3))
    >>> len(obstacles.boxes_near(Box(0, 0, 1, 1)))
    2
    >>> obstacles.rollback(mark)
    >>> len(obstacles.boxes_near(Box(0, 0, 1, 1)))
    1
    """

    def __init__(self, cell: float) -> None:
        self.cell = cell
        self._boxes: list[tuple[str, Box]] = []
        self._box_keys: list[list[Cell]] = []
        self._box_cells: dict[Cell, list[int]] = {}
        self._segments: list[tuple[Point, Point]] = []
        self._segment_keys: list[list[Cell]] = []
        self._segment_cells: dict[Cell, list[int]] = {}

    def _span(self, low: float, high: float) -> range:
        return range(math.floor(low / self.cell), math.floor(high / self.cell) + 1)

    def _cells(self, box: Box) -> list[Cell]:
        return [(i, j) for i in self._span(box.x0, box.x1) for j in self._span(box.y0, box.y1)]

    def add_box(self, name: str, box: Box) -> None:
        """Add ``box`` under ``name``; any region whose cells meet its cells finds it."""
        keys = self._cells(box)
        for key in keys:
            self._box_cells.setdefault(key, []).append(len(self._boxes))
        self._boxes.append((name, box))
        self._box_keys.append(keys)

    def add_segment(self, p: Point, q: Point) -> None:
        """Add the segment ``p``-``q``, bucketed by the cells it crosses (one cell of margin
        above and below in each column of cells, against rounding)."""
        (x0, y0), (x1, y1) = sorted((p, q))
        keys = []
        for i in self._span(x0, x1):
            if x1 == x0:
                low, high = min(y0, y1), max(y0, y1)
            else:
                left, right = max(x0, i * self.cell), min(x1, (i + 1) * self.cell)
                slope = (y1 - y0) / (x1 - x0)
                ya, yb = y0 + slope * (left - x0), y0 + slope * (right - x0)
                low, high = min(ya, yb), max(ya, yb)
            span = self._span(low, high)
            keys += [(i, j) for j in range(span.start - 1, span.stop + 1)]
        for key in keys:
            self._segment_cells.setdefault(key, []).append(len(self._segments))
        self._segments.append((p, q))
        self._segment_keys.append(keys)

    def mark(self) -> tuple[int, int]:
        """How many boxes and segments there are now, for :meth:`rollback`."""
        return len(self._boxes), len(self._segments)

    def rollback(self, mark: tuple[int, int]) -> None:
        """Take back every box and segment added since ``mark``."""
        boxes, segments = mark
        while len(self._boxes) > boxes:
            for key in self._box_keys.pop():
                self._box_cells[key].pop()
            self._boxes.pop()
        while len(self._segments) > segments:
            for key in self._segment_keys.pop():
                self._segment_cells[key].pop()
            self._segments.pop()

    def _near(self, cells: dict[Cell, list[int]], region: Box) -> list[int]:
        found: set[int] = set()
        for key in self._cells(region):
            found.update(cells.get(key, ()))
        return sorted(found)

    def boxes_near(self, region: Box) -> list[tuple[str, Box]]:
        """Every box that may meet ``region`` (and some that do not), in the order added."""
        return [self._boxes[k] for k in self._near(self._box_cells, region)]

    def segments_near(self, region: Box) -> list[tuple[Point, Point]]:
        """Every segment that may meet ``region`` (and some that do not), in the order added."""
        return [self._segments[k] for k in self._near(self._segment_cells, region)]
