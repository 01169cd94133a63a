"""The interactive page: one self-contained HTML file, and the same page as a Jupyter display.

:func:`explore_page` assembles the page: the picture (:mod:`symbackprop.explore.svg`), the
formulas as MathML templates the script copies (:mod:`symbackprop.explore.mathml`), the data
(:func:`symbackprop.explore.data.page_data`) as JSON in ``<script type="application/json"
id="data">``, and the stylesheet and script of ``assets/`` inlined.  A Content-Security-Policy
forbids every request (no CDN, no font, no image fetched): the page works from disk, mailed,
or on a course site.

What comes from a problem file (its title and source) is escaped once for HTML
(:func:`html.escape`); the JSON is escaped by :func:`script_json` so that no string in it can
end its ``<script>`` element.  The script sets text with ``textContent`` only and copies only
the markup written here.

:func:`explore_fragment` wraps the page in an ``<iframe srcdoc>`` for Jupyter (a notebook may
show several: the frame keeps each page's ids, styles and script apart), which
:func:`derivation_html` does for one derivation (the ``"html"`` view of
:class:`~symbackprop.calculus.derivation.Derivation`, its ``_repr_html_``).

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.explore.data import explore_problem
>>> page = explore_page(explore_problem(load_problem("branching_graph")))
>>> page.startswith("<!DOCTYPE html>"), 'id="total"' in page, " src=" in page, " href=" in page
(True, True, False, False)
"""

from __future__ import annotations

import html
import json
from functools import cache
from importlib import resources
from typing import Any

from ..calculus.derivation import Derivation
from ..check.reading import MAX_ANSWER, MAX_EXPONENT_DIGITS
from ..draw.layout import graph_layout
from ..draw.scene import DASHES, PALETTE, WRT_FILL
from ..errors import SymbackpropError
from ..limits import MAX_PAGE_BYTES
from ..render.numbers import text_number
from .common import ExplorationBase
from .data import Exploration, edge_partials, explore_derivation, page_data
from .mathml import leibniz_math, math_element
from .svg import Canvas, edge_geometry, picture_svg

__all__ = ["FRAME_HEIGHT", "POLICY", "choice_bar", "derivation_html", "escape_text",
           "explore_fragment", "explore_page", "html_document", "page_header", "script_json"]

POLICY = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
          "img-src data:; base-uri 'none'; form-action 'none'")
"""The page's Content-Security-Policy: inline style and script only, no request of any kind."""
FRAME_HEIGHT = 720
"""The height (px) of the page's frame in Jupyter."""

_SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                   ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))
"""The characters :func:`script_json` escapes, each replaced in the whole text at once
(:meth:`str.replace`: 0.18 s for 30 million characters, where :meth:`str.translate` takes
1.7 s and a character at a time 7 s)."""


def script_json(data: Any) -> str:
    r"""``data`` as JSON that can stand inside ``<script type="application/json">``: ``<``,
    ``>``, ``&`` and the line separators escaped (inside strings, the only place they occur),
    so ``</script>`` in a title stays text.

    Examples
    --------
    >>> print(script_json({"title": "</script><b>&"}))
    {"title":"\u003c/script\u003e\u003cb\u003e\u0026"}
    >>> json.loads(script_json({"title": "</script>"}))["title"]
    '</script>'
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char, escaped in _SCRIPT_ESCAPES:
        text = text.replace(char, escaped)
    return text


@cache
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def escape_text(text: str) -> str:
    """``text`` escaped for HTML, quotes included: the one escaping of text from a file that
    the pages write outside their JSON.

    Examples
    --------
    >>> escape_text('<b title="x">&')
    '&lt;b title=&quot;x&quot;&gt;&amp;'
    """
    return html.escape(text, quote=True)


def _parts(exploration: Exploration, edges: list[tuple[str, str]]) -> str:
    """The MathML the script copies: each edge's local partial and its Leibniz form."""
    return "".join(f'<span data-partial="{i}">{math_element(expression, bracket=True)}</span>'
                   f'<span data-leibniz="{i}">{leibniz_math(v, u)}</span>'
                   for i, ((u, v), (expression, _)) in enumerate(
                       zip(edges, edge_partials(exploration, edges), strict=True)))


def _heading(exploration: Exploration) -> str:
    """The page's title, else what it shows: one derivative's paths, or every parameter's."""
    if exploration.title:
        return exploration.title
    if len(exploration.choices) == 1:
        wrt = exploration.choices[0].derivation.wrt
        return f"d{exploration.of}/d{wrt}: the paths from {wrt} to {exploration.of}"
    return f"d{exploration.of}: the paths of every parameter"


def page_header(exploration: ExplorationBase[Any, Any], heading: str) -> str:
    """The header of either page: ``heading`` and the file's source, escaped.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.explore.data import explore_problem
    >>> print(page_header(explore_problem(load_problem("branching_graph")), "a <b>"))
    <header class="sbp-header"><h1>a &lt;b&gt;</h1><p class="sbp-source">The problem-file \
reference: any computation graph</p></header>
    """
    source = (f'<p class="sbp-source">{escape_text(exploration.source)}</p>'
              if exploration.source else "")
    return f'<header class="sbp-header"><h1>{escape_text(heading)}</h1>{source}</header>'


def choice_bar(exploration: ExplorationBase[Any, Any], *, hidden: bool = False) -> str:
    """The choice of parameter of either page, with its hint; ``hidden`` where it offers no
    choice (the scalar page of one derivation).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.explore.data import explore_problem
    >>> bar = choice_bar(explore_problem(load_problem("branching_graph"), wrt="b"))
    >>> '<option value="b" selected>b</option>' in bar, "sbp-hint" in bar
    (True, True)
    """
    options = "".join(
        f'<option value="{escape_text(c.derivation.wrt)}"'
        f'{" selected" if c.derivation.wrt == exploration.selected else ""}>'
        f"{escape_text(c.derivation.wrt)}</option>" for c in exploration.choices)
    hide = ' hidden style="display: none"' if hidden else ""
    hint = ("" if hidden else '\n<span class="sbp-hint">or click a parameter\'s box in the '
            "picture (Tab, then Enter)</span>")
    return (f'<div class="sbp-bar"{hide}><label for="sbp-choice">Differentiate with respect '
            f'to</label>\n<select id="sbp-choice" class="sbp-choice">{options}</select>{hint}'
            "</div>")


def _body(exploration: Exploration) -> str:
    graph = exploration.graph
    try:
        layout = graph_layout(graph)
    except ValueError as err:
        raise SymbackpropError(f"cannot draw {graph!r} for the page: {err}") from None
    canvas = Canvas.of(layout)
    edges = list(layout.edges)
    data = page_data(exploration, edges, edge_geometry(layout, canvas))
    data.update(palette=list(PALETTE), dashes=list(DASHES), chosen=WRT_FILL,
                answer={"max": MAX_ANSWER, "exponent": MAX_EXPONENT_DIGITS})
    values = exploration.values
    node_titles = {n: f"{n} = {text_number(values[n])}" if values and n in values else n
                   for n in layout.nodes}
    edge_titles = [f"∂{e['to']}/∂{e['from']} = {e['partial']}"
                   + ("" if e["value"] == "?" else f" = {e['value']}") for e in data["edges"]]
    svg = picture_svg(layout, canvas, selectable={c.derivation.wrt for c in exploration.choices},
                      node_titles=node_titles, edge_titles=edge_titles)
    return f"""<main class="sbp-explore">
{page_header(exploration, _heading(exploration))}
{choice_bar(exploration, hidden=len(exploration.choices) == 1)}
<div class="sbp-body">
<figure class="sbp-figure"><div class="sbp-scroll">{svg}</div>
<figcaption class="sbp-edge-info" aria-live="polite">Point at an edge to see its local
partial derivative and its value.</figcaption></figure>
<section class="sbp-panel" aria-live="polite">
<h2 class="sbp-heading"></h2>
<p class="sbp-count"></p>
<ol class="sbp-paths"></ol>
<p class="sbp-more"></p>
<h3>The factored (delta) form</h3>
<p class="sbp-note">Each δ<sub>n</sub> = ∂{escape_text(exploration.of)}/∂n is computed once, from
the output back; the paths are grouped by the nodes they share.</p>
<ol class="sbp-deltas"></ol>
<p class="sbp-result"><span class="sbp-what"></span> = <output id="total"></output></p>
<p class="sbp-update"></p>
<form class="sbp-check" autocomplete="off">
<label for="answer">Your value of <span class="sbp-what"></span></label>
<input id="answer" type="text" inputmode="decimal" spellcheck="false" size="16">
<button type="submit">Check</button>
<p id="verdict" role="status"></p>
</form>
<form class="sbp-check sbp-update-check" autocomplete="off" hidden>
<label for="update-answer">Your value of <span class="sbp-what-updated"></span> after one
step</label>
<input id="update-answer" type="text" inputmode="decimal" spellcheck="false" size="16">
<button type="submit">Check</button>
<p id="update-verdict" role="status"></p>
</form>
</section>
</div>
<div class="sbp-parts" hidden>{_parts(exploration, edges)}</div>
<script type="application/json" id="data" class="sbp-data">{script_json(data)}</script>
<noscript><p>The page needs JavaScript to choose a parameter.</p></noscript>
</main>"""


def html_document(title: str, body: str, what: str, *, styles: tuple[str, ...] = ("explore.css",),
                  scripts: tuple[str, ...] = ("paths.js", "explore.js")) -> str:
    """A page as one HTML document that requests nothing: ``body`` (markup already escaped),
    the ``styles`` of ``assets/`` inlined in one ``<style>`` and its ``scripts`` in one
    ``<script>`` (in order: ``paths.js``, what both pages share, before the page's own), the
    page's policy; ``title`` escaped here.

    Raises
    ------
    SymbackpropError
        When the page is larger than :data:`~symbackprop.limits.MAX_PAGE_BYTES` (``what``
        names it in the message).

    Examples
    --------
    >>> page = html_document("<T>", "<main></main>", "explore x")
    >>> "<title>&lt;T&gt;</title>" in page, page.count("<script>")
    (True, 1)
    """
    style = "\n".join(_asset(name) for name in styles)
    script = "<script>" + "".join(_asset(name) for name in scripts) + "</script>"
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="symbackprop explore">
<title>{escape_text(title or "symbackprop explore")}</title>
<style>{style}</style>
</head>
<body>
{body}
{script}
</body>
</html>
"""
    MAX_PAGE_BYTES.check(len(page.encode()), what, "bytes in its page", SymbackpropError)
    return page


def explore_page(exploration: Exploration) -> str:
    """The whole page, as one HTML document that requests nothing.

    Raises
    ------
    SymbackpropError
        When the page is larger than :data:`~symbackprop.limits.MAX_PAGE_BYTES` (a network
        of many paths: every path of every parameter is listed, with its mistakes).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.explore.data import explore_problem
    >>> page = explore_page(explore_problem(load_problem("mazur_2_2_2"), wrt="w5"))
    >>> page.count('data-node="'), '<option value="w5" selected>' in page
    (10, True)
    """
    return html_document(exploration.title, _body(exploration),
                         f"explore {exploration.name or 'the graph'}")


def explore_fragment(exploration: Exploration, height: int = FRAME_HEIGHT) -> str:
    """The page inside an ``<iframe srcdoc>``: an HTML fragment to embed (Jupyter), whose
    ids, styles and script cannot meet another's.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.explore.data import explore_problem
    >>> fragment = explore_fragment(explore_problem(load_problem("branching_graph")))
    >>> fragment.startswith("<iframe "), "<html" in fragment, "&lt;html" in fragment
    (True, False, True)
    """
    return (f'<iframe class="sbp-frame" title="{escape_text(exploration.title or "explore")}" '
            f'style="width: 100%; height: {int(height)}px; border: 1px solid #ddd" '
            f'sandbox="allow-scripts" srcdoc="{escape_text(explore_page(exploration))}"></iframe>')


def derivation_html(derivation: Derivation, **options: Any) -> str:
    """The ``"html"`` view of a derivation (Jupyter's ``_repr_html_``): the page of its
    parameter, in a frame.  Options: ``learning_rate``, ``title``.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> html_view = derivation_html(derive(problem.graph, "w5", values=problem.values))
    >>> html_view.startswith("<iframe"), html_view.count("data-node=&quot;")
    (True, 1)
    """
    return explore_fragment(explore_derivation(derivation, **options))
