r"""A derivation's picture as TikZ: a ``tikzpicture`` that needs only ``\usepackage{tikz}`` (no
TikZ library, no matplotlib), or a standalone LaTeX document around it.

Both draw the :class:`~symbackprop.draw.scene.Scene` of the derivation, with the title and legend of
:mod:`symbackprop.draw.captions`; :func:`scene_tikz` writes a scene already made, and
:func:`network_tikz` the network alone (no path highlighted, no title).

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("mazur_2_2_2")
>>> tikz_picture(derive(problem.graph, "w1")).splitlines()[0]
'\\begin{tikzpicture}[x=1in, y=1in, >=stealth, line cap=round]'
"""

from __future__ import annotations

from typing import Any

from ..calculus.derivation import Derivation
from ..graph.computation import ComputationGraph
from ..render.display import latex_text
from .captions import legend_size, path_chain, title_math, title_text
from .geometry import Point
from .plain import network_scene
from .scene import (
    FADED,
    MAX_COLOURED,
    WRT_FILL,
    Scene,
    derivation_scene,
    value_latex,
)

__all__ = ["network_tikz", "scene_document", "scene_tikz", "tikz_document", "tikz_picture"]

_NOTE = "#444444"
"""The colour of a note beside a node (a bias under its neuron, before surgery)."""
_TIKZ_DASH = {"solid": "solid", "dashed": "dashed", "dotted": "dotted", "dashdot": "dash dot"}


def tikz_picture(derivation: Derivation, *, edge_labels: str | None = None,
                 before_surgery: bool = False, parameters: str = "all",
                 max_coloured: int = MAX_COLOURED, scale: float = 1.0,
                 legend: bool = True) -> str:
    r"""A ``tikzpicture`` of ``derivation``'s graph with every path highlighted.

    Needs only ``\usepackage{tikz}`` (no TikZ library, no matplotlib).  ``scale`` shrinks the
    whole picture, text included (for a page narrower than the picture).  Other options as for
    :func:`derivation_scene`.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> picture = tikz_picture(derive(load_problem("mazur_2_2_2").graph, "w5"), scale=0.65)
    >>> picture.startswith(r"\begin{tikzpicture}"), picture.rstrip().endswith(r"\end{tikzpicture}")
    (True, True)
    """
    scene = derivation_scene(derivation, edge_labels=edge_labels, before_surgery=before_surgery,
                             parameters=parameters, max_coloured=max_coloured)
    return scene_tikz(scene, scale=scale, legend=legend)


def network_tikz(graph: ComputationGraph, *, scale: float = 1.0) -> str:
    r"""A ``tikzpicture`` of the network alone (:func:`network_scene`): every weight and bias a
    box with its name, no path highlighted, no title.  Needs only ``\usepackage{tikz}``.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> picture = network_tikz(load_problem("mazur_2_2_2").graph)
    >>> "{$w_{5}$}" in picture, "% path" in picture, "paths" in picture
    (True, False, False)
    """
    return scene_tikz(network_scene(graph), scale=scale, legend=False)


def tikz_document(derivation: Derivation, *, title: str | None = None, **options: Any) -> str:
    r"""A standalone LaTeX document (``article``, a page the size of the picture) holding
    :func:`tikz_picture`; compiles with ``pdflatex`` given TeX Live's ``pgf``.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> document = tikz_document(derive(load_problem("mazur_2_2_2").graph, "w5"))
    >>> document.splitlines()[0], r"\usepackage{tikz}" in document
    ('\\documentclass{article}', True)
    """
    scene = derivation_scene(derivation, **{k: v for k, v in options.items()
                                            if k not in ("scale", "legend")})
    return scene_document(scene, title=title, scale=options.get("scale", 1.0),
                          legend=options.get("legend", True))


def scene_document(scene: Scene, *, title: str | None = None, scale: float = 1.0,
                   legend: bool = True) -> str:
    r"""A standalone LaTeX document (``article``, a page the size of the picture) holding a
    :class:`Scene`'s ``tikzpicture``, ``title`` in a comment.

    Examples
    --------
    >>> from symbackprop import load_problem
    >>> document = scene_document(network_scene(load_problem("mazur_2_2_2").graph), title="A")
    >>> document.splitlines()[1], document.count(r"\node[")
    ('% A', 21)
    """
    picture = scene_tikz(scene, scale=scale, legend=legend)
    box = scene.bounds()
    legend_w, legend_h = legend_size(scene)
    width = (max(box.width, legend_w) + 0.5) * scale + 0.6
    height = (box.height + legend_h + 0.8) * scale + 0.6
    heading = f"% {latex_text(title)}\n" if title else ""
    return (
        "\\documentclass{article}\n"
        f"{heading}"
        "\\usepackage{amsmath}\n"
        "\\usepackage{tikz}\n"
        f"\\usepackage[paperwidth={width:.2f}in,paperheight={height:.2f}in,"
        "margin=0.3in]{geometry}\n"
        "\\pagestyle{empty}\n"
        "\\begin{document}\n"
        "\\noindent\n"
        f"{picture}\n"
        "\\end{document}\n"
    )


def _tikz_colours(scene: Scene) -> dict[str, str]:
    used = {s.colour for s in scene.strokes} | {FADED, WRT_FILL, "#ffffff", "#000000"}
    used |= {c for st in scene.styles.values() for c in (st.fill, st.line, st.text)}
    used |= {p.style.colour for p in scene.paths}
    if any(node.note for node in scene.layout.nodes.values()):
        used.add(_NOTE)
    return {c: f"sbp{c[1:].upper()}" for c in sorted(used)}


def scene_tikz(scene: Scene, *, scale: float = 1.0, legend: bool = True) -> str:
    r"""Write a :class:`Scene` as a ``tikzpicture`` environment.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> scene = derivation_scene(derive(load_problem("branching_graph").graph, "b"))
    >>> tikz = scene_tikz(scene, legend=False)
    >>> for line in tikz.splitlines():
    ...     if "% path" in line:
    ...         print(line)
    \draw[draw=sbp1F5FD1, line width=1.7pt, solid] (0.177,-0.346) -- (1.180,0.300); % path 1
    \draw[draw=sbpD62728, line width=1.7pt, solid] (0.210,-0.460) -- (1.133,-0.460); % path 2
    \draw[draw=sbp1F5FD1, line width=1.7pt, solid] (1.628,0.396) -- (2.575,0.090); % path 1
    \draw[draw=sbpD62728, line width=1.7pt, solid] (1.628,-0.396) -- (2.575,-0.090); % path 2
    >>> print(tikz.splitlines()[-1])
    \end{tikzpicture}
    """
    colours = _tikz_colours(scene)
    options = "x=1in, y=1in, >=stealth, line cap=round"
    if scale != 1.0:
        options += f", scale={scale:g}, every node/.append style={{transform shape}}"
    lines = [f"\\begin{{tikzpicture}}[{options}]"]
    lines += [f"\\definecolor{{{name}}}{{HTML}}{{{hex_[1:].upper()}}}"
              for hex_, name in colours.items()]

    def at(point: Point) -> str:
        return f"({point[0]:.3f},{point[1]:.3f})"

    for stroke in scene.strokes:
        tip = "->, " if stroke.arrow else ""
        comment = "" if stroke.path is None else f" % path {stroke.path}"
        lines.append(f"\\draw[{tip}draw={colours[stroke.colour]}, line width={stroke.width:g}pt, "
                     f"{_TIKZ_DASH[stroke.dash]}] {at(stroke.start)} -- {at(stroke.end)};"
                     f"{comment}")
    for name, node in scene.layout.nodes.items():
        style = scene.styles[name]
        if node.shape == "circle":
            shape = f"circle, minimum size={node.width:.3f}in"
        else:
            shape = (f"rectangle, minimum width={node.width:.3f}in, "
                     f"minimum height={node.height:.3f}in")
            if node.shape == "rounded":
                shape += ", rounded corners=4pt"
        lines.append(f"\\node[{shape}, inner sep=0pt, draw={colours[style.line]}, "
                     f"fill={colours[style.fill]}, text={colours[style.text]}, "
                     f"line width={style.width:g}pt] ({_tikz_name(name)}) at "
                     f"{at((node.x, node.y))} {{${node.label}$}};")
        if node.note and node.note_box is not None:
            centre = ((node.note_box.x0 + node.note_box.x1) / 2,
                      (node.note_box.y0 + node.note_box.y1) / 2)
            lines.append(f"\\node[font=\\footnotesize, text={colours[_NOTE]}] at {at(centre)} "
                         f"{{${node.note}$}};")
    for label in scene.edge_labels:
        centre = ((label.box.x0 + label.box.x1) / 2, (label.box.y0 + label.box.y1) / 2)
        fill = colours[WRT_FILL] if label.emphasis else colours["#ffffff"]
        lines.append(f"\\node[font=\\scriptsize, fill={fill}, fill opacity=0.9, "
                     f"text opacity=1, inner sep=1pt] at {at(centre)} {{${label.text}$}};")
    box = scene.bounds()
    if not scene.plain:
        title = f"${title_math(scene)}$: {title_text(scene)}"
        if scene.value is not None:
            title += f", sum ${value_latex(scene.value)}$"
        lines.append(f"\\node[anchor=south west, inner sep=0pt] at "
                     f"{at((box.x0, box.y1 + 0.25))} {{{title}}};")
    if legend:
        y = box.y0 - 0.2
        for path in scene.paths:
            y -= 0.27
            lines.append(f"\\draw[draw={colours[path.style.colour]}, line width=2.2pt, "
                         f"{_TIKZ_DASH[path.style.dash]}] {at((box.x0, y))} -- "
                         f"{at((box.x0 + 0.4, y))};")
            number = "" if path.style.number == 0 else f"{path.style.number}: "
            value = "" if path.value is None else rf"\quad ${{}}= {value_latex(path.value)}$"
            lines.append(f"\\node[anchor=west, font=\\small] at {at((box.x0 + 0.5, y))} "
                         f"{{{number}${path_chain(scene, path)}${value}}};")
        if scene.note:
            width = max(box.width, 4.0)
            lines.append(f"\\node[anchor=north west, text width={width:.2f}in, "
                         f"font=\\footnotesize\\itshape] at {at((box.x0, y - 0.2))} "
                         f"{{{latex_text(scene.note)}}};")
    lines.append("\\end{tikzpicture}")
    return "\n".join(lines)


def _tikz_name(name: str) -> str:
    return "n-" + name.replace("_", "-")

