"""Pictures: layouts without overlaps, every path highlighted, every format produced and valid.

matplotlib renders with Agg (no pyplot, no display).  pdflatex and Graphviz's ``dot`` are
external tools: their tests skip without them, and fail instead under SYMBACKPROP_REQUIRE_ALL=1.
"""

from __future__ import annotations

import importlib
import itertools
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest
from conftest import BUNDLED, ZOO_GRAPHS, require_module, require_tool
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from symbackprop.calculus.derivation import Derivation, derive
from symbackprop.cli import main
from symbackprop.draw import (
    dot_source,
    draw_derivation,
    draw_network,
    network_tikz,
    render,
    render_network,
    tikz_document,
    tikz_picture,
)
from symbackprop.draw.geometry import Box, text_size
from symbackprop.draw.layout import graph_layout
from symbackprop.draw.network_layout import layered_layout, picture_layout
from symbackprop.draw.plain import PLAIN, network_scene
from symbackprop.draw.scene import PALETTE, Scene, derivation_scene, path_style
from symbackprop.errors import SymbackpropError
from symbackprop.graph.network import LayeredNetwork
from symbackprop.spec import load_problem

FORMATS = ("png", "svg", "pdf", "tex", "dot")
SIGNATURES = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-"}


def wrt_of(name: str) -> str:
    """The node each example is drawn for: its first parameter (a first-layer weight, the one
    with the most paths), or its first input for a graph without parameters."""
    graph = load_problem(name).graph
    return (graph.parameters or graph.kind_of("input"))[0]


@cache
def derivation_of(name: str, wrt: str | None = None) -> Derivation:
    problem = load_problem(name)
    return derive(problem.graph, wrt or wrt_of(name), values=problem.numeric_values)


@cache
def scene_of(name: str) -> Scene:
    return derivation_scene(derivation_of(name))


# -- layout ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", BUNDLED)
def test_no_labels_overlap_and_no_edge_crosses_a_node_in_any_bundled_example(name: str) -> None:
    layout = graph_layout(load_problem(name).graph)
    assert layout.overlapping_labels() == []
    assert layout.blocked_edges() == []


def test_442_layout_reads_like_the_textbook_picture() -> None:
    graph = load_problem("padhai_4_4_2").graph
    layout = layered_layout(graph)
    nodes = layout.nodes
    boxes = [b for n in nodes.values() for b in (n.label_box, n.outline)]
    assert len(boxes) == 2 * len(graph)
    for (a, box_a), (b, box_b) in itertools.combinations(
            [(n, p.label_box.union(p.outline)) for n, p in nodes.items()], 2):
        assert not box_a.overlaps(box_b), (a, b)
    # columns left to right: inputs, pre-activations, activations, ..., outputs, loss
    columns = [nodes[n].x for n in ("x1", "a11", "h11", "a21", "yhat1", "L")]
    assert columns == sorted(columns) and len(set(columns)) == len(columns)
    assert {nodes[f"x{k}"].x for k in range(1, 5)} == {nodes["x1"].x}
    # each weight is a box beside the neuron it feeds, nearer to it than to any other neuron
    neurons = [n for n in nodes if n.startswith("a")]
    for weight in graph.parameters:
        assert nodes[weight].shape == "box"
        fed = graph.children(weight)[0]
        nearest = min(neurons, key=lambda n: (nodes[n].x - nodes[weight].x) ** 2
                      + (nodes[n].y - nodes[weight].y) ** 2)
        assert nearest == fed, weight
    # the neurons' own labels are circles; the weights read top to bottom, clockwise
    assert {nodes[n].shape for n in neurons} == {"circle"}
    angles = [_angle(nodes["a13"], nodes[f"w13{k}"]) for k in range(1, 5)]
    assert angles == sorted(angles, reverse=True)


def _angle(centre, satellite) -> float:
    import math

    return math.atan2(satellite.y - centre.y, satellite.x - centre.x)


def test_labels_as_drawn_by_matplotlib_fit_their_boxes_and_do_not_overlap() -> None:
    require_module("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    derivation = derivation_of("padhai_4_4_2", "w131")
    layout = derivation_scene(derivation).layout
    figure = draw_derivation(derivation)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    to_inches = figure.axes[0].transData.inverted()
    drawn = {}
    for text in figure.axes[0].texts:
        gid = text.get_gid() or ""
        if gid.startswith("label-"):
            (x0, y0), (x1, y1) = to_inches.transform(text.get_window_extent(renderer).get_points())
            drawn[gid.removeprefix("label-")] = Box(x0, y0, x1, y1)
    assert set(drawn) == set(layout.nodes)
    for name, box in drawn.items():
        estimate = layout.nodes[name].label_box.grown(0.01)
        assert estimate.x0 <= box.x0 and box.x1 <= estimate.x1, name
        assert estimate.y0 <= box.y0 and box.y1 <= estimate.y1, name
    for (a, box_a), (b, box_b) in itertools.combinations(drawn.items(), 2):
        assert not box_a.overlaps(box_b), (a, b)


def test_general_graphs_are_layered_by_topological_depth() -> None:
    graph = load_problem("branching_graph").graph
    layout = graph_layout(graph)
    x = {n: p.x for n, p in layout.nodes.items()}
    assert layout.kind == "general"
    assert x["a"] == x["b"] < x["c"] == x["d"] < x["e"]
    for make, _ in ZOO_GRAPHS.values():
        zoo = graph_layout(make())
        assert zoo.overlapping_labels() == []
        for u, v in zoo.edges:
            assert zoo.nodes[u].x < zoo.nodes[v].x


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(widths=st.lists(st.integers(1, 3), min_size=2, max_size=4),
       bias=st.sampled_from(["none", "per_neuron", "per_layer"]),
       output=st.sampled_from(["sigmoid", "softmax", "identity"]))
def test_random_layered_networks_never_overlap_labels(widths, bias, output) -> None:
    assume(output != "softmax" or widths[-1] > 1)
    network = LayeredNetwork(tuple(widths), ("tanh",) * (len(widths) - 2), output,
                             "squared_error", bias=bias)
    graph = network.build()
    layout = graph_layout(graph)
    assert set(layout.nodes) == set(graph.order)
    assert layout.overlapping_labels() == []
    assert picture_layout(graph).overlapping_labels() == []


def test_only_the_weight_differentiated_can_be_drawn_as_a_node() -> None:
    derivation = derivation_of("padhai_4_4_2", "w131")
    scene = derivation_scene(derivation, parameters="wrt")
    parameters = {n for n, p in scene.layout.nodes.items() if p.role == "parameter"}
    assert parameters == {"w131"}
    assert len(scene.paths) == derivation.path_count == 4


def test_text_size_is_an_upper_bound_that_grows_with_the_text() -> None:
    assert text_size("w_{131}")[0] > text_size("w_{1}")[0] > text_size("w")[0]
    assert text_size(r"\hat{y}_{1}")[1] > text_size("y_{1}")[1]
    assert text_size(r"\frac{2 h}{h^{2} + 1}")[1] > 2 * text_size("h")[1] * 0.9


# -- paths -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", BUNDLED)
def test_every_path_is_highlighted_in_its_own_style(name: str) -> None:
    derivation = derivation_of(name)
    scene = scene_of(name)
    assert len(scene.paths) == derivation.path_count
    styles = [(p.style.colour, p.style.dash) for p in scene.paths]
    assert len(set(styles)) == len(styles)
    for path, term in zip(scene.paths, derivation.terms or (), strict=True):
        assert path.nodes == term.path.nodes
        assert path.edges == term.path.edges  # every edge of the path is drawn
        assert path.value == pytest.approx(term.value)
    on_paths = {e for p in scene.paths for e in p.edges}
    numbered = {s.path for s in scene.strokes if s.path is not None}
    assert numbered == {p.style.number for p in scene.paths}
    faded = {s for s in scene.strokes if s.path is None and s.colour != "#333333"}
    assert len([s for s in faded if s.arrow]) >= len(scene.layout.edges) - len(on_paths)


def test_colours_follow_the_notes_then_cycle_with_dashes() -> None:
    assert [path_style(k).colour for k in (1, 2, 3, 4)] == list(PALETTE[:4])
    assert PALETTE[:3] == ("#1f5fd1", "#d62728", "#e7298a")  # blue, red, pink
    styles = {(path_style(k).colour, path_style(k).dash) for k in range(1, 37)}
    assert len(styles) == 36
    assert path_style(len(PALETTE) + 1).dash == "dashed"


def test_above_the_colour_limit_the_union_of_the_paths_is_drawn() -> None:
    derivation = derivation_of("padhai_4_4_2", "w131")
    scene = derivation_scene(derivation, max_coloured=3)
    assert len(scene.paths) == 1 and not scene.coloured
    assert set(scene.paths[0].edges) == {e for t in derivation.terms for e in t.path.edges}


def test_before_surgery_the_weight_labels_the_edge_it_was_on() -> None:
    derivation = derivation_of("padhai_4_4_2", "w131")
    scene = derivation_scene(derivation, before_surgery=True)
    layout = scene.layout
    assert "w131" not in layout.nodes and "a13" not in layout.nodes
    assert layout.carried_by["w131"] == ("x1", "h13")
    emphasised = [label for label in scene.edge_labels if label.emphasis]
    assert [label.edge for label in emphasised] == [("x1", "h13")]
    assert len(scene.paths) == 4
    # a softmax couples its outputs inside the layer: 4 paths, 2 routes in this picture
    assert len({p.edges for p in scene.paths}) == 2
    assert "2 routes" in scene.note
    with pytest.raises(SymbackpropError, match="edge labels"):
        derivation_scene(derivation, before_surgery=True, edge_labels="value")


def test_edge_labels_give_each_local_partial() -> None:
    derivation = derivation_of("mazur_2_2_2", "w1")
    values = derivation_scene(derivation, edge_labels="value")
    factors = {(f.wrt, f.of): f for t in derivation.terms for f in t.factors}
    assert {label.edge for label in values.edge_labels} == set(factors)
    for label in values.edge_labels:
        assert float(label.plain) == pytest.approx(factors[label.edge].value, rel=1e-3)
    formulas = derivation_scene(derivation, edge_labels="formula")
    assert {label.edge: label.plain for label in formulas.edge_labels}[("a11", "h11")] == \
        str(factors["a11", "h11"].expression)
    symbolic = derive(load_problem("mazur_2_2_2").graph, "w1")
    with pytest.raises(SymbackpropError, match="need numbers"):
        derivation_scene(symbolic, edge_labels="value")


# -- modules -----------------------------------------------------------------------------------

def test_the_package_offers_every_writers_entry_point() -> None:
    """``from symbackprop.draw import tikz_picture`` works (docs/reference/api/drawing.md), and
    each name the package offers is the object of the writer's module that defines it."""
    package = importlib.import_module("symbackprop.draw")
    assert {"draw_derivation", "render", "scene_figure", "tikz_picture", "tikz_document",
            "scene_tikz", "dot_source", "scene_dot", "network_tikz", "draw_network",
            "render_network"} <= set(package.__all__)
    for name in package.__all__:
        value = getattr(package, name)
        # the constants (FORMATS, MATH_FONT, MATH_SCALE) are the matplotlib writer's
        home = value.__module__ if callable(value) else "symbackprop.draw.figure"
        assert home in ("symbackprop.draw.figure", "symbackprop.draw.tikz",
                        "symbackprop.draw.dot"), name
        assert getattr(importlib.import_module(home), name) is value, name


def test_the_writers_share_one_scene_and_one_set_of_captions() -> None:
    from symbackprop.draw import captions, dot, scene, tikz

    assert draw_derivation.__module__ == "symbackprop.draw.figure"
    assert (tikz_picture, tikz_document) == (tikz.tikz_picture, tikz.tikz_document)
    assert (dot_source, derivation_scene) == (dot.dot_source, scene.derivation_scene)
    # the TikZ title and the DOT legend say the same as the captions module
    scene_ = scene_of("mazur_2_2_2")
    assert captions.title_text(scene_) in tikz.scene_tikz(scene_)
    assert captions.title_text(scene_) in dot.scene_dot(scene_)


# -- the network alone ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", BUNDLED)
def test_the_network_alone_highlights_nothing_and_names_every_parameter(name: str) -> None:
    """Every edge drawn once, in one colour, no path, no title: which paths a question needs is
    for the student to find.  Each parameter is named on the picture: on the edge it multiplies
    (a layered network, the textbook picture) or as its own node."""
    graph = load_problem(name).graph
    scene = network_scene(graph)
    assert scene.plain and scene.paths == () and scene.value is None
    assert {s.colour for s in scene.strokes} == {PLAIN}
    assert [s.path for s in scene.strokes] == [None] * len(scene.layout.edges)
    named = {label.text for label in scene.edge_labels}
    named |= {node.label for node in scene.layout.nodes.values()}
    named |= {node.note for node in scene.layout.nodes.values() if node.note}
    notes = " ".join(named)
    for parameter in graph.parameters:
        assert graph.node(parameter).latex in notes, parameter
    assert scene.layout.overlapping_labels() == []
    picture = network_tikz(graph)
    assert "% path" not in picture and "paths" not in picture and "sum" not in picture
    assert picture.count("->") == len(scene.layout.edges)


def test_the_network_alone_is_drawn_by_every_writer(tmp_path: Path) -> None:
    """TikZ compiles with pdflatex; matplotlib draws no path and no title."""
    pdflatex = require_tool("pdflatex")
    graph = load_problem("assignment_2_2_2").graph
    document = render_network(graph, "tex", title="2-2-2")
    (tmp_path / "network.tex").write_text(document, encoding="utf-8")
    result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error",
                             "network.tex"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    require_module("matplotlib")
    figure = draw_network(graph)
    gids = {a.get_gid() for a in figure.axes[0].get_children()}
    assert not any((g or "").startswith(("path-", "legend-")) for g in gids)
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert "$w_{5}$" in texts and not any("path" in t for t in texts)
    assert render_network(graph, "svg") == render_network(graph, "svg")  # reproducible
    with pytest.raises(SymbackpropError, match="allowed: png, svg, pdf, tex"):
        render_network(graph, "dot")


def test_a_graph_is_laid_out_once_however_many_pictures() -> None:
    graph = load_problem("padhai_4_4_2").graph
    first = derivation_scene(derive(graph, "w131"))
    again = derivation_scene(derive(graph, "w212"))
    assert first.layout is again.layout
    assert network_scene(graph).layout is network_scene(graph).layout


# -- outputs -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", BUNDLED)
@pytest.mark.parametrize("fmt", FORMATS)
def test_draw_command_writes_every_format(name: str, fmt: str, tmp_path: Path) -> None:
    if fmt in ("png", "svg", "pdf"):
        require_module("matplotlib")
    out = tmp_path / f"picture.{fmt}"
    assert main(["draw", name, "--wrt", wrt_of(name), "-o", str(out)]) == 0
    data = out.read_bytes()
    derivation = derivation_of(name)
    nodes = scene_of(name).layout.nodes
    assert len(data) > 1000
    if fmt in SIGNATURES:
        assert data.startswith(SIGNATURES[fmt])
    elif fmt == "svg":
        root = ET.fromstring(data)
        ids = {e.get("id") for e in root.iter()}
        assert {f"node-{n}" for n in nodes} <= ids
        assert {i for i in ids if i and re.fullmatch(r"path-\d+", i)} == {
            f"path-{k}" for k in range(1, derivation.path_count + 1)}
    elif fmt == "tex":
        text = data.decode()
        assert text.count("\\begin{tikzpicture}") == 1
        assert len(re.findall(r"\\node\[[^\]]*\] \(n-", text)) == len(nodes)
        assert set(re.findall(r"% path (\d+)", text)) == {
            str(k) for k in range(1, derivation.path_count + 1)}
    else:
        _check_dot(data.decode(), derivation, scene_of(name))


def _check_dot(text: str, derivation: Derivation, scene: Scene) -> None:
    assert text.startswith("digraph ") and text.rstrip().endswith("}")
    assert text.count("{") == text.count("}")
    edges = re.findall(r'^\s+"([^"]+)" -> "([^"]+)" \[([^\]]*)\]', text, flags=re.M)
    assert {(u, v) for u, v, _ in edges} == set(scene.layout.edges)
    colours = {(u, v): re.search(r'color="([^"]+)"', attrs).group(1) for u, v, attrs in edges}
    for path in scene.paths:
        for edge in path.edges:
            assert path.style.colour in colours[edge].split(":")
    assert text.count("&#9473;&#9473;") == derivation.path_count  # one legend row per path


def test_dot_is_valid_graphviz(tmp_path: Path) -> None:
    dot = require_tool("dot")
    for name, options in (("padhai_4_4_2", {}), ("mazur_2_2_2", {"edge_labels": "formula"}),
                          ("mazur_2_2_2", {"before_surgery": True}),
                          ("branching_graph", {"edge_labels": "value"})):
        source = tmp_path / "picture.dot"
        source.write_text(dot_source(derivation_of(name), **options), encoding="utf-8")
        result = subprocess.run([dot, "-Tsvg", str(source)], capture_output=True, text=True,
                                timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        assert "<svg" in result.stdout and "Warning" not in result.stderr


def test_tikz_compiles_with_pdflatex(tmp_path: Path) -> None:
    pdflatex = require_tool("pdflatex")
    # the standalone document, with every option the pictures have
    derivation = derivation_of("padhai_4_4_2", "w131")
    documents = {"standalone": tikz_document(derivation, edge_labels="formula",
                                             title="4-4-2 & co: 100% $ure")}
    # every bundled example as a bare tikzpicture in a document that loads only tikz
    pictures = [tikz_picture(derivation_of(name), scale=0.5) for name in BUNDLED]
    pictures.append(tikz_picture(derivation, before_surgery=True, scale=0.5))
    # before surgery with biases: each bias a note under its neuron, in its own colour
    pictures.append(tikz_picture(derivation_of("mazur_2_2_2"), before_surgery=True, scale=0.5))
    documents["pictures"] = ("\\documentclass{article}\n\\usepackage{tikz}\n"
                             "\\begin{document}\n" + "\n\\clearpage\n".join(pictures)
                             + "\n\\end{document}\n")
    for stem, text in documents.items():
        (tmp_path / f"{stem}.tex").write_text(text, encoding="utf-8")
        result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error",
                                 f"{stem}.tex"], cwd=tmp_path, capture_output=True, text=True,
                                timeout=120, check=False)
        assert result.returncode == 0, result.stdout[-3000:]
        assert (tmp_path / f"{stem}.pdf").read_bytes().startswith(b"%PDF-")


def test_tikz_and_dot_need_no_matplotlib() -> None:
    code = ("import sys; from symbackprop.spec import load_problem; "
            "from symbackprop.calculus.derivation import derive; "
            "from symbackprop.draw import tikz_picture, dot_source; "
            "d = derive(load_problem('mazur_2_2_2').graph, 'w5'); "
            "tikz_picture(d); dot_source(d); print('matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=120)
    assert result.stdout.strip() == "False"


def test_without_matplotlib_draw_names_the_extra_and_exits_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["draw", "mazur_2_2_2", "--wrt", "w5", "-o", str(tmp_path / "w5.png")]) == 2
    assert "pip install 'symbackprop[draw]'" in capsys.readouterr().err
    assert not (tmp_path / "w5.png").exists()
    for fmt in ("tex", "dot"):
        assert main(["draw", "mazur_2_2_2", "--wrt", "w5", "-o", str(tmp_path / f"w5.{fmt}")]) == 0
    with pytest.raises(SymbackpropError, match=r"symbackprop\[draw\]"):
        derivation_of("mazur_2_2_2", "w5").draw()


def test_draw_command_rejects_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = str(tmp_path / "x.png")
    assert main(["draw", "mazur_2_2_2", "--wrt", "w5", "-o", str(tmp_path / "x.jpg")]) == 2
    assert ".png, .svg, .pdf, .tex, .dot" in capsys.readouterr().err
    assert main(["draw", "mazur_2_2_2", "--wrt", "w55", "-o", out]) == 2
    assert "w55" in capsys.readouterr().err
    assert main(["draw", "mazur_2_2_2", "--wrt", "w5", "-o", "-", "--format", "png"]) == 2
    assert main(["draw", "mazur_2_2_2", "--wrt", "w5", "-o", out, "--edge-labels", "x"]) == 2
    assert main(["draw", "mazur_2_2_2", "--wrt", "w5", "-o", "-", "--format", "dot"]) == 0
    assert capsys.readouterr().out.startswith('digraph "dL/dw5"')


def test_jupyter_shows_the_figure_inline() -> None:
    require_module("matplotlib")
    figure = derivation_of("branching_graph").draw(edge_labels="formula")
    assert figure._repr_png_().startswith(SIGNATURES["png"])
    assert type(figure).__module__ == "symbackprop.draw.figure"


def test_rendering_is_reproducible() -> None:
    require_module("matplotlib")
    derivation = derivation_of("branching_graph")
    for fmt in ("svg", "tex", "dot"):
        assert render(derivation, fmt) == render(derivation, fmt)
    assert render(derivation_of("mazur_2_2_2", "w1"), "dot") == render(
        derive(load_problem("mazur_2_2_2").graph, "w1", values=load_problem(
            "mazur_2_2_2").values), "dot")
