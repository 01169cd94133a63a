"""Tests of the derivation pages: LaTeX, Markdown, text, the matrix form and the strategies.

The LaTeX formulas are parsed back with sympy's LaTeX parser (lark backend) and compared with
the expressions they render.  That parser (sympy 1.14) cannot read every label this project
prints: a subscript of more than one character (``w_{131}``), ``\\hat{y}``, ``\\mathcal{L}``
and ``\\sigma`` are outside its grammar.  So, before parsing, each node label is replaced, as
a whole token, by a placeholder symbol the grammar reads (``q_{ab}``) and ``\\sigma(...)`` by
``\\overline{...}``; layout-only markup (``&``, ``\\\\``, ``\\qquad``, ``\\Bigl(``, ``{}``) is
dropped.  Where the grammar is ambiguous (``q (1 - q)``: a product or a function applied?) the
reading without an undeclared function is taken, and every remaining reading must agree.
Everything else (operators, fractions, powers, parentheses, juxtaposition, ``\\cdot``) is
parsed as printed.
"""

from __future__ import annotations

import contextlib
import io
import re
import string
from functools import cache

import numpy as np
import pytest
import sympy
from conftest import ZOO_NETWORKS
from hypothesis import given, settings
from hypothesis import strategies as st

from symbackprop.calculus.derivation import Derivation, derive
from symbackprop.calculus.options import STRATEGIES
from symbackprop.calculus.simplify import collected, simplify
from symbackprop.cli import main
from symbackprop.errors import SimplifyLimitError, SymbackpropError
from symbackprop.graph import ComputationGraph
from symbackprop.graph.evaluation import lambdify
from symbackprop.naming import default_latex, symbol
from symbackprop.numeric.matrix import matrix_form
from symbackprop.numeric.oracles import matrix_backprop
from symbackprop.render import (
    derivation_markdown,
    derivation_math,
    derivation_text,
    latex_page,
)
from symbackprop.render.breaking import Atom, Group, Seq, Sum, breaklines, flat
from symbackprop.render.display import TEXTWIDTH_EM, latex_text
from symbackprop.render.model import Kind
from symbackprop.render.page import page_model
from symbackprop.render.pieces import pieces
from symbackprop.render.widths import width
from symbackprop.rules.functions import sigmoid
from symbackprop.spec import Problem, bundled_examples, load_problem

BUNDLED = sorted(bundled_examples("scalar"))
SEED = 20_261_122


@cache
def problem(name: str) -> Problem:
    return load_problem(name)


def one_per_layer(p: Problem) -> list[str]:
    """The first weight of every layer (for a graph: every parameter, or every input)."""
    if p.network is None:
        return p.graph.parameters or p.graph.kind_of("input")
    return [p.network.weight_name(layer, 1, 1) for layer in range(1, p.network.depth + 1)]


@cache
def derivation(name: str, wrt: str) -> Derivation:
    p = problem(name)
    return derive(p.graph, wrt, values=p.numeric_values)


def _distinct(names: list[str]) -> list[str]:
    """The examples, without one whose graph and values repeat an earlier one's (a problem
    file with other claims about the same network renders the same pages)."""
    seen, out = set(), []
    for name in names:
        p = problem(name)
        key = (repr(p.network), tuple(p.graph.order), tuple(sorted(p.values.items())))
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out


DISTINCT = _distinct(BUNDLED)
CASES = [(name, wrt) for name in DISTINCT for wrt in one_per_layer(problem(name))]


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(argv)
    return status, out.getvalue()


# -- parsing LaTeX back -------------------------------------------------------------------------

_LAYOUT = [(r"\left", ""), (r"\right", ""), (r"\Bigl(", "("), (r"\Bigr)", ")"),
           (r"\bigl(", "("), (r"\bigr)", ")"), ("{}", " "), ("&", " "), ("\\\\", " "),
           (r"\qquad", " "), (r"\quad", " "), (r"\,", " ")]


@cache
def _parser():
    pytest.importorskip("lark")
    from sympy.parsing.latex.lark import LarkLaTeXParser

    return LarkLaTeXParser(transform=False)


def _letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        out = string.ascii_lowercase[rest] + out
    return out


def _sigma_to_overline(text: str) -> str:
    """``\\sigma\\left(x\\right)`` as ``\\overline{x}``: a function the grammar reads."""
    key, close = r"\sigma\left(", r"\right)"
    start = text.find(key)
    if start < 0:
        return text
    i, depth = start + len(key), 1
    while True:
        if text.startswith(r"\left(", i):
            depth, i = depth + 1, i + len(r"\left(")
        elif text.startswith(close, i):
            depth -= 1
            if depth == 0:
                break
            i += len(close)
        else:
            i += 1
    inner = _sigma_to_overline(text[start + len(key):i])
    return text[:start] + r"\overline{" + inner + "}" + _sigma_to_overline(
        text[i + len(close):])


@cache
def _transformer():
    """sympy's transformer, reading ``\\overline{x}`` as ``sigmoid(x)`` (see the module
    docstring): the only function of our pages outside the grammar."""
    from sympy.parsing.latex.lark.transformer import TransformToSymPyExpr

    class Transformer(TransformToSymPyExpr):
        def conjugate(self, tokens):
            return sigmoid(tokens[1])

    return Transformer()


def _resolve(tree):
    """Explicit ambiguities resolved: drop readings that apply an undeclared function, and
    require the rest to agree."""
    from lark import Token, Tree

    if isinstance(tree, Token):
        return tree
    children = [_resolve(c) for c in tree.children]
    if tree.data != "_ambig":
        return Tree(tree.data, children)
    options = [c for c in children if not _applies_function(c)]
    values = [_transformer().transform(o) for o in options]
    assert values, f"every reading applies a function: {children}"
    for value in values[1:]:
        assert sympy.simplify(value - values[0]) == 0, f"ambiguous LaTeX: {values}"
    return options[0]


def _applies_function(tree) -> bool:
    from lark import Token

    if isinstance(tree, Token):
        return False
    return tree.data == "function_applied" or any(_applies_function(c) for c in tree.children)


def parse_back(latex: str, graph: ComputationGraph) -> sympy.Expr:
    """``latex`` (as a page prints it) parsed by sympy's lark LaTeX parser, in node symbols."""
    labels = {node.latex: node.symbol for node in graph.nodes.values()}
    labels.update({default_latex(name): symbol(name) for name in graph.constants})
    ordered = sorted(labels, key=len, reverse=True)
    placeholder = {label: f"q_{{{_letters(i)}}}" for i, label in enumerate(ordered)}
    back = {sympy.Symbol(placeholder[label]): labels[label] for label in ordered}
    pattern = re.compile(r"(?<![\\A-Za-z])(" + "|".join(map(re.escape, ordered))
                         + r")(?![A-Za-z])")
    text = _sigma_to_overline(latex)
    for old, new in _LAYOUT:
        text = text.replace(old, new)
    text = pattern.sub(lambda m: placeholder[m.group(1)], text)
    tree = _resolve(_parser().parser.parse(text))
    expr = _transformer().transform(tree)
    assert not expr.atoms(sympy.core.function.AppliedUndef), f"{latex} read as {expr}"
    return expr.xreplace({**back, sympy.Symbol("e"): sympy.E})


def test_parse_back_reads_textbook_forms():
    p = problem("padhai_4_4_2")
    y1, yhat1, yhat2, h13 = (symbol(n) for n in ("y1", "yhat1", "yhat2", "h13"))
    cases = {
        r"2 \left(\hat{y}_{1} - y_{1}\right)": 2 * (yhat1 - y1),
        r"- \hat{y}_{1} \hat{y}_{2}": -yhat1 * yhat2,
        r"{h_{13} \left(1 - h_{13}\right)} \cdot w_{213}": h13 * (1 - h13) * symbol("w213"),
        r"\sigma\left(a_{13}\right) - h_{13}": sigmoid(symbol("a13")) - h13,
    }
    for latex, expected in cases.items():
        assert sympy.simplify(parse_back(latex, p.graph) - expected) == 0, latex


def test_parse_back_notices_a_wrong_formula():
    p = problem("padhai_4_4_2")
    parsed = parse_back(r"2 \left(\hat{y}_{1} - y_{1}\right)", p.graph)
    assert sympy.simplify(parsed - 2 * (symbol("y1") - symbol("yhat1"))) != 0


def _squash(latex: str) -> str:
    """``latex`` without alignment and line breaks (``&``, ``\\\\``, ``\\qquad``, spaces)."""
    return re.sub(r"\\\\\*?|&|\\qquad|\s+", "", latex)


def _parsed(latex: str, name: str) -> sympy.Expr:
    graph = problem(name).graph
    return _parsed_with(latex, tuple(sorted((n.latex, n.name) for n in graph.nodes.values())),
                        graph)


@cache
def _parsed_with(latex: str, labels: tuple[tuple[str, str], ...],
                 graph: ComputationGraph) -> sympy.Expr:
    """Parsed once per formula and set of labels (examples that share a network share it)."""
    return parse_back(latex, graph)


# Every example's default page (textbook), and each other strategy on a few examples (the
# leaves-only forms of the sigmoid networks take seconds each to parse).
PARSE_CASES = [(n, w, "textbook") for n, w in CASES] + [
    ("sigmoid_chain", "w3", "leaves"), ("linear_2_2_2", "w111", "leaves"),
    ("mazur_2_2_2", "w5", "leaves"), ("linear_2_2_2_2", "w111", "expand"),
    ("mazur_2_2_2", "w5", "expand"), ("branching_graph", "b", "factor"),
    ("padhai_4_4_2", "w211", "factor"), ("exp_exp_square", "x", "full"),
    ("sigmoid_chain", "w3", "full")]


@pytest.mark.parametrize(("name", "wrt", "strategy"), PARSE_CASES,
                         ids=["-".join(c) for c in PARSE_CASES])
def test_every_formula_parses_back_to_its_expression(name, wrt, strategy):
    page = latex_page(derivation(name, wrt), strategy=strategy)
    assert len(page.formulas) >= 2
    for expr, latex in page.formulas:
        assert _squash(latex) in _squash(page.body)
        assert sympy.expand(_parsed(latex, name) - expr) == 0, latex


def test_markdown_shows_the_same_formulas():
    d = derivation("mazur_2_2_2", "w1")
    page = latex_page(d)
    markdown = derivation_markdown(d)
    for _, latex in page.formulas:
        first_row = latex.split(r"\qquad")[0].strip()
        assert first_row in markdown


# -- chain-rule order ----------------------------------------------------------------------------

_FRACTION = re.compile(r"\\frac\{\\partial ((?:[^{}]|\{[^{}]*\})+)\}\{\\partial "
                       r"((?:[^{}]|\{[^{}]*\})+)\}")
_TEXT_PARTIAL = re.compile(r"∂(\w+)/∂(\w+)")


def _chain_nodes(pairs: list[tuple[str, str]]) -> list[str]:
    """The nodes a product of partials walks through, output end first; the product must be
    a chain (each denominator the next numerator)."""
    nodes = [pairs[0][0]]
    for of, wrt in pairs:
        assert of == nodes[-1], f"not a chain: {pairs}"
        nodes.append(wrt)
    return nodes


@pytest.mark.parametrize(("name", "wrt"), CASES, ids=[f"{n}-{w}" for n, w in CASES])
def test_printed_chain_rule_terms_follow_the_paths(name, wrt):
    d = derivation(name, wrt)
    g = d.graph
    label_of = {node.latex: n for n, node in g.nodes.items()}
    paths = [list(reversed(t.path.nodes)) for t in d.terms]
    page = page_model(d)
    (piece,) = pieces(page, page.section(Kind.CHAIN_RULE), latex_text)
    rows = piece.rows
    assert len(rows) == len(paths)
    for row, path in zip(rows, paths, strict=True):
        pairs = [(label_of[a], label_of[b]) for a, b in _FRACTION.findall(row.split("&")[1])]
        assert _chain_nodes(pairs) == path
    text = derivation_text(d)
    chain = text.split("Chain rule")[1].split("\n\n")[0]
    terms = [_TEXT_PARTIAL.findall(line.split("= ", 1)[-1].split("+ ", 1)[-1])
             for line in chain.splitlines()[1:]]
    assert [_chain_nodes(t) for t in terms] == paths
    markdown = derivation_markdown(d)
    for row in rows:
        assert row in markdown


@pytest.mark.parametrize(("name", "wrt"), [("padhai_4_4_2", "w131"), ("mazur_2_2_2", "w1"),
                                           ("linear_2_2_2_2", "w111")])
def test_factored_form_starts_with_the_shared_path_start(name, wrt):
    d = derivation(name, wrt)
    g = d.graph
    label_of = {node.latex: n for n, node in g.nodes.items()}
    page = page_model(d)
    factored = pieces(page, page.section(Kind.FACTORED), latex_text)[0].rows[0]
    shared = re.split(r"\\left\(|\\Bigl\(", factored.split("&= ", 1)[1])[0]
    pairs = [(label_of[a], label_of[b]) for a, b in _FRACTION.findall(shared)]
    starts = [t.path.edges for t in d.terms]
    common = [e for i, e in enumerate(starts[0]) if all(s[i] == e for s in starts)]
    assert [(w, o) for o, w in pairs] == common[:len(pairs)] and pairs


def test_numbers_table_multiplies_the_factors_in_chain_rule_order():
    d = derivation("padhai_4_4_2", "w131")
    text = derivation_text(d)
    table = text.split("Numbers")[1].splitlines()[2:6]
    for line, term in zip(table, d.terms, strict=True):
        numbers = [float(x) for x in line.split()[1].split(" · ")[0:1]] + [
            float(x) for x in re.findall(r"· (-?[\d.e-]+)", line)]
        assert numbers == pytest.approx([f.value for f in term.chain_rule_order], rel=1e-3)


# -- the text format -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", DISTINCT)
def test_text_fits_100_columns(name):
    """Every strategy for the first weight, the textbook page of one weight per layer and of
    every bias (or, for a graph, every input and parameter)."""
    p = problem(name)
    names = one_per_layer(p)
    if p.network is not None:
        names += [b for b in p.network.parameter_names() if b.startswith("b")]
    extra = ["--matrix"] if p.network else []
    for i, wrt in enumerate(names):
        strategies = STRATEGIES if i == 0 else ("textbook",)
        for strategy in strategies:
            status, out = run(["derive", name, "--wrt", wrt, "--simplify", strategy, *extra])
            assert status == 0
            for line in out.splitlines():
                assert len(line) <= 100 or " " not in line.strip(), line


def test_text_shows_every_section():
    d = derivation("mazur_2_2_2", "w1")
    text = derivation_text(d, learning_rate=0.5)
    for heading in ("Paths", "Chain rule", "Factored", "Deltas", "Local partials", "Result",
                    "Numbers"):
        assert f"\n{heading}" in text
    assert "w1+ = w1 − η ∂L/∂w1 = 0.15 − 0.5 · 0.0004385677345 = 0.1497807161" in text
    assert "152.4 %" in text and "-52.4 %" in text


# -- simplification strategies -------------------------------------------------------------------

@pytest.mark.parametrize(("name", "wrt"), CASES, ids=[f"{n}-{w}" for n, w in CASES])
def test_strategies_keep_the_value(name, wrt):
    d = derivation(name, wrt)
    grouped = collected(d)
    assert sympy.expand(grouped.expression - d.expression) == 0
    strategies = ("textbook", "expand", "factor") if d.path_count <= 4 else ("textbook",)
    for strategy in strategies:
        assert sympy.expand(simplify(d, strategy) - d.expression) == 0, strategy
    rng = np.random.default_rng(SEED)
    leaves = sorted(d.leaves.free_symbols, key=str)
    point = [float(rng.uniform(0.2, 0.8)) for _ in leaves]
    exact = lambdify(leaves, d.leaves)(*point)
    forms = ["leaves", "full"] if sympy.count_ops(d.leaves) <= 130 else ["leaves"]
    for strategy in forms:
        value = lambdify(leaves, simplify(d, strategy))(*point)
        assert value == pytest.approx(exact, rel=1e-9, abs=1e-12), strategy


def test_full_refuses_large_expressions_and_the_page_says_so():
    d = derivation("padhai_4_4_2", "w131")
    with pytest.raises(SimplifyLimitError, match="1411 operations"):
        simplify(d, "full")
    assert "1411 operations" in derivation_text(d, strategy="full")
    assert "1411 operations" in latex_page(d, strategy="full").body


def test_unknown_strategy_is_an_error():
    with pytest.raises(SymbackpropError, match="allowed: textbook"):
        simplify(derivation("branching_graph", "b"), "tidy")


@pytest.mark.parametrize("name", ["linear_2_2_2", "linear_2_2_2_2"])
def test_linear_networks_show_the_blog_posts_path_pattern(name):
    """dE/dw = x1 * sum_k delta_k * sum over paths of the product of the weights."""
    p = problem(name)
    d = derivation(name, "w111")
    grouped = collected(d)
    assert grouped.common == (symbol("x1"),)
    weights = set(map(symbol, p.network.parameter_names()))
    depth = p.network.depth
    for k, group in enumerate(grouped.groups, start=1):
        assert group.lead == (symbol(f"yhat{k}") - symbol(f"y{k}"),)
        assert len(group.paths) == 2 ** (depth - 2)
        for product in group.paths:
            assert set(product) <= weights and len(product) == depth - 1
    text = derivation_text(d)
    pattern = ("x1 · [(yhat1 - y1) · (w311 · w211 + w312 · w221) + (yhat2 - y2) · "
               "(w321 · w211 + w322 · w221)]" if depth == 3 else
               "x1 · [(yhat1 - y1) · w211 + (yhat2 - y2) · w221]")
    assert pattern in " ".join(text.split())


# -- the matrix form -----------------------------------------------------------------------------

LAYERED = [n for n in BUNDLED if problem(n).network is not None]


@pytest.mark.parametrize("name", LAYERED)
def test_matrix_form_agrees_with_the_path_sum_and_the_oracle(name):
    p = problem(name)
    oracle = matrix_backprop(p.network, p.values)
    for wrt in p.network.parameter_names():
        d = derivation(name, wrt)
        form = matrix_form(p.network, d)
        assert form.agrees and form.symbolic_agrees
        assert form.entry == pytest.approx(oracle[wrt], rel=1e-12, abs=1e-15)
        adjoints = {a.node: a.value for a in d.adjoints}
        names = p.network.names
        for j, delta in enumerate(form.steps[form.layer - 1].delta, start=1):
            node = names.pre_activation(form.layer, j)
            if node in adjoints:
                assert delta == pytest.approx(adjoints[node], rel=1e-10, abs=1e-15)


@pytest.mark.parametrize("key", sorted(ZOO_NETWORKS))
def test_matrix_form_on_the_zoo_networks(key):
    network = ZOO_NETWORKS[key]
    rng = np.random.default_rng(SEED)
    arrays = {"x": rng.uniform(-1, 1, network.layers[0]),
              "y": rng.dirichlet(np.ones(network.layers[-1]))}
    for layer in range(1, network.depth + 1):
        shape = (network.layers[layer], network.layers[layer - 1])
        arrays[f"W{layer}"] = rng.uniform(-1, 1, shape)
        if network.bias == "per_neuron":
            arrays[f"b{layer}"] = rng.uniform(-1, 1, network.layers[layer])
        elif network.bias == "per_layer":
            arrays[f"b{layer}"] = float(rng.uniform(-1, 1))
    values = network.values_from_arrays(arrays)
    graph = network.build()
    oracle = matrix_backprop(network, values)
    for wrt in network.parameter_names()[::3]:
        form = matrix_form(network, derive(graph, wrt, values=values))
        assert form.agrees and form.symbolic_agrees
        assert form.entry == pytest.approx(oracle[wrt], rel=1e-12, abs=1e-15)


def test_matrix_form_refuses_what_it_cannot_show():
    p = problem("mazur_2_2_2")
    with pytest.raises(SymbackpropError, match="weights and biases"):
        matrix_form(p.network, derive(p.graph, "h11", values=p.values))
    with pytest.raises(SymbackpropError, match="needs numbers"):
        matrix_form(p.network, derive(p.graph, "w1"))
    status = main(["derive", "branching_graph", "--wrt", "b", "--matrix"])
    assert status == 2


def test_matrix_page_boxes_the_entry_and_states_the_check():
    d = derivation("padhai_4_4_2", "w131")
    form = matrix_form(problem("padhai_4_4_2").network, d)
    body = latex_page(d, matrix=form).body
    assert r"\boxed{0.003159}" in body
    assert r"(\boldsymbol{\delta}_{1})_{3} &= {h_{13} \left(1 - h_{13}\right)} \cdot" in body
    assert "expands to the sum over the 4 paths" in body
    assert "(δ_1)_3 = h13*(1 - h13) · (w213 · (δ_2)_1 + w223 · (δ_2)_2)" in derivation_text(
        d, matrix=form)


# -- command line and Jupyter --------------------------------------------------------------------

def test_derive_formats():
    status, latex = run(["derive", "padhai_4_4_2", "--wrt", "w131", "--format", "latex"])
    assert status == 0 and r"\begin{align*}" in latex and r"\documentclass" not in latex
    status, document = run(["derive", "padhai_4_4_2", "--wrt", "w131", "--format", "latex",
                            "--standalone"])
    assert status == 0 and document.startswith(r"\documentclass")
    assert r"{\raggedright\Large\bfseries 4-4-2 network" in document
    status, markdown = run(["derive", "mazur_2_2_2", "--wrt", "w5", "--format", "markdown",
                            "--matrix"])
    assert status == 0 and markdown.startswith("# 2-2-2 sigmoid network")
    assert "\n$$\n\\begin{aligned}\n" in markdown and "| path | product | value | share |" in \
        markdown and "## The matrix form" in markdown
    status, data = run(["derive", "mazur_2_2_2", "--wrt", "w5", "--format", "json", "--matrix"])
    assert status == 0 and '"matrix": {' in data and '"symbolic_agrees": true' in data


def test_figure_flag_puts_the_tikz_picture_in_the_page():
    status, document = run(["derive", "sigmoid_chain", "--wrt", "w1", "--format", "latex",
                            "--standalone", "--figure"])
    assert status == 0
    assert r"\usepackage{tikz}" in document and r"\begin{tikzpicture}" in document


def test_jupyter_representations():
    d = derivation("mazur_2_2_2", "w1")
    latex = d._repr_latex_()
    assert latex.startswith("$$\\begin{aligned}") and latex.endswith("\\end{aligned}$$")
    assert latex.count("&=") == 4 and latex == derivation_math(d)
    assert d._repr_markdown_().startswith("## The derivative")


def test_long_sums_are_cut_and_summarised():
    from symbackprop.graph.network import LayeredNetwork

    net = LayeredNetwork((2, 6, 6, 3), ("sigmoid", "sigmoid"), "softmax", "cross_entropy")
    d = derive(net.build(), "w111")
    assert d.path_count == 54
    page = latex_page(d)
    assert r"\cdots \text{ (22 more)}" in page.body and "The factored form" not in page.body
    assert "more than 5,000 operations: too long to print here (too large to write out)" in \
        page.body
    assert "too long to typeset" in page.body  # the textbook form, one term per path
    text = derivation_text(d)
    assert "lines in all: too long to print whole" in text
    with pytest.raises(SimplifyLimitError, match="more than 5,000 operations"):
        simplify(d, "leaves")


# -- line breaking -------------------------------------------------------------------------------

def test_breaklines_cuts_a_long_sum_between_terms():
    terms = tuple((i % 3 == 0, Seq((Atom(f"w_{{{i}}}"), Atom(f"x_{{{i}}}")))) for i in
                  range(1, 30))
    node = Sum(terms)
    lines = breaklines(node, 30.0, 30.0)
    assert len(lines) > 1
    assert all(width(text) <= 30.0 for _, text in lines)
    joined = " ".join(text for _, text in lines).replace("{}", "")
    assert " ".join(joined.split()) == " ".join(flat(node).split())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 99), st.booleans()), min_size=1,
                max_size=25), st.floats(8.0, 40.0))
def test_breaklines_keeps_every_piece_in_order(spec, room):
    terms = []
    for negative, index, grouped in spec:
        atom = Atom(f"a_{{{index}}} b_{{{index}}}")
        inner = Group(Sum(((False, Atom("1")), (True, Atom(f"c_{{{index}}}"))))) if grouped \
            else Atom(f"d_{{{index}}}")
        terms.append((negative, Seq((atom, inner))))
    node = Sum(tuple(terms))
    lines = breaklines(node, room, room)
    text = " ".join(t for _, t in lines)
    for old, new in ((r"\Bigl(", r"\left("), (r"\Bigr)", r"\right)"), (r"\bigl(", r"\left("),
                     (r"\bigr)", r"\right)"), ("{}", "")):
        text = text.replace(old, new)
    assert " ".join(text.split()) == " ".join(flat(node).split())
    for level, line in lines:
        assert level >= 0
        if width(line) > room:  # only an unbreakable piece may be wider than a line
            assert " + " not in line.strip("{}+- ") or len(line) < 60


def test_width_estimate_is_close_for_a_chain():
    chain = " ".join([r"\frac{\partial a_{13}}{\partial w_{131}}"] * 5)
    assert 10.0 < width(chain) < 15.0  # pdflatex: 13.6 em at 11 pt
    assert width(chain) < TEXTWIDTH_EM


@pytest.mark.parametrize("argv", [
    ["paths", "branching_graph", "--wrt", "e"],
    ["paths", "branching_graph", "--wrt", "e", "--max-paths", "0"],
    ["derive", "branching_graph", "--wrt", "e"],
    ["derive", "branching_graph", "--wrt", "e", "--format", "latex"],
    ["derive", "branching_graph", "--wrt", "e", "--format", "markdown"],
])
def test_the_path_of_one_node_is_the_empty_product(argv: list[str],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """d e / d e: one path, no local partial; every view writes its product as 1 (they wrote
    nothing: '1. e     =  =  = 1', '∂e/∂e = ')."""
    from symbackprop.cli import main

    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "=  =" not in out and not re.search(r"= *(\n|\\\\|$)", out), out
    if argv[0] == "paths":
        assert "  1. e    1\n" in out and "total = 1" in out
