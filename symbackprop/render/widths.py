r"""Estimated widths of display math, in em, for breaking lines before they overflow.

Examples
--------
>>> width(r"\hat{y}_{1} - y_{1}") < width(r"\frac{\partial \mathcal{L}}{\partial w_{5}} = 1")
True
"""

from __future__ import annotations

import re

__all__ = ["width"]


_CHAR_EM = 0.5
_WIDE = {
    "partial": 0.57, "cdot": 0.78, "times": 1.0, "to": 1.55, "quad": 1.0, "qquad": 2.0,
    ",": 0.17, ";": 0.28, ":": 0.22, "!": -0.17, "mathcal": 0.0, "hat": 0.0, "sigma": 0.6,
    "delta": 0.45, "eta": 0.5, "odot": 1.3, "sum": 1.5, "prod": 1.6, "exp": 1.3, "log": 1.3,
    "ln": 0.9, "tanh": 2.0, "left": 0.0, "right": 0.0, "Bigl": 0.0, "Bigr": 0.0, "bigl": 0.0,
    "bigr": 0.0, "boldsymbol": 0.0, "mathbf": 0.0, "mathrm": 0.0, "text": 0.0, "operatorname": 0.0,
    "approx": 1.3, "checkmark": 0.8, "cdots": 1.2, "ldots": 1.2, "top": 0.75, "leq": 1.3,
    "tfrac": 0.0, "frac": 0.0, "dfrac": 0.0, "max": 1.8, "min": 1.6,
}
_SPACED = {"+": 1.3, "-": 1.3, "=": 1.35, "<": 1.35, ">": 1.35}
_NARROW = {"(": 0.39, ")": 0.39, "[": 0.28, "]": 0.28, ",": 0.28, ".": 0.28, "|": 0.28,
           "'": 0.28, "{": 0.0, "}": 0.0, " ": 0.0, "&": 0.0, "\\": 0.0, "1": 0.5}
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")


def width(latex: str, scale: float = 1.0) -> float:
    r"""An estimate of the width, in em, of ``latex`` set in display math.

    Letters and digits count half an em, binary operators with their spacing about 1.3 em,
    fractions the wider of numerator and denominator, sub- and superscripts 70 %.  Close enough
    to break lines before they overflow (the LaTeX tests check the real widths with pdflatex).

    Examples
    --------
    >>> width("x"), width("a + b"), round(width(r"\frac{\partial e}{\partial b}"), 2)
    (0.5, 2.3, 1.32)
    """
    return _Measure(latex).run(scale)


class _Measure:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def group(self, scale: float) -> float:
        """The width of the next brace group (or single token)."""
        self.skip_spaces()
        if self.i < len(self.text) and self.text[self.i] == "{":
            depth, start = 0, self.i
            while self.i < len(self.text):
                char = self.text[self.i]
                if char == "\\":
                    self.i += 2
                    continue
                depth += char == "{"
                depth -= char == "}"
                self.i += 1
                if depth == 0:
                    break
            return _Measure(self.text[start + 1:self.i - 1]).run(scale)
        start = self.i
        self.token()
        return _Measure(self.text[start:self.i]).run(scale)

    def skip_spaces(self) -> None:
        while self.i < len(self.text) and self.text[self.i] == " ":
            self.i += 1

    def token(self) -> str:
        match = _COMMAND.match(self.text, self.i)
        if match:
            self.i = match.end()
            return match.group(0)
        self.i += 1
        return self.text[self.i - 1]

    def run(self, scale: float) -> float:
        total = 0.0
        while self.i < len(self.text):
            token = self.token()
            if token.startswith("\\") and len(token) > 1:
                name = token[1:]
                if name in ("frac", "dfrac"):
                    total += max(self.group(scale), self.group(scale)) + 0.25 * scale
                elif name == "tfrac":
                    total += max(self.group(0.7 * scale), self.group(0.7 * scale)) + 0.2
                elif name in ("text", "mathrm", "operatorname"):
                    total += 0.9 * self.group(scale)
                elif name in ("hat", "mathcal", "boldsymbol", "mathbf", "bar", "tilde"):
                    total += 1.1 * self.group(scale)
                elif name in ("left", "right", "Bigl", "Bigr", "bigl", "bigr", "Big", "big"):
                    delimiter = self.token()
                    total += 0.45 * scale if delimiter != "." else 0.0
                elif name == "begin" or name == "end":
                    self.group(scale)
                else:
                    total += _WIDE.get(name, 0.6) * scale
            elif token in ("_", "^"):
                total += self.group(0.8 * scale)
            elif token in _SPACED:
                total += _SPACED[token] * scale
            elif token in _NARROW:
                total += _NARROW[token] * scale
            else:
                total += _CHAR_EM * scale
        return total
