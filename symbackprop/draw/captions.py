r"""The words around a picture, the same in every format: its title, one legend row per path and
the note.

Every writer (:mod:`symbackprop.draw`, :mod:`symbackprop.draw.tikz`, :mod:`symbackprop.draw.dot`)
reads its title and legend from here, so the three formats say the same thing.  The texts are LaTeX
(math mode where named so); matplotlib typesets them as mathtext, Graphviz writes its own HTML
labels from the same scene.

Examples
--------
>>> from symbackprop import derive, load_problem
>>> from symbackprop.draw.scene import derivation_scene
>>> scene = derivation_scene(derive(load_problem("mazur_2_2_2").graph, "w1"))
>>> title_math(scene), title_text(scene)
('\\partial \\mathcal{L} / \\partial w_{1}', '2 paths')
"""

from __future__ import annotations

import textwrap

from .geometry import text_size
from .scene import Scene, ScenePath

__all__ = ["LEGEND_FONT", "legend_size", "note_lines", "path_chain", "title_math", "title_text"]

LEGEND_FONT = 9.5
"""Font size (pt) of the legend rows."""


def title_math(scene: Scene) -> str:
    r"""The derivative drawn, in math mode: ``\partial L / \partial w``.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.draw.scene import derivation_scene
    >>> title_math(derivation_scene(derive(load_problem("mazur_2_2_2").graph, "w5")))
    '\\partial \\mathcal{L} / \\partial w_{5}'
    """
    return rf"\partial {scene.latex[scene.of]} / \partial {scene.latex[scene.wrt]}"


def title_text(scene: Scene) -> str:
    """How many paths the picture shows, and whether only their union is drawn.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.draw.scene import derivation_scene
    >>> derivation = derive(load_problem("mazur_2_2_2").graph, "w1")
    >>> title_text(derivation_scene(derivation, max_coloured=1))
    '2 paths (too many to colour one by one: their union is drawn)'
    """
    plural = "path" if scene.path_count == 1 else "paths"
    text = f"{scene.path_count:,} {plural}"
    if not scene.coloured:
        text += " (too many to colour one by one: their union is drawn)"
    return text


def path_chain(scene: Scene, path: ScenePath) -> str:
    r"""A path's legend row in math mode: its nodes joined by arrows (or, for the union of all
    paths, the words saying so).

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.draw.scene import derivation_scene
    >>> scene = derivation_scene(derive(load_problem("mazur_2_2_2").graph, "w5"))
    >>> path_chain(scene, scene.paths[0])
    'w_{5} \\to a_{21} \\to \\hat{y}_{1} \\to \\mathcal{L}'
    """
    if path.style.number == 0:
        return rf"\text{{every edge from }} {scene.latex[scene.wrt]} \text{{ to }} " \
               rf"{scene.latex[scene.of]}"
    return r" \to ".join(scene.latex[n] for n in path.nodes)


def legend_size(scene: Scene) -> tuple[float, float]:
    """An upper estimate of the legend's (width, height) in inches: one row per path, then the
    note.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.draw.scene import derivation_scene
    >>> width, height = legend_size(derivation_scene(derive(load_problem("mazur_2_2_2").graph,
    ...                                                     "w1")))
    >>> 3 < width < 4, round(height, 2)
    (True, 0.69)
    """
    rows = [text_size(path_chain(scene, p) + "= -0.0000000", LEGEND_FONT)[0]
            for p in scene.paths]
    width = 0.75 + max(rows, default=0.0)
    height = 0.27 * len(scene.paths) + 0.22 * len(note_lines(scene)) + 0.15
    return width, height


def note_lines(scene: Scene) -> list[str]:
    """The note, wrapped to the width of the picture (at least 60 characters a line).

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.draw.scene import derivation_scene
    >>> derivation = derive(load_problem("padhai_4_4_2").graph, "w131")
    >>> lines = note_lines(derivation_scene(derivation, before_surgery=True))
    >>> len(lines), lines[1]
    (2, 'differ inside a neuron (a softmax couples its outputs) coincide.')
    """
    if not scene.note:
        return []
    columns = max(60, int(scene.layout.bounds().width / 0.075))
    return textwrap.wrap(scene.note, columns)
