"""Compiling a LaTeX file in a test, with the engine its first line names, and reading back
its text (``pdftotext`` of poppler-utils) and its log."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from conftest import require_tool

MAGIC = "% !TEX program = "
BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def compile_tex(folder: Path, name: str, text: str) -> tuple[str, str]:
    """Compile with the engine the file's first line names; the PDF's text and the log."""
    first = text.split("\n", 1)[0]
    program = first.removeprefix(MAGIC) if first.startswith(MAGIC) else "pdflatex"
    engine = require_tool(program)
    pdftotext = require_tool("pdftotext")
    path = folder / f"{name}.tex"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([engine, "-no-shell-escape", "-interaction=nonstopmode",
                           "-halt-on-error", path.name], cwd=folder, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    pdf_text = subprocess.run([pdftotext, "-enc", "UTF-8", path.with_suffix(".pdf").name, "-"],
                              cwd=folder, capture_output=True, text=True, timeout=120,
                              check=True).stdout
    log = path.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    return BIDI_MARKS.sub("", pdf_text), log
