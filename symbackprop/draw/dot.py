"""A derivation's picture as Graphviz DOT text.

It draws the :class:`~symbackprop.draw.scene.Scene` of the derivation: every node pinned where
:mod:`symbackprop.draw.layout` puts it, edges shared by several paths in one colour per path, and
the title and legend of :mod:`symbackprop.draw.captions` as an HTML-like label.  :func:`scene_dot`
writes a scene already made.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> print(dot_source(derive(load_problem("branching_graph").graph, "a")).splitlines()[4])
  node [fontname="Helvetica", fontsize=11, style=filled];
"""

from __future__ import annotations

import html
import re
import unicodedata

from ..calculus.derivation import Derivation
from ..render.numbers import DISPLAY_DIGITS, text_number
from .captions import title_text
from .scene import FADED, MAX_COLOURED, WRT_FILL, Scene, derivation_scene, paths_by_edge

__all__ = ["dot_source", "scene_dot"]

def dot_source(derivation: Derivation, *, edge_labels: str | None = None,
               before_surgery: bool = False, parameters: str = "all",
               max_coloured: int = MAX_COLOURED) -> str:
    """Graphviz DOT text of ``derivation``'s graph with every path highlighted.

    Edges shared by several paths get one colour per path (``color="c1:c2"``, drawn side by
    side).  Every node is pinned where :mod:`symbackprop.draw.layout` puts it (``pos``, in inches)
    and the graph asks for the ``neato`` engine, which keeps pinned nodes: ``dot -Tpng FILE.dot``
    draws the same picture as the other formats.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> dot = dot_source(derive(load_problem("mazur_2_2_2").graph, "w5"))
    >>> dot.splitlines()[0]
    'digraph "dL/dw5" {'
    """
    scene = derivation_scene(derivation, edge_labels=edge_labels, before_surgery=before_surgery,
                             parameters=parameters, max_coloured=max_coloured)
    return scene_dot(scene)


def scene_dot(scene: Scene) -> str:
    """Write a :class:`Scene` as Graphviz DOT.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> scene = derivation_scene(derive(load_problem("branching_graph").graph, "b"))
    >>> for line in scene_dot(scene).splitlines():
    ...     if "->" in line:
    ...         print(line)
      "a" -> "c" [color="#c9c9c9", penwidth=0.8];
      "b" -> "c" [color="#1f5fd1", penwidth=1.8];
      "b" -> "d" [color="#d62728", penwidth=1.8];
      "c" -> "e" [color="#1f5fd1", penwidth=1.8];
      "d" -> "e" [color="#d62728", penwidth=1.8];
    """
    layout = scene.layout
    lines = [f"digraph {_dot_id(f'd{scene.of}/d{scene.wrt}')} {{",
             "  // symbackprop's own layout: every node is pinned (pos, in inches) and the neato",
             "  // engine keeps it, so plain `dot -Tpng FILE.dot` draws this picture",
             f"  graph [layout=neato, fontname=\"Helvetica\", labelloc=b, labeljust=l, "
             f"label=<{_dot_legend(scene)}>];",
             "  node [fontname=\"Helvetica\", fontsize=11, style=filled];",
             "  edge [arrowsize=0.6];"]
    shapes = {"circle": "circle", "box": "box", "rounded": "box"}
    for name, node in layout.nodes.items():
        style = scene.styles[name]
        attrs = {"shape": shapes[node.shape], "fillcolor": style.fill, "color": style.line,
                 "fontcolor": style.text, "penwidth": f"{style.width:g}",
                 "width": f"{node.width:.2f}", "height": f"{node.height:.2f}", "fixedsize": "true",
                 "pos": f"{node.x:.3f},{node.y:.3f}!"}
        if node.shape == "rounded":
            attrs["style"] = "\"filled,rounded\""
        text = ", ".join(f"{k}={_dot_value(v)}" for k, v in attrs.items())
        lines.append(f"  {_dot_id(name)} [{text}, label=<{_html(node.label, name)}>];")
    through = paths_by_edge(scene.paths)
    for k, label in enumerate(scene.edge_labels, start=1):
        x, y = (label.box.x0 + label.box.x1) / 2, (label.box.y0 + label.box.y1) / 2
        text = html.escape(label.plain) if label.plain else _html(label.text, label.text)
        fill = WRT_FILL if label.emphasis else "#ffffff"
        lines.append(f"  {_dot_id(f'label {k}')} [shape=box, style=filled, penwidth=0, "
                     f"margin=0.02, width=0, height=0, fontsize=9, fillcolor={_dot_id(fill)}, "
                     f"pos=\"{x:.3f},{y:.3f}!\", label=<{text}>];")
    for u, v in layout.edges:
        users = through.get((u, v), [])
        if users:
            attrs = {"color": ":".join(p.style.colour for p in users), "penwidth": "1.8"}
            dashes = {p.style.dash for p in users}
            if len(dashes) == 1 and "solid" not in dashes:
                attrs["style"] = {"dashed": "dashed", "dotted": "dotted"}.get(dashes.pop(),
                                                                              "dashed")
        else:
            attrs = {"color": FADED, "penwidth": "0.8"}
        text = ", ".join(f"{k}={_dot_value(val)}" for k, val in attrs.items())
        lines.append(f"  {_dot_id(u)} -> {_dot_id(v)} [{text}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_value(value: str) -> str:
    return value if re.fullmatch(r"[\w.]+|\"[^\"]*\"", value) else _dot_id(value)


_HTML_LABEL = re.compile(r"(\\hat\{(?P<hat>\w)\}|\\mathcal\{(?P<cal>\w)\}|\\(?P<greek>[a-zA-Z]+)"
                         r"|(?P<stem>[A-Za-z]+))(?:_\{(?P<sub>[\w,]+)\})?\Z")


def _html(latex: str, fallback: str) -> str:
    """A Graphviz HTML label for the simple LaTeX labels of nodes (``w_{131}``,
    ``\\hat{y}_{1}``, ``\\alpha``); anything else is written as ``fallback`` in plain text."""
    match = _HTML_LABEL.match(latex)
    if match is None:
        return html.escape(fallback)
    if match["hat"]:
        stem = match["hat"] + "\u0302"
    elif match["cal"]:
        stem = f"<I>{match['cal']}</I>"
    elif match["greek"]:
        try:
            stem = unicodedata.lookup(f"GREEK SMALL LETTER {match['greek'].upper()}")
        except KeyError:
            return html.escape(fallback)
    else:
        stem = match["stem"]
    return stem + (f"<SUB>{match['sub']}</SUB>" if match["sub"] else "")


def _dot_legend(scene: Scene) -> str:
    rows = []
    for path in scene.paths:
        number = "all" if path.style.number == 0 else str(path.style.number)
        if path.style.number == 0:
            chain = f"every edge from {_html(scene.latex[scene.wrt], scene.wrt)} to " \
                    f"{_html(scene.latex[scene.of], scene.of)}"
        else:
            chain = " &#8594; ".join(_html(scene.latex[n], n) for n in path.nodes)
        value = "" if path.value is None else f" = {text_number(path.value, DISPLAY_DIGITS)}"
        rows.append(f'<TR><TD ALIGN="LEFT"><FONT COLOR="{path.style.colour}">&#9473;&#9473; '
                    f'{number}</FONT></TD><TD ALIGN="LEFT">{chain}{value}</TD></TR>')
    title = (f"&#8706;{_html(scene.latex[scene.of], scene.of)}/&#8706;"
             f"{_html(scene.latex[scene.wrt], scene.wrt)}: {html.escape(title_text(scene))}")
    if scene.value is not None:
        title += f", sum = {text_number(scene.value, DISPLAY_DIGITS)}"
    note = f'<TR><TD COLSPAN="2" ALIGN="LEFT"><I>{html.escape(scene.note)}</I></TD></TR>' \
        if scene.note else ""
    return (f'<TABLE BORDER="0" CELLSPACING="2"><TR><TD COLSPAN="2" ALIGN="LEFT">{title}</TD>'
            f'</TR>{"".join(rows)}{note}</TABLE>')
