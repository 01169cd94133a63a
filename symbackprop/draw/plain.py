"""The network alone: what a student's sheet and a PrairieLearn question show.

:func:`network_scene` is a :class:`~symbackprop.draw.scene.Scene` with every node in its role's
colour, every edge alike and no path highlighted: which paths a question needs is for the
student to find.  A layered network is drawn as the textbook draws it (neurons, each weight on
the edge it multiplies, each bias under its neuron), so that the names say what they connect;
any other graph with its nodes, the parameters among them.  The writers draw it as they draw a
derivation's scene, without a title: :func:`symbackprop.draw.tikz.network_tikz`,
:func:`symbackprop.draw.figure.draw_network`, :func:`symbackprop.draw.figure.render_network`.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> network_scene(load_problem("branching_graph").graph)
Scene(the network, 5 nodes)
"""

from __future__ import annotations

from ..errors import SymbackpropError
from ..graph.computation import ComputationGraph
from .layout import cached_layout
from .network_layout import network_roles
from .scene import FILL, NodeStyle, Scene, Stroke, picture_labels

__all__ = ["PLAIN", "network_scene"]

PLAIN = "#333333"
"""The colour of every edge of the network alone."""


def network_scene(graph: ComputationGraph) -> Scene:
    """What to draw for the network alone: every node in its role's colour, every edge alike
    (:data:`PLAIN`), no path highlighted, no title.  A layered network is the textbook's
    picture (neurons, each weight written on the edge it multiplies, each bias under its
    neuron: which parameter connects what); any other graph has its nodes, the parameters
    among them.

    Raises
    ------
    SymbackpropError
        For a graph too large to draw.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> scene = network_scene(load_problem("mazur_2_2_2").graph)
    >>> scene, scene.plain, {s.colour for s in scene.strokes}, scene.paths
    (Scene(the network, 9 nodes), True, {'#333333'}, ())
    >>> [(label.edge, label.text) for label in scene.edge_labels][:2]
    [(('x1', 'h11'), 'w_{1}'), (('x1', 'h12'), 'w_{3}')]
    >>> network_scene(load_problem("branching_graph").graph).layout.nodes["b"].label
    'b'
    """
    layered = network_roles(graph) is not None
    try:
        layout = cached_layout(graph, before_surgery=layered)
    except ValueError as err:
        raise SymbackpropError(f"cannot draw {graph!r}: {err}; draw a smaller network") from None
    styles = {name: NodeStyle(FILL.get(placed.role, "#ffffff"), "#222222", 1.0)
              for name, placed in layout.nodes.items()}
    strokes = tuple(Stroke(*layout.segment(u, v), PLAIN, 0.9, arrow=True)
                    for u, v in layout.edges)
    labels = picture_labels(layout) if layered else ()
    return Scene(layout, graph.output, "", 0, None, (), strokes, styles, labels, "",
                 {n: graph.node(n).latex for n in graph.order})
