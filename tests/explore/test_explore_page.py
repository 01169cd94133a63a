"""The interactive page without a browser: its data agrees with derive and paths, hostile text
stays text, the answer rule is check's, the page is small and requests nothing."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import BUNDLED, require_module
from hypothesis import given, settings
from hypothesis import strategies as st

from symbackprop.calculus.derivation import derive
from symbackprop.calculus.paths import count_paths
from symbackprop.check import check_problem
from symbackprop.check.judge import judge_number
from symbackprop.check.reading import read_number
from symbackprop.cli import main
from symbackprop.explore import (
    expand_page_data,
    explorable,
    explore_derivation,
    explore_page,
    explore_problem,
    script_json,
)
from symbackprop.explore.page import POLICY
from symbackprop.render.numbers import text_number
from symbackprop.spec import load_problem

HOSTILE = ('</script><script>alert("x")</script>"><img src=x onerror=alert(1)>{{ 7*7 }}'
           "<!-- \u2028\u2029 ünïcødé ∂L/∂w </title><svg onload=alert(2)>")


class _Elements(HTMLParser):
    """Every start tag of a document, with its attributes and its own text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[list[str]] = []
        self._open: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.texts.append([])
        if tag not in ("meta", "input", "br", "img", "line", "circle", "rect", "path"):
            self._open.append(len(self.tags) - 1)

    def handle_endtag(self, tag: str) -> None:
        while self._open and self.tags[self._open.pop()][0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self._open:
            self.texts[self._open[-1]].append(data)

    def text(self, tag: str) -> str:
        """The text of the first ``tag`` element."""
        return "".join(next(self.texts[i] for i, (t, _) in enumerate(self.tags) if t == tag))


def _parsed(page: str) -> _Elements:
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser


def raw_data(page: str) -> dict:
    """The data of a page (either page), as its JSON element holds it."""
    match = re.search(r'<script type="application/json" id="data" class="sbp-data">(.*?)'
                      r"</script>", page, re.DOTALL)
    assert match is not None
    return json.loads(match.group(1))


def _data(page: str) -> dict:
    return expand_page_data(raw_data(page))


EXAMPLES = Path(__file__).resolve().parents[2] / "symbackprop" / "spec" / "examples"


def hostile_problem(tmp_path: Path) -> Path:
    """The 2-2-2 example with a title and a source that try to break out of the page."""
    text = (EXAMPLES / "mazur_2_2_2.toml").read_text(encoding="utf-8")
    for key, value in (("title", HOSTILE), ("source", HOSTILE[::-1])):
        text = re.sub(rf'^{key} = ".*"$', lambda _, k=key, v=value: f"{k} = {json.dumps(v)}",
                      text, count=1, flags=re.MULTILINE)
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- what the page carries ------------------------------------------------------------------

@pytest.mark.parametrize("name", BUNDLED)
def test_every_parameter_has_the_paths_and_total_of_derive(name: str) -> None:
    problem = load_problem(name)
    data = _data(explore_page(explore_problem(problem)))
    names = [c["name"] for c in data["choices"]]
    assert names == explorable(problem.graph, problem.network) and names
    for choice in data["choices"]:
        d = derive(problem.graph, choice["name"], values=problem.numeric_values)
        assert choice["count"] == count_paths(problem.graph, choice["name"]) == d.path_count
        assert len(choice["paths"]) == d.path_count
        assert [p["nodes"] for p in choice["paths"]] == [list(p.nodes) for p in d.paths]
        assert choice["total"] == (None if d.value is None else text_number(d.value))
        for path, term in zip(choice["paths"], d.terms or (), strict=True):
            edges = [(data["edges"][e]["from"], data["edges"][e]["to"]) for e in path["edges"]]
            assert edges == list(term.path.edges)
            assert path["value"] == text_number(term.value)


def test_the_total_is_the_number_derive_prints(capsys: pytest.CaptureFixture[str]) -> None:
    main(["derive", "padhai_4_4_2", "--wrt", "w131"])
    printed = capsys.readouterr().out
    data = _data(explore_page(explore_problem(load_problem("padhai_4_4_2"))))
    total = next(c["total"] for c in data["choices"] if c["name"] == "w131")
    assert f"∂L/∂w131 = {total}\n" in printed
    update = next(c["update"] for c in data["choices"] if c["name"] == "w131")
    assert f"update: {update}" in printed


def test_the_local_partial_of_every_edge_is_the_graphs() -> None:
    problem = load_problem("mazur_2_2_2")
    data = _data(explore_page(explore_problem(problem)))
    forward = problem.graph.forward(problem.values)
    for edge in data["edges"]:
        expr = problem.graph.local_partial(edge["from"], edge["to"])
        assert edge["value"] == text_number(float(problem.graph.evaluate(expr, forward)))


def test_the_mistakes_are_the_predicted_ones() -> None:
    from symbackprop.check import mistaken_values

    problem = load_problem("padhai_4_4_2")
    data = _data(explore_page(explore_problem(problem)))
    choice = next(c for c in data["choices"] if c["name"] == "w212")
    predicted = mistaken_values(derive(problem.graph, "w212", values=problem.values))
    assert [(m["name"], m["value"]) for m in choice["mistakes"]] == [
        (m.name, m.value) for m in predicted]
    assert {"missing_path", "softmax_no_coupling", "sign"} <= {m.name for m in predicted}


def test_the_updated_parameter_has_the_mistakes_of_a_step(tmp_path: Path) -> None:
    """With a learning rate every parameter's entry has its value after one step and the
    values check predicts for the slips of a step (``mistaken_values(..., learning_rate=)``),
    and the file's tolerance of its 'w+' claim; without one, no entry."""
    from symbackprop.check import mistaken_values

    problem = load_problem("mazur_2_2_2")
    data = _data(explore_page(explore_problem(problem)))
    tolerances = {c.target: c.tolerance for c in problem.claims if c.kind == "update"}
    for choice in data["choices"]:
        d = derive(problem.graph, choice["name"], values=problem.values)
        updated = choice["updated"]
        assert updated["value"] == problem.values[d.wrt] - problem.learning_rate * d.value
        predicted = mistaken_values(d, learning_rate=problem.learning_rate)
        assert [(m["name"], m["value"]) for m in updated["mistakes"]] == [
            (m.name, m.value) for m in predicted]
        assert updated["tolerance"] == tolerances.get(d.wrt)
    assert {"update_sign", "update_learning_rate", "pre_update_order"} <= {
        m["name"] for c in data["choices"] for m in c["updated"]["mistakes"]}
    plain = _data(explore_page(explore_problem(load_problem("branching_graph"))))
    assert all(c["updated"] is None for c in plain["choices"])
    assert 'id="update-answer"' in explore_page(explore_problem(problem))


def test_every_kind_of_mistake_the_issue_names_is_on_some_page() -> None:
    """A missing path, a wrong softmax or sigmoid partial, a sign, the 1/2 of the loss."""
    seen = set()
    for name in ("padhai_4_4_2", "mazur_2_2_2", "sigmoid_chain"):
        data = _data(explore_page(explore_problem(load_problem(name))))
        seen |= {m["name"] for c in data["choices"] for m in c["mistakes"]}
    assert {"missing_path", "sign", "half_of_loss", "softmax_no_coupling"} <= seen
    assert any(n.startswith("sigmoid") for n in seen), seen


def test_above_the_path_limit_the_page_has_the_count_and_the_deltas() -> None:
    problem = load_problem("padhai_4_4_2")
    data = _data(explore_page(explore_problem(problem, max_paths=3)))
    first, last = data["choices"][0], data["choices"][-1]
    assert first["count"] == 4 and first["paths"] is None      # above the limit
    assert first["deltas"] and all(node in data["deltas"] for node in first["deltas"])
    assert first["edges"]                                      # the union is drawn
    assert last["count"] == 2 and len(last["paths"]) == 2


def test_wrt_chooses_the_parameter_and_an_unknown_one_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    assert main(["explore", "mazur_2_2_2", "--wrt", "w5", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert _data(page)["selected"] == "w5"
    assert '<option value="w5" selected>' in page
    assert main(["explore", "mazur_2_2_2", "--wrt", "h11", "-o", str(out)]) == 2


def test_of_offers_only_the_parameters_it_depends_on(tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    assert main(["explore", "mazur_2_2_2", "--of", "h11", "-o", str(out)]) == 0
    data = _data(out.read_text(encoding="utf-8"))
    assert [c["name"] for c in data["choices"]] == ["w1", "w2", "b1"]
    assert all(c["of"] == "h11" and c["update"] is None for c in data["choices"])
    assert main(["explore", "mazur_2_2_2", "--of", "x1", "-o", str(out)]) == 2


def test_a_file_without_values_gives_a_page_without_numbers(tmp_path: Path) -> None:
    path = tmp_path / "symbolic.toml"
    path.write_text('[network]\nlayers = [2, 2, 1]\nhidden = "sigmoid"\noutput = "sigmoid"\n'
                    'loss = "squared_error"\n', encoding="utf-8")
    data = _data(explore_page(explore_problem(load_problem(str(path)))))
    assert all(c["total"] is None and c["value"] is None and not c["mistakes"]
               for c in data["choices"])
    assert {e["value"] for e in data["edges"]} == {"?"}


def test_a_network_too_large_to_draw_is_refused_at_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "large.toml"
    path.write_text('[network]\nlayers = [16, 16, 16, 4]\nhidden = "sigmoid"\n'
                    'output = "softmax"\nloss = "cross_entropy"\n', encoding="utf-8")
    assert main(["explore", str(path), "-o", str(tmp_path / "page.html")]) == 2
    assert "too many to draw legibly on the page (at most 400)" in capsys.readouterr().err
    assert not (tmp_path / "page.html").exists()


def test_the_page_is_the_same_every_time() -> None:
    problem = load_problem("padhai_4_4_2")
    assert explore_page(explore_problem(problem)) == explore_page(explore_problem(problem))


# -- offline and safe ---------------------------------------------------------------------------

def test_the_page_requests_nothing() -> None:
    page = explore_page(explore_problem(load_problem("padhai_4_4_2")))
    elements = _parsed(page)
    for tag, attrs in elements.tags:
        for key in ("src", "href", "srcset", "action", "poster", "data"):
            assert key not in attrs, (tag, key)
    assert "url(" not in page.replace("url(#sbp-arrow)", "")
    assert "@import" not in page
    policy = next(a["content"] for t, a in elements.tags
                  if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert policy == POLICY and "default-src 'none'" in policy


def test_hostile_text_stays_text(tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    assert main(["explore", str(hostile_problem(tmp_path)), "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    elements = _parsed(page)
    tags = [t for t, _ in elements.tags]
    assert tags.count("script") == 2                # the data and the page's own script
    assert "img" not in tags
    assert sum(t == "svg" for t in tags) == 1       # the picture only, no injected one
    assert all(not k.startswith("on") for _, a in elements.tags for k in a)
    assert elements.text("h1") == HOSTILE
    assert elements.text("title") == HOSTILE
    assert _data(page)["title"] == HOSTILE


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_json_in_a_script_element_cannot_end_it(text: str) -> None:
    encoded = script_json({"title": text, "list": [text]})
    assert json.loads(encoded) == {"title": text, "list": [text]}
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert "\u2028" not in encoded and "\u2029" not in encoded


# -- the answer rule is check's --------------------------------------------------------------

GRID = ["0.08216704056", "0.0821670406", "0.08217", "0.0822", "0.082", "0.08", "0.1", "0",
        "-0.08217", "8.2167e-2", "8.217E-2", "82.17e-3", "0.08216", "0.08218", "0.0821",
        "0.08215", "1", "-1", "0.0410835", "0.04108", "0.1643", "0.16433408", "5e-2", "-0"]


def test_the_answer_rule_gives_checks_verdicts(tmp_path: Path) -> None:
    """Each answer of the grid, written as a claim in a problem file, is judged by
    ``check_problem`` as the page judges it."""
    base = load_problem("mazur_2_2_2")
    text = (EXAMPLES / "mazur_2_2_2.toml").read_text(encoding="utf-8")
    text = text.split("[[claims]]")[0]
    claims = "".join(f'\n[[claims]]\nof = "dL/dw5"\nvalue = {answer}\n' for answer in GRID)
    path = tmp_path / "grid.toml"
    path.write_text(text + claims, encoding="utf-8")
    report = check_problem(load_problem(str(path)))
    right = derive(base.graph, "w5", values=base.values).value
    for answer, result in zip(GRID, report.results, strict=True):
        verdict = judge_number(answer, right, [])
        assert (verdict.kind == "right") == (result.verdict == "correct"), answer
        assert verdict.tolerance == result.tolerance, answer
    assert {r.verdict for r in report.results} == {"correct", "incorrect"}


def test_what_may_be_typed() -> None:
    assert read_number("0.5") is not None and read_number(" -2.5E+3 ") is not None
    for text in ("", " ", "1/2", "0x1f", "1_000", "٣", "inf", "nan", "1e", "e5", "--1", "1e12345",
                 "1" * 41, "2*3", "(1)", "1,234", "1.5,0"):
        assert judge_number(text, 0.5).kind == "unreadable", text
    for text in ("1,5", "\u22120.5", "\u20130,5", "0.500\u20091"):  # what people type is read
        assert judge_number(text, 0.5).kind != "unreadable", text
    assert judge_number("1e400", 0.5).kind == "unreadable"  # not a finite number
    assert judge_number("1.50", 0.5).tolerance == pytest.approx(0.01)


# -- size ---------------------------------------------------------------------------------

def big_problem(folder: Path) -> Path:
    """An [8, 8, 8, 2] softmax network with every value given (fixed numbers)."""
    layers = [8, 8, 8, 2]
    lines = ['title = "8-8-8-2 network"', "learning_rate = 0.1", "[network]",
             f"layers = {layers}", 'hidden = "sigmoid"', 'output = "softmax"',
             'loss = "cross_entropy"', "[values]",
             f"x = {[round(0.1 * k - 0.35, 2) for k in range(8)]}", "y = [1, 0]"]
    for layer in range(1, 4):
        rows = [[round(((7 * j + 3 * k + layer) % 11 - 5) / 10, 2)
                 for k in range(layers[layer - 1])] for j in range(layers[layer])]
        lines.append(f"W{layer} = {rows}")
    path = folder / "big.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_8_8_8_2_page_stays_under_2_mb(tmp_path: Path) -> None:
    out = tmp_path / "big.html"
    assert main(["explore", str(big_problem(tmp_path)), "-o", str(out)]) == 0
    size = out.stat().st_size
    assert size < 2_000_000, size
    data = _data(out.read_text(encoding="utf-8"))
    assert len(data["choices"]) == 144
    assert max(c["count"] for c in data["choices"]) == 8 * 2 * 2


# -- Jupyter ---------------------------------------------------------------------------------

def test_a_derivation_shows_as_the_page_in_a_frame() -> None:
    problem = load_problem("mazur_2_2_2")
    d = derive(problem.graph, "w1", values=problem.values)
    fragment = d._repr_html_()
    assert fragment is not None
    elements = _parsed(fragment)
    assert [t for t, _ in elements.tags] == ["iframe"]     # no <html>, no global style or id
    (_, attrs), = elements.tags
    assert attrs["sandbox"] == "allow-scripts"
    inner = attrs["srcdoc"]
    assert inner is not None and inner == explore_page(explore_derivation(d))
    assert html.escape(inner, quote=True) in fragment
    assert [c["name"] for c in _data(inner)["choices"]] == ["w1"]


def test_a_derivation_page_promises_no_choice_it_does_not_offer() -> None:
    """A derivation's own page (Jupyter) shows one parameter: its heading names that
    derivative, and neither the choice nor the hint to click another parameter is shown; the
    page of a problem offers every parameter, and says so."""
    problem = load_problem("mazur_2_2_2")
    one = explore_page(explore_derivation(derive(problem.graph, "w1", values=problem.values)))
    assert "<h1>dL/dw1: the paths from w1 to L</h1>" in one
    assert "every parameter" not in one and "click a parameter" not in one
    assert '<div class="sbp-bar" hidden style="display: none">' in one
    every = explore_page(explore_problem(replace(problem, title="")))
    assert "<h1>dL: the paths of every parameter</h1>" in every
    assert "click a parameter's box" in every and '<div class="sbp-bar">' in every


# -- the docs ------------------------------------------------------------------------------

def test_the_docs_link_the_example_pages_the_site_generates() -> None:
    import importlib.util

    require_module("mkdocs")  # docs/hooks.py is a MkDocs hook: the docs extra

    docs = Path(__file__).resolve().parents[2] / "docs"
    spec = importlib.util.spec_from_file_location("docs_hooks", docs / "hooks.py")
    assert spec is not None and spec.loader is not None
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    pages = hooks.explore_pages()
    text = (docs / "explore.md").read_text(encoding="utf-8")
    for path, (name, wrt) in hooks.EXPLORE_PAGES.items():
        assert f"]({path})" in text
        assert pages[path] == explore_page(explore_problem(load_problem(name), wrt))
    for image in re.findall(r"\]\((images/[^)]+)\)", text):
        assert (docs / image).is_file(), image


def test_a_page_past_the_size_limit_is_refused_with_how_to_raise_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """MAX_PAGE_BYTES bounds the page (every path of every parameter, with its mistakes)."""
    from symbackprop.errors import SymbackpropError

    exploration = explore_problem(load_problem("padhai_4_4_2"))
    size = len(explore_page(exploration).encode())
    monkeypatch.setenv("SYMBACKPROP_MAX_PAGE_BYTES", str(size))
    assert len(explore_page(exploration).encode()) == size           # at the limit: written
    monkeypatch.setenv("SYMBACKPROP_MAX_PAGE_BYTES", str(size - 1))
    with pytest.raises(SymbackpropError, match=(
            rf"padhai_4_4_2.*: {size:,} bytes in its page, more than the limit of "
            rf"{size - 1:,} .*set SYMBACKPROP_MAX_PAGE_BYTES")):
        explore_page(exploration)


def test_a_path_left_out_is_described_by_its_route_once_for_every_path() -> None:
    """The page stores a missing path's description as a template (its route filled in by
    the script and by expand_page_data): the descriptions are check's own, and the table of
    texts holds each text once."""
    from symbackprop.check import mistaken_values

    problem = load_problem("padhai_4_4_2")
    match = re.search(r'class="sbp-data">(.*?)</script>',
                      explore_page(explore_problem(problem)), re.DOTALL)
    assert match is not None
    raw = json.loads(match.group(1))
    assert len(raw["texts"]) == len(set(raw["texts"]))
    assert "the path {path} left out" in raw["texts"]
    data = expand_page_data(raw)
    for choice in data["choices"]:
        d = derive(problem.graph, choice["name"], values=problem.values)
        assert [(m["name"], m["description"], m["value"], m["path"])
                for m in choice["mistakes"]] == [
            (m.name, m.description, m.value, m.path) for m in mistaken_values(d)]
