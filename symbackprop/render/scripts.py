r"""The scripts a text is written in, and the TeX engine and fonts that typeset it.

A LaTeX document made of ASCII only is typeset by ``pdflatex`` with the packages of TeX Live's
``texlive-latex-base``.  Any other character (a name such as Zoë Müller, Саша, Νίκος, 李雷,
佐藤 or דוד) needs LuaLaTeX (``texlive-luatex``) with ``fontspec``: Latin Modern for the text,
falling back glyph by glyph (``luaotfload``'s fallback, shaped by HarfBuzz) to DejaVu Serif and
DejaVu Sans (``fonts-dejavu-core``: Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic)
and WenQuanYi Micro Hei (``fonts-wqy-microhei``: Chinese, Japanese, Korean).  A run of Hebrew or
Arabic is set right to left (:func:`directed`).  :func:`tex_program` says which engine a
document needs; :data:`UNICODE_PREAMBLE` is what LuaLaTeX's preamble adds.

:data:`SCRIPTS` lists, script by script, the characters those fonts have in regular and in bold:
:func:`untypeset` names any other character of a text (an emoji, Devanagari, Thai, an
unassigned or a control character), which no font of the preamble could show.

Examples
--------
>>> tex_program("Ada Lovelace"), tex_program("Zoë Müller"), tex_program("李雷")
('pdflatex', 'lualatex', 'lualatex')
>>> [script_of(c).name for c in "aЖλ李あ한"]
['Latin', 'Cyrillic', 'Greek', 'CJK', 'Japanese kana', 'Korean']
>>> untypeset("Ananya अनन्या")
['अ', 'न', '्', 'य', 'ा']
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["PROGRAMS", "RTL_MACRO", "SCRIPTS", "UNICODE_PREAMBLE", "Script", "directed",
           "script_of", "tex_program", "untypeset"]

PROGRAMS = ("pdflatex", "lualatex")
"""The engines a document may need: ``pdflatex`` for ASCII, ``lualatex`` for any other text."""


@dataclass(frozen=True)
class Script:
    """A script the fonts of :data:`UNICODE_PREAMBLE` typeset: its name, its characters (ranges
    of code points, inclusive; unassigned code points inside a range are not characters) and
    whether it is written right to left.

    Examples
    --------
    >>> SCRIPTS[0]
    Script('Latin', 4 ranges)
    >>> "ü" in SCRIPTS[0], "Ж" in SCRIPTS[0]
    (True, False)
    """

    name: str
    ranges: tuple[tuple[int, int], ...]
    right_to_left: bool = False

    def __contains__(self, char: object) -> bool:
        if not isinstance(char, str) or len(char) != 1:
            return False
        code = ord(char)
        return any(low <= code <= high for low, high in self.ranges)

    def __repr__(self) -> str:
        return f"Script({self.name!r}, {len(self.ranges)} ranges)"


SCRIPTS: tuple[Script, ...] = (
    Script("Latin", ((0x0020, 0x007E), (0x00A0, 0x00AC), (0x00AE, 0x02AF), (0x1E00, 0x1EFB))),
    Script("Greek", ((0x0370, 0x03FF), (0x1F00, 0x1FFE))),
    Script("Cyrillic", ((0x0400, 0x0525),)),
    Script("Armenian", ((0x0531, 0x055F), (0x0561, 0x0587), (0x0589, 0x058A))),
    Script("Georgian", ((0x10A0, 0x10C5), (0x10D0, 0x10FC))),
    Script("Hebrew", ((0x05B0, 0x05C3), (0x05C6, 0x05EA), (0x05F0, 0x05F4)), right_to_left=True),
    Script("Arabic", ((0x060C, 0x060C), (0x061B, 0x061B), (0x061F, 0x061F), (0x0621, 0x063A),
                      (0x0640, 0x0655), (0x0660, 0x0670), (0x0679, 0x06BF), (0x06C6, 0x06C8),
                      (0x06CB, 0x06CC), (0x06CE, 0x06CE), (0x06D0, 0x06D0), (0x06D5, 0x06D5),
                      (0x06F0, 0x06F9), (0xFE70, 0xFEFC)), right_to_left=True),
    Script("CJK", ((0x3000, 0x3003), (0x3005, 0x3017), (0x301D, 0x301F), (0x3021, 0x3029),
                   (0x4E00, 0x9FC3), (0xFF01, 0xFF5E), (0xFF61, 0xFF9F), (0xFFE0, 0xFFE6))),
    Script("Japanese kana", ((0x3041, 0x3094), (0x3099, 0x309E), (0x30A1, 0x30F6),
                             (0x30FB, 0x30FE))),
    Script("Korean", ((0x3131, 0x318E), (0xAC00, 0xD7A3))),
    Script("combining marks", ((0x0300, 0x034F), (0x0351, 0x0353), (0x0357, 0x0358),
                               (0x035A, 0x035A), (0x035C, 0x0362))),
    Script("punctuation", ((0x2000, 0x200A), (0x2010, 0x2029), (0x202F, 0x205F))),
)
"""Every character the fonts of :data:`UNICODE_PREAMBLE` have, regular and bold (read from the
fonts of Debian 12's packages; ``tests/render/test_scripts.py`` typesets a sample of each
range with LuaLaTeX and finds none missing)."""

_RTL = "".join(f"{chr(low)}-{chr(high)}" for script in SCRIPTS if script.right_to_left
               for low, high in script.ranges)
_RTL_RUN = re.compile(f"[{_RTL}](?:[{_RTL}\\s]*[{_RTL}])?")

RTL_MACRO = "sbpRTL"
r"""The macro :func:`directed` wraps a right-to-left run in (``\sbpRTL{...}``), which
:data:`UNICODE_PREAMBLE` defines."""

_REGULAR = ("DejaVu Serif", "DejaVu Sans", "WenQuanYi Micro Hei")
_BOLD = ("DejaVu Serif/B", "DejaVu Sans/B", "WenQuanYi Micro Hei:embolden=1.5")  # no bold CJK


def _fallback(name: str, fonts: tuple[str, ...]) -> str:
    listed = ", ".join(f'"{font}{";" if ":" in font else ":"}mode=harf;"' for font in fonts)
    return rf'\directlua{{luaotfload.add_fallback("{name}", {{{listed}}})}}'


UNICODE_PREAMBLE = "\n".join((
    r"\usepackage{fontspec}",
    _fallback("sbpregular", _REGULAR),
    _fallback("sbpbold", _BOLD),
    r"\setmainfont{Latin Modern Roman}[RawFeature={fallback=sbpregular},"
    r" BoldFeatures={RawFeature={fallback=sbpbold}}]",
    rf"\newcommand{{\{RTL_MACRO}}}[1]{{{{\textdir TRT #1}}}}",
)) + "\n"
r"""What a LuaLaTeX document's preamble adds to typeset every script of :data:`SCRIPTS`: the
fonts, their fallbacks and ``\sbpRTL``."""


def script_of(char: str) -> Script | None:
    """The script of :data:`SCRIPTS` a character is in, or ``None`` (no font has it).

    Examples
    --------
    >>> script_of("ש"), script_of("🙂")
    (Script('Hebrew', 3 ranges), None)
    """
    if unicodedata.category(char) in ("Cn", "Cc", "Cs", "Co"):
        return None
    return next((script for script in SCRIPTS if char in script), None)


def untypeset(text: str) -> list[str]:
    """The characters of ``text`` (after NFC normalisation) that no font of the preamble has,
    each once, in order (line breaks and tabs are fine: they become spaces).

    Examples
    --------
    >>> untypeset("Zoë Müller, Саша, 李雷"), untypeset("ok 🙂")
    ([], ['🙂'])
    """
    seen: dict[str, None] = {}
    for char in unicodedata.normalize("NFC", text):
        if char not in "\t\n\r" and script_of(char) is None:
            seen.setdefault(char)
    return list(seen)


def tex_program(text: str) -> str:
    """The engine a document of ``text`` needs (:data:`PROGRAMS`): ``pdflatex`` when it is all
    ASCII, else ``lualatex``.

    Examples
    --------
    >>> tex_program(r"\\section*{Student Ada (ada)}"), tex_program("Νίκος")
    ('pdflatex', 'lualatex')
    """
    return "pdflatex" if text.isascii() else "lualatex"


def directed(text: str) -> str:
    r"""``text`` with each run of right-to-left script (Hebrew, Arabic; the spaces between its
    words included) wrapped in ``\sbpRTL{...}``, so that LuaLaTeX sets it right to left.

    Examples
    --------
    >>> directed("Dana דוד כהן (s07)")
    'Dana \\sbpRTL{דוד כהן} (s07)'
    >>> directed("Ada")
    'Ada'
    """
    return _RTL_RUN.sub(lambda run: rf"\{RTL_MACRO}{{{run.group(0)}}}", text)


def _check() -> None:
    """Checked at import: every range is well formed and no two scripts share a character."""
    spans = sorted((low, high, script.name) for script in SCRIPTS
                   for low, high in script.ranges)
    if any(low > high for low, high, _ in spans):
        raise RuntimeError("render.scripts: a range ends before it starts")
    for (_, high, name), (low, _, other) in itertools.pairwise(spans):
        if high >= low:
            raise RuntimeError(f"render.scripts: the ranges of {name} and {other} overlap")
    if len({script.name for script in SCRIPTS}) != len(SCRIPTS):
        raise RuntimeError("render.scripts: two scripts share a name")


_check()
