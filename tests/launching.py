"""How every browser test starts chromium: Debian's, driven by Playwright, headless, with
nothing of its own fetched (no sync, no component updates, no background networking)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from conftest import require_module, require_tool

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def launched_browser() -> Iterator[Any]:
    """One chromium, closed when the block ends; the test is skipped where chromium or
    Playwright is missing (failed where CI requires them)."""
    chromium = require_tool("chromium")
    require_module("playwright")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()
