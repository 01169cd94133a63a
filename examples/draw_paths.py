"""Draw the paths of a derivative: every path from the weight to the loss in its own colour.

For dL/dw131 in the 4-4-2 network of the PadhAI notes there are 4 paths; the lecture notes use
only 2 (blue and green), missing the two through the softmax's coupling (red and pink).  For the
2-2-2 network of the Q&A thread on w1 versus w5, w5 has one path and w1 two.  Pictures go to the
folder given as the first argument (default: the current folder): PNG with matplotlib (``pip
install 'symbackprop[draw]'``), otherwise TikZ source for pdflatex.

Run:  python examples/draw_paths.py [FOLDER]
(the command line: `symbackprop draw padhai_4_4_2 --wrt w131 -o w131.png`)
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from symbackprop import derive, load_problem
from symbackprop.draw import render

PICTURES = [("padhai_4_4_2", "w131"), ("mazur_2_2_2", "w5"), ("mazur_2_2_2", "w1")]


def main(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    fmt = "png" if importlib.util.find_spec("matplotlib") else "tex"
    for name, weight in PICTURES:
        problem = load_problem(name)
        d = derive(problem.graph, weight, values=problem.values)
        picture = render(d, fmt, title=problem.title)
        target = folder / f"{name}_{weight}.{fmt}"
        if isinstance(picture, str):
            target.write_text(picture, encoding="utf-8")
        else:
            target.write_bytes(picture)
        plural = "path" if d.path_count == 1 else "paths"
        print(f"d{d.of}/d{d.wrt} in {name}: {d.path_count} {plural}")
        for number, term in enumerate(d.terms or (), start=1):
            print(f"    {number}. {term.path}  = {term.value:.6g}")
        print(f"    wrote {target} ({target.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()))
