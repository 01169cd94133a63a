"""Names in any script the fonts have are typeset (LuaLaTeX), others are named; ASCII stays
pdflatex's.

The compiled tests read the PDF's text back with ``pdftotext`` (poppler-utils) and the log for
LuaTeX's "Missing character" (a glyph no font had).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from texcompile import compile_tex

from symbackprop.render.display import latex_text
from symbackprop.render.latex import latex_document
from symbackprop.render.scripts import (
    SCRIPTS,
    UNICODE_PREAMBLE,
    directed,
    script_of,
    tex_program,
    untypeset,
)

NAMES = ("Zoë Müller", "Саша Иванова", "Νίκος Παπαδόπουλος", "李雷", "佐藤 さくら", "김민준",
         "Nguyễn Văn Ánh", "Łukasz Żółć", "Ștefan Ionescu", "سارة أحمد", "דוד כהן", "Արամ",
         "გიორგი")
def _sample(script_ranges: tuple[tuple[int, int], ...], per_range: int = 40) -> list[str]:
    chars = []
    for low, high in script_ranges:
        step = max(1, (high - low) // per_range)
        codes = sorted({*range(low, high + 1, step), high})
        chars += [chr(c) for c in codes if unicodedata.category(chr(c)) != "Cn"
                  and chr(c) not in "\\{}%#$&^_~?"]  # LaTeX's specials, and the ? sought
    return chars


def test_ascii_is_pdflatex_and_anything_else_lualatex() -> None:
    assert tex_program("Ada Lovelace (ada) \\& co") == "pdflatex"
    for name in (*NAMES, "Anaïs", "Ωmega"):
        assert tex_program(name) == "lualatex", name
    plain = latex_document("Hello, Ada.", title="Homework 1")
    assert plain.startswith("\\documentclass") and "fontspec" not in plain
    assert latex_document("Hi.", program_line=True).startswith("% !TEX program = pdflatex\n")
    named = latex_document(latex_text("Hello, Zoë."))
    assert named.startswith("% !TEX program = lualatex\n") and UNICODE_PREAMBLE in named


def test_every_name_is_kept_and_right_to_left_runs_are_marked() -> None:
    for name in NAMES:
        assert untypeset(name) == [], name
        kept = latex_text(name)
        assert "?" not in kept
        assert kept.replace(r"\sbpRTL{", "").replace("}", "") == name
    assert directed("Dana دانا (s1)") == r"Dana \sbpRTL{دانا} (s1)"
    assert latex_text("עברית ו-English") == r"\sbpRTL{עברית ו}-English"


def test_a_character_no_font_has_is_named_and_written_as_a_question_mark() -> None:
    assert untypeset("Ananya अनन्या 🙂\u0378") == ["अ", "न", "्", "य", "ा", "🙂", "\u0378"]
    assert latex_text("Ananya अ 🙂") == "Ananya ? ?"
    assert script_of("\u0378") is None  # unassigned, inside the Greek block


def test_greek_words_stay_text_and_lone_letters_math() -> None:
    assert latex_text("Σωκράτης") == "Σωκράτης"
    assert latex_text("δ_h and η") == r"$\delta$\_h and $\eta$"
    assert latex_text("Zoe\u0308") == "Zoë"  # decomposed input is composed


def test_the_names_cover_every_script() -> None:
    names = {script_of(c).name for name in NAMES for c in name if c != " "}
    assert names >= {"Latin", "Cyrillic", "Greek", "CJK", "Japanese kana", "Korean",
                     "Hebrew", "Arabic", "Armenian", "Georgian"}
    assert sum(len(s.ranges) for s in SCRIPTS) > 40


def test_every_script_compiles_with_no_glyph_missing(tmp_path: Path) -> None:
    """A sample of every range of every script, in the regular and the bold face and as a
    section heading, typeset by LuaLaTeX: the log shows no missing character and the names
    come back from the PDF as they were written."""
    lines = []
    for script in SCRIPTS:
        chars = _sample(script.ranges)
        if script.name == "combining marks":
            chars = ["a" + c for c in chars]
        text = directed(" ".join("".join(chars[i:i + 20]) for i in range(0, len(chars), 20)))
        lines += [f"{script.name}: {text}\\par", f"\\textbf{{{text}}}\\par"]
    names = ", ".join(latex_text(n) for n in NAMES)
    body = "\n".join([*lines, f"\\section*{{Students {names}}}", names])
    pdf_text, log = compile_tex(tmp_path, "scripts", latex_document(body))
    missing = [line for line in log.splitlines() if "Missing character" in line]
    assert missing == [], missing[:10]
    flat = " ".join(pdf_text.split())
    for name in NAMES:
        assert name in flat or name[::-1] in flat, name
    assert "?" not in flat


def test_an_ascii_document_compiles_with_pdflatex(tmp_path: Path) -> None:
    pdf_text, _ = compile_tex(tmp_path, "plain", latex_document("Ada Lovelace, O'Brien.",
                                                                title="Homework"))
    assert "Ada Lovelace" in pdf_text


@pytest.mark.parametrize("name", ["Zoë Müller", "李雷"])
def test_a_name_alone_needs_lualatex_and_compiles(tmp_path: Path, name: str) -> None:
    document = latex_document(latex_text(name))
    assert document.splitlines()[0] == "% !TEX program = lualatex"
    pdf_text, _ = compile_tex(tmp_path, "one", document)
    assert name in pdf_text
