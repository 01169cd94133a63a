"""Render the derivation pages shown in docs/rendering.md, and the screenshots of the
interactive page shown in docs/explore.md, as PNG images.

Each derivation page is what ``symbackprop derive NAME --wrt W --format latex --standalone
--matrix`` writes, compiled with pdflatex and cut into one PNG per page with ``pdftoppm -png -r
110``; it needs pdflatex (Debian ``texlive-latex-base``) and pdftoppm (``poppler-utils``).  The
screenshots are of ``symbackprop explore`` pages in Debian's chromium, driven by Playwright
(``pip install playwright``; the system browser, no download).  CI does not run this script;
run it from the repository root after changing the renderers or the page:

    python docs/make_images.py [--explore]      # --explore: only the screenshots
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


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


TRANSPOSED_DW1 = ("[[-0.297, 0.160, 0.0146], [0.169, -0.0375, -0.0704], [-0.345, -0.0612, 0.339], "
                  "[0.398, 0.236, -0.675], [0.0334, -0.128, 0.207]]")
"""dL/dW1 of tensor_mlp transposed, as a student who writes dZ1.T @ X types it."""


def explore_screenshots(out: Path = OUT) -> list[Path]:
    """``explore_padhai_4_4_2_w131.png`` (a wide window, the third path pointed at, a mistake
    typed), ``explore_tensor_mlp_W1.png`` (the tensor page, a transposed dW1 typed) and
    ``explore_phone.png`` (a phone's width)."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium is not installed (Debian: apt-get install chromium)")
    shots = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        page_file = Path(tmp) / "w131.html"
        if main(["explore", "padhai_4_4_2", "--wrt", "w131", "-o", str(page_file)]) != 0:
            raise SystemExit("explore padhai_4_4_2 failed")
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        wide = browser.new_page(viewport={"width": 1320, "height": 860})
        wide.goto(page_file.as_uri())
        wide.fill("#answer", "-0.00316")
        wide.press("#answer", "Enter")
        wide.hover('.sbp-row[data-row="3"]')
        shots.append(out / "explore_padhai_4_4_2_w131.png")
        wide.screenshot(path=str(shots[-1]), full_page=True)
        tensor_file = Path(tmp) / "tensor_mlp.html"
        if main(["explore", "tensor_mlp", "--wrt", "W1", "-o", str(tensor_file)]) != 0:
            raise SystemExit("explore tensor_mlp failed")
        tensor = browser.new_page(viewport={"width": 1320, "height": 760})
        tensor.goto(tensor_file.as_uri())
        tensor.fill("#answer", TRANSPOSED_DW1)
        tensor.press("#answer", "Enter")
        shots.append(out / "explore_tensor_mlp_W1.png")
        tensor.screenshot(path=str(shots[-1]))
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.goto(page_file.as_uri())
        shots.append(out / "explore_phone.png")
        phone.screenshot(path=str(shots[-1]))
        browser.close()
    return shots


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    made = explore_screenshots()
    if "--explore" not in sys.argv[1:]:
        for page in PAGES:
            made += render(*page)
    for png in made:
        print(f"{png.relative_to(OUT.parent)}  {png.stat().st_size // 1024} KB")
    sys.exit(0)
