"""The interactive page of a tensor problem: the tensor graph, click a parameter and its tensor
paths light up, its derivation and gradient beside it, and a typed matrix judged.

The picture is the tensor graph as ``draw`` lays it out
(:func:`~symbackprop.draw.tensor_scene.tensor_layout`), written by
:func:`~symbackprop.explore.svg.picture_svg` with each node labelled with its name and shape;
the data (:func:`~symbackprop.explore.tensor_data.tensor_page_data`) is JSON in ``<script
type="application/json" id="data">`` (escaped by :func:`~symbackprop.explore.page.script_json`),
read by ``assets/tensor.js``, which writes every text with ``textContent``.  The derivation is
shown as ``derive`` prints it in text (the formulas of matrices are not MathML here).  The
document, its policy (no request of any kind) and its size limit are those of the scalar page
(:func:`~symbackprop.explore.page.html_document`).

A typed answer is nested lists (JSON) judged entry by entry by the rule of
:func:`~symbackprop.check.tensor_check.judge_tensor` (a browser test holds the two equal): each
entry within one unit in its own last typed digit, or the file's tolerance; a wrong matrix
named when a mistake's gradient gives it, a matrix of the wrong shape explained as
:func:`~symbackprop.check.tensor_check.shape_note` explains it.  A formula is not judged here:
the page says to check it with ``symbackprop check``.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.explore.tensor_data import explore_tensor_problem
>>> page = explore_tensor_page(explore_tensor_problem(load_problem("tensor_mlp")))
>>> page.count('data-node="'), 'id="answer"' in page, " src=" in page
(4, True, False)
"""

from __future__ import annotations

from ..draw.scene import DASHES, PALETTE, WRT_FILL
from ..draw.tensor_scene import tensor_layout
from ..render.tensor_typeset import tensor_text
from .page import choice_bar, escape_text, html_document, page_header, script_json
from .svg import Canvas, edge_geometry, picture_svg
from .tensor_data import TensorExploration, tensor_page_data

__all__ = ["explore_tensor_page", "tensor_caption"]


def tensor_caption(name: str, shape: tuple[int, ...]) -> str:
    """A tensor's label in the page's picture: its name and shape.

    Examples
    --------
    >>> tensor_caption("W1", (3, 5)), tensor_caption("L", ())
    ('W1 (3×5)', 'L')
    """
    return f"{name} ({'×'.join(map(str, shape))})" if shape else name


def _edge_title(exploration: TensorExploration, u: str, v: str) -> str:
    graph = exploration.graph
    if graph.node(u).dtype != "float" or graph.node(v).dtype != "float":
        return f"{u} → {v}"
    return f"{u} → {v}: δ{u} += {tensor_text(graph.edge_vjp(u, v))}"


def _body(exploration: TensorExploration) -> str:
    graph = exploration.graph
    paths_edges = {(a.node, c) for choice in exploration.choices
                   for a in choice.derivation.adjoints for c, _ in a.contributions}
    layout = tensor_layout(graph, paths_edges)
    canvas = Canvas.of(layout)
    edges = list(layout.edges)
    data = tensor_page_data(exploration, edges, edge_geometry(layout, canvas))
    data.update(palette=list(PALETTE), dashes=list(DASHES), chosen=WRT_FILL)
    captions = {n: tensor_caption(n, graph.node(n).shape) for n in layout.nodes}
    node_titles = {n: f"{captions[n]}: {graph.node(n).kind}" for n in layout.nodes}
    svg = picture_svg(layout, canvas, selectable={c.derivation.wrt for c in exploration.choices},
                      node_titles=node_titles, captions=captions,
                      edge_titles=[_edge_title(exploration, u, v) for u, v in edges])
    of = escape_text(exploration.of)
    heading = exploration.title or f"d{exploration.of}: the tensor paths of every parameter"
    return f"""<main class="sbp-explore sbp-tensor">
{page_header(exploration, heading)}
{choice_bar(exploration)}
<div class="sbp-body">
<figure class="sbp-figure"><div class="sbp-scroll">{svg}</div>
<figcaption class="sbp-edge-info" aria-live="polite">Point at an edge to see its vector-Jacobian
product (VJP): how δ of its child gives δ of its parent.</figcaption></figure>
<section class="sbp-panel" aria-live="polite">
<h2 class="sbp-heading"></h2>
<p class="sbp-count"></p>
<ol class="sbp-paths"></ol>
<h3>Its value</h3>
<pre id="total" class="sbp-matrix"></pre>
<form class="sbp-check" autocomplete="off">
<label for="answer">Your <span class="sbp-what"></span>, as nested lists (JSON), such as
<code>[[1, 2], [3, 4]]</code></label>
<textarea id="answer" rows="4" cols="40" spellcheck="false"></textarea>
<button type="submit">Check</button>
<p id="verdict" role="status"></p>
<p class="sbp-note">Each entry is judged to one unit in its last typed digit (the problem file's
tolerance when it gives one), as <code>symbackprop check</code> judges a claim. A formula
(<code>X.T @ grad(Z1)</code>) is not judged here: write it as a claim and run
<code>symbackprop check</code>.</p>
</form>
<details class="sbp-derivation" open><summary>The derivation of <span class="sbp-what"></span>,
as <code>symbackprop derive</code> prints it (δn = ∂{of}/∂n)</summary>
<pre class="sbp-text"></pre></details>
</section>
</div>
<script type="application/json" id="data" class="sbp-data">{script_json(data)}</script>
<noscript><p>The page needs JavaScript to choose a parameter.</p></noscript>
</main>"""


def explore_tensor_page(exploration: TensorExploration) -> str:
    """The whole page of a tensor problem, as one HTML document that requests nothing.

    Raises
    ------
    SymbackpropError
        When the graph is too large to draw, or the page larger than
        :data:`~symbackprop.limits.MAX_PAGE_BYTES`.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.explore.tensor_data import explore_tensor_problem
    >>> page = explore_tensor_page(explore_tensor_problem(load_problem("tensor_rnn"),
    ...                                                   wrt="Why"))
    >>> '<option value="Why" selected>' in page, page.count("<script>")
    (True, 1)
    """
    return html_document(exploration.title, _body(exploration),
                         f"explore {exploration.name or 'the graph'}",
                         styles=("explore.css", "tensor.css"), scripts=("paths.js", "tensor.js"))
