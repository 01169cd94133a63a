"""The interactive page in a real browser: Debian's chromium driven by Playwright.

One browser for the module, a fresh page a test.  Every bundled example and every parameter:
clicking its node highlights as many paths as ``symbackprop paths`` lists, ``#total`` shows the
value ``derive`` prints, the right answer and each precomputed mistake get their verdicts.  The
page's answer rule is compared with :mod:`symbackprop.check.judge` on a grid of answers, and
the page must make no request but its own load.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsing import Visit, assert_hostile_text_kept, visits, written_pages
from conftest import BUNDLED
from launching import launched_browser
from test_explore_page import hostile_problem

from symbackprop.calculus.derivation import derive
from symbackprop.calculus.paths import count_paths
from symbackprop.check.judge import judge_number
from symbackprop.cli import main
from symbackprop.explore import expand_page_data
from symbackprop.render.numbers import text_number
from symbackprop.spec import load_problem


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_browser() as launched:
        yield launched


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The page of every bundled example, written by the command line."""
    return written_pages(tmp_path_factory.mktemp("explore"), BUNDLED)


@pytest.fixture
def visit(browser: Any) -> Iterator[Any]:
    yield from visits(browser)


def _data(visit: Visit) -> dict[str, Any]:
    """The page's data as its script reads it, the same as Python's expansion of it."""
    seen = visit.page.evaluate("() => document.querySelector('.sbp-explore').sbpData")
    raw = json.loads(visit.page.locator("script#data").text_content() or "")
    assert seen == expand_page_data(raw)
    return seen


# -- the acceptance: every example, every parameter ---------------------------------------------

@pytest.mark.parametrize("name", BUNDLED)
def test_clicking_each_parameter_shows_its_paths_total_and_verdicts(
        name: str, pages: dict[str, Path], visit: Any) -> None:
    problem = load_problem(name)
    page = visit(pages[name])
    data = _data(page)
    for choice in data["choices"]:
        wrt = choice["name"]
        page.page.locator(f'svg [data-node="{wrt}"]').click()
        d = derive(problem.graph, wrt, values=problem.numeric_values)
        assert count_paths(problem.graph, wrt) == d.path_count
        total = "?" if d.value is None else text_number(d.value)
        assert page.state() == (wrt, d.path_count, d.path_count, total)
        if d.value is None:
            continue
        assert page.answer(text_number(d.value))[0] == "right"
        mistakes = [(m["name"], m["value"]) for m in choice["mistakes"]]
        for mistake in choice["mistakes"]:
            typed = f"{mistake['value']:.12e}"     # enough digits to tell it from the truth
            expected = judge_number(typed, d.value, mistakes)
            kind, named, said = page.answer(typed)
            assert (kind, named) == (expected.kind, expected.mistake)
            assert kind == "mistake" and named == mistake["name"]
            assert mistake["description"] in said
    assert page.blocked == [] and set(page.requests) == {page.url}


@pytest.mark.parametrize("name", [n for n in BUNDLED if load_problem(n).learning_rate])
def test_the_updated_parameter_is_checked_with_the_mistakes_of_a_step(
        name: str, pages: dict[str, Path], visit: Any) -> None:
    """With a learning rate, a second box judges w+ = w - eta dL/dw as check judges a
    'w+' claim: right, or named as a slip of the step (its sign, the learning rate left out,
    the step alone, the later layers updated first) or a mistake in the gradient."""
    problem = load_problem(name)
    page = visit(pages[name])
    box = page.page.locator(".sbp-update-check")
    seen: set[str] = set()
    for choice in _data(page)["choices"]:
        wrt = choice["name"]
        page.page.locator(f'svg [data-node="{wrt}"]').click()
        updated = choice["updated"]
        assert box.is_visible() == (updated is not None)
        if updated is None:
            continue
        d = derive(problem.graph, wrt, values=problem.numeric_values)
        after = problem.values[wrt] - problem.learning_rate * d.value
        assert abs(updated["value"] - after) <= 1e-12 * max(1.0, abs(after))
        kind, named, said = page.answer_update(f"{after:.10g}")
        assert kind == "right" and f"{wrt}+ = {updated['total']}" in said, said
        mistakes = [(m["name"], m["value"]) for m in updated["mistakes"]]
        for mistake in updated["mistakes"]:
            typed = f"{mistake['value']:.12e}"
            expected = judge_number(typed, updated["value"], mistakes, updated["tolerance"])
            kind, named, said = page.answer_update(typed)
            assert (kind, named) == (expected.kind, expected.mistake) == (
                "mistake", mistake["name"])
            assert mistake["description"] in said
            seen.add(named)
        assert page.answer_update("12345")[0] == "wrong"
        assert page.answer(f"{d.value:.10g}")[0] == "right"   # the derivative's box is its own
    slips = {"update_sign", "update_step_only"} | (  # (a rate of 1 left out changes nothing)
        {"update_learning_rate"} if problem.learning_rate != 1 else set())
    assert slips <= seen, seen
    assert page.blocked == [] and set(page.requests) == {page.url}


TYPED = [" 1/2", "", "abc", "0x10", "1e99999", "--1", "+.5", "5.", "-0", "0", "1e400",
         "1" * 45, " 3 ", "\t-2.50e-1\n", "1E+2", "٣", "1,5", "1,234", "0,853", "-12,500",
         "1.234,5", "1,2,3", "1.2.3", "0.85 3542", "12 34", "2.5×10^-3", "1,", "1 234,5",
         "\u22120.5", "\u2013,25", "0.853\u2009542", "1\u202f000", "2.5e\u22123", "\u00a00.5 "]


def _variants(value: float) -> list[str]:
    """A value typed in the ways people type it: digits, exponents, a Unicode minus, a
    decimal comma, spaces between groups."""
    typed = []
    for digits in range(1, 13):
        plain = f"{value:.{digits}g}"
        typed += [plain, f"{value:.{digits}e}", f"{-value:.{digits}g}", f"{value:.{digits}f}",
                  f"{value * 1.0001:.{digits}g}", plain.replace("-", "\u2212"),
                  plain.replace(".", ",")]
    return typed


def test_the_page_and_python_judge_a_grid_of_answers_alike(pages: dict[str, Path],
                                                            visit: Any) -> None:
    """The page's script against check.reading and check.judge on a grid of typed answers:
    the same verdict, mistake, tolerance, number read and reason a text is refused; with the
    digits a question asks for too (sbpJudgeValue, the rule grade applies)."""
    page = visit(pages["padhai_4_4_2"])
    data = _data(page)
    cases, valued = [], []
    for choice in data["choices"][:: 5] + [c for c in data["choices"] if c["name"] == "w212"]:
        targets = [choice["value"], *(m["value"] for m in choice["mistakes"])]
        typed = list(TYPED)
        for value in targets:
            typed += _variants(value)
        mistakes = [(m["name"], m["value"]) for m in choice["mistakes"]]
        for text in typed:
            verdict = judge_number(text, choice["value"], mistakes, choice["tolerance"])
            cases.append((text, choice["name"], [verdict.kind, verdict.mistake,
                                                  verdict.tolerance, verdict.read,
                                                  verdict.problem]))
            for digits in (2, 3, 4):
                asked = judge_number(text, choice["value"], mistakes, digits=digits)
                valued.append((text, choice["name"], digits, [
                    asked.kind, asked.mistake, asked.tolerance, asked.read, asked.problem]))
    judged = page.page.evaluate(
        "cases => cases.map(([text, name]) => { const v = document.querySelector("
        "'.sbp-explore').sbpJudge(text, name); return [v.kind, v.mistake, v.tolerance, v.read,"
        " v.problem]; })", [[text, name] for text, name, _ in cases])
    differ = [(c[0], c[1], c[2], j) for c, j in zip(cases, judged, strict=True) if c[2] != j]
    assert not differ, differ[:10]
    by_name = {c["name"]: c for c in data["choices"]}
    judged = page.page.evaluate(
        "cases => cases.map(([text, target, digits]) => { const v = document.querySelector("
        "'.sbp-explore').sbpJudgeValue(text, target, digits); return [v.kind, v.mistake, "
        "v.tolerance, v.read, v.problem]; })",
        [[text, by_name[name], digits] for text, name, digits, _ in valued])
    differ = [(c[0], c[1], c[2], c[3], j) for c, j in zip(valued, judged, strict=True)
              if c[3] != j]
    assert not differ, differ[:10]
    kinds = {c[2][0] for c in cases} | {c[3][0] for c in valued}
    assert kinds == {"right", "digits", "mistake", "wrong", "unreadable"}, kinds
    assert {c[2][4] for c in cases} > {""} and len(cases) > 1000


def test_the_page_judges_the_issues_digits_cases(pages: dict[str, Path], visit: Any) -> None:
    """w1+ = 0.853542 asked to 3 significant digits: the page's copy of the rule says what
    grade says, and names what it read."""
    page = visit(pages["padhai_4_4_2"])
    target = {"value": 0.853542, "tolerance": None, "total": "0.853542",
              "mistakes": [{"name": "update_sign", "value": 0.946542, "description": "up"}]}
    said = {}
    for text in ("0.854", "0.8535", "0.8536", "0.853542", "0.85", "0.853", "0.855", "0,947",
                 "\u22120.854"):
        verdict = page.page.evaluate(
            "([text, target]) => document.querySelector('.sbp-explore').sbpJudgeValue("
            "text, target, 3)", [text, target])
        said[text] = (verdict["kind"], verdict["said"])
    assert [said[t][0] for t in ("0.854", "0.8535", "0.8536", "0.853542")] == ["right"] * 4
    assert said["0.85"] == ("digits", "Give more digits: the question asks for 3 significant "
                                      "digits; 0.85 agrees with the right value to 2.")
    assert said["0.853"][0] == said["0.855"][0] == said["\u22120.854"][0] == "wrong"
    assert said["0,947"][0] == "mistake" and said["0,947"][1].startswith("Read as 0.947.")


# -- offline, safe ----------------------------------------------------------------------------

def test_the_page_makes_no_request(pages: dict[str, Path], visit: Any) -> None:
    page = visit(pages["padhai_4_4_2"])
    page.page.locator('svg [data-node="w212"]').click()
    page.page.locator("#answer").fill("0.1")
    page.page.locator("#answer").press("Enter")
    page.hover_edge(0)
    assert page.requests == [page.url]
    assert page.blocked == []


def test_hostile_text_stays_text_in_the_browser(tmp_path: Path, visit: Any) -> None:
    out = tmp_path / "hostile.html"
    assert main(["explore", str(hostile_problem(tmp_path)), "-o", str(out)]) == 0
    page = visit(out)
    page.page.locator('svg [data-node="w5"]').click()
    page.answer("0.08")
    assert_hostile_text_kept(page)


# -- hovering and the keyboard ---------------------------------------------------------------

def test_hovering_an_edge_shows_its_local_partial(pages: dict[str, Path], visit: Any) -> None:
    page = visit(pages["mazur_2_2_2"])
    data = _data(page)
    index = next(i for i, e in enumerate(data["edges"]) if e["from"] == "h11" and e["to"] == "a21")
    page.hover_edge(index)
    info = page.page.locator(".sbp-edge-info")
    assert info.get_attribute("data-edge") == str(index)
    assert (info.text_content() or "").endswith(f"= {data['edges'][index]['value']}")
    shown = info.locator("math").nth(1).evaluate("m => m.outerHTML")
    template = page.page.locator(f'.sbp-parts [data-partial="{index}"] math').evaluate(
        "m => m.outerHTML")
    assert shown == template and "w" in shown          # the partial of a21 by h11 is w5


def test_hovering_a_path_row_highlights_that_path(pages: dict[str, Path], visit: Any) -> None:
    page = visit(pages["padhai_4_4_2"])
    page.page.locator('svg [data-node="w131"]').click()
    page.page.locator('.sbp-row[data-row="3"]').hover()
    focused = page.page.evaluate(
        "[...document.querySelectorAll('.sbp-path.sbp-focus')].map(g => g.dataset.path)")
    assert focused == ["3"]
    assert page.page.evaluate("document.querySelector('.sbp-explore').classList"
                              ".contains('sbp-focusing')")
    page.page.mouse.move(1, 1)
    assert page.page.locator(".sbp-path.sbp-focus").count() == 0


def test_the_keyboard_chooses_a_parameter(pages: dict[str, Path], visit: Any) -> None:
    page = visit(pages["mazur_2_2_2"])
    page.page.locator("#sbp-choice").focus()
    for _ in range(3):                           # from the list, Tab reaches the first node
        page.page.keyboard.press("Tab")
        if page.page.evaluate("document.activeElement.dataset.node !== undefined"):
            break
    focused = page.page.evaluate("document.activeElement.dataset.node")
    assert focused in _data(page)["selected"] + "w1 w2 w3 w4 w5 w6 w7 w8 b1 b2"
    page.page.locator('svg [data-node="w7"]').focus()
    page.page.keyboard.press("Enter")
    assert page.page.locator("#sbp-choice").input_value() == "w7"
    page.page.locator('svg [data-node="w2"]').focus()
    page.page.keyboard.press(" ")
    assert page.page.locator("#sbp-choice").input_value() == "w2"
    assert page.page.locator('svg [data-node="w2"]').get_attribute("aria-pressed") == "true"
    page.page.locator("#sbp-choice").select_option("w5")
    assert page.highlighted() == 1


def test_a_phone_reads_the_page_in_one_column(pages: dict[str, Path], visit: Any,
                                              tmp_path: Path) -> None:
    page = visit(pages["padhai_4_4_2"], viewport={"width": 390, "height": 844},
                 device_scale_factor=2, is_mobile=True, has_touch=True)
    figure = page.page.locator(".sbp-figure").bounding_box()
    panel = page.page.locator(".sbp-panel").bounding_box()
    assert figure is not None and panel is not None
    assert panel["y"] >= figure["y"] + figure["height"] - 1     # below the picture
    assert page.page.evaluate("document.documentElement.scrollWidth") <= 390
    page.page.locator('svg [data-node="w131"]').tap()
    assert page.highlighted() == 4
    shot = tmp_path / "explore_phone.png"
    page.page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_jupyter_frame_works(visit: Any, tmp_path: Path) -> None:
    """Two derivations' displays in one notebook page: each frame is a page of its own."""
    problem = load_problem("mazur_2_2_2")
    w1, w5 = (derive(problem.graph, w, values=problem.values) for w in ("w1", "w5"))
    holder = tmp_path / "notebook.html"
    holder.write_text(f"<!DOCTYPE html><html><body>{w1._repr_html_()}{w5._repr_html_()}"
                      "</body></html>", encoding="utf-8")
    page = visit(holder, ready=None)
    for frame, d, paths in ((0, w1, 2), (1, w5, 1)):
        inside = page.page.frame_locator("iframe.sbp-frame").nth(frame)
        inside.locator(".sbp-explore[data-ready]").wait_for()
        assert inside.locator("#total").text_content() == text_number(d.value)
        assert inside.locator("svg [data-path].highlighted").count() == paths
        assert inside.locator("h1").text_content() == f"dL/d{d.wrt}: the paths from {d.wrt} to L"
        assert not inside.locator(".sbp-bar").is_visible()  # no other parameter to choose
    assert page.blocked == []
