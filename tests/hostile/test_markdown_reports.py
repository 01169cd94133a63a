"""Markdown reports render hostile text as text: a file name, an unknown key, a title.

The check and grade reports quote what a student's file says (an unreadable file's error names
its key; the report names the file). Rendered by a real CommonMark renderer with GitHub's tables
(markdown-it-py, which passes raw HTML through as the default CommonMark preset does), no tag,
link, code span or table cell of theirs appears.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from symbackprop.cli import main

HOSTILE_KEY = '"<script>alert(1)</script> [x](javascript:y) `code` | cell" = 1\n'
HOSTILE_DIR = "d`ir<b>x<img src=q>|y [l](javascript:z)"


def _render(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with a hostile name, holding an unreadable file with a hostile key and a
    correct one (a bundled example written out)."""
    folder = tmp_path / HOSTILE_DIR
    folder.mkdir()
    (folder / "a <i>.toml").write_text(HOSTILE_KEY, encoding="utf-8")
    assert main(["export", "toml", "mazur_2_2_2", "-o", str(folder / "b.toml")]) == 0
    return folder


def test_a_check_report_renders_file_names_and_errors_as_text(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    main(["check", str(folder), "--format", "markdown", "--jobs", "1"])  # no fork in pytest
    markdown = capsys.readouterr().out
    html = _render(markdown)
    tags = set(re.findall(r"<([a-z]+)[ >]", html))
    assert tags <= {"h1", "h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "code",
                    "strong"}, tags
    assert "<a " not in html and "javascript" in html           # the link's text is kept
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("&lt;b&gt;x&lt;img src=q&gt;") >= 3       # table, heading, error
    rows = [line for line in markdown.splitlines() if line.startswith("| `")]
    assert len(rows) == 2 and all(len(re.split(r"(?<!\\)\|", row)) == 7 for row in rows)
    cells = re.findall(r"<tr>\s*<td>(.*?)</td>", html, re.S)
    assert len(cells) >= 2 and all(HOSTILE_DIR.replace("<", "&lt;").replace(">", "&gt;")
                                   in cell for cell in cells[:2]), cells


def test_a_check_report_of_one_file_names_it_as_text(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    main(["check", str(folder / "b.toml"), "--format", "markdown"])
    html = _render(capsys.readouterr().out)
    assert "<b>" not in html and "<img" not in html and "<a " not in html
    assert "&lt;b&gt;x&lt;img src=q&gt;" in html
