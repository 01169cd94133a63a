"""MkDocs hooks: the example pages of ``symbackprop explore``, generated when the site is built.

docs/explore.md links to them; they are written from the bundled examples by the installed
package, so the site always shows what the current code writes (nothing generated is committed).
"""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import File, Files

EXPLORE_PAGES = {
    "examples/explore_padhai_4_4_2.html": ("padhai_4_4_2", "w131"),
    "examples/explore_mazur_2_2_2.html": ("mazur_2_2_2", "w1"),
}
"""Site path -> (bundled example, the parameter chosen when the page opens)."""


def explore_pages() -> dict[str, str]:
    """Every example page: site path -> the HTML ``symbackprop explore`` writes."""
    from symbackprop.explore import explore_page, explore_problem
    from symbackprop.spec import load_problem

    return {path: explore_page(explore_problem(load_problem(name), wrt))
            for path, (name, wrt) in EXPLORE_PAGES.items()}


def on_files(files: Files, config: Any) -> Files:
    """Add the example pages to the site's files (mkdocs copies them as they are)."""
    for path, page in explore_pages().items():
        files.append(File.generated(config, path, content=page))
    return files
