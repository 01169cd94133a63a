"""Render the derivation pages shown in docs/rendering.md as PNG images.

Each page is what ``symbackprop derive NAME --wrt W --format latex --standalone --matrix``
writes, compiled with pdflatex and cut into one PNG per page with ``pdftoppm -png -r 110``.
Needs pdflatex (Debian ``texlive-latex-base``) and pdftoppm (``poppler-utils``).  CI does not
run this script; run it from the repository root after changing the renderers:

    python docs/make_images.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from symbackprop.cli import main

PAGES = [("padhai_4_4_2", "w131"), ("mazur_2_2_2", "w1"), ("mazur_2_2_2", "w5")]
OUT = Path(__file__).resolve().parent / "images"
RESOLUTION = 110


def render(name: str, wrt: str, out: Path = OUT) -> list[Path]:
    """The PNG pages of one derivation, written to ``out/derivation_NAME_W-N.png``."""
    for tool in ("pdflatex", "pdftoppm"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (texlive-latex-base, poppler-utils)")
    stem = f"derivation_{name}_{wrt}"
    for old in out.glob(f"{stem}-*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        tex = Path(tmp) / f"{stem}.tex"
        status = main(["derive", name, "--wrt", wrt, "--format", "latex", "--standalone",
                       "--matrix", "-o", str(tex)])
        if status != 0:
            raise SystemExit(f"derive {name} --wrt {wrt} failed ({status})")
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                       cwd=tmp, check=True, capture_output=True)
        subprocess.run(["pdftoppm", "-png", "-r", str(RESOLUTION), f"{stem}.pdf",
                        str(out / stem)], cwd=tmp, check=True)
    return sorted(out.glob(f"{stem}-*.png"))


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for page in PAGES:
        for png in render(*page):
            print(f"{png.relative_to(OUT.parent)}  {png.stat().st_size // 1024} KB")
    sys.exit(0)
