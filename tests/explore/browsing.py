"""What the browser tests of both explore pages share (chromium itself is started by
:mod:`launching`): a page opened from disk with every other request aborted and recorded, the
pages written by the command line, and what a page must keep of hostile text.

The test modules define their fixtures from these (``browser`` a module, ``visit`` a test).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from test_explore_page import HOSTILE

from symbackprop.cli import main


def written_pages(folder: Path, names: Iterable[str]) -> dict[str, Path]:
    """The page of each bundled example in ``names``, written by the command line."""
    written = {}
    for name in names:
        written[name] = folder / f"{name}.html"
        assert main(["explore", name, "-o", str(written[name])]) == 0
    return written


class Visit:
    """A page opened from disk, every request but the page's own aborted and recorded."""

    def __init__(self, browser: Any, path: Path, ready: str | None = ".sbp-explore[data-ready]",
                 **context: Any) -> None:
        self.url = path.resolve().as_uri()
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", self._route)
        self.page.goto(self.url)
        if ready is not None:
            self.page.wait_for_selector(ready)

    def _route(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def answer(self, text: str, box: str = "answer", verdict: str = "verdict") -> tuple[
            str | None, str | None, str]:
        """Type ``text`` into the answer box, press Enter: the verdict's kind, mistake, text."""
        field = self.page.locator(f"#{box}")
        field.fill(text)
        field.press("Enter")
        kind, mistake, said = self.page.evaluate(
            "id => { const v = document.getElementById(id); return [v.dataset.kind ?? "
            "null, v.dataset.mistake ?? null, v.textContent]; }", verdict)
        return kind, mistake, said

    def answer_update(self, text: str) -> tuple[str | None, str | None, str]:
        """Type ``text`` into the updated-parameter box, press Enter: its verdict."""
        return self.answer(text, "update-answer", "update-verdict")

    def state(self) -> tuple[str, int, int, str]:
        """The chosen parameter, the highlighted paths, the path rows and the total."""
        chosen, paths, rows, total = self.page.evaluate(
            "() => [document.getElementById('sbp-choice').value, document.querySelectorAll("
            "'svg [data-path].highlighted').length, document.querySelectorAll('.sbp-row')"
            ".length, document.getElementById('total').textContent]")
        return chosen, paths, rows, total

    def hover_edge(self, index: int) -> None:
        """Move the mouse to the middle of edge ``index`` in the picture."""
        x, y = self.page.evaluate(
            "i => { const line = document.querySelector(`.sbp-edge[data-edge='${i}'] .sbp-hit`);"
            " const svg = line.ownerSVGElement; const p = svg.createSVGPoint();"
            " p.x = (line.x1.baseVal.value + line.x2.baseVal.value) / 2;"
            " p.y = (line.y1.baseVal.value + line.y2.baseVal.value) / 2;"
            " line.scrollIntoView({block: 'center'});"
            " const q = p.matrixTransform(line.getScreenCTM()); return [q.x, q.y]; }", index)
        self.page.mouse.move(x, y)

    def highlighted(self) -> int:
        return int(self.page.evaluate(
            "document.querySelectorAll('svg [data-path].highlighted').length"))

    def close(self) -> None:
        assert not self.errors, self.errors
        self.context.close()


def visits(browser: Any) -> Iterator[Callable[..., Visit]]:
    """Open pages (a fresh context each) for one test; every page is closed, and must have
    had no script error, when the test ends."""
    opened: list[Visit] = []

    def open_page(path: Path, **options: Any) -> Visit:
        opened.append(Visit(browser, path, **options))
        return opened[-1]

    yield open_page
    for page in opened:
        page.close()


def assert_hostile_text_kept(page: Visit) -> None:
    """The page of a problem whose title and source are :data:`HOSTILE` shows them as text:
    no dialog, no image, no script but the data and the page's own, nothing fetched."""
    assert page.dialogs == []
    assert page.page.locator("h1").text_content() == HOSTILE
    assert page.page.title() == HOSTILE
    assert page.page.locator("img").count() == 0
    assert page.page.evaluate("document.querySelectorAll('script').length") == 2
    assert page.blocked == []
